//! The management web page: static files compiled into the Worker and
//! served at `/` and `/ui/...`, with a policy that keeps the page on this
//! origin. The page talks to the same HTTP API as any other client.

use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use worker::{Request, Response};

use crate::error::{ApiError, ApiResult};
use crate::limits_doc;
use crate::platform::PortalSettings;

/// One file of the page.
pub(crate) struct Asset {
    /// The path it is served at.
    pub(crate) path: &'static str,
    /// Its `content-type`.
    pub(crate) content_type: &'static str,
    /// Where its bytes come from.
    pub(crate) source: Source,
}

/// Where the bytes of a file of the page come from.
pub(crate) enum Source {
    /// A file of `worker/ui/`, compiled in.
    File(&'static str),
    /// The module of the product's limits and defaults, made from the core
    /// once per isolate ([`limits_doc::javascript_module`]).
    Limits,
}

impl Asset {
    /// Its bytes.
    pub(crate) fn body(&self) -> &'static str {
        static LIMITS_MODULE: OnceLock<String> = OnceLock::new();
        match self.source {
            Source::File(body) => body,
            Source::Limits => LIMITS_MODULE.get_or_init(limits_doc::javascript_module),
        }
    }
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
            source: Source::File(include_str!(concat!("../ui/", $name))),
        }
    };
}

/// Every file of the page (`worker/ui/`, and the limits module made from
/// the core), by the path it is served at.
pub(crate) const ASSETS: &[Asset] = &[
    Asset {
        path: "/",
        content_type: HTML,
        source: Source::File(include_str!("../ui/index.html")),
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
    ui_file!("charts.js", JS),
    ui_file!("publish.js", JS),
    ui_file!("stream.js", JS),
    ui_file!("portal.js", JS),
    Asset {
        path: "/ui/limits.js",
        content_type: JS,
        source: Source::Limits,
    },
    ui_file!("vendor/eventsource-parser/parse.js", JS),
    ui_file!("vendor/eventsource-parser/errors.js", JS),
];

/// Scripts, styles, images and API calls from this origin only; no
/// plugins, no inline code; then who may frame the page.
const POLICY_BASE: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors";

/// Where the page opens for a portal session (the token follows in the
/// fragment).
pub(crate) const PORTAL_PATH: &str = "/portal";

/// The page in portal mode: marked for the scripts, with the deployment's
/// title and accent colour, framed only by `PORTAL_FRAME_ANCESTORS`.
pub(crate) fn portal(req: &Request, settings: &PortalSettings) -> ApiResult<Response> {
    require_get(req)?;
    let title = escape_html(settings.title.as_deref().unwrap_or("Webhooks"));
    let mut marks = String::from("<meta name=\"edgehooks-portal\" content=\"1\">\n");
    if let Some(accent) = &settings.accent {
        marks.push_str(&format!(
            "  <meta name=\"edgehooks-accent\" content=\"{}\">\n",
            escape_html(accent)
        ));
    }
    let page = ASSETS[0]
        .body()
        .replacen(
            "<title>edgehooks</title>",
            &format!("<title>{title}</title>"),
            1,
        )
        .replacen(
            "<meta charset=\"utf-8\">\n",
            &format!("<meta charset=\"utf-8\">\n  {marks}"),
            1,
        )
        .replacen("> edgehooks</a>", &format!("> {title}</a>"), 1);
    let response = Response::ok(page)?;
    let headers = response.headers();
    headers.set("content-type", HTML)?;
    headers.set("cache-control", "no-store")?;
    set_policy(headers, &settings.frame_ancestors)?;
    Ok(response)
}

/// `text` safe inside HTML text and attribute values.
fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// The index in `ASSETS` of the page's file at `path`, if there is one.
pub(crate) fn asset(path: &str) -> Option<usize> {
    ASSETS.iter().position(|asset| asset.path == path)
}

/// Serves `ASSETS[index]`: `GET` only, revalidated by its `ETag` (a digest
/// of its bytes, computed once per isolate), with the page's security
/// headers.
pub(crate) fn respond(index: usize, req: &Request) -> ApiResult<Response> {
    static ETAGS: OnceLock<Vec<String>> = OnceLock::new();
    require_get(req)?;
    let asset = &ASSETS[index];
    let etag = &ETAGS.get_or_init(|| ASSETS.iter().map(|a| etag(a.body())).collect())[index];
    let unchanged = req.headers().get("if-none-match")?.as_deref() == Some(etag.as_str());
    let response = if unchanged {
        Response::empty()?.with_status(304)
    } else {
        Response::ok(asset.body())?
    };
    let headers = response.headers();
    headers.set("content-type", asset.content_type)?;
    headers.set("etag", etag)?;
    headers.set("cache-control", "no-cache")?;
    set_policy(headers, &[])?;
    headers.set("cross-origin-opener-policy", "same-origin")?;
    Ok(response)
}

/// Refuses every method but `GET`, as sent (`Request::method` reads
/// unknown ones as GET).
fn require_get(req: &Request) -> ApiResult<()> {
    if req.inner().method() == "GET" {
        Ok(())
    } else {
        Err(ApiError::method_not_allowed("GET"))
    }
}

/// The page's security headers: its policy, framed by `ancestors` only
/// (by nobody when empty, then also `X-Frame-Options: DENY`), no sniffing,
/// no referrer.
fn set_policy(headers: &worker::Headers, ancestors: &[String]) -> ApiResult<()> {
    let framers = if ancestors.is_empty() {
        headers.set("x-frame-options", "DENY")?;
        "'none'".to_owned()
    } else {
        ancestors.join(" ")
    };
    headers.set(
        "content-security-policy",
        &format!("{POLICY_BASE} {framers}"),
    )?;
    headers.set("x-content-type-options", "nosniff")?;
    headers.set("referrer-policy", "no-referrer")?;
    Ok(())
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
            assert!(!asset.body().is_empty(), "{}", asset.path);
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
            for line in module.body().lines().filter(|l| l.starts_with("import ")) {
                let spec = line.split(['\'', '"']).nth(1).unwrap_or_default();
                let target = spec
                    .strip_prefix("./")
                    .map(|rest| format!("{dir}{rest}"))
                    .unwrap_or_else(|| spec.to_owned());
                assert!(asset(&target).is_some(), "{}: {spec}", module.path);
            }
        }
    }

    /// The body of `/ui/limits.js`.
    fn limits_module() -> &'static str {
        let index = asset("/ui/limits.js").expect("the limits module is served");
        assert_eq!(ASSETS[index].content_type, JS);
        ASSETS[index].body()
    }

    /// `limits.js` states each of the core's limits under its own name.
    #[test]
    fn the_limits_module_states_each_core_constant() {
        use edgehooks_core::limits::*;
        let as_u64 = |n: usize| n as u64;
        let numbers: &[(&str, u64)] = &[
            ("maxNameChars", as_u64(MAX_NAME_CHARS)),
            ("maxTopicsPerWebhook", as_u64(MAX_TOPICS_PER_WEBHOOK)),
            ("maxUrlBytes", as_u64(MAX_URL_BYTES)),
            ("maxDescriptionChars", as_u64(MAX_DESCRIPTION_CHARS)),
            ("minTimeoutMs", MIN_TIMEOUT_MS.into()),
            ("maxTimeoutMs", MAX_TIMEOUT_MS.into()),
            ("defaultTimeoutMs", DEFAULT_TIMEOUT_MS.into()),
            ("minRatePerSecond", 1),
            ("maxRatePerSecond", MAX_RATE_PER_SECOND.into()),
            ("minSecretBytes", as_u64(MIN_SECRET_BYTES)),
            ("maxSecretBytes", as_u64(MAX_SECRET_BYTES)),
            ("minStringSecretBytes", as_u64(MIN_STRING_SECRET_BYTES)),
            ("maxStringSecretBytes", as_u64(MAX_STRING_SECRET_BYTES)),
            ("minGraceSeconds", 0),
            ("maxGraceSeconds", MAX_GRACE_SECONDS.into()),
            ("maxRetries", as_u64(MAX_RETRIES)),
            ("minRetryDelaySeconds", 1),
            ("maxRetryDelaySeconds", MAX_DELAY_SECONDS.into()),
            ("maxRetryAfterSeconds", MAX_RETRY_AFTER_SECONDS),
            ("maxMessageBytes", as_u64(MAX_MESSAGE_BYTES)),
            ("maxCachesPerKey", as_u64(MAX_CACHES_PER_KEY)),
            ("minPortalTtlSeconds", MIN_PORTAL_TTL_SECONDS),
            ("maxPortalTtlSeconds", MAX_PORTAL_TTL_SECONDS),
            ("defaultPortalTtlSeconds", DEFAULT_PORTAL_TTL_SECONDS),
            ("maxWebhooksPerPortal", as_u64(MAX_WEBHOOKS_PER_PORTAL)),
            ("defaultPageSize", as_u64(DEFAULT_PAGE_SIZE)),
            ("maxPageSize", as_u64(MAX_PAGE_SIZE)),
            ("maxCustomHeaders", as_u64(MAX_CUSTOM_HEADERS)),
            ("maxHeaderNameBytes", as_u64(MAX_HEADER_NAME_BYTES)),
            ("maxHeaderValueBytes", as_u64(MAX_HEADER_VALUE_BYTES)),
            ("maxAuthFieldChars", as_u64(MAX_AUTH_FIELD_CHARS)),
            ("maxIdempotencyKeyChars", as_u64(MAX_IDEMPOTENCY_KEY_CHARS)),
        ];
        let module = limits_module();
        assert!(module.contains("export const LIMITS = Object.freeze({\n"));
        for (name, value) in numbers {
            assert!(
                module.contains(&format!("\n  {name}: {value},\n")),
                "{name}"
            );
        }
        let schedule: Vec<String> = DEFAULT_SCHEDULE_SECONDS
            .iter()
            .map(u32::to_string)
            .collect();
        let schedule = format!(
            "\n  defaultRetryScheduleSeconds: Object.freeze([{}]),\n",
            schedule.join(", ")
        );
        assert!(module.contains(&schedule), "{schedule}");
        // Every entry of the module is one of the above.
        assert_eq!(limits_doc::LIMITS.len(), numbers.len() + 1);
        assert!(module.ends_with("});\n"));
    }

    /// Every `LIMITS.name` the page's scripts read is in `limits.js`, so no
    /// field gets `undefined` for a bound.
    #[test]
    fn every_limit_the_page_reads_is_in_the_module() {
        let module = limits_module();
        let mut read = 0;
        for script in ASSETS.iter().filter(|a| a.content_type == JS) {
            let body = script.body();
            for (at, prefix) in body.match_indices("LIMITS.") {
                let rest = &body[at + prefix.len()..];
                let name: String = rest
                    .chars()
                    .take_while(char::is_ascii_alphanumeric)
                    .collect();
                assert!(
                    module.contains(&format!("\n  {name}: ")),
                    "{}: LIMITS.{name}",
                    script.path
                );
                read += 1;
            }
        }
        assert!(read > 0);
    }

    /// The page's own files restate none of the product's distinctive
    /// numbers: they read them from `limits.js`.
    #[test]
    fn the_page_restates_no_limit() {
        use edgehooks_core::limits::*;
        let distinctive = [
            MAX_NAME_CHARS.to_string(),
            MAX_URL_BYTES.to_string(),
            MAX_DESCRIPTION_CHARS.to_string(),
            MAX_TIMEOUT_MS.to_string(),
            MAX_GRACE_SECONDS.to_string(),
            MAX_DELAY_SECONDS.to_string(),
            MAX_STRING_SECRET_BYTES.to_string(),
            MAX_MESSAGE_BYTES.to_string(),
            MAX_PAGE_SIZE.to_string(),
        ];
        let own = ASSETS.iter().filter(|a| {
            matches!(a.source, Source::File(_))
                && [JS, HTML].contains(&a.content_type)
                && !a.path.contains("/vendor/")
        });
        for file in own {
            let body = file.body();
            for number in body
                .split(|c: char| !c.is_ascii_digit())
                .filter(|n| !n.is_empty())
            {
                assert!(
                    !distinctive.iter().any(|d| d == number),
                    "{}: {number}",
                    file.path
                );
            }
        }
    }

    #[test]
    fn etags_follow_the_content() {
        assert_eq!(etag("a"), etag("a"));
        assert_ne!(etag("a"), etag("b"));
    }
}
