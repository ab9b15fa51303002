//! Reading an answer's body within a bound, so a misbehaving server cannot
//! make the client hold more than that.

/// The most an answer of the API may hold: a page of attempts or webhooks
/// is far smaller.
pub(crate) const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

/// The most of an error answer that is read: `{"error":{"code","message"}}`.
pub(crate) const MAX_ERROR_BYTES: usize = 64 * 1024;

/// The body of `response`, or `None` once it passes `limit` bytes.
pub(crate) async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Option<Vec<u8>>, reqwest::Error> {
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Ok(None);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}
