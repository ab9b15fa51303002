//! The API's routes: one table, matched with `matchit`, and checked against
//! the OpenAPI document by a test.

use std::sync::OnceLock;

use crate::error::ApiError;

/// Every operation of the HTTP API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    OpenApi,
    ListWebhooks,
    PutWebhook,
    GetWebhook,
    PatchWebhook,
    DeleteWebhook,
    GetSecret,
    RotateSecret,
    TestWebhook,
    ListAttempts,
    GetWebhookStatistics,
    ListUndelivered,
    Replay,
    Publish,
    Subscribe,
    CreateKey,
    ListKeys,
    DeleteKey,
    ResealSecrets,
    CreatePortalSession,
}

/// Method, path pattern (OpenAPI syntax) and operation.
pub(crate) const ROUTES: &[(&str, &str, Route)] = &[
    ("GET", "/v1/openapi.json", Route::OpenApi),
    ("GET", "/v1/caches/{cache}/webhooks", Route::ListWebhooks),
    (
        "POST",
        "/v1/caches/{cache}/portal-sessions",
        Route::CreatePortalSession,
    ),
    (
        "PUT",
        "/v1/caches/{cache}/webhooks/{name}",
        Route::PutWebhook,
    ),
    (
        "GET",
        "/v1/caches/{cache}/webhooks/{name}",
        Route::GetWebhook,
    ),
    (
        "PATCH",
        "/v1/caches/{cache}/webhooks/{name}",
        Route::PatchWebhook,
    ),
    (
        "DELETE",
        "/v1/caches/{cache}/webhooks/{name}",
        Route::DeleteWebhook,
    ),
    (
        "GET",
        "/v1/caches/{cache}/webhooks/{name}/secret",
        Route::GetSecret,
    ),
    (
        "POST",
        "/v1/caches/{cache}/webhooks/{name}/secret/rotate",
        Route::RotateSecret,
    ),
    (
        "POST",
        "/v1/caches/{cache}/webhooks/{name}/test",
        Route::TestWebhook,
    ),
    (
        "GET",
        "/v1/caches/{cache}/webhooks/{name}/attempts",
        Route::ListAttempts,
    ),
    (
        "GET",
        "/v1/caches/{cache}/webhooks/{name}/statistics",
        Route::GetWebhookStatistics,
    ),
    (
        "GET",
        "/v1/caches/{cache}/webhooks/{name}/undelivered",
        Route::ListUndelivered,
    ),
    (
        "POST",
        "/v1/caches/{cache}/webhooks/{name}/replay",
        Route::Replay,
    ),
    ("POST", "/v1/caches/{cache}/topics/{topic}", Route::Publish),
    (
        "GET",
        "/v1/caches/{cache}/topics/{topic}/subscribe",
        Route::Subscribe,
    ),
    ("POST", "/v1/keys", Route::CreateKey),
    ("GET", "/v1/keys", Route::ListKeys),
    ("DELETE", "/v1/keys/{tokenId}", Route::DeleteKey),
    ("POST", "/v1/admin/reseal", Route::ResealSecrets),
];

/// A matched request: the operation and its path parameters.
#[derive(Debug)]
pub(crate) struct Matched {
    pub(crate) route: Route,
    params: Vec<(String, String)>,
}

/// A path parameter as the client meant it: percent-decoded (names travel
/// `encodeURIComponent`-encoded, so `/`, `?`, `#`, `%` and spaces can be in
/// a segment). One that is not UTF-8 once decoded reads as empty, which no
/// cache, webhook or topic name and no token id is, so it is refused as
/// such. `+` stays `+`: it means a space only in a query.
fn decoded(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8()
        .map(std::borrow::Cow::into_owned)
        .unwrap_or_default()
}

impl Matched {
    /// A path parameter, percent-decoded; the table guarantees the names
    /// exist.
    pub(crate) fn param(&self, name: &str) -> &str {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

type Table = matchit::Router<Vec<(&'static str, Route)>>;

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut paths: Vec<(&str, Vec<(&str, Route)>)> = Vec::new();
        for &(method, path, route) in ROUTES {
            match paths.iter_mut().find(|(p, _)| *p == path) {
                Some((_, methods)) => methods.push((method, route)),
                None => paths.push((path, vec![(method, route)])),
            }
        }
        let mut table = Table::new();
        for (path, methods) in paths {
            // The patterns are constants checked by the tests below.
            let _ = table.insert(path, methods);
        }
        table
    })
}

/// Finds the operation for `method` and `path`: `not_found` for an unknown
/// path, `method_not_allowed` (with the methods the path takes) for a known
/// path with another method.
pub(crate) fn resolve(method: &str, path: &str) -> Result<Matched, ApiError> {
    let found = table()
        .at(path)
        .map_err(|_| ApiError::not_found("no such route"))?;
    let route = found
        .value
        .iter()
        .find(|(m, _)| *m == method)
        .map(|(_, route)| *route)
        .ok_or_else(|| {
            let methods: Vec<&str> = found.value.iter().map(|(m, _)| *m).collect();
            ApiError::method_not_allowed(methods.join(", "))
        })?;
    let params = found
        .params
        .iter()
        .map(|(k, v)| (k.to_owned(), decoded(v)))
        .collect();
    Ok(Matched { route, params })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_resolves_with_its_params() {
        for &(method, path, route) in ROUTES {
            let concrete = path
                .replace("{cache}", "shop")
                .replace("{name}", "hook")
                .replace("{topic}", "orders")
                .replace("{tokenId}", "tok_1");
            let matched = resolve(method, &concrete).unwrap();
            assert_eq!(matched.route, route, "{method} {path}");
        }
        let matched = resolve("POST", "/v1/caches/shop/webhooks/hook/test").unwrap();
        assert_eq!(
            (matched.param("cache"), matched.param("name")),
            ("shop", "hook")
        );
        assert_eq!(resolve("GET", "/v2/nothing").unwrap_err().status, 404);
        let matched = resolve(
            "GET",
            "/v1/caches/my%20caf%C3%A9/webhooks/a%2Fb%3F%23%25+%F0%9F%A6%80/secret",
        )
        .unwrap();
        assert_eq!(
            (matched.param("cache"), matched.param("name")),
            ("my café", "a/b?#%+🦀")
        );
        // Not UTF-8 once decoded: empty, which no name is.
        let matched = resolve("POST", "/v1/caches/shop/topics/%FF%FE").unwrap();
        assert_eq!(matched.param("topic"), "");
        let refused = resolve("POST", "/v1/caches/shop/webhooks").unwrap_err();
        assert_eq!(refused.status, 405);
        assert_eq!(refused.allow.as_deref(), Some("GET"));
        let refused = resolve("TRACE", "/v1/caches/shop/webhooks/hook").unwrap_err();
        assert_eq!(refused.allow.as_deref(), Some("PUT, GET, PATCH, DELETE"));
        assert_eq!(resolve("GET", "/v1/nothing").unwrap_err().allow, None);
    }

    /// The OpenAPI document lists exactly the routes of the table.
    #[test]
    fn openapi_document_matches_the_route_table() {
        let doc: serde_json::Value = serde_json::from_str(crate::openapi::DOCUMENT).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        let mut documented = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                if ["get", "put", "post", "patch", "delete"].contains(&method.as_str()) {
                    documented.push((method.to_uppercase(), path.clone()));
                }
            }
        }
        let mut routed: Vec<(String, String)> = ROUTES
            .iter()
            .map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned()))
            .collect();
        documented.sort();
        routed.sort();
        assert_eq!(documented, routed);
    }
}
