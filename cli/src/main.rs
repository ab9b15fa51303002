//! `edgehooks`: forward a topic to a local endpoint signed as the service
//! signs deliveries, sign and verify deliveries offline, publish, and
//! manage webhooks and API keys.
// A command line tool: standard output is its product.
#![allow(clippy::print_stdout)]

mod api;
mod input;
mod listen;
mod signing;
mod term;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use edgehooks_core::Scheme;

/// The command line of edgehooks: a webhook service for topics.
#[derive(Debug, Parser)]
#[command(name = "edgehooks", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the service is and how to authenticate.
#[derive(Debug, Args)]
struct Service {
    /// The service's base URL.
    #[arg(
        long,
        env = "EDGEHOOKS_URL",
        default_value = "http://127.0.0.1:8787",
        global = true
    )]
    url: String,
    /// The API key (the admin key or an issued `ehk_` key).
    #[arg(
        long,
        env = "EDGEHOOKS_API_KEY",
        hide_env_values = true,
        default_value = "",
        hide_default_value = true,
        global = true
    )]
    api_key: String,
    /// Print the service's answers as JSON, for scripts.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Forward each message of a topic to a URL, signed as the service
    /// signs deliveries; runs until Ctrl-C.
    Listen(listen::Listen),
    /// Verify a captured delivery offline; prints its body when it is
    /// authentic.
    Verify(Verify),
    /// Print the headers a delivery of a body would carry.
    Sign(Sign),
    /// Publish a message to a topic.
    Publish(api::Publish),
    /// Create, inspect and change webhooks.
    Webhooks(api::Webhooks),
    /// Create, list and delete API keys.
    Keys(api::Keys),
}

/// A scheme and secret to sign or verify with.
#[derive(Debug, Args)]
struct Signing {
    /// The signing scheme: standard, standard-v1a, stripe, github, momento
    /// or commenda.
    #[arg(long, default_value = "standard", value_parser = parse_scheme)]
    scheme: Scheme,
}

/// Verify a captured delivery.
#[derive(Debug, Args)]
struct Verify {
    #[command(flatten)]
    signing: Signing,
    /// A secret to verify with (`whsec_...`, or the `whpk_` public key for
    /// standard-v1a); repeat it for several, as during a rotation.
    #[arg(long = "secret", required = true)]
    secrets: Vec<String>,
    /// A header of the delivery, as `name: value`; repeat for each.
    #[arg(long = "header", short = 'H', value_parser = parse_header)]
    headers: Vec<(String, String)>,
    /// How far, in seconds, the signed timestamp may be from now (raise it
    /// to check an older capture).
    #[arg(long, default_value_t = 300)]
    tolerance: u64,
    /// The body exactly as received: a file, or `-` (the default) for
    /// standard input.
    #[arg(default_value = "-")]
    body: PathBuf,
}

/// Sign a body.
#[derive(Debug, Args)]
struct Sign {
    #[command(flatten)]
    signing: Signing,
    /// The secret to sign with (`whsec_...`, or the `whsk_` signing key for
    /// standard-v1a).
    #[arg(long)]
    secret: String,
    /// The `webhook-id` (a new random one unless given).
    #[arg(long)]
    id: Option<String>,
    /// The signed timestamp, in unix seconds (now unless given).
    #[arg(long)]
    timestamp: Option<u64>,
    /// The body to sign: a file, or `-` (the default) for standard input.
    #[arg(default_value = "-")]
    body: PathBuf,
}

fn parse_scheme(name: &str) -> Result<Scheme, String> {
    name.parse()
        .map_err(|err: edgehooks_core::UnknownScheme| err.to_string())
}

fn parse_header(line: &str) -> Result<(String, String), String> {
    let (name, value) = line
        .split_once(':')
        .ok_or_else(|| format!("expected `name: value`, got {line:?}"))?;
    let name = name.trim();
    if name.is_empty() {
        return Err(format!("a header needs a name: {line:?}"));
    }
    Ok((name.to_owned(), value.trim().to_owned()))
}

/// A failure, printed as `code: message` on stderr.
#[derive(Debug)]
struct Failure {
    code: String,
    message: String,
}

impl Failure {
    fn new(code: &str, message: impl core::fmt::Display) -> Self {
        Failure {
            code: code.to_owned(),
            message: message.to_string(),
        }
    }
}

impl From<edgehooks_client::Error> for Failure {
    fn from(err: edgehooks_client::Error) -> Self {
        let message = match &err {
            edgehooks_client::Error::Api { message, .. } => message.clone(),
            other => {
                let text = other.to_string();
                let prefix = format!("{}: ", other.code());
                text.strip_prefix(&prefix).unwrap_or(&text).to_owned()
            }
        };
        Failure {
            code: err.code().to_owned(),
            message,
        }
    }
}

impl From<edgehooks_core::VerifyError> for Failure {
    fn from(err: edgehooks_core::VerifyError) -> Self {
        Failure::new(err.code(), err)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Verify(args) => signing::verify(&args),
        Command::Sign(args) => signing::sign(&args),
        command => run_async(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            term::error(&failure.code, &failure.message);
            ExitCode::FAILURE
        }
    }
}

fn run_async(command: Command) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| Failure::new("runtime", err))?;
    runtime.block_on(async move {
        match command {
            Command::Listen(args) => listen::run(args).await,
            Command::Publish(args) => api::publish(args).await,
            Command::Webhooks(args) => api::webhooks(args).await,
            Command::Keys(args) => api::keys(args).await,
            Command::Verify(_) | Command::Sign(_) => Ok(()),
        }
    })
}

impl Service {
    fn client(&self) -> Result<edgehooks_client::Client, Failure> {
        Ok(edgehooks_client::Client::new(
            &self.url,
            self.api_key.clone(),
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    /// Every command and every argument says what it is in `--help`.
    #[test]
    fn every_command_and_argument_has_help() {
        fn walk(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
            let path = format!("{path} {}", command.get_name());
            if command.get_about().is_none() {
                missing.push(path.clone());
            }
            for arg in command.get_arguments() {
                let id = arg.get_id().as_str();
                if arg.get_help().is_none() && !matches!(id, "help" | "version") {
                    missing.push(format!("{path} <{id}>"));
                }
            }
            for sub in command.get_subcommands() {
                if sub.get_name() != "help" {
                    walk(sub, &path, missing);
                }
            }
        }
        let mut missing = Vec::new();
        let mut cli = Cli::command();
        cli.build();
        walk(&cli, "", &mut missing);
        assert!(missing.is_empty(), "no help text: {missing:?}");
    }

    #[test]
    fn headers_parse_as_name_and_value() {
        assert_eq!(
            parse_header("Webhook-Id:  msg_1 ").ok(),
            Some(("Webhook-Id".to_owned(), "msg_1".to_owned()))
        );
        assert_eq!(
            parse_header("stripe-signature: t=1,v1=ab:cd").ok(),
            Some(("stripe-signature".to_owned(), "t=1,v1=ab:cd".to_owned()))
        );
        assert!(parse_header("no colon").is_err());
        assert!(parse_header(": value").is_err());
    }

    #[test]
    fn listen_takes_its_arguments() {
        let cli = Cli::try_parse_from([
            "edgehooks",
            "listen",
            "shop",
            "orders",
            "--forward-to",
            "http://127.0.0.1:3000/hook",
            "--scheme",
            "stripe",
            "--url",
            "http://127.0.0.1:9999",
        ])
        .expect("parses");
        let Command::Listen(listen) = cli.command else {
            panic!("not listen");
        };
        assert_eq!(listen.cache, "shop");
        assert_eq!(listen.topic, "orders");
        assert_eq!(listen.signing.scheme, Scheme::Stripe);
        assert_eq!(listen.service.url, "http://127.0.0.1:9999");
        assert!(
            Cli::try_parse_from(["edgehooks", "listen", "shop", "orders", "--scheme", "x"])
                .is_err()
        );
    }

    #[test]
    fn unknown_schemes_are_refused_with_the_list() {
        let err = parse_scheme("hmac").expect_err("unknown");
        assert!(err.contains("standard-v1a"), "{err}");
    }
}
