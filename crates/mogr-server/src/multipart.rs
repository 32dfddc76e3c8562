//! The multipart-upload routes of the COS XML API (the same as S3's), what
//! cos-python-sdk-v5's `upload_file` sends for files over its part size:
//!
//! | request | answer |
//! | --- | --- |
//! | `POST /<key>?uploads` | `InitiateMultipartUploadResult` (Bucket, Key, UploadId) |
//! | `PUT /<key>?partNumber=N&uploadId=ID` | 200, `ETag: "<md5 of the part>"` |
//! | `POST /<key>?uploadId=ID` + `CompleteMultipartUpload` | `CompleteMultipartUploadResult` |
//! | `DELETE /<key>?uploadId=ID` | 204 |
//! | `GET /<key>?uploadId=ID` (`max-parts`, `part-number-marker`) | `ListPartsResult` |
//! | `GET /?uploads` (`prefix`, `key-marker`, `upload-id-marker`, `max-uploads`) | `ListMultipartUploadsResult` |
//!
//! ```text
//! request ──▶ upload id parsed strictly (32 hex digits, else InvalidArgument)
//!   ──▶ store.upload(id): the record; missing, or another key's ──▶ 404 NoSuchUpload
//!   ──▶ part: body read as a PUT's (body limit and budget, Content-MD5) ──▶ store.put_part
//!   ──▶ complete: parts named in ascending order (InvalidPartOrder), each staged with that
//!       ETag (InvalidPart), total within the object limit (EntityTooLarge), all checked
//!       before anything is assembled ──▶ store.complete_upload (atomic)
//! ```
//!
//! The object's ETag is COS's and S3's multipart ETag, `"<md5 of the parts' binary MD5s>-<N>"`
//! ([`crate::uploads::multipart_etag`]): the stores keep it beside the object, so HEAD, GET
//! and listings answer it; it is known before the parts are read again, so no store has to
//! hash the object twice. The Content-Type is the one given at initiation, else guessed as for
//! a PUT. The assembled object may not exceed `max_object_bytes` (config; default 5 GiB) nor
//! what the store can serve back (the S3 store's GET limit). Parts have no minimum size.
//! `Pic-Operations` is not supported on multipart uploads and is refused (501) rather than
//! ignored; the upload stays and can be completed without it. Uploads persist until completed
//! or aborted. With keys configured, every multipart request must be signed (listing parts
//! too, even on a `public_read` server).

use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Body;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use mogr::plan::ObjectKey;

use crate::cos_xml::{element_texts, escape, iso8601};
use crate::error::ApiError;
use crate::objects::check_content_md5;
use crate::routing::{App, Req, blocking, respond};
use crate::uploads::{MAX_PART_NUMBER, Part, Upload, UploadId, multipart_etag};

/// The largest `CompleteMultipartUpload` body read (10000 parts fit twice over).
pub const MAX_COMPLETE_BODY_BYTES: u64 = 2 * 1024 * 1024;
/// The most parts or uploads one listing answers.
pub const MAX_LISTED: usize = 1000;
/// COS's storage class of everything this server stores.
const STORAGE_CLASS: &str = "STANDARD";

/// Whether a request on an object is a multipart-upload request.
pub fn is_object_request(req: &Req) -> bool {
    req.has_param("uploads") || req.has_param("uploadId")
}

/// The multipart requests on an object, by method.
pub async fn on_object(app: &Arc<App>, req: Req, key: ObjectKey) -> Result<Response, ApiError> {
    let method = req.method.clone();
    if req.has_param("uploads") {
        return match method {
            Method::POST => initiate(app, req, key).await,
            _ => Err(ApiError::method_not_allowed(method.as_str())),
        };
    }
    match method {
        Method::PUT => upload_part(app, req, key).await,
        Method::POST => complete(app, req, key).await,
        Method::DELETE => abort(app, req, key).await,
        Method::GET => list_parts(app, req, key).await,
        _ => Err(ApiError::method_not_allowed(method.as_str())),
    }
}

/// `GET /?uploads`: the bucket's uploads in progress.
pub async fn on_bucket(app: &Arc<App>, req: Req) -> Result<Response, ApiError> {
    match req.method {
        Method::GET => list_uploads(app, req).await,
        ref method => Err(ApiError::method_not_allowed(method.as_str())),
    }
}

/// `POST /<key>?uploads`.
async fn initiate(app: &Arc<App>, req: Req, key: ObjectKey) -> Result<Response, ApiError> {
    refuse_pic_operations(&req)?;
    let content_type = req.header("content-type").filter(|t| !t.trim().is_empty());
    let upload = Upload { id: UploadId::random()?, key, content_type, initiated: SystemTime::now() };
    let store = Arc::clone(&app.store);
    let bucket = req.bucket.clone();
    let staged = upload.clone();
    blocking(move || store.create_upload(&bucket, &staged)).await??;
    let mut xml = document("InitiateMultipartUploadResult");
    leaf(&mut xml, "Bucket", &req.bucket);
    leaf(&mut xml, "Key", upload.key.as_str());
    leaf(&mut xml, "UploadId", upload.id.as_str());
    Ok(xml_response(xml, "InitiateMultipartUploadResult"))
}

/// `PUT /<key>?partNumber=N&uploadId=ID`.
async fn upload_part(app: &Arc<App>, mut req: Req, key: ObjectKey) -> Result<Response, ApiError> {
    if req.headers.contains_key("x-cos-copy-source") {
        return Err(ApiError::not_implemented("Upload Part - Copy (x-cos-copy-source)"));
    }
    let number = part_number(&req)?;
    let upload = find_upload(app, req.bucket.clone(), upload_id(&req)?, &key).await?;
    let bytes = req.read_body(app.max_body_bytes).await?;
    check_content_md5(&req, &bytes)?;
    let store = Arc::clone(&app.store);
    let bucket = req.bucket.clone();
    let part = blocking(move || store.put_part(&bucket, &upload.id, number, &bytes)).await??;
    let mut response = respond(StatusCode::OK, "application/xml", Body::empty());
    if let Ok(value) = HeaderValue::from_str(&part.etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    Ok(response)
}

/// `POST /<key>?uploadId=ID` with a `CompleteMultipartUpload` body.
async fn complete(app: &Arc<App>, mut req: Req, key: ObjectKey) -> Result<Response, ApiError> {
    refuse_pic_operations(&req)?;
    let upload = find_upload(app, req.bucket.clone(), upload_id(&req)?, &key).await?;
    let body = req.read_body(MAX_COMPLETE_BODY_BYTES).await?;
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::bad_request("MalformedXML", "the CompleteMultipartUpload body is not UTF-8"))?;
    let named = parse_complete(text)?;
    let store = Arc::clone(&app.store);
    let bucket = req.bucket.clone();
    let id = upload.id.clone();
    let staged = blocking(move || store.parts(&bucket, &id)).await??;
    let parts = chosen_parts(&named, &staged)?;
    check_total_size(app, &parts)?;
    let etag = multipart_etag(parts.iter().map(|p| p.etag.as_str())).map_err(ApiError::internal)?;
    let store = Arc::clone(&app.store);
    let bucket = req.bucket.clone();
    let (assembled, object_etag) = (upload.clone(), etag.clone());
    blocking(move || store.complete_upload(&bucket, &assembled, &parts, &object_etag)).await??;
    let mut xml = document("CompleteMultipartUploadResult");
    leaf(&mut xml, "Location", &req.location(&req.bucket, &key));
    leaf(&mut xml, "Bucket", &req.bucket);
    leaf(&mut xml, "Key", key.as_str());
    leaf(&mut xml, "ETag", &etag);
    Ok(xml_response(xml, "CompleteMultipartUploadResult"))
}

/// `DELETE /<key>?uploadId=ID`.
async fn abort(app: &Arc<App>, req: Req, key: ObjectKey) -> Result<Response, ApiError> {
    let upload = find_upload(app, req.bucket.clone(), upload_id(&req)?, &key).await?;
    let store = Arc::clone(&app.store);
    let bucket = req.bucket.clone();
    blocking(move || store.abort_upload(&bucket, &upload.id)).await??;
    Ok(respond(StatusCode::NO_CONTENT, "application/xml", Body::empty()))
}

/// `GET /<key>?uploadId=ID`.
async fn list_parts(app: &Arc<App>, req: Req, key: ObjectKey) -> Result<Response, ApiError> {
    require_owner(app, &req)?;
    let max = count_param(&req, "max-parts")?;
    let marker = match req.params.iter().find(|(n, _)| n == "part-number-marker") {
        Some((_, v)) if !v.is_empty() => v.parse::<u16>().map_err(|_| {
            ApiError::bad_request("InvalidArgument", format!("part-number-marker {v:?} is not a part number"))
        })?,
        _ => 0,
    };
    let upload = find_upload(app, req.bucket.clone(), upload_id(&req)?, &key).await?;
    let store = Arc::clone(&app.store);
    let bucket = req.bucket.clone();
    let id = upload.id.clone();
    let parts = blocking(move || store.parts(&bucket, &id)).await??;
    let after: Vec<&Part> = parts.iter().filter(|p| p.number > marker).collect();
    let page = &after[..after.len().min(max)];
    let encode = url_encoding(&req);
    let mut xml = document("ListPartsResult");
    leaf(&mut xml, "Bucket", &req.bucket);
    if encode {
        leaf(&mut xml, "EncodingType", "url");
    }
    leaf(&mut xml, "Key", &encoded(key.as_str(), encode));
    leaf(&mut xml, "UploadId", upload.id.as_str());
    leaf(&mut xml, "StorageClass", STORAGE_CLASS);
    leaf(&mut xml, "PartNumberMarker", &marker.to_string());
    let next = page.last().map_or(marker, |p| p.number);
    leaf(&mut xml, "NextPartNumberMarker", &next.to_string());
    leaf(&mut xml, "MaxParts", &max.to_string());
    leaf(&mut xml, "IsTruncated", if page.len() < after.len() { "true" } else { "false" });
    for part in page {
        xml.push_str("<Part>");
        leaf(&mut xml, "PartNumber", &part.number.to_string());
        leaf(&mut xml, "LastModified", &iso8601(part.last_modified));
        leaf(&mut xml, "ETag", &part.etag);
        leaf(&mut xml, "Size", &part.size.to_string());
        xml.push_str("</Part>");
    }
    Ok(xml_response(xml, "ListPartsResult"))
}

/// `GET /?uploads`: ordered by key, then by initiation.
async fn list_uploads(app: &Arc<App>, req: Req) -> Result<Response, ApiError> {
    require_owner(app, &req)?;
    if req.params.iter().any(|(n, v)| n == "delimiter" && !v.is_empty()) {
        return Err(ApiError::not_implemented("Listing multipart uploads with a delimiter"));
    }
    let (prefix, key_marker, id_marker) =
        (text_param(&req, "prefix"), text_param(&req, "key-marker"), text_param(&req, "upload-id-marker"));
    let max = count_param(&req, "max-uploads")?;
    let store = Arc::clone(&app.store);
    let bucket = req.bucket.clone();
    let mut uploads = blocking(move || store.uploads(&bucket)).await??;
    uploads.retain(|u| u.key.as_str().starts_with(&prefix));
    uploads.sort_by(|a, b| (a.key.as_str(), a.initiated, &a.id).cmp(&(b.key.as_str(), b.initiated, &b.id)));
    let start = start_after_markers(&uploads, &key_marker, &id_marker);
    let after = &uploads[start..];
    let page = &after[..after.len().min(max)];
    let truncated = page.len() < after.len();
    let encode = url_encoding(&req);
    let mut xml = document("ListMultipartUploadsResult");
    leaf(&mut xml, "Bucket", &req.bucket);
    if encode {
        leaf(&mut xml, "EncodingType", "url");
    }
    leaf(&mut xml, "KeyMarker", &encoded(&key_marker, encode));
    leaf(&mut xml, "UploadIdMarker", &id_marker);
    if let (true, Some(last)) = (truncated, page.last()) {
        leaf(&mut xml, "NextKeyMarker", &encoded(last.key.as_str(), encode));
        leaf(&mut xml, "NextUploadIdMarker", last.id.as_str());
    }
    leaf(&mut xml, "Prefix", &encoded(&prefix, encode));
    leaf(&mut xml, "MaxUploads", &max.to_string());
    leaf(&mut xml, "IsTruncated", if truncated { "true" } else { "false" });
    for upload in page {
        xml.push_str("<Upload>");
        leaf(&mut xml, "Key", &encoded(upload.key.as_str(), encode));
        leaf(&mut xml, "UploadId", upload.id.as_str());
        leaf(&mut xml, "StorageClass", STORAGE_CLASS);
        leaf(&mut xml, "Initiated", &iso8601(upload.initiated));
        xml.push_str("</Upload>");
    }
    Ok(xml_response(xml, "ListMultipartUploadsResult"))
}

/// The index of the first upload after the markers: after the upload `id_marker` of key
/// `key_marker` when it is listed, else after every upload of keys up to `key_marker`.
fn start_after_markers(sorted: &[Upload], key_marker: &str, id_marker: &str) -> usize {
    if !id_marker.is_empty()
        && let Some(at) = sorted.iter().position(|u| u.key.as_str() == key_marker && u.id.as_str() == id_marker)
    {
        return at + 1;
    }
    if key_marker.is_empty() {
        return 0;
    }
    sorted.iter().position(|u| u.key.as_str() > key_marker).unwrap_or(sorted.len())
}

/// The request's `uploadId`, parsed strictly.
fn upload_id(req: &Req) -> Result<UploadId, ApiError> {
    let text = req.params.iter().find(|(n, _)| n == "uploadId").map(|(_, v)| v.as_str()).unwrap_or_default();
    UploadId::parse(text).ok_or_else(|| {
        ApiError::bad_request(
            "InvalidArgument",
            format!("the uploadId {text:?} is not an upload id of this server (32 lower-case hex digits)"),
        )
    })
}

/// The upload `id` of `bucket`, which must be `key`'s. (It takes no `&Req`: the request's
/// body is not `Sync`, so a reference to it cannot be held across a wait.)
async fn find_upload(app: &Arc<App>, bucket: String, id: UploadId, key: &ObjectKey) -> Result<Upload, ApiError> {
    let store = Arc::clone(&app.store);
    let upload = blocking(move || store.upload(&bucket, &id)).await??;
    if upload.key != *key {
        return Err(ApiError::no_such_upload(upload.id.as_str()));
    }
    Ok(upload)
}

/// A query parameter's value, empty when absent.
fn text_param(req: &Req, name: &str) -> String {
    req.params.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default()
}

/// `partNumber`, 1 to 10000.
fn part_number(req: &Req) -> Result<u16, ApiError> {
    let text = req.params.iter().find(|(n, _)| n == "partNumber").map(|(_, v)| v.as_str());
    let number = text.and_then(|t| t.parse::<u16>().ok()).filter(|n| (1..=MAX_PART_NUMBER).contains(n));
    number.ok_or_else(|| {
        ApiError::bad_request(
            "InvalidArgument",
            format!("partNumber {:?} must be a whole number from 1 to {MAX_PART_NUMBER}", text.unwrap_or("")),
        )
    })
}

/// `max-parts` or `max-uploads`: 1000 when absent, at most 1000.
fn count_param(req: &Req, name: &str) -> Result<usize, ApiError> {
    match req.params.iter().find(|(n, _)| n == name) {
        Some((_, v)) if !v.is_empty() => v
            .parse::<usize>()
            .map(|n| n.min(MAX_LISTED))
            .map_err(|_| ApiError::bad_request("InvalidArgument", format!("{name} {v:?} is not a whole number"))),
        _ => Ok(MAX_LISTED),
    }
}

/// Refuses `Pic-Operations`, which multipart uploads do not support here.
fn refuse_pic_operations(req: &Req) -> Result<(), ApiError> {
    if req.headers.contains_key("pic-operations") {
        return Err(ApiError::not_implemented(
            "Pic-Operations on a multipart upload (complete it without the header, then POST /<key>?image_process)",
        ));
    }
    Ok(())
}

/// With keys configured, only the owner (a signed request) may list uploads and parts.
fn require_owner(app: &App, req: &Req) -> Result<(), ApiError> {
    if app.credentials.is_some() && !req.owner {
        return Err(ApiError::access_denied("listing multipart uploads and parts needs a signed request"));
    }
    Ok(())
}

/// The `(PartNumber, ETag)` pairs of a `CompleteMultipartUpload` body, as sent.
pub fn parse_complete(xml: &str) -> Result<Vec<(u16, String)>, ApiError> {
    let malformed = |what: String| ApiError::bad_request("MalformedXML", format!("CompleteMultipartUpload: {what}"));
    let blocks = element_texts(xml, "CompleteMultipartUpload", "Part")?;
    if blocks.is_empty() {
        return Err(malformed("it names no <Part>; a multipart upload needs at least one".to_owned()));
    }
    if blocks.len() > usize::from(MAX_PART_NUMBER) {
        return Err(malformed(format!("it names {} parts, over the {MAX_PART_NUMBER} allowed", blocks.len())));
    }
    let mut parts = Vec::with_capacity(blocks.len());
    for block in blocks {
        let part = format!("<Part>{block}</Part>");
        let numbers = element_texts(&part, "Part", "PartNumber")?;
        let etags = element_texts(&part, "Part", "ETag")?;
        let ([number], [etag]) = (numbers.as_slice(), etags.as_slice()) else {
            return Err(malformed("each <Part> needs one <PartNumber> and one <ETag>".to_owned()));
        };
        let number =
            number.trim().parse::<u16>().ok().filter(|n| (1..=MAX_PART_NUMBER).contains(n)).ok_or_else(|| {
                malformed(format!("<PartNumber>{number}</PartNumber> is not from 1 to {MAX_PART_NUMBER}"))
            })?;
        parts.push((number, etag.trim().to_owned()));
    }
    Ok(parts)
}

/// The staged parts `named` (ascending numbers, each staged with the ETag given; quotes and
/// case of the ETag do not matter).
pub fn chosen_parts(named: &[(u16, String)], staged: &[Part]) -> Result<Vec<Part>, ApiError> {
    if let Some(pair) = named.windows(2).find(|pair| pair[0].0 >= pair[1].0) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "InvalidPartOrder",
            None,
            format!(
                "the parts must be listed in ascending order of PartNumber: {} comes after {}",
                pair[1].0, pair[0].0
            ),
        ));
    }
    let bare = |etag: &str| etag.trim().trim_matches('"').to_ascii_lowercase();
    named
        .iter()
        .map(|(number, etag)| {
            let part = staged.iter().find(|p| p.number == *number).ok_or_else(|| {
                ApiError::invalid_part(format!("part {number} was not uploaded (or the upload was aborted)"))
            })?;
            if bare(&part.etag) != bare(etag) {
                return Err(ApiError::invalid_part(format!(
                    "the ETag {etag:?} given for part {number} is not the uploaded part's ETag {}",
                    part.etag
                )));
            }
            Ok(part.clone())
        })
        .collect()
}

/// Refuses an object over the server's or the store's limit, before anything is assembled.
fn check_total_size(app: &App, parts: &[Part]) -> Result<(), ApiError> {
    let total: u64 = parts.iter().map(|p| p.size).sum();
    let limit = app.max_object_bytes.min(app.store.max_object_bytes().unwrap_or(u64::MAX));
    if total > limit {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "EntityTooLarge",
            Some(-60996),
            format!(
                "the parts add up to {total} bytes, over the largest object this server stores ({limit} bytes); \
                 the upload is kept: abort it, or complete it with fewer parts"
            ),
        ));
    }
    Ok(())
}

/// Whether the request asked for `encoding-type=url` (key names percent-encoded).
fn url_encoding(req: &Req) -> bool {
    req.params.iter().any(|(n, v)| n == "encoding-type" && v.eq_ignore_ascii_case("url"))
}

/// `text` percent-encoded (all but unreserved characters and `/`) when `encode`.
fn encoded(text: &str, encode: bool) -> String {
    if !encode {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn document(root: &str) -> String {
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{root}>")
}

fn leaf(xml: &mut String, name: &str, text: &str) {
    xml.push_str(&format!("<{name}>{}</{name}>", escape(text)));
}

fn xml_response(mut xml: String, root: &str) -> Response {
    xml.push_str(&format!("</{root}>\n"));
    respond(StatusCode::OK, "application/xml", xml)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    fn part(number: u16, etag: &str) -> Part {
        Part { number, etag: etag.to_owned(), size: 1, last_modified: UNIX_EPOCH }
    }

    #[test]
    fn reads_the_python_sdks_complete_body() {
        // What cos-python-sdk-v5's dict_to_xml sends (minidom escapes the quotes).
        let body = "<?xml version=\"1.0\" encoding=\"utf-8\"?><CompleteMultipartUpload><Part><PartNumber>1</PartNumber>\
                    <ETag>&quot;aa&quot;</ETag></Part><Part><PartNumber>2</PartNumber><ETag>bb</ETag></Part>\
                    </CompleteMultipartUpload>";
        assert_eq!(parse_complete(body).unwrap(), [(1, "\"aa\"".to_owned()), (2, "bb".to_owned())]);
        for bad in [
            "<CompleteMultipartUpload></CompleteMultipartUpload>",
            "<CompleteMultipartUpload><Part><PartNumber>0</PartNumber><ETag>a</ETag></Part></CompleteMultipartUpload>",
            "<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>a</ETag></Part></CompleteMultipartUpload>",
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>",
            "<Other><Part><PartNumber>1</PartNumber><ETag>a</ETag></Part></Other>",
        ] {
            assert_eq!(parse_complete(bad).unwrap_err().code, "MalformedXML", "{bad}");
        }
    }

    #[test]
    fn parts_must_ascend_exist_and_match() {
        let staged = [part(1, "\"aa\""), part(2, "\"bb\""), part(3, "\"cc\"")];
        let chosen = chosen_parts(&[(1, "AA".to_owned()), (3, "\"cc\"".to_owned())], &staged).unwrap();
        assert_eq!(chosen.iter().map(|p| p.number).collect::<Vec<_>>(), [1, 3]);
        let order = chosen_parts(&[(2, "bb".to_owned()), (1, "aa".to_owned())], &staged).unwrap_err();
        assert_eq!(order.code, "InvalidPartOrder");
        let twice = chosen_parts(&[(1, "aa".to_owned()), (1, "aa".to_owned())], &staged).unwrap_err();
        assert_eq!(twice.code, "InvalidPartOrder");
        assert_eq!(chosen_parts(&[(4, "dd".to_owned())], &staged).unwrap_err().code, "InvalidPart");
        assert_eq!(chosen_parts(&[(2, "cc".to_owned())], &staged).unwrap_err().code, "InvalidPart");
    }

    #[test]
    fn markers_page_through_uploads() {
        let upload = |key: &str, id: &str, at: u64| Upload {
            id: UploadId::parse(&id.repeat(32)).unwrap(),
            key: ObjectKey::new(key).unwrap(),
            content_type: None,
            initiated: UNIX_EPOCH + Duration::from_secs(at),
        };
        let sorted = [upload("a", "1", 1), upload("a", "0", 2), upload("b", "2", 0)];
        assert_eq!(start_after_markers(&sorted, "", ""), 0);
        assert_eq!(start_after_markers(&sorted, "a", ""), 2);
        assert_eq!(start_after_markers(&sorted, "a", &"1".repeat(32)), 1);
        assert_eq!(start_after_markers(&sorted, "a", &"f".repeat(32)), 2);
        assert_eq!(start_after_markers(&sorted, "b", ""), 3);
    }

    #[test]
    fn keys_are_written_as_cos_writes_them() {
        assert_eq!(encoded("a b/测%.jpg", true), "a%20b/%E6%B5%8B%25.jpg");
        assert_eq!(encoded("a b", false), "a b");
    }
}
