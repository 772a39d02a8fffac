//! Embeds `app/` (the front-end, as it is: plain ES modules, no bundler) into the crate: writes
//! `$OUT_DIR/assets.rs` with one `include_bytes!` per file and `VERSION`, a hash of every file's
//! path and content, which names the directory the assets are served under
//! (`/static/{VERSION}/…`) so that they can be cached for ever. `index.html` is written to
//! `$OUT_DIR` with `%VERSION%` replaced; it is served at `/` and never cached.

use std::path::{Path, PathBuf};

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

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let app = root.join("app");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    // A directory: cargo looks at every file under it.
    println!("cargo:rerun-if-changed=app");
    let mut all = Vec::new();
    files(&app, &mut all);
    let mut hash = Sha256::new();
    let mut list = String::new();
    for path in &all {
        let name = path.strip_prefix(&app).expect("under app/").to_string_lossy().replace('\\', "/");
        let bytes = std::fs::read(path).expect("an app file is readable");
        hash.update((name.len() as u64).to_le_bytes());
        hash.update(name.as_bytes());
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(&bytes);
        if name != "index.html" {
            list.push_str(&format!("    ({name:?}, include_bytes!({:?})),\n", path.display().to_string()));
        }
    }
    let version = &hex::encode(hash.finalize())[..16];
    let index = std::fs::read_to_string(app.join("index.html")).expect("app/index.html is readable");
    std::fs::write(out.join("index.html"), index.replace("%VERSION%", version)).expect("OUT_DIR is writable");
    let code = format!(
        "/// A hash of every file of `app/`: the directory its assets are served under.\n\
         pub const VERSION: &str = {version:?};\n\
         /// `app/`'s files but `index.html`, by their path under `app/`.\n\
         pub static FILES: &[(&str, &[u8])] = &[\n{list}];\n\
         /// `app/index.html` with `%VERSION%` replaced.\n\
         pub static INDEX: &[u8] = include_bytes!(concat!(env!(\"OUT_DIR\"), \"/index.html\"));\n"
    );
    std::fs::write(out.join("assets.rs"), code).expect("OUT_DIR is writable");
}
