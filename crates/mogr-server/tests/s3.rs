//! mogr-server over an S3 backend: a real S3-protocol emulator (`moto_server`, from PyPI's
//! `moto[server]`) started by each test on a free loopback port, buckets made in it over plain
//! HTTP, and the server driven over real HTTP.
//!
//! The emulator runs as `$MOGR_SERVER_PYTHON -m moto.server` (else `python3`). When that
//! Python lacks moto's server the tests pass with a message on stderr saying they were skipped
//! and how to install it (`python3 -m pip install 'moto[server]==5.2.1'`), unless
//! `MOGR_REQUIRE_S3_EMULATOR=1` is set (as `.ci/run` does), where that is a failure.
//!
//! Two things of moto's worth knowing: it refuses unsigned reads of private objects (403), so
//! the server is given a key pair (moto accepts any) and direct reads send a dummy signature;
//! and it reads a body sent as `application/x-www-form-urlencoded` as a form (storing
//! nothing), so no test uploads with that type.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::{
    BUCKET, HOST, Reply, TestServer, common_prefixes, etag, iso8601, keys, list_in_pages, send, testdata, xml_text,
};
use mogr::plan::ObjectKey;
use mogr_server::s3_store::{S3Settings, S3Store};
use mogr_server::storage::{Store, StoreError};

/// A dummy SigV4 header: moto checks that reads are signed, not the signature.
const DUMMY_AUTH: &str = "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/aws4_request, \
                          SignedHeaders=host, Signature=00";

/// A running emulator; killed when dropped.
struct Moto {
    child: Child,
    addr: SocketAddr,
}

impl Moto {
    /// Starts the emulator, or says why not and returns `None` (a failure instead when
    /// `MOGR_REQUIRE_S3_EMULATOR` is set).
    fn start(test: &str) -> Option<Moto> {
        let python = std::env::var("MOGR_SERVER_PYTHON").unwrap_or_else(|_| "python3".to_owned());
        let has_moto = Command::new(&python).args(["-c", "import moto.server, flask"]).output();
        if !has_moto.is_ok_and(|o| o.status.success()) {
            assert!(
                std::env::var_os("MOGR_REQUIRE_S3_EMULATOR").is_none(),
                "MOGR_REQUIRE_S3_EMULATOR is set but {python} cannot import moto.server and flask"
            );
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED {test}: the S3 emulator is not installed (install it with \
                 `python3 -m pip install 'moto[server]==5.2.1'`, or set MOGR_SERVER_PYTHON)"
            );
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(&python)
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {python} -m moto.server: {e}"));
        let mut moto = Moto { child, addr: SocketAddr::from(([127, 0, 0, 1], port)) };
        moto.wait_until_ready();
        Some(moto)
    }

    fn wait_until_ready(&mut self) {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("moto_server exited at start: {status}");
            }
            if TcpStream::connect(self.addr).is_ok() && self.send("GET", "/", &[], b"").status == 200 {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("moto_server did not answer on {} within 60 s", self.addr);
    }

    fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The server's S3 settings for this emulator.
    fn settings(&self) -> S3Settings {
        S3Settings {
            access_key_id: Some("testing".to_owned()),
            secret_access_key: Some("testing".to_owned()),
            allow_http: true,
            ..S3Settings::new(self.endpoint())
        }
    }

    /// A request straight to the emulator (path style, dummy signature).
    fn send(&self, method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        let host = self.addr.to_string();
        let mut all = vec![("Host", host.as_str()), ("Authorization", DUMMY_AUTH)];
        all.extend_from_slice(headers);
        send(self.addr, method, target, &all, body)
    }

    fn create_bucket(&self, bucket: &str) {
        let reply = self.send("PUT", &format!("/{bucket}"), &[], b"");
        assert_eq!(reply.status, 200, "creating {bucket}: {}", reply.text());
    }

    /// An object's bytes as the emulator holds them.
    fn object(&self, bucket: &str, key: &str) -> Reply {
        self.send("GET", &format!("/{bucket}/{key}"), &[], b"")
    }

    fn put_object(&self, bucket: &str, key: &str, body: &[u8]) {
        let reply =
            self.send("PUT", &format!("/{bucket}/{key}"), &[("Content-Type", "application/octet-stream")], body);
        assert_eq!(reply.status, 200, "putting {key}: {}", reply.text());
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The emulator with the test bucket, and a server over it.
fn start(test: &str) -> Option<(Moto, TestServer)> {
    let moto = Moto::start(test)?;
    moto.create_bucket(BUCKET);
    let settings = moto.settings();
    let server = TestServer::start(&format!("s3-{test}"), move |c| c.s3 = Some(settings));
    Some((moto, server))
}

fn probe(bytes: &[u8]) -> mogr::plan::Probe {
    mogr::plan::probe(bytes).unwrap()
}

#[test]
fn objects_round_trip_through_s3() {
    let Some((moto, server)) = start("objects_round_trip_through_s3") else { return };
    let put = server.send("PUT", "/docs/hello.txt", &[], b"hello world");
    assert_eq!(put.status, 200, "{}", put.text());
    assert_eq!(put.header("etag"), Some(etag(b"hello world").as_str()));
    // In S3 under the same key, with the guessed type.
    let direct = moto.object(BUCKET, "docs/hello.txt");
    assert_eq!((direct.status, direct.body.as_slice()), (200, b"hello world".as_slice()));
    assert_eq!(direct.header("content-type"), Some("text/plain"));
    // The local store's folder is not used.
    assert!(!server.bucket_dir().join("docs").exists());

    let get = server.send("GET", "/docs/hello.txt", &[], b"");
    assert_eq!((get.status, get.body.as_slice()), (200, b"hello world".as_slice()));
    assert_eq!(get.header("content-type"), Some("text/plain"));
    assert_eq!(get.header("etag"), Some(etag(b"hello world").as_str()));
    assert!(get.header("last-modified").is_some());

    let part = server.send("GET", "/docs/hello.txt", &[("Range", "bytes=2-5")], b"");
    assert_eq!((part.status, part.body.as_slice()), (206, b"llo ".as_slice()));
    assert_eq!(part.header("content-range"), Some("bytes 2-5/11"));
    server.send("GET", "/docs/hello.txt", &[("Range", "bytes=11-")], b"").assert_error(
        416,
        "InvalidRange",
        Some(-29033),
    );

    let head = server.send("HEAD", "/docs/hello.txt", &[], b"");
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some("11"));
    assert_eq!(head.header("etag"), Some(etag(b"hello world").as_str()));

    // Keys keep their bytes: spaces, non-ASCII, a literal %2e; a given type is kept.
    let odd = "/a%20b/%E6%B5%8B%E8%AF%95%252e.bin";
    let typed = server.send("PUT", odd, &[("Content-Type", "application/x-thing")], b"\x00\x01\x02");
    assert_eq!(typed.status, 200, "{}", typed.text());
    let direct = moto.object(BUCKET, "a%20b/%E6%B5%8B%E8%AF%95%252e.bin");
    assert_eq!((direct.status, direct.body.as_slice()), (200, b"\x00\x01\x02".as_slice()));
    assert_eq!(direct.header("content-type"), Some("application/x-thing"));
    let back = server.send("GET", odd, &[], b"");
    assert_eq!(
        (back.body.as_slice(), back.header("content-type")),
        (b"\x00\x01\x02".as_slice(), Some("application/x-thing"))
    );

    // An object put by another tool is served, with S3's ETag (the MD5 for a plain PUT).
    moto.put_object(BUCKET, "outside.bin", b"from elsewhere");
    let outside = server.send("GET", "/outside.bin", &[], b"");
    assert_eq!((outside.status, outside.body.as_slice()), (200, b"from elsewhere".as_slice()));
    assert_eq!(outside.header("etag"), Some(etag(b"from elsewhere").as_str()));

    // S3 has no folders: "a" and "a/b" both exist.
    assert_eq!(server.send("PUT", "/docs", &[], b"file beside a folder").status, 200);
    assert_eq!(server.send("GET", "/docs", &[], b"").body, b"file beside a folder");

    let delete = server.send("DELETE", "/docs/hello.txt", &[], b"");
    assert_eq!(delete.status, 204);
    assert_eq!(moto.object(BUCKET, "docs/hello.txt").status, 404);
    server.send("GET", "/docs/hello.txt", &[], b"").assert_error(404, "NoSuchKey", Some(-46628));
    let head = server.send("HEAD", "/docs/hello.txt", &[], b"");
    assert_eq!((head.status, head.header("x-errno")), (404, Some("-46628")));
    assert_eq!(server.send("DELETE", "/docs/hello.txt", &[], b"").status, 204);

    // The reserved prefixes are refused, and nothing reaches S3.
    for key in ["/.mogr/config.json", "/.mogr/x", "/.mogr-tmp-1"] {
        server.send("PUT", key, &[], b"x").assert_error(400, "InvalidURI", Some(-60955));
        server.send("GET", key, &[], b"").assert_error(400, "InvalidURI", Some(-60955));
    }
    assert_eq!(moto.object(BUCKET, ".mogr/x").status, 404);

    // A bucket that S3 does not have.
    let other = [("Host", "otherbucket-1250000000.cos.ap-guangzhou.myqcloud.com")];
    server.send("GET", "/x", &other, b"").assert_error(404, "NoSuchBucket", None);
    server.send("PUT", "/x", &other, b"1").assert_error(404, "NoSuchBucket", None);
    moto.create_bucket("otherbucket-1250000000");
    // Remembered as missing for a while at most; a new server asks again.
    let root = server.stop();
    let server = TestServer::start_on(root, |c| c.s3 = Some(moto.settings()));
    assert_eq!(server.send("PUT", "/x", &other, b"1").status, 200);
    assert_eq!(moto.object("otherbucket-1250000000", "x").body, b"1");
}

#[test]
fn processing_reads_and_writes_s3() {
    let Some((moto, server)) = start("processing_reads_and_writes_s3") else { return };
    moto.create_bucket("destbucket-1250000000");
    let photo = testdata("landscape_orient6.jpg");
    let mark = testdata("reference/decode/rgb24rle24.png");
    assert_eq!(server.send("PUT", "/photos/p.jpg", &[("Content-Type", "image/jpeg")], &photo).status, 200);

    // Processing on download.
    let thumb = server.send("GET", "/photos/p.jpg?imageMogr2/auto-orient/thumbnail/300x/format/png", &[], b"");
    assert_eq!(thumb.status, 200, "{}", thumb.text());
    assert_eq!(thumb.header("content-type"), Some("image/png"));
    assert_eq!((probe(&thumb.body).width, probe(&thumb.body).height), (300, 200));
    server.send("GET", "/photos/none.jpg?imageInfo", &[], b"").assert_error(404, "NoSuchKey", Some(-46628));

    // A watermark whose image is another object of the bucket, read from S3 by a worker.
    moto.put_object(BUCKET, "logos/mark.png", &mark);
    let url = mogr::syntax::encode_base64(format!("http://{HOST}/logos/mark.png").as_bytes());
    let marked = server.send(
        "GET",
        &format!("/photos/p.jpg?watermark/1/image/{url}/gravity/center|imageMogr2/format/png"),
        &[],
        b"",
    );
    assert_eq!(marked.status, 200, "{}", marked.text());
    let plain = server.send("GET", "/photos/p.jpg?imageMogr2/format/png", &[], b"");
    assert_eq!(
        (probe(&marked.body).width, probe(&marked.body).height),
        (probe(&plain.body).width, probe(&plain.body).height)
    );
    assert_ne!(marked.body, plain.body, "the watermark changed nothing");
    let missing = mogr::syntax::encode_base64(format!("http://{HOST}/logos/none.png").as_bytes());
    let refused = server.send("GET", &format!("/photos/p.jpg?watermark/1/image/{missing}"), &[], b"");
    refused.assert_error(404, "ImageNotRetrieved", Some(-60987));

    // Pic-Operations on upload: the original and the results are stored in S3.
    let operations = r#"{"is_pic_info":1,"rules":[
        {"fileid":"small/p.png","rule":"imageMogr2/auto-orient/thumbnail/300x/format/png"},
        {"bucket":"destbucket-1250000000","fileid":"/copy.jpg","rule":"imageMogr2/thumbnail/100x/quality/70"}]}"#
        .replace('\n', "");
    let put =
        server.send("PUT", "/p1/test1.jpg", &[("Pic-Operations", &operations), ("Content-Type", "image/jpeg")], &photo);
    assert_eq!(put.status, 200, "{}", put.text());
    let xml = put.text();
    let original = xml_text(&xml, "OriginalInfo").unwrap();
    assert_eq!(xml_text(&original, "ETag").unwrap(), etag(&photo));
    assert_eq!(xml_text(&original, "Width").as_deref(), Some("1200"));
    assert_eq!(moto.object(BUCKET, "p1/test1.jpg").body, photo);
    let objects: Vec<&str> = xml.split("<Object>").skip(1).collect();
    assert_eq!(objects.len(), 2, "{xml}");
    let small = moto.object(BUCKET, "p1/small/p.png");
    assert_eq!(small.status, 200);
    assert_eq!(small.header("content-type"), Some("image/png"));
    assert_eq!((probe(&small.body).width, probe(&small.body).height), (300, 200));
    assert_eq!(xml_text(objects[0], "ETag").unwrap(), etag(&small.body));
    assert_eq!(xml_text(objects[0], "Size").unwrap(), small.body.len().to_string());
    assert_eq!(server.send("GET", "/p1/small/p.png", &[], b"").body, small.body);
    let copy = moto.object("destbucket-1250000000", "copy.jpg");
    assert_eq!(copy.status, 200);
    assert_eq!(probe(&copy.body).width, 100);
    assert_eq!(xml_text(objects[1], "Quality").as_deref(), Some("70"));

    // POST ?image_process: the stored object processed, the result stored in S3.
    let operations = r#"{"rules":[{"fileid":"gray.png","rule":"imageMogr2/thumbnail/!25p/format/png"}]}"#;
    let post = server.send("POST", "/p1/test1.jpg?image_process", &[("Pic-Operations", operations)], b"");
    assert_eq!(post.status, 200, "{}", post.text());
    assert_eq!(xml_text(&post.text(), "Width").as_deref(), Some("300"));
    let gray = moto.object(BUCKET, "p1/gray.png");
    assert_eq!((probe(&gray.body).width, probe(&gray.body).height), (300, 450));
    assert_eq!(server.send("GET", "/p1/gray.png", &[], b"").body, gray.body);
    let to_missing = r#"{"rules":[{"bucket":"missing-1250000000","fileid":"x.jpg","rule":"imageInfo"}]}"#;
    let reply = server.send("POST", "/p1/test1.jpg?image_process", &[("Pic-Operations", to_missing)], b"");
    reply.assert_error(404, "NoSuchBucket", None);
    server.send("POST", "/p1/none.jpg?image_process", &[("Pic-Operations", operations)], b"").assert_error(
        404,
        "NoSuchKey",
        Some(-46628),
    );

    // An input over the processing limit (32 MiB), put by another tool, is refused.
    let big = vec![0u8; 32 * 1024 * 1024 + 1];
    moto.put_object(BUCKET, "big.jpg", &big);
    let reply = server.send("GET", "/big.jpg?imageInfo", &[], b"");
    reply.assert_error(413, "FileTooLarge", Some(-60996));
    assert!(reply.xml("Message").unwrap().contains("33554433 bytes"), "{}", reply.text());
}

#[test]
fn styles_live_in_the_bucket_and_survive_a_restart() {
    let Some((moto, server)) = start("styles_live_in_the_bucket_and_survive_a_restart") else { return };
    let pic_host = [("Host", "examplebucket-1250000000.pic.ap-guangzhou.myqcloud.com")];
    let xml =
        "<AddStyle><StyleName>small</StyleName><StyleBody>imageMogr2/thumbnail/!50p/format/png</StyleBody></AddStyle>";
    let added = server.send("PUT", "/?style", &pic_host, xml.as_bytes());
    assert_eq!(added.status, 200, "{}", added.text());
    let stored = moto.object(BUCKET, ".mogr/config.json");
    assert_eq!(stored.status, 200);
    let config: serde_json::Value = serde_json::from_slice(&stored.body).unwrap();
    assert_eq!(config["styles"]["small"], "imageMogr2/thumbnail/!50p/format/png");

    let root = server.stop();
    let server = TestServer::start_on(root, |c| c.s3 = Some(moto.settings()));
    let list = server.send("GET", "/?style", &pic_host, b"");
    assert!(list.text().contains("<StyleName>small</StyleName>"), "{}", list.text());
    let photo = testdata("landscape_orient6.jpg");
    assert_eq!(server.send("PUT", "/p.jpg", &[("Content-Type", "image/jpeg")], &photo).status, 200);
    let styled = server.send("GET", "/p.jpg?style/small", &[], b"");
    assert_eq!(styled.status, 200, "{}", styled.text());
    assert_eq!((probe(&styled.body).width, probe(&styled.body).height), (600, 900));
    server.send("GET", "/p.jpg?style/big", &[], b"").assert_error(404, "StyleNotFound", Some(-60967));

    // A damaged settings object is a clear server error, not silently empty settings.
    moto.put_object(BUCKET, ".mogr/config.json", b"{not json");
    let reply = server.send("GET", "/p.jpg?style/small", &[], b"");
    reply.assert_error(500, "InternalError", None);
    assert!(reply.xml("Message").unwrap().contains(".mogr/config.json"), "{}", reply.text());
}

#[test]
fn listing_reads_s3_in_order_and_hides_the_servers_data() {
    let Some((moto, server)) = start("listing_reads_s3_in_order_and_hides_the_servers_data") else { return };
    let empty = server.send("GET", "/", &[], b"");
    assert!(keys(&empty).is_empty());
    assert_eq!(empty.xml("IsTruncated").as_deref(), Some("false"));
    for key in ["/a/b/c.jpg", "/a/b/d.jpg", "/a/e.jpg", "/a-z", "/b.txt", "/dir%20one/%E6%B5%8B%E8%AF%95%2B1.jpg"] {
        let reply = server.send("PUT", key, &[("Content-Type", "text/plain")], key.as_bytes());
        assert_eq!(reply.status, 200, "{key}: {}", reply.text());
    }
    // The server's own data and keys a GET refuses, put there directly or by the server.
    let pic_host = [("Host", "examplebucket-1250000000.pic.ap-guangzhou.myqcloud.com")];
    let style = "<AddStyle><StyleName>small</StyleName><StyleBody>imageMogr2/thumbnail/10x</StyleBody></AddStyle>";
    assert_eq!(server.send("PUT", "/?style", &pic_host, style.as_bytes()).status, 200);
    assert_eq!(moto.object(BUCKET, ".mogr/config.json").status, 200);
    moto.put_object(BUCKET, "a/.mogr-tmp-1-2", b"partial");
    moto.put_object(BUCKET, "other-tool.bin", b"written elsewhere");

    let expected = ["a-z", "a/b/c.jpg", "a/b/d.jpg", "a/e.jpg", "b.txt", "dir one/测试+1.jpg", "other-tool.bin"];
    assert_eq!(keys(&server.send("GET", "/", &[], b"")), expected);
    assert_eq!(keys(&server.send("GET", "/?prefix=a", &[], b"")), ["a-z", "a/b/c.jpg", "a/b/d.jpg", "a/e.jpg"]);
    let top = server.send("GET", "/?delimiter=%2F", &[], b"");
    assert_eq!(keys(&top), ["a-z", "b.txt", "other-tool.bin"]);
    assert_eq!(common_prefixes(&top), ["a/", "dir one/"]);
    let inside = server.send("GET", "/?prefix=a%2F&delimiter=%2F", &[], b"");
    assert_eq!((keys(&inside), common_prefixes(&inside)), (vec!["a/e.jpg".to_owned()], vec!["a/b/".to_owned()]));
    let encoded = server.send("GET", "/?prefix=dir&encoding-type=url", &[], b"");
    assert_eq!(keys(&encoded), ["dir%20one%2F%E6%B5%8B%E8%AF%95%2B1.jpg"]);

    let mut paged = list_in_pages(&server, "", 2);
    assert_eq!(paged, expected);
    paged = list_in_pages(&server, "%2F", 2);
    paged.sort();
    assert_eq!(paged, ["a-z", "a/", "b.txt", "dir one/", "other-tool.bin"]);

    // Metadata as HEAD answers it, for the server's objects and another tool's.
    for key in ["b.txt", "other-tool.bin"] {
        let listing = server.send("GET", &format!("/?prefix={key}"), &[], b"");
        let head = server.send("HEAD", &format!("/{key}"), &[], b"");
        assert_eq!(listing.xml("ETag").as_deref(), head.header("etag"), "{key}");
        assert_eq!(listing.xml("Size").as_deref(), head.header("content-length"), "{key}");
        let modified = httpdate::parse_http_date(head.header("last-modified").unwrap()).unwrap();
        assert_eq!(listing.xml("LastModified"), Some(iso8601(modified)), "{key}");
    }
    assert_eq!(server.send("GET", "/?prefix=b.txt", &[], b"").xml("ETag"), Some(etag(b"/b.txt")));
    assert_eq!(server.send("HEAD", "/", &[], b"").status, 200);
    let other = [("Host", "otherbucket-1250000000.cos.ap-guangzhou.myqcloud.com")];
    server.send("GET", "/", &other, b"").assert_error(404, "NoSuchBucket", None);
}

/// A loopback proxy to `target` that counts the bytes it relays back to the client.
fn counting_proxy(target: SocketAddr) -> (SocketAddr, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let received = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&received);
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { return };
            let Ok(upstream) = TcpStream::connect(target) else { return };
            let (mut client_in, mut upstream_out) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut client_in, &mut upstream_out);
                let _ = upstream_out.shutdown(std::net::Shutdown::Write);
            });
            let counter = Arc::clone(&counter);
            let (mut upstream_in, mut client_out) = (upstream, client);
            std::thread::spawn(move || {
                let mut buffer = [0u8; 16 * 1024];
                while let Ok(n) = upstream_in.read(&mut buffer) {
                    // Counted before it is relayed, so the client never holds bytes not yet counted.
                    counter.fetch_add(n as u64, Ordering::Relaxed);
                    if n == 0 || client_out.write_all(&buffer[..n]).is_err() {
                        break;
                    }
                }
                let _ = client_out.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    (addr, received)
}

#[test]
fn reads_over_the_limit_are_refused_before_downloading() {
    let Some(moto) = Moto::start("reads_over_the_limit_are_refused_before_downloading") else { return };
    moto.create_bucket(BUCKET);
    let size = 4 * 1024 * 1024;
    moto.put_object(BUCKET, "large.bin", &vec![7u8; size]);
    let (proxy, received) = counting_proxy(moto.addr);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let settings = S3Settings { endpoint: format!("http://{proxy}"), ..moto.settings() };
    let store = S3Store::new(settings, 1024, runtime.handle().clone()).unwrap();
    let key = ObjectKey::new("large.bin").unwrap();

    let refused = store.read(BUCKET, &key, 1024 * 1024);
    assert_eq!(
        refused,
        Err(StoreError::TooLarge { key: "large.bin".to_owned(), size: size as u64, limit: 1024 * 1024 })
    );
    let after_refusal = received.load(Ordering::Relaxed);
    assert!(after_refusal < 64 * 1024, "{after_refusal} bytes came back for a refused read");
    // get() is bounded by the store's object limit too.
    assert!(matches!(store.get(BUCKET, &key), Err(StoreError::TooLarge { limit: 1024, .. })));

    // The proxy does count: a read within the limit brings the whole object.
    let (meta, bytes) = store.read(BUCKET, &key, size as u64).unwrap();
    assert_eq!((meta.size, bytes.len()), (size as u64, size));
    assert!(received.load(Ordering::Relaxed) >= after_refusal + size as u64);

    // Missing things, through the store itself.
    let none = ObjectKey::new("none").unwrap();
    assert_eq!(store.head(BUCKET, &none), Err(StoreError::NoSuchKey("none".to_owned())));
    assert_eq!(store.read(BUCKET, &none, 10), Err(StoreError::NoSuchKey("none".to_owned())));
    let missing = "missing-1250000000";
    assert_eq!(store.head(missing, &none), Err(StoreError::NoSuchBucket(missing.to_owned())));
    assert_eq!(store.read(missing, &none, 10), Err(StoreError::NoSuchBucket(missing.to_owned())));
    assert_eq!(store.has_bucket(missing), Ok(false));
    assert_eq!(store.has_bucket(BUCKET), Ok(true));
    assert!(matches!(store.put(missing, &none, b"x", None), Err(StoreError::NoSuchBucket(_))));
    assert!(matches!(store.config(missing), Err(StoreError::NoSuchBucket(_))));
    drop(store);
    runtime.shutdown_background();
}

#[test]
fn an_unreachable_endpoint_is_a_clear_error() {
    // Nothing listens on a port just freed; no emulator needed.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let settings = S3Settings { allow_http: true, ..S3Settings::new(format!("http://127.0.0.1:{port}")) };
    let store = S3Store::new(settings, 1024, runtime.handle().clone()).unwrap();
    let key = ObjectKey::new("a.jpg").unwrap();
    match store.head(BUCKET, &key) {
        Err(StoreError::Io(message)) => {
            assert!(message.contains(BUCKET) && message.contains("127.0.0.1"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    drop(store);
    runtime.shutdown_background();
}

#[test]
fn help_documents_the_s3_options_and_hides_the_secrets() {
    let output = Command::new(env!("CARGO_BIN_EXE_mogr-server"))
        .arg("--help")
        .env("MOGR_S3_ACCESS_KEY_ID", "visible-id-value")
        .env("MOGR_S3_SECRET_ACCESS_KEY", "visible-secret-value")
        .output()
        .unwrap();
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for option in [
        "--s3-endpoint",
        "--s3-region",
        "--s3-access-key-id",
        "--s3-secret-access-key",
        "--s3-allow-http",
        "--s3-virtual-hosted-style",
        "MOGR_S3_ACCESS_KEY_ID",
        "MOGR_S3_SECRET_ACCESS_KEY",
        "[s3]",
    ] {
        assert!(help.contains(option), "{option} missing from:\n{help}");
    }
    assert!(!help.contains("visible-id-value") && !help.contains("visible-secret-value"), "{help}");
}

#[test]
fn the_binary_serves_from_s3_given_on_the_command_line() {
    let Some(moto) = Moto::start("the_binary_serves_from_s3_given_on_the_command_line") else { return };
    moto.create_bucket(BUCKET);
    moto.put_object(BUCKET, "hello.txt", b"from s3");
    let mut server = Command::new(env!("CARGO_BIN_EXE_mogr-server"))
        .args(["--s3-endpoint", &moto.endpoint(), "--s3-allow-http", "--listen", "127.0.0.1:0"])
        .env("MOGR_S3_ACCESS_KEY_ID", "testing")
        .env("MOGR_S3_SECRET_ACCESS_KEY", "testing")
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = server.stderr.take().unwrap();
    let _server = KillOnDrop(server);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let line = loop {
        let line = rx.recv_timeout(Duration::from_secs(30)).expect("the server logs its address");
        if line.contains("addr=") {
            break line;
        }
    };
    assert!(line.contains(&moto.endpoint()), "{line}");
    let at = line.find("addr=").unwrap();
    let addr: SocketAddr = line[at + 5..].split_whitespace().next().unwrap().parse().unwrap();
    let reply = send(addr, "GET", "/hello.txt", &[], b"");
    assert_eq!((reply.status, reply.body.as_slice()), (200, b"from s3".as_slice()), "{}", reply.text());
}

/// A child process killed when dropped, even by a failing assertion.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Multipart uploads through the S3 store: a small object (one PUT) and one over
/// `SINGLE_PUT_BYTES` (an S3 multipart upload), staged under `.mogr/uploads/` and gone after.
#[test]
fn multipart_uploads_complete_into_s3_objects() {
    let Some((moto, server)) = start("multipart_uploads_complete_into_s3_objects") else { return };
    let upload = |key: &str, parts: &[(u16, Vec<u8>)], content_type: Option<&str>| -> (String, Vec<u8>, String) {
        let headers: Vec<(&str, &str)> = content_type.map(|t| ("Content-Type", t)).into_iter().collect();
        let initiated = server.send("POST", &format!("/{key}?uploads"), &headers, b"");
        assert_eq!(initiated.status, 200, "{}", initiated.text());
        let id = initiated.xml("UploadId").unwrap();
        // Out of order, as parallel uploads arrive.
        for (number, bytes) in parts.iter().rev() {
            let reply = server.send("PUT", &format!("/{key}?partNumber={number}&uploadId={id}"), &[], bytes);
            assert_eq!((reply.status, reply.header("etag")), (200, Some(etag(bytes).as_str())), "{}", reply.text());
        }
        let listed = server.send("GET", "/?uploads", &[], b"");
        assert!(listed.text().contains(&format!("<UploadId>{id}</UploadId>")), "{}", listed.text());
        let mut body = String::from("<CompleteMultipartUpload>");
        let mut md5s = Vec::new();
        for (number, bytes) in parts {
            body.push_str(&format!("<Part><PartNumber>{number}</PartNumber><ETag>{}</ETag></Part>", etag(bytes)));
            md5s.extend_from_slice(&<md5::Md5 as md5::Digest>::digest(bytes));
        }
        body.push_str("</CompleteMultipartUpload>");
        let done = server.send("POST", &format!("/{key}?uploadId={id}"), &[], body.as_bytes());
        assert_eq!(done.status, 200, "{}", done.text());
        let expected = format!("\"{}-{}\"", etag(&md5s).trim_matches('"'), parts.len());
        assert_eq!(done.xml("ETag").as_deref(), Some(expected.as_str()));
        let whole: Vec<u8> = parts.iter().flat_map(|(_, bytes)| bytes.iter().copied()).collect();
        (id, whole, expected)
    };

    let small = [(1, b"first part, ".to_vec()), (2, b"second part".to_vec())];
    let (id, whole, expected) = upload("mp/small.txt", &small, Some("text/x-mogr"));
    let get = server.send("GET", "/mp/small.txt", &[], b"");
    assert_eq!(get.body, whole);
    assert_eq!(get.header("etag"), Some(expected.as_str()));
    assert_eq!(get.header("content-type"), Some("text/x-mogr"));
    assert_eq!(moto.object(BUCKET, "mp/small.txt").body, whole);
    server.send("GET", &format!("/mp/small.txt?uploadId={id}"), &[], b"").assert_error(404, "NoSuchUpload", None);

    let mib = 1024 * 1024;
    // 17 MiB: over SINGLE_PUT_BYTES (16 MiB), so written as an S3 multipart upload.
    let large = [(1, vec![7u8; 7 * mib]), (2, vec![8u8; 7 * mib]), (3, b"tail".repeat(3 * mib / 4))];
    let (_, whole, expected) = upload("mp/large.bin", &large, None);
    let head = server.send("HEAD", "/mp/large.bin", &[], b"");
    assert_eq!(head.header("etag"), Some(expected.as_str()));
    assert_eq!(head.header("content-length"), Some(whole.len().to_string().as_str()));
    let get = server.send("GET", "/mp/large.bin", &[], b"");
    assert!(get.status == 200 && get.body == whole, "the large object differs ({} bytes)", get.body.len());
    let direct = moto.object(BUCKET, "mp/large.bin");
    assert!(direct.body == whole, "S3 holds other bytes");
    // S3's own ETag tells how it was written: in parts here, in one PUT for the small one.
    assert!(direct.header("etag").is_some_and(|e| e.contains('-')), "{:?}", direct.header("etag"));
    assert!(moto.object(BUCKET, "mp/small.txt").header("etag").is_some_and(|e| !e.contains('-')));

    // Aborting removes the staging; none is left behind in S3.
    let initiated = server.send("POST", "/mp/aborted?uploads", &[], b"");
    let id = initiated.xml("UploadId").unwrap();
    assert_eq!(server.send("PUT", &format!("/mp/aborted?partNumber=1&uploadId={id}"), &[], b"x").status, 200);
    let staged = moto.send("GET", &format!("/{BUCKET}?list-type=2&prefix=.mogr/uploads/"), &[], b"");
    assert!(staged.text().contains(&format!(".mogr/uploads/{id}/parts/00001")), "{}", staged.text());
    // The staging never shows in the bucket's listing.
    let listing = server.send("GET", "/", &[], b"");
    assert_eq!(listing.status, 200, "{}", listing.text());
    assert!(listing.text().contains("<Key>mp/small.txt</Key>"), "{}", listing.text());
    assert!(!listing.text().contains(".mogr"), "{}", listing.text());
    server.send("GET", &format!("/.mogr/uploads/{id}/parts/00001"), &[], b"").assert_error(
        400,
        "InvalidURI",
        Some(-60955),
    );
    assert_eq!(server.send("DELETE", &format!("/mp/aborted?uploadId={id}"), &[], b"").status, 204);
    let staged = moto.send("GET", &format!("/{BUCKET}?list-type=2&prefix=.mogr/uploads/"), &[], b"");
    assert!(xml_text(&staged.text(), "Key").is_none(), "{}", staged.text());
    server.send("DELETE", &format!("/mp/aborted?uploadId={id}"), &[], b"").assert_error(404, "NoSuchUpload", None);
}
