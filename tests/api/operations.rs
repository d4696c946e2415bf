//! What operators and their tools read: probes and Prometheus metrics.

use broadsheet::accounts::Role;

use crate::support::spawn_app;

#[tokio::test]
async fn health_and_readiness_probes_answer_plainly() {
    let app = spawn_app().await;
    let live = app.get("/healthz").await;
    assert_eq!(live.status(), 200);
    assert_eq!(live.headers()["cache-control"], "no-store");
    assert_eq!(live.text().await.unwrap(), "ok\n");
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200, "the database answers");
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_show_live_streams_jobs_and_alerts() {
    let app = spawn_app().await;
    let blog = app.live_blog().await;
    for _ in 0..3 {
        assert_eq!(app.get("/world/live").await.status(), 200);
    }
    assert_eq!(app.get("/no/such/page/here").await.status(), 404);
    let _stream = app.events(&format!("/live/entries/{blog}")).await;
    let (_, _editor) = app.signed_in(Role::Editor).await;

    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = response.text().await.unwrap();
    let line = |prefix: &str| -> String {
        text.lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no line starting {prefix} in\n{text}"))
            .to_owned()
    };
    assert!(
        line(r#"broadsheet_http_requests_total{method="GET",route="/{section}/{slug}",status="200"}"#).ends_with(" 3"),
        "three article requests, counted by route pattern"
    );
    assert!(line(r#"broadsheet_http_requests_total{method="GET",route="unmatched",status="404"}"#).ends_with(" 1"));
    assert!(
        line(r#"broadsheet_http_request_duration_seconds_count{method="GET",route="/{section}/{slug}",status="200"}"#)
            .ends_with(" 3")
    );
    assert!(line(r#"broadsheet_http_request_duration_seconds_bucket{method="GET",route="/{section}/{slug}",status="200",le="+Inf"}"#).ends_with(" 3"));
    assert!(line(r#"broadsheet_live_connections{stream="liveblog"}"#).ends_with(" 1"));
    assert!(
        line("broadsheet_page_cache_pages")
            .split(' ')
            .nth(1)
            .unwrap()
            .parse::<f64>()
            .unwrap()
            >= 1.0
    );
    line(r#"broadsheet_alert_messages_total{outcome="delivered"}"#);
    line(r#"broadsheet_db_pool_connections{state="idle"}"#);
    assert!(text.contains("# TYPE broadsheet_jobs_queued gauge"));
}
