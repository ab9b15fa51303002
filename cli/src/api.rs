//! `publish`, `webhooks` and `keys`: the service's API, as tables or JSON.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use edgehooks_client::{
    Attempt, AttemptFilter, Key, KeyInput, Permission, ReplayInput, Webhook, WebhookSecret,
};
use futures_util::{StreamExt, TryStreamExt};
use serde::Serialize;

use crate::input::read_body;
use crate::term::{self, date_time, table};
use crate::{Failure, Service};

/// Publish a message.
#[derive(Debug, Args)]
pub(crate) struct Publish {
    /// The cache the topic belongs to.
    cache: String,
    /// The topic to publish to.
    topic: String,
    /// The message; `-` (the default) reads it from standard input.
    #[arg(default_value = "-")]
    message: String,
    /// An idempotency key: the same key publishes once.
    #[arg(long)]
    idempotency_key: Option<String>,
    #[command(flatten)]
    service: Service,
}

/// Webhooks of a cache.
#[derive(Debug, Args)]
pub(crate) struct Webhooks {
    #[command(subcommand)]
    action: WebhookAction,
    #[command(flatten)]
    service: Service,
}

/// A webhook, by cache and name.
#[derive(Debug, Args)]
struct Named {
    /// The cache the webhook belongs to.
    cache: String,
    /// The webhook's name.
    name: String,
}

#[derive(Debug, Subcommand)]
enum WebhookAction {
    /// List the webhooks of a cache.
    List {
        /// The cache.
        cache: String,
    },
    /// Show a webhook.
    Get(Named),
    /// Create or replace a webhook from a JSON body; prints its secret.
    Put {
        #[command(flatten)]
        webhook: Named,
        /// The webhook as JSON (`topics`, `destination`, ...): a file, or
        /// `-` for standard input.
        #[arg(long)]
        body: PathBuf,
        /// Only create: fail with `already_exists` if the name is taken.
        #[arg(long)]
        create_only: bool,
    },
    /// Change some fields of a webhook from a JSON body.
    Patch {
        #[command(flatten)]
        webhook: Named,
        /// The fields to change, as JSON: a file, or `-` for standard input.
        #[arg(long)]
        body: PathBuf,
    },
    /// Delete a webhook.
    Delete(Named),
    /// Show a webhook's current secret.
    Secret(Named),
    /// Rotate a webhook's secret; the old one keeps verifying for the grace.
    Rotate {
        #[command(flatten)]
        webhook: Named,
        /// How long the old secret still signs, in seconds.
        #[arg(long)]
        grace_seconds: Option<u32>,
    },
    /// Send a test event to a webhook and show the attempt.
    Test(Named),
    /// List a webhook's delivery attempts, newest first.
    Attempts {
        #[command(flatten)]
        webhook: Named,
        /// Only attempts that delivered.
        #[arg(long, conflicts_with = "failed")]
        delivered: bool,
        /// Only attempts that failed.
        #[arg(long)]
        failed: bool,
        /// Only attempts sent at or after this time, in unix milliseconds.
        #[arg(long)]
        since: Option<u64>,
        /// Only attempts sent at or before this time, in unix milliseconds.
        #[arg(long)]
        until: Option<u64>,
        /// At most this many attempts.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Deliver again the messages a webhook gave up on.
    Replay {
        #[command(flatten)]
        webhook: Named,
        /// From this time, in unix milliseconds.
        #[arg(long)]
        since: Option<u64>,
        /// Until this time, in unix milliseconds.
        #[arg(long)]
        until: Option<u64>,
        /// `undelivered` (the default: waiting or given up) or `all`
        /// (delivered ones too).
        #[arg(long)]
        status: Option<String>,
    },
}

/// API keys.
#[derive(Debug, Args)]
pub(crate) struct Keys {
    #[command(subcommand)]
    action: KeyAction,
    #[command(flatten)]
    service: Service,
}

#[derive(Debug, Subcommand)]
enum KeyAction {
    /// Issue a key; prints it once.
    Create {
        /// A cache the key may use (`*` for every cache); repeat for several.
        #[arg(long = "cache", required = true)]
        caches: Vec<String>,
        /// What the key may do: publish, subscribe or manage; repeat for
        /// several.
        #[arg(long = "permission", required = true, value_parser = parse_permission)]
        permissions: Vec<Permission>,
        /// Words to recognise the key by.
        #[arg(long)]
        description: Option<String>,
    },
    /// List the issued keys.
    List,
    /// Revoke a key.
    Delete {
        /// The key's token id.
        token_id: String,
    },
}

fn parse_permission(name: &str) -> Result<Permission, String> {
    serde_json::from_value(serde_json::Value::String(name.to_owned()))
        .map_err(|_| format!("unknown permission {name:?}: use publish, subscribe or manage"))
}

/// Prints `value` as JSON, or `text` for people.
fn show(json: bool, value: &impl Serialize, text: impl FnOnce() -> String) -> Result<(), Failure> {
    if json {
        let text = serde_json::to_string_pretty(value)
            .map_err(|err| Failure::new("invalid_response", err))?;
        println!("{text}");
    } else {
        print!("{}", text());
    }
    Ok(())
}

fn json_body(path: &std::path::Path) -> Result<serde_json::Value, Failure> {
    let body = read_body(path)?;
    serde_json::from_slice(&body)
        .map_err(|err| Failure::new("invalid_json", format!("{}: {err}", path.display())))
}

/// Publishes one message.
pub(crate) async fn publish(args: Publish) -> Result<(), Failure> {
    let message = if args.message == "-" {
        read_body(std::path::Path::new("-"))?
    } else {
        args.message.clone().into_bytes()
    };
    let client = args.service.client()?;
    let published = client
        .publish(
            &args.cache,
            &args.topic,
            message,
            args.idempotency_key.as_deref(),
        )
        .await?;
    show(args.service.json, &published, || {
        let again = if published.idempotent_replayed {
            " (already published)"
        } else {
            ""
        };
        let mut text = format!(
            "Published {}/{} #{}{again}; {} background deliveries\n",
            published.cache,
            published.topic,
            published.topic_sequence_number,
            published.async_deliveries
        );
        if !published.sync_deliveries.is_empty() {
            text.push_str(&attempts_table(&published.sync_deliveries));
        }
        text
    })
}

/// Runs a webhook command.
pub(crate) async fn webhooks(args: Webhooks) -> Result<(), Failure> {
    let client = args.service.client()?;
    let json = args.service.json;
    match args.action {
        WebhookAction::List { cache } => {
            let all: Vec<Webhook> = client.iter_webhooks(&cache).try_collect().await?;
            show(json, &all, || webhooks_table(&all))
        }
        WebhookAction::Get(named) => {
            let webhook = client.get_webhook(&named.cache, &named.name).await?;
            show(json, &webhook, || webhook_details(&webhook))
        }
        WebhookAction::Put {
            webhook,
            body,
            create_only,
        } => {
            let input = json_body(&body)?;
            let answer = if create_only {
                client
                    .create_webhook(&webhook.cache, &webhook.name, &input)
                    .await?
            } else {
                client
                    .put_webhook(&webhook.cache, &webhook.name, &input)
                    .await?
            };
            show(json, &answer, || {
                format!(
                    "{}Secret: {}\n",
                    webhook_details(&answer.webhook),
                    answer.secret_string
                )
            })
        }
        WebhookAction::Patch { webhook, body } => {
            let patch = json_body(&body)?;
            let changed = client
                .patch_webhook(&webhook.cache, &webhook.name, &patch)
                .await?;
            show(json, &changed, || webhook_details(&changed))
        }
        WebhookAction::Delete(named) => {
            client.delete_webhook(&named.cache, &named.name).await?;
            show(json, &serde_json::json!({"deleted": true}), || {
                format!("Deleted {}/{}\n", named.cache, named.name)
            })
        }
        WebhookAction::Secret(named) => {
            let secret = client.get_webhook_secret(&named.cache, &named.name).await?;
            show(json, &secret, || secret_text(&secret))
        }
        WebhookAction::Rotate {
            webhook,
            grace_seconds,
        } => {
            let secret = client
                .rotate_webhook_secret(&webhook.cache, &webhook.name, grace_seconds)
                .await?;
            show(json, &secret, || secret_text(&secret))
        }
        WebhookAction::Test(named) => {
            let attempt = client.test_webhook(&named.cache, &named.name).await?;
            show(json, &attempt, || {
                attempts_table(core::slice::from_ref(&attempt))
            })
        }
        WebhookAction::Attempts {
            webhook,
            delivered,
            failed,
            since,
            until,
            limit,
        } => {
            let filter = AttemptFilter {
                delivered: (delivered || failed).then_some(delivered),
                since,
                until,
            };
            let all: Vec<Attempt> = client
                .iter_attempts(&webhook.cache, &webhook.name, &filter)
                .take(limit)
                .try_collect()
                .await?;
            show(json, &all, || attempts_table(&all))
        }
        WebhookAction::Replay {
            webhook,
            since,
            until,
            status,
        } => {
            let window = ReplayInput {
                since,
                until,
                status,
            };
            let replayed = client
                .replay_webhook(&webhook.cache, &webhook.name, &window)
                .await?;
            show(json, &replayed, || {
                format!(
                    "Replayed {}: {} delivered, {} undelivered\n",
                    replayed.replayed, replayed.delivered, replayed.undelivered
                )
            })
        }
    }
}

/// Runs a key command.
pub(crate) async fn keys(args: Keys) -> Result<(), Failure> {
    let client = args.service.client()?;
    let json = args.service.json;
    match args.action {
        KeyAction::Create {
            caches,
            permissions,
            description,
        } => {
            let input = KeyInput {
                caches,
                permissions,
                description,
            };
            let created = client.create_key(&input).await?;
            show(json, &created, || {
                format!(
                    "{}Key: {}\n",
                    keys_table(core::slice::from_ref(&created.info)),
                    created.key
                )
            })
        }
        KeyAction::List => {
            let all: Vec<Key> = client.iter_keys().try_collect().await?;
            show(json, &all, || keys_table(&all))
        }
        KeyAction::Delete { token_id } => {
            client.delete_key(&token_id).await?;
            show(json, &serde_json::json!({"deleted": true}), || {
                format!("Deleted key {token_id}\n")
            })
        }
    }
}

/// A serde enum's wire name.
fn name_of(value: &impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        Ok(other) => other.to_string(),
        Err(_) => "?".to_owned(),
    }
}

fn webhooks_table(webhooks: &[Webhook]) -> String {
    let rows: Vec<Vec<String>> = webhooks
        .iter()
        .map(|w| {
            vec![
                w.id.webhook_name.clone(),
                w.topics.join(","),
                w.scheme.clone(),
                name_of(&w.status),
                w.destination.post_url.clone(),
            ]
        })
        .collect();
    table(
        &["NAME", "TOPICS", "SCHEME", "STATUS", "DESTINATION"],
        &rows,
    )
}

fn webhook_details(w: &Webhook) -> String {
    let mut rows = vec![
        ("Name", format!("{}/{}", w.id.cache_name, w.id.webhook_name)),
        ("Topics", w.topics.join(", ")),
        ("Destination", w.destination.post_url.clone()),
        ("Scheme", w.scheme.clone()),
        ("Status", name_of(&w.status)),
        ("Mode", name_of(&w.mode)),
        ("Ordering", name_of(&w.ordering)),
        ("Timeout", format!("{} ms", w.timeout_ms)),
        ("Created", date_time(w.created_at)),
        ("Updated", date_time(w.updated_at)),
    ];
    if !w.description.is_empty() {
        rows.push(("Description", w.description.clone()));
    }
    if let Some(reason) = &w.disabled_reason {
        rows.push(("Disabled", reason.clone()));
    }
    rows.iter()
        .map(|(label, value)| format!("{:<12} {value}\n", format!("{label}:")))
        .collect()
}

fn secret_text(secret: &WebhookSecret) -> String {
    let mut text = format!("{}\n", secret.secret);
    if let Some(ends) = secret.grace_ends_at {
        text.push_str(&format!(
            "{}\n",
            term::out(
                term::DIM,
                &format!("previous secret valid until {}", date_time(ends))
            )
        ));
    }
    text
}

fn attempts_table(attempts: &[Attempt]) -> String {
    let rows: Vec<Vec<String>> = attempts
        .iter()
        .map(|a| {
            let result = match (&a.status_code, &a.error) {
                (_, Some(error)) => error.code.clone(),
                (Some(status), None) => status.to_string(),
                (None, None) => "-".to_owned(),
            };
            vec![
                date_time(a.sent_at),
                format!("{}#{}", a.topic, a.topic_sequence_number),
                a.attempt.to_string(),
                result,
                format!("{} ms", a.latency_ms),
                a.outcome.clone().unwrap_or_else(|| "-".to_owned()),
            ]
        })
        .collect();
    table(
        &["SENT", "MESSAGE", "ATTEMPT", "RESULT", "LATENCY", "OUTCOME"],
        &rows,
    )
}

fn keys_table(keys: &[Key]) -> String {
    let rows: Vec<Vec<String>> = keys
        .iter()
        .map(|k| {
            vec![
                k.token_id.clone(),
                k.caches.join(","),
                k.permissions
                    .iter()
                    .map(name_of)
                    .collect::<Vec<_>>()
                    .join(","),
                date_time(k.created_at),
                k.description.clone(),
            ]
        })
        .collect();
    table(
        &[
            "TOKEN ID",
            "CACHES",
            "PERMISSIONS",
            "CREATED",
            "DESCRIPTION",
        ],
        &rows,
    )
}
