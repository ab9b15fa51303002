//! The management web page: static files compiled into the Worker and
//! served at `/` and `/ui/...`, with a policy that keeps the page on this
//! origin. The page talks to the same HTTP API as any other client.

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

const JS: &str = "text/javascript; charset=utf-8";

/// Every file of the page (`worker/ui/`), by the path it is served at.
pub(crate) const ASSETS: &[Asset] = &[
    Asset {
        path: "/",
        content_type: "text/html; charset=utf-8",
        body: include_str!("../ui/index.html"),
    },
    Asset {
        path: "/ui/app.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../ui/app.css"),
    },
    Asset {
        path: "/ui/icon.svg",
        content_type: "image/svg+xml",
        body: include_str!("../ui/icon.svg"),
    },
    Asset {
        path: "/ui/app.js",
        content_type: JS,
        body: include_str!("../ui/app.js"),
    },
    Asset {
        path: "/ui/api.js",
        content_type: JS,
        body: include_str!("../ui/api.js"),
    },
    Asset {
        path: "/ui/routes.js",
        content_type: JS,
        body: include_str!("../ui/routes.js"),
    },
    Asset {
        path: "/ui/actions.js",
        content_type: JS,
        body: include_str!("../ui/actions.js"),
    },
    Asset {
        path: "/ui/dom.js",
        content_type: JS,
        body: include_str!("../ui/dom.js"),
    },
    Asset {
        path: "/ui/list.js",
        content_type: JS,
        body: include_str!("../ui/list.js"),
    },
    Asset {
        path: "/ui/form.js",
        content_type: JS,
        body: include_str!("../ui/form.js"),
    },
    Asset {
        path: "/ui/details.js",
        content_type: JS,
        body: include_str!("../ui/details.js"),
    },
    Asset {
        path: "/ui/publish.js",
        content_type: JS,
        body: include_str!("../ui/publish.js"),
    },
    Asset {
        path: "/ui/stream.js",
        content_type: JS,
        body: include_str!("../ui/stream.js"),
    },
    Asset {
        path: "/ui/vendor/eventsource-parser/parse.js",
        content_type: JS,
        body: include_str!("../ui/vendor/eventsource-parser/parse.js"),
    },
    Asset {
        path: "/ui/vendor/eventsource-parser/errors.js",
        content_type: JS,
        body: include_str!("../ui/vendor/eventsource-parser/errors.js"),
    },
];

/// Scripts, styles, images and API calls from this origin only; no frames,
/// no plugins, no inline code.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// The page's file at `path`, if there is one.
pub(crate) fn asset(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|asset| asset.path == path)
}

/// Serves `asset`: `GET` only, revalidated by its `ETag` (a digest of its
/// bytes), with the page's security headers.
pub(crate) fn respond(asset: &Asset, req: &Request) -> ApiResult<Response> {
    if req.method() != worker::Method::Get {
        return Err(ApiError::method_not_allowed());
    }
    let etag = etag(asset.body);
    let unchanged = req.headers().get("if-none-match")?.as_deref() == Some(etag.as_str());
    let response = if unchanged {
        Response::empty()?.with_status(304)
    } else {
        Response::ok(asset.body)?
    };
    let headers = response.headers();
    headers.set("content-type", asset.content_type)?;
    headers.set("etag", &etag)?;
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
