//! Persistent processing: `PUT /<key>` with a `Pic-Operations` header (store the upload and
//! up to five results) and `POST /<key>?image_process` (process a stored object).
//!
//! ```text
//! Pic-Operations ──parse──▶ rules ──styles expanded, fileid → key, bucket checked──▶ targets
//!   input (the upload, or the stored object) ──worker: every rule, then ImageInfo──▶ results
//!   ──write: the upload (PUT), then each result, each atomically──▶ UploadResult XML
//! ```
//!
//! Everything that can be refused is refused before anything is written: a bad header, an
//! unknown style, a `fileid` that leaves its bucket, a target bucket this server does not
//! have, a rule that fails on this image. A `fileid` starting with `/` is a key from the
//! bucket's root; any other is relative to the original's folder. A rule's `bucket` may name
//! another bucket of this server; watermark images always come from the original's bucket.

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::Response;
use mogr::plan::ObjectKey;

use crate::cos_xml::{self, OriginalInfo, ProcessedObject};
use crate::error::ApiError;
use crate::objects::{check_content_md5, with_styles};
use crate::processing::{BucketObjects, result_key};
use crate::routing::{App, Req, blocking, respond};

/// Where one result goes and how it is made.
struct Target {
    bucket: String,
    key: ObjectKey,
    rule: String,
}

/// `PUT /<key>` with `Pic-Operations`.
pub async fn on_upload(
    app: &Arc<App>,
    req: Req,
    key: ObjectKey,
    operations: String,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_content_md5(&req, &body)?;
    let content_type = req.header("content-type");
    run(app, req, key, operations, Some((body, content_type))).await
}

/// `POST /<key>?image_process`.
pub async fn on_stored(app: &Arc<App>, req: Req, key: ObjectKey, operations: String) -> Result<Response, ApiError> {
    run(app, req, key, operations, None).await
}

/// The `WatermarkStatus` a `watermark/4` result reported (its JSON body), if it is one.
fn watermark_status(output: &mogr::Response) -> Option<u64> {
    if output.format.is_some() {
        return None;
    }
    let report: serde_json::Value = serde_json::from_slice(&output.body).ok()?;
    report.get("WatermarkStatus")?.as_u64()
}

async fn run(
    app: &Arc<App>,
    req: Req,
    key: ObjectKey,
    operations: String,
    upload: Option<(Bytes, Option<String>)>,
) -> Result<Response, ApiError> {
    let operations = mogr::parse_pic_operations(&operations)?;
    let mut targets = Vec::with_capacity(operations.rules.len());
    for rule in operations.rules {
        let bucket = rule.bucket.unwrap_or_else(|| req.bucket.clone());
        if bucket != req.bucket {
            let store = Arc::clone(&app.store);
            let name = bucket.clone();
            if !blocking(move || store.has_bucket(&name)).await?? {
                return Err(ApiError::no_such_bucket(&bucket));
            }
        }
        let pipeline = with_styles(app, &req.bucket, rule.rule).await?;
        targets.push(Target { bucket, key: result_key(&key, &rule.file_id)?, rule: pipeline.to_string() });
    }
    let locations: Vec<String> = targets.iter().map(|t| req.location(&t.bucket, &t.key)).collect();
    let original_location = req.location(&req.bucket, &key);
    let pic_info = operations.is_pic_info;
    let store = Arc::clone(&app.store);
    let bucket = req.bucket.clone();
    let limit = app.processor.max_input_bytes();

    app.processor
        .run(move |processor| -> Result<Response, ApiError> {
            let stored;
            let (image, stored_etag): (&[u8], _) = match &upload {
                Some((bytes, _)) => (bytes, None),
                None => {
                    let (meta, bytes) = store.read(&bucket, &key, limit)?;
                    stored = bytes;
                    (&stored, Some(meta.etag))
                }
            };
            let objects = BucketObjects::new(Arc::clone(&store), bucket.clone());
            let mut outputs = Vec::with_capacity(targets.len());
            for target in &targets {
                outputs.push(processor.process(&objects, image, &target.rule)?);
            }
            let image_info = if pic_info { Some(processor.image_info(&objects, image)?) } else { None };

            let mut original_etag = match (&upload, stored_etag) {
                (Some((bytes, content_type)), _) => store.put(&bucket, &key, bytes, content_type.as_deref())?.etag,
                (None, Some(etag)) => etag,
                (None, None) => String::new(),
            };
            let mut results = Vec::with_capacity(targets.len());
            for ((target, output), location) in targets.iter().zip(&outputs).zip(&locations) {
                let meta = store.put(&target.bucket, &target.key, &output.body, Some(output.mime_type))?;
                if target.bucket == bucket && target.key == key {
                    original_etag = meta.etag.clone();
                }
                let quality = match output.format {
                    Some(_) => mogr::plan::probe(&output.body).ok().and_then(|p| p.jpeg_quality).unwrap_or(100),
                    None => 0,
                };
                results.push(ProcessedObject {
                    key: target.key.to_string(),
                    location: location.clone(),
                    format: output.format.map_or("json", |f| f.name()).to_owned(),
                    width: output.width,
                    height: output.height,
                    size: meta.size,
                    quality,
                    etag: meta.etag,
                    frame_count: if output.format.is_some() { output.frames } else { 0 },
                    watermark_status: watermark_status(output),
                });
            }
            let original =
                OriginalInfo { key: key.to_string(), location: original_location, etag: original_etag, image_info };
            Ok(respond(StatusCode::OK, "application/xml", cos_xml::upload_result(&original, &results)))
        })
        .await?
}
