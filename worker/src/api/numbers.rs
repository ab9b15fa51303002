//! JSON numbers as JSON Schema reads them: a number whose fraction is zero
//! (`5.0`, `5e2`, `1.50e1`) is an integer, so the API takes one wherever it
//! takes an integer. Such numbers are written as integers before a body is
//! parsed; every other byte stays as it came.

/// Most digits an integer written here may have: more than any integer the
/// API takes (`u64` has 20), so a longer one is left for the parser to
/// refuse as it would.
const MAX_DIGITS: usize = 20;

/// `body` with every number that has a fraction or an exponent but is a
/// whole number written as an integer (`-0.0` as `0`). Strings are left as
/// they are, and so is a body that is not JSON, for the parser to refuse.
pub(super) fn whole_numbers_as_integers(body: Vec<u8>) -> Vec<u8> {
    if !body.iter().any(|b| matches!(b, b'.' | b'e' | b'E')) {
        return body;
    }
    let mut out = Vec::with_capacity(body.len());
    let mut at = 0;
    while at < body.len() {
        match body[at] {
            b'"' => {
                let end = string_end(&body, at);
                out.extend_from_slice(&body[at..end]);
                at = end;
            }
            b'-' | b'0'..=b'9' => {
                let (end, integer) = number(&body, at);
                match integer {
                    Some(integer) => out.extend_from_slice(integer.as_bytes()),
                    None => out.extend_from_slice(&body[at..end]),
                }
                at = end;
            }
            byte => {
                out.push(byte);
                at += 1;
            }
        }
    }
    out
}

/// Where the string starting at `start` (its opening quote) ends: after its
/// closing quote, or at the end of `body`.
fn string_end(body: &[u8], start: usize) -> usize {
    let mut at = start + 1;
    while at < body.len() {
        match body[at] {
            b'\\' => at += 2,
            b'"' => return at + 1,
            _ => at += 1,
        }
    }
    body.len()
}

/// The number starting at `start` (RFC 8259 section 6): where it ends, and
/// its integer form if it has a fraction or an exponent and is whole.
fn number(body: &[u8], start: usize) -> (usize, Option<String>) {
    let digits_from = |from: usize| {
        body[from..]
            .iter()
            .position(|b| !b.is_ascii_digit())
            .map_or(body.len(), |n| from + n)
    };
    let negative = body[start] == b'-';
    let int_start = start + usize::from(negative);
    let int_end = match body.get(int_start) {
        Some(b'0') => int_start + 1,
        Some(b'1'..=b'9') => digits_from(int_start),
        _ => return (int_start.max(start + 1), None),
    };
    let mut end = int_end;
    let mut fraction = &body[end..end];
    if body.get(end) == Some(&b'.') && body.get(end + 1).is_some_and(u8::is_ascii_digit) {
        let fraction_end = digits_from(end + 1);
        fraction = &body[end + 1..fraction_end];
        end = fraction_end;
    }
    let mut exponent: Option<i64> = None;
    if matches!(body.get(end), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(body.get(end + 1), Some(b'+' | b'-')));
        let exp_start = end + 1 + sign;
        if body.get(exp_start).is_some_and(u8::is_ascii_digit) {
            let exp_end = digits_from(exp_start);
            // An exponent too long to read stands for no integer taken here.
            let value = core::str::from_utf8(&body[exp_start..exp_end])
                .ok()
                .and_then(|s| s.parse::<i64>().ok())
                .filter(|e| *e <= 1_000_000)
                .unwrap_or(1_000_000);
            exponent = Some(if body[end + 1] == b'-' { -value } else { value });
            end = exp_end;
        }
    }
    if fraction.is_empty() && exponent.is_none() {
        return (end, None);
    }
    (
        end,
        whole(&body[int_start..int_end], fraction, exponent.unwrap_or(0)).map(|digits| {
            match (negative, digits.as_str()) {
                (true, digits) if digits != "0" => format!("-{digits}"),
                _ => digits,
            }
        }),
    )
}

/// The digits of `integer.fraction` times ten to `exponent`, if that is a
/// whole number of at most [`MAX_DIGITS`] digits.
fn whole(integer: &[u8], fraction: &[u8], exponent: i64) -> Option<String> {
    let digits: Vec<u8> = integer.iter().chain(fraction).copied().collect();
    let point = i64::try_from(integer.len()).ok()?.checked_add(exponent)?;
    let split = usize::try_from(point.max(0)).ok()?;
    if split > digits.len() + MAX_DIGITS {
        return None;
    }
    if digits
        .get(split..)
        .is_some_and(|rest| rest.iter().any(|d| *d != b'0'))
    {
        return None;
    }
    let mut whole: Vec<u8> = digits.iter().take(split).copied().collect();
    whole.resize(split, b'0');
    let significant = whole.iter().position(|d| *d != b'0').unwrap_or(whole.len());
    let whole = &whole[significant..];
    if whole.len() > MAX_DIGITS {
        return None;
    }
    if whole.is_empty() {
        return Some("0".to_owned());
    }
    String::from_utf8(whole.to_vec()).ok()
}

#[cfg(test)]
mod tests {
    use super::whole_numbers_as_integers as rewrite;

    fn text(body: &str) -> String {
        String::from_utf8(rewrite(body.as_bytes().to_vec())).unwrap()
    }

    #[test]
    fn whole_numbers_become_integers() {
        assert_eq!(
            text(
                r#"{"graceSeconds": 343125.0, "timeoutMs": 5e3, "x": [1.50e1, -2.000, 0.0, -0.0e5]}"#
            ),
            r#"{"graceSeconds": 343125, "timeoutMs": 5000, "x": [15, -2, 0, 0]}"#
        );
        assert_eq!(text("[1E+2,12.5e1,1250e-1,0.01e2]"), "[100,125,125,1]");
    }

    #[test]
    fn everything_else_stays() {
        for body in [
            r#"{"a": 1.5, "b": 1e-1, "c": 12, "d": -7, "e": 0.10}"#,
            r#"{"s": "1.0 \" 2.0e1 \\", "t": "5e3"}"#,
            "[1e40000000000, 1.0e30, 1.]",
            "{\"a\": -, \"b\": 1.e5, \"c\": 01.0}",
            "not json 3.0",
            "",
        ] {
            let expected = body.replace("3.0", "3").replace("01.0", "01");
            assert_eq!(text(body), expected, "{body}");
        }
        let bytes = vec![b'"', 0xff, b'1', b'.', b'0', b'"', b' ', b'2', b'.', b'0'];
        assert_eq!(
            rewrite(bytes),
            vec![b'"', 0xff, b'1', b'.', b'0', b'"', b' ', b'2']
        );
    }
}
