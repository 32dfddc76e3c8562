//! One error type for every route: the HTTP status, the COS error code (`<Code>` of the XML
//! body) and, where the spec's tables have one, the CI error number (`X-ErrNo`).

use std::fmt;

use axum::http::StatusCode;

use crate::storage::StoreError;

/// A refused or failed request, as the client will see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The COS error code, e.g. `NoSuchKey`.
    pub code: &'static str,
    /// The CI error number sent in `X-ErrNo`, e.g. -46628.
    pub errno: Option<i32>,
    /// What went wrong, for a person.
    pub message: String,
    /// Headers the error response carries besides the usual ones (e.g. `Content-Range` of a
    /// 416).
    pub headers: Vec<(&'static str, String)>,
}

impl ApiError {
    /// An error with every field given.
    pub fn new(status: StatusCode, code: &'static str, errno: Option<i32>, message: impl Into<String>) -> ApiError {
        ApiError { status, code, errno, message: message.into(), headers: Vec::new() }
    }

    /// The error with one more response header.
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> ApiError {
        self.headers.push((name, value.into()));
        self
    }

    /// 404: the Host header names a bucket this server does not have.
    pub fn no_such_bucket(bucket: &str) -> ApiError {
        let message = format!("The specified bucket {bucket:?} does not exist.");
        ApiError::new(StatusCode::NOT_FOUND, "NoSuchBucket", None, message)
    }

    /// 400: the Host header does not name a bucket (CI -46152, invalid bucket name).
    pub fn invalid_bucket_name(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "InvalidBucketName", Some(-46152), message)
    }

    /// 404: no object has this key.
    pub fn no_such_key(key: &str) -> ApiError {
        let message = format!("The specified key {key:?} does not exist.");
        ApiError::new(StatusCode::NOT_FOUND, "NoSuchKey", Some(-46628), message)
    }

    /// 403: the signature is missing, malformed or does not match (CI -46618).
    pub fn access_denied(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "AccessDenied", Some(-46618), message)
    }

    /// 403: the signature's time window is over (CI -46619).
    pub fn signature_expired(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "AccessDenied", Some(-46619), message)
    }

    /// 403: the bucket's hotlink protection refuses this Referer (CI -108).
    pub fn invalid_referer(referer: Option<&str>) -> ApiError {
        let message = match referer {
            Some(referer) => format!("The bucket's hotlink protection does not allow the Referer {referer:?}."),
            None => "The bucket's hotlink protection allows only listed Referers; the request has none.".to_owned(),
        };
        ApiError::new(StatusCode::FORBIDDEN, "AccessDenied", Some(-108), message)
    }

    /// 403: original-image protection: this image can only be downloaded through a style (CI -154).
    pub fn original_protected(key: &str) -> ApiError {
        let message =
            format!("Original-image protection is on: {key:?} can only be downloaded through a style (?style/<name>).");
        ApiError::new(StatusCode::FORBIDDEN, "AccessDenied", Some(-154), message)
    }

    /// 400: a key or URL that is not a plain object key of the bucket (CI -60955).
    pub fn invalid_key(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "InvalidURI", Some(-60955), message)
    }

    /// 400: a request this server cannot read.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, Some(-103), message)
    }

    /// 413: a body over the configured limit, refused before it is read.
    pub fn entity_too_large(limit: u64) -> ApiError {
        let message = format!("The request body is larger than the limit of {limit} bytes.");
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "EntityTooLarge", Some(-60996), message)
    }

    /// 416: a `Range` header that cannot be served from an object of `size` bytes (with
    /// `Content-Range: bytes */size`, as RFC 9110 asks).
    pub fn invalid_range(message: impl Into<String>, size: u64) -> ApiError {
        ApiError::new(StatusCode::RANGE_NOT_SATISFIABLE, "InvalidRange", Some(-29033), message)
            .with_header("content-range", format!("bytes */{size}"))
    }

    /// 405: a method the route does not take.
    pub fn method_not_allowed(method: &str) -> ApiError {
        let message = format!("The method {method} is not allowed on this resource.");
        ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed", None, message)
    }

    /// 501: a COS API this server does not offer (yet).
    pub fn not_implemented(what: &str) -> ApiError {
        let message = format!("{what} is not implemented by mogr-server.");
        ApiError::new(StatusCode::NOT_IMPLEMENTED, "NotImplemented", None, message)
    }

    /// 409: the key collides with an existing folder or object.
    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "ObjectConflict", None, message)
    }

    /// 503: the request ran out of time (CI -901).
    pub fn timeout(seconds: u64) -> ApiError {
        let message = format!("The request did not complete within {seconds} s.");
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "RequestTimeout", Some(-901), message)
    }

    /// 404: no multipart upload has this id (or it is another key's).
    pub fn no_such_upload(id: &str) -> ApiError {
        let message = format!(
            "The specified multipart upload {id:?} does not exist for this key: it may have been completed or aborted."
        );
        ApiError::new(StatusCode::NOT_FOUND, "NoSuchUpload", None, message)
    }

    /// 400: a part named by Complete Multipart Upload is missing or its ETag does not match.
    pub fn invalid_part(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "InvalidPart", None, message)
    }

    /// 500: a bug or an unexpected I/O failure.
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "InternalError", None, message)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.code)?;
        if let Some(errno) = self.errno {
            write!(f, " ({errno})")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ApiError {}

impl From<mogr::Error> for ApiError {
    /// The CI error code becomes `X-ErrNo`, its name the `<Code>`, its HTTP status the status.
    fn from(e: mogr::Error) -> Self {
        let code = e.code();
        let status = StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        ApiError::new(status, code.name(), Some(code.number()), e.message())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NoSuchBucket(bucket) => ApiError::no_such_bucket(&bucket),
            StoreError::NoSuchKey(key) => ApiError::no_such_key(&key),
            StoreError::Conflict(message) => ApiError::conflict(message),
            StoreError::Refused(message) => ApiError::invalid_key(message),
            StoreError::TooLarge { key, size, limit } => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "FileTooLarge",
                Some(-60996),
                format!("The object {key:?} ({size} bytes) is larger than the limit of {limit} bytes."),
            ),
            StoreError::Io(message) => ApiError::internal(message),
            StoreError::NoSuchUpload(id) => ApiError::no_such_upload(&id),
            StoreError::InvalidPart(message) => ApiError::invalid_part(message),
        }
    }
}
