//! The bucket itself: `GET /` (COS "GET Bucket", listing objects, version 1) and `HEAD /`
//! ("HEAD Bucket": 200 when it exists; routing has already answered 404 `NoSuchBucket`
//! otherwise). This module owns reading the listing's query parameters; the page is built by
//! the store ([`crate::storage::Store::list`], rules in [`crate::listing`]) and written by
//! [`cos_xml::list_bucket_result`].

use std::sync::Arc;

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::Response;

use crate::cos_xml::{self, ListingRequest};
use crate::error::ApiError;
use crate::listing::{ListQuery, MAX_KEYS};
use crate::routing::{App, Req, blocking, respond};

/// The query parameters of a listing; a signature's (`q-*`, `x-cos-*`) may stand beside them.
const LIST_PARAMETERS: [&str; 5] = ["prefix", "delimiter", "marker", "max-keys", "encoding-type"];

/// `GET /`: one page of the bucket's objects.
pub async fn list(app: &Arc<App>, req: Req) -> Result<Response, ApiError> {
    if let Some(other) = other_bucket_api(&req) {
        return Err(ApiError::not_implemented(&format!("GET Bucket with the {other:?} parameter")));
    }
    let query = list_query(&req)?;
    let url_encoded = encoding_type(&req)?;
    let store = Arc::clone(&app.store);
    let bucket = req.bucket.clone();
    let asked = query.clone();
    let listing = blocking(move || store.list(&bucket, &asked)).await??;
    let request = ListingRequest { bucket: &req.bucket, query: &query, url_encoded };
    Ok(respond(StatusCode::OK, "application/xml", cos_xml::list_bucket_result(&request, &listing)))
}

/// `HEAD /`: the bucket exists (routing answered 404 before reaching here otherwise).
pub fn head() -> Response {
    respond(StatusCode::OK, "application/xml", Body::empty())
}

/// `prefix`, `delimiter`, `marker` and `max-keys` of the request.
fn list_query(req: &Req) -> Result<ListQuery, ApiError> {
    let text = |name: &str| param(req, name).unwrap_or_default().to_owned();
    let max_keys = match param(req, "max-keys") {
        Some(value) => parse_max_keys(value)?,
        None => MAX_KEYS,
    };
    Ok(ListQuery { prefix: text("prefix"), delimiter: text("delimiter"), marker: text("marker"), max_keys })
}

/// `max-keys`: a whole number; above [`MAX_KEYS`] it is read as [`MAX_KEYS`].
fn parse_max_keys(value: &str) -> Result<usize, ApiError> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::bad_request(
            "InvalidArgument",
            format!("the max-keys parameter {value:?} is not a whole number from 0 to {MAX_KEYS}"),
        ));
    }
    Ok(value.parse::<usize>().map_or(MAX_KEYS, |n| n.min(MAX_KEYS)))
}

/// Whether `encoding-type=url` asks for percent-encoded keys; any other value is refused.
fn encoding_type(req: &Req) -> Result<bool, ApiError> {
    match param(req, "encoding-type") {
        None => Ok(false),
        Some("url") => Ok(true),
        Some(other) => Err(ApiError::bad_request(
            "InvalidArgument",
            format!("the encoding-type parameter {other:?} is not supported: the only value is \"url\""),
        )),
    }
}

/// A query parameter naming another bucket API (`?acl`, `?versions`,
/// `list-type=2`, ...), which must not be answered with a listing.
fn other_bucket_api(req: &Req) -> Option<&str> {
    req.params.iter().map(|(name, _)| name.as_str()).find(|name| !is_list_parameter(name))
}

fn is_list_parameter(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    LIST_PARAMETERS.contains(&name) || lower.starts_with("q-") || lower.starts_with("x-cos-")
}

/// The first value of the query parameter `name`.
fn param<'a>(req: &'a Req, name: &str) -> Option<&'a str> {
    req.params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn only_listing_and_signature_parameters_make_a_listing() {
        for name in ["prefix", "max-keys", "encoding-type", "q-sign-algorithm", "q-ak", "x-cos-security-token"] {
            assert!(is_list_parameter(name), "{name}");
        }
        for name in ["acl", "uploads", "versions", "list-type", "location", "Prefix"] {
            assert!(!is_list_parameter(name), "{name}");
        }
    }

    #[test]
    fn max_keys_is_a_capped_whole_number() {
        assert_eq!(parse_max_keys("0").unwrap(), 0);
        assert_eq!(parse_max_keys("7").unwrap(), 7);
        assert_eq!(parse_max_keys("1001").unwrap(), MAX_KEYS);
        assert_eq!(parse_max_keys("99999999999999999999999").unwrap(), MAX_KEYS);
        for bad in ["", "-1", "ten", "1.5", " 3"] {
            let error = parse_max_keys(bad).unwrap_err();
            assert_eq!((error.status.as_u16(), error.code), (400, "InvalidArgument"), "{bad}");
            assert!(error.message.contains("max-keys"), "{bad}");
        }
    }
}
