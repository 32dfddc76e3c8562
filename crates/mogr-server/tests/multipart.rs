//! Multipart uploads over real HTTP with the local store: initiate, parts, complete, abort,
//! the two listings, and every refusal (bad ids, bad part lists, limits, Pic-Operations).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use common::{BUCKET, HOST, Reply, TestServer, etag, xml_text};
use md5::{Digest, Md5};
use mogr_server::auth::{Credentials, authorization};

/// Starts an upload of `key` and returns its id.
fn initiate(server: &TestServer, key: &str, headers: &[(&str, &str)]) -> String {
    let reply = server.send("POST", &format!("/{key}?uploads"), headers, b"");
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.xml("Bucket").as_deref(), Some(BUCKET));
    assert_eq!(reply.xml("Key").as_deref(), Some(key));
    reply.xml("UploadId").expect("an UploadId")
}

fn put_part(server: &TestServer, key: &str, id: &str, number: u16, bytes: &[u8]) -> Reply {
    server.send("PUT", &format!("/{key}?partNumber={number}&uploadId={id}"), &[], bytes)
}

/// Uploads a part and returns its ETag, checked to be the part's MD5.
fn part(server: &TestServer, key: &str, id: &str, number: u16, bytes: &[u8]) -> String {
    let reply = put_part(server, key, id, number, bytes);
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("etag"), Some(etag(bytes).as_str()));
    assert!(reply.head.contains("\r\nETag: "), "{}", reply.head);
    etag(bytes)
}

fn complete_body(parts: &[(u16, &str)]) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?><CompleteMultipartUpload>");
    for (number, etag) in parts {
        xml.push_str(&format!(
            "<Part><PartNumber>{number}</PartNumber><ETag>{}</ETag></Part>",
            etag.replace('"', "&quot;")
        ));
    }
    xml.push_str("</CompleteMultipartUpload>");
    xml
}

fn complete(server: &TestServer, key: &str, id: &str, parts: &[(u16, &str)]) -> Reply {
    server.send("POST", &format!("/{key}?uploadId={id}"), &[], complete_body(parts).as_bytes())
}

/// COS's ETag of an object made of parts with these contents.
fn multipart_etag(parts: &[&[u8]]) -> String {
    let mut joined = Vec::new();
    for part in parts {
        joined.extend_from_slice(&Md5::digest(part));
    }
    format!("\"{}-{}\"", etag(&joined).trim_matches('"'), parts.len())
}

fn staging(server: &TestServer, id: &str) -> PathBuf {
    server.root.join(".mogr/uploads").join(BUCKET).join(id)
}

fn all_texts(xml: &str, name: &str) -> Vec<String> {
    xml.split(&format!("<{name}>")).skip(1).filter_map(|rest| xml_text(&format!("<{name}>{rest}"), name)).collect()
}

/// Every file under `dir`, relative to it.
fn files_under(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    found.sort();
    found
}

#[test]
fn parts_out_of_order_complete_into_the_exact_concatenation() {
    let server = TestServer::start("mp-roundtrip", |_| {});
    let key = "photos/big.bin";
    assert_eq!(server.send("PUT", &format!("/{key}"), &[], b"the old object").status, 200);
    let id = initiate(&server, key, &[("Content-Type", "application/x-mogr-test")]);
    assert!(id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    let (one, two, three) = (vec![1u8; 300_000], vec![2u8; 250_000], b"the last, short part".to_vec());
    part(&server, key, &id, 3, &three);
    part(&server, key, &id, 1, &one);
    part(&server, key, &id, 2, b"a first try, replaced below");
    let two_etag = part(&server, key, &id, 2, &two);

    // Until Complete, the old object stays readable and the parts are not objects.
    let during = server.send("GET", &format!("/{key}"), &[], b"");
    assert_eq!(during.body, b"the old object");
    assert!(staging(&server, &id).join("upload.json").is_file());

    let body = [(1, etag(&one)), (2, two_etag), (3, etag(&three))];
    let named: Vec<(u16, &str)> = body.iter().map(|(n, e)| (*n, e.as_str())).collect();
    let done = complete(&server, key, &id, &named);
    assert_eq!(done.status, 200, "{}", done.text());
    let expected_etag = multipart_etag(&[&one, &two, &three]);
    assert_eq!(done.xml("ETag").as_deref(), Some(expected_etag.as_str()));
    assert_eq!(done.xml("Bucket").as_deref(), Some(BUCKET));
    assert_eq!(done.xml("Key").as_deref(), Some(key));
    assert_eq!(done.xml("Location").as_deref(), Some(format!("{HOST}/{key}").as_str()));

    let whole = [one.as_slice(), two.as_slice(), three.as_slice()].concat();
    let get = server.send("GET", &format!("/{key}"), &[], b"");
    assert_eq!(get.status, 200);
    assert!(get.body == whole, "the object is not the concatenation of the parts");
    assert_eq!(get.header("etag"), Some(expected_etag.as_str()));
    assert_eq!(get.header("content-type"), Some("application/x-mogr-test"));
    let head = server.send("HEAD", &format!("/{key}"), &[], b"");
    assert_eq!(head.header("etag"), Some(expected_etag.as_str()));
    assert_eq!(head.header("content-length"), Some(whole.len().to_string().as_str()));
    let range = server.send("GET", &format!("/{key}"), &[("Range", "bytes=299999-300001")], b"");
    assert_eq!(range.body, [1, 2, 2]);

    // The staging is gone, and the upload with it; no temporary file is left beside the object.
    assert!(!staging(&server, &id).exists());
    assert_eq!(files_under(&server.bucket_dir().join("photos")), ["big.bin"]);
    server.send("GET", &format!("/{key}?uploadId={id}"), &[], b"").assert_error(404, "NoSuchUpload", None);
    complete(&server, key, &id, &named).assert_error(404, "NoSuchUpload", None);
}

#[test]
fn a_bad_part_list_is_refused_and_the_upload_kept() {
    let server = TestServer::start("mp-refusals", |_| {});
    let key = "doc.txt";
    let id = initiate(&server, key, &[]);
    let a = part(&server, key, &id, 1, b"alpha ");
    let b = part(&server, key, &id, 2, b"beta");

    let wrong = complete(&server, key, &id, &[(1, &a), (2, "\"00000000000000000000000000000000\"")]);
    wrong.assert_error(400, "InvalidPart", None);
    complete(&server, key, &id, &[(2, &b), (1, &a)]).assert_error(400, "InvalidPartOrder", None);
    complete(&server, key, &id, &[(1, &a), (1, &a)]).assert_error(400, "InvalidPartOrder", None);
    complete(&server, key, &id, &[(1, &a), (3, &b)]).assert_error(400, "InvalidPart", None);
    let empty = server.send("POST", &format!("/{key}?uploadId={id}"), &[], b"<CompleteMultipartUpload/>");
    empty.assert_error(400, "MalformedXML", Some(-103));
    let other = server.send("POST", &format!("/{key}?uploadId={id}"), &[], b"<Other></Other>");
    other.assert_error(400, "MalformedXML", Some(-103));

    // Pic-Operations is refused before anything is assembled; the upload stays.
    let operations = r#"{"rules":[{"fileid":"x.png","rule":"imageMogr2/format/png"}]}"#;
    let body = complete_body(&[(1, &a), (2, &b)]);
    let pic = server.send("POST", &format!("/{key}?uploadId={id}"), &[("Pic-Operations", operations)], body.as_bytes());
    pic.assert_error(501, "NotImplemented", None);
    assert!(pic.text().contains("Pic-Operations"), "{}", pic.text());
    server.send("GET", &format!("/{key}"), &[], b"").assert_error(404, "NoSuchKey", Some(-46628));

    // Quotes on the ETags are optional.
    let done = complete(&server, key, &id, &[(1, a.trim_matches('"')), (2, &b)]);
    assert_eq!(done.status, 200, "{}", done.text());
    assert_eq!(server.send("GET", &format!("/{key}"), &[], b"").body, b"alpha beta");
}

#[test]
fn bad_and_foreign_upload_ids_touch_nothing() {
    let server = TestServer::start("mp-ids", |_| {});
    let id = initiate(&server, "mine.bin", &[]);
    part(&server, "mine.bin", &id, 1, b"mine");
    let before = files_under(&server.root);

    for bad in ["..%2F..%2Fescape", "../../escape", "%2e%2e%2f%2e%2e%2fx", "", "ABCDEF0123456789ABCDEF0123456789", "x"]
    {
        let target = format!("/mine.bin?partNumber=1&uploadId={bad}");
        put_part_raw(&server, &target).assert_error(400, "InvalidArgument", Some(-103));
        let listed = server.send("GET", &format!("/mine.bin?uploadId={bad}"), &[], b"");
        listed.assert_error(400, "InvalidArgument", Some(-103));
        server.send("DELETE", &format!("/mine.bin?uploadId={bad}"), &[], b"").assert_error(
            400,
            "InvalidArgument",
            Some(-103),
        );
    }
    let unknown = "0123456789abcdef0123456789abcdef";
    put_part(&server, "mine.bin", unknown, 1, b"x").assert_error(404, "NoSuchUpload", None);
    server.send("DELETE", &format!("/mine.bin?uploadId={unknown}"), &[], b"").assert_error(404, "NoSuchUpload", None);
    // Another key's upload is not this key's.
    put_part(&server, "other.bin", &id, 1, b"x").assert_error(404, "NoSuchUpload", None);
    complete(&server, "other.bin", &id, &[(1, &etag(b"mine"))]).assert_error(404, "NoSuchUpload", None);
    server.send("DELETE", &format!("/other.bin?uploadId={id}"), &[], b"").assert_error(404, "NoSuchUpload", None);
    for number in ["0", "10001", "-1", "x", ""] {
        let target = format!("/mine.bin?partNumber={number}&uploadId={id}");
        put_part_raw(&server, &target).assert_error(400, "InvalidArgument", Some(-103));
    }
    put_part_raw(&server, &format!("/mine.bin?uploadId={id}")).assert_error(400, "InvalidArgument", Some(-103));
    // Keys the store reserves cannot be uploaded to.
    server.send("POST", "/.mogr-tmp-1?uploads", &[], b"").assert_error(400, "InvalidURI", Some(-60955));
    server.send("POST", "/a/../b?uploads", &[], b"").assert_error(400, "InvalidURI", Some(-60955));

    assert_eq!(files_under(&server.root), before, "a refused request wrote something");
    // Part 10000 is the highest accepted.
    part(&server, "mine.bin", &id, 10_000, b"last");
}

fn put_part_raw(server: &TestServer, target: &str) -> Reply {
    server.send("PUT", target, &[], b"x")
}

#[test]
fn abort_removes_the_parts_and_the_upload() {
    let server = TestServer::start("mp-abort", |_| {});
    let id = initiate(&server, "a/b.bin", &[]);
    part(&server, "a/b.bin", &id, 1, b"one");
    part(&server, "a/b.bin", &id, 2, b"two");
    let abort = server.send("DELETE", &format!("/a/b.bin?uploadId={id}"), &[], b"");
    assert_eq!(abort.status, 204, "{}", abort.text());
    assert!(!staging(&server, &id).exists());
    put_part(&server, "a/b.bin", &id, 3, b"three").assert_error(404, "NoSuchUpload", None);
    assert!(!staging(&server, &id).exists(), "a part after the abort brought the upload back");
    server.send("DELETE", &format!("/a/b.bin?uploadId={id}"), &[], b"").assert_error(404, "NoSuchUpload", None);
    server.send("GET", &format!("/a/b.bin?uploadId={id}"), &[], b"").assert_error(404, "NoSuchUpload", None);
    complete(&server, "a/b.bin", &id, &[(1, &etag(b"one"))]).assert_error(404, "NoSuchUpload", None);
    server.send("GET", "/a/b.bin", &[], b"").assert_error(404, "NoSuchKey", Some(-46628));
    assert!(!server.bucket_dir().join("a").exists());
}

#[test]
fn list_parts_pages_by_part_number() {
    let server = TestServer::start("mp-list-parts", |_| {});
    let id = initiate(&server, "p.bin", &[]);
    for number in [5u16, 1, 4, 2, 3] {
        part(&server, "p.bin", &id, number, format!("part {number}").as_bytes());
    }
    let page = |query: &str| {
        let reply = server.send("GET", &format!("/p.bin?uploadId={id}{query}"), &[], b"");
        assert_eq!(reply.status, 200, "{}", reply.text());
        reply
    };
    let all = page("");
    let numbers = |reply: &Reply| all_texts(&reply.text(), "PartNumber");
    assert_eq!(numbers(&all), ["1", "2", "3", "4", "5"]);
    assert_eq!(all.xml("IsTruncated").as_deref(), Some("false"));
    assert_eq!(all.xml("MaxParts").as_deref(), Some("1000"));
    assert_eq!(all.xml("UploadId").as_deref(), Some(id.as_str()));
    assert_eq!(all.xml("Key").as_deref(), Some("p.bin"));
    assert_eq!(all_texts(&all.text(), "ETag")[0], etag(b"part 1"));
    assert_eq!(all_texts(&all.text(), "Size"), ["6"; 5]);
    let modified = all.xml("LastModified").unwrap();
    assert!(modified.len() == 24 && modified.ends_with('Z') && modified.as_bytes()[10] == b'T', "{modified}");

    let first = page("&max-parts=2");
    assert_eq!(numbers(&first), ["1", "2"]);
    assert_eq!(first.xml("IsTruncated").as_deref(), Some("true"));
    assert_eq!(first.xml("NextPartNumberMarker").as_deref(), Some("2"));
    let second = page("&max-parts=2&part-number-marker=2");
    assert_eq!(numbers(&second), ["3", "4"]);
    assert_eq!(second.xml("PartNumberMarker").as_deref(), Some("2"));
    let last = page("&max-parts=2&part-number-marker=4");
    assert_eq!(numbers(&last), ["5"]);
    assert_eq!(last.xml("IsTruncated").as_deref(), Some("false"));
    let bad = server.send("GET", &format!("/p.bin?uploadId={id}&max-parts=many"), &[], b"");
    bad.assert_error(400, "InvalidArgument", Some(-103));
}

#[test]
fn list_uploads_by_prefix_key_and_initiation() {
    let server = TestServer::start("mp-list-uploads", |_| {});
    let b1 = initiate(&server, "dir/b", &[]);
    let a1 = initiate(&server, "dir/a", &[]);
    std::thread::sleep(std::time::Duration::from_millis(5));
    let a2 = initiate(&server, "dir/a", &[]);
    let other = initiate(&server, "other/z", &[]);
    let list = |query: &str| {
        let reply = server.send("GET", &format!("/?uploads{query}"), &[], b"");
        assert_eq!(reply.status, 200, "{}", reply.text());
        reply
    };
    let all = list("");
    assert_eq!(all_texts(&all.text(), "UploadId"), [a1.clone(), a2.clone(), b1.clone(), other.clone()]);
    assert_eq!(all.xml("Bucket").as_deref(), Some(BUCKET));
    assert_eq!(all.xml("StorageClass").as_deref(), Some("STANDARD"));
    assert!(all.xml("Initiated").unwrap().ends_with('Z'));

    let dir = list("&prefix=dir%2F");
    assert_eq!(all_texts(&dir.text(), "Key"), ["dir/a", "dir/a", "dir/b"]);
    assert_eq!(dir.xml("Prefix").as_deref(), Some("dir/"));
    let first = list("&prefix=dir%2F&max-uploads=2");
    assert_eq!(all_texts(&first.text(), "UploadId"), [a1.clone(), a2.clone()]);
    assert_eq!(first.xml("IsTruncated").as_deref(), Some("true"));
    assert_eq!(first.xml("NextKeyMarker").as_deref(), Some("dir/a"));
    assert_eq!(first.xml("NextUploadIdMarker").as_deref(), Some(a2.as_str()));
    let rest = list(&format!("&prefix=dir%2F&max-uploads=2&key-marker=dir%2Fa&upload-id-marker={a2}"));
    assert_eq!(all_texts(&rest.text(), "UploadId"), std::slice::from_ref(&b1));
    assert_eq!(rest.xml("IsTruncated").as_deref(), Some("false"));
    let after_key = list("&key-marker=dir%2Fa");
    assert_eq!(all_texts(&after_key.text(), "UploadId"), [b1.clone(), other.clone()]);
    // What the Python SDK asks for: url-encoded keys.
    let encoded = server.send("POST", "/sp%20ace/%E6%B5%8B.jpg?uploads", &[], b"");
    assert_eq!(encoded.status, 200);
    let url = list("&prefix=sp&encoding-type=url");
    assert_eq!(url.xml("EncodingType").as_deref(), Some("url"));
    assert_eq!(url.xml("Key").as_deref(), Some("sp%20ace/%E6%B5%8B.jpg"));

    // A completed or aborted upload is no longer listed.
    server.send("DELETE", &format!("/dir/a?uploadId={a1}"), &[], b"");
    assert_eq!(all_texts(&list("&prefix=dir%2Fa").text(), "UploadId"), [a2]);
    server.send("PUT", "/?uploads", &[], b"").assert_error(405, "MethodNotAllowed", None);
}

#[test]
fn staged_parts_are_never_objects() {
    let server = TestServer::start("mp-hidden", |_| {});
    let id = initiate(&server, "x.bin", &[]);
    part(&server, "x.bin", &id, 1, b"secret part");
    for guess in [
        format!("/.mogr/uploads/{BUCKET}/{id}/00001.part"),
        format!("/.mogr/uploads/{BUCKET}/{id}/upload.json"),
        format!("/{id}/00001.part"),
    ] {
        server.send("GET", &guess, &[], b"").assert_error(404, "NoSuchKey", Some(-46628));
    }
    for escape in [
        format!("/../.mogr/uploads/{BUCKET}/{id}/00001.part"),
        format!("/%2e%2e/.mogr/uploads/{BUCKET}/{id}/upload.json"),
    ] {
        server.send("GET", &escape, &[], b"").assert_error(400, "InvalidURI", Some(-60955));
    }
    assert!(files_under(&server.bucket_dir()).is_empty(), "{:?}", files_under(&server.bucket_dir()));
    let listing = server.send("GET", "/", &[], b"");
    assert_eq!(listing.status, 200, "{}", listing.text());
    assert!(!listing.text().contains("<Contents>"), "an upload in progress is listed: {}", listing.text());
}

#[test]
fn an_object_over_the_limit_is_refused_before_assembly() {
    let server = TestServer::start("mp-limit", |c| c.max_object_bytes = 10);
    let id = initiate(&server, "big", &[]);
    let a = part(&server, "big", &id, 1, b"123456");
    let b = part(&server, "big", &id, 2, b"7890ab");
    let refused = complete(&server, "big", &id, &[(1, &a), (2, &b)]);
    refused.assert_error(400, "EntityTooLarge", Some(-60996));
    assert!(refused.text().contains("12 bytes"), "{}", refused.text());
    server.send("GET", "/big", &[], b"").assert_error(404, "NoSuchKey", Some(-46628));
    assert!(files_under(&server.bucket_dir()).is_empty());
    // The upload stays, and a smaller object can be completed from it.
    assert_eq!(server.send("GET", &format!("/big?uploadId={id}"), &[], b"").status, 200);
    assert_eq!(complete(&server, "big", &id, &[(2, &b)]).status, 200);
    assert_eq!(server.send("GET", "/big", &[], b"").body, b"7890ab");
}

#[test]
fn parts_are_limited_like_put_bodies() {
    let server = TestServer::start("mp-body-limit", |c| c.max_body_bytes = 16);
    let id = initiate(&server, "k", &[]);
    put_part(&server, "k", &id, 1, &[0u8; 17]).assert_error(413, "EntityTooLarge", Some(-60996));
    let bad_md5 = server.send(
        "PUT",
        &format!("/k?partNumber=1&uploadId={id}"),
        &[("Content-MD5", "AAAAAAAAAAAAAAAAAAAAAA==")],
        b"abc",
    );
    bad_md5.assert_error(400, "BadDigest", Some(-103));
    let parts = server.send("GET", &format!("/k?uploadId={id}"), &[], b"");
    assert!(parts.xml("Part").is_none(), "{}", parts.text());
}

#[test]
fn multipart_requests_must_be_signed() {
    let credentials = Credentials { secret_id: "AKIDmp".into(), secret_key: "mp-key".into() };
    let keys = credentials.clone();
    let server = TestServer::start("mp-signed", move |c| {
        c.credentials = Some(keys);
        c.public_read = true;
    });
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let host = ("host".to_owned(), HOST.to_owned());
    let sign = |method: &str, path: &str, params: &[(&str, &str)]| {
        let params: Vec<(String, String)> = params.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
        authorization(&credentials, method, path, &params, std::slice::from_ref(&host), now - 60, now + 600)
    };
    server.send("POST", "/s.bin?uploads", &[], b"").assert_error(403, "AccessDenied", Some(-46618));
    let auth = sign("POST", "/s.bin", &[("uploads", "")]);
    let id = initiate(&server, "s.bin", &[("Authorization", &auth)]);
    put_part(&server, "s.bin", &id, 1, b"x").assert_error(403, "AccessDenied", Some(-46618));
    // public_read lets unsigned downloads in, not listings of parts or uploads.
    server.send("GET", &format!("/s.bin?uploadId={id}"), &[], b"").assert_error(403, "AccessDenied", Some(-46618));
    server.send("GET", "/?uploads", &[], b"").assert_error(403, "AccessDenied", Some(-46618));
    let auth = sign("GET", "/s.bin", &[("uploadId", &id)]);
    let listed = server.send("GET", &format!("/s.bin?uploadId={id}"), &[("Authorization", &auth)], b"");
    assert_eq!(listed.status, 200, "{}", listed.text());
}
