//! Static headers a webhook adds to its deliveries, and the names it may not
//! set: those the service sets itself or that carry authentication.

use alloc::collections::BTreeMap;
use alloc::string::String;

use super::error::{HeaderNameProblem, HeadersProblem, ValidationError};
use crate::limits::{MAX_CUSTOM_HEADERS, MAX_HEADER_NAME_BYTES, MAX_HEADER_VALUE_BYTES};
use crate::scheme::Scheme;

/// Names the service sets on every delivery.
const SET_BY_THE_SERVICE: [&str; 4] = ["content-type", "content-length", "user-agent", "host"];

/// Checks a webhook's static headers and returns them with lowercase names.
/// `authorization` is refused when the webhook has `auth`, which sets it.
pub fn validate_headers(
    headers: BTreeMap<String, String>,
    has_auth: bool,
) -> Result<BTreeMap<String, String>, ValidationError> {
    if headers.len() > MAX_CUSTOM_HEADERS {
        return Err(ValidationError::InvalidHeaders(HeadersProblem::TooMany));
    }
    let mut checked = BTreeMap::new();
    for (name, value) in headers {
        let name = name.to_ascii_lowercase();
        check_name(&name, has_auth)?;
        let value_ok = value.len() <= MAX_HEADER_VALUE_BYTES
            && value
                .bytes()
                .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
            && value.trim() == value;
        if !value_ok {
            return Err(ValidationError::InvalidHeaders(HeadersProblem::Value));
        }
        if checked.insert(name, value).is_some() {
            return Err(ValidationError::InvalidHeaderName(
                HeaderNameProblem::Repeated,
            ));
        }
    }
    Ok(checked)
}

fn check_name(name: &str, has_auth: bool) -> Result<(), ValidationError> {
    // RFC 9110 section 5.6.2: a token.
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if name.is_empty() || name.len() > MAX_HEADER_NAME_BYTES || !name.bytes().all(token) {
        return Err(ValidationError::InvalidHeaderName(
            HeaderNameProblem::Malformed,
        ));
    }
    let signature = Scheme::ALL
        .iter()
        .flat_map(|scheme| scheme.verification_headers())
        .any(|reserved| *reserved == name);
    let reserved = name.starts_with("webhook-")
        || signature
        || SET_BY_THE_SERVICE.contains(&name)
        || (has_auth && name == "authorization");
    if reserved {
        return Err(ValidationError::InvalidHeaderName(
            HeaderNameProblem::Reserved,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use alloc::string::ToString;

    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn names_are_lowercased_and_reserved_ones_refused() {
        let ok = validate_headers(headers(&[("X-Api-Key", "k 1")]), false).expect("valid");
        assert_eq!(ok.get("x-api-key").map(String::as_str), Some("k 1"));
        assert!(validate_headers(headers(&[("Authorization", "Bearer x")]), false).is_ok());
        for name in [
            "webhook-id",
            "Webhook-Anything",
            "stripe-signature",
            "x-hub-signature-256",
            "momento-signature",
            "commenda-x-secret",
            "svix-signature",
            "Content-Type",
            "content-length",
            "user-agent",
            "host",
        ] {
            assert_eq!(
                validate_headers(headers(&[(name, "v")]), false).unwrap_err(),
                ValidationError::InvalidHeaderName(HeaderNameProblem::Reserved),
                "{name}"
            );
        }
        assert_eq!(
            validate_headers(headers(&[("authorization", "x")]), true).unwrap_err(),
            ValidationError::InvalidHeaderName(HeaderNameProblem::Reserved)
        );
    }

    #[test]
    fn malformed_names_values_and_counts_are_refused() {
        for name in ["", "a b", "x:y", "é"] {
            assert_eq!(
                validate_headers(headers(&[(name, "v")]), false)
                    .unwrap_err()
                    .code(),
                "invalid_header_name",
                "{name:?}"
            );
        }
        assert_eq!(
            validate_headers(headers(&[("X-A", "1"), ("x-a", "2")]), false).unwrap_err(),
            ValidationError::InvalidHeaderName(HeaderNameProblem::Repeated)
        );
        for value in ["a\r\nb", " padded", "ü"] {
            assert_eq!(
                validate_headers(headers(&[("x", value)]), false)
                    .unwrap_err()
                    .code(),
                "invalid_headers"
            );
        }
        let many: BTreeMap<String, String> = (0..21)
            .map(|i| (alloc::format!("x-{i}"), "v".to_string()))
            .collect();
        assert_eq!(
            validate_headers(many, false).unwrap_err(),
            ValidationError::InvalidHeaders(HeadersProblem::TooMany)
        );
    }
}
