//! Limits and defaults of the product, in one place.

/// Default maximum size of a published message, in bytes (1 MiB).
pub const MAX_MESSAGE_BYTES: usize = 1024 * 1024;

/// Default maximum size of a delivered body a receiver accepts, in bytes.
///
/// Larger than [`MAX_MESSAGE_BYTES`]: the envelope wraps the message, and a
/// binary message travels base64-encoded (4/3 of its size) or a text message
/// JSON-escaped.
pub const MAX_DELIVERED_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Default signature timestamp tolerance, in seconds, in either direction.
pub const DEFAULT_TOLERANCE_SECONDS: u64 = 300;

/// Longest cache, webhook or topic name, in characters (Unicode scalar
/// values, not bytes or UTF-16 units).
pub const MAX_NAME_CHARS: usize = 128;

/// Most topics one webhook may listen to.
pub const MAX_TOPICS_PER_WEBHOOK: usize = 64;

/// Longest destination URL, in bytes.
pub const MAX_URL_BYTES: usize = 2048;

/// Longest webhook description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 1024;

/// Default delivery timeout, in milliseconds.
pub const DEFAULT_TIMEOUT_MS: u32 = 5_000;

/// Shortest delivery timeout a webhook may set, in milliseconds.
pub const MIN_TIMEOUT_MS: u32 = 1_000;

/// Highest `maxRatePerSecond` a webhook may set.
pub const MAX_RATE_PER_SECOND: u32 = 1000;

/// Most static headers a webhook may add to its deliveries.
pub const MAX_CUSTOM_HEADERS: usize = 20;

/// Longest name of a static header, in bytes.
pub const MAX_HEADER_NAME_BYTES: usize = 256;

/// Longest value of a static header, in bytes.
pub const MAX_HEADER_VALUE_BYTES: usize = 4096;

/// Longest field of a webhook's `auth` (client id and secret, scope,
/// audience, user name, password), in characters.
pub const MAX_AUTH_FIELD_CHARS: usize = 2048;

/// Longest an access token is used, whatever its `expires_in`: 24 hours, in
/// seconds.
pub const MAX_TOKEN_LIFETIME_SECONDS: u64 = 24 * 3600;

/// Longest delivery timeout a webhook may set, in milliseconds.
pub const MAX_TIMEOUT_MS: u32 = 30_000;

/// Fewest random bytes in a generated or supplied `whsec_` secret.
pub const MIN_SECRET_BYTES: usize = 24;

/// Most random bytes in a generated or supplied `whsec_` secret.
pub const MAX_SECRET_BYTES: usize = 64;

/// Shortest secret accepted for the string-keyed schemes (momento, github,
/// stripe, commenda) when a user supplies their own.
pub const MIN_STRING_SECRET_BYTES: usize = 16;

/// Longest secret accepted for the string-keyed schemes.
pub const MAX_STRING_SECRET_BYTES: usize = 256;

/// Most signatures considered in one signature header.
///
/// Bounds the work an attacker can cause with a header full of candidates.
pub const MAX_SIGNATURES_PER_HEADER: usize = 16;

/// Most secrets one verifier holds (the current one plus rotations in grace).
pub const MAX_SECRETS: usize = 8;

/// Most `v1a` (Ed25519) signatures tried in one `webhook-signature` header,
/// the first ones; any later are ignored.
///
/// An Ed25519 check hashes the whole body (up to
/// [`MAX_DELIVERED_BODY_BYTES`]) again for each signature and each key
/// held, where an HMAC tag is computed once per key whatever the number of
/// candidates, so this bounds the work of a forged request to this many
/// passes per key instead of [`MAX_SIGNATURES_PER_HEADER`]. It is
/// [`MAX_SECRETS`] because a sender signs once per valid secret, newest
/// first: a receiver still on the oldest secret of a rotation finds its
/// signature within the bound.
pub const MAX_V1A_SIGNATURES: usize = MAX_SECRETS;

/// The longest grace period of a secret rotation: 7 days, in seconds.
pub const MAX_GRACE_SECONDS: u32 = 7 * 24 * 3600;

/// Default delays between attempts, in seconds: 5 s, 5 min, 30 min, 2 h, 5 h,
/// 10 h, 10 h (eight attempts in all, over about 27.6 hours).
pub const DEFAULT_SCHEDULE_SECONDS: [u32; 7] = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000];

/// Most retries a schedule may hold.
pub const MAX_RETRIES: usize = 20;

/// Longest single retry delay, in seconds: 12 hours.
pub const MAX_DELAY_SECONDS: u32 = 43_200;

/// The longest wait a `Retry-After` can ask for: 24 hours, in seconds.
pub const MAX_RETRY_AFTER_SECONDS: u64 = 24 * 3600;

/// How long a webhook may fail without a single success before it is
/// disabled, by default: 5 days, in seconds.
pub const DEFAULT_DISABLE_AFTER_SECONDS: u64 = 5 * 24 * 3600;

/// The most caches one key may name.
pub const MAX_CACHES_PER_KEY: usize = 32;

/// The shortest portal session, in seconds (a minute).
pub const MIN_PORTAL_TTL_SECONDS: u64 = 60;
/// The longest portal session, in seconds (a day).
pub const MAX_PORTAL_TTL_SECONDS: u64 = 24 * 3600;
/// A portal session's lifetime unless asked otherwise, in seconds (an hour).
pub const DEFAULT_PORTAL_TTL_SECONDS: u64 = 3600;
/// The most webhooks one portal session may be limited to.
pub const MAX_WEBHOOKS_PER_PORTAL: usize = 100;

/// Longest message id accepted for signing, in bytes.
pub const MAX_MESSAGE_ID_BYTES: usize = 256;

/// Entries in a page of a list (webhooks, attempts, keys) when the request
/// names no `limit`.
pub const DEFAULT_PAGE_SIZE: usize = 50;

/// Most entries in a page of a list.
pub const MAX_PAGE_SIZE: usize = 100;

/// The cache entry of an API key's scope that covers every cache.
pub const ALL_CACHES: &str = "*";

/// Longest `Idempotency-Key` a publisher may send, in characters (visible
/// ASCII, so also bytes).
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 256;

/// How long a topic remembers a publish's `Idempotency-Key` and its
/// response: 24 hours, in seconds.
pub const IDEMPOTENCY_KEY_TTL_SECONDS: u64 = 24 * 3600;

/// How long the service keeps the history of a delivery by default (the
/// attempt log, bodies of delivered messages for a replay, given-up
/// messages), in days.
pub const DEFAULT_RETENTION_DAYS: u32 = 30;

/// Most bytes of delivered messages' bodies one webhook keeps for a replay
/// (1 GiB); past it the oldest go first.
pub const MAX_KEPT_DELIVERED_BYTES: u64 = 1024 * 1024 * 1024;
