//! Server-Sent Events as the HTML standard parses them: lines ended by
//! CRLF, LF or CR, `field: value`, comments, an event dispatched at each
//! blank line.

/// One dispatched event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Event {
    /// The last `id:` seen on this stream, if any.
    pub(crate) id: Option<String>,
    /// `event:`, `message` when absent.
    pub(crate) event: String,
    /// The `data:` lines joined by `\n`, if any.
    pub(crate) data: Option<String>,
    /// `retry:` in milliseconds, if this event set it.
    pub(crate) retry: Option<u64>,
}

/// An incremental parser: feed it chunks as they arrive.
#[derive(Debug, Default)]
pub(crate) struct Parser {
    buffer: Vec<u8>,
    /// How much of `buffer` is known to hold no line end.
    scanned: usize,
    started: bool,
    id: Option<String>,
    event: String,
    data: Option<String>,
    retry: Option<u64>,
}

impl Parser {
    /// The bytes held for the event not yet complete.
    pub(crate) fn held(&self) -> usize {
        self.buffer.len() + self.data.as_ref().map_or(0, String::len)
    }

    /// The events complete after `chunk`.
    pub(crate) fn feed(&mut self, chunk: &[u8]) -> Vec<Event> {
        self.buffer.extend_from_slice(chunk);
        if !self.started {
            const BOM: &[u8] = b"\xEF\xBB\xBF";
            if self.buffer.len() < BOM.len() && BOM.starts_with(&self.buffer) {
                return Vec::new();
            }
            if self.buffer.starts_with(BOM) {
                self.buffer.drain(..BOM.len());
            }
            self.started = true;
        }
        self.lines(false)
    }

    /// The events complete at the end of the stream (a last line without
    /// its line end counts; an event without its blank line does not).
    pub(crate) fn finish(&mut self) -> Vec<Event> {
        self.lines(true)
    }

    fn lines(&mut self, end: bool) -> Vec<Event> {
        let mut events = Vec::new();
        let mut start = 0;
        // Bytes before `scanned` hold no line end: a long line arriving in
        // many chunks is scanned once, not once per chunk.
        let mut from = self.scanned.min(self.buffer.len());
        while let Some(offset) = self.buffer[from..]
            .iter()
            .position(|&b| b == b'\r' || b == b'\n')
        {
            let line_end = from + offset;
            let next = if self.buffer[line_end] == b'\r' {
                match self.buffer.get(line_end + 1) {
                    Some(b'\n') => line_end + 2,
                    Some(_) => line_end + 1,
                    // A CR at the end may be the first half of a CRLF.
                    None if end => line_end + 1,
                    None => break,
                }
            } else {
                line_end + 1
            };
            let line = String::from_utf8_lossy(&self.buffer[start..line_end]).into_owned();
            if let Some(event) = self.line(&line) {
                events.push(event);
            }
            start = next;
            from = next;
        }
        self.buffer.drain(..start);
        // Scanned up to the end, or up to a CR that may be half a CRLF.
        self.scanned = match self.buffer.last() {
            Some(b'\r') => self.buffer.len() - 1,
            _ => self.buffer.len(),
        };
        if end && !self.buffer.is_empty() {
            let line = String::from_utf8_lossy(&core::mem::take(&mut self.buffer)).into_owned();
            if let Some(event) = self.line(&line) {
                events.push(event);
            }
        }
        events
    }

    fn line(&mut self, line: &str) -> Option<Event> {
        if line.is_empty() {
            let event = Event {
                id: self.id.clone(),
                event: match core::mem::take(&mut self.event) {
                    name if name.is_empty() => "message".to_owned(),
                    name => name,
                },
                data: self.data.take(),
                retry: self.retry.take(),
            };
            return (event.data.is_some() || event.retry.is_some()).then_some(event);
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "data" => match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            },
            "event" => self.event = value.to_owned(),
            "id" if !value.contains('\0') => self.id = Some(value.to_owned()),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                self.retry = value.parse().ok();
            }
            _ => {}
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(chunks: &[&[u8]]) -> Vec<Event> {
        let mut parser = Parser::default();
        let mut events = Vec::new();
        for chunk in chunks {
            events.extend(parser.feed(chunk));
        }
        events.extend(parser.finish());
        events
    }

    fn event(id: Option<&str>, name: &str, data: Option<&str>) -> Event {
        Event {
            id: id.map(str::to_owned),
            event: name.to_owned(),
            data: data.map(str::to_owned),
            retry: None,
        }
    }

    #[test]
    fn messages_gap_and_resume() {
        let stream = b"id: 1\nevent: message\ndata: {\"a\":1}\n\n\
            event: gap\ndata: {\"from\":2,\"to\":4}\n\n\
            id: 5\nevent: message\ndata: {\"a\":5}\n\n\
            event: resume\ndata: {\"reason\":\"lifetime\"}\n\n";
        assert_eq!(
            all(&[stream]),
            [
                event(Some("1"), "message", Some("{\"a\":1}")),
                event(Some("1"), "gap", Some("{\"from\":2,\"to\":4}")),
                event(Some("5"), "message", Some("{\"a\":5}")),
                event(Some("5"), "resume", Some("{\"reason\":\"lifetime\"}")),
            ]
        );
    }

    #[test]
    fn split_anywhere_with_every_line_end() {
        let stream: &[u8] =
            b"\xEF\xBB\xBF: comment\r\nid:7\rdata:a\r\ndata: b\n\r\nretry: 1500\n\ndata\n\n";
        let whole = all(&[stream]);
        assert_eq!(whole.len(), 3);
        assert_eq!(whole[0], event(Some("7"), "message", Some("a\nb")));
        assert_eq!(whole[1].retry, Some(1500));
        assert_eq!(whole[1].data, None);
        assert_eq!(whole[2].data.as_deref(), Some(""));
        for cut in 0..stream.len() {
            for second in cut..stream.len() {
                let (a, rest) = stream.split_at(cut);
                let (b, c) = rest.split_at(second - cut);
                assert_eq!(all(&[a, b, c]), whole, "cut at {cut} and {second}");
            }
        }
    }

    #[test]
    fn unfinished_event_is_dropped_and_bad_fields_ignored() {
        let events =
            all(&[b"retry: soon\nid: a\0b\nfoo: bar\ndata: x\n\ndata: never dispatched\n"]);
        assert_eq!(events, [event(None, "message", Some("x"))]);
    }

    #[test]
    fn multibyte_text_split_across_chunks() {
        let text = "data: caf\u{e9} \u{1F600}\n\n".as_bytes();
        let events = all(&[&text[..10], &text[10..13], &text[13..]]);
        assert_eq!(events[0].data.as_deref(), Some("caf\u{e9} \u{1F600}"));
    }
}
