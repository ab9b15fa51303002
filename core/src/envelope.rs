//! The delivered body: the Momento envelope around one published message.

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::error::VerifyError;

/// The JSON body of every delivery (times in milliseconds since the epoch).
///
/// ```json
/// {"cache":"shop","topic":"orders","event_timestamp":1700000000123,
///  "publish_timestamp":1700000000100,"topic_sequence_number":42,
///  "token_id":"","text":"the published message"}
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// The cache (namespace) the topic belongs to.
    pub cache: String,
    /// The topic the message was published to.
    pub topic: String,
    /// When this delivery was made, in ms since the epoch.
    pub event_timestamp: u64,
    /// When the message was published, in ms since the epoch.
    pub publish_timestamp: u64,
    /// The message's position in its topic, strictly increasing.
    pub topic_sequence_number: u64,
    /// Id of the API key that published, or `""`.
    pub token_id: String,
    /// The message: `text`, or `bytes` (base64) when it is not UTF-8.
    #[serde(flatten)]
    pub message: Message,
}

/// A published message as it travels in the envelope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Message {
    /// A UTF-8 message (JSON messages travel as their text).
    Text(String),
    /// A message that is not UTF-8, base64-encoded on the wire.
    Bytes(#[serde(with = "base64_bytes")] Vec<u8>),
}

impl Message {
    /// The message for raw published bytes: `Text` when they are UTF-8,
    /// `Bytes` otherwise.
    pub fn from_bytes(bytes: Vec<u8>) -> Message {
        match String::from_utf8(bytes) {
            Ok(text) => Message::Text(text),
            Err(err) => Message::Bytes(err.into_bytes()),
        }
    }

    /// The message's raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Message::Text(text) => text.as_bytes(),
            Message::Bytes(bytes) => bytes,
        }
    }
}

impl Envelope {
    /// The envelope as compact JSON bytes, the exact body to sign and send.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("strings and integers always serialize to JSON")
    }

    /// Parses a delivered body.
    pub fn from_json(body: &[u8]) -> Result<Envelope, VerifyError> {
        serde_json::from_slice(body).map_err(|_| VerifyError::InvalidEnvelope)
    }
}

mod base64_bytes {
    use alloc::string::String;
    use alloc::vec::Vec;

    use base64ct::{Base64, Encoding};
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&Base64::encode_string(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<u8>, D::Error> {
        let encoded = String::deserialize(deserializer)?;
        Base64::decode_vec(&encoded).map_err(|_| D::Error::custom("bytes must be base64"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;

    fn envelope(message: Message) -> Envelope {
        Envelope {
            cache: "shop".to_string(),
            topic: "orders".to_string(),
            event_timestamp: 1_700_000_000_123,
            publish_timestamp: 1_700_000_000_100,
            topic_sequence_number: 42,
            token_id: String::new(),
            message,
        }
    }

    #[test]
    fn text_envelope_matches_the_documented_shape() {
        let json = envelope(Message::Text("the published message".to_string())).to_json();
        assert_eq!(
            core::str::from_utf8(&json).expect("utf8"),
            r#"{"cache":"shop","topic":"orders","event_timestamp":1700000000123,"publish_timestamp":1700000000100,"topic_sequence_number":42,"token_id":"","text":"the published message"}"#
        );
        assert_eq!(
            Envelope::from_json(&json),
            Ok(envelope(Message::Text("the published message".to_string())))
        );
    }

    #[test]
    fn non_utf8_messages_travel_as_base64_bytes() {
        let message = Message::from_bytes(vec![0xff, 0x00, 0x80]);
        assert_eq!(message, Message::Bytes(vec![0xff, 0x00, 0x80]));
        let json = envelope(message.clone()).to_json();
        let text = core::str::from_utf8(&json).expect("utf8");
        assert!(text.ends_with(r#""bytes":"/wCA"}"#), "{text}");
        assert_eq!(Envelope::from_json(&json).expect("parses").message, message);
        assert_eq!(
            Message::from_bytes(b"{\"a\":1}".to_vec()),
            Message::Text("{\"a\":1}".to_string())
        );
    }

    #[test]
    fn malformed_envelopes_are_refused() {
        assert_eq!(
            Envelope::from_json(b"{}"),
            Err(VerifyError::InvalidEnvelope)
        );
        assert_eq!(
            Envelope::from_json(b"not json"),
            Err(VerifyError::InvalidEnvelope)
        );
        let bad = br#"{"cache":"c","topic":"t","event_timestamp":1,"publish_timestamp":1,"topic_sequence_number":1,"token_id":"","bytes":"!!"}"#;
        assert_eq!(Envelope::from_json(bad), Err(VerifyError::InvalidEnvelope));
    }
}
