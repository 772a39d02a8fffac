//! The web client (issue 16): its front-end, embedded in the binary, and its login sessions.
//!
//! - `app/` holds the front-end as it is served: plain ES modules and CSS, no bundler, no Node.js
//!   at run time. `build.rs` embeds every file; [`asset`] finds one by its URL path. `index.html`
//!   is served at `/` and never cached; everything else under `/static/{VERSION}/`, where
//!   [`VERSION`] hashes every file, so it is cached for a year and immutable.
//!   Each file is also embedded gzip-compressed when that is smaller (compressed by `build.rs`);
//!   [`Asset::encoded`] picks the bytes a request's `Accept-Encoding` allows ([`encoding`]).
//! - [`session`]: what a login session is made of (random tokens, kept hashed in the store) and
//!   its bounds.
//!
//! This crate does no I/O and knows no HTTP library: the binary's router (`crates/relais`,
//! `http_web`) answers with what it returns, and authentication is the directory's.

pub mod encoding;
pub mod session;

mod assets {
    include!(concat!(env!("OUT_DIR"), "/assets.rs"));
}

pub use assets::VERSION;

/// The Content-Security-Policy of the application's pages: nothing inline, nothing from
/// elsewhere, no framing by others (CSP Level 3). The message frame has its own ([`frame_csp`]).
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// The policy of the document a message's HTML is shown in (`/web/frame`, in an iframe
/// sandboxed without scripts): no script at all, inline styles allowed (messages are styled
/// inline, and no script can use them), nothing fetched from elsewhere — so neither remote
/// images nor CSS `url()` reach a tracker — unless the user allowed remote images for this
/// message, and then images only. Images of our own origin load: a message's inline (`cid:`)
/// images, which the page points at their parts' JMAP download URLs (served as attachments,
/// `nosniff`, so only ever shown as an image).
pub fn frame_csp(remote_images: bool) -> &'static str {
    if remote_images {
        "default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; img-src 'self' data: https: http:; \
         form-action 'none'; base-uri 'none'; frame-ancestors 'self'"
    } else {
        "default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
         form-action 'none'; base-uri 'none'; frame-ancestors 'self'"
    }
}

/// The (empty) document of the message frame; the page fills its body.
pub const FRAME: &[u8] =
    b"<!doctype html><html><head><meta charset=\"utf-8\"><title>message</title></head><body></body></html>";

/// An embedded file and how to send it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asset {
    pub body: &'static [u8],
    /// `body` gzip-compressed, when that is smaller.
    pub gzip: Option<&'static [u8]>,
    pub content_type: &'static str,
    pub cache_control: &'static str,
}

impl Asset {
    /// The bytes to send to a request whose `Accept-Encoding` is `accept`, and their
    /// `Content-Encoding` (`None`: identity). The answer varies with `Accept-Encoding` whenever
    /// [`Asset::gzip`] is there.
    pub fn encoded(&self, accept: Option<&str>) -> (&'static [u8], Option<&'static str>) {
        match self.gzip {
            Some(gzip) if encoding::accepts_gzip(accept) => (gzip, Some("gzip")),
            _ => (self.body, None),
        }
    }
}

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const NO_CACHE: &str = "no-cache";

/// The asset a GET of `path` answers: `/` (the page), or a file under `/static/{VERSION}/`.
/// A file under another version is not found: an old page asking for it must reload.
pub fn asset(path: &str) -> Option<Asset> {
    if path == "/" || path == "/index.html" {
        return Some(Asset {
            body: assets::INDEX,
            gzip: assets::INDEX_GZIP,
            content_type: "text/html; charset=utf-8",
            cache_control: NO_CACHE,
        });
    }
    let name = path.strip_prefix("/static/")?.strip_prefix(VERSION)?.strip_prefix('/')?;
    let (_, body, gzip) = assets::FILES.iter().find(|(n, _, _)| *n == name)?;
    Some(Asset { body, gzip: *gzip, content_type: content_type(name), cache_control: IMMUTABLE })
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("html") => "text/html; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assets_by_path() {
        let index = asset("/").unwrap();
        assert_eq!(index.cache_control, NO_CACHE);
        let page = std::str::from_utf8(index.body).unwrap();
        assert!(page.contains(&format!("/static/{VERSION}/js/main.js")), "{page}");
        assert!(!page.contains("%VERSION%"));
        let main = asset(&format!("/static/{VERSION}/js/main.js")).unwrap();
        assert_eq!(main.content_type, "text/javascript; charset=utf-8");
        assert_eq!(main.cache_control, IMMUTABLE);
        for path in [
            "/static/0000000000000000/js/main.js",
            &format!("/static/{VERSION}/js/nothing.js"),
            &format!("/static/{VERSION}/../Cargo.toml"),
            &format!("/static/{VERSION}/index.html"),
            &format!("/static/{VERSION}"),
            "/static/",
            "/index.htm",
        ] {
            assert_eq!(asset(path), None, "{path}");
        }
    }

    #[test]
    fn assets_gzip_compressed_when_accepted() {
        use std::io::Read;
        let main = asset(&format!("/static/{VERSION}/js/main.js")).unwrap();
        let gzip = main.gzip.expect("JavaScript compresses");
        assert!(gzip.len() < main.body.len());
        let mut unpacked = Vec::new();
        flate2::read::GzDecoder::new(gzip).read_to_end(&mut unpacked).unwrap();
        assert_eq!(unpacked, main.body);
        assert_eq!(main.encoded(Some("gzip, deflate, br")), (gzip, Some("gzip")));
        assert_eq!(main.encoded(Some("gzip;q=0, br")), (main.body, None));
        assert_eq!(main.encoded(None), (main.body, None));
        let index = asset("/").unwrap();
        let mut page = Vec::new();
        flate2::read::GzDecoder::new(index.gzip.expect("the page compresses")).read_to_end(&mut page).unwrap();
        assert_eq!(page, index.body);
        // Every embedded file: its compressed form, when there is one, is itself and smaller.
        for (name, body, gzip) in assets::FILES {
            if let Some(gzip) = gzip {
                let mut unpacked = Vec::new();
                flate2::read::GzDecoder::new(*gzip).read_to_end(&mut unpacked).unwrap();
                assert!(unpacked == *body && gzip.len() < body.len(), "{name}");
            }
        }
    }

    #[test]
    fn policies_forbid_scripts_inline_and_framing() {
        assert!(CSP.contains("frame-ancestors 'none'") && CSP.contains("default-src 'self'"));
        assert!(!CSP.contains("unsafe"));
        for remote in [false, true] {
            let csp = frame_csp(remote);
            assert!(csp.contains("script-src 'none'") && csp.contains("default-src 'none'"));
            assert_eq!(csp.contains("https:"), remote);
            assert!(csp.contains("img-src 'self' data:"), "{csp}");
        }
    }
}
