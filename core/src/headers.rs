//! Case-insensitive header lookup over whatever map a caller has.

use alloc::string::String;
use alloc::vec::Vec;

/// Read access to request headers, by name, ignoring ASCII case.
///
/// Implemented for slices and vectors of name/value pairs, `BTreeMap`s and
/// (with `std`) `HashMap`s, so adapters pass what they already hold without
/// copying. Names passed in by the core are lowercase.
pub trait HeaderLookup {
    /// The value of the first header called `name` (any ASCII case).
    fn header(&self, name: &str) -> Option<&str>;
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderLookup for [(K, V)] {
    fn header(&self, name: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k.as_ref().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }
}

impl<K: AsRef<str>, V: AsRef<str>, const N: usize> HeaderLookup for [(K, V); N] {
    fn header(&self, name: &str) -> Option<&str> {
        self.as_slice().header(name)
    }
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderLookup for Vec<(K, V)> {
    fn header(&self, name: &str) -> Option<&str> {
        self.as_slice().header(name)
    }
}

impl<V: AsRef<str>> HeaderLookup for alloc::collections::BTreeMap<String, V> {
    fn header(&self, name: &str) -> Option<&str> {
        self.get(name)
            .or_else(|| {
                self.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v)
            })
            .map(AsRef::as_ref)
    }
}

#[cfg(feature = "std")]
impl<V: AsRef<str>, S: core::hash::BuildHasher> HeaderLookup
    for std::collections::HashMap<String, V, S>
{
    fn header(&self, name: &str) -> Option<&str> {
        self.get(name)
            .or_else(|| {
                self.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v)
            })
            .map(AsRef::as_ref)
    }
}

/// `http::HeaderMap`, as axum, hyper, reqwest and tower hand it over. Values
/// that are not visible ASCII are treated as absent.
#[cfg(feature = "http")]
impl HeaderLookup for http::HeaderMap {
    fn header(&self, name: &str) -> Option<&str> {
        self.get(name)?.to_str().ok()
    }
}

impl<T: HeaderLookup + ?Sized> HeaderLookup for &T {
    fn header(&self, name: &str) -> Option<&str> {
        (**self).header(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeMap;
    use alloc::string::ToString;

    #[test]
    fn lookup_ignores_ascii_case() {
        let pairs = [("Webhook-ID", "a"), ("webhook-signature", "b")];
        assert_eq!(pairs.header("webhook-id"), Some("a"));
        assert_eq!(pairs.header("WEBHOOK-SIGNATURE"), Some("b"));
        assert_eq!(pairs.header("webhook-timestamp"), None);

        let mut map = BTreeMap::new();
        map.insert("Stripe-Signature".to_string(), "t=1");
        assert_eq!(map.header("stripe-signature"), Some("t=1"));
    }
}
