//! Every request enters here: request id, time limit, Host → bucket, path → key, signature,
//! then the route by path, method and query:
//!
//! | request | route |
//! | --- | --- |
//! | `PUT/GET/DELETE /?style` | [`crate::styles`] |
//! | `PUT/GET /?hotlink`, `PUT/GET/DELETE /?origin-protect` | [`crate::protection`] |
//! | `GET /` (list objects: `prefix`, `delimiter`, `marker`, `max-keys`, `encoding-type`), `HEAD /` | [`crate::buckets`] |
//! | `GET /<key>?<rule>` (a rule, `style/<name>`, `ci-process=ImageInspect`) | [`crate::objects::process`] |
//! | `GET`, `HEAD`, `PUT`, `DELETE /<key>` | [`crate::objects`] |
//! | `PUT /<key>` with `Pic-Operations`, `POST /<key>?image_process` | [`crate::persist`] |
//! | `GET /?uploads`; `/<key>?uploads`, `/<key>?uploadId=` (multipart uploads) | [`crate::multipart`] |
//!
//! Every response, error or not, carries `x-cos-request-id` and `x-ci-request-id`; an error
//! is a COS XML body with the CI code in `X-ErrNo`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::body::{Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use http_body_util::BodyExt;
use mogr::plan::ObjectKey;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::auth::{self, AuthError, Credentials, SignedRequest};
use crate::bucket_config::BucketConfig;
use crate::config::Config;
use crate::error::ApiError;
use crate::metrics::{Finished, Metrics};
use crate::processing::Processor;
use crate::storage::{Store, is_bucket_name};
use crate::{buckets, cos_xml, multipart, objects, persist, protection, styles};

/// What every request shares.
pub struct App {
    /// The buckets.
    pub store: Arc<dyn Store>,
    /// The key pair requests must be signed with; `None`: open.
    pub credentials: Option<Credentials>,
    /// The worker pool.
    pub processor: Arc<Processor>,
    /// What the server counts.
    pub metrics: Arc<Metrics>,
    /// The largest request body accepted.
    pub max_body_bytes: u64,
    /// The largest object a multipart upload may assemble.
    pub max_object_bytes: u64,
    /// How long one request may take.
    pub request_timeout: Duration,
    /// Whether unsigned downloads are let in when keys are configured.
    pub public_read: bool,
    /// The bytes of request bodies all requests may hold at once.
    pub body_budget: Arc<BodyBudget>,
    /// Serialises changes to bucket settings (styles, hotlink, origin protection).
    config_lock: tokio::sync::Mutex<()>,
    next_id: AtomicU64,
    id_prefix: String,
    header_case: axum::http::Extensions,
}

impl App {
    /// The shared state.
    pub fn new(
        store: Arc<dyn Store>,
        processor: Arc<Processor>,
        metrics: Arc<Metrics>,
        config: &Config,
        header_case: axum::http::Extensions,
    ) -> App {
        let started = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
        App {
            store,
            credentials: config.credentials.clone(),
            processor,
            metrics,
            max_body_bytes: config.max_body_bytes,
            max_object_bytes: config.max_object_bytes,
            request_timeout: config.request_timeout,
            public_read: config.public_read,
            body_budget: Arc::new(BodyBudget::new(config.max_buffered_body_bytes)),
            config_lock: tokio::sync::Mutex::new(()),
            next_id: AtomicU64::new(1),
            id_prefix: format!("{started:x}{:x}", std::process::id()),
            header_case,
        }
    }

    /// The bucket's settings, read from the store (never a stale copy).
    pub async fn bucket_config(&self, bucket: &str) -> Result<BucketConfig, ApiError> {
        let store = Arc::clone(&self.store);
        let bucket = bucket.to_owned();
        Ok(blocking(move || store.config(&bucket)).await??)
    }

    /// The bucket's settings as downloads check them (the store may answer from a
    /// short-lived copy: [`Store::recent_config`]).
    pub async fn recent_bucket_config(&self, bucket: &str) -> Result<BucketConfig, ApiError> {
        let store = Arc::clone(&self.store);
        let bucket = bucket.to_owned();
        Ok(blocking(move || store.recent_config(&bucket)).await??)
    }

    /// Reads, changes and saves the bucket's settings under the settings lock; a `change`
    /// that fails saves nothing.
    pub async fn update_bucket_config(
        &self,
        bucket: &str,
        change: impl FnOnce(&mut BucketConfig) -> Result<(), ApiError> + Send + 'static,
    ) -> Result<(), ApiError> {
        let _guard = self.config_lock.lock().await;
        let store = Arc::clone(&self.store);
        let bucket = bucket.to_owned();
        blocking(move || -> Result<(), ApiError> {
            let mut config = store.config(&bucket)?;
            change(&mut config)?;
            Ok(store.save_config(&bucket, &config)?)
        })
        .await?
    }

    fn request_id(&self) -> String {
        format!("{}-{:08x}", self.id_prefix, self.next_id.fetch_add(1, Ordering::Relaxed))
    }
}

/// One request, with what routing found out about it.
pub struct Req {
    /// The method.
    pub method: Method,
    /// The Host header as sent (for `Location`).
    pub host: String,
    /// The bucket the Host names.
    pub bucket: String,
    /// The path, percent-decoded once.
    pub path: String,
    /// The raw query.
    pub query: String,
    /// The query's `(name, value)` pairs, decoded.
    pub params: Vec<(String, String)>,
    /// The headers.
    pub headers: HeaderMap,
    /// The body, unread.
    pub body: Body,
    /// Whether the request was signed with the server's keys (the bucket owner's); the bucket
    /// protections check everyone else.
    pub owner: bool,
    budget: Arc<BodyBudget>,
    body_reservation: Option<OwnedSemaphorePermit>,
}

/// How many bytes of request bodies all requests together may hold in memory: a body's size
/// is reserved before it is read (a request waits, within its time limit, while the budget is
/// spent), so many concurrent uploads cannot exhaust memory.
#[derive(Debug)]
pub struct BodyBudget {
    kib: Arc<Semaphore>,
    total_kib: u32,
}

impl BodyBudget {
    /// A budget of `bytes` (rounded up to KiB, at most 4 TiB).
    pub fn new(bytes: u64) -> BodyBudget {
        let total_kib = u32::try_from(bytes.div_ceil(1024)).unwrap_or(u32::MAX).max(1);
        BodyBudget { kib: Arc::new(Semaphore::new(total_kib as usize)), total_kib }
    }

    /// Reserves `bytes` until the permit is dropped, waiting while the budget is spent.
    pub async fn reserve(&self, bytes: u64) -> Result<OwnedSemaphorePermit, ApiError> {
        let kib = u32::try_from(bytes.div_ceil(1024)).unwrap_or(u32::MAX).max(1);
        if kib > self.total_kib {
            return Err(ApiError::entity_too_large(u64::from(self.total_kib) * 1024));
        }
        Arc::clone(&self.kib).acquire_many_owned(kib).await.map_err(|_| ApiError::internal("the body budget is closed"))
    }
}

impl Req {
    /// Whether the query has a parameter `name`.
    pub fn has_param(&self, name: &str) -> bool {
        self.params.iter().any(|(n, _)| n == name)
    }

    /// A header as text (UTF-8; `None` when absent or not text).
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| std::str::from_utf8(v.as_bytes()).ok()).map(str::to_owned)
    }

    /// `<host>/<key>` for an object of `bucket` (the Host's first label replaced).
    pub fn location(&self, bucket: &str, key: &ObjectKey) -> String {
        let rest = self.host.find('.').map(|at| &self.host[at..]).unwrap_or("");
        format!("{bucket}{rest}/{key}")
    }

    /// Reads the body, refusing one over `limit` bytes before reading it (by its
    /// Content-Length) or while reading it. Its size (or `limit`, without a Content-Length) is
    /// reserved from the server's [`BodyBudget`] first, and stays reserved while the request
    /// is answered.
    pub async fn read_body(&mut self, limit: u64) -> Result<Bytes, ApiError> {
        let mut reserve = limit;
        if let Some(length) = self.header("content-length") {
            let length: u64 = length
                .trim()
                .parse()
                .map_err(|_| ApiError::bad_request("InvalidArgument", "the Content-Length header is not a number"))?;
            if length > limit {
                return Err(ApiError::entity_too_large(limit));
            }
            reserve = length;
        }
        self.body_reservation = Some(self.budget.reserve(reserve).await?);
        let body = std::mem::replace(&mut self.body, Body::empty());
        let cap = usize::try_from(limit).unwrap_or(usize::MAX);
        match http_body_util::Limited::new(body, cap).collect().await {
            Ok(collected) => Ok(collected.to_bytes()),
            Err(e) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => {
                Err(ApiError::entity_too_large(limit))
            }
            Err(e) => Err(ApiError::bad_request("IncompleteBody", format!("the request body could not be read: {e}"))),
        }
    }
}

/// The handler of every request.
pub async fn handle(State(app): State<Arc<App>>, request: Request) -> Response {
    let started = Instant::now();
    let _in_flight = app.metrics.request_started();
    let request_bytes = content_length(request.headers()).unwrap_or(0);
    let request_id = app.request_id();
    let method = request.method().clone();
    let resource = format!(
        "{}{}",
        request.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or(""),
        request.uri().path()
    );
    let timeout = app.request_timeout;
    let result = match tokio::time::timeout(timeout, dispatch(&app, request)).await {
        Ok(result) => result,
        Err(_) => Err(ApiError::timeout(timeout.as_secs())),
    };
    let mut failure = None;
    let mut response = match result {
        Ok(response) => response,
        Err(error) => {
            if error.status.is_server_error() {
                tracing::error!(request_id, %method, resource, %error, "request failed");
            }
            failure = Some((error.code, error.errno));
            error_response(&error, &request_id, &resource, method == Method::HEAD)
        }
    };
    let response_bytes = response.body().size_hint().exact().or_else(|| content_length(response.headers()));
    app.metrics.request_finished(Finished {
        method: &method,
        status: response.status().as_u16(),
        error: failure,
        request_bytes,
        response_bytes: if method == Method::HEAD { 0 } else { response_bytes.unwrap_or(0) },
        elapsed: started.elapsed(),
    });
    let headers = response.headers_mut();
    if let Ok(id) = HeaderValue::from_str(&request_id) {
        headers.insert("x-cos-request-id", id.clone());
        headers.insert("x-ci-request-id", id);
    }
    headers.insert(header::SERVER, HeaderValue::from_static("mogr-server"));
    response.extensions_mut().extend(app.header_case.clone());
    tracing::info!(
        request_id,
        %method,
        resource,
        status = response.status().as_u16(),
        millis = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}

/// The Content-Length header as a number.
fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(header::CONTENT_LENGTH)?.to_str().ok()?.trim().parse().ok()
}

/// The COS error response (no body for HEAD).
fn error_response(error: &ApiError, request_id: &str, resource: &str, head: bool) -> Response {
    let body = if head { Body::empty() } else { Body::from(cos_xml::error_body(error, request_id, resource)) };
    let mut response = Response::new(body);
    *response.status_mut() = error.status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/xml"));
    if let Some(errno) = error.errno
        && let Ok(value) = HeaderValue::from_str(&errno.to_string())
    {
        headers.insert("x-errno", value);
    }
    for (name, value) in &error.headers {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(*name, value);
        }
    }
    response
}

async fn dispatch(app: &Arc<App>, request: Request) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
        .ok_or_else(|| ApiError::invalid_bucket_name("the request has no Host header naming the bucket"))?;
    let bucket = bucket_of_host(&host)?;
    let path = decode_path(parts.uri.path())?;
    let query = parts.uri.query().unwrap_or("").to_owned();
    let owner = match &app.credentials {
        Some(_) if app.public_read && is_unsigned_download(&parts.method, &path, &query, &parts.headers) => false,
        Some(credentials) => {
            let signed =
                SignedRequest { method: parts.method.as_str(), path: &path, query: &query, headers: &parts.headers };
            let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
            auth::verify(credentials, &signed, now).map_err(|e| match e {
                AuthError::Expired(message) => ApiError::signature_expired(message),
                AuthError::Missing(message) | AuthError::Mismatch(message) => ApiError::access_denied(message),
            })?;
            true
        }
        None => false,
    };
    let store = Arc::clone(&app.store);
    let name = bucket.clone();
    if !blocking(move || store.has_bucket(&name)).await?? {
        return Err(ApiError::no_such_bucket(&bucket));
    }
    let params = auth::query_pairs(&query);
    let mut req = Req {
        method: parts.method,
        host,
        bucket,
        path,
        query,
        params,
        headers: parts.headers,
        body,
        owner,
        budget: Arc::clone(&app.body_budget),
        body_reservation: None,
    };

    if req.path == "/" {
        if req.has_param("style") {
            return styles::handle(app, req).await;
        }
        if req.has_param("hotlink") {
            return protection::hotlink(app, req).await;
        }
        if req.has_param("origin-protect") {
            return protection::origin_protect(app, req).await;
        }
        if req.has_param("uploads") {
            return multipart::on_bucket(app, req).await;
        }
        return match req.method {
            Method::GET => buckets::list(app, req).await,
            Method::HEAD => Ok(buckets::head()),
            _ => Err(ApiError::method_not_allowed(req.method.as_str())),
        };
    }
    let key = object_key(&req.path)?;
    if multipart::is_object_request(&req) {
        return multipart::on_object(app, req, key).await;
    }
    match req.method.clone() {
        Method::GET => match objects::rule_of(&req.query)? {
            Some(pipeline) => objects::process(app, req, key, pipeline).await,
            None => objects::get(app, req, key).await,
        },
        Method::HEAD => objects::head(app, req, key).await,
        Method::PUT => match req.header("pic-operations") {
            Some(operations) => {
                let limit = app.max_body_bytes;
                let body = req.read_body(limit).await?;
                persist::on_upload(app, req, key, operations, body).await
            }
            None if req.headers.contains_key("pic-operations") => {
                Err(ApiError::bad_request("InvalidArgument", "the Pic-Operations header is not UTF-8"))
            }
            None => objects::put(app, req, key).await,
        },
        Method::POST if req.has_param("image_process") => {
            let operations = req.header("pic-operations").ok_or_else(|| {
                ApiError::bad_request("InvalidArgument", "POST ?image_process needs a Pic-Operations header")
            })?;
            persist::on_stored(app, req, key, operations).await
        }
        Method::POST => Err(ApiError::not_implemented("This POST operation")),
        Method::DELETE => objects::delete(app, req, key).await,
        method => {
            req.body = Body::empty();
            Err(ApiError::method_not_allowed(method.as_str()))
        }
    }
}

/// A GET or HEAD of an object carrying no signature at all (neither header nor query): what a
/// `public_read` server lets in without keys. A request with a signature is always verified,
/// and so is every request of the bucket itself (`/`: listing it, HEAD Bucket, its settings).
fn is_unsigned_download(method: &Method, path: &str, query: &str, headers: &HeaderMap) -> bool {
    (method == Method::GET || method == Method::HEAD)
        && path != "/"
        && !headers.contains_key(header::AUTHORIZATION)
        && !auth::query_pairs(query).iter().any(|(name, _)| name.eq_ignore_ascii_case("q-sign-algorithm"))
}

/// The bucket a Host header names: its first label, `<BucketName-APPID>`.
pub fn bucket_of_host(host: &str) -> Result<String, ApiError> {
    let name =
        host.rsplit_once(':').filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit())).map_or(host, |(h, _)| h);
    let refuse = |why: &str| {
        ApiError::invalid_bucket_name(format!(
            "the Host header {host:?} {why}: it must be <BucketName-APPID>.cos.<Region>.myqcloud.com (or <BucketName-APPID>.<anything>)"
        ))
    };
    if name.starts_with('[') || name.parse::<std::net::Ipv4Addr>().is_ok() {
        return Err(refuse("is an address, not a bucket's host name"));
    }
    let label = name.split('.').next().unwrap_or_default().to_ascii_lowercase();
    if !is_bucket_name(&label) {
        return Err(refuse("does not start with a bucket name"));
    }
    Ok(label)
}

/// The request path percent-decoded once; a bad escape or bytes that are not UTF-8 are refused.
pub fn decode_path(raw: &str) -> Result<String, ApiError> {
    let refuse = |why: &str| ApiError::invalid_key(format!("the request path {raw:?} {why}"));
    if !raw.starts_with('/') {
        return Err(refuse("does not start with '/'"));
    }
    mogr::plan::key::percent_decode(raw)
        .map_err(|e| ApiError::invalid_key(format!("the request path {raw:?} is refused: {}", e.reason)))
}

/// The object key of a decoded path (`/a/b.jpg` → `a/b.jpg`), validated.
pub fn object_key(path: &str) -> Result<ObjectKey, ApiError> {
    let key = path.strip_prefix('/').unwrap_or(path);
    ObjectKey::new(key).map_err(|e| ApiError::invalid_key(e.to_string()))
}

/// Runs blocking `f` (file I/O) on the blocking pool.
pub async fn blocking<T, F>(f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    tokio::task::spawn_blocking(f).await.map_err(|e| ApiError::internal(format!("a worker failed: {e}")))
}

/// A response with `status`, a Content-Type and a body.
pub fn respond(status: StatusCode, content_type: &str, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    if let Ok(value) = HeaderValue::from_str(content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn hosts_name_buckets() {
        assert_eq!(
            bucket_of_host("examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com").unwrap(),
            "examplebucket-1250000000"
        );
        assert_eq!(bucket_of_host("b-1.pic.ap-chengdu.myqcloud.com").unwrap(), "b-1");
        assert_eq!(bucket_of_host("B-1.localhost:8080").unwrap(), "b-1");
        assert!(bucket_of_host("127.0.0.1:8080").is_err());
        assert!(bucket_of_host("localhost:8080").is_err());
        assert!(bucket_of_host("[::1]:8080").is_err());
    }

    #[test]
    fn paths_decode_once() {
        assert_eq!(decode_path("/a%20b/%E6%B5%8B.jpg").unwrap(), "/a b/测.jpg");
        assert_eq!(decode_path("/%252e%252e").unwrap(), "/%2e%2e");
        assert!(decode_path("/a%2").is_err());
        assert!(decode_path("/%ff").is_err());
        assert!(object_key(&decode_path("/%2e%2e/x").unwrap()).is_err());
        assert!(object_key(&decode_path("/a/..%2fx").unwrap()).is_err());
        assert!(object_key("/").is_err());
    }
}
