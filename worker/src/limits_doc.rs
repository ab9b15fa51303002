//! The limits and defaults the management page and the API document state,
//! each taken from the core's `limits`, by the name the page knows it by.
//! The page reads them from `/ui/limits.js`, made here; the numbers of the
//! API document are checked against them by the tests of `openapi`.

use core::fmt::Write as _;

use edgehooks_core::limits;

/// What a limit is worth.
pub(crate) enum Value {
    /// A whole number.
    Number(u64),
    /// Whole numbers, in order.
    Numbers(&'static [u32]),
}

/// One limit or default of the product.
pub(crate) struct Limit {
    /// Its name in `limits.js`.
    pub(crate) name: &'static str,
    /// What it bounds, and in which unit.
    pub(crate) about: &'static str,
    /// Its value.
    pub(crate) value: Value,
}

/// A limit whose value is a number.
const fn number(name: &'static str, about: &'static str, value: u64) -> Limit {
    Limit {
        name,
        about,
        value: Value::Number(value),
    }
}

/// Every limit and default the page and the API document state.
pub(crate) const LIMITS: &[Limit] = &[
    number(
        "maxNameChars",
        "Longest cache, webhook or topic name, in characters (Unicode code points).",
        limits::MAX_NAME_CHARS as u64,
    ),
    number(
        "maxTopicsPerWebhook",
        "Most topics one webhook may listen to.",
        limits::MAX_TOPICS_PER_WEBHOOK as u64,
    ),
    number(
        "maxUrlBytes",
        "Longest destination URL, in bytes.",
        limits::MAX_URL_BYTES as u64,
    ),
    number(
        "maxDescriptionChars",
        "Longest description of a webhook or an API key, in characters.",
        limits::MAX_DESCRIPTION_CHARS as u64,
    ),
    number(
        "minTimeoutMs",
        "Shortest delivery timeout, in milliseconds.",
        limits::MIN_TIMEOUT_MS as u64,
    ),
    number(
        "maxTimeoutMs",
        "Longest delivery timeout, in milliseconds.",
        limits::MAX_TIMEOUT_MS as u64,
    ),
    number(
        "defaultTimeoutMs",
        "Delivery timeout when none is given, in milliseconds.",
        limits::DEFAULT_TIMEOUT_MS as u64,
    ),
    number(
        "minRatePerSecond",
        "Slowest pace a webhook may set, in deliveries per second.",
        1,
    ),
    number(
        "maxRatePerSecond",
        "Fastest pace a webhook may set, in deliveries per second.",
        limits::MAX_RATE_PER_SECOND as u64,
    ),
    number(
        "minSecretBytes",
        "Fewest random bytes in a whsec_ secret.",
        limits::MIN_SECRET_BYTES as u64,
    ),
    number(
        "maxSecretBytes",
        "Most random bytes in a whsec_ secret.",
        limits::MAX_SECRET_BYTES as u64,
    ),
    number(
        "minStringSecretBytes",
        "Shortest own secret of the string-keyed schemes, in characters.",
        limits::MIN_STRING_SECRET_BYTES as u64,
    ),
    number(
        "maxStringSecretBytes",
        "Longest own secret of the string-keyed schemes, in characters.",
        limits::MAX_STRING_SECRET_BYTES as u64,
    ),
    number(
        "minGraceSeconds",
        "Shortest grace period of a rotation (none), in seconds.",
        0,
    ),
    number(
        "maxGraceSeconds",
        "Longest grace period of a rotation, in seconds.",
        limits::MAX_GRACE_SECONDS as u64,
    ),
    Limit {
        name: "defaultRetryScheduleSeconds",
        about: "Delays between attempts when no schedule is given, in seconds.",
        value: Value::Numbers(&limits::DEFAULT_SCHEDULE_SECONDS),
    },
    number(
        "maxRetries",
        "Most delays a retry schedule may hold.",
        limits::MAX_RETRIES as u64,
    ),
    number(
        "minRetryDelaySeconds",
        "Shortest delay of a retry schedule, in seconds.",
        1,
    ),
    number(
        "maxRetryDelaySeconds",
        "Longest delay of a retry schedule, in seconds.",
        limits::MAX_DELAY_SECONDS as u64,
    ),
    number(
        "maxRetryAfterSeconds",
        "Longest wait a receiver's Retry-After is honoured for, in seconds.",
        limits::MAX_RETRY_AFTER_SECONDS,
    ),
    number(
        "maxMessageBytes",
        "Largest published message, in bytes.",
        limits::MAX_MESSAGE_BYTES as u64,
    ),
    number(
        "maxCachesPerKey",
        "Most caches one API key may name.",
        limits::MAX_CACHES_PER_KEY as u64,
    ),
    number(
        "minPortalTtlSeconds",
        "The shortest portal session, in seconds.",
        limits::MIN_PORTAL_TTL_SECONDS,
    ),
    number(
        "maxPortalTtlSeconds",
        "The longest portal session, in seconds.",
        limits::MAX_PORTAL_TTL_SECONDS,
    ),
    number(
        "defaultPortalTtlSeconds",
        "A portal session's lifetime unless asked otherwise, in seconds.",
        limits::DEFAULT_PORTAL_TTL_SECONDS,
    ),
    number(
        "maxWebhooksPerPortal",
        "The most webhooks one portal session may be limited to.",
        limits::MAX_WEBHOOKS_PER_PORTAL as u64,
    ),
    number(
        "defaultPageSize",
        "Entries in a page of a list when no limit is given.",
        limits::DEFAULT_PAGE_SIZE as u64,
    ),
    number(
        "maxPageSize",
        "Most entries in a page of a list.",
        limits::MAX_PAGE_SIZE as u64,
    ),
    number(
        "maxCustomHeaders",
        "Most static headers a webhook adds to its deliveries.",
        limits::MAX_CUSTOM_HEADERS as u64,
    ),
    number(
        "maxHeaderNameBytes",
        "Longest name of a static header, in bytes.",
        limits::MAX_HEADER_NAME_BYTES as u64,
    ),
    number(
        "maxHeaderValueBytes",
        "Longest value of a static header, in bytes.",
        limits::MAX_HEADER_VALUE_BYTES as u64,
    ),
    number(
        "maxAuthFieldChars",
        "Longest field of a webhook's auth (client id and secret, scope, audience, user name, password), in characters.",
        limits::MAX_AUTH_FIELD_CHARS as u64,
    ),
    number(
        "maxIdempotencyKeyChars",
        "Longest Idempotency-Key of a publish, in characters.",
        limits::MAX_IDEMPOTENCY_KEY_CHARS as u64,
    ),
];

/// The number called `name` in [`LIMITS`], if there is one.
#[cfg(test)]
pub(crate) fn number_named(name: &str) -> Option<u64> {
    LIMITS
        .iter()
        .find(|l| l.name == name)
        .and_then(|l| match l.value {
            Value::Number(n) => Some(n),
            Value::Numbers(_) => None,
        })
}

/// The ES module `/ui/limits.js`: [`LIMITS`] as `export const LIMITS`, a
/// frozen object (its lists frozen too), each entry with its description.
pub(crate) fn javascript_module() -> String {
    let mut js = String::from(
        "// The limits and defaults of edgehooks, as the service applies them.\n\
         // Made by the Worker from edgehooks-core; not a file to edit.\n\n\
         /** Every limit and default the page states, by name. */\n\
         export const LIMITS = Object.freeze({\n",
    );
    for limit in LIMITS {
        let value = match limit.value {
            Value::Number(n) => n.to_string(),
            Value::Numbers(list) => {
                let items: Vec<String> = list.iter().map(u32::to_string).collect();
                format!("Object.freeze([{}])", items.join(", "))
            }
        };
        // Writing to a `String` cannot fail.
        let _ = write!(js, "  /** {} */\n  {}: {value},\n", limit.about, limit.name);
    }
    js.push_str("});\n");
    js
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_identifiers_and_descriptions_stay_comments() {
        for (i, limit) in LIMITS.iter().enumerate() {
            assert!(
                limit.name.chars().all(|c| c.is_ascii_alphanumeric()),
                "{}",
                limit.name
            );
            assert!(LIMITS[i + 1..].iter().all(|l| l.name != limit.name));
            assert!(!limit.about.contains("*/"), "{}", limit.name);
        }
    }

    #[test]
    fn numbers_are_found_by_name() {
        assert_eq!(
            number_named("maxNameChars"),
            Some(limits::MAX_NAME_CHARS as u64)
        );
        assert_eq!(number_named("defaultRetryScheduleSeconds"), None);
        assert_eq!(number_named("nothing"), None);
    }
}
