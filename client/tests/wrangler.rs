//! The client against the Worker served by `wrangler dev` on 127.0.0.1,
//! started as tests/e2e/harness.mjs starts it. It needs the Worker built
//! (`./scripts/build-worker`) and wrangler installed (`npm ci` in worker/),
//! so it is ignored by a plain `cargo test`: `scripts/test` runs it after
//! building the Worker (`cargo test -p edgehooks-client --test wrangler --
//! --ignored`).

use core::time::Duration;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use base64ct::{Base64, Encoding};
use edgehooks_client::Message;
use edgehooks_client::{
    AttemptFilter, Client, Error, KeyInput, Permission, PortalSessionInput, TopicEvent,
    WebhookInput,
};
use futures_util::{StreamExt, TryStreamExt};

fn worker_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../worker")
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

fn random_hex(bytes: usize) -> String {
    (0..bytes)
        .map(|_| format!("{:02x}", fastrand::u8(..)))
        .collect()
}

/// `wrangler dev` in its own process group, with its own state; killed
/// with its runtime when dropped.
struct Worker {
    child: Child,
    dir: PathBuf,
    url: String,
    admin_key: String,
}

impl Drop for Worker {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn start_worker() -> Worker {
    let worker = worker_dir();
    let wrangler = worker.join("node_modules/.bin/wrangler");
    assert!(
        worker.join("build").is_dir() && wrangler.exists(),
        "worker/build or worker/node_modules/.bin/wrangler is missing \
         (run ./scripts/build-worker, and npm ci in worker/)"
    );
    let dir = std::env::temp_dir().join(format!("edgehooks-client-{}", random_hex(8)));
    std::fs::create_dir_all(&dir).expect("state directory");
    let admin_key = format!("admin_{}", random_hex(16));
    let secrets_key =
        Base64::encode_string(&core::array::from_fn::<u8, 32, _>(|_| fastrand::u8(..)));
    let env_file = dir.join("env");
    std::fs::write(
        &env_file,
        format!(
            "ADMIN_KEY={admin_key}\nSECRETS_KEY={secrets_key}\nALLOW_PRIVATE_URLS=true\n\
             MIN_RETRY_DELAY_SECONDS=1\nTOPICS_PER_WEBHOOK=64\nSTREAM_MAX_SECONDS={STREAM_SECONDS}\n"
        ),
    )
    .expect("env file");
    let port = free_port();
    let inspector = free_port();
    let child = Command::new(&wrangler)
        .args(["dev", "--ip", "127.0.0.1", "--port", &port.to_string()])
        .args(["--inspector-port", &inspector.to_string()])
        .arg("--persist-to")
        .arg(dir.join("state"))
        .arg("--env-file")
        .arg(&env_file)
        .args([
            "--show-interactive-dev-session=false",
            "--log-level",
            "warn",
        ])
        .current_dir(&worker)
        .env("WRANGLER_SEND_METRICS", "false")
        .env("WRANGLER_SEND_ERROR_REPORTS", "false")
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
        .env("WRANGLER_HIDE_BANNER", "true")
        .env("CI", "true")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .process_group(0)
        .spawn()
        .expect("start wrangler dev");
    let mut worker = Worker {
        child,
        dir,
        url: format!("http://127.0.0.1:{port}"),
        admin_key,
    };
    let probe = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if let Ok(Some(status)) = worker.child.try_wait() {
            panic!("wrangler dev exited: {status}");
        }
        assert!(Instant::now() < deadline, "wrangler dev did not start");
        if let Ok(response) = probe
            .get(format!("{}/v1/openapi.json", worker.url))
            .send()
            .await
            && response.status().is_success()
        {
            return worker;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn text(message: &Message) -> &str {
    match message {
        Message::Text(text) => text,
        Message::Bytes(_) => panic!("a text message was expected"),
    }
}

/// Awaits `future` for at most 20 s.
async fn soon<T>(future: impl core::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), future)
        .await
        .expect("in time")
}

/// The lifetime of an event stream in the test's Worker: streams end with
/// `resume` this often, and the client must carry on without loss.
const STREAM_SECONDS: u64 = 2;

/// The next event that is not a connection change, skipping those.
async fn next_message(
    events: &mut (impl futures_util::Stream<Item = Result<TopicEvent, Error>> + Unpin),
) -> Result<TopicEvent, Error> {
    loop {
        match soon(events.next()).await.expect("an event")? {
            TopicEvent::Connected { .. } | TopicEvent::Reconnecting { .. } => {}
            other => return Ok(other),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the Worker built and wrangler installed; scripts/test runs it"]
async fn client_against_wrangler_dev() -> Result<(), Error> {
    let worker = start_worker().await;
    let client = Client::builder(&worker.url, worker.admin_key.clone())
        .page_size(2)
        .build()?;
    assert!(!format!("{client:?}").contains(&worker.admin_key));

    // Webhooks: create five, read one, list them two at a time.
    for i in 0..5 {
        let input = WebhookInput::new(["orders"], format!("http://127.0.0.1:9/hook/{i}"));
        let created = client
            .put_webhook("shop", &format!("hook {i}"), &input)
            .await?;
        assert!(created.secret_string.starts_with("whsec_"));
        assert_eq!(created.webhook.id.webhook_name, format!("hook {i}"));
        assert!(!format!("{created:?}").contains(&created.secret_string));
    }
    let taken = client
        .create_webhook(
            "shop",
            "hook 3",
            &WebhookInput::new(["orders"], "http://127.0.0.1:9/other"),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (taken.code(), taken.status()),
        ("already_exists", Some(412))
    );
    let fresh = WebhookInput::new(["orders"], "http://127.0.0.1:9/new");
    let created = client.create_webhook("shop", "new", &fresh).await?;
    assert_eq!(
        created.webhook.destination.post_url,
        "http://127.0.0.1:9/new"
    );
    client.delete_webhook("shop", "new").await?;
    let got = client.get_webhook("shop", "hook 3").await?;
    assert_eq!(got.destination.post_url, "http://127.0.0.1:9/hook/3");
    assert_eq!(got.topics, ["orders"]);
    let first = client.list_webhooks("shop", Some(2), None).await?;
    assert_eq!(first.webhooks.len(), 2);
    assert!(first.cursor.is_some());
    let mut names: Vec<String> = client
        .iter_webhooks("shop")
        .map_ok(|webhook| webhook.id.webhook_name)
        .try_collect()
        .await?;
    names.sort();
    assert_eq!(names, ["hook 0", "hook 1", "hook 2", "hook 3", "hook 4"]);
    let missing = client.get_webhook("shop", "nope").await.unwrap_err();
    assert_eq!((missing.code(), missing.status()), ("not_found", Some(404)));

    // A wrong key is refused with the API's code.
    let stranger = Client::new(&worker.url, "admin_wrong")?;
    let refused = stranger
        .list_webhooks("shop", None, None)
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, Error::Api { status: 401, code, .. } if code == "unauthorized"),
        "{refused:?}"
    );
    assert!(refused.to_string().starts_with("unauthorized: "));

    // Publish and subscribe: in order, then resumed after the stream is dropped.
    // From after 0: every message the topic buffers, whenever it connects.
    let mut stream = client.subscribe("shop", "news", Some(0));
    let mut events = client.topic_events("shop", "news", None);
    // Streams connect when first polled: publish once this one is open.
    let opened = soon(events.next()).await.expect("an event")?;
    assert_eq!(opened, TopicEvent::Connected { after: None });
    let reader = tokio::spawn(async move {
        let mut seen = Vec::new();
        while seen.len() < 3 {
            let envelope = stream.next().await.expect("an event")?;
            seen.push(envelope);
        }
        Ok::<_, Error>(seen)
    });
    for i in 1..=3 {
        let published = client
            .publish("shop", "news", format!("news {i}"), None)
            .await?;
        assert_eq!(published.topic_sequence_number, i);
        let TopicEvent::Message(envelope) = next_message(&mut events).await? else {
            panic!("a message was expected");
        };
        assert_eq!(envelope.topic_sequence_number, i);
    }
    let seen = soon(reader).await.expect("reader task")?;
    let numbers: Vec<u64> = seen.iter().map(|e| e.topic_sequence_number).collect();
    assert_eq!(numbers, [1, 2, 3]);
    assert_eq!(text(&seen[2].message), "news 3");
    assert_eq!(
        (seen[0].cache.as_str(), seen[0].topic.as_str()),
        ("shop", "news")
    );

    // The service ends a stream at its lifetime with `resume`: the client
    // reconnects at once, after the last message, and nothing is missed.
    let mut reconnects = Vec::new();
    loop {
        match soon(events.next()).await.expect("an event")? {
            TopicEvent::Reconnecting { delay, reason } => reconnects.push((delay, reason)),
            TopicEvent::Connected { after } => {
                assert_eq!(after, Some(3));
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(
        reconnects,
        [(Duration::ZERO, "resume: lifetime".to_owned())]
    );
    drop(events);
    // Published while nobody listens; the resumed stream starts after 3.
    for i in 4..=5 {
        client
            .publish("shop", "news", format!("news {i}"), None)
            .await?;
    }
    let mut resumed = client.subscribe("shop", "news", Some(3));
    for i in 4..=5 {
        let envelope = soon(resumed.next()).await.expect("an event")?;
        assert_eq!(envelope.topic_sequence_number, i);
        assert_eq!(text(&envelope.message), format!("news {i}"));
    }
    drop(resumed);

    // Idempotent publishing.
    let once = client
        .publish("shop", "news", "only once", Some("k-1"))
        .await?;
    let again = client
        .publish("shop", "news", "only once", Some("k-1"))
        .await?;
    assert_eq!(once.topic_sequence_number, again.topic_sequence_number);
    assert!(again.idempotent_replayed && !once.idempotent_replayed);

    // Keys: create, use, list, delete.
    let created = client
        .create_key(&KeyInput {
            caches: vec!["shop".into()],
            permissions: vec![Permission::Publish, Permission::Subscribe],
            description: Some("reader".into()),
        })
        .await?;
    assert!(created.info.token_id.starts_with("tok_"));
    assert!(!format!("{created:?}").contains(&created.key));
    let publisher = Client::new(&worker.url, created.key.clone())?;
    publisher
        .publish("shop", "news", "from a key", None)
        .await?;
    let forbidden = publisher
        .list_webhooks("shop", None, None)
        .await
        .unwrap_err();
    assert_eq!(forbidden.code(), "forbidden");
    let keys: Vec<_> = client.iter_keys().try_collect().await?;
    assert!(keys.iter().any(|key| key.token_id == created.info.token_id));
    client.delete_key(&created.info.token_id).await?;
    let keys = client.list_keys(None, None).await?;
    assert!(
        keys.keys
            .iter()
            .all(|key| key.token_id != created.info.token_id)
    );
    let revoked = publisher
        .publish("shop", "news", "too late", None)
        .await
        .unwrap_err();
    assert_eq!(revoked.code(), "unauthorized");
    // A stream of a revoked key ends with the refusal.
    let mut ended = publisher.subscribe("shop", "news", None);
    let error = soon(ended.next()).await.expect("an error").unwrap_err();
    assert_eq!(error.code(), "unauthorized");
    assert!(soon(ended.next()).await.is_none());

    // The remaining webhook calls.
    let secret = client.get_webhook_secret("shop", "hook 0").await?;
    let rotated = client
        .rotate_webhook_secret("shop", "hook 0", Some(60))
        .await?;
    assert_ne!(secret.secret, rotated.secret);
    assert!(rotated.grace_ends_at.is_some());
    let patched = client
        .patch_webhook(
            "shop",
            "hook 0",
            &serde_json::json!({"description": "changed"}),
        )
        .await?;
    assert_eq!(patched.description, "changed");
    let attempt = client.test_webhook("shop", "hook 0").await?;
    assert_eq!(attempt.topic_sequence_number, 0);
    assert!(!attempt.delivered);
    let all = AttemptFilter::default();
    let attempts: Vec<_> = client
        .iter_attempts("shop", "hook 0", &all)
        .try_collect()
        .await?;
    assert_eq!(attempts.len(), 1);
    let failed = AttemptFilter {
        delivered: Some(false),
        ..AttemptFilter::default()
    };
    let page = client
        .list_attempts("shop", "hook 0", &failed, None, None)
        .await?;
    assert_eq!(page.attempts, attempts);
    let delivered = AttemptFilter {
        delivered: Some(true),
        ..AttemptFilter::default()
    };
    let later = AttemptFilter {
        since: Some(attempt.sent_at + 1),
        ..AttemptFilter::default()
    };
    for filter in [delivered, later] {
        let page = client
            .list_attempts("shop", "hook 0", &filter, None, None)
            .await?;
        assert!(page.attempts.is_empty(), "{filter:?}");
    }
    let hourly = client
        .get_webhook_statistics("shop", "hook 0", Some(3))
        .await?;
    assert_eq!(hourly.hours.len(), 3);
    assert!(
        hourly
            .hours
            .windows(2)
            .all(|w| w[1].hour == w[0].hour + 3_600_000)
    );
    let week = client
        .get_webhook_statistics("shop", "hook 0", None)
        .await?;
    assert_eq!(week.hours.len(), 168);
    let refused = client
        .get_webhook_statistics("shop", "hook 0", Some(169))
        .await
        .unwrap_err();
    assert_eq!(
        (refused.code(), refused.status()),
        ("invalid_hours", Some(400))
    );
    let _undelivered: Vec<_> = client
        .iter_undelivered("shop", "hook 0")
        .try_collect()
        .await?;
    client
        .replay_webhook("shop", "hook 0", &Default::default())
        .await?;
    let resealed = client.reseal_secrets(None, None).await?;
    assert_eq!(resealed.resealed + resealed.already_current, 5);
    let portal = client
        .create_portal_session(
            "shop",
            &PortalSessionInput {
                read_only: Some(true),
                ..PortalSessionInput::default()
            },
        )
        .await?;
    assert!(portal.token.starts_with("ehp_") && portal.read_only);
    assert!(
        portal
            .url
            .starts_with(&format!("{}/portal#token=", worker.url))
    );
    assert!(!format!("{portal:?}").contains(&portal.token));
    let customer = Client::new(&worker.url, portal.token.clone())?;
    assert_eq!(
        customer
            .iter_webhooks("shop")
            .try_collect::<Vec<_>>()
            .await?
            .len(),
        5
    );
    let refused = customer.delete_webhook("shop", "hook 1").await.unwrap_err();
    assert_eq!(refused.code(), "forbidden");
    client.delete_webhook("shop", "hook 0").await?;
    let gone = client.get_webhook("shop", "hook 0").await.unwrap_err();
    assert_eq!(gone.code(), "not_found");
    Ok(())
}
