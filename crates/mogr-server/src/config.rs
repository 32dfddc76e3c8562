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
//! blind_watermark_key = "..."    # or MOGR_BLIND_WATERMARK_KEY: the key of watermark/3 and /4
//! max_body_bytes = 67108864      # PUT bodies over this are refused (413) before being read
//! max_buffered_body_bytes = 536870912  # bodies held in memory by all requests at once
//! max_object_bytes = 5368709120  # the largest object a multipart upload may assemble
//! workers = 2                    # images processed at once (default: one per core)
//! threads = 1                    # threads per image (default: the shared pool of one per core)
//! request_timeout_secs = 60
//! shutdown_timeout_secs = 30     # how long in-flight requests may finish after SIGTERM
//! jpeg = "fast"                  # or "compact"
//!
//! [s3]                           # keep the buckets in an S3-compatible service, not under --root
//! endpoint = "https://s3.example.com"  # or --s3-endpoint
//! region = "us-east-1"           # the default; or --s3-region
//! access_key_id = "..."          # or --s3-access-key-id / MOGR_S3_ACCESS_KEY_ID
//! secret_access_key = "..."      # or --s3-secret-access-key / MOGR_S3_SECRET_ACCESS_KEY
//! allow_http = false             # true to allow an http:// endpoint; or --s3-allow-http
//! virtual_hosted_style = false   # <bucket>.<host> instead of <endpoint>/<bucket>
//! ```
//!
//! The command line wins over the file.
//!
//! Where the buckets are: local folders under `--root DIR`, or, with `--s3-endpoint URL` or
//! an `[s3]` table, S3 buckets of the same names ([`crate::s3_store`]). Exactly one of the two
//! must be chosen: `--root` is required for local folders and refused beside S3, and
//! `--s3-region`, `--s3-allow-http`, `--s3-virtual-hosted-style` are refused without an S3
//! endpoint (the S3 keys, which may come from the environment, are then ignored). Without S3
//! keys, requests to S3 are sent unsigned.

use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser;
use serde::Deserialize;

use crate::auth::Credentials;
use crate::s3_store::{DEFAULT_REGION, S3Settings};

/// mogr-server: a COS-compatible image server for the Tencent Cloud Infinite image-processing
/// language.
///
/// Serves each folder `ROOT/<BucketName-APPID>` as a bucket, chosen by the first label of the
/// Host header (`<BucketName-APPID>.cos.<Region>.myqcloud.com`, as Tencent's COS SDKs send it,
/// also with `IP`/`Port` set). Objects: PUT, GET (with Range), HEAD, DELETE. Processing on
/// download: `GET /<key>?<rule>`. Persistent processing: PUT with Pic-Operations and
/// `POST /<key>?image_process`. Styles: PUT/GET/DELETE /?style. Logs go to stderr (filter
/// with RUST_LOG, default "info"); SIGTERM or SIGINT stops accepting connections and lets
/// the requests in flight finish.
///
/// The buckets can also live in an S3-compatible service (--s3-endpoint, or an `[s3]` table in
/// the config file): bucket `<BucketName-APPID>` is then the S3 bucket of that name, made
/// beforehand with the service's own tools, and the server keeps its settings for it in the
/// object .mogr/config.json (keys under .mogr/ are refused).
#[derive(Debug, Parser)]
#[command(name = "mogr-server", version, about, long_about)]
pub struct Cli {
    /// The folder whose sub-folders `<BucketName-APPID>` are the buckets. Required, unless
    /// the buckets are in S3 (--s3-endpoint or an `[s3]` table), where it is refused.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,

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

    /// The secret key blind watermarks (`watermark/3`, `watermark/4`) are added and extracted
    /// with: a mark reads back only with the key it was made with. Without it, mogr's public
    /// default key is used [or `blind_watermark_key` of the config file]
    #[arg(long, value_name = "KEY", env = "MOGR_BLIND_WATERMARK_KEY", hide_env_values = true)]
    pub blind_watermark_key: Option<String>,

    /// A TOML (or, for a `.json` name, JSON) file with the other settings, each optional:
    /// listen; secret_id, secret_key; public_read (true or false); metrics_listen;
    /// blind_watermark_key;
    /// max_body_bytes (largest request body, refused with 413 before it is read; default
    /// 67108864); max_buffered_body_bytes (bodies all requests hold in memory at once, at
    /// least max_body_bytes; default 536870912); max_object_bytes (the largest object a
    /// multipart upload may assemble; default 5368709120); workers (images processed at once; default one
    /// per core); threads (threads per image; default a shared pool of one per core);
    /// request_timeout_secs (default 60); shutdown_timeout_secs (how long requests in flight
    /// may finish after SIGTERM/SIGINT; default 30); jpeg ("fast", the default, or "compact").
    /// `[s3]`: endpoint, region, access_key_id, secret_access_key, allow_http,
    /// virtual_hosted_style, as the --s3-* options below. The command line wins over the file.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Keep the buckets in the S3-compatible service at URL (e.g. `https://s3.us-east-1.amazonaws.com`,
    /// http://127.0.0.1:9000) instead of under --root. Or `endpoint` of the config file's `[s3]`.
    #[arg(long, value_name = "URL")]
    pub s3_endpoint: Option<String>,

    /// The region S3 requests are signed for [default: us-east-1]
    #[arg(long, value_name = "REGION")]
    pub s3_region: Option<String>,

    /// The S3 access key id. Without it (and the secret), S3 requests are sent unsigned.
    #[arg(long, value_name = "ID", env = "MOGR_S3_ACCESS_KEY_ID", hide_env_values = true)]
    pub s3_access_key_id: Option<String>,

    /// The S3 secret access key (prefer the environment or the config file: a command line is
    /// visible to other users of the machine).
    #[arg(long, value_name = "KEY", env = "MOGR_S3_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub s3_secret_access_key: Option<String>,

    /// Allow an http:// S3 endpoint (requests and objects then travel unencrypted).
    #[arg(long)]
    pub s3_allow_http: bool,

    /// Address S3 buckets as `<bucket>.<endpoint host>` (virtual-hosted style) instead of
    /// `<endpoint>/<bucket>` (path style, what most S3-compatible services expect).
    #[arg(long)]
    pub s3_virtual_hosted_style: bool,
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
    /// `blind_watermark_key`: the key blind watermarks are added and extracted with.
    pub blind_watermark_key: Option<String>,
    /// `max_body_bytes`: the largest request body accepted.
    pub max_body_bytes: Option<u64>,
    /// `max_buffered_body_bytes`: request bodies held in memory at once.
    pub max_buffered_body_bytes: Option<u64>,
    /// `max_object_bytes`: the largest object a multipart upload may assemble.
    pub max_object_bytes: Option<u64>,
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
    /// `[s3]`: keep the buckets in an S3-compatible service.
    pub s3: Option<FileS3Config>,
}

/// The `[s3]` table of a config file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileS3Config {
    /// `endpoint`: the service's URL.
    pub endpoint: Option<String>,
    /// `region`: the region requests are signed for.
    pub region: Option<String>,
    /// `access_key_id`.
    pub access_key_id: Option<String>,
    /// `secret_access_key`.
    pub secret_access_key: Option<String>,
    /// `allow_http`: whether an `http://` endpoint is allowed.
    pub allow_http: Option<bool>,
    /// `virtual_hosted_style`: `<bucket>.<host>` rather than `<endpoint>/<bucket>`.
    pub virtual_hosted_style: Option<bool>,
}

/// Everything the server runs with.
#[derive(Clone, Debug)]
pub struct Config {
    /// The folder of buckets (when `s3` is `None`; unused, and empty from the command line,
    /// when it is set).
    pub root: PathBuf,
    /// The S3 service holding the buckets instead of `root`.
    pub s3: Option<S3Settings>,
    /// The address to listen on.
    pub listen: SocketAddr,
    /// The key pair requests must be signed with; `None`: an open server.
    pub credentials: Option<Credentials>,
    /// With keys, whether unsigned GET/HEAD of objects are let in (subject to the bucket's
    /// protections).
    pub public_read: bool,
    /// Where `GET /metrics` is served; `None`: nowhere.
    pub metrics_listen: Option<SocketAddr>,
    /// The key of blind watermarks (`watermark/3`, `/4`); `None`: mogr's default key, which
    /// anyone with mogr shares.
    pub blind_watermark_key: Option<String>,
    /// The largest request body accepted.
    pub max_body_bytes: u64,
    /// The bytes of request bodies all requests may hold in memory at once.
    pub max_buffered_body_bytes: u64,
    /// The largest object a multipart upload may assemble (the S3 store also refuses objects
    /// larger than it serves).
    pub max_object_bytes: u64,
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

/// The default largest object a multipart upload assembles: 5 GiB (COS's limit for one PUT).
pub const DEFAULT_MAX_OBJECT_BYTES: u64 = 5 * 1024 * 1024 * 1024;

impl Config {
    /// A configuration with the defaults for `root`, listening on `listen`, open.
    pub fn new(root: impl Into<PathBuf>, listen: SocketAddr) -> Config {
        Config {
            root: root.into(),
            s3: None,
            listen,
            credentials: None,
            public_read: false,
            metrics_listen: None,
            blind_watermark_key: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_buffered_body_bytes: DEFAULT_MAX_BUFFERED_BODY_BYTES,
            max_object_bytes: DEFAULT_MAX_OBJECT_BYTES,
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
        let s3 = s3_settings(&cli, file.s3.clone())?;
        let root = match (cli.root.clone(), &s3) {
            (Some(root), None) => root,
            (None, Some(_)) => PathBuf::new(),
            (Some(_), Some(_)) => {
                return Err("--root is for buckets in local folders, but S3 is configured too \
                            (--s3-endpoint or [s3] in the config file): choose one"
                    .to_owned());
            }
            (None, None) => {
                return Err("say where the buckets are: --root DIR (local folders) or --s3-endpoint URL \
                            (or an [s3] table in the config file)"
                    .to_owned());
            }
        };
        let mut config = Config::new(root, listen);
        config.s3 = s3;
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
        config.blind_watermark_key = cli.blind_watermark_key.or(file.blind_watermark_key).filter(|k| !k.is_empty());
        if let Some(bytes) = file.max_body_bytes {
            config.max_body_bytes = bytes;
        }
        if let Some(bytes) = file.max_buffered_body_bytes {
            config.max_buffered_body_bytes = bytes;
        }
        if let Some(bytes) = file.max_object_bytes {
            config.max_object_bytes = bytes;
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
        if config.s3.is_none() && !config.root.is_dir() {
            return Err(format!("--root {} is not a folder", config.root.display()));
        }
        Ok(config)
    }

    /// Where the buckets are, for the log: the root folder or the S3 endpoint.
    pub fn storage_description(&self) -> String {
        match &self.s3 {
            Some(s3) => format!("the S3 buckets at {} (region {})", s3.endpoint, s3.region),
            None => format!("the folders under {}", self.root.display()),
        }
    }
}

/// The S3 settings of the command line and the `[s3]` table (the command line wins), or
/// `None` when neither names an endpoint or has the table.
fn s3_settings(cli: &Cli, file: Option<FileS3Config>) -> Result<Option<S3Settings>, String> {
    let has_table = file.is_some();
    let file = file.unwrap_or_default();
    let Some(endpoint) = cli.s3_endpoint.clone().or(file.endpoint) else {
        if has_table {
            return Err("the [s3] table of the config file needs an endpoint (or give --s3-endpoint)".to_owned());
        }
        if cli.s3_region.is_some() || cli.s3_allow_http || cli.s3_virtual_hosted_style {
            return Err(
                "--s3-region, --s3-allow-http and --s3-virtual-hosted-style need --s3-endpoint (or an [s3] table)"
                    .to_owned(),
            );
        }
        return Ok(None);
    };
    let settings = S3Settings {
        endpoint,
        region: cli.s3_region.clone().or(file.region).unwrap_or_else(|| DEFAULT_REGION.to_owned()),
        access_key_id: cli.s3_access_key_id.clone().or(file.access_key_id),
        secret_access_key: cli.s3_secret_access_key.clone().or(file.secret_access_key),
        allow_http: cli.s3_allow_http || file.allow_http.unwrap_or(false),
        virtual_hosted_style: cli.s3_virtual_hosted_style || file.virtual_hosted_style.unwrap_or(false),
    };
    settings.validate()?;
    Ok(Some(settings))
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
        std::fs::write(&toml_path, "workers = 3\nmax_body_bytes = 10\nmax_object_bytes = 20\njpeg = \"compact\"\n")
            .unwrap();
        let cli =
            Cli::parse_from(["mogr-server", "--root", dir.to_str().unwrap(), "--config", toml_path.to_str().unwrap()]);
        let config = Config::from_cli(cli).unwrap();
        assert_eq!((config.workers, config.max_body_bytes, config.max_object_bytes), (3, 10, 20));
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

    fn parse(args: &[&str]) -> Result<Config, String> {
        let cli = Cli::try_parse_from(std::iter::once("mogr-server").chain(args.iter().copied()))
            .map_err(|e| e.to_string())?;
        Config::from_cli(cli)
    }

    #[test]
    fn s3_from_the_command_line_and_the_file() {
        let config = parse(&["--s3-endpoint", "http://127.0.0.1:9000", "--s3-allow-http"]).unwrap();
        let s3 = config.s3.unwrap();
        assert_eq!((s3.endpoint.as_str(), s3.region.as_str()), ("http://127.0.0.1:9000", "us-east-1"));
        assert!(s3.allow_http && !s3.virtual_hosted_style && s3.access_key_id.is_none());

        let dir = std::env::temp_dir().join(format!("server-config-s3-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("s3.toml");
        std::fs::write(
            &path,
            "[s3]\nendpoint = \"https://s3.example.com\"\nregion = \"eu-west-1\"\naccess_key_id = \"AK\"\n\
             secret_access_key = \"SK\"\nvirtual_hosted_style = true\n",
        )
        .unwrap();
        let file = path.to_str().unwrap();
        let s3 = parse(&["--config", file]).unwrap().s3.unwrap();
        assert_eq!((s3.region.as_str(), s3.access_key_id.as_deref()), ("eu-west-1", Some("AK")));
        assert!(s3.virtual_hosted_style);
        // The command line wins.
        let s3 = parse(&["--config", file, "--s3-region", "ap-guangzhou"]).unwrap().s3.unwrap();
        assert_eq!(s3.region, "ap-guangzhou");

        let root = dir.to_str().unwrap();
        assert!(parse(&["--config", file, "--root", root]).unwrap_err().contains("choose one"));
        assert!(parse(&[]).unwrap_err().contains("--root DIR"));
        assert!(parse(&["--root", root, "--s3-region", "x"]).unwrap_err().contains("need --s3-endpoint"));
        assert!(parse(&["--s3-endpoint", "http://127.0.0.1:9000"]).unwrap_err().contains("allow_http"));
        std::fs::write(&path, "[s3]\nregion = \"x\"\n").unwrap();
        assert!(parse(&["--config", file]).unwrap_err().contains("needs an endpoint"));
        std::fs::write(&path, "[s3]\nendpoint = \"https://a\"\nbucket = \"x\"\n").unwrap();
        assert!(parse(&["--config", file]).is_err());
        let local = parse(&["--root", root]).unwrap();
        assert!(local.s3.is_none() && local.storage_description().contains(root));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
