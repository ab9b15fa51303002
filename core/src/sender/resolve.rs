//! Name resolution for the native sender, checked against the URL policy.
//!
//! [`validate_post_url`](crate::service::validate_post_url) judges a host as
//! written; a public-looking name may still resolve to a loopback, private
//! or link-local address. The sender's HTTP client resolves every name
//! through [`CheckedResolver`], which keeps only the addresses the
//! endpoint's [`UrlPolicy`] allows ([`UrlPolicy::check_ip`]), so a
//! connection is only ever made to a checked address.

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use core::future::Future;
use core::net::{IpAddr, SocketAddr};
use core::pin::Pin;
use std::io;

use crate::service::{PrivateTarget, UrlPolicy};

/// The answer of a [`Resolver`], still to come: the addresses of a name.
pub type ResolveFuture<'a> = Pin<Box<dyn Future<Output = io::Result<Vec<IpAddr>>> + Send + 'a>>;

/// Resolves the host names of destinations (and token endpoints) for a
/// [`Sender`](crate::Sender): [`SystemResolver`] unless
/// [`SenderConfig::resolver`](crate::SenderConfig::resolver) sets another.
///
/// A resolver only says where a name leads: the sender then keeps the
/// addresses the endpoint's [`UrlPolicy`] allows, and connects to nothing
/// else.
pub trait Resolver: fmt::Debug + Send + Sync {
    /// The addresses of `host`, a domain name (IP literals are not
    /// resolved).
    fn resolve<'a>(&'a self, host: &'a str) -> ResolveFuture<'a>;
}

/// The operating system's resolver (`getaddrinfo`, through tokio).
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemResolver;

impl Resolver for SystemResolver {
    fn resolve<'a>(&'a self, host: &'a str) -> ResolveFuture<'a> {
        Box::pin(async move {
            let found = tokio::net::lookup_host((host, 0)).await?;
            Ok(found.map(|address| address.ip()).collect())
        })
    }
}

/// The resolver installed in the sender's HTTP client: `resolver`'s
/// addresses, kept to those `policy` allows.
#[derive(Clone, Debug)]
pub(crate) struct CheckedResolver {
    pub(crate) resolver: Arc<dyn Resolver>,
    pub(crate) policy: UrlPolicy,
}

impl CheckedResolver {
    /// The addresses of `host` the sender may connect to; an error when it
    /// resolves to none, or only to refused ones.
    pub(crate) async fn allowed(&self, host: &str) -> Result<Vec<IpAddr>, ResolveError> {
        let found = self
            .resolver
            .resolve(host)
            .await
            .map_err(ResolveError::Lookup)?;
        let mut refused = None;
        let allowed: Vec<IpAddr> = found
            .into_iter()
            .filter(|ip| match self.policy.check_ip(*ip) {
                Ok(()) => true,
                Err(target) => {
                    refused.get_or_insert(target);
                    false
                }
            })
            .collect();
        match refused {
            Some(target) if allowed.is_empty() => {
                Err(ResolveError::NotAllowed(AddressNotAllowed {
                    host: host.to_string(),
                    target,
                }))
            }
            None if allowed.is_empty() => Err(ResolveError::Lookup(io::Error::new(
                io::ErrorKind::NotFound,
                "the name has no address",
            ))),
            _ => Ok(allowed),
        }
    }
}

impl reqwest::dns::Resolve for CheckedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let this = self.clone();
        Box::pin(async move {
            let allowed = this.allowed(name.as_str()).await?;
            // Port 0: reqwest puts the URL's port (or the scheme's) in.
            let addresses = allowed.into_iter().map(|ip| SocketAddr::new(ip, 0));
            Ok(Box::new(addresses) as reqwest::dns::Addrs)
        })
    }
}

/// Why a name gave no address to connect to.
#[derive(Debug)]
pub(crate) enum ResolveError {
    /// The resolver failed, or found nothing.
    Lookup(io::Error),
    /// Every address found is refused by the policy.
    NotAllowed(AddressNotAllowed),
}

impl From<ResolveError> for Box<dyn core::error::Error + Send + Sync> {
    fn from(error: ResolveError) -> Self {
        match error {
            ResolveError::Lookup(error) => Box::new(error),
            ResolveError::NotAllowed(error) => Box::new(error),
        }
    }
}

/// A name that resolves only to addresses the URL policy refuses. The
/// sender finds it in a failed request's causes and reports
/// [`AttemptFailure::UrlNotAllowed`](crate::service::AttemptFailure::UrlNotAllowed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AddressNotAllowed {
    pub(crate) host: String,
    pub(crate) target: PrivateTarget,
}

impl fmt::Display for AddressNotAllowed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} resolves only to addresses the URL policy refuses ({})",
            self.host, self.target
        )
    }
}

impl core::error::Error for AddressNotAllowed {}

/// The kind of refused address, when `error` failed because the name
/// resolved only to addresses the policy refuses.
pub(crate) fn refused_target(error: &reqwest::Error) -> Option<PrivateTarget> {
    let mut cause = core::error::Error::source(error);
    while let Some(error) = cause {
        if let Some(refused) = error.downcast_ref::<AddressNotAllowed>() {
            return Some(refused.target);
        }
        cause = error.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use alloc::vec;

    use super::*;

    /// Answers every name with the same addresses.
    #[derive(Debug)]
    struct Fixed(Vec<IpAddr>);

    impl Resolver for Fixed {
        fn resolve<'a>(&'a self, _host: &'a str) -> ResolveFuture<'a> {
            let found = self.0.clone();
            Box::pin(async move { Ok(found) })
        }
    }

    fn checked(found: &[&str], allow_private: bool) -> CheckedResolver {
        CheckedResolver {
            resolver: Arc::new(Fixed(
                found.iter().map(|ip| ip.parse().expect("ip")).collect(),
            )),
            policy: UrlPolicy { allow_private },
        }
    }

    /// What the HTTP client is handed for `hooks.example.test`.
    async fn handed_to_client(resolver: &CheckedResolver) -> Result<Vec<SocketAddr>, String> {
        let name = "hooks.example.test".parse().expect("name");
        match reqwest::dns::Resolve::resolve(resolver, name).await {
            Ok(addresses) => Ok(addresses.collect()),
            Err(error) => Err(error.to_string()),
        }
    }

    #[tokio::test]
    async fn only_allowed_addresses_reach_the_client() {
        let mixed = checked(
            &["10.0.0.7", "93.184.216.34", "::1", "2606:4700::1111"],
            false,
        );
        assert_eq!(
            handed_to_client(&mixed).await,
            Ok(vec![
                "93.184.216.34:0".parse().expect("address"),
                "[2606:4700::1111]:0".parse().expect("address"),
            ])
        );
        let local = checked(&["10.0.0.7", "93.184.216.34"], true);
        assert_eq!(
            handed_to_client(&local).await.map(|found| found.len()),
            Ok(2)
        );
    }

    #[tokio::test]
    async fn a_name_with_only_refused_addresses_fails() {
        for (found, target) in [
            (&["127.0.0.1"][..], PrivateTarget::Loopback),
            (&["169.254.169.254", "10.0.0.1"], PrivateTarget::LinkLocal),
            (&["::ffff:192.168.0.1"], PrivateTarget::Private),
        ] {
            let resolver = checked(found, false);
            assert_eq!(
                handed_to_client(&resolver).await,
                Err(AddressNotAllowed {
                    host: "hooks.example.test".into(),
                    target,
                }
                .to_string())
            );
            assert!(matches!(
                resolver.allowed("hooks.example.test").await,
                Err(ResolveError::NotAllowed(AddressNotAllowed { target: t, .. })) if t == target
            ));
        }
        assert!(matches!(
            checked(&[], false).allowed("hooks.example.test").await,
            Err(ResolveError::Lookup(_))
        ));
    }
}
