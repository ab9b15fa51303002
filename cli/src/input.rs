//! Reading a body from a file or standard input.

use std::io::Read;
use std::path::Path;

use edgehooks_core::limits::MAX_DELIVERED_BODY_BYTES;

use crate::Failure;

/// The bytes of `path`, or of standard input for `-`; refused past
/// [`MAX_DELIVERED_BODY_BYTES`] (no delivery or message is larger).
pub(crate) fn read_body(path: &Path) -> Result<Vec<u8>, Failure> {
    let (name, reader): (String, Box<dyn Read>) = if path.as_os_str() == "-" {
        ("standard input".to_owned(), Box::new(std::io::stdin()))
    } else {
        let file = std::fs::File::open(path)
            .map_err(|err| Failure::new("read_failed", format!("{}: {err}", path.display())))?;
        (path.display().to_string(), Box::new(file))
    };
    let mut body = Vec::new();
    reader
        .take(MAX_DELIVERED_BODY_BYTES as u64 + 1)
        .read_to_end(&mut body)
        .map_err(|err| Failure::new("read_failed", format!("{name}: {err}")))?;
    if body.len() > MAX_DELIVERED_BODY_BYTES {
        return Err(Failure::new(
            "body_too_large",
            format!("{name} is over {MAX_DELIVERED_BODY_BYTES} bytes"),
        ));
    }
    Ok(body)
}

/// 32 secure random bytes.
pub(crate) fn random_bytes() -> Result<[u8; 32], Failure> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|err| Failure::new("random_failed", err))?;
    Ok(bytes)
}
