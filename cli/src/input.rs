//! Reading a body from a file or standard input.

use std::io::Read;
use std::path::Path;

use crate::Failure;

/// The bytes of `path`, or of standard input for `-`.
pub(crate) fn read_body(path: &Path) -> Result<Vec<u8>, Failure> {
    if path.as_os_str() == "-" {
        let mut body = Vec::new();
        std::io::stdin()
            .read_to_end(&mut body)
            .map_err(|err| Failure::new("read_failed", format!("standard input: {err}")))?;
        return Ok(body);
    }
    std::fs::read(path)
        .map_err(|err| Failure::new("read_failed", format!("{}: {err}", path.display())))
}

/// 32 secure random bytes.
pub(crate) fn random_bytes() -> Result<[u8; 32], Failure> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|err| Failure::new("random_failed", err))?;
    Ok(bytes)
}
