//! Prometheus metrics: what the server counts and the text it serves on `--metrics-listen`.
//!
//! ```text
//! routing::handle ──InFlight guard──▶ request_finished(method, status, errno, bytes, time)
//! processing::Processor::run ──Waiting guard──▶ permit ──Running guard──▶ job time
//! GET http://<metrics-listen>/metrics ──▶ Metrics::render (OpenMetrics text)
//! ```
//!
//! | metric | kind | labels |
//! | --- | --- | --- |
//! | `mogr_http_requests_total` | counter | `method`, `status` |
//! | `mogr_http_request_duration_seconds` | histogram | `method` |
//! | `mogr_http_errors_total` | counter | `code` (COS), `errno` (CI, `none` when it has none) |
//! | `mogr_http_request_bytes_total`, `mogr_http_response_bytes_total` | counter | |
//! | `mogr_http_requests_in_flight` | gauge | |
//! | `mogr_image_jobs_running`, `mogr_image_jobs_waiting` | gauge | |
//! | `mogr_image_job_duration_seconds` | histogram | |
//!
//! Label values come from small fixed sets (methods are folded to the ones the server knows,
//! statuses and error codes are the server's own), so a client cannot grow the series.

use std::time::Duration;

use axum::http::Method;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MethodLabels {
    method: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrorLabels {
    code: &'static str,
    errno: String,
}

/// Latency buckets: 1 ms doubling to about 33 s.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

/// One finished request, as [`Metrics::request_finished`] records it.
#[derive(Clone, Copy, Debug)]
pub struct Finished<'a> {
    /// The request's method.
    pub method: &'a Method,
    /// The response status.
    pub status: u16,
    /// For an error: its COS code and CI number.
    pub error: Option<(&'static str, Option<i32>)>,
    /// Request body bytes (by its Content-Length).
    pub request_bytes: u64,
    /// Response body bytes (by its Content-Length or exact size).
    pub response_bytes: u64,
    /// How long it took.
    pub elapsed: Duration,
}

/// Every metric of the server, shared by all requests.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Family<MethodLabels, Histogram, fn() -> Histogram>,
    errors: Family<ErrorLabels, Counter>,
    request_bytes: Counter,
    response_bytes: Counter,
    in_flight: Gauge,
    jobs_running: Gauge,
    jobs_waiting: Gauge,
    job_durations: Histogram,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// All metrics at zero, registered.
    pub fn new() -> Metrics {
        let metrics = Metrics {
            registry: Registry::default(),
            requests: Family::default(),
            durations: Family::new_with_constructor(latency_histogram),
            errors: Family::default(),
            request_bytes: Counter::default(),
            response_bytes: Counter::default(),
            in_flight: Gauge::default(),
            jobs_running: Gauge::default(),
            jobs_waiting: Gauge::default(),
            job_durations: latency_histogram(),
        };
        metrics.registered()
    }

    fn registered(mut self) -> Metrics {
        let r = &mut self.registry;
        r.register("mogr_http_requests", "Requests answered, by method and status", self.requests.clone());
        r.register("mogr_http_request_duration_seconds", "Time to answer a request", self.durations.clone());
        r.register("mogr_http_errors", "Error responses, by COS code and CI number", self.errors.clone());
        r.register("mogr_http_request_bytes", "Request body bytes received", self.request_bytes.clone());
        r.register("mogr_http_response_bytes", "Response body bytes sent", self.response_bytes.clone());
        r.register("mogr_http_requests_in_flight", "Requests being answered", self.in_flight.clone());
        r.register("mogr_image_jobs_running", "Images being processed", self.jobs_running.clone());
        r.register("mogr_image_jobs_waiting", "Images waiting for a worker", self.jobs_waiting.clone());
        r.register("mogr_image_job_duration_seconds", "Time to process one image", self.job_durations.clone());
        self
    }

    /// Counts a request in flight until the guard is dropped.
    pub fn request_started(&self) -> GaugeGuard {
        GaugeGuard::enter(&self.in_flight)
    }

    /// Records a finished request.
    pub fn request_finished(&self, done: Finished<'_>) {
        let method = method_label(done.method);
        self.requests.get_or_create(&RequestLabels { method, status: done.status }).inc();
        self.durations.get_or_create(&MethodLabels { method }).observe(done.elapsed.as_secs_f64());
        if let Some((code, errno)) = done.error {
            let errno = errno.map_or_else(|| "none".to_owned(), |n| n.to_string());
            self.errors.get_or_create(&ErrorLabels { code, errno }).inc();
        }
        self.request_bytes.inc_by(done.request_bytes);
        self.response_bytes.inc_by(done.response_bytes);
    }

    /// Counts an image job waiting for a worker until the guard is dropped.
    pub fn job_waiting(&self) -> GaugeGuard {
        GaugeGuard::enter(&self.jobs_waiting)
    }

    /// Counts an image job running until the guard is dropped.
    pub fn job_running(&self) -> GaugeGuard {
        GaugeGuard::enter(&self.jobs_running)
    }

    /// Records how long an image job took.
    pub fn job_finished(&self, elapsed: Duration) {
        self.job_durations.observe(elapsed.as_secs_f64());
    }

    /// The OpenMetrics text of every metric.
    pub fn render(&self) -> String {
        let mut text = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut text, &self.registry) {
            tracing::error!("encoding the metrics failed: {e}");
        }
        text
    }
}

/// The method as a label from a fixed set.
fn method_label(method: &Method) -> &'static str {
    [Method::GET, Method::HEAD, Method::PUT, Method::POST, Method::DELETE, Method::OPTIONS]
        .iter()
        .find(|known| *known == method)
        .map_or("other", |known| known.as_str())
}

/// Raises a gauge while it lives.
#[derive(Debug)]
pub struct GaugeGuard {
    gauge: Gauge,
}

impl GaugeGuard {
    fn enter(gauge: &Gauge) -> GaugeGuard {
        gauge.inc();
        GaugeGuard { gauge: gauge.clone() }
    }
}

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        self.gauge.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_and_renders_every_metric() {
        let metrics = Metrics::new();
        {
            let _in_flight = metrics.request_started();
            assert!(metrics.render().contains("mogr_http_requests_in_flight 1"));
        }
        metrics.request_finished(Finished {
            method: &Method::GET,
            status: 404,
            error: Some(("NoSuchKey", Some(-46628))),
            request_bytes: 0,
            response_bytes: 300,
            elapsed: Duration::from_millis(3),
        });
        metrics.request_finished(Finished {
            method: &Method::from_bytes(b"BREW").unwrap_or(Method::GET),
            status: 405,
            error: Some(("MethodNotAllowed", None)),
            request_bytes: 7,
            response_bytes: 0,
            elapsed: Duration::from_millis(1),
        });
        metrics.job_finished(Duration::from_millis(40));
        let text = metrics.render();
        for line in [
            "mogr_http_requests_in_flight 0",
            "mogr_http_requests_total{method=\"GET\",status=\"404\"} 1",
            "mogr_http_requests_total{method=\"other\",status=\"405\"} 1",
            "mogr_http_errors_total{code=\"NoSuchKey\",errno=\"-46628\"} 1",
            "mogr_http_errors_total{code=\"MethodNotAllowed\",errno=\"none\"} 1",
            "mogr_http_request_bytes_total 7",
            "mogr_http_response_bytes_total 300",
            "mogr_http_request_duration_seconds_count{method=\"GET\"} 1",
            "mogr_image_job_duration_seconds_count 1",
            "mogr_image_jobs_running 0",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing from\n{text}");
        }
    }
}
