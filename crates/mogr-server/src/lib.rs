//! # mogr-server: a COS-compatible image server
//!
//! This crate owns the HTTP surface of the spec's image chapters
//! (`shared/spec/ci-image-processing.txt`) over the `mogr` engine, so that Tencent's COS SDKs
//! work against it unchanged: buckets of objects, processing on download, persistent
//! processing (`Pic-Operations`, `UploadResult`), image styles, COS-style XML errors with the
//! CI code in `X-ErrNo`, and the COS request signature. The binary `mogr-server` is
//! [`config::Cli`] plus [`Server`].
//!
//! How a request flows:
//!
//! ```text
//! TCP ─hyper/axum─▶ routing::handle: request id, time limit
//!   ─▶ Host → bucket (first label, <BucketName-APPID>) ─▶ path decoded once → ObjectKey
//!   ─▶ auth::verify (when keys are configured: header or pre-signed query, else 403)
//!   ─▶ bucket exists? (404 NoSuchBucket)
//!   ─▶ route: styles (/?style) │ protection (/?hotlink, /?origin-protect)
//!            │ buckets (GET / lists, HEAD /) │ objects (GET/HEAD/PUT/DELETE) │ objects::process (GET ?rule)
//!            │ persist (PUT + Pic-Operations, POST ?image_process)
//!            │ multipart (?uploads, ?uploadId: initiate, parts, complete, abort, lists)
//!   ─▶ downloads by anyone but the owner: protection::check_download (Referer, styles only)
//!   ─▶ storage::Store on the blocking pool (local folders, or S3 through s3_store) and
//!      processing::Processor (mogr on a bounded pool of worker permits)
//!   ─▶ response + x-cos-request-id / x-ci-request-id, or cos_xml::error_body + X-ErrNo
//! ```
//!
//! | module | owns |
//! | --- | --- |
//! | [`config`] | command line, config file (TOML/JSON), defaults |
//! | `routing` | request id, timeout, Host/path/signature checks, the route table |
//! | [`auth`] | the COS XML API signature (HMAC-SHA1), verified and (for tests) computed |
//! | [`storage`] | the [`storage::Store`] trait and the local-folder store (atomic writes, sidecars) |
//! | [`s3_store`] | the S3-compatible store: bucket = S3 bucket, settings under `.mogr/`, via `object_store` |
//! | `cos_xml` | error bodies, `UploadResult`, the style documents, `ListBucketResult` |
//! | [`listing`] | one page of a bucket listing: prefix, marker, delimiter, max-keys, for both stores |
//! | [`metrics`] | Prometheus metrics, served on `--metrics-listen` |
//! | `header_case` | response header names in COS's case (`ETag`), which the Python SDK needs |
//! | `processing` | the worker pool, the bucket watermark images come from, style expansion |
//! | [`bucket_config`] | a bucket's settings: styles, hotlink list, original-image protection |
//! | `protection` | the hotlink and origin-protect routes, and the check downloads pass |
//! | `buckets`, `objects`, `persist`, `styles` | the routes (`buckets`: GET/HEAD Bucket) |
//! | `multipart` | the multipart-upload routes: checks, the XML documents, the object's ETag |
//! | [`uploads`] | how stores stage multipart uploads: the [`uploads::Uploads`] trait, upload ids, the local staging |
//!
//! Security rules: keys (object paths, `fileid`, watermark URLs) can never leave their bucket
//! (`mogr::plan::ObjectKey` plus a check of where links lead); bodies over the limit are
//! refused before they are read; at most `workers` images are decoded at once; every request
//! has a time limit; writes are atomic.

#![forbid(unsafe_code)]

pub mod auth;
pub mod bucket_config;
mod buckets;
pub mod config;
mod cos_xml;
pub mod error;
mod header_case;
pub mod listing;
pub mod metrics;
mod multipart;
mod objects;
mod persist;
mod processing;
mod protection;
mod routing;
pub mod s3_store;
pub mod storage;
mod styles;
pub mod uploads;

use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;

use crate::config::Config;
use crate::metrics::Metrics;
use crate::processing::Processor;
use crate::routing::App;
use crate::s3_store::S3Store;
use crate::storage::{LocalStore, Store};

/// The least an S3 store loads for a plain GET (objects are served from memory; see
/// [`s3_store`]): results of processing may be larger than the request body limit.
const MIN_S3_OBJECT_BYTES: u64 = 256 * 1024 * 1024;

/// A bound server, ready to run.
pub struct Server {
    listener: tokio::net::TcpListener,
    metrics_listener: Option<tokio::net::TcpListener>,
    app: Arc<App>,
    shutdown_timeout: Duration,
}

impl Server {
    /// Binds `config.listen` and prepares the store (local folders, or S3 when `config.s3` is
    /// set: its requests run on the current tokio runtime) and the worker pool.
    pub async fn bind(config: &Config) -> std::io::Result<Server> {
        let metrics = Arc::new(Metrics::new());
        let mut engine =
            mogr::Engine::builder().threads(config.threads.map_or(0, NonZeroUsize::get)).jpeg_mode(config.jpeg);
        if let Some(key) = &config.blind_watermark_key {
            engine = engine.blind_watermark_key(key.as_bytes());
        }
        let engine = engine.build().map_err(|e| std::io::Error::other(format!("starting the image engine: {e}")))?;
        let processor = Processor::new(engine, config.workers, Arc::clone(&metrics));
        let store: Arc<dyn Store> = match &config.s3 {
            Some(settings) => {
                let max_object_bytes = config.max_body_bytes.max(MIN_S3_OBJECT_BYTES);
                let runtime = tokio::runtime::Handle::current();
                Arc::new(S3Store::new(settings.clone(), max_object_bytes, runtime).map_err(std::io::Error::other)?)
            }
            None => Arc::new(LocalStore::new(&config.root)),
        };
        let app = App::new(store, Arc::new(processor), metrics, config, header_case::template().await);
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let metrics_listener = match config.metrics_listen {
            Some(addr) => Some(tokio::net::TcpListener::bind(addr).await?),
            None => None,
        };
        Ok(Server { listener, metrics_listener, app: Arc::new(app), shutdown_timeout: config.shutdown_timeout })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The address `GET /metrics` is served on, when metrics were asked for.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// Serves until `shutdown` completes, then stops accepting connections and lets the
    /// requests in flight finish (for at most the configured shutdown timeout).
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let metrics = Arc::clone(&self.app.metrics);
        let router = Router::new().fallback(routing::handle).with_state(self.app);
        let (tx, rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            shutdown.await;
            let _ = tx.send(true);
        });
        if let Some(listener) = self.metrics_listener {
            let mut stop = rx.clone();
            let router =
                Router::new().route("/metrics", axum::routing::get(move || async move { metrics_response(&metrics) }));
            tokio::spawn(async move {
                let serve = axum::serve(listener, router).with_graceful_shutdown(async move {
                    let _ = stop.wait_for(|stop| *stop).await;
                });
                if let Err(e) = serve.await {
                    tracing::error!("the metrics listener failed: {e}");
                }
            });
        }
        let mut graceful = rx.clone();
        let mut deadline = rx;
        let serve = axum::serve(self.listener, router).with_graceful_shutdown(async move {
            let _ = graceful.wait_for(|stop| *stop).await;
            tracing::info!("shutting down: no new connections; finishing the requests in flight");
        });
        let grace = self.shutdown_timeout;
        tokio::select! {
            result = serve.into_future() => result,
            () = async move {
                let _ = deadline.wait_for(|stop| *stop).await;
                tokio::time::sleep(grace).await;
            } => {
                tracing::warn!("requests still in flight after {} s: stopping anyway", grace.as_secs());
                Ok(())
            }
        }
    }
}

/// The Prometheus text of `metrics`, with the OpenMetrics Content-Type.
fn metrics_response(metrics: &Metrics) -> axum::response::Response {
    let mut response = axum::response::Response::new(axum::body::Body::from(metrics.render()));
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
}
