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
    }

    use Expected::{Fixed, Limit, Name, Pattern};

    /// The core's `validate_name` as a pattern: no control character (Cc:
    /// U+0000-U+001F, U+007F-U+009F), no `/`, and not `.` or `..`; the
    /// length is bounded by `minLength` and `maxLength` beside it.
    const NAME_PATTERN: &str = r"^(?!\.\.?$)[^/\u0000-\u001F\u007F-\u009F]+$";

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
        // `publish` and `manage`.
        ("permissions", "minItems", Fixed(1)),
        ("permissions", "maxItems", Fixed(2)),
        ("tokenId", "pattern", Pattern("^tok_[0-9a-f]{16}$")),
        ("StaticHeaders", "maxProperties", Limit("maxCustomHeaders")),
        ("StaticHeaders{}", "maxLength", Limit("maxHeaderValueBytes")),
        (
            "StaticHeaders[name]",
            "maxLength",
            Limit("maxHeaderNameBytes"),
        ),
        ("StaticHeaders[name]", "minLength", Fixed(1)),
        (
            "StaticHeaders[name]",
            "pattern",
            Pattern("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"),
        ),
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
        }
    }

    /// Every limit the document states is the core's.
    #[test]
    fn every_bound_is_the_core_limit() {
        let doc: Value = serde_json::from_str(DOCUMENT).expect("the document is JSON");
        let mut found = Vec::new();
        bounds(&doc, "", &mut found);
        for (place, keyword, value) in &found {
            let listed = BOUNDS.iter().find(|(p, k, _)| p == place && k == keyword);
            let (_, _, bound) =
                listed.unwrap_or_else(|| panic!("{place} {keyword}: not in BOUNDS"));
            assert_eq!(*value, &expected(keyword, bound), "{place} {keyword}");
        }
        for (place, keyword, _) in BOUNDS {
            let stated = found.iter().any(|(p, k, _)| p == place && k == keyword);
            assert!(stated, "{place} {keyword}: not in the document");
        }
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
        let outcome =
            &doc["components"]["schemas"]["Attempt"]["properties"]["outcome"]["description"];
        let wait = format!("at most {} h", limit("maxRetryAfterSeconds") / 3600);
        assert!(
            outcome.as_str().is_some_and(|s| s.contains(&wait)),
            "{outcome}"
        );
    }
}
