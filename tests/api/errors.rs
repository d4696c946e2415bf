use crate::support::fixtures::ArticleSpec;
use crate::support::spawn_app;

#[tokio::test]
async fn an_unknown_address_gets_the_404_page_in_the_sites_layout() {
    let app = spawn_app().await;
    app.section("world", "World").await;

    for path in [
        "/world/no-such-story",
        "/no-such-section",
        "/tag/none",
        "/author/nobody",
        "/a/b/c/d",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 404, "{path}");
        assert_eq!(response.headers()["content-type"], "text/html; charset=utf-8");
        let html = response.text().await.unwrap();
        assert!(html.contains("<h1>Page not found</h1>"), "{path}");
        assert!(
            html.contains("class=\"masthead__title\""),
            "the site's own layout on {path}"
        );
        assert!(html.contains("href=\"/world\""), "the section navigation on {path}");
        assert!(html.contains("<meta name=\"robots\" content=\"noindex\">"));
    }
}

#[tokio::test]
async fn api_clients_get_problem_json() {
    let app = spawn_app().await;

    let response = app.get_with("/nothing-here", &[("accept", "application/json")]).await;

    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    let problem: serde_json::Value = response.json().await.unwrap();
    assert_eq!(problem["status"], 404);
    assert_eq!(problem["title"], "Page not found");
}

#[tokio::test]
async fn malformed_page_numbers_get_a_400_page_saying_what_was_wrong() {
    let app = spawn_app().await;
    let world = app.section("world", "World").await;
    app.publish(ArticleSpec::new("story", world)).await;

    for query in [
        "page=abc",
        "page=0",
        "page=-1",
        "page=99999999999",
        "page=%ZZ",
        "page=1&page=2",
    ] {
        let response = app.get(&format!("/world?{query}")).await;
        assert_eq!(response.status(), 400, "{query}");
        let html = response.text().await.unwrap();
        assert!(html.contains("<h1>Bad request</h1>"), "{query}");
        assert!(
            html.contains("page") || html.contains("query"),
            "the message names the problem: {query}"
        );
    }
    assert!(
        app.get("/world?page=abc")
            .await
            .text()
            .await
            .unwrap()
            .contains("The page number must be a whole number")
    );
}

#[tokio::test]
async fn every_response_carries_strict_security_headers() {
    let app = spawn_app().await;

    for path in ["/", "/missing", "/robots.txt"] {
        let response = app.get(path).await;
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("default-src 'self'")
                && csp.contains("script-src 'self'")
                && csp.contains("frame-ancestors 'none'")
        );
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["x-frame-options"], "DENY");
        assert_eq!(headers["referrer-policy"], "strict-origin-when-cross-origin");
    }
}
