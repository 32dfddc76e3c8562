//! Objects: PUT, GET (with a single `Range`), HEAD, DELETE, and GET with a rule (processing
//! on download).

use std::io::SeekFrom;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use md5::{Digest, Md5};
use mogr::Pipeline;
use mogr::plan::ObjectKey;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

use crate::error::ApiError;
use crate::processing::BucketObjects;
use crate::protection::{Download, Downloader, check_download};
use crate::routing::{App, Req, blocking, respond};
use crate::storage::{ObjectBody, ObjectMeta};

/// The size of the reads that stream an object file to the client (tokio's default, 4 KiB,
/// costs a system call and a wake-up per 4 KiB).
const STREAM_CHUNK: usize = 256 * 1024;

/// The processing rule of a GET's query, if it has one. The signature's `q-*` parameters and
/// other `name=value` parameters may stand beside it. `imageInspect` (what cos-python-sdk-v5's
/// `ci_image_inspect` sends) is read as `ci-process=ImageInspect`.
pub fn rule_of(query: &str) -> Result<Option<Pipeline>, ApiError> {
    if query.is_empty() {
        return Ok(None);
    }
    let rewritten: Vec<&str> = query
        .split('&')
        .map(|part| match part.strip_suffix('=').unwrap_or(part) {
            "imageInspect" => "ci-process=ImageInspect",
            _ => part,
        })
        .collect();
    let parsed = mogr::syntax::parse_query(&rewritten.join("&")).map_err(|e| ApiError::from(mogr::Error::from(e)))?;
    Ok(parsed.pipeline)
}

/// `GET /<key>`.
pub async fn get(app: &Arc<App>, req: Req, key: ObjectKey) -> Result<Response, ApiError> {
    let shown_key = key.clone();
    let store = Arc::clone(&app.store);
    let bucket = req.bucket.clone();
    let (meta, body) = blocking(move || store.get(&bucket, &key)).await??;
    check_download(app, &Downloader::of(&req), &shown_key, Download::Original { content_type: &meta.content_type })
        .await?;
    let range = parse_range(req.header("range").as_deref(), meta.size)?;
    let (start, len) = range.map_or((0, meta.size), |(start, end)| (start, end - start + 1));
    let body = match body {
        ObjectBody::File(file) => {
            let mut file = tokio::fs::File::from_std(file);
            if start > 0 {
                file.seek(SeekFrom::Start(start)).await.map_err(|e| ApiError::internal(format!("seeking: {e}")))?;
            }
            Body::from_stream(ReaderStream::with_capacity(file.take(len), STREAM_CHUNK))
        }
        ObjectBody::Bytes(bytes) => {
            let from = usize::try_from(start).unwrap_or(usize::MAX);
            let to = usize::try_from(start.saturating_add(len)).unwrap_or(usize::MAX);
            Body::from(bytes.get(from..to).unwrap_or_default().to_vec())
        }
    };
    let status = if range.is_some() { StatusCode::PARTIAL_CONTENT } else { StatusCode::OK };
    let mut response = respond(status, &meta.content_type, body);
    object_headers(&mut response, &meta, len);
    if let Some((start, end)) = range {
        insert(&mut response, header::CONTENT_RANGE, &format!("bytes {start}-{end}/{}", meta.size));
    }
    response_overrides(&req, &mut response);
    Ok(response)
}

/// `HEAD /<key>`.
pub async fn head(app: &Arc<App>, req: Req, key: ObjectKey) -> Result<Response, ApiError> {
    let store = Arc::clone(&app.store);
    let bucket = req.bucket.clone();
    let shown_key = key.clone();
    let meta = blocking(move || store.head(&bucket, &key)).await??;
    check_download(app, &Downloader::of(&req), &shown_key, Download::Original { content_type: &meta.content_type })
        .await?;
    let mut response = respond(StatusCode::OK, &meta.content_type, Body::empty());
    object_headers(&mut response, &meta, meta.size);
    response_overrides(&req, &mut response);
    Ok(response)
}

/// `PUT /<key>` (without `Pic-Operations`).
pub async fn put(app: &Arc<App>, mut req: Req, key: ObjectKey) -> Result<Response, ApiError> {
    let bytes = req.read_body(app.max_body_bytes).await?;
    check_content_md5(&req, &bytes)?;
    let content_type = req.header("content-type");
    let store = Arc::clone(&app.store);
    let bucket = req.bucket.clone();
    let meta = blocking(move || store.put(&bucket, &key, &bytes, content_type.as_deref())).await??;
    let mut response = respond(StatusCode::OK, "application/xml", Body::empty());
    insert(&mut response, header::ETAG, &meta.etag);
    Ok(response)
}

/// `DELETE /<key>`: 204, also for a key that does not exist.
pub async fn delete(app: &Arc<App>, req: Req, key: ObjectKey) -> Result<Response, ApiError> {
    let store = Arc::clone(&app.store);
    let bucket = req.bucket.clone();
    blocking(move || store.delete(&bucket, &key)).await??;
    Ok(respond(StatusCode::NO_CONTENT, "application/xml", Body::empty()))
}

/// `GET /<key>?<rule>`: the object processed, with the result's Content-Type.
pub async fn process(app: &Arc<App>, req: Req, key: ObjectKey, pipeline: Pipeline) -> Result<Response, ApiError> {
    check_download(app, &Downloader::of(&req), &key, Download::Processed(&pipeline)).await?;
    let pipeline = with_styles(app, &req.bucket, pipeline).await?;
    let rule = pipeline.to_string();
    let store = Arc::clone(&app.store);
    let bucket = req.bucket.clone();
    let limit = app.processor.max_input_bytes();
    let result = app
        .processor
        .run(move |processor| -> Result<mogr::Response, ApiError> {
            let (_, image) = store.read(&bucket, &key, limit)?;
            let objects = BucketObjects::new(store, bucket);
            Ok(processor.process(&objects, &image, &rule)?)
        })
        .await??;
    Ok(respond(StatusCode::OK, result.mime_type, result.body))
}

/// The pipeline with its styles expanded from the bucket's style store.
pub async fn with_styles(app: &Arc<App>, bucket: &str, pipeline: Pipeline) -> Result<Pipeline, ApiError> {
    if !mogr::has_styles(&pipeline) {
        return Ok(pipeline);
    }
    let config = app.bucket_config(bucket).await?;
    Ok(mogr::expand_styles(&pipeline, &config.styles)?)
}

/// A single `bytes=` range as `(first, last)` byte offsets, clipped to the object; `None`
/// serves the whole object (no header, another unit, or several ranges, which this server
/// does not combine); an unreadable or unsatisfiable byte range is 416.
pub fn parse_range(header: Option<&str>, size: u64) -> Result<Option<(u64, u64)>, ApiError> {
    let Some(header) = header.map(str::trim) else {
        return Ok(None);
    };
    let invalid = || ApiError::invalid_range(format!("the range {header:?} cannot be served from {size} bytes"), size);
    // Another unit, or several ranges: served whole (RFC 9110 lets a server ignore Range).
    let Some(spec) = header.strip_prefix("bytes=").map(str::trim) else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let (first, last) = spec.split_once('-').ok_or_else(invalid)?;
    let number = |s: &str| s.trim().parse::<u64>().map_err(|_| invalid());
    let range = match (first.trim().is_empty(), last.trim().is_empty()) {
        (true, true) => return Err(invalid()),
        (true, false) => {
            let suffix = number(last)?;
            if suffix == 0 || size == 0 {
                return Err(invalid());
            }
            (size.saturating_sub(suffix), size - 1)
        }
        (false, true) => (number(first)?, size.saturating_sub(1)),
        (false, false) => {
            let (start, end) = (number(first)?, number(last)?);
            if end < start {
                return Err(invalid());
            }
            (start, end.min(size.saturating_sub(1)))
        }
    };
    if range.0 >= size {
        return Err(invalid());
    }
    Ok(Some(range))
}

/// `Content-MD5` (base64 of the MD5), when given, must match the body.
pub fn check_content_md5(req: &Req, bytes: &[u8]) -> Result<(), ApiError> {
    let Some(given) = req.header("content-md5") else {
        return Ok(());
    };
    let actual = base64(&Md5::digest(bytes));
    if given.trim() != actual {
        return Err(ApiError::bad_request(
            "BadDigest",
            "the Content-MD5 you specified did not match what was received",
        ));
    }
    Ok(())
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn object_headers(response: &mut Response, meta: &ObjectMeta, len: u64) {
    insert(response, header::CONTENT_LENGTH, &len.to_string());
    insert(response, header::ETAG, &meta.etag);
    insert(response, header::LAST_MODIFIED, &httpdate::fmt_http_date(meta.last_modified));
    insert(response, header::ACCEPT_RANGES, "bytes");
}

/// COS's `response-content-type` and friends: query parameters that set response headers.
fn response_overrides(req: &Req, response: &mut Response) {
    const OVERRIDABLE: [&str; 6] =
        ["content-type", "content-language", "expires", "cache-control", "content-disposition", "content-encoding"];
    for (name, value) in &req.params {
        let Some(target) = name.strip_prefix("response-") else { continue };
        if let Some(&target) = OVERRIDABLE.iter().find(|&&h| h == target) {
            insert(response, HeaderName::from_static(target), value);
        }
    }
}

fn insert(response: &mut Response, name: HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range(None, 10).unwrap(), None);
        assert_eq!(parse_range(Some("bytes=0-3"), 10).unwrap(), Some((0, 3)));
        assert_eq!(parse_range(Some("bytes=5-"), 10).unwrap(), Some((5, 9)));
        assert_eq!(parse_range(Some("bytes=-3"), 10).unwrap(), Some((7, 9)));
        assert_eq!(parse_range(Some("bytes=-30"), 10).unwrap(), Some((0, 9)));
        assert_eq!(parse_range(Some("bytes=8-100"), 10).unwrap(), Some((8, 9)));
        assert_eq!(parse_range(Some("bytes=0-1,4-5"), 10).unwrap(), None);
        assert_eq!(parse_range(Some("items=0-1"), 10).unwrap(), None);
        for bad in ["bytes=10-", "bytes=5-4", "bytes=-0", "bytes=a-b", "bytes=-"] {
            let error = parse_range(Some(bad), 10).unwrap_err();
            assert_eq!(error.status, StatusCode::RANGE_NOT_SATISFIABLE, "{bad}");
            assert_eq!(error.headers, [("content-range", "bytes */10".to_owned())], "{bad}");
        }
        assert!(parse_range(Some("bytes=0-0"), 0).is_err());
    }

    #[test]
    fn base64_matches_known_values() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(&Md5::digest(b"hello")), "XUFAKrxLKna5cZ2REBfFkg==");
    }

    #[test]
    fn rules_sit_beside_other_parameters() {
        let rule =
            rule_of("q-sign-algorithm=sha1&q-ak=AK&imageMogr2%2Fthumbnail%2F%2150p=&q-url-param-list=x").unwrap();
        assert_eq!(rule.unwrap().to_string(), "imageMogr2/thumbnail/!50p");
        assert!(rule_of("response-content-type=image%2Fpng").unwrap().is_none());
        assert_eq!(rule_of("imageInspect=").unwrap().unwrap().to_string(), "ci-process=ImageInspect");
        assert_eq!(rule_of("imageMogr2/blur/80x5").unwrap_err().errno, Some(-60998));
    }
}
