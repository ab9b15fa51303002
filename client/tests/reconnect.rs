//! How a topic's event stream reconnects, against a server on 127.0.0.1
//! that answers each connect as the service can: unavailable with
//! `Retry-After`, a stream with a `gap`, a message and `resume`, then a
//! refusal. The real service is driven by tests/wrangler.rs; this covers
//! answers it gives only under load or after a long absence.

use core::time::Duration;
use std::time::Instant;

use edgehooks_client::{Client, Error, Message, TopicEvent};
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Reads one request's head; answers its lines.
async fn request_head(socket: &mut tokio::net::TcpStream) -> Vec<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let read = socket.read(&mut byte).await.expect("read the request");
        assert!(read == 1, "the request ended early");
        head.push(byte[0]);
    }
    String::from_utf8(head)
        .expect("UTF-8 head")
        .lines()
        .map(str::to_owned)
        .collect()
}

fn header<'a>(head: &'a [String], name: &str) -> Option<&'a str> {
    head.iter().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

/// A JSON error answer.
fn refusal(status: &str, extra: &str, code: &str, message: &str) -> String {
    let body = format!("{{\"error\":{{\"code\":\"{code}\",\"message\":\"{message}\"}}}}");
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n{extra}\
         connection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
}

const STREAM: &str = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\
cache-control: no-store\r\nconnection: close\r\n\r\n\
: subscribed\n\n\
event: gap\ndata: {\"from\":1,\"to\":4}\n\n\
id: 5\ndata: {\"cache\":\"shop\",\"topic\":\"news\",\"event_timestamp\":2,\
\"publish_timestamp\":1,\"topic_sequence_number\":5,\"token_id\":\"\",\"text\":\"five\"}\n\n\
event: resume\ndata: {\"reason\":\"slow\"}\n\n";

#[tokio::test]
async fn reconnects_as_the_service_asks() -> Result<(), Error> {
    let answers = [
        refusal(
            "503 Service Unavailable",
            "retry-after: 1\r\n",
            "unavailable",
            "try again soon",
        ),
        STREAM.to_owned(),
        refusal("401 Unauthorized", "", "unauthorized", "key revoked"),
    ];
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let server = tokio::spawn(async move {
        let mut heads = Vec::new();
        for answer in answers {
            let (mut socket, _) = listener.accept().await.expect("accept");
            heads.push((request_head(&mut socket).await, Instant::now()));
            socket.write_all(answer.as_bytes()).await.expect("answer");
            socket.shutdown().await.expect("close");
        }
        heads
    });
    let client = Client::new(&format!("http://{address}"), "admin_test")?;
    let started = Instant::now();
    let events: Vec<Result<TopicEvent, Error>> = tokio::time::timeout(
        Duration::from_secs(20),
        client.topic_events("shop", "news", None).collect(),
    )
    .await
    .expect("in time");
    let heads = tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("three connects")
        .expect("server");

    let mut events = events.into_iter();
    let Some(Ok(TopicEvent::Reconnecting { delay, reason })) = events.next() else {
        panic!("a reconnect after the 503 was expected");
    };
    assert!(
        delay >= Duration::from_secs(1),
        "Retry-After kept: {delay:?}"
    );
    assert_eq!(reason, "unavailable: try again soon");
    assert_eq!(
        events.next().map(Result::ok),
        Some(Some(TopicEvent::Connected { after: None }))
    );
    assert_eq!(
        events.next().map(Result::ok),
        Some(Some(TopicEvent::Gap { from: 1, to: 4 }))
    );
    let Some(Ok(TopicEvent::Message(envelope))) = events.next() else {
        panic!("message 5 was expected");
    };
    assert_eq!(envelope.topic_sequence_number, 5);
    assert_eq!(envelope.message, Message::Text("five".to_owned()));
    assert_eq!(
        events.next().map(Result::ok),
        Some(Some(TopicEvent::Reconnecting {
            delay: Duration::ZERO,
            reason: "resume: slow".to_owned()
        }))
    );
    let Some(Err(refused)) = events.next() else {
        panic!("the refusal was expected");
    };
    assert_eq!(
        (refused.code(), refused.status()),
        ("unauthorized", Some(401))
    );
    assert!(events.next().is_none(), "the stream ends after a refusal");

    // What each connect sent: the key, the stream's type, and after the
    // message its number; the second connect waited out `Retry-After`,
    // the third (after `resume`) did not wait.
    for (head, _) in &heads {
        assert!(head[0].starts_with("GET /v1/caches/shop/topics/news/subscribe "));
        assert_eq!(header(head, "authorization"), Some("Bearer admin_test"));
        assert_eq!(header(head, "accept"), Some("text/event-stream"));
    }
    assert_eq!(header(&heads[0].0, "last-event-id"), None);
    assert_eq!(header(&heads[1].0, "last-event-id"), None);
    assert_eq!(header(&heads[2].0, "last-event-id"), Some("5"));
    assert!(heads[1].1 - heads[0].1 >= Duration::from_millis(900));
    assert!(heads[2].1 - heads[1].1 < Duration::from_millis(900));
    assert!(started.elapsed() < Duration::from_secs(10));
    Ok(())
}

#[tokio::test]
async fn an_event_larger_than_any_envelope_ends_the_stream() -> Result<(), Error> {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.expect("accept");
        request_head(&mut socket).await;
        let head =
            "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n";
        socket.write_all(head.as_bytes()).await.expect("head");
        socket.write_all(b"data: ").await.expect("field");
        // 9 MiB without a line end, written until the client hangs up.
        let chunk = vec![b'a'; 64 * 1024];
        for _ in 0..144 {
            if socket.write_all(&chunk).await.is_err() {
                break;
            }
        }
    });
    let client = Client::new(&format!("http://{address}"), "admin_test")?;
    let events: Vec<_> = tokio::time::timeout(
        Duration::from_secs(20),
        client.topic_events("shop", "news", None).collect(),
    )
    .await
    .expect("in time");
    assert!(matches!(events[0], Ok(TopicEvent::Connected { .. })));
    let Err(error) = &events[1] else {
        panic!("an error was expected: {:?}", events[1]);
    };
    assert_eq!(error.code(), "invalid_response");
    assert_eq!(events.len(), 2, "the stream ends");
    server.abort();
    Ok(())
}
