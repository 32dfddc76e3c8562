//! mogr-server over real HTTP: every route, the signature, key escapes, limits, shutdown.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{BUCKET, HOST, TestServer, etag, read_reply, request_head, testdata, xml_text};
use mogr_server::auth::{Credentials, authorization};

fn probe(bytes: &[u8]) -> mogr::plan::Probe {
    mogr::plan::probe(bytes).unwrap()
}

#[test]
fn objects_put_get_head_delete() {
    let server = TestServer::start("objects", |_| {});
    let put = server.send("PUT", "/docs/hello.txt", &[], b"hello world");
    assert_eq!(put.status, 200, "{}", put.text());
    assert_eq!(put.header("etag"), Some(etag(b"hello world").as_str()));
    assert!(put.header("x-cos-request-id").is_some() && put.header("x-ci-request-id").is_some());
    assert_eq!(std::fs::read(server.bucket_dir().join("docs/hello.txt")).unwrap(), b"hello world");

    let get = server.send("GET", "/docs/hello.txt", &[], b"");
    assert_eq!(get.status, 200);
    assert_eq!(get.body, b"hello world");
    assert_eq!(get.header("content-type"), Some("text/plain"));
    assert_eq!(get.header("etag"), Some(etag(b"hello world").as_str()));
    assert_eq!(get.header("accept-ranges"), Some("bytes"));
    assert!(get.header("last-modified").is_some());
    // Header names in COS's case: cos-python-sdk-v5 reads them from a case-sensitive dict.
    for name in
        ["\r\nETag: ", "\r\nContent-Length: ", "\r\nContent-Type: ", "\r\nLast-Modified: ", "\r\nx-cos-request-id: "]
    {
        assert!(get.head.contains(name), "{name:?} in {}", get.head);
    }

    let head = server.send("HEAD", "/docs/hello.txt", &[], b"");
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some("11"));
    assert_eq!(head.header("etag"), Some(etag(b"hello world").as_str()));
    assert!(head.body.is_empty());

    // A given Content-Type is kept; response-content-type overrides it on the way out.
    let typed = server.send("PUT", "/blob", &[("Content-Type", "application/x-thing")], b"\x00\x01");
    assert_eq!(typed.status, 200);
    assert_eq!(server.send("GET", "/blob", &[], b"").header("content-type"), Some("application/x-thing"));
    let overridden = server.send("GET", "/blob?response-content-type=text%2Fplain", &[], b"");
    assert_eq!(overridden.header("content-type"), Some("text/plain"));

    // Content-MD5 must match.
    let bad_md5 = server.send("PUT", "/x", &[("Content-MD5", "AAAAAAAAAAAAAAAAAAAAAA==")], b"abc");
    bad_md5.assert_error(400, "BadDigest", Some(-103));
    let good_md5 = server.send("PUT", "/x", &[("Content-MD5", "kAFQmDzST7DWlj99KOF/cg==")], b"abc");
    assert_eq!(good_md5.status, 200);

    let delete = server.send("DELETE", "/docs/hello.txt", &[], b"");
    assert_eq!(delete.status, 204);
    assert!(!server.bucket_dir().join("docs").exists());
    server.send("GET", "/docs/hello.txt", &[], b"").assert_error(404, "NoSuchKey", Some(-46628));
    let head = server.send("HEAD", "/docs/hello.txt", &[], b"");
    assert_eq!(head.status, 404);
    assert!(head.body.is_empty());
    assert_eq!(server.send("DELETE", "/docs/hello.txt", &[], b"").status, 204);

    // A key that collides with a folder.
    assert_eq!(server.send("PUT", "/a/b", &[], b"1").status, 200);
    server.send("PUT", "/a", &[], b"2").assert_error(409, "ObjectConflict", None);
    server.send("PATCH", "/a/b", &[], b"").assert_error(405, "MethodNotAllowed", None);
}

#[test]
fn ranges() {
    let server = TestServer::start("ranges", |_| {});
    assert_eq!(server.send("PUT", "/r.bin", &[], b"0123456789").status, 200);
    let part = server.send("GET", "/r.bin", &[("Range", "bytes=2-5")], b"");
    assert_eq!(part.status, 206);
    assert_eq!(part.body, b"2345");
    assert_eq!(part.header("content-range"), Some("bytes 2-5/10"));
    assert_eq!(part.header("content-length"), Some("4"));
    let suffix = server.send("GET", "/r.bin", &[("Range", "bytes=-3")], b"");
    assert_eq!((suffix.status, suffix.body.as_slice()), (206, b"789".as_slice()));
    let open = server.send("GET", "/r.bin", &[("Range", "bytes=7-")], b"");
    assert_eq!((open.status, open.body.as_slice()), (206, b"789".as_slice()));
    let beyond = server.send("GET", "/r.bin", &[("Range", "bytes=10-")], b"");
    beyond.assert_error(416, "InvalidRange", Some(-29033));
    assert_eq!(beyond.header("content-range"), Some("bytes */10"));
    server.send("GET", "/r.bin", &[("Range", "bytes=5-2")], b"").assert_error(416, "InvalidRange", Some(-29033));
    // Other units and several ranges: the whole object, 200.
    for whole in ["lines=1-2", "bytes=0-1,4-5"] {
        let reply = server.send("GET", "/r.bin", &[("Range", whole)], b"");
        assert_eq!((reply.status, reply.body.as_slice()), (200, b"0123456789".as_slice()), "{whole}");
    }
}

#[test]
fn encoded_keys_and_escapes() {
    let server = TestServer::start("escapes", |_| {});
    let put = server.send("PUT", "/a%20b/%E6%B5%8B%E8%AF%95.txt", &[], b"x");
    assert_eq!(put.status, 200, "{}", put.text());
    assert!(server.bucket_dir().join("a b/测试.txt").is_file());
    assert_eq!(server.send("GET", "/a%20b/%E6%B5%8B%E8%AF%95.txt", &[], b"").body, b"x");
    // Decoded once: %252e stays "%2e" in the key, a plain name.
    assert_eq!(server.send("PUT", "/%252e%252e", &[], b"y").status, 200);
    assert!(server.bucket_dir().join("%2e%2e").is_file());

    std::fs::write(server.root.join("secret.txt"), b"secret").unwrap();
    for target in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/a/..%2f..%2fsecret.txt",
        "/a/%2e%2e/%2e%2e/secret.txt",
        "/..%5csecret.txt",
        "/a%00b",
        "//secret.txt",
        "/a/./b",
        "/a/",
        "/%zz",
        "/%ff",
        "/.mogr-tmp-1",
    ] {
        for method in ["GET", "PUT"] {
            let reply = server.send(method, target, &[], b"z");
            assert_eq!(reply.status, 400, "{method} {target}: {}", reply.text());
            assert_eq!(reply.header("x-errno"), Some("-60955"), "{method} {target}");
        }
    }
    assert_eq!(std::fs::read(server.root.join("secret.txt")).unwrap(), b"secret");
    assert!(!server.root.join("b").exists());

    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&server.root, server.bucket_dir().join("link")).unwrap();
        server.send("GET", "/link/secret.txt", &[], b"").assert_error(400, "InvalidURI", Some(-60955));
        server.send("PUT", "/link/new.txt", &[], b"z").assert_error(400, "InvalidURI", Some(-60955));
        assert!(!server.root.join("new.txt").exists());
    }
}

#[test]
fn hosts_and_buckets() {
    let server = TestServer::start("hosts", |_| {});
    let other = [("Host", "otherbucket-1250000000.cos.ap-guangzhou.myqcloud.com")];
    server.send("GET", "/x", &other, b"").assert_error(404, "NoSuchBucket", None);
    let ip = format!("{}", server.addr);
    server.send("GET", "/x", &[("Host", &ip)], b"").assert_error(400, "InvalidBucketName", Some(-46152));
    // <bucket>.localhost works as well as the COS host name.
    assert_eq!(server.send("PUT", "/x", &[("Host", "examplebucket-1250000000.localhost:1234")], b"1").status, 200);
    assert_eq!(server.send("GET", "/x", &[], b"").body, b"1");
    assert_eq!(server.send("GET", "/", &[], b"").status, 200);
    server.send("GET", "/", &other, b"").assert_error(404, "NoSuchBucket", None);
}

#[test]
fn body_limit_is_enforced_before_reading() {
    let server = TestServer::start("limit", |c| c.max_body_bytes = 1000);
    // Headers only: the refusal comes without the body having been sent.
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream.write_all(&request_head("PUT", "/big", &[("Content-Length", "5000000")], None)).unwrap();
    let reply = read_reply(&mut stream, false);
    reply.assert_error(413, "EntityTooLarge", Some(-60996));

    // A chunked body is cut off at the limit.
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream.write_all(&request_head("PUT", "/big", &[("Transfer-Encoding", "chunked")], None)).unwrap();
    for _ in 0..3 {
        let _ = stream.write_all(b"200\r\n");
        let _ = stream.write_all(&[b'a'; 0x200]);
        let _ = stream.write_all(b"\r\n");
    }
    let _ = stream.write_all(b"0\r\n\r\n");
    read_reply(&mut stream, false).assert_error(413, "EntityTooLarge", Some(-60996));
    assert!(!server.bucket_dir().join("big").exists());
    assert_eq!(server.send("PUT", "/small", &[], &[b'a'; 1000]).status, 200);
}

#[test]
fn processing_on_download() {
    let server = TestServer::start("process", |_| {});
    let photo = testdata("landscape_orient6.jpg");
    assert_eq!(server.send("PUT", "/photos/p.jpg", &[], &photo).status, 200);

    let thumb = server.send("GET", "/photos/p.jpg?imageMogr2/auto-orient/thumbnail/300x/format/png", &[], b"");
    assert_eq!(thumb.status, 200, "{}", thumb.text());
    assert_eq!(thumb.header("content-type"), Some("image/png"));
    let p = probe(&thumb.body);
    assert_eq!((p.width, p.height), (300, 200));

    // Percent-encoded, as the SDKs send it, with `|`.
    let piped = server.send("GET", "/photos/p.jpg?imageMogr2%2Fthumbnail%2F%2150p%7CimageInfo=", &[], b"");
    assert_eq!(piped.status, 200, "{}", piped.text());
    assert_eq!(piped.header("content-type"), Some("application/json"));
    let info: serde_json::Value = serde_json::from_slice(&piped.body).unwrap();
    assert_eq!(info["width"], "600");

    let view = server.send("GET", "/photos/p.jpg?imageView2/2/w/100/format/webp", &[], b"");
    assert_eq!(view.header("content-type"), Some("image/webp"));
    assert!(probe(&view.body).width <= 100);

    for (rule, key) in [
        ("imageInfo", "format"),
        ("exif", "Orientation"),
        ("imageAve", "RGB"),
        ("ci-process=ImageInspect", "suspicious"),
    ] {
        let reply = server.send("GET", &format!("/photos/p.jpg?{rule}"), &[], b"");
        assert_eq!(reply.status, 200, "{rule}: {}", reply.text());
        assert_eq!(reply.header("content-type"), Some("application/json"), "{rule}");
        let json: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
        assert!(json.get(key).is_some(), "{rule}: {json}");
    }
    // cos-python-sdk-v5's ci_image_inspect sends `imageInspect`.
    assert_eq!(server.send("GET", "/photos/p.jpg?imageInspect=", &[], b"").status, 200);

    let bad = server.send("GET", "/photos/p.jpg?imageMogr2/blur/80x5", &[], b"");
    bad.assert_error(400, "InvalidParameter", Some(-60998));
    assert!(bad.xml("Message").unwrap().contains("blur radius"));
    server.send("GET", "/photos/none.jpg?imageInfo", &[], b"").assert_error(404, "NoSuchKey", Some(-46628));
    assert_eq!(server.send("PUT", "/notes.txt", &[], b"not an image").status, 200);
    server.send("GET", "/notes.txt?imageInfo", &[], b"").assert_error(415, "UnsupportedFormat", Some(-443));
}

#[test]
fn watermark_images_stay_in_the_bucket() {
    let server = TestServer::start("watermark", |_| {});
    std::fs::create_dir_all(server.root.join("otherbucket-1250000000")).unwrap();
    let photo = testdata("landscape_orient6.jpg");
    let mark = testdata("reference/decode/rgb24rle24.png");
    assert_eq!(server.send("PUT", "/p.jpg", &[], &photo).status, 200);
    assert_eq!(server.send("PUT", "/logos/mark.png", &[], &mark).status, 200);
    std::fs::write(server.root.join("otherbucket-1250000000/mark.png"), &mark).unwrap();
    let rule = |url: &str| {
        format!(
            "/p.jpg?watermark/1/image/{}/gravity/center|imageMogr2/format/png",
            mogr::syntax::encode_base64(url.as_bytes())
        )
    };
    let ok = server.send("GET", &rule(&format!("http://{HOST}/logos/mark.png")), &[], b"");
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(ok.header("content-type"), Some("image/png"));
    let other =
        server.send("GET", &rule("http://otherbucket-1250000000.cos.ap-guangzhou.myqcloud.com/mark.png"), &[], b"");
    other.assert_error(400, "InvalidUrl", Some(-60955));
    let escape = server.send("GET", &rule(&format!("http://{HOST}/%2e%2e/otherbucket-1250000000/mark.png")), &[], b"");
    escape.assert_error(400, "InvalidUrl", Some(-60955));
}

#[test]
fn styles_are_stored_listed_used_and_deleted() {
    let server = TestServer::start("styles", |_| {});
    let pic_host = [("Host", "examplebucket-1250000000.pic.ap-guangzhou.myqcloud.com")];
    let add = |name: &str, body: &str| {
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<AddStyle>\n  <StyleName>{name}</StyleName>\n  <StyleBody>{body}</StyleBody>\n</AddStyle>"
        );
        server.send("PUT", "/?style", &pic_host, xml.as_bytes())
    };
    let added = add("small", "imageMogr2/thumbnail/!50p");
    assert_eq!(added.status, 200, "{}", added.text());
    assert_eq!(add("png", "imageMogr2/format/png").status, 200);
    add("bad name", "imageInfo").assert_error(400, "InvalidParameter", Some(-60998));
    add("worse", "imageMogr2/rotate/999").assert_error(400, "InvalidParameter", Some(-60998));
    add("nested", "style/small").assert_error(400, "InvalidParameter", Some(-60998));
    server.send("PUT", "/?style", &pic_host, b"<Nope/>").assert_error(400, "MalformedXML", Some(-103));

    let list = server.send("GET", "/?style", &pic_host, b"");
    assert_eq!(list.status, 200);
    let text = list.text();
    assert!(text.contains("<StyleName>small</StyleName>") && text.contains("<StyleName>png</StyleName>"), "{text}");
    assert!(text.contains("<StyleBody>imageMogr2/thumbnail/!50p</StyleBody>"), "{text}");
    let one = server.send("GET", "/?style=", &pic_host, b"<GetStyle><StyleName>png</StyleName></GetStyle>");
    assert!(one.text().contains("png") && !one.text().contains("small"), "{}", one.text());

    let photo = testdata("landscape_orient6.jpg");
    assert_eq!(server.send("PUT", "/p.jpg", &[], &photo).status, 200);
    let styled = server.send("GET", "/p.jpg?style/small|style/png", &[], b"");
    assert_eq!(styled.status, 200, "{}", styled.text());
    assert_eq!(styled.header("content-type"), Some("image/png"));
    assert_eq!((probe(&styled.body).width, probe(&styled.body).height), (600, 900));
    server.send("GET", "/p.jpg?style/nope", &[], b"").assert_error(404, "StyleNotFound", Some(-60967));

    // Styles survive a restart.
    let root = server.stop();
    let server = TestServer::start_on(root, |_| {});
    let delete =
        server.send("DELETE", "/?style", &pic_host, b"<DeleteStyle><StyleName>small</StyleName></DeleteStyle>");
    assert_eq!(delete.status, 200, "{}", delete.text());
    server
        .send("DELETE", "/?style", &pic_host, b"<DeleteStyle><StyleName>small</StyleName></DeleteStyle>")
        .assert_error(404, "StyleNotFound", Some(-60967));
    server.send("GET", "/p.jpg?style/small", &[], b"").assert_error(404, "StyleNotFound", Some(-60967));
    let list = server.send("GET", "/?style", &pic_host, b"").text();
    assert!(list.contains("png") && !list.contains("small"), "{list}");
}

#[test]
fn persistent_processing_on_upload_and_in_the_cloud() {
    let server = TestServer::start("persist", |_| {});
    std::fs::create_dir_all(server.root.join("destbucket-1250000000")).unwrap();
    let photo = testdata("landscape_orient6.jpg");
    let operations = r#"{"is_pic_info":1,"rules":[
        {"fileid":"small/p.png","rule":"imageMogr2/auto-orient/thumbnail/300x/format/png"},
        {"fileid":"/top.webp","rule":"imageMogr2/thumbnail/!10p/format/webp"},
        {"bucket":"destbucket-1250000000","fileid":"copy.jpg","rule":"imageMogr2/thumbnail/100x/quality/70"}]}"#
        .replace('\n', "");
    let put = server.send("PUT", "/p1/test1.jpg", &[("Pic-Operations", &operations)], &photo);
    assert_eq!(put.status, 200, "{}", put.text());
    assert_eq!(put.header("content-type"), Some("application/xml"));
    let xml = put.text();
    assert!(xml.starts_with("<?xml") && xml.contains("<UploadResult>"), "{xml}");
    let original = xml_text(&xml, "OriginalInfo").unwrap();
    assert_eq!(xml_text(&original, "Key").as_deref(), Some("p1/test1.jpg"));
    assert_eq!(xml_text(&original, "Location").unwrap(), format!("{HOST}/p1/test1.jpg"));
    assert_eq!(xml_text(&original, "ETag").unwrap(), etag(&photo));
    assert_eq!(xml_text(&original, "Format").as_deref(), Some("JPEG"));
    assert_eq!(xml_text(&original, "Width").as_deref(), Some("1200"));
    assert_eq!(xml_text(&original, "Orientation").as_deref(), Some("6"));
    assert!(xml_text(&original, "Ave").unwrap().starts_with("0x"));
    assert_eq!(xml_text(&original, "FrameCount").as_deref(), Some("1"));

    let objects: Vec<&str> = xml.split("<Object>").skip(1).collect();
    assert_eq!(objects.len(), 3, "{xml}");
    assert_eq!(xml_text(objects[0], "FrameCount").as_deref(), Some("1"));
    assert!(!objects[0].contains("WatermarkStatus"), "{xml}");
    assert_eq!(xml_text(objects[0], "Key").as_deref(), Some("p1/small/p.png"));
    assert_eq!(xml_text(objects[0], "Format").as_deref(), Some("png"));
    assert_eq!(xml_text(objects[0], "Width").as_deref(), Some("300"));
    assert_eq!(xml_text(objects[0], "Height").as_deref(), Some("200"));
    let small = std::fs::read(server.bucket_dir().join("p1/small/p.png")).unwrap();
    assert_eq!(xml_text(objects[0], "Size").unwrap(), small.len().to_string());
    assert_eq!(xml_text(objects[0], "ETag").unwrap(), etag(&small));
    assert_eq!(xml_text(objects[1], "Key").as_deref(), Some("top.webp"));
    assert!(server.bucket_dir().join("top.webp").is_file());
    assert_eq!(
        xml_text(objects[2], "Location").unwrap(),
        "destbucket-1250000000.cos.ap-guangzhou.myqcloud.com/p1/copy.jpg"
    );
    assert_eq!(xml_text(objects[2], "Quality").as_deref(), Some("70"));
    assert!(server.root.join("destbucket-1250000000/p1/copy.jpg").is_file());
    assert_eq!(std::fs::read(server.bucket_dir().join("p1/test1.jpg")).unwrap(), photo);
    assert_eq!(server.send("GET", "/p1/small/p.png", &[], b"").header("content-type"), Some("image/png"));

    // In the cloud: process the stored object; without is_pic_info there is no ImageInfo.
    let operations = r#"{"rules":[{"fileid":"gray.jpg","rule":"imageMogr2/grayscale/1"}]}"#;
    let post = server.send("POST", "/p1/test1.jpg?image_process", &[("Pic-Operations", operations)], b"");
    assert_eq!(post.status, 200, "{}", post.text());
    assert!(!post.text().contains("<ImageInfo>"));
    assert_eq!(xml_text(&post.text(), "Key").as_deref(), Some("p1/test1.jpg"));
    assert!(server.bucket_dir().join("p1/gray.jpg").is_file());

    // Overwriting the original: OriginalInfo's ETag is the result's.
    let operations = r#"{"rules":[{"fileid":"/p1/test1.jpg","rule":"imageMogr2/thumbnail/50x"}]}"#;
    let post = server.send("POST", "/p1/test1.jpg?image_process=", &[("Pic-Operations", operations)], b"");
    assert_eq!(post.status, 200, "{}", post.text());
    let stored = std::fs::read(server.bucket_dir().join("p1/test1.jpg")).unwrap();
    assert_eq!(xml_text(&xml_text(&post.text(), "OriginalInfo").unwrap(), "ETag").unwrap(), etag(&stored));

    // Refused before anything is written.
    let refusals = [
        (r#"{"rules":[{"fileid":"/../x.jpg","rule":"imageInfo"}]}"#, 400, -60998),
        (r#"{"rules":[{"fileid":"a\\b.jpg","rule":"imageInfo"}]}"#, 400, -60955),
        (r#"{"rules":[{"fileid":"x.jpg","rule":"style/none"}]}"#, 404, -60967),
        (r#"{"rules":[{"fileid":"x.jpg","rule":"imageMogr2/rotate/999"}]}"#, 400, -60998),
        (r#"{"rules":[{"bucket":"missing-1250000000","fileid":"x.jpg","rule":"imageInfo"}]}"#, 404, 0),
        (
            r#"{"rules":[{"fileid":"1","rule":"imageInfo"},{"fileid":"2","rule":"imageInfo"},{"fileid":"3","rule":"imageInfo"},{"fileid":"4","rule":"imageInfo"},{"fileid":"5","rule":"imageInfo"},{"fileid":"6","rule":"imageInfo"}]}"#,
            400,
            -60997,
        ),
    ];
    for (operations, status, errno) in refusals {
        let reply = server.send("PUT", "/new/up.jpg", &[("Pic-Operations", operations)], &photo);
        assert_eq!(reply.status, status, "{operations}: {}", reply.text());
        if errno != 0 {
            assert_eq!(reply.header("x-errno"), Some(errno.to_string().as_str()), "{operations}");
        }
    }
    assert!(!server.bucket_dir().join("new").exists());
    let not_image = server.send(
        "PUT",
        "/new/t.txt",
        &[("Pic-Operations", r#"{"rules":[{"fileid":"o.png","rule":"imageMogr2/format/png"}]}"#)],
        b"text",
    );
    not_image.assert_error(415, "UnsupportedFormat", Some(-443));
    assert!(!server.bucket_dir().join("new").exists());
    server.send("POST", "/p1/none.jpg?image_process", &[("Pic-Operations", operations)], b"").assert_error(
        404,
        "NoSuchKey",
        Some(-46628),
    );
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

#[test]
fn signatures_are_required_when_keys_are_set() {
    let credentials = Credentials { secret_id: "AKIDtest".into(), secret_key: "secret-key".into() };
    let keys = credentials.clone();
    let server = TestServer::start("auth", move |c| c.credentials = Some(keys));
    let host = ("host".to_owned(), HOST.to_owned());
    let sign =
        |method: &str, path: &str, params: &[(String, String)], headers: &[(String, String)], start: u64, end: u64| {
            authorization(&credentials, method, path, params, headers, start, end)
        };
    let t = now();

    server.send("PUT", "/a.txt", &[], b"data").assert_error(403, "AccessDenied", Some(-46618));
    let length = ("content-length".to_owned(), "4".to_owned());
    let auth = sign("PUT", "/a.txt", &[], &[host.clone(), length.clone()], t - 60, t + 600);
    assert_eq!(server.send("PUT", "/a.txt", &[("Authorization", &auth)], b"data").status, 200);
    // The signed Content-Length is checked: a different body is refused.
    server.send("PUT", "/a.txt", &[("Authorization", &auth)], b"other").assert_error(403, "AccessDenied", Some(-46618));

    let auth = sign("GET", "/a.txt", &[], std::slice::from_ref(&host), t - 60, t + 600);
    let get = server.send("GET", "/a.txt", &[("Authorization", &auth)], b"");
    assert_eq!((get.status, get.body.as_slice()), (200, b"data".as_slice()));
    // Expired.
    let old = sign("GET", "/a.txt", &[], std::slice::from_ref(&host), t - 7200, t - 3600);
    server.send("GET", "/a.txt", &[("Authorization", &old)], b"").assert_error(403, "AccessDenied", Some(-46619));
    // Tampered: another path, another signature, another key, another host.
    server.send("GET", "/b.txt", &[("Authorization", &auth)], b"").assert_error(403, "AccessDenied", Some(-46618));
    let forged = format!("{}0000", &auth[..auth.len() - 4]);
    server.send("GET", "/a.txt", &[("Authorization", &forged)], b"").assert_error(403, "AccessDenied", Some(-46618));
    let wrong = Credentials { secret_id: "AKIDtest".into(), secret_key: "guess".into() };
    let wrong = authorization(&wrong, "GET", "/a.txt", &[], std::slice::from_ref(&host), t - 60, t + 600);
    server.send("GET", "/a.txt", &[("Authorization", &wrong)], b"").assert_error(403, "AccessDenied", Some(-46618));
    let other_host = "examplebucket-1250000000.localhost";
    server.send("GET", "/a.txt", &[("Authorization", &auth), ("Host", other_host)], b"").assert_error(
        403,
        "AccessDenied",
        Some(-46618),
    );

    // A signed rule, in the header and as a pre-signed URL; changing the rule breaks it.
    let photo = testdata("landscape_orient6.jpg");
    let put_auth = sign("PUT", "/p.jpg", &[], std::slice::from_ref(&host), t - 60, t + 600);
    assert_eq!(server.send("PUT", "/p.jpg", &[("Authorization", &put_auth)], &photo).status, 200);
    let rule = ("imageMogr2/thumbnail/!10p".to_owned(), String::new());
    let auth = sign("GET", "/p.jpg", std::slice::from_ref(&rule), std::slice::from_ref(&host), t - 60, t + 600);
    let thumb = server.send("GET", "/p.jpg?imageMogr2%2Fthumbnail%2F%2110p=", &[("Authorization", &auth)], b"");
    assert_eq!(thumb.status, 200, "{}", thumb.text());
    server.send("GET", "/p.jpg?imageMogr2%2Fthumbnail%2F%2120p=", &[("Authorization", &auth)], b"").assert_error(
        403,
        "AccessDenied",
        Some(-46618),
    );
    let presigned = auth.replace(';', "%3B");
    let url = format!("/p.jpg?{presigned}&imageMogr2%2Fthumbnail%2F%2110p=");
    let reply = server.send("GET", &url, &[], b"");
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("content-type"), Some("image/jpeg"));
    let old = sign("GET", "/p.jpg", std::slice::from_ref(&rule), std::slice::from_ref(&host), t - 7200, t - 3600)
        .replace(';', "%3B");
    server.send("GET", &format!("/p.jpg?{old}&imageMogr2%2Fthumbnail%2F%2110p="), &[], b"").assert_error(
        403,
        "AccessDenied",
        Some(-46619),
    );
}

#[test]
fn blind_watermarks_report_their_status_in_upload_results() {
    let server = TestServer::start("blind", |c| c.blind_watermark_key = Some("installation one".into()));
    let text = mogr::syntax::encode_base64(b"mogr2026");
    let add = format!(r#"{{"rules":[{{"fileid":"marked.jpg","rule":"watermark/3/type/3/text/{text}"}}]}}"#);
    let put = server.send("PUT", "/photo.jpg", &[("Pic-Operations", &add)], &testdata("landscape_orient6.jpg"));
    assert_eq!(put.status, 200, "{}", put.text());
    let extract = r#"{"rules":[{"fileid":"found.json","rule":"watermark/4/type/3"}]}"#;
    let post = server.send("POST", "/marked.jpg?image_process", &[("Pic-Operations", extract)], b"");
    assert_eq!(post.status, 200, "{}", post.text());
    let xml = post.text();
    let status: u32 = xml_text(&xml, "WatermarkStatus").unwrap_or_else(|| panic!("{xml}")).parse().unwrap();
    assert!(status > 75, "{xml}");
    assert_eq!(xml_text(&xml, "Format").as_deref(), Some("json"), "{xml}");
    let found: serde_json::Value =
        serde_json::from_slice(&std::fs::read(server.bucket_dir().join("found.json")).unwrap()).unwrap();
    assert_eq!(found["text"], "mogr2026");
    // Another key reads nothing.
    let root = server.stop();
    let other = TestServer::start_on(root, |c| c.blind_watermark_key = Some("installation two".into()));
    let reply = other.send("GET", "/marked.jpg?watermark/4/type/3", &[], b"");
    let found: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
    assert!(found["text"].is_null() && found["WatermarkStatus"].as_u64().unwrap() < 60, "{found}");
}

#[test]
fn metrics_count_requests_errors_bytes_and_images() {
    let server = TestServer::start("metrics", |c| c.metrics_listen = Some("127.0.0.1:0".parse().unwrap()));
    let metrics_addr = server.metrics_addr.expect("metrics were asked for");
    let photo = testdata("landscape_orient6.jpg");
    assert_eq!(server.send("PUT", "/p.jpg", &[], &photo).status, 200);
    server.send("GET", "/missing.jpg", &[], b"").assert_error(404, "NoSuchKey", Some(-46628));
    let thumb = server.send("GET", "/p.jpg?imageMogr2/thumbnail/100x", &[], b"");
    assert_eq!(thumb.status, 200);

    let scrape = common::send(metrics_addr, "GET", "/metrics", &[("Host", "127.0.0.1")], b"");
    assert_eq!(scrape.status, 200);
    assert!(scrape.header("content-type").unwrap().starts_with("application/openmetrics-text"));
    let text = scrape.text();
    let value = |line_start: &str| -> f64 {
        let line = text.lines().find(|l| l.starts_with(line_start)).unwrap_or_else(|| panic!("{line_start}: {text}"));
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    assert_eq!(value("mogr_http_requests_total{method=\"PUT\",status=\"200\"}"), 1.0);
    assert_eq!(value("mogr_http_requests_total{method=\"GET\",status=\"404\"}"), 1.0);
    assert_eq!(value("mogr_http_errors_total{code=\"NoSuchKey\",errno=\"-46628\"}"), 1.0);
    assert_eq!(value("mogr_http_request_bytes_total"), photo.len() as f64);
    assert!(value("mogr_http_response_bytes_total") >= thumb.body.len() as f64);
    assert_eq!(value("mogr_image_job_duration_seconds_count"), 1.0);
    assert_eq!(value("mogr_http_request_duration_seconds_count{method=\"GET\"}"), 2.0);
    assert_eq!(value("mogr_image_jobs_running"), 0.0);
    assert_eq!(value("mogr_http_requests_in_flight"), 0.0);
    // The buckets' port does not serve metrics.
    assert_eq!(server.send("GET", "/metrics", &[], b"").status, 404);
}

#[test]
fn bodies_in_memory_share_one_budget() {
    let server = TestServer::start("budget", |c| {
        c.max_body_bytes = 10_000;
        c.max_buffered_body_bytes = 10_000;
    });
    // A slow upload reserves its 8000 bytes before sending them.
    let mut slow = TcpStream::connect(server.addr).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    slow.write_all(&request_head("PUT", "/slow.bin", &[("Content-Length", "8000")], None)).unwrap();
    slow.write_all(&[1u8; 100]).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    // A second upload of 5000 bytes must wait for it...
    let addr = server.addr;
    let waiting = std::thread::spawn(move || common::send(addr, "PUT", "/fast.bin", &[], &[2u8; 5000]).status);
    std::thread::sleep(Duration::from_millis(500));
    assert!(!waiting.is_finished(), "the second body was read while the budget was spent");
    assert!(!server.bucket_dir().join("fast.bin").exists());
    // ...and goes through once the first is done.
    slow.write_all(&[1u8; 7900]).unwrap();
    assert_eq!(read_reply(&mut slow, false).status, 200);
    assert_eq!(waiting.join().unwrap(), 200);
    assert_eq!(std::fs::read(server.bucket_dir().join("fast.bin")).unwrap().len(), 5000);
}

#[test]
fn slow_requests_time_out() {
    let server = TestServer::start("timeout", |c| c.request_timeout = Duration::from_secs(1));
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream.write_all(&request_head("PUT", "/slow", &[("Content-Length", "10")], None)).unwrap();
    stream.write_all(b"12345").unwrap();
    let reply = read_reply(&mut stream, false);
    reply.assert_error(503, "RequestTimeout", Some(-901));
    assert!(!server.bucket_dir().join("slow").exists());
}

#[test]
fn help_documents_every_option() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_mogr-server")).arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for option in [
        "--root",
        "--listen",
        "--secret-id",
        "--secret-key",
        "--config",
        "--public-read",
        "--metrics-listen",
        "--blind-watermark-key",
        "public_read",
        "metrics_listen",
        "max_body_bytes",
        "workers",
        "request_timeout_secs",
    ] {
        assert!(help.contains(option), "{option} missing from:\n{help}");
    }
}

#[test]
fn sigterm_finishes_requests_in_flight() {
    let root = std::env::temp_dir().join(format!("server-test-sigterm-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join(BUCKET)).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_mogr-server"))
        .args(["--root", root.to_str().unwrap(), "--listen", "127.0.0.1:0"])
        .env("RUST_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut log = Vec::new();
    let addr: std::net::SocketAddr = loop {
        let line = rx.recv_timeout(Duration::from_secs(30)).expect("the server logs its address");
        log.push(line.clone());
        if let Some(at) = line.find("addr=") {
            break line[at + 5..].split_whitespace().next().unwrap().parse().unwrap();
        }
    };
    // The open-server warning comes right after.
    let warning = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(warning.contains("OPEN local server"), "{warning}");

    // Half a request in flight, then SIGTERM, then the rest of it.
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    stream.write_all(&request_head("PUT", "/inflight.txt", &[("Content-Length", "10")], None)).unwrap();
    stream.write_all(b"12345").unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let killed = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    std::thread::sleep(Duration::from_millis(300));
    assert!(TcpStream::connect(addr).is_err(), "still accepting after SIGTERM");
    stream.write_all(b"67890").unwrap();
    let reply = read_reply(&mut stream, false);
    assert_eq!(reply.status, 200, "{}", reply.text());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert_eq!(std::fs::read(root.join(BUCKET).join("inflight.txt")).unwrap(), b"1234567890");
    std::fs::remove_dir_all(root).unwrap();
}
