//! Embeds `app/` (the front-end, as it is: plain ES modules, no bundler) into the crate: writes
//! `$OUT_DIR/assets.rs` with one `include_bytes!` per file and `VERSION`, a hash of every file's
//! path and content, which names the directory the assets are served under
//! (`/static/{VERSION}/…`) so that they can be cached for ever. `index.html` is written to
//! `$OUT_DIR` with `%VERSION%` replaced; it is served at `/` and never cached.
//!
//! Each file is also gzip-compressed here, once (`$OUT_DIR/gzip/{n}.gz`), when that makes it
//! smaller: the server sends those bytes to a browser that accepts gzip and never compresses at
//! run time.

use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("app/ is readable").flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// `bytes` gzip-compressed (RFC 1952, no file name, time 0: the same input gives the same
/// output) and written to `path`, as an `include_bytes!` of it; `None` when that is not smaller.
fn gzip(bytes: &[u8], path: &Path) -> String {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes).expect("compresses in memory");
    let packed = encoder.finish().expect("compresses in memory");
    if packed.len() >= bytes.len() {
        return "None".to_owned();
    }
    std::fs::write(path, packed).expect("OUT_DIR is writable");
    format!("Some(include_bytes!({:?}))", path.display().to_string())
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let app = root.join("app");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let packed = out.join("gzip");
    std::fs::create_dir_all(&packed).expect("OUT_DIR is writable");
    // A directory: cargo looks at every file under it.
    println!("cargo:rerun-if-changed=app");
    let mut all = Vec::new();
    files(&app, &mut all);
    let mut hash = Sha256::new();
    let mut list = String::new();
    for (n, path) in all.iter().enumerate() {
        let name = path.strip_prefix(&app).expect("under app/").to_string_lossy().replace('\\', "/");
        let bytes = std::fs::read(path).expect("an app file is readable");
        hash.update((name.len() as u64).to_le_bytes());
        hash.update(name.as_bytes());
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(&bytes);
        if name != "index.html" {
            let gz = gzip(&bytes, &packed.join(format!("{n}.gz")));
            list.push_str(&format!("    ({name:?}, include_bytes!({:?}), {gz}),\n", path.display().to_string()));
        }
    }
    let version = &hex::encode(hash.finalize())[..16];
    let index = std::fs::read_to_string(app.join("index.html")).expect("app/index.html is readable");
    let index = index.replace("%VERSION%", version);
    std::fs::write(out.join("index.html"), &index).expect("OUT_DIR is writable");
    let index_gz = gzip(index.as_bytes(), &packed.join("index.html.gz"));
    let code = format!(
        "/// A hash of every file of `app/`: the directory its assets are served under.\n\
         pub const VERSION: &str = {version:?};\n\
         /// A file: its path under `app/`, its bytes, and them gzip-compressed when that is smaller.\n\
         pub type File = (&'static str, &'static [u8], Option<&'static [u8]>);\n\
         /// `app/`'s files but `index.html`.\n\
         pub static FILES: &[File] = &[\n{list}];\n\
         /// `app/index.html` with `%VERSION%` replaced.\n\
         pub static INDEX: &[u8] = include_bytes!(concat!(env!(\"OUT_DIR\"), \"/index.html\"));\n\
         /// [`INDEX`] gzip-compressed.\n\
         pub static INDEX_GZIP: Option<&[u8]> = {index_gz};\n"
    );
    std::fs::write(out.join("assets.rs"), code).expect("OUT_DIR is writable");
}
