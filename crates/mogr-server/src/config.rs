//! Configuration: the command line ([`Cli`]) and the optional config file ([`FileConfig`],
//! TOML, or JSON when the file name ends in `.json`), merged into one [`Config`].
//!
//! ```toml
//! # mogr-server.toml: every key is optional
//! listen = "127.0.0.1:8080"
//! secret_id = "AKID..."          # or --secret-id / MOGR_SECRET_ID
//! secret_key = "..."             # or --secret-key / MOGR_SECRET_KEY
//! public_read = false            # or --public-read: unsigned GET/HEAD of objects let in
//! metrics_listen = "127.0.0.1:9090"  # or --metrics-listen: Prometheus text at GET /metrics
//! max_body_bytes = 67108864      # PUT bodies over this are refused (413) before being read
//! max_buffered_body_bytes = 536870912  # bodies held in memory by all requests at once
//! workers = 2                    # images processed at once (default: one per core)
//! threads = 1                    # threads per image (default: the shared pool of one per core)
//! request_timeout_secs = 60
//! shutdown_timeout_secs = 30     # how long in-flight requests may finish after SIGTERM
//! jpeg = "fast"                  # or "compact"
//! ```
//!
//! The command line wins over the file.

use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser;
use serde::Deserialize;

use crate::auth::Credentials;

/// mogr-server: a COS-compatible image server for the Tencent Cloud Infinite image-processing
/// language.
///
/// Serves each folder `ROOT/<BucketName-APPID>` as a bucket, chosen by the first label of the
/// Host header (`<BucketName-APPID>.cos.<Region>.myqcloud.com`, as Tencent's COS SDKs send it,
/// also with `IP`/`Port` set). Objects: PUT, GET (with Range), HEAD, DELETE. Processing on
/// download: GET /<key>?<rule>. Persistent processing: PUT with Pic-Operations and
/// POST /<key>?image_process. Styles: PUT/GET/DELETE /?style. Logs go to stderr (filter
/// with RUST_LOG, default "info"); SIGTERM or SIGINT stops accepting connections and lets
/// the requests in flight finish.
#[derive(Debug, Parser)]
#[command(name = "mogr-server", version, about, long_about)]
pub struct Cli {
    /// The folder whose sub-folders `<BucketName-APPID>` are the buckets.
    #[arg(long, value_name = "DIR")]
    pub root: PathBuf,

    /// The address to listen on (port 0 picks a free port; the address is logged)
    /// [default: 127.0.0.1:8080, or `listen` of the config file]
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,

    /// The SecretId requests must be signed with. With --secret-key, every request must carry
    /// a valid COS signature; without keys the server is open to anyone who can reach it.
    #[arg(long, value_name = "ID", env = "MOGR_SECRET_ID", requires = "secret_key")]
    pub secret_id: Option<String>,

    /// The SecretKey of --secret-id (prefer the environment or the config file: a command
    /// line is visible to other users of the machine).
    #[arg(long, value_name = "KEY", env = "MOGR_SECRET_KEY", requires = "secret_id", hide_env_values = true)]
    pub secret_key: Option<String>,

    /// With keys, still let in GET and HEAD of objects that carry no signature at all (a
    /// public-read bucket, as an image CDN origin needs); the bucket's hotlink and
    /// original-image protections apply to them. Everything else must be signed.
    #[arg(long)]
    pub public_read: bool,

    /// Serve Prometheus metrics (requests, latency, bytes, errors by code, images in flight)
    /// at `GET /metrics` on this address, apart from the buckets' port [default: off, or
    /// `metrics_listen` of the config file]
    #[arg(long, value_name = "ADDR")]
    pub metrics_listen: Option<SocketAddr>,

    /// A TOML (or, for a `.json` name, JSON) file with the other settings, each optional:
    /// listen; secret_id, secret_key; public_read (true or false); metrics_listen;
    /// max_body_bytes (largest request body, refused with 413 before it is read; default
    /// 67108864); max_buffered_body_bytes (bodies all requests hold in memory at once, at
    /// least max_body_bytes; default 536870912); workers (images processed at once; default one
    /// per core); threads (threads per image; default a shared pool of one per core);
    /// request_timeout_secs (default 60); shutdown_timeout_secs (how long requests in flight
    /// may finish after SIGTERM/SIGINT; default 30); jpeg ("fast", the default, or "compact").
    /// The command line wins over the file.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// The settings a config file may hold.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// `listen`: the address to listen on.
    pub listen: Option<SocketAddr>,
    /// `secret_id`.
    pub secret_id: Option<String>,
    /// `secret_key`.
    pub secret_key: Option<String>,
    /// `public_read`: let unsigned downloads in when keys are set.
    pub public_read: Option<bool>,
    /// `metrics_listen`: where `GET /metrics` is served.
    pub metrics_listen: Option<SocketAddr>,
    /// `max_body_bytes`: the largest request body accepted.
    pub max_body_bytes: Option<u64>,
    /// `max_buffered_body_bytes`: request bodies held in memory at once.
    pub max_buffered_body_bytes: Option<u64>,
    /// `workers`: images processed at once.
    pub workers: Option<usize>,
    /// `threads`: threads per image.
    pub threads: Option<usize>,
    /// `request_timeout_secs`.
    pub request_timeout_secs: Option<u64>,
    /// `shutdown_timeout_secs`.
    pub shutdown_timeout_secs: Option<u64>,
    /// `jpeg`: `fast` or `compact`.
    pub jpeg: Option<String>,
}

/// Everything the server runs with.
#[derive(Clone, Debug)]
pub struct Config {
    /// The folder of buckets.
    pub root: PathBuf,
    /// The address to listen on.
    pub listen: SocketAddr,
    /// The key pair requests must be signed with; `None`: an open server.
    pub credentials: Option<Credentials>,
    /// With keys, whether unsigned GET/HEAD of objects are let in (subject to the bucket's
    /// protections).
    pub public_read: bool,
    /// Where `GET /metrics` is served; `None`: nowhere.
    pub metrics_listen: Option<SocketAddr>,
    /// The largest request body accepted.
    pub max_body_bytes: u64,
    /// The bytes of request bodies all requests may hold in memory at once.
    pub max_buffered_body_bytes: u64,
    /// Images processed at once.
    pub workers: usize,
    /// Threads per image; `None`: the shared pool.
    pub threads: Option<NonZeroUsize>,
    /// How long one request may take.
    pub request_timeout: Duration,
    /// How long in-flight requests may finish after a shutdown signal.
    pub shutdown_timeout: Duration,
    /// The JPEG encoder.
    pub jpeg: mogr::exec::JpegMode,
}

/// The default body limit: 64 MiB (processing itself takes inputs up to 32 MiB).
pub const DEFAULT_MAX_BODY_BYTES: u64 = 64 * 1024 * 1024;

/// The default budget of request bodies in memory at once: 512 MiB (eight largest bodies).
pub const DEFAULT_MAX_BUFFERED_BODY_BYTES: u64 = 512 * 1024 * 1024;

impl Config {
    /// A configuration with the defaults for `root`, listening on `listen`, open.
    pub fn new(root: impl Into<PathBuf>, listen: SocketAddr) -> Config {
        Config {
            root: root.into(),
            listen,
            credentials: None,
            public_read: false,
            metrics_listen: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_buffered_body_bytes: DEFAULT_MAX_BUFFERED_BODY_BYTES,
            workers: std::thread::available_parallelism().map(NonZeroUsize::get).unwrap_or(2),
            threads: None,
            request_timeout: Duration::from_secs(60),
            shutdown_timeout: Duration::from_secs(30),
            jpeg: mogr::exec::JpegMode::default(),
        }
    }

    /// The configuration from the command line and its config file.
    pub fn from_cli(cli: Cli) -> Result<Config, String> {
        let file = match &cli.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let listen = cli.listen.or(file.listen).unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
        let mut config = Config::new(cli.root, listen);
        let secret_id = cli.secret_id.or(file.secret_id);
        let secret_key = cli.secret_key.or(file.secret_key);
        config.credentials = match (secret_id, secret_key) {
            (Some(secret_id), Some(secret_key)) if !secret_id.is_empty() && !secret_key.is_empty() => {
                Some(Credentials { secret_id, secret_key })
            }
            (None, None) => None,
            _ => return Err("give both a SecretId and a SecretKey, or neither".to_owned()),
        };
        config.public_read = cli.public_read || file.public_read.unwrap_or(false);
        config.metrics_listen = cli.metrics_listen.or(file.metrics_listen);
        if let Some(bytes) = file.max_body_bytes {
            config.max_body_bytes = bytes;
        }
        if let Some(bytes) = file.max_buffered_body_bytes {
            config.max_buffered_body_bytes = bytes;
        }
        if config.max_buffered_body_bytes < config.max_body_bytes {
            return Err(format!(
                "max_buffered_body_bytes ({}) must be at least max_body_bytes ({}): a body of the largest size could never be read",
                config.max_buffered_body_bytes, config.max_body_bytes
            ));
        }
        if let Some(workers) = file.workers {
            if workers == 0 {
                return Err("workers must be at least 1".to_owned());
            }
            config.workers = workers;
        }
        config.threads = file.threads.and_then(NonZeroUsize::new);
        if let Some(secs) = file.request_timeout_secs {
            config.request_timeout = Duration::from_secs(secs.max(1));
        }
        if let Some(secs) = file.shutdown_timeout_secs {
            config.shutdown_timeout = Duration::from_secs(secs);
        }
        if let Some(name) = file.jpeg {
            config.jpeg = mogr::exec::JpegMode::from_name(&name)
                .ok_or_else(|| format!("jpeg must be \"fast\" or \"compact\", not {name:?}"))?;
        }
        if !config.root.is_dir() {
            return Err(format!("--root {} is not a folder", config.root.display()));
        }
        Ok(config)
    }
}

/// Reads a config file: JSON for a `.json` name, TOML otherwise.
pub fn read_file(path: &Path) -> Result<FileConfig, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    let is_json = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if is_json {
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    } else {
        toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reads_toml_and_json() {
        let dir = std::env::temp_dir().join(format!("server-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let toml_path = dir.join("c.toml");
        std::fs::write(&toml_path, "workers = 3\nmax_body_bytes = 10\njpeg = \"compact\"\n").unwrap();
        let cli =
            Cli::parse_from(["mogr-server", "--root", dir.to_str().unwrap(), "--config", toml_path.to_str().unwrap()]);
        let config = Config::from_cli(cli).unwrap();
        assert_eq!((config.workers, config.max_body_bytes), (3, 10));
        assert_eq!(config.jpeg, mogr::exec::JpegMode::Compact);
        assert!(config.credentials.is_none());

        let json_path = dir.join("c.json");
        std::fs::write(&json_path, r#"{"secret_id":"a","secret_key":"b","listen":"127.0.0.1:9"}"#).unwrap();
        let cli =
            Cli::parse_from(["mogr-server", "--root", dir.to_str().unwrap(), "--config", json_path.to_str().unwrap()]);
        let config = Config::from_cli(cli).unwrap();
        assert_eq!(config.credentials.unwrap().secret_id, "a");
        assert_eq!(config.listen.port(), 9);

        std::fs::write(&toml_path, "max_body_bytes = 100\nmax_buffered_body_bytes = 99\n").unwrap();
        let cli =
            Cli::parse_from(["mogr-server", "--root", dir.to_str().unwrap(), "--config", toml_path.to_str().unwrap()]);
        assert!(Config::from_cli(cli).unwrap_err().contains("max_buffered_body_bytes"));

        std::fs::write(&toml_path, "wokers = 3\n").unwrap();
        assert!(read_file(&toml_path).is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
