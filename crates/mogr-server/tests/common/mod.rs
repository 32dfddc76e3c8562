//! The test harness: a server in a thread of its own (on 127.0.0.1:0, over a fresh root
//! folder) and a raw HTTP/1.1 client, so that tests control every byte of the request line
//! (paths with `..` or bad escapes that HTTP client crates would normalise or refuse).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mogr_server::Server;
use mogr_server::config::Config;

/// The bucket every test server has.
pub const BUCKET: &str = "examplebucket-1250000000";
/// The Host header that names it.
pub const HOST: &str = "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com";

/// A running server; stopped when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    /// Where `GET /metrics` answers, when the config asked for it.
    pub metrics_addr: Option<SocketAddr>,
    pub root: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    keep_root: bool,
}

impl TestServer {
    /// A server over a new root `/tmp/server-test-<name>-<pid>` with one bucket.
    pub fn start(name: &str, configure: impl FnOnce(&mut Config)) -> TestServer {
        let root = std::env::temp_dir().join(format!("server-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join(BUCKET)).unwrap();
        TestServer::start_on(root, configure)
    }

    /// A server over an existing root.
    pub fn start_on(root: PathBuf, configure: impl FnOnce(&mut Config)) -> TestServer {
        let mut config = Config::new(&root, "127.0.0.1:0".parse().unwrap());
        config.workers = 2;
        configure(&mut config);
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            runtime.block_on(async move {
                let server = Server::bind(&config).await.unwrap();
                addr_tx.send((server.local_addr().unwrap(), server.metrics_addr())).unwrap();
                server
                    .run(async move {
                        let _ = stop_rx.await;
                    })
                    .await
                    .unwrap();
            });
        });
        let (addr, metrics_addr) = addr_rx.recv_timeout(Duration::from_secs(20)).unwrap();
        TestServer { addr, metrics_addr, root, stop: Some(stop_tx), thread: Some(thread), keep_root: false }
    }

    /// The bucket's folder.
    pub fn bucket_dir(&self) -> PathBuf {
        self.root.join(BUCKET)
    }

    /// Sends a request with the bucket's Host header (unless `headers` has one).
    pub fn send(&self, method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        send(self.addr, method, target, headers, body)
    }

    /// Stops the server and waits for it; the root folder stays.
    pub fn stop(mut self) -> PathBuf {
        self.keep_root = true;
        self.shutdown();
        self.root.clone()
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for TestServer {
    /// Stops the server and, unless [`TestServer::stop`] kept it, removes the root folder.
    fn drop(&mut self) {
        self.shutdown();
        if !self.keep_root {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}

/// A response.
#[derive(Debug)]
pub struct Reply {
    /// The status line and headers as sent.
    pub head: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// A header's value (first of that name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The text of the first `<name>` element of an XML body.
    pub fn xml(&self, name: &str) -> Option<String> {
        xml_text(&self.text(), name)
    }

    /// Asserts an error response: status, `<Code>`, `X-ErrNo` and the request ids.
    pub fn assert_error(&self, status: u16, code: &str, errno: Option<i32>) {
        assert_eq!(self.status, status, "{self:?} {}", self.text());
        assert_eq!(self.xml("Code").as_deref(), Some(code), "{}", self.text());
        assert_eq!(self.header("x-errno").map(|e| e.parse::<i32>().unwrap()), errno, "{self:?}");
        let id = self.header("x-ci-request-id").expect("x-ci-request-id");
        assert_eq!(self.header("x-cos-request-id"), Some(id));
        assert_eq!(self.xml("RequestId").as_deref(), Some(id));
    }
}

/// The text of the first `<name>` element.
pub fn xml_text(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{name}>"))?;
    Some(xml[start..start + end].replace("&quot;", "\"").replace("&amp;", "&"))
}

/// Sends one request on a new connection and reads the whole response.
pub fn send(addr: SocketAddr, method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    stream.write_all(&request_head(method, target, headers, Some(body.len()))).unwrap();
    stream.write_all(body).unwrap();
    read_reply(&mut stream, method == "HEAD")
}

/// The request line and headers (with Host and Connection: close added).
pub fn request_head(method: &str, target: &str, headers: &[(&str, &str)], length: Option<usize>) -> Vec<u8> {
    let mut head = format!("{method} {target} HTTP/1.1\r\n");
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        head.push_str(&format!("Host: {HOST}\r\n"));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    let framed = headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("content-length") || n.eq_ignore_ascii_case("transfer-encoding"));
    if let Some(length) = length
        && !framed
    {
        head.push_str(&format!("Content-Length: {length}\r\n"));
    }
    head.push_str("Connection: close\r\n\r\n");
    head.into_bytes()
}

/// Reads a response up to the end of the connection.
pub fn read_reply(stream: &mut TcpStream, head_only: bool) -> Reply {
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or_else(|| panic!("no response: {raw:?}"));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers.iter().any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    if chunked && !head_only {
        body = dechunk(&body);
    }
    Reply { head, status, headers, body }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..line_end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = line_end + 2;
        out.extend_from_slice(&data[start..start + size]);
        data = &data[start + size + 2..];
    }
    out
}

/// A file of the repository's `testdata/`.
pub fn testdata(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata").join(name)).unwrap()
}

/// The MD5 of `bytes` as COS writes an ETag.
pub fn etag(bytes: &[u8]) -> String {
    use md5::{Digest, Md5};
    let digest = Md5::digest(bytes);
    format!("\"{}\"", digest.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// The texts of every `<name>` element.
pub fn all(xml: &str, name: &str) -> Vec<String> {
    let (open, close) = (format!("<{name}>"), format!("</{name}>"));
    let mut found = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let end = after.find(&close).unwrap();
        found
            .push(after[..end].replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"));
        rest = &after[end + close.len()..];
    }
    found
}

/// The keys of a listing.
pub fn keys(reply: &Reply) -> Vec<String> {
    assert_eq!(reply.status, 200, "{}", reply.text());
    all(&reply.text(), "Key")
}

/// The common prefixes of a listing.
pub fn common_prefixes(reply: &Reply) -> Vec<String> {
    all(&reply.text(), "CommonPrefixes").iter().flat_map(|block| all(block, "Prefix")).collect()
}

/// `2026-11-24T12:00:00.000Z` for a time (computed independently of the server, through
/// `date`'s arithmetic on days).
pub fn iso8601(time: SystemTime) -> String {
    let seconds = time.duration_since(UNIX_EPOCH).unwrap().as_secs();
    let output = std::process::Command::new("date")
        .args(["-u", "-d", &format!("@{seconds}"), "+%Y-%m-%dT%H:%M:%S.000Z"])
        .output()
        .unwrap();
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// Every key and common prefix of the bucket, listed `max_keys` at a time from marker to
/// NextMarker (`delimiter` already URL-encoded), checking each page's size and that paging ends.
pub fn list_in_pages(server: &TestServer, delimiter: &str, max_keys: usize) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    let mut marker = String::new();
    for _ in 0..100 {
        let target =
            format!("/?max-keys={max_keys}&delimiter={delimiter}&marker={}", mogr_server::auth::encode(&marker));
        let page = server.send("GET", &target, &[], b"");
        let (page_keys, page_prefixes) = (keys(&page), common_prefixes(&page));
        assert!(page_keys.len() + page_prefixes.len() <= max_keys, "{}", page.text());
        assert_eq!(page.xml("MaxKeys"), Some(max_keys.to_string()));
        seen.extend(page_keys);
        seen.extend(page_prefixes);
        if page.xml("IsTruncated").as_deref() == Some("false") {
            assert!(page.xml("NextMarker").is_none(), "{}", page.text());
            return seen;
        }
        marker = page.xml("NextMarker").unwrap();
    }
    panic!("paging does not end");
}
