//! Response header names in the case COS writes them (`ETag`, `Content-Length`, ...).
//!
//! HTTP header names are case-insensitive, but cos-python-sdk-v5 copies the response headers
//! into a plain (case-sensitive) dict and reads `response['ETag']`, `['Content-Length']`,
//! `['Last-Modified']`: with hyper's lower-case names those lookups fail. hyper writes a
//! response's header names in the case recorded in a map it keeps in the response's
//! extensions, a type it does not export; it fills that map when it parses a request with
//! `preserve_header_case`. So at start-up [`template`] has hyper parse, over an in-memory
//! pipe, one request whose header names are written as COS writes them, and keeps that
//! request's extensions; every response gets a copy. Names not in the map keep hyper's
//! lower case, which is how COS writes `x-cos-request-id` and the other `x-` headers.

use std::convert::Infallible;

use axum::http::{Extensions, Request, Response};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The header names whose case COS fixes.
const NAMES: &[&str] = &[
    "Accept-Ranges",
    "Cache-Control",
    "Connection",
    "Content-Disposition",
    "Content-Encoding",
    "Content-Language",
    "Content-Length",
    "Content-Range",
    "Content-Type",
    "Date",
    "ETag",
    "Expires",
    "Last-Modified",
    "Server",
    "X-ErrNo",
];

/// Extensions that make hyper write [`NAMES`] in their case; empty if that fails (the server
/// then still works, with lower-case names).
pub async fn template() -> Extensions {
    match parse_template().await {
        Some(extensions) => extensions,
        None => {
            tracing::warn!("could not prepare COS header case: response header names will be lower case");
            Extensions::new()
        }
    }
}

async fn parse_template() -> Option<Extensions> {
    let (mut client, server) = tokio::io::duplex(16 * 1024);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Extensions>();
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let _ = tx.send(request.extensions().clone());
        async { Ok::<_, Infallible>(Response::new(http_body_util::Empty::<axum::body::Bytes>::new())) }
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .preserve_header_case(true)
        .serve_connection(TokioIo::new(server), service);
    let driver = tokio::spawn(connection);
    let mut request = String::from("GET / HTTP/1.1\r\nHost: mogr\r\n");
    for name in NAMES.iter().filter(|n| !n.eq_ignore_ascii_case("Connection")) {
        let value = if name.eq_ignore_ascii_case("Content-Length") { "0" } else { "x" };
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("Connection: close\r\n\r\n");
    client.write_all(request.as_bytes()).await.ok()?;
    let mut sink = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), client.read_to_end(&mut sink)).await;
    driver.abort();
    rx.recv().await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn the_template_is_not_empty() {
        assert!(!template().await.is_empty());
    }
}
