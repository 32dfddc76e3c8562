//! The COS XML API request signature (`q-sign-algorithm=sha1`), checked as Tencent documents
//! it and as its SDKs (`cos_auth.py` of cos-python-sdk-v5) compute it:
//!
//! ```text
//! SignKey       = HMAC-SHA1(SecretKey, KeyTime)                         lower-case hex
//! HttpString    = method (lower case) \n path (decoded, from '/') \n HttpParameters \n HttpHeaders \n
//! StringToSign  = "sha1" \n SignTime \n SHA1(HttpString) (hex) \n
//! Signature     = HMAC-SHA1(SignKey, StringToSign)                      lower-case hex
//! ```
//!
//! `HttpParameters` and `HttpHeaders` are `key=value` pairs joined with `&`, sorted by key,
//! where both are URL-encoded (everything but `A-Z a-z 0-9 - _ . ~`, upper-case hex) and the
//! key then lower-cased; `q-url-param-list` and `q-header-list` list the keys, `;`-joined.
//! The signature comes in the `Authorization` header or as the query parameters of a
//! pre-signed URL. The server recomputes the pairs from the request itself for the keys the
//! client listed (a listed key the request lacks is a mismatch), checks the SecretId, and
//! checks that now lies inside both `q-sign-time` and `q-key-time`.

use hmac::{Hmac, Mac};
use sha1::{Digest, Sha1};

type HmacSha1 = Hmac<Sha1>;

/// The key pair requests must be signed with.
#[derive(Clone)]
pub struct Credentials {
    /// The SecretId (`q-ak`).
    pub secret_id: String,
    /// The SecretKey.
    pub secret_key: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("secret_id", &self.secret_id).finish_non_exhaustive()
    }
}

/// Why a request's signature was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthError {
    /// No signature, or one missing fields or malformed.
    Missing(String),
    /// The signature's time window is over.
    Expired(String),
    /// The signature does not match the request or the key.
    Mismatch(String),
}

/// The parts of a request the signature covers.
#[derive(Clone, Copy, Debug)]
pub struct SignedRequest<'a> {
    /// The HTTP method.
    pub method: &'a str,
    /// The path, percent-decoded, starting with `/`.
    pub path: &'a str,
    /// The raw query (without `?`).
    pub query: &'a str,
    /// The request headers.
    pub headers: &'a axum::http::HeaderMap,
}

/// The fields of a signature.
#[derive(Debug, Default)]
struct Fields {
    algorithm: Option<String>,
    ak: Option<String>,
    sign_time: Option<String>,
    key_time: Option<String>,
    header_list: Option<String>,
    param_list: Option<String>,
    signature: Option<String>,
}

impl Fields {
    fn set(&mut self, name: &str, value: String) {
        let slot = match name {
            "q-sign-algorithm" => &mut self.algorithm,
            "q-ak" => &mut self.ak,
            "q-sign-time" => &mut self.sign_time,
            "q-key-time" => &mut self.key_time,
            "q-header-list" => &mut self.header_list,
            "q-url-param-list" => &mut self.param_list,
            "q-signature" => &mut self.signature,
            _ => return,
        };
        slot.get_or_insert(value);
    }
}

/// Checks `request`'s signature against `credentials` at `now` (seconds since the epoch).
pub fn verify(credentials: &Credentials, request: &SignedRequest<'_>, now: u64) -> Result<(), AuthError> {
    let params = query_pairs(request.query);
    let mut fields = Fields::default();
    let header = request.headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").trim();
    if !header.is_empty() {
        // In the header the fields stand as written: the key lists keep their escapes.
        for part in header.split('&') {
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            fields.set(name.trim(), value.trim().to_owned());
        }
    } else {
        // A pre-signed URL escapes the fields once more: decoding once gives them as written.
        for (name, value) in &params {
            fields.set(name, value.clone());
        }
    }
    let missing = |what: &str| AuthError::Missing(format!("the request's signature has no {what}"));
    if fields.algorithm.is_none() && fields.signature.is_none() {
        return Err(AuthError::Missing(
            "the request is not signed: this server requires a COS signature (Authorization header or pre-signed URL)"
                .to_owned(),
        ));
    }
    let algorithm = fields.algorithm.ok_or_else(|| missing("q-sign-algorithm"))?;
    if algorithm != "sha1" {
        return Err(AuthError::Missing(format!("the signature algorithm {algorithm:?} is not sha1")));
    }
    let ak = fields.ak.ok_or_else(|| missing("q-ak"))?;
    let sign_time = fields.sign_time.ok_or_else(|| missing("q-sign-time"))?;
    let key_time = fields.key_time.ok_or_else(|| missing("q-key-time"))?;
    let signature = fields.signature.ok_or_else(|| missing("q-signature"))?;
    let header_list = fields.header_list.unwrap_or_default();
    let param_list = fields.param_list.unwrap_or_default();
    if !constant_time_eq(ak.as_bytes(), credentials.secret_id.as_bytes()) {
        return Err(AuthError::Mismatch("the SecretId (q-ak) is not this server's".to_owned()));
    }
    for (name, window) in [("q-sign-time", &sign_time), ("q-key-time", &key_time)] {
        let (start, end) = parse_window(window)
            .ok_or_else(|| AuthError::Missing(format!("{name} {window:?} is not <start>;<end> in seconds")))?;
        if now > end {
            return Err(AuthError::Expired(format!("the signature expired at {end} ({name}); it is now {now}")));
        }
        if now < start {
            return Err(AuthError::Mismatch(format!(
                "the signature is valid only from {start} ({name}); it is now {now}"
            )));
        }
    }

    let signed_params = signed_pairs(&param_list, "parameter", |key| {
        params.iter().find(|(name, _)| encode(name).to_ascii_lowercase() == key).cloned()
    })?;
    let signed_headers = signed_pairs(&header_list, "header", |key| {
        request
            .headers
            .iter()
            .find(|(name, _)| encode(name.as_str()).to_ascii_lowercase() == key)
            .map(|(name, value)| (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
    })?;
    let expected = signature_for(
        &credentials.secret_key,
        request.method,
        request.path,
        &signed_params,
        &signed_headers,
        &sign_time,
        &key_time,
    );
    if !constant_time_eq(expected.as_bytes(), signature.to_ascii_lowercase().as_bytes()) {
        return Err(AuthError::Mismatch(
            "the signature does not match the request (method, path, signed parameters and headers) and key".to_owned(),
        ));
    }
    Ok(())
}

/// The request's `(name, value)` pairs (decoded) for the keys of a `;`-separated list, found
/// by `lookup` from the key's canonical form (encoded, lower case; a key listed decoded or
/// encoded once more is brought to that form first).
fn signed_pairs(
    list: &str,
    what: &str,
    lookup: impl Fn(&str) -> Option<(String, String)>,
) -> Result<Vec<(String, String)>, AuthError> {
    list.split(';')
        .filter(|k| !k.is_empty())
        .map(|key| {
            let key = encode(&form_decode(key)).to_ascii_lowercase();
            lookup(&key).ok_or_else(|| AuthError::Mismatch(format!("the signed {what} {key:?} is not in the request")))
        })
        .collect()
}

/// `<start>;<end>`.
fn parse_window(window: &str) -> Option<(u64, u64)> {
    let (start, end) = window.split_once(';')?;
    Some((start.trim().parse().ok()?, end.trim().parse().ok()?))
}

/// The signature of a request: `params` and `headers` are decoded `(name, value)` pairs.
pub fn signature_for(
    secret_key: &str,
    method: &str,
    path: &str,
    params: &[(String, String)],
    headers: &[(String, String)],
    sign_time: &str,
    key_time: &str,
) -> String {
    let (_, http_params) = canonical(params);
    let (_, http_headers) = canonical(headers);
    let http_string = format!("{}\n{path}\n{http_params}\n{http_headers}\n", method.to_ascii_lowercase());
    let string_to_sign = format!("sha1\n{sign_time}\n{}\n", hex(&Sha1::digest(http_string.as_bytes())));
    let sign_key = hex(&hmac_sha1(secret_key.as_bytes(), key_time.as_bytes()));
    hex(&hmac_sha1(sign_key.as_bytes(), string_to_sign.as_bytes()))
}

/// An `Authorization` value for a request, as the SDKs write it (for tests and tools).
pub fn authorization(
    credentials: &Credentials,
    method: &str,
    path: &str,
    params: &[(String, String)],
    headers: &[(String, String)],
    start: u64,
    end: u64,
) -> String {
    let window = format!("{start};{end}");
    let signature = signature_for(&credentials.secret_key, method, path, params, headers, &window, &window);
    let (param_list, _) = canonical(params);
    let (header_list, _) = canonical(headers);
    format!(
        "q-sign-algorithm=sha1&q-ak={}&q-sign-time={window}&q-key-time={window}&q-header-list={header_list}&q-url-param-list={param_list}&q-signature={signature}",
        credentials.secret_id
    )
}

/// The sorted, encoded pairs: `(key list, key=value&...)`.
fn canonical(pairs: &[(String, String)]) -> (String, String) {
    let mut encoded: Vec<(String, String)> =
        pairs.iter().map(|(k, v)| (encode(k).to_ascii_lowercase(), encode(v))).collect();
    encoded.sort();
    let keys: Vec<&str> = encoded.iter().map(|(k, _)| k.as_str()).collect();
    let joined: Vec<String> = encoded.iter().map(|(k, v)| format!("{k}={v}")).collect();
    (keys.join(";"), joined.join("&"))
}

/// URL-encodes everything but `A-Z a-z 0-9 - _ . ~`, with upper-case hex.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The `&`-separated pairs of a query (or an `Authorization` value), each name and value
/// percent-decoded with `+` as a space; a part without `=` has an empty value.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            (form_decode(name), form_decode(value))
        })
        .collect()
}

/// Percent-decodes, `+` as space; bad escapes stay as written.
fn form_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
                if let Some(byte) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    out.push(byte);
                    i += 3;
                    continue;
                }
                out.push(b);
            }
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hmac_sha1(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length: `new_from_slice` cannot fail for it.
    match HmacSha1::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(data);
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::http::HeaderMap;

    /// Computed with cos-python-sdk-v5 1.9.44's `CosS3Auth` (time fixed at 1700000000,
    /// expire 3600): PUT of `测试/a b.jpg` with `Content-Length: 5` and the virtual host.
    #[test]
    fn matches_the_python_sdk() {
        let params: Vec<(String, String)> = vec![];
        let headers = vec![
            ("Host".to_owned(), "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com".to_owned()),
            ("Content-Length".to_owned(), "5".to_owned()),
        ];
        let signature = signature_for(
            "SECRETKEY",
            "PUT",
            "/测试/a b.jpg",
            &params,
            &headers,
            "1699999940;1700003600",
            "1699999940;1700003600",
        );
        assert_eq!(signature, PYTHON_PUT_SIGNATURE);
        let params = vec![("imageMogr2/thumbnail/!50p".to_owned(), String::new())];
        let headers = vec![("Host".to_owned(), "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com".to_owned())];
        let signature = signature_for(
            "SECRETKEY",
            "GET",
            "/a.jpg",
            &params,
            &headers,
            "1699999940;1700003600",
            "1699999940;1700003600",
        );
        assert_eq!(signature, PYTHON_RULE_SIGNATURE);
    }

    const PYTHON_PUT_SIGNATURE: &str = "ef6bc76917aa70f5ae2049ec8e4a0d20bc376ee8";
    const PYTHON_RULE_SIGNATURE: &str = "9d45b9d643e0256b3e8e1e94c53102e0873e6c44";

    fn request<'a>(method: &'a str, path: &'a str, query: &'a str, headers: &'a HeaderMap) -> SignedRequest<'a> {
        SignedRequest { method, path, query, headers }
    }

    #[test]
    fn verifies_header_and_query_signatures() {
        let credentials = Credentials { secret_id: "AKID".into(), secret_key: "KEY".into() };
        let params = vec![("imageMogr2/thumbnail/!50p".to_owned(), String::new())];
        let host = vec![("host".to_owned(), "b-1.cos.x.myqcloud.com".to_owned())];
        let auth = authorization(&credentials, "GET", "/a.jpg", &params, &host, 100, 200);
        let mut headers = HeaderMap::new();
        headers.insert("host", "b-1.cos.x.myqcloud.com".parse().unwrap());
        headers.insert("authorization", auth.parse().unwrap());
        let query = "imageMogr2%2Fthumbnail%2F%2150p=";
        assert_eq!(verify(&credentials, &request("GET", "/a.jpg", query, &headers), 150), Ok(()));
        assert!(matches!(
            verify(&credentials, &request("GET", "/a.jpg", query, &headers), 201),
            Err(AuthError::Expired(_))
        ));
        assert!(matches!(
            verify(&credentials, &request("GET", "/b.jpg", query, &headers), 150),
            Err(AuthError::Mismatch(_))
        ));
        let other = "imageMogr2%2Fthumbnail%2F%2151p=";
        assert!(matches!(
            verify(&credentials, &request("GET", "/a.jpg", other, &headers), 150),
            Err(AuthError::Mismatch(_))
        ));

        // The same signature as a pre-signed query.
        let mut only_host = HeaderMap::new();
        only_host.insert("host", "b-1.cos.x.myqcloud.com".parse().unwrap());
        let presigned = format!("{}&{query}", auth.replace('%', "%25").replace(';', "%3B"));
        assert_eq!(verify(&credentials, &request("GET", "/a.jpg", &presigned, &only_host), 150), Ok(()));
        assert!(matches!(
            verify(&credentials, &request("GET", "/a.jpg", query, &only_host), 150),
            Err(AuthError::Missing(_))
        ));
    }

    #[test]
    fn encodes_like_the_sdk() {
        assert_eq!(encode("imageMogr2/thumbnail/!50p").to_ascii_lowercase(), "imagemogr2%2fthumbnail%2f%2150p");
        assert_eq!(encode("a b~c"), "a%20b~c");
        assert_eq!(query_pairs("a+b=c%2Fd&e"), vec![("a b".into(), "c/d".into()), ("e".into(), String::new())]);
    }
}
