//! The console's files outside `/api`: the page for the client's routes, hashed assets cached
//! for good, security headers on everything, and 404 for what is not a file or a GET.
#![allow(clippy::unwrap_used)]

mod common;

use common::{TestServer, client};
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};

#[tokio::test]
async fn the_console_page_is_served_for_client_routes_with_security_headers() {
    let server = TestServer::start().await;
    let http = client();
    for path in ["/", "/agent", "/some/deep/route"] {
        let res = http.get(server.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let headers = res.headers().clone();
        let csp = headers[CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("default-src 'self'"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert!(
            headers[CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert_eq!(
            headers[CACHE_CONTROL], "no-cache",
            "the page is revalidated"
        );
        let body = res.text().await.unwrap();
        assert!(body.contains("<html"), "{path}: {body}");
    }
}

#[tokio::test]
async fn unknown_assets_api_paths_and_other_methods_are_not_found() {
    let server = TestServer::start().await;
    let http = client();
    let missing = http.get(server.url("/assets/gone-1234.js")).send().await;
    assert_eq!(missing.unwrap().status(), StatusCode::NOT_FOUND);
    let api = http.get(server.url("/api/v1/no-such-route")).send().await;
    assert_eq!(api.unwrap().status(), StatusCode::NOT_FOUND);
    let post = http.post(server.url("/")).send().await.unwrap();
    assert_eq!(post.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn hashed_assets_are_cached_for_good() {
    let server = TestServer::start().await;
    let http = client();
    let page = http
        .get(server.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The built page names its bundle under /assets/ (the placeholder page has none).
    let Some(start) = page.find("/assets/") else {
        assert!(
            std::env::var_os("SWITCHBOARD_WEB_REQUIRED").is_none(),
            "the console is built here, so its page names its assets: {page}"
        );
        return;
    };
    let end = page[start..].find('"').unwrap() + start;
    let res = http
        .get(server.url(&page[start..end]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cache = res.headers()[CACHE_CONTROL].to_str().unwrap().to_owned();
    assert!(cache.contains("immutable"), "{cache}");
}
