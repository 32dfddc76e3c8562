//! Bucket protections over real HTTP: hotlink lists (`/?hotlink`), original-image protection
//! (`/?origin-protect`), and who they apply to (everyone on an open server; unsigned
//! downloads of a `public_read` server with keys; never the owner's signed requests).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{SystemTime, UNIX_EPOCH};

use common::{HOST, TestServer, testdata, xml_text};
use mogr_server::auth::{Credentials, authorization};

const PIC_HOST: (&str, &str) = ("Host", "examplebucket-1250000000.pic.ap-guangzhou.myqcloud.com");

fn hotlink_body(kind: &str, urls: &[&str]) -> Vec<u8> {
    let urls: String = urls.iter().map(|u| format!("<Url>{u}</Url>")).collect();
    format!("<Hotlink>{urls}<Type>{kind}</Type></Hotlink>").into_bytes()
}

#[test]
fn hotlink_white_list_needs_a_listed_referer() {
    let server = TestServer::start("hotlink-white", |_| {});
    let photo = testdata("landscape_orient6.jpg");
    assert_eq!(server.send("PUT", "/p.jpg", &[], &photo).status, 200);
    let set = server.send("PUT", "/?hotlink", &[PIC_HOST], &hotlink_body("white", &["example.com", "*.cdn.net"]));
    assert_eq!(set.status, 200, "{}", set.text());

    let shown = server.send("GET", "/?hotlink", &[PIC_HOST], b"").text();
    assert_eq!(xml_text(&shown, "Status").as_deref(), Some("on"), "{shown}");
    assert_eq!(xml_text(&shown, "Type").as_deref(), Some("white"), "{shown}");
    assert!(shown.contains("<Url>example.com</Url>") && shown.contains("<Url>*.cdn.net</Url>"), "{shown}");

    server.send("GET", "/p.jpg", &[], b"").assert_error(403, "AccessDenied", Some(-108));
    for refused in ["https://www.example.com/", "https://evil.com/?example.com", "https://cdn.net/"] {
        server.send("GET", "/p.jpg", &[("Referer", refused)], b"").assert_error(403, "AccessDenied", Some(-108));
    }
    for allowed in ["https://example.com/page.html", "http://img.cdn.net:8080/x"] {
        let reply = server.send("GET", "/p.jpg", &[("Referer", allowed)], b"");
        assert_eq!((reply.status, reply.body.len()), (200, photo.len()), "{allowed}");
    }
    // Processing and HEAD are downloads too.
    let rule = "/p.jpg?imageMogr2/thumbnail/100x";
    server.send("GET", rule, &[("Referer", "https://evil.com/")], b"").assert_error(403, "AccessDenied", Some(-108));
    let thumb = server.send("GET", rule, &[("Referer", "https://example.com/")], b"");
    assert_eq!(thumb.status, 200, "{}", thumb.text());
    assert_eq!(mogr::plan::probe(&thumb.body).unwrap().width, 100);
    let head = server.send("HEAD", "/p.jpg", &[("Referer", "https://evil.com/")], b"");
    assert_eq!((head.status, head.header("x-errno")), (403, Some("-108")));
    // Writes are not downloads.
    assert_eq!(server.send("PUT", "/q.txt", &[], b"q").status, 200);
}

#[test]
fn hotlink_black_list_refuses_listed_referers_and_off_turns_it_off() {
    let server = TestServer::start("hotlink-black", |_| {});
    assert_eq!(server.send("PUT", "/a.txt", &[], b"hello").status, 200);
    assert_eq!(server.send("PUT", "/?hotlink", &[PIC_HOST], &hotlink_body("black", &["*.thief.net"])).status, 200);
    server.send("GET", "/a.txt", &[("Referer", "http://img.thief.net/")], b"").assert_error(
        403,
        "AccessDenied",
        Some(-108),
    );
    assert_eq!(server.send("GET", "/a.txt", &[], b"").status, 200);
    assert_eq!(server.send("GET", "/a.txt", &[("Referer", "http://thief.net/")], b"").status, 200);

    assert_eq!(server.send("PUT", "/?hotlink", &[PIC_HOST], &hotlink_body("off", &[])).status, 200);
    let shown = server.send("GET", "/?hotlink", &[PIC_HOST], b"").text();
    assert_eq!(xml_text(&shown, "Status").as_deref(), Some("off"), "{shown}");
    assert_eq!(server.send("GET", "/a.txt", &[("Referer", "http://img.thief.net/")], b"").status, 200);

    for bad in [
        hotlink_body("white", &[]),
        hotlink_body("grey", &["example.com"]),
        hotlink_body("white", &["exa mple.com"]),
        b"<Hotlink><Url>example.com</Url></Hotlink>".to_vec(),
        b"<Referer/>".to_vec(),
    ] {
        let reply = server.send("PUT", "/?hotlink", &[PIC_HOST], &bad);
        assert_eq!(reply.status, 400, "{}", String::from_utf8_lossy(&bad));
    }
    server.send("DELETE", "/?hotlink", &[PIC_HOST], b"").assert_error(405, "MethodNotAllowed", None);
}

#[test]
fn origin_protection_serves_images_through_styles_only() {
    let server = TestServer::start("origin-protect", |_| {});
    let photo = testdata("landscape_orient6.jpg");
    assert_eq!(server.send("PUT", "/p.jpg", &[], &photo).status, 200);
    assert_eq!(server.send("PUT", "/notes.txt", &[], b"text").status, 200);
    let style = b"<AddStyle><StyleName>small</StyleName><StyleBody>imageMogr2/thumbnail/!10p</StyleBody></AddStyle>";
    assert_eq!(server.send("PUT", "/?style", &[PIC_HOST], style).status, 200);

    let status = |server: &TestServer| {
        xml_text(&server.send("GET", "/?origin-protect", &[PIC_HOST], b"").text(), "OriginProtectStatus")
    };
    assert_eq!(status(&server).as_deref(), Some("off"));
    assert_eq!(server.send("PUT", "/?origin-protect", &[PIC_HOST], b"").status, 200);
    assert_eq!(status(&server).as_deref(), Some("on"));

    server.send("GET", "/p.jpg", &[], b"").assert_error(403, "AccessDenied", Some(-154));
    server.send("GET", "/p.jpg?imageMogr2/thumbnail/100x", &[], b"").assert_error(403, "AccessDenied", Some(-154));
    server.send("GET", "/p.jpg?imageInfo", &[], b"").assert_error(403, "AccessDenied", Some(-154));
    server.send("GET", "/p.jpg?style/small|imageMogr2/crop/10x10", &[], b"").assert_error(
        403,
        "AccessDenied",
        Some(-154),
    );
    let styled = server.send("GET", "/p.jpg?style/small", &[], b"");
    assert_eq!(styled.status, 200, "{}", styled.text());
    let styled_probe = mogr::plan::probe(&styled.body).unwrap();
    assert_eq!((styled_probe.width, styled_probe.height), (120, 180));
    assert_eq!(server.send("GET", "/notes.txt", &[], b"").body, b"text");

    // The setting survives a restart; DELETE turns it off.
    let root = server.stop();
    let server = TestServer::start_on(root, |_| {});
    server.send("GET", "/p.jpg", &[], b"").assert_error(403, "AccessDenied", Some(-154));
    assert_eq!(server.send("DELETE", "/?origin-protect", &[PIC_HOST], b"").status, 204);
    assert_eq!(status(&server).as_deref(), Some("off"));
    assert_eq!(server.send("GET", "/p.jpg", &[], b"").status, 200);
}

#[test]
fn public_read_lets_unsigned_downloads_in_and_protections_spare_the_owner() {
    let credentials = Credentials { secret_id: "AKIDtest".into(), secret_key: "secret-key".into() };
    let keys = credentials.clone();
    let server = TestServer::start("public-read", move |c| {
        c.credentials = Some(keys);
        c.public_read = true;
    });
    let t = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let sign = |method: &str, path: &str, host: &str| {
        let headers = [("host".to_owned(), host.to_owned())];
        authorization(&credentials, method, path, &[], &headers, t - 60, t + 600)
    };
    let photo = testdata("landscape_orient6.jpg");

    server.send("PUT", "/p.jpg", &[], &photo).assert_error(403, "AccessDenied", Some(-46618));
    let put = server.send("PUT", "/p.jpg", &[("Authorization", &sign("PUT", "/p.jpg", HOST))], &photo);
    assert_eq!(put.status, 200, "{}", put.text());
    assert_eq!(server.send("GET", "/p.jpg", &[], b"").body, photo);
    assert_eq!(server.send("GET", "/p.jpg?imageMogr2/thumbnail/50x", &[], b"").status, 200);
    // Settings and other writes still need the keys; a bad signature is never waved through.
    server.send("GET", "/?hotlink", &[PIC_HOST], b"").assert_error(403, "AccessDenied", Some(-46618));
    server.send("DELETE", "/p.jpg", &[], b"").assert_error(403, "AccessDenied", Some(-46618));
    let forged = sign("GET", "/other.jpg", HOST);
    server.send("GET", "/p.jpg", &[("Authorization", &forged)], b"").assert_error(403, "AccessDenied", Some(-46618));

    let pic = PIC_HOST.1;
    let set_white = server.send(
        "PUT",
        "/?hotlink",
        &[PIC_HOST, ("Authorization", &sign("PUT", "/", pic))],
        &hotlink_body("white", &["example.com"]),
    );
    assert_eq!(set_white.status, 200, "{}", set_white.text());
    let protect = server.send("PUT", "/?origin-protect", &[PIC_HOST, ("Authorization", &sign("PUT", "/", pic))], b"");
    assert_eq!(protect.status, 200, "{}", protect.text());

    server.send("GET", "/p.jpg", &[], b"").assert_error(403, "AccessDenied", Some(-108));
    server.send("GET", "/p.jpg", &[("Referer", "https://example.com/")], b"").assert_error(
        403,
        "AccessDenied",
        Some(-154),
    );
    let owner = server.send("GET", "/p.jpg", &[("Authorization", &sign("GET", "/p.jpg", HOST))], b"");
    assert_eq!((owner.status, owner.body.len()), (200, photo.len()));
}
