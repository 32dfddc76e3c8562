//! Image styles: `PUT /?style` (`AddStyle`), `GET /?style` (`StyleList`, optionally only the
//! names a `GetStyle` body asks for) and `DELETE /?style` (`DeleteStyle`), as the spec's
//! "Image Styles" chapter writes them.
//!
//! A style's name is what `style/<name>` accepts (1-64 letters, digits, `-`, `_`, `.`); its
//! body must be a valid rule that names no style (styles do not nest). At most
//! [`MAX_STYLES`] per bucket (-60957). They are stored by the [`crate::storage::Store`] (the
//! local store: `ROOT/.mogr/buckets/<bucket>.json` with the bucket's other settings, written
//! atomically), so they survive restarts; changes are serialised by one lock.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use mogr::syntax::Stage;

use crate::cos_xml::{self, element_texts};
use crate::error::ApiError;
use crate::routing::{App, Req, respond};

/// The most styles a bucket may have (the spec's -60957).
pub const MAX_STYLES: usize = 100;

/// The largest style request body read.
const MAX_STYLE_BODY: u64 = 64 * 1024;

/// Routes a `/?style` request.
pub async fn handle(app: &Arc<App>, mut req: Req) -> Result<Response, ApiError> {
    let body = req.read_body(MAX_STYLE_BODY).await?;
    let body =
        std::str::from_utf8(&body).map_err(|_| ApiError::bad_request("MalformedXML", "the body is not UTF-8"))?;
    let bucket = req.bucket.clone();
    match req.method {
        Method::PUT => {
            let name = single(element_texts(body, "AddStyle", "StyleName")?, "StyleName")?;
            let rule = single(element_texts(body, "AddStyle", "StyleBody")?, "StyleBody")?;
            check_name(&name)?;
            let pipeline = mogr::parse(rule.trim())?;
            if mogr::has_styles(&pipeline) {
                return Err(invalid_style(&name));
            }
            app.update_bucket_config(&bucket, move |config| {
                if !config.styles.contains_key(&name) && config.styles.len() >= MAX_STYLES {
                    return Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "StyleLimitExceeded",
                        Some(-60957),
                        format!("a bucket can have at most {MAX_STYLES} styles"),
                    ));
                }
                config.styles.insert(name, rule.trim().to_owned());
                Ok(())
            })
            .await?;
            Ok(respond(StatusCode::OK, "application/xml", Body::empty()))
        }
        Method::GET => {
            let wanted = element_texts(body, "GetStyle", "StyleName")?;
            let config = app.bucket_config(&bucket).await?;
            let listed = config.styles.iter().filter(|(name, _)| wanted.is_empty() || wanted.contains(name));
            Ok(respond(StatusCode::OK, "application/xml", cos_xml::style_list(listed)))
        }
        Method::DELETE => {
            let name = single(element_texts(body, "DeleteStyle", "StyleName")?, "StyleName")?;
            app.update_bucket_config(&bucket, move |config| match config.styles.remove(&name) {
                Some(_) => Ok(()),
                None => Err(style_not_found(&name)),
            })
            .await?;
            Ok(respond(StatusCode::OK, "application/xml", Body::empty()))
        }
        ref method => Err(ApiError::method_not_allowed(method.as_str())),
    }
}

/// The one element's text.
fn single(texts: Vec<String>, name: &str) -> Result<String, ApiError> {
    match <[String; 1]>::try_from(texts) {
        Ok([text]) => Ok(text),
        Err(_) => Err(ApiError::bad_request("MalformedXML", format!("the body needs exactly one <{name}>"))),
    }
}

/// A style name is what `style/<name>` accepts, exactly (no escapes, no `|`).
fn check_name(name: &str) -> Result<(), ApiError> {
    let pipeline = mogr::parse(&format!("style/{name}"))?;
    if matches!(pipeline.stages.as_slice(), [Stage::Style(parsed)] if parsed == name) {
        return Ok(());
    }
    let message = format!("{name:?} is not a style name: 1 to 64 letters, digits, '-', '_' or '.'");
    Err(ApiError::new(StatusCode::BAD_REQUEST, "InvalidParameter", Some(-60998), message))
}
/// -60967: the style does not exist.
fn style_not_found(name: &str) -> ApiError {
    mogr::Error::new(mogr::ErrorCode::StyleNotFound, format!("the image style {name:?} does not exist")).into()
}

/// -60998: a style whose rule names a style (styles do not nest).
fn invalid_style(name: &str) -> ApiError {
    let message = format!("the image style {name:?} names another style: a style's rule cannot use styles");
    mogr::Error::new(mogr::ErrorCode::InvalidParameter, message).into()
}
