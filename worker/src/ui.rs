//! The management web page: static files compiled into the Worker and
//! served at `/` and `/ui/...`, with a policy that keeps the page on this
//! origin. The page talks to the same HTTP API as any other client.

use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use worker::{Request, Response};

use crate::error::{ApiError, ApiResult};

/// One file of the page.
pub(crate) struct Asset {
    /// The path it is served at.
    pub(crate) path: &'static str,
    /// Its `content-type`.
    pub(crate) content_type: &'static str,
    /// Its bytes.
    pub(crate) body: &'static str,
}

const HTML: &str = "text/html; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const SVG: &str = "image/svg+xml";
const JS: &str = "text/javascript; charset=utf-8";

/// The file `worker/ui/{name}`, served at `/ui/{name}`.
macro_rules! ui_file {
    ($name:literal, $content_type:expr) => {
        Asset {
            path: concat!("/ui/", $name),
            content_type: $content_type,
            body: include_str!(concat!("../ui/", $name)),
        }
    };
}

/// Every file of the page (`worker/ui/`), by the path it is served at.
pub(crate) const ASSETS: &[Asset] = &[
    Asset {
        path: "/",
        content_type: HTML,
        body: include_str!("../ui/index.html"),
    },
    ui_file!("app.css", CSS),
    ui_file!("icon.svg", SVG),
    ui_file!("app.js", JS),
    ui_file!("api.js", JS),
    ui_file!("routes.js", JS),
    ui_file!("actions.js", JS),
    ui_file!("dom.js", JS),
    ui_file!("list.js", JS),
    ui_file!("form.js", JS),
    ui_file!("details.js", JS),
    ui_file!("publish.js", JS),
    ui_file!("stream.js", JS),
    ui_file!("vendor/eventsource-parser/parse.js", JS),
    ui_file!("vendor/eventsource-parser/errors.js", JS),
];

/// Scripts, styles, images and API calls from this origin only; no frames,
/// no plugins, no inline code.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// The index in `ASSETS` of the page's file at `path`, if there is one.
pub(crate) fn asset(path: &str) -> Option<usize> {
    ASSETS.iter().position(|asset| asset.path == path)
}

/// Serves `ASSETS[index]`: `GET` only, revalidated by its `ETag` (a digest
/// of its bytes, computed once per isolate), with the page's security
/// headers.
pub(crate) fn respond(index: usize, req: &Request) -> ApiResult<Response> {
    static ETAGS: OnceLock<Vec<String>> = OnceLock::new();
    if req.method() != worker::Method::Get {
        return Err(ApiError::method_not_allowed());
    }
    let asset = &ASSETS[index];
    let etag = &ETAGS.get_or_init(|| ASSETS.iter().map(|a| etag(a.body)).collect())[index];
    let unchanged = req.headers().get("if-none-match")?.as_deref() == Some(etag.as_str());
    let response = if unchanged {
        Response::empty()?.with_status(304)
    } else {
        Response::ok(asset.body)?
    };
    let headers = response.headers();
    headers.set("content-type", asset.content_type)?;
    headers.set("etag", etag)?;
    headers.set("cache-control", "no-cache")?;
    headers.set("content-security-policy", CONTENT_SECURITY_POLICY)?;
    headers.set("x-content-type-options", "nosniff")?;
    headers.set("referrer-policy", "no-referrer")?;
    headers.set("x-frame-options", "DENY")?;
    Ok(response)
}

/// A strong validator for `body`: 16 bytes of its SHA-256.
fn etag(body: &str) -> String {
    let digest = Sha256::digest(body.as_bytes());
    format!("\"{}\"", URL_SAFE_NO_PAD.encode(&digest[..16]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_has_its_own_path_and_no_api_path_is_shadowed() {
        for (i, asset) in ASSETS.iter().enumerate() {
            assert!(asset.path == "/" || asset.path.starts_with("/ui/"));
            assert!(ASSETS[i + 1..].iter().all(|a| a.path != asset.path));
            assert!(!asset.body.is_empty(), "{}", asset.path);
        }
        assert!(asset("/v1/keys").is_none());
        assert!(asset("/ui/").is_none());
    }

    /// Every module the page imports is served, so no import leaves the
    /// origin or 404s.
    #[test]
    fn every_imported_module_is_served() {
        for module in ASSETS.iter().filter(|a| a.content_type == JS) {
            let dir = &module.path[..=module.path.rfind('/').unwrap_or(0)];
            for line in module.body.lines().filter(|l| l.starts_with("import ")) {
                let spec = line.split(['\'', '"']).nth(1).unwrap_or_default();
                let target = spec
                    .strip_prefix("./")
                    .map(|rest| format!("{dir}{rest}"))
                    .unwrap_or_else(|| spec.to_owned());
                assert!(asset(&target).is_some(), "{}: {spec}", module.path);
            }
        }
    }

    #[test]
    fn etags_follow_the_content() {
        assert_eq!(etag("a"), etag("a"));
        assert_ne!(etag("a"), etag("b"));
    }
}
