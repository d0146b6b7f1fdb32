//! Requests to other servers, bounded: https only, ten seconds, a megabyte, three redirects, and
//! never to a loopback, private or link-local address (a remote actor could otherwise make the
//! server fetch from its own network) unless `allow_private` says so, for tests on one machine.

use crate::keys::PrivateKey;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// The most a remote document may weigh.
pub const MAX_DOCUMENT: usize = 1024 * 1024;
/// The longest a request to another server may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);

const ACCEPT: &str =
    "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{0} is not an address Marquee fetches from (https, on a public address)")]
    Refused(String),
    #[error("{0} answered {1}")]
    Status(String, u16),
    #[error("{0} sent more than {MAX_DOCUMENT} bytes")]
    TooLarge(String),
    #[error("{0} sent something that is not JSON: {1}")]
    NotJson(String, String),
    #[error("{0}: {1}")]
    Network(String, String),
}

impl FetchError {
    /// Whether trying again later may succeed (the peer down, busy or slow), or never will.
    pub fn is_temporary(&self) -> bool {
        match self {
            FetchError::Status(_, status) => *status >= 500 || *status == 408 || *status == 429,
            FetchError::Network(..) => true,
            _ => false,
        }
    }
}

/// Whether an address is one Marquee may reach on a remote actor's say-so.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (18..20).contains(&b))
                || (a == 192 && b == 0 && v4.octets()[2] == 0)
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            let segments = v6.segments();
            let embedded = |high: u16, low: u16| {
                IpAddr::V4(std::net::Ipv4Addr::new((high >> 8) as u8, high as u8, (low >> 8) as u8, low as u8))
            };
            // Forms that carry an IPv4 address reach it: mapped, compatible, NAT64, 6to4.
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            if segments[..6] == [0; 6] && !v6.is_loopback() && !v6.is_unspecified() {
                return is_public(embedded(segments[6], segments[7]));
            }
            if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                return is_public(embedded(segments[6], segments[7]));
            }
            if segments[0] == 0x2002 {
                return is_public(embedded(segments[1], segments[2]));
            }
            let first = segments[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || (first == 0x64 && segments[1] == 0xff9b)
                || (first == 0x2001 && segments[1] == 0)
                || (first == 0x2001 && segments[1] == 0x0db8)
                || (first == 0x100 && segments[1..4] == [0, 0, 0]))
        }
    }
}

/// Resolves names and keeps only public addresses: checked where the connection is made, so a
/// name that resolves differently the second time cannot slip through.
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let host = name.as_str().to_string();
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = addrs.into_iter().filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                let error: Box<dyn std::error::Error + Send + Sync> =
                    format!("{host} resolves to no public address").into();
                return Err(error);
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The HTTP client for other servers.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    allow_private: bool,
}

impl Client {
    pub fn new(allow_private: bool, user_agent: &str) -> Client {
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            // `previous` holds the first address too: three redirects are four addresses.
            if attempt.previous().len() > 3 {
                attempt.error("more than three redirects")
            } else if !address_allowed(attempt.url(), allow_private) {
                attempt.error("a redirect to an address Marquee does not fetch from")
            } else {
                attempt.follow()
            }
        });
        let mut builder = reqwest::Client::builder()
            .user_agent(user_agent)
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            // A proxy from the environment would resolve names itself, past the address check.
            .no_proxy()
            .redirect(policy);
        if !allow_private {
            builder = builder.dns_resolver(Arc::new(PublicOnly));
        }
        Client { http: builder.build().expect("a client with these settings builds"), allow_private }
    }

    /// Whether this client talks to private addresses and plain http (tests on one machine).
    pub fn allows_private(&self) -> bool {
        self.allow_private
    }

    fn check(&self, url: &str) -> Result<url::Url, FetchError> {
        let parsed = url::Url::parse(url).map_err(|_| FetchError::Refused(url.to_string()))?;
        if address_allowed(&parsed, self.allow_private) {
            Ok(parsed)
        } else {
            Err(FetchError::Refused(url.to_string()))
        }
    }

    /// Fetches an ActivityPub document.
    pub async fn get_json(&self, url: &str) -> Result<serde_json::Value, FetchError> {
        Ok(self.get_json_from(url).await?.0)
    }

    /// Fetches an ActivityPub document, with the address it came from after redirects: a
    /// document speaks only for its own server.
    pub async fn get_json_from(&self, url: &str) -> Result<(serde_json::Value, url::Url), FetchError> {
        let parsed = self.check(url)?;
        let response = self
            .http
            .get(parsed)
            .header("accept", ACCEPT)
            .send()
            .await
            .map_err(|e| FetchError::Network(url.to_string(), e.to_string()))?;
        let status = response.status();
        if !status.is_success() {
            return Err(FetchError::Status(url.to_string(), status.as_u16()));
        }
        let from = response.url().clone();
        let body = read_limited(url, response).await?;
        let value = serde_json::from_slice(&body).map_err(|e| FetchError::NotJson(url.to_string(), e.to_string()))?;
        Ok((value, from))
    }

    /// Posts an activity to an inbox, signed with `key` (whose id is `key_id`).
    pub async fn post_signed(
        &self,
        inbox: &str,
        body: &[u8],
        key_id: &str,
        key: &PrivateKey,
    ) -> Result<(), FetchError> {
        let parsed = self.check(inbox)?;
        let headers = crate::signature::sign(key, key_id, "POST", &parsed, Some(body), std::time::SystemTime::now());
        let mut request = self.http.post(parsed).header("content-type", "application/activity+json");
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let response = request
            .body(body.to_vec())
            .send()
            .await
            .map_err(|e| FetchError::Network(inbox.to_string(), e.to_string()))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(FetchError::Status(inbox.to_string(), status.as_u16()))
        }
    }
}

/// Whether a URL may be fetched: https (or http when private addresses are allowed), and not a
/// literal private address.
fn address_allowed(url: &url::Url, allow_private: bool) -> bool {
    if allow_private {
        return matches!(url.scheme(), "https" | "http");
    }
    if url.scheme() != "https" {
        return false;
    }
    match url.host() {
        Some(url::Host::Ipv4(ip)) => is_public(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => is_public(IpAddr::V6(ip)),
        Some(url::Host::Domain(name)) => !name.eq_ignore_ascii_case("localhost") && !name.ends_with(".localhost"),
        None => false,
    }
}

async fn read_limited(url: &str, mut response: reqwest::Response) -> Result<Vec<u8>, FetchError> {
    if response.content_length().is_some_and(|n| n as usize > MAX_DOCUMENT) {
        return Err(FetchError::TooLarge(url.to_string()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| FetchError::Network(url.to_string(), e.to_string()))? {
        if body.len() + chunk.len() > MAX_DOCUMENT {
            return Err(FetchError::TooLarge(url.to_string()));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_loopback_and_link_local_addresses_are_refused() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:4700::1111", "64:ff9b::5db8:d822", "2002:5db8:d822::1"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
        let url = |u: &str| url::Url::parse(u).unwrap();
        assert!(!address_allowed(&url("http://mastodon.example/inbox"), false));
        assert!(!address_allowed(&url("https://127.0.0.1/inbox"), false));
        assert!(!address_allowed(&url("https://[::1]/inbox"), false));
        assert!(!address_allowed(&url("https://localhost/inbox"), false));
        assert!(address_allowed(&url("https://mastodon.example/inbox"), false));
        assert!(address_allowed(&url("http://127.0.0.1:9000/inbox"), true));
        assert!(!address_allowed(&url("file:///etc/passwd"), true));
    }
}
