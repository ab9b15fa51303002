//! Destination URL rules: what a webhook may POST to (the SSRF guard).

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

use super::error::{PrivateTarget, UrlProblem, ValidationError};
use crate::limits::MAX_URL_BYTES;

/// Which destinations a deployment accepts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UrlPolicy {
    /// Accept private, loopback and link-local targets. Off in production;
    /// on for local development (`wrangler dev`) and tests.
    pub allow_private: bool,
}

impl UrlPolicy {
    /// Whether a sender may connect to `ip`, an address a destination's
    /// name resolved to: the address rules of [`validate_post_url`], so a
    /// name cannot lead where the address itself would be refused. Always
    /// `Ok` when the policy allows private targets.
    pub fn check_ip(self, ip: IpAddr) -> Result<(), PrivateTarget> {
        match ip {
            _ if self.allow_private => Ok(()),
            IpAddr::V4(ip) => check_public_v4(ip),
            IpAddr::V6(ip) => check_public_v6(ip),
        }
    }
}

/// Checks a destination URL and returns it normalised.
///
/// Refused: anything but absolute `http`/`https` URLs, credentials in the
/// URL, URLs over 2048 bytes and, unless the policy allows them, targets on
/// private, loopback, link-local, shared, multicast or reserved addresses and
/// the hostnames that name such targets (`localhost`, `*.local`, ...). Names
/// that resolve to such addresses cannot be caught here: a sender checks
/// each address it resolves with [`UrlPolicy::check_ip`] (the native
/// `Sender` does), or its network must refuse them.
pub fn validate_post_url(raw: &str, policy: UrlPolicy) -> Result<Url, ValidationError> {
    if raw.len() > MAX_URL_BYTES {
        return Err(ValidationError::InvalidUrl(UrlProblem::TooLong));
    }
    let url = Url::parse(raw).map_err(|_| ValidationError::InvalidUrl(UrlProblem::NotAbsolute))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ValidationError::InvalidUrl(UrlProblem::NotHttp));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ValidationError::InvalidUrl(UrlProblem::Credentials));
    }
    let host = url
        .host()
        .ok_or(ValidationError::InvalidUrl(UrlProblem::NoHost))?;
    if !policy.allow_private {
        check_public_host(&host)?;
    }
    Ok(url)
}

fn check_public_host(host: &Host<&str>) -> Result<(), ValidationError> {
    match host {
        Host::Domain(name) => check_public_name(name),
        Host::Ipv4(ip) => check_public_v4(*ip),
        Host::Ipv6(ip) => check_public_v6(*ip),
    }
    .map_err(ValidationError::UrlNotAllowed)
}

/// Names reserved for the local machine or network (RFC 6761, 6762, 8375).
fn check_public_name(name: &str) -> Result<(), PrivateTarget> {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let local_suffixes = [
        ".localhost",
        ".local",
        ".internal",
        ".home.arpa",
        ".localdomain",
    ];
    if name == "localhost" || local_suffixes.iter().any(|suffix| name.ends_with(suffix)) {
        return Err(PrivateTarget::LocalName);
    }
    if !name.contains('.') {
        return Err(PrivateTarget::SingleLabel);
    }
    Ok(())
}

fn check_public_v4(ip: Ipv4Addr) -> Result<(), PrivateTarget> {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Err(PrivateTarget::Loopback)
    } else if ip.is_private() || (a == 100 && (64..128).contains(&b)) {
        Err(PrivateTarget::Private)
    } else if ip.is_link_local() {
        Err(PrivateTarget::LinkLocal)
    } else if a == 0
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a >= 240
        || (a == 198 && (b == 18 || b == 19))
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
    {
        Err(PrivateTarget::Reserved)
    } else {
        Ok(())
    }
}

fn check_public_v6(ip: Ipv6Addr) -> Result<(), PrivateTarget> {
    if let Some(v4) = embedded_v4(ip) {
        return check_public_v4(v4);
    }
    let first = ip.segments()[0];
    if ip.is_loopback() {
        Err(PrivateTarget::Loopback)
    } else if ip.is_unique_local() || (first & 0xffc0) == 0xfec0 {
        Err(PrivateTarget::Private)
    } else if ip.is_unicast_link_local() {
        Err(PrivateTarget::LinkLocal)
    } else if ip.is_unspecified()
        || ip.is_multicast()
        || first == 0x2001 && ip.segments()[1] == 0x0db8
    {
        Err(PrivateTarget::Reserved)
    } else {
        Ok(())
    }
}

/// The IPv4 address inside an IPv4-mapped, IPv4-compatible or NAT64 address,
/// which reach the same host as the IPv4 address would.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let tail = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    let mapped = s[..5] == [0; 5] && s[5] == 0xffff;
    let compatible = s[..6] == [0; 6] && !ip.is_loopback() && !ip.is_unspecified();
    let nat64 = s[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
    (mapped || compatible || nat64).then_some(tail)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: UrlPolicy = UrlPolicy {
        allow_private: false,
    };
    const LOCAL: UrlPolicy = UrlPolicy {
        allow_private: true,
    };

    #[test]
    fn public_http_and_https_urls_pass() {
        for ok in [
            "https://example.com/hook",
            "http://hooks.example.org:8080/a?b=c",
            "https://93.184.216.34/x",
            "https://[2606:4700::1111]/x",
        ] {
            assert!(validate_post_url(ok, STRICT).is_ok(), "{ok}");
        }
    }

    #[test]
    fn malformed_urls_are_invalid() {
        for (bad, why) in [
            ("example.com/hook", UrlProblem::NotAbsolute),
            ("ftp://example.com/", UrlProblem::NotHttp),
            ("javascript:alert(1)", UrlProblem::NotHttp),
            ("https://user:pw@example.com/", UrlProblem::Credentials),
        ] {
            assert_eq!(
                validate_post_url(bad, STRICT),
                Err(ValidationError::InvalidUrl(why)),
                "{bad}"
            );
        }
        let long = alloc::format!("https://example.com/{}", "a".repeat(2048));
        assert_eq!(
            validate_post_url(&long, LOCAL),
            Err(ValidationError::InvalidUrl(UrlProblem::TooLong))
        );
    }

    #[test]
    fn private_targets_are_refused_unless_allowed() {
        for bad in [
            "http://localhost:8787/",
            "http://api.localhost/",
            "http://printer.local/",
            "http://intranet/",
            "http://127.0.0.1/",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "http://192.168.1.1/",
            "http://100.64.0.1/",
            "http://169.254.169.254/latest/meta-data",
            "http://0.0.0.0/",
            "http://255.255.255.255/",
            "http://[::1]/",
            "http://[::]/",
            "http://[fd00::1]/",
            "http://[fe80::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:10.0.0.1]/",
            "http://[64:ff9b::a9fe:a9fe]/",
        ] {
            assert!(
                matches!(
                    validate_post_url(bad, STRICT),
                    Err(ValidationError::UrlNotAllowed(_))
                ),
                "{bad} should be refused"
            );
            assert!(
                validate_post_url(bad, LOCAL).is_ok(),
                "{bad} allowed locally"
            );
        }
    }

    /// A resolved address is judged exactly as the same address in a URL.
    #[test]
    fn resolved_addresses_follow_the_url_rules() {
        for ip in [
            "93.184.216.34",
            "2606:4700::1111",
            "127.0.0.1",
            "10.1.2.3",
            "100.64.0.1",
            "169.254.169.254",
            "0.0.0.0",
            "192.0.2.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "64:ff9b::a9fe:a9fe",
        ] {
            let parsed: IpAddr = ip.parse().expect("address");
            let url = match parsed {
                IpAddr::V4(_) => alloc::format!("http://{ip}/"),
                IpAddr::V6(_) => alloc::format!("http://[{ip}]/"),
            };
            let by_url = validate_post_url(&url, STRICT).map(|_| ());
            assert_eq!(
                STRICT
                    .check_ip(parsed)
                    .map_err(ValidationError::UrlNotAllowed),
                by_url,
                "{ip}"
            );
            assert_eq!(LOCAL.check_ip(parsed), Ok(()), "{ip}");
        }
        assert_eq!(
            STRICT.check_ip(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            Err(PrivateTarget::Loopback)
        );
    }
}
