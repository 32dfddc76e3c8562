//! A bucket's own settings, kept by the [`crate::storage::Store`] as one document: its image
//! styles, its hotlink protection (Referer allow or block list) and whether original-image
//! protection is on.
//!
//! ```text
//! PUT /?style, /?hotlink, /?origin-protect ──▶ read, change, save_config (one lock)
//! GET /<key>[?rule] ──▶ config ──▶ DownloadPolicy::check(referer, rule, signed) ──▶ 403 or go on
//! ```
//!
//! The rules where the spec is silent:
//! - Both protections guard downloads only (GET and HEAD of objects, processed or not); the
//!   owner's requests, signed with the server's keys, pass them, as COS lets the owner in.
//! - Hotlink `white`: a download needs a `Referer` that matches an entry (so an empty or
//!   missing `Referer` is refused); `black`: a `Referer` that matches an entry is refused, any
//!   other passes. Refusals are 403 with `-108`.
//! - An entry is `[scheme://]host[:port][/path]`; the host may start with `*.` for any
//!   subdomain (not the domain itself); without a port any port matches, without a scheme any
//!   scheme; with a path the Referer's path must start with it. Hosts compare without case.
//! - Original-image protection: an image object (Content-Type `image/*`) can only be
//!   downloaded through styles: the rule must be `style/<name>` stages only. Anything else is
//!   403 with `-154`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Everything a bucket remembers besides its objects.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketConfig {
    /// Image styles, name to rule.
    #[serde(default)]
    pub styles: BTreeMap<String, String>,
    /// Hotlink protection.
    #[serde(default)]
    pub hotlink: Hotlink,
    /// Original-image protection.
    #[serde(default)]
    pub origin_protect: bool,
}

/// What kind of Referer list a bucket has.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HotlinkType {
    /// No protection.
    #[default]
    Off,
    /// Only the listed Referers may download.
    White,
    /// The listed Referers may not download.
    Black,
}

impl HotlinkType {
    /// The spec's word for it: `off`, `white`, `black`.
    pub fn as_str(self) -> &'static str {
        match self {
            HotlinkType::Off => "off",
            HotlinkType::White => "white",
            HotlinkType::Black => "black",
        }
    }

    /// Reads the spec's word (without case).
    pub fn parse(word: &str) -> Option<HotlinkType> {
        [HotlinkType::Off, HotlinkType::White, HotlinkType::Black]
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(word.trim()))
    }
}

/// A bucket's hotlink protection: the list and what it means.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hotlink {
    /// White list, black list or off.
    #[serde(rename = "type")]
    pub kind: HotlinkType,
    /// The entries, as given.
    #[serde(default)]
    pub urls: Vec<String>,
}

impl Hotlink {
    /// Whether a download with this `Referer` header (if any) may go on.
    pub fn allows(&self, referer: Option<&str>) -> bool {
        let referer = referer.map(str::trim).filter(|r| !r.is_empty());
        let listed = || referer.is_some_and(|r| self.urls.iter().any(|entry| referer_matches(entry, r)));
        match self.kind {
            HotlinkType::Off => true,
            HotlinkType::White => listed(),
            HotlinkType::Black => !listed(),
        }
    }
}

/// Whether an entry may be stored: a host (or `*.` pattern) with an optional scheme, port
/// and path, and nothing that could not appear in a Referer.
pub fn valid_entry(entry: &str) -> bool {
    let entry = entry.trim();
    !entry.is_empty()
        && entry.len() <= 1024
        && entry.bytes().all(|b| b.is_ascii_graphic())
        && split_url(entry).is_some_and(|(_, host, _, _)| valid_host_pattern(host))
}

/// `scheme, host, port, path` of `[scheme://]host[:port][/path]` (scheme and host lower-case
/// on comparison, not here).
fn split_url(url: &str) -> Option<(Option<&str>, &str, Option<&str>, &str)> {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    let (authority, path) = rest.find(['/', '?', '#']).map_or((rest, ""), |at| rest.split_at(at));
    let authority = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => (host, Some(port)),
        Some(_) => return None,
        None => (authority, None),
    };
    (!host.is_empty()).then_some((scheme, host, port, path))
}

fn valid_host_pattern(host: &str) -> bool {
    let host = host.strip_prefix("*.").unwrap_or(host);
    !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

/// Whether the Referer `referer` matches the list entry `entry`.
pub fn referer_matches(entry: &str, referer: &str) -> bool {
    let (Some(want), Some(got)) = (split_url(entry.trim()), split_url(referer)) else {
        return false;
    };
    let (want_scheme, want_host, want_port, want_path) = want;
    let (got_scheme, got_host, got_port, got_path) = got;
    let scheme_ok = want_scheme.is_none_or(|s| got_scheme.is_some_and(|g| g.eq_ignore_ascii_case(s)));
    let host_ok = match want_host.strip_prefix("*.") {
        Some(domain) => {
            got_host.len() > domain.len() + 1
                && got_host[got_host.len() - domain.len()..].eq_ignore_ascii_case(domain)
                && got_host.as_bytes()[got_host.len() - domain.len() - 1] == b'.'
        }
        None => got_host.eq_ignore_ascii_case(want_host),
    };
    let port_ok = want_port.is_none_or(|p| got_port == Some(p));
    let path_ok = want_path.is_empty() || want_path == "/" || got_path.starts_with(want_path);
    scheme_ok && host_ok && port_ok && path_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(kind: HotlinkType, urls: &[&str]) -> Hotlink {
        Hotlink { kind, urls: urls.iter().map(|u| (*u).to_owned()).collect() }
    }

    #[test]
    fn entries_match_hosts_ports_schemes_and_paths() {
        assert!(referer_matches("www.example.com", "https://www.example.com/page.html"));
        assert!(referer_matches("WWW.Example.com", "http://www.example.COM:8080/"));
        assert!(!referer_matches("www.example.com", "https://example.com/"));
        assert!(!referer_matches("www.example.com", "https://www.example.com.evil.net/"));
        assert!(referer_matches("*.example.com", "https://a.b.example.com/x"));
        assert!(!referer_matches("*.example.com", "https://example.com/x"));
        assert!(!referer_matches("*.example.com", "https://badexample.com/x"));
        assert!(referer_matches("https://example.com", "https://example.com/"));
        assert!(!referer_matches("https://example.com", "http://example.com/"));
        assert!(referer_matches("example.com:8080", "http://example.com:8080/"));
        assert!(!referer_matches("example.com:8080", "http://example.com/"));
        assert!(referer_matches("example.com/shop", "http://example.com/shop/item"));
        assert!(!referer_matches("example.com/shop", "http://example.com/blog"));
        assert!(referer_matches("example.com", "https://user@example.com/"));
        assert!(!referer_matches("example.com", "not a url"));
    }

    #[test]
    fn white_lists_need_a_listed_referer_and_black_lists_refuse_one() {
        let white = list(HotlinkType::White, &["example.com"]);
        assert!(white.allows(Some("https://example.com/a")));
        assert!(!white.allows(Some("https://other.com/a")));
        assert!(!white.allows(None));
        assert!(!white.allows(Some("  ")));
        let black = list(HotlinkType::Black, &["*.thief.net"]);
        assert!(!black.allows(Some("http://www.thief.net/")));
        assert!(black.allows(Some("http://example.com/")));
        assert!(black.allows(None));
        assert!(list(HotlinkType::Off, &["example.com"]).allows(Some("http://other.com/")));
    }

    #[test]
    fn entries_are_checked_before_they_are_stored() {
        for good in ["example.com", "*.example.com", "https://example.com:8443/path", "localhost:3000"] {
            assert!(valid_entry(good), "{good}");
        }
        for bad in ["", " ", "exa mple.com", "example.com:port", "*", "http://", "ex\u{e4}mple.com", "a_b.com"] {
            assert!(!valid_entry(bad), "{bad}");
        }
    }

    #[test]
    fn types_read_the_spec_words_and_old_documents_still_load() {
        assert_eq!(HotlinkType::parse("White"), Some(HotlinkType::White));
        assert_eq!(HotlinkType::parse("off"), Some(HotlinkType::Off));
        assert_eq!(HotlinkType::parse("grey"), None);
        let config: BucketConfig = serde_json::from_str(r#"{"styles":{"s":"imageMogr2/strip"}}"#).unwrap_or_default();
        assert_eq!(config.styles.len(), 1);
        assert_eq!(config.hotlink.kind, HotlinkType::Off);
        assert!(!config.origin_protect);
    }
}
