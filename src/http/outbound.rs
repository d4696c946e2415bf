//! Requests the site makes to other servers on a reader's or an import's
//! say (push services, an old site's pictures) go to the public internet
//! only: names are resolved to public addresses alone, so neither an
//! address given to us nor DNS that changes its answer can turn such a
//! request against the private network the site runs in.

use std::net::{IpAddr, SocketAddr};

use reqwest::dns::{Name, Resolve, Resolving};

/// A server name that leads only to addresses we refuse to reach.
#[derive(Debug)]
pub struct RefusedAddress(pub String);

impl std::fmt::Display for RefusedAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} resolves only to private or local addresses", self.0)
    }
}

impl std::error::Error for RefusedAddress {}

/// The refused address behind an error, if that is what it was.
pub fn refused_address<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a RefusedAddress> {
    let mut cause = Some(err);
    while let Some(err) = cause {
        if let Some(refused) = err.downcast_ref::<RefusedAddress>() {
            return Some(refused);
        }
        // An I/O error's `source` skips the error it wraps.
        cause = match err.downcast_ref::<std::io::Error>().and_then(std::io::Error::get_ref) {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        };
    }
    None
}

/// Whether an address is on the public internet (SSRF guard).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || (o[0] == 198 && (o[1] == 18 || o[1] == 19))
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let embedded = |high: u16, low: u16| {
                IpAddr::V4(std::net::Ipv4Addr::new(
                    (high >> 8) as u8,
                    high as u8,
                    (low >> 8) as u8,
                    low as u8,
                ))
            };
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            // IPv4-compatible (`::127.0.0.1`): the IPv4 address decides.
            if s[..6] == [0; 6] {
                return !v6.is_unspecified() && !v6.is_loopback() && is_public(embedded(s[6], s[7]));
            }
            // 6to4 (2002::/16) carries an IPv4 address in its next 32 bits.
            if s[0] == 0x2002 {
                return is_public(embedded(s[1], s[2]));
            }
            !(v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link local
                || (s[0] & 0xffc0) == 0xfec0 // site local (deprecated, still routed inside some networks)
                || (s[0] == 0x64 && s[1] == 0xff9b) // NAT64, well-known and local-use prefixes
                || (s[0] == 0x2001 && s[1] == 0) // Teredo
                || (s[0] == 0x2001 && s[1] == 0xdb8) // documentation
                || (s[0] == 0x100 && s[1..4] == [0; 3])) // discard
        }
    }
}

/// Resolves names to public addresses only, so a push endpoint cannot be
/// turned against the private network (even by DNS that changes its answer).
pub struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 443))
                .await?
                .filter(|a| is_public(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err(Box::new(RefusedAddress(host)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Whether a URL's host, when written as an address, is a public one (a
/// name is checked when it is resolved, by [`PublicOnly`]).
pub fn literal_host_is_public(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else { return false };
    match host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
        Ok(ip) => is_public(ip),
        Err(_) => {
            let name = host.trim_end_matches('.').to_ascii_lowercase();
            name != "localhost" && !name.ends_with(".localhost")
        }
    }
}
