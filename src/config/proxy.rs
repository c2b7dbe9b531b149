//! **[setup](crate::_documentation::flow) The client address behind a
//! proxy.** Who sent a request, for the per-address limits.
//!
//! The sign-in lock-out and the registration rate limit count per client
//! address ([`Config::client_ip`]). On Cloud Run every connection comes from
//! Google's front end, so the socket's peer address names the proxy, and one
//! attacker's wrong passwords would lock the form for everyone. The front end
//! *appends* the address it received the request from to `X-Forwarded-For`,
//! so the **last** entry is the one a client cannot choose; the entries before
//! it are whatever the client sent. We therefore read the last entry, and only
//! when `MCP_TRUST_PROXY=1` (the default when `K_SERVICE` says we run on Cloud
//! Run). Without a trusted proxy the header is ignored: anyone can send it.
//! Behind a chain of proxies that each append (a Google external Application
//! Load Balancer appends `<client>, <balancer>`), the last entry is the
//! balancer's, and every client would share one bucket: `MCP_TRUST_PROXY=2`
//! reads the second entry from the end, and so on. A header with fewer
//! entries than trusted hops did not pass through them all, so then the
//! socket address counts.
//!
//! # Spec
//! * RFC 9110 §5.3 (several header fields are one list, in order);
//!   `X-Forwarded-For` as Google Cloud's front ends append to it.
//!
//! # Where this sits
//! An `impl` block of [`Config`], read by the sign-in lock-out and the
//! registration rate limit.

use std::net::IpAddr;

use super::Config;
use crate::http::Request;

impl Config {
    /// The address of the client that sent `request`, for the per-address
    /// limits (sign-in lock-out, registration rate).
    ///
    /// Behind a trusted proxy ([`Config::trust_proxy`]) it is the **last**
    /// `X-Forwarded-For` entry: the one the proxy appended (behind
    /// [`Config::trusted_hops`] proxies, the entry that many from the end).
    /// Earlier entries come from the client and are never read. Otherwise, or
    /// when that entry is missing or not an IP address, it is the socket's
    /// peer address.
    pub fn client_ip(&self, request: &Request) -> IpAddr {
        let forwarded = || {
            // Several header fields are one list, in order (RFC 9110 §5.3).
            let entries: Vec<&str> = request
                .header_all("X-Forwarded-For")
                .flat_map(|h| h.split(','))
                .collect();
            let at = entries.len().checked_sub(self.trusted_hops.max(1))?;
            entries[at].trim().parse::<IpAddr>().ok()
        };
        match self.trust_proxy.then(forwarded).flatten() {
            Some(ip) => ip,
            None => request.remote_addr.ip(),
        }
    }

    /// The rate-limit bucket of the client that sent `request`
    /// ([`Config::client_ip`]): an IPv4 address whole, an IPv6 address by
    /// its /64, since one subscriber usually holds a whole /64 and could
    /// otherwise take a fresh address for every try. An IPv4-mapped IPv6
    /// address counts as its IPv4 address.
    pub fn client_bucket(&self, request: &Request) -> String {
        match self.client_ip(request) {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => v4.to_string(),
                None => {
                    let s = v6.segments();
                    format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_address_is_the_last_forwarded_entry_only_behind_a_trusted_proxy() {
        let request = Request::new("POST", "/authorize")
            .with_header("X-Forwarded-For", "6.6.6.6")
            .with_header("X-Forwarded-For", "1.2.3.4, 203.0.113.7");
        let mut config = Config::local(0);
        assert_eq!(config.client_ip(&request).to_string(), "127.0.0.1");
        config.trust_proxy = true;
        assert_eq!(config.client_ip(&request).to_string(), "203.0.113.7");
        let garbage = Request::new("POST", "/authorize").with_header("X-Forwarded-For", "x");
        assert_eq!(config.client_ip(&garbage).to_string(), "127.0.0.1");
        // Behind a load balancer in front of Cloud Run: two proxies append.
        config.trusted_hops = 2;
        assert_eq!(config.client_ip(&request).to_string(), "1.2.3.4");
        let short = Request::new("GET", "/").with_header("X-Forwarded-For", "203.0.113.7");
        assert_eq!(config.client_ip(&short).to_string(), "127.0.0.1");
        config.trusted_hops = 1;
        let ipv6 = Request::new("GET", "/").with_header("X-Forwarded-For", "2001:db8::1");
        assert_eq!(config.client_ip(&ipv6).to_string(), "2001:db8::1");
        assert_eq!(config.client_bucket(&ipv6), "2001:db8:0:0::/64");
        let mapped = Request::new("GET", "/").with_header("X-Forwarded-For", "::ffff:192.0.2.1");
        assert_eq!(config.client_bucket(&mapped), "192.0.2.1");
    }
}
