//! The OpenAPI 3.1 document of the API, served at `/v1/openapi.json`.

use worker::Response;

use crate::error::ApiResult;

/// The document, kept next to the code it describes. Every limit and
/// default it states is checked against the core's by the tests below.
pub(crate) const DOCUMENT: &str = include_str!("../openapi.json");

/// The document as a response (public: no key needed).
pub(crate) fn response() -> ApiResult<Response> {
    let response = Response::ok(DOCUMENT)?;
    response.headers().set("content-type", "application/json")?;
    Ok(response)
}

#[cfg(test)]
mod tests {
    use edgehooks_core::service::hourly::{KEPT_HOURS, LATENCY_BINS};
    use serde_json::Value;

    use super::DOCUMENT;
    use crate::limits_doc::number_named;

    /// What a bound in the document must be.
    enum Expected {
        /// The number of this name in `limits.js`, taken from the core.
        Limit(&'static str),
        /// A number that is no limit of the product (a count starts at 0).
        Fixed(u64),
        /// A cache, webhook or topic name: 1 to `maxNameChars` characters
        /// (`minLength` and `maxLength` count Unicode code points) that
        /// match [`NAME_PATTERN`].
        Name,
        /// A format that is no limit of the product.
        Pattern(&'static str),
        /// A pattern made from the core's rules.
        Made(fn() -> String),
    }

    use Expected::{Fixed, Limit, Made, Name, Pattern};

    /// The core's `validate_name` as a pattern: no control character (Cc:
    /// U+0000-U+001F, U+007F-U+009F), no `/`, and not `.` or `..`; the
    /// length is bounded by `minLength` and `maxLength` beside it.
    const NAME_PATTERN: &str = r"^(?!\.\.?$)[^/\u0000-\u001F\u007F-\u009F]+$";

    /// A cache of an API key's scope: a name other than `*`, which stands
    /// alone for every cache.
    const KEY_CACHE_PATTERN: &str = r"^(?!\*$)(?!\.\.?$)[^/\u0000-\u001F\u007F-\u009F]+$";

    /// The core's `validate_description`: no control character but tab and
    /// newline.
    const DESCRIPTION_PATTERN: &str = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*$";

    /// A field of delivery `auth`: no control character.
    const AUTH_FIELD_PATTERN: &str = r"^[^\u0000-\u001F\u007F-\u009F]+$";

    /// A Basic user name: an `auth` field without `:`.
    const USERNAME_PATTERN: &str = r"^[^:\u0000-\u001F\u007F-\u009F]+$";

    /// An absolute `http` or `https` URL without credentials, the host a
    /// DNS name (its last label starting with a letter) or an IPv4 address,
    /// in ASCII so that `maxLength` counts its bytes: URLs the core's
    /// `validate_post_url` takes (with private targets allowed).
    const URL_PATTERN: &str = concat!(
        r"^[Hh][Tt][Tt][Pp][Ss]?://",
        r"(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)*[A-Za-z](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.?",
        r"|(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9]))",
        r"(?::(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}|0))?",
        r"(?:[/?#][ -~]*)?$",
    );

    /// A header value the core's `validate_headers` takes: visible ASCII,
    /// spaces and tabs, neither first nor last.
    const HEADER_VALUE_PATTERN: &str = r"^(?:[!-~](?:[\t -~]*[!-~])?)?$";

    /// Names the service sets on every delivery (the core refuses them as
    /// static headers, as the test below checks).
    const SET_BY_THE_SERVICE: [&str; 4] = ["content-type", "content-length", "user-agent", "host"];

    /// `name` matched in any case, as header names are.
    fn any_case(name: &str) -> String {
        name.chars()
            .map(|c| match c {
                'a'..='z' => format!("[{}{c}]", c.to_ascii_uppercase()),
                c => c.to_string(),
            })
            .collect()
    }

    /// A static header's name: an RFC 9110 token, none of those the core
    /// reserves (`webhook-*`, the schemes' signature headers, the ones the
    /// service sets), in any case.
    fn header_name_pattern() -> String {
        let mut reserved: Vec<&str> = Vec::new();
        let signatures = edgehooks_core::Scheme::ALL
            .iter()
            .flat_map(|scheme| scheme.verification_headers());
        for name in signatures {
            if !name.starts_with("webhook-") && !reserved.contains(name) {
                reserved.push(name);
            }
        }
        reserved.extend(SET_BY_THE_SERVICE);
        let names: Vec<String> = reserved.iter().map(|name| any_case(name)).collect();
        format!(
            "^(?!{}|(?:{})$)[!#$%&'*+.^_`|~0-9A-Za-z-]+$",
            any_case("webhook-"),
            names.join("|")
        )
    }

    /// Any name but `authorization`, in any case (refused beside `auth`).
    fn not_authorization() -> String {
        format!("^(?!{}$)", any_case("authorization"))
    }

    /// `prefix` and the canonical padded base64 of `least` to `most` bytes.
    fn base64_pattern(prefix: &str, least: usize, most: usize) -> String {
        let b = "[A-Za-z0-9+/]";
        let tails = [
            String::new(),
            format!("{b}[AQgw]=="),
            format!("{b}{b}[AEIMQUYcgkosw048]="),
        ];
        let mut parts = Vec::new();
        for (rest, tail) in tails.iter().enumerate() {
            let fewest = least.saturating_sub(rest).div_ceil(3);
            let Some(most_quads) = most.checked_sub(rest).map(|n| n / 3) else {
                continue;
            };
            if fewest > most_quads {
                continue;
            }
            let count = if fewest == most_quads {
                format!("{{{fewest}}}")
            } else {
                format!("{{{fewest},{most_quads}}}")
            };
            parts.push(format!("(?:{b}{{4}}){count}{tail}"));
        }
        format!("^{prefix}(?:{})$", parts.join("|"))
    }

    fn limit(name: &str) -> usize {
        number_named(name).unwrap_or_else(|| panic!("no limit {name}")) as usize
    }

    /// A `standard` secret the core's `validate_secret` takes.
    fn hmac_secret_pattern() -> String {
        base64_pattern(
            edgehooks_core::SECRET_PREFIX,
            limit("minSecretBytes"),
            limit("maxSecretBytes"),
        )
    }

    /// A `standard-v1a` signing key: the 32-byte Ed25519 seed.
    fn signing_key_pattern() -> String {
        base64_pattern(edgehooks_core::SIGNING_KEY_PREFIX, 32, 32)
    }

    /// Every bound the document states, by the property or parameter it
    /// bounds (`[]` for an array's items) and its keyword. Each bound found
    /// must be listed here, and each listed one found.
    const BOUNDS: &[(&str, &str, Expected)] = &[
        ("cache", "pattern", Name),
        ("cache", "minLength", Name),
        ("cache", "maxLength", Name),
        ("name", "pattern", Name),
        ("name", "minLength", Name),
        ("name", "maxLength", Name),
        ("topic", "pattern", Name),
        ("topic", "minLength", Name),
        ("topic", "maxLength", Name),
        ("topicName", "pattern", Name),
        ("topicName", "minLength", Name),
        ("topicName", "maxLength", Name),
        ("topics[]", "pattern", Name),
        ("topics[]", "minLength", Name),
        ("topics[]", "maxLength", Name),
        ("cacheName", "pattern", Name),
        ("cacheName", "minLength", Name),
        ("cacheName", "maxLength", Name),
        ("webhookName", "pattern", Name),
        ("webhookName", "minLength", Name),
        ("webhookName", "maxLength", Name),
        ("topics", "minItems", Fixed(1)),
        ("topics", "maxItems", Limit("maxTopicsPerWebhook")),
        ("postUrl", "maxLength", Limit("maxUrlBytes")),
        // `destination` given as the URL string.
        ("destination", "maxLength", Limit("maxUrlBytes")),
        ("description", "maxLength", Limit("maxDescriptionChars")),
        ("timeoutMs", "minimum", Limit("minTimeoutMs")),
        ("timeoutMs", "maximum", Limit("maxTimeoutMs")),
        ("timeoutMs", "default", Limit("defaultTimeoutMs")),
        ("maxRatePerSecond", "minimum", Limit("minRatePerSecond")),
        ("maxRatePerSecond", "maximum", Limit("maxRatePerSecond")),
        ("scheduleSeconds", "minItems", Fixed(1)),
        ("scheduleSeconds", "maxItems", Limit("maxRetries")),
        (
            "scheduleSeconds[]",
            "minimum",
            Limit("minRetryDelaySeconds"),
        ),
        (
            "scheduleSeconds[]",
            "maximum",
            Limit("maxRetryDelaySeconds"),
        ),
        ("graceSeconds", "minimum", Limit("minGraceSeconds")),
        ("graceSeconds", "maximum", Limit("maxGraceSeconds")),
        // No grace unless asked for: the Momento behaviour.
        ("graceSeconds", "default", Limit("minGraceSeconds")),
        ("limit", "minimum", Fixed(1)),
        ("limit", "maximum", Limit("maxPageSize")),
        ("limit", "default", Limit("defaultPageSize")),
        ("caches", "minItems", Fixed(1)),
        ("caches", "maxItems", Limit("maxCachesPerKey")),
        ("caches[]", "pattern", Pattern(KEY_CACHE_PATTERN)),
        ("caches[]", "minLength", Name),
        ("caches[]", "maxLength", Name),
        // `publish` and `manage`.
        ("permissions", "minItems", Fixed(1)),
        ("permissions", "maxItems", Fixed(3)),
        ("tokenId", "pattern", Pattern("^tok_[0-9a-f]{16}$")),
        ("ttlSeconds", "minimum", Limit("minPortalTtlSeconds")),
        ("ttlSeconds", "maximum", Limit("maxPortalTtlSeconds")),
        ("ttlSeconds", "default", Limit("defaultPortalTtlSeconds")),
        ("webhooks", "minItems", Fixed(1)),
        ("webhooks", "maxItems", Limit("maxWebhooksPerPortal")),
        ("webhooks[]", "pattern", Name),
        ("webhooks[]", "minLength", Name),
        ("webhooks[]", "maxLength", Name),
        (
            "token",
            "pattern",
            Pattern("^ehp_tok_[0-9a-f]{16}_[A-Za-z0-9_-]+$"),
        ),
        ("StaticHeaders", "maxProperties", Limit("maxCustomHeaders")),
        ("StaticHeaders{}", "maxLength", Limit("maxHeaderValueBytes")),
        (
            "StaticHeaders[name]",
            "maxLength",
            Limit("maxHeaderNameBytes"),
        ),
        ("StaticHeaders[name]", "minLength", Fixed(1)),
        ("StaticHeaders[name]", "pattern", Made(header_name_pattern)),
        ("tokenUrl", "maxLength", Limit("maxUrlBytes")),
        ("clientId", "minLength", Fixed(1)),
        ("clientId", "maxLength", Limit("maxAuthFieldChars")),
        ("clientSecret", "minLength", Fixed(1)),
        ("clientSecret", "maxLength", Limit("maxAuthFieldChars")),
        ("scope", "minLength", Fixed(1)),
        ("scope", "maxLength", Limit("maxAuthFieldChars")),
        ("audience", "minLength", Fixed(1)),
        ("audience", "maxLength", Limit("maxAuthFieldChars")),
        ("username", "minLength", Fixed(1)),
        ("username", "maxLength", Limit("maxAuthFieldChars")),
        ("password", "minLength", Fixed(1)),
        ("password", "maxLength", Limit("maxAuthFieldChars")),
        ("attempt", "minimum", Fixed(1)),
        ("topicSequenceNumber", "minimum", Fixed(1)),
        ("asyncDeliveries", "minimum", Fixed(0)),
        ("replayed", "minimum", Fixed(0)),
        (
            "Idempotency-Key",
            "maxLength",
            Limit("maxIdempotencyKeyChars"),
        ),
        ("Idempotency-Key", "pattern", Pattern("^[!-~]+$")),
        ("postUrl", "pattern", Pattern(URL_PATTERN)),
        ("destination", "pattern", Pattern(URL_PATTERN)),
        ("tokenUrl", "pattern", Pattern(URL_PATTERN)),
        ("description", "pattern", Pattern(DESCRIPTION_PATTERN)),
        ("clientId", "pattern", Pattern(AUTH_FIELD_PATTERN)),
        ("clientSecret", "pattern", Pattern(AUTH_FIELD_PATTERN)),
        ("scope", "pattern", Pattern(AUTH_FIELD_PATTERN)),
        ("audience", "pattern", Pattern(AUTH_FIELD_PATTERN)),
        ("password", "pattern", Pattern(AUTH_FIELD_PATTERN)),
        ("username", "pattern", Pattern(USERNAME_PATTERN)),
        ("StaticHeaders{}", "pattern", Pattern(HEADER_VALUE_PATTERN)),
        ("headers[name]", "pattern", Made(not_authorization)),
        ("HmacSecret", "pattern", Made(hmac_secret_pattern)),
        ("Ed25519SigningKey", "pattern", Made(signing_key_pattern)),
        ("StringSecret", "minLength", Limit("minStringSecretBytes")),
        ("StringSecret", "maxLength", Limit("maxStringSecretBytes")),
        // Visible ASCII, so that the lengths count bytes.
        ("StringSecret", "pattern", Pattern("^[!-~]+$")),
        // The cursors the attempt log and the undelivered list give out.
        ("cursor", "pattern", Pattern("^attempt/[0-9]{12}$")),
        ("cursor", "pattern", Pattern("^message/[0-9]{12}$")),
        // Times in ms, as `u64`.
        ("since", "minimum", Fixed(0)),
        ("since", "maximum", Fixed(u64::MAX)),
        ("until", "minimum", Fixed(0)),
        ("until", "maximum", Fixed(u64::MAX)),
        // Hours of statistics: as many as are kept, by default all.
        ("hours", "minimum", Fixed(1)),
        ("hours", "maximum", Fixed(KEPT_HOURS as u64)),
        ("hours", "default", Fixed(KEPT_HOURS as u64)),
    ];

    /// The keywords of JSON Schema that bound a value.
    const KEYWORDS: &[&str] = &[
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "minProperties",
        "maxProperties",
        "default",
        "pattern",
    ];

    /// A bound found in the document: what it bounds, its keyword, its value.
    type Found<'a> = (String, &'a str, &'a Value);

    /// Every numeric bound and pattern under `node`, `place` being the
    /// property or parameter it is about.
    fn bounds<'a>(node: &'a Value, place: &str, found: &mut Vec<Found<'a>>) {
        match node {
            Value::Object(map) => {
                let place = match (map.get("in"), map.get("name")) {
                    (Some(_), Some(Value::String(parameter))) => parameter.as_str(),
                    _ => place,
                };
                for (key, value) in map {
                    let bound = value.is_number() || (key == "pattern" && value.is_string());
                    match key.as_str() {
                        keyword if bound && KEYWORDS.contains(&keyword) => {
                            found.push((place.to_owned(), keyword, value));
                        }
                        "properties" => {
                            for (property, schema) in value.as_object().into_iter().flatten() {
                                bounds(schema, property, found);
                            }
                        }
                        "items" => bounds(value, &format!("{place}[]"), found),
                        "propertyNames" => bounds(value, &format!("{place}[name]"), found),
                        "additionalProperties" => bounds(value, &format!("{place}{{}}"), found),
                        "schemas" => {
                            for (schema_name, schema) in value.as_object().into_iter().flatten() {
                                bounds(schema, schema_name, found);
                            }
                        }
                        _ => bounds(value, place, found),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|item| bounds(item, place, found)),
            _ => {}
        }
    }

    /// The value bound `keyword` must have.
    fn expected(keyword: &str, bound: &Expected) -> Value {
        let limit = |name: &str| number_named(name).unwrap_or_else(|| panic!("no limit {name}"));
        match (bound, keyword) {
            (Limit(name), _) => limit(name).into(),
            (Fixed(n), _) => (*n).into(),
            (Name, "minLength") => 1.into(),
            (Name, "maxLength") => limit("maxNameChars").into(),
            (Name, _) => NAME_PATTERN.into(),
            (Pattern(pattern), _) => (*pattern).into(),
            (Made(pattern), _) => pattern().into(),
        }
    }

    /// Every limit the document states is the core's.
    #[test]
    fn every_bound_is_the_core_limit() {
        let doc: Value = serde_json::from_str(DOCUMENT).expect("the document is JSON");
        let mut found = Vec::new();
        bounds(&doc, "", &mut found);
        for (place, keyword, value) in &found {
            let listed: Vec<Value> = BOUNDS
                .iter()
                .filter(|(p, k, _)| p == place && k == keyword)
                .map(|(_, _, bound)| expected(keyword, bound))
                .collect();
            assert!(!listed.is_empty(), "{place} {keyword}: not in BOUNDS");
            assert!(
                listed.contains(value),
                "{place} {keyword}: {value}, not one of {listed:?}"
            );
        }
        for (place, keyword, bound) in BOUNDS {
            let bound = expected(keyword, bound);
            let stated = found
                .iter()
                .any(|(p, k, v)| p == place && k == keyword && **v == bound);
            assert!(stated, "{place} {keyword} {bound}: not in the document");
        }
    }

    /// The reserved header names of the pattern are those the core
    /// refuses, in any case, and names beside them are taken.
    #[test]
    fn header_names_the_pattern_refuses_are_those_the_core_refuses() {
        use std::collections::BTreeMap;

        use edgehooks_core::service::validate_headers;
        let takes = |name: &str| {
            validate_headers(BTreeMap::from([(name.to_owned(), "v".to_owned())]), false).is_ok()
        };
        let pattern = header_name_pattern();
        for name in SET_BY_THE_SERVICE {
            assert!(!takes(name) && !takes(&name.to_uppercase()), "{name}");
            assert!(pattern.contains(&any_case(name)), "{name}");
            assert!(takes(&format!("x-{name}")), "x-{name}");
        }
        for scheme in edgehooks_core::Scheme::ALL {
            for name in scheme.verification_headers() {
                assert!(!takes(name), "{name}");
                assert!(
                    name.starts_with("webhook-") || pattern.contains(&any_case(name)),
                    "{name}"
                );
            }
        }
        assert!(!takes("Webhook-Anything") && takes("webhook") && takes("authorization"));
        let with_auth = BTreeMap::from([("Authorization".to_owned(), "v".to_owned())]);
        assert!(validate_headers(with_auth, true).is_err());
    }

    /// The secret patterns are made right: a canonical base64 of each
    /// length from the least to the most bytes, and nothing else.
    #[test]
    fn secret_patterns_count_bytes() {
        assert_eq!(
            signing_key_pattern(),
            "^whsk_(?:(?:[A-Za-z0-9+/]{4}){10}[A-Za-z0-9+/][A-Za-z0-9+/][AEIMQUYcgkosw048]=)$"
        );
        assert_eq!(
            base64_pattern("p", 1, 3),
            "^p(?:(?:[A-Za-z0-9+/]{4}){1}|(?:[A-Za-z0-9+/]{4}){0}[A-Za-z0-9+/][AQgw]==\
             |(?:[A-Za-z0-9+/]{4}){0}[A-Za-z0-9+/][A-Za-z0-9+/][AEIMQUYcgkosw048]=)$"
        );
        assert_eq!(KEY_CACHE_PATTERN.replace(r"(?!\*$)", ""), NAME_PATTERN);
    }

    /// The limits the document's texts name are the core's too.
    #[test]
    fn texts_state_the_core_limits() {
        let doc: Value = serde_json::from_str(DOCUMENT).expect("the document is JSON");
        let limit = |name| number_named(name).expect("a limit");
        let publish = &doc["paths"]["/v1/caches/{cache}/topics/{topic}"]["post"]["summary"];
        let size = format!("at most {} MiB", limit("maxMessageBytes") / (1024 * 1024));
        assert!(
            publish.as_str().is_some_and(|s| s.contains(&size)),
            "{publish}"
        );
        let statistics = &doc["paths"]["/v1/caches/{cache}/webhooks/{name}/statistics"]["get"];
        let kept = format!("at most {KEPT_HOURS}");
        assert!(
            statistics["summary"]
                .as_str()
                .is_some_and(|s| s.contains(&kept)),
            "{statistics}"
        );
        let bins = &doc["components"]["schemas"]["HourStatistics"]["description"];
        let described = format!("{LATENCY_BINS} bins");
        assert!(
            bins.as_str().is_some_and(|s| s.contains(&described)),
            "{bins}"
        );
        let outcome =
            &doc["components"]["schemas"]["Attempt"]["properties"]["outcome"]["description"];
        let wait = format!("at most {} h", limit("maxRetryAfterSeconds") / 3600);
        assert!(
            outcome.as_str().is_some_and(|s| s.contains(&wait)),
            "{outcome}"
        );
    }
}
