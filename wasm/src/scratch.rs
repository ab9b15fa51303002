//! The bytes a host with its own HMAC (Node's entries) and the core
//! exchange during one verification, in WebAssembly memory, so that none of
//! them crosses the boundary as a JavaScript string or a fresh allocation:
//! the host writes the headers the scheme reads and, for a small body, the
//! body; for a larger one the core writes the text signed before the body
//! and the host writes each key's tag.

use alloc::vec;
use alloc::vec::Vec;

use edgehooks_core::MacCandidates;
use edgehooks_core::limits::MAX_SECRETS;

/// Room for the scheme's headers, names and values joined with `"\n"`.
/// Larger headers (never sent by a real sender) take the general path.
pub(crate) const HEADER_BYTES: usize = 4 * 1024;
/// Where the signed prefix starts: it is made of header values, so it
/// fits in as many bytes as the headers.
pub(crate) const PREFIX_AT: usize = HEADER_BYTES;
/// Where the tags start: one per key, in key order.
pub(crate) const TAGS_AT: usize = PREFIX_AT + HEADER_BYTES;
/// Where a small body starts.
pub(crate) const BODY_AT: usize = TAGS_AT + MAX_SECRETS * MacCandidates::TAG_LEN;
/// Room for a small body (the host decides which bodies are small; Node's
/// entries: under 1536 bytes or UTF-16 units, at most 4608 bytes).
pub(crate) const BODY_BYTES: usize = 6 * 1024;
const LEN: usize = BODY_AT + BODY_BYTES;

/// One webhook's scratch area; its address never changes while it lives.
pub(crate) struct Scratch {
    bytes: Vec<u8>,
}

impl Scratch {
    /// A zeroed area.
    pub(crate) fn new() -> Self {
        Self {
            bytes: vec![0; LEN],
        }
    }

    /// The address of the area in WebAssembly memory.
    pub(crate) fn address(&self) -> usize {
        self.bytes.as_ptr() as usize
    }

    /// The first `len` bytes of the headers area, and the prefix area.
    pub(crate) fn headers_and_prefix(&mut self, len: usize) -> Option<(&[u8], &mut [u8])> {
        let (headers, rest) = self.bytes.split_at_mut(PREFIX_AT);
        Some((headers.get(..len)?, rest.get_mut(..HEADER_BYTES)?))
    }

    /// The first `headers_len` bytes of the headers area and the first
    /// `body_len` of the body area.
    pub(crate) fn headers_and_body(
        &self,
        headers_len: usize,
        body_len: usize,
    ) -> Option<(&[u8], &[u8])> {
        let headers = self.bytes.get(..HEADER_BYTES)?.get(..headers_len)?;
        let body = self.bytes.get(BODY_AT..)?.get(..body_len)?;
        Some((headers, body))
    }

    /// The first `count` tags the host wrote.
    pub(crate) fn tags(&self, count: usize) -> Option<&[u8]> {
        self.bytes
            .get(TAGS_AT..)?
            .get(..count.checked_mul(MacCandidates::TAG_LEN)?)
    }
}
