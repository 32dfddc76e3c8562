//! A minimal image server on mogr and axum: `GET /<key>?<rule>` answers the file `<key>` of a
//! folder processed with the rule (`/photo.jpg?imageMogr2/thumbnail/300x/format/webp`), or
//! the file itself without a rule.
//!
//! ```sh
//! cargo run --release -p mogr --example axum_server -- testdata 127.0.0.1:8080
//! curl -o thumb.webp 'http://127.0.0.1:8080/landscape_orient6.jpg?imageMogr2/auto-orient/thumbnail/300x/format/webp'
//! ```
//!
//! The engine is built once and shared; each request runs on tokio's blocking pool because
//! processing is CPU-bound. Errors answer the status mogr gives them, with the CI code in
//! `X-ErrNo`, as CI does. A real server also bounds concurrent jobs (a semaphore) and reads
//! objects from its store: see `crates/mogr-server`.

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// What every request shares: the engine and the folder the keys name files of.
struct Shared {
    engine: mogr::Engine,
    root: PathBuf,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let root = PathBuf::from(args.next().unwrap_or_else(|| "testdata".to_owned()));
    let listen = args.next().unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    // Watermark images (`watermark/1/image/<url>`) are keys of the same folder.
    let engine = mogr::Engine::builder().objects(mogr::exec::FolderObjects::new(&root)).build()?;
    let shared = Arc::new(Shared { engine, root });
    let app = axum::Router::new().route("/{*key}", axum::routing::get(serve)).with_state(shared);
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("serving on http://{listen}/");
    axum::serve(listener, app).await?;
    Ok(())
}

/// `GET /<key>?<rule>`.
async fn serve(State(shared): State<Arc<Shared>>, Path(key): Path<String>, RawQuery(rule): RawQuery) -> Response {
    // Keys are checked by mogr's own rules: no `..`, no absolute paths.
    let Ok(key) = mogr::plan::ObjectKey::new(&key) else {
        return (StatusCode::BAD_REQUEST, "invalid key").into_response();
    };
    let Ok(image) = tokio::fs::read(shared.root.join(key.as_str())).await else {
        return (StatusCode::NOT_FOUND, "no such object").into_response();
    };
    let Some(rule) = rule.filter(|rule| !rule.is_empty()) else {
        return image.into_response();
    };
    let job = tokio::task::spawn_blocking(move || shared.engine.process(&image, &rule)).await;
    match job {
        Ok(Ok(response)) => ([(header::CONTENT_TYPE, response.mime_type)], response.body).into_response(),
        Ok(Err(error)) => error_response(&error),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// mogr's error as CI sends it: the HTTP status, the code in `X-ErrNo`, the message.
fn error_response(error: &mogr::Error) -> Response {
    let status = StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [("X-ErrNo", error.code().number().to_string())], error.to_string()).into_response()
}
