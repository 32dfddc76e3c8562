//! Object keys: the names of objects inside one bucket, and the URLs in rules that name them.
//!
//! A watermark image (`watermark/1/image/<url>`, the blind watermarks' `image/<url>`) is
//! another object of the input's bucket, named by a URL:
//!
//! ```text
//! http://examplebucket-1250000000.cos.ap-shanghai.myqcloud.com/logos/shuiyin%202.png?q-sign-...
//!        └──────────────── host: names the bucket ─────────────┘└──── path: the key ────┘
//! ```
//!
//! [`ObjectUrl::parse`] splits such a URL into its host and an [`ObjectKey`]; the query (a
//! signature, say) is dropped. `https://` is accepted too, and a string without a scheme is
//! taken as the key itself (`logos/shuiyin 2.png`), which is what local use wants.
//!
//! An [`ObjectKey`] can never leave its bucket, whatever stores the bucket: the path is
//! percent-decoded exactly once and must then be UTF-8, relative, without empty, `.` or `..`
//! segments, without backslashes and control characters, and at most [`MAX_KEY_BYTES`] long.
//! Anything an attacker could encode (`%2e%2e%2f`, `..%5c`, overlong UTF-8 `%c0%ae`, a
//! leading `/`, `%00`) is refused here; what is left is a plain list of ordinary names. A
//! store that maps keys to files should still check where symbolic links lead.

use std::fmt;

/// The longest key COS accepts, in bytes.
pub const MAX_KEY_BYTES: usize = 850;

/// A validated object key: `/`-separated names that stay inside the bucket.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ObjectKey(String);

impl ObjectKey {
    /// Validates `key`, already percent-decoded (see the module docs for the rules).
    pub fn new(key: &str) -> Result<ObjectKey, KeyError> {
        if key.is_empty() {
            return Err(KeyError::new(key, "the key is empty"));
        }
        if key.len() > MAX_KEY_BYTES {
            return Err(KeyError::new(key, format!("the key is longer than {MAX_KEY_BYTES} bytes")));
        }
        if key.starts_with('/') {
            return Err(KeyError::new(key, "the key is an absolute path"));
        }
        if let Some(c) = key.chars().find(|&c| c == '\\' || c.is_control()) {
            return Err(KeyError::new(key, format!("the key contains {c:?}")));
        }
        match key.split('/').find(|s| matches!(*s, "" | "." | "..")) {
            Some("") => Err(KeyError::new(key, "the key has an empty segment (`//` or a trailing `/`)")),
            Some(segment) => Err(KeyError::new(key, format!("the key has a `{segment}` segment"))),
            None => Ok(ObjectKey(key.to_owned())),
        }
    }

    /// The key as written, e.g. `logos/mark.png`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key's names from the bucket's root down: none is empty, `.` or `..`.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('/')
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A URL that names an object: the host (which names the bucket) and the key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ObjectUrl {
    /// The host, lower-cased, e.g. `examplebucket-1250000000.cos.ap-shanghai.myqcloud.com`;
    /// `None` for a bare key.
    pub host: Option<String>,
    /// The object's key.
    pub key: ObjectKey,
}

impl ObjectUrl {
    /// Parses `http://host/key`, `https://host/key` (a query is dropped) or a bare key.
    pub fn parse(url: &str) -> Result<ObjectUrl, KeyError> {
        let Some((scheme, rest)) = url.split_once("://") else {
            return Ok(ObjectUrl { host: None, key: ObjectKey::new(&percent_decode(url)?)? });
        };
        if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
            return Err(KeyError::new(url, format!("the scheme `{scheme}` is not http")));
        }
        let rest = rest.split(['?', '#']).next().unwrap_or_default();
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        if host.is_empty() || host.contains('@') {
            return Err(KeyError::new(url, "the URL has no plain host"));
        }
        let key = ObjectKey::new(&percent_decode(path)?)?;
        Ok(ObjectUrl { host: Some(host.to_ascii_lowercase()), key })
    }
}

/// `s` with each `%XX` (two hex digits) replaced by its byte, once; the bytes must then be
/// UTF-8. How a request path or a URL's path becomes the text of a key.
pub fn percent_decode(s: &str) -> Result<String, KeyError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b != b'%' {
            out.push(b);
            i += 1;
            continue;
        }
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        let byte =
            hex.filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit())).and_then(|h| u8::from_str_radix(h, 16).ok());
        out.push(byte.ok_or_else(|| KeyError::new(s, "the key has a `%` not followed by two hex digits"))?);
        i += 3;
    }
    String::from_utf8(out).map_err(|_| KeyError::new(s, "the decoded key is not UTF-8"))
}

/// Why a key or an object URL was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyError {
    /// The key or URL as given (shortened when long).
    pub key: String,
    /// What is wrong with it.
    pub reason: String,
}

impl KeyError {
    fn new(key: &str, reason: impl Into<String>) -> KeyError {
        let key = match key.char_indices().nth(120) {
            Some((end, _)) => format!("{}...", &key[..end]),
            None => key.to_owned(),
        };
        KeyError { key, reason: reason.into() }
    }
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the object key {:?} is refused: {}", self.key, self.reason)
    }
}

impl std::error::Error for KeyError {}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn key_of(url: &str) -> Result<String, KeyError> {
        ObjectUrl::parse(url).map(|u| u.key.as_str().to_owned())
    }

    #[test]
    fn the_specs_url_names_a_key_and_a_bucket() {
        let url =
            ObjectUrl::parse("http://examplebucket-1250000000.cos.ap-shanghai.myqcloud.com/shuiyin_2.png").unwrap();
        assert_eq!(url.host.as_deref(), Some("examplebucket-1250000000.cos.ap-shanghai.myqcloud.com"));
        assert_eq!(url.key.as_str(), "shuiyin_2.png");
    }

    #[test]
    fn queries_are_dropped_and_paths_decoded_once() {
        assert_eq!(key_of("http://b.cos.x.myqcloud.com/a/b%20c.png?q-sign-algorithm=sha1").unwrap(), "a/b c.png");
        assert_eq!(key_of("HTTPS://B.example/logo.png#frag").unwrap(), "logo.png");
        assert_eq!(key_of("logos/%E6%B0%B4%E5%8D%B0.png").unwrap(), "logos/水印.png");
        // Decoded once: a double-encoded dot stays a literal, harmless name.
        assert_eq!(key_of("http://h/%252e%252e/x.png").unwrap(), "%2e%2e/x.png");
        let segments: Vec<_> = ObjectKey::new("a/b/c.png").unwrap().segments().map(str::to_owned).collect();
        assert_eq!(segments, ["a", "b", "c.png"]);
    }

    #[test]
    fn keys_that_leave_the_bucket_are_refused() {
        for url in [
            "../secret.png",
            "a/../../secret.png",
            "http://h/../etc/passwd",
            "http://h/%2e%2e/etc/passwd",
            "http://h/a/%2E%2E%2Fb",
            "http://h/..%5csecret",
            "http://h//etc/passwd",
            "/etc/passwd",
            "%2fetc/passwd",
            "http://h/a/./b.png",
            "http://h/a%00.png",
            "http://h/%c0%ae%c0%ae/x",
            "http://h/",
            "http://h",
            "a//b",
            "a/",
            "",
            "http://h/%zz",
            "http://h/%4",
            "http://h/%+2e%+2e/x",
            "ftp://h/a.png",
            "file:///etc/passwd",
            "http://user@evil/a.png",
        ] {
            assert!(key_of(url).is_err(), "{url:?} was accepted");
        }
        assert!(ObjectKey::new(&"a".repeat(MAX_KEY_BYTES + 1)).is_err());
        assert!(ObjectKey::new(&"a".repeat(MAX_KEY_BYTES)).is_ok());
    }

    #[test]
    fn errors_name_the_key_and_the_reason() {
        let message = ObjectUrl::parse("http://h/a/../b").unwrap_err().to_string();
        assert!(message.contains("\"a/../b\"") && message.contains("`..` segment"), "{message}");
    }
}
