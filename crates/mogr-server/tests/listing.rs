//! GET Bucket (listing objects) and HEAD Bucket over real HTTP with the local store: prefix,
//! delimiter, marker and max-keys paging, encoding-type=url, the server's own files never
//! listed, metadata as HEAD answers it, errors, and signatures.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{SystemTime, UNIX_EPOCH};

use common::{HOST, TestServer, common_prefixes, etag, iso8601, keys, list_in_pages, testdata};
use mogr_server::auth::{Credentials, authorization};

fn put(server: &TestServer, key_path: &str, body: &[u8]) {
    let reply = server.send("PUT", key_path, &[], body);
    assert_eq!(reply.status, 200, "{key_path}: {}", reply.text());
}

/// Percent-decodes a `encoding-type=url` value.
fn url_decode(text: &str) -> String {
    mogr::plan::key::percent_decode(text).unwrap()
}

#[test]
fn an_empty_bucket_lists_nothing() {
    let server = TestServer::start("list-empty", |_| {});
    let reply = server.send("GET", "/", &[], b"");
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("content-type"), Some("application/xml"));
    let xml = reply.text();
    assert!(xml.starts_with("<?xml") && xml.contains("<ListBucketResult>"), "{xml}");
    assert_eq!(reply.xml("Name").as_deref(), Some(common::BUCKET));
    assert_eq!(reply.xml("Prefix").as_deref(), Some(""));
    assert_eq!(reply.xml("Marker").as_deref(), Some(""));
    assert_eq!(reply.xml("MaxKeys").as_deref(), Some("1000"));
    assert_eq!(reply.xml("IsTruncated").as_deref(), Some("false"));
    assert!(!xml.contains("<Contents>") && !xml.contains("<NextMarker>") && !xml.contains("<Delimiter>"), "{xml}");
}

#[test]
fn keys_prefixes_and_delimiters() {
    let server = TestServer::start("list-keys", |_| {});
    for key in ["/a/b/c.jpg", "/a/b/d.jpg", "/a/e.jpg", "/a-z", "/b.txt", "/photos/2024/x.png"] {
        put(&server, key, key.as_bytes());
    }
    let expected = ["a-z", "a/b/c.jpg", "a/b/d.jpg", "a/e.jpg", "b.txt", "photos/2024/x.png"];
    assert_eq!(keys(&server.send("GET", "/", &[], b"")), expected);
    assert_eq!(keys(&server.send("GET", "/?prefix=a%2F", &[], b"")), ["a/b/c.jpg", "a/b/d.jpg", "a/e.jpg"]);
    assert_eq!(keys(&server.send("GET", "/?prefix=a", &[], b"")), ["a-z", "a/b/c.jpg", "a/b/d.jpg", "a/e.jpg"]);
    assert!(keys(&server.send("GET", "/?prefix=zzz", &[], b"")).is_empty());

    let top = server.send("GET", "/?delimiter=%2F", &[], b"");
    assert_eq!(keys(&top), ["a-z", "b.txt"]);
    assert_eq!(common_prefixes(&top), ["a/", "photos/"]);
    assert_eq!(top.xml("Delimiter").as_deref(), Some("/"));
    let inside = server.send("GET", "/?prefix=a%2F&delimiter=%2F", &[], b"");
    assert_eq!(keys(&inside), ["a/e.jpg"]);
    assert_eq!(common_prefixes(&inside), ["a/b/"]);
    assert_eq!(inside.xml("Prefix").as_deref(), Some("a/"));
    // Any delimiter, not only '/'.
    let dash = server.send("GET", "/?delimiter=-", &[], b"");
    assert_eq!(common_prefixes(&dash), ["a-"]);
    assert_eq!(keys(&dash), ["a/b/c.jpg", "a/b/d.jpg", "a/e.jpg", "b.txt", "photos/2024/x.png"]);
    // The empty parameters an SDK sends mean "none".
    assert_eq!(keys(&server.send("GET", "/?prefix=&delimiter=&marker=&max-keys=1000", &[], b"")), expected);

    // Metadata as HEAD answers it.
    let listing = server.send("GET", "/?prefix=b.txt", &[], b"");
    let head = server.send("HEAD", "/b.txt", &[], b"");
    assert_eq!(listing.xml("ETag").as_deref(), head.header("etag"));
    assert_eq!(listing.xml("ETag"), Some(etag(b"/b.txt")));
    assert_eq!(listing.xml("Size").as_deref(), Some("6"));
    let listed = listing.xml("LastModified").unwrap();
    let modified = httpdate::parse_http_date(head.header("last-modified").unwrap()).unwrap();
    assert_eq!(listed, iso8601(modified));
    assert_eq!(listing.xml("StorageClass").as_deref(), Some("STANDARD"));
    assert_eq!(listing.xml("ID").as_deref(), Some("1250000000"));
    assert_eq!(listing.xml("DisplayName").as_deref(), Some("1250000000"));
}

#[test]
fn pages_reassemble_the_whole_listing() {
    let server = TestServer::start("list-pages", |_| {});
    let mut all_keys: Vec<String> = (0..23).map(|i| format!("k/{:02}/{}.txt", i % 7, i)).collect();
    all_keys.extend(["top-1", "top-2", "z"].map(str::to_owned));
    for key in &all_keys {
        put(&server, &format!("/{key}"), b"x");
    }
    all_keys.sort();
    for (delimiter, expected) in
        [("", all_keys.clone()), ("%2F", vec!["k/".into(), "top-1".into(), "top-2".into(), "z".into()])]
    {
        let mut seen = list_in_pages(&server, delimiter, 4);
        seen.sort();
        assert_eq!(seen, expected, "delimiter {delimiter:?}");
    }
    // max-keys=1: one key and NextMarker naming it.
    let first = server.send("GET", "/?max-keys=1", &[], b"");
    assert_eq!(keys(&first), [all_keys[0].clone()]);
    assert_eq!((first.xml("IsTruncated"), first.xml("NextMarker")), (Some("true".into()), Some(all_keys[0].clone())));
    // Over 1000 is read as 1000.
    assert_eq!(server.send("GET", "/?max-keys=5000", &[], b"").xml("MaxKeys").as_deref(), Some("1000"));
}

#[test]
fn url_encoding_of_names() {
    let server = TestServer::start("list-encoding", |_| {});
    put(&server, "/dir%20one/%E6%B5%8B%E8%AF%95%2B1.jpg", b"1");
    put(&server, "/dir%20one/sub/x.jpg", b"2");
    put(&server, "/a%26b%3C%3E.txt", b"3");
    let plain = server.send("GET", "/", &[], b"");
    assert_eq!(keys(&plain), ["a&b<>.txt", "dir one/sub/x.jpg", "dir one/测试+1.jpg"]);
    assert!(plain.text().contains("<Key>a&amp;b&lt;&gt;.txt</Key>"), "{}", plain.text());

    let encoded =
        server.send("GET", "/?encoding-type=url&prefix=dir%20one%2F&delimiter=%2F&marker=dir%20one%2Fa", &[], b"");
    let text = encoded.text();
    assert_eq!(encoded.xml("EncodingType").as_deref(), Some("url"));
    assert_eq!(keys(&encoded), ["dir%20one%2F%E6%B5%8B%E8%AF%95%2B1.jpg"]);
    assert_eq!(common_prefixes(&encoded), ["dir%20one%2Fsub%2F"]);
    assert!(text.contains("<Prefix>dir%20one%2F</Prefix>"), "{text}");
    assert_eq!(encoded.xml("Marker").as_deref(), Some("dir%20one%2Fa"));
    assert_eq!(encoded.xml("Delimiter").as_deref(), Some("%2F"));
    assert_eq!(url_decode(&keys(&encoded)[0]), "dir one/测试+1.jpg");
    let paged = server.send("GET", "/?encoding-type=url&max-keys=1", &[], b"");
    assert_eq!(paged.xml("NextMarker").as_deref(), Some("a%26b%3C%3E.txt"));
}

#[test]
fn the_servers_own_files_are_never_listed() {
    let server = TestServer::start("list-internal", |_| {});
    let photo = testdata("landscape_orient6.jpg");
    let operations =
        r#"{"is_pic_info":1,"rules":[{"fileid":"/out/small.png","rule":"imageMogr2/thumbnail/50x/format/png"}]}"#;
    let put_processed = server.send("PUT", "/in/p.jpg", &[("Pic-Operations", operations)], &photo);
    assert_eq!(put_processed.status, 200, "{}", put_processed.text());
    let pic_host = [("Host", "examplebucket-1250000000.pic.ap-guangzhou.myqcloud.com")];
    let style = "<AddStyle><StyleName>small</StyleName><StyleBody>imageMogr2/thumbnail/10x</StyleBody></AddStyle>";
    assert_eq!(server.send("PUT", "/?style", &pic_host, style.as_bytes()).status, 200);
    assert!(server.root.join(".mogr").is_dir(), "the settings and sidecars exist");
    // Files no GET returns: a temporary file, an empty folder, a name that is no key, links.
    let dir = server.bucket_dir();
    std::fs::write(dir.join("in/.mogr-tmp-123-4"), b"partial").unwrap();
    std::fs::create_dir_all(dir.join("empty/deeper")).unwrap();
    std::fs::write(dir.join("back\\slash"), b"x").unwrap();
    std::fs::write(server.root.join("outside.txt"), b"secret").unwrap();
    std::os::unix::fs::symlink(server.root.join("outside.txt"), dir.join("leak.txt")).unwrap();
    std::os::unix::fs::symlink(dir.join("in/p.jpg"), dir.join("alias.jpg")).unwrap();

    let listed = keys(&server.send("GET", "/", &[], b""));
    assert_eq!(listed, ["alias.jpg", "in/p.jpg", "out/small.png"]);
    for key in &listed {
        assert_eq!(server.send("HEAD", &format!("/{key}"), &[], b"").status, 200, "{key}");
    }
    let top = server.send("GET", "/?delimiter=%2F", &[], b"");
    assert_eq!(common_prefixes(&top), ["in/", "out/"]);
    assert!(!top.text().contains(".mogr"), "{}", top.text());
}

#[test]
fn bad_parameters_are_refused() {
    let server = TestServer::start("list-bad", |_| {});
    for bad in ["max-keys=-1", "max-keys=ten", "max-keys=", "max-keys=1.5"] {
        let reply = server.send("GET", &format!("/?{bad}"), &[], b"");
        reply.assert_error(400, "InvalidArgument", Some(-103));
        assert!(reply.xml("Message").unwrap().contains("max-keys"), "{}", reply.text());
    }
    for bad in ["encoding-type=base64", "encoding-type=URL", "encoding-type="] {
        let reply = server.send("GET", &format!("/?{bad}"), &[], b"");
        reply.assert_error(400, "InvalidArgument", Some(-103));
        assert!(reply.xml("Message").unwrap().contains("encoding-type"), "{}", reply.text());
    }
    server.send("POST", "/", &[], b"").assert_error(405, "MethodNotAllowed", None);
    // Other bucket APIs are not answered with a listing: `?uploads` lists multipart uploads,
    // the ones not implemented say so.
    let uploads = server.send("GET", "/?uploads", &[], b"");
    assert_eq!(uploads.status, 200, "{}", uploads.text());
    assert!(uploads.text().contains("<ListMultipartUploadsResult>"), "{}", uploads.text());
    for other in ["acl", "versions", "list-type=2&prefix=a", "location"] {
        let reply = server.send("GET", &format!("/?{other}"), &[], b"");
        reply.assert_error(501, "NotImplemented", None);
    }
}

#[test]
fn head_bucket_answers_whether_it_exists() {
    let server = TestServer::start("head-bucket", |_| {});
    let head = server.send("HEAD", "/", &[], b"");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert!(head.header("x-cos-request-id").is_some());
    let other = [("Host", "otherbucket-1250000000.cos.ap-guangzhou.myqcloud.com")];
    let missing = server.send("HEAD", "/", &other, b"");
    assert_eq!(missing.status, 404);
    assert!(missing.body.is_empty());
    // The same error as GET of the missing bucket (HEAD has no body to show it).
    server.send("GET", "/", &other, b"").assert_error(404, "NoSuchBucket", None);
}

#[test]
fn listing_needs_a_signature_even_with_public_read() {
    let credentials = Credentials { secret_id: "AKIDtest".into(), secret_key: "secret-key".into() };
    let keys_given = credentials.clone();
    let server = TestServer::start("list-auth", move |c| {
        c.credentials = Some(keys_given);
        c.public_read = true;
    });
    let t = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let host = [("host".to_owned(), HOST.to_owned())];
    let sign = |method: &str, path: &str, params: &[(String, String)]| {
        authorization(&credentials, method, path, params, &host, t - 60, t + 600)
    };
    let put = server.send("PUT", "/x.txt", &[("Authorization", &sign("PUT", "/x.txt", &[]))], b"x");
    assert_eq!(put.status, 200, "{}", put.text());
    // Unsigned downloads are let in; unsigned listing is not.
    assert_eq!(server.send("GET", "/x.txt", &[], b"").status, 200);
    server.send("GET", "/", &[], b"").assert_error(403, "AccessDenied", Some(-46618));
    server.send("GET", "/?prefix=x", &[], b"").assert_error(403, "AccessDenied", Some(-46618));
    assert_eq!(server.send("HEAD", "/", &[], b"").status, 403);
    // Signed (the parameters too), it lists.
    let params = [("prefix".to_owned(), "x".to_owned())];
    let listed = server.send("GET", "/?prefix=x", &[("Authorization", &sign("GET", "/", &params))], b"");
    assert_eq!(keys(&listed), ["x.txt"]);
    assert_eq!(server.send("HEAD", "/", &[("Authorization", &sign("HEAD", "/", &[]))], b"").status, 200);
    // A signature for another request (another method, another path) is refused.
    for forged in [sign("PUT", "/", &[]), sign("GET", "/x.txt", &[])] {
        server.send("GET", "/", &[("Authorization", &forged)], b"").assert_error(403, "AccessDenied", Some(-46618));
    }
}
