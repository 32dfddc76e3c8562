//! Bucket protections: hotlink protection (`PUT/GET /?hotlink`) and original-image protection
//! (`PUT/GET/DELETE /?origin-protect`), their routes and the check every download passes.
//!
//! ```text
//! PUT /?hotlink <Hotlink><Url>..</Url><Type>white|black|off</Type></Hotlink> ─▶ BucketConfig.hotlink
//! PUT /?origin-protect ─▶ on      DELETE /?origin-protect ─▶ off
//! GET/HEAD /<key>[?rule] by anyone but the owner ─▶ check_download ─▶ 403 -108 / -154, or go on
//! ```
//!
//! Who counts as the owner, and what each protection refuses, is written in
//! [`crate::bucket_config`]: the owner is a request signed with the server's keys; everyone
//! else (every request of an open server, and the unsigned downloads a `public_read` server
//! lets in) is checked.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use mogr::Pipeline;
use mogr::plan::ObjectKey;
use mogr::syntax::Stage;

use crate::bucket_config::{Hotlink, HotlinkType, valid_entry};
use crate::cos_xml::{self, element_texts};
use crate::error::ApiError;
use crate::routing::{App, Req, respond};

/// The most entries a hotlink list may hold.
pub const MAX_HOTLINK_URLS: usize = 100;

/// The largest settings body read.
const MAX_SETTINGS_BODY: u64 = 64 * 1024;

/// What an anonymous request downloads.
#[derive(Clone, Copy, Debug)]
pub enum Download<'a> {
    /// The stored object, of this Content-Type.
    Original {
        /// The object's Content-Type.
        content_type: &'a str,
    },
    /// The object processed by a rule (styles not yet expanded).
    Processed(&'a Pipeline),
}

/// Who downloads: what the protections look at.
#[derive(Clone, Debug)]
pub struct Downloader {
    bucket: String,
    owner: bool,
    referer: Option<String>,
}

impl Downloader {
    /// The one who sent `req`.
    pub fn of(req: &Req) -> Downloader {
        Downloader { bucket: req.bucket.clone(), owner: req.owner, referer: req.header("referer") }
    }
}

/// Refuses a download the bucket's protections forbid; the owner is never refused.
pub async fn check_download(
    app: &Arc<App>,
    who: &Downloader,
    key: &ObjectKey,
    download: Download<'_>,
) -> Result<(), ApiError> {
    if who.owner {
        return Ok(());
    }
    let config = app.recent_bucket_config(&who.bucket).await?;
    let referer = who.referer.as_deref();
    if !config.hotlink.allows(referer) {
        return Err(ApiError::invalid_referer(referer));
    }
    if config.origin_protect && !allowed_under_origin_protection(download) {
        return Err(ApiError::original_protected(key.as_str()));
    }
    Ok(())
}

/// Under original-image protection only styles reach images: a rule of `style/<name>` stages
/// only, or an object that is not an image.
fn allowed_under_origin_protection(download: Download<'_>) -> bool {
    match download {
        Download::Original { content_type } => !content_type.trim().to_ascii_lowercase().starts_with("image/"),
        Download::Processed(pipeline) => {
            !pipeline.stages.is_empty() && pipeline.stages.iter().all(|stage| matches!(stage, Stage::Style(_)))
        }
    }
}

/// Routes `/?hotlink`: PUT sets the list, GET shows it.
pub async fn hotlink(app: &Arc<App>, mut req: Req) -> Result<Response, ApiError> {
    match req.method {
        Method::PUT => {
            let body = req.read_body(MAX_SETTINGS_BODY).await?;
            let body = std::str::from_utf8(&body)
                .map_err(|_| ApiError::bad_request("MalformedXML", "the body is not UTF-8"))?;
            let hotlink = read_hotlink(body)?;
            app.update_bucket_config(&req.bucket, move |config| {
                config.hotlink = hotlink;
                Ok(())
            })
            .await?;
            Ok(respond(StatusCode::OK, "application/xml", Body::empty()))
        }
        Method::GET => {
            let config = app.bucket_config(&req.bucket).await?;
            Ok(respond(StatusCode::OK, "application/xml", cos_xml::hotlink(&config.hotlink)))
        }
        ref method => Err(ApiError::method_not_allowed(method.as_str())),
    }
}

/// Routes `/?origin-protect`: PUT turns it on, DELETE off, GET tells.
pub async fn origin_protect(app: &Arc<App>, req: Req) -> Result<Response, ApiError> {
    let on = match req.method {
        Method::PUT => true,
        Method::DELETE => false,
        Method::GET => {
            let config = app.bucket_config(&req.bucket).await?;
            return Ok(respond(
                StatusCode::OK,
                "application/xml",
                cos_xml::origin_protect_status(config.origin_protect),
            ));
        }
        ref method => return Err(ApiError::method_not_allowed(method.as_str())),
    };
    app.update_bucket_config(&req.bucket, move |config| {
        config.origin_protect = on;
        Ok(())
    })
    .await?;
    let status = if req.method == Method::DELETE { StatusCode::NO_CONTENT } else { StatusCode::OK };
    Ok(respond(status, "application/xml", Body::empty()))
}

/// The `<Hotlink>` body, checked: a known `Type`, and for `white`/`black` 1 to
/// [`MAX_HOTLINK_URLS`] valid entries.
fn read_hotlink(body: &str) -> Result<Hotlink, ApiError> {
    let malformed = |message: String| ApiError::bad_request("MalformedXML", message);
    let types = element_texts(body, "Hotlink", "Type")?;
    let [word] = types.as_slice() else {
        return Err(malformed("the body needs exactly one <Type>: white, black or off".to_owned()));
    };
    let kind = HotlinkType::parse(word)
        .ok_or_else(|| invalid_argument(format!("<Type> is {word:?}: it must be white, black or off")))?;
    let urls: Vec<String> = element_texts(body, "Hotlink", "Url")?.into_iter().map(|u| u.trim().to_owned()).collect();
    if kind != HotlinkType::Off && urls.is_empty() {
        return Err(invalid_argument(format!("a {} list needs at least one <Url>", kind.as_str())));
    }
    if urls.len() > MAX_HOTLINK_URLS {
        return Err(invalid_argument(format!("at most {MAX_HOTLINK_URLS} <Url> entries, not {}", urls.len())));
    }
    if let Some(bad) = urls.iter().find(|url| !valid_entry(url)) {
        return Err(invalid_argument(format!(
            "<Url> {bad:?} is not a domain: write [scheme://]host[:port][/path], the host may start with '*.'"
        )));
    }
    Ok(Hotlink { kind, urls })
}

fn invalid_argument(message: String) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "InvalidArgument", Some(-60998), message)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reads_the_spec_hotlink_body() {
        let body = "<Hotlink>\n<Url>www.example.com</Url>\n<Type>black</Type>\n</Hotlink>";
        let hotlink = read_hotlink(body).unwrap();
        assert_eq!(hotlink.kind, HotlinkType::Black);
        assert_eq!(hotlink.urls, ["www.example.com"]);
        assert_eq!(read_hotlink("<Hotlink><Type>off</Type></Hotlink>").unwrap().kind, HotlinkType::Off);
    }

    #[test]
    fn refuses_bad_hotlink_bodies() {
        for (body, errno) in [
            ("<Hotlink><Type>white</Type></Hotlink>", Some(-60998)),
            ("<Hotlink><Url>a.com</Url><Type>grey</Type></Hotlink>", Some(-60998)),
            ("<Hotlink><Url>a b</Url><Type>white</Type></Hotlink>", Some(-60998)),
            ("<Hotlink><Url>a.com</Url></Hotlink>", Some(-103)),
            ("<Referer/>", Some(-103)),
        ] {
            assert_eq!(read_hotlink(body).unwrap_err().errno, errno, "{body}");
        }
        let many: String = (0..=MAX_HOTLINK_URLS).map(|i| format!("<Url>h{i}.com</Url>")).collect();
        assert!(read_hotlink(&format!("<Hotlink>{many}<Type>white</Type></Hotlink>")).is_err());
    }

    #[test]
    fn origin_protection_lets_styles_and_non_images_through() {
        let allowed = |rule: &str| allowed_under_origin_protection(Download::Processed(&mogr::parse(rule).unwrap()));
        assert!(allowed("style/small"));
        assert!(allowed("style/small|style/mark"));
        assert!(!allowed("style/small|imageMogr2/crop/10x10"));
        assert!(!allowed("imageMogr2/thumbnail/100x"));
        assert!(!allowed("imageInfo"));
        let original = |content_type| allowed_under_origin_protection(Download::Original { content_type });
        assert!(!original("image/jpeg"));
        assert!(!original("IMAGE/PNG"));
        assert!(original("text/plain"));
    }
}
