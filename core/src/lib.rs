#![no_std]
#![warn(clippy::std_instead_of_alloc)]
#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod delivery;
mod envelope;
mod error;
mod headers;
mod keys;
pub mod limits;
mod scheme;
mod secret;
#[cfg(feature = "tokio")]
mod sender;
pub mod service;
mod sign;
mod verify;
mod webhook;

pub use delivery::{USER_AGENT, delivery_headers, delivery_id};
pub use envelope::{Envelope, Message};
pub use error::{SecretProblem, VerifyError};
pub use headers::HeaderLookup;
pub use scheme::{Scheme, UnknownScheme, header};
pub use secret::{
    KeyPair, PUBLIC_KEY_PREFIX, SECRET_PREFIX, SIGNING_KEY_PREFIX, SecretString, generate_key_pair,
    generate_secret, public_key_of,
};
#[cfg(feature = "tokio")]
pub use sender::{
    Attempt, BuildError, Delivery, DeliveryResult, Endpoint, ResolveFuture, Resolver, Sender,
    SenderConfig, SystemResolver,
};
pub use sign::SignedHeaders;
pub use verify::{MacCandidates, MacHash};
pub use webhook::Webhook;

/// The repository README's Rust examples, run as doctests.
#[cfg(all(doctest, feature = "tokio"))]
#[doc = include_str!("../../README.md")]
pub struct RepositoryReadme;
