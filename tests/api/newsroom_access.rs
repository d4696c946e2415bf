//! Signing in, sessions, and what each role may reach.

use broadsheet::accounts::Role;

use crate::support::newsroom::PASSWORD;
use crate::support::spawn_app;

#[tokio::test]
async fn staff_sign_in_with_a_secure_session_cookie_and_sign_out_ends_it() {
    let app = spawn_app().await;
    let editor = app.member(Role::Editor).await;

    let response = app
        .client
        .post(app.url("/newsroom/login"))
        .form(&[
            ("email", editor.email.to_uppercase().as_str()),
            ("password", PASSWORD),
            ("next", "/newsroom/tags"),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/newsroom/tags");
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/newsroom"),
        "{cookie}"
    );
    assert!(
        cookie.contains("Secure"),
        "the test site is on https, so the cookie is Secure: {cookie}"
    );

    let session = app.sign_in(&editor).await;
    assert_eq!(session.get("/newsroom").await.status(), 200);
    assert_eq!(session.post("/newsroom/logout", &[]).await.status(), 303);
    let after = session.get("/newsroom").await;
    assert_eq!(after.status(), 303, "the old cookie no longer works");
    assert_eq!(after.headers()["location"], "/newsroom/login?next=/newsroom");
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_repeated_failures_are_slowed_down_with_a_clear_message() {
    let app = spawn_app().await;
    let writer = app.member(Role::Writer).await;
    let attempt = |password: &'static str| {
        let app = &app;
        let email = writer.email.clone();
        async move {
            app.client
                .post(app.url("/newsroom/login"))
                .form(&[("email", email.as_str()), ("password", password)])
                .send()
                .await
                .unwrap()
        }
    };

    let wrong = attempt("not the password").await;
    assert_eq!(wrong.status(), 401);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("That email and password do not match")
    );
    for _ in 0..4 {
        attempt("still wrong").await;
    }
    let blocked = attempt(PASSWORD).await;

    assert_eq!(
        blocked.status(),
        429,
        "even the right password waits once the limit is reached"
    );
    assert!(
        blocked.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            > 0
    );
    let page = blocked.text().await.unwrap();
    assert!(
        page.contains("Too many failed sign-ins") && page.contains("minutes"),
        "{page}"
    );
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_sign_in_and_never_to_another_site_afterwards() {
    let app = spawn_app().await;

    let response = app.get("/newsroom/articles/new").await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        "/newsroom/login?next=/newsroom/articles/new"
    );

    let editor = app.member(Role::Editor).await;
    let response = app
        .client
        .post(app.url("/newsroom/login"))
        .form(&[
            ("email", editor.email.as_str()),
            ("password", PASSWORD),
            ("next", "https://evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["location"], "/newsroom");
}

#[tokio::test]
async fn staff_see_their_sessions_and_can_end_another_one() {
    let app = spawn_app().await;
    let admin = app.member(Role::Admin).await;
    let laptop = app.sign_in(&admin).await;
    let phone = app.sign_in(&admin).await;

    let page = laptop.page("/newsroom/account").await;
    assert_eq!(
        page.matches("End this session").count() + page.matches("Sign out here").count(),
        2
    );
    assert!(page.contains("(this browser)"));

    assert_eq!(
        laptop
            .post("/newsroom/account/sessions", &[("others", "1")])
            .await
            .status(),
        303
    );
    assert_eq!(
        phone.get("/newsroom").await.status(),
        303,
        "the other session has ended"
    );
    assert_eq!(laptop.get("/newsroom").await.status(), 200, "this one goes on");
}

#[tokio::test]
async fn forms_posted_from_another_site_are_refused() {
    let app = spawn_app().await;
    let (_, session) = app.signed_in(Role::Admin).await;

    let response = app
        .client
        .post(app.url("/newsroom/sections"))
        .header("cookie", &session.cookie)
        .header("sec-fetch-site", "cross-site")
        .header("origin", "https://evil.example")
        .form(&[("name", "Hijacked")])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 403);
    assert!(response.text().await.unwrap().contains("sent from another website"));
    assert!(!session.page("/newsroom/sections").await.contains("Hijacked"));
}

/// What each role gets on each newsroom page.
#[tokio::test]
async fn every_role_reaches_exactly_the_pages_its_permissions_allow() {
    let app = spawn_app().await;
    let pages = [
        ("/newsroom", [200, 200, 200, 403]),
        ("/newsroom/articles/new", [200, 200, 200, 403]),
        ("/newsroom/images", [200, 200, 200, 403]),
        ("/newsroom/tags", [200, 200, 403, 403]),
        ("/newsroom/authors", [200, 200, 403, 403]),
        ("/newsroom/sections", [200, 403, 403, 403]),
        ("/newsroom/staff", [200, 403, 403, 403]),
        ("/newsroom/api-keys", [200, 403, 403, 403]),
        ("/newsroom/audit", [200, 403, 403, 403]),
        ("/newsroom/account", [200, 200, 200, 200]),
    ];
    for (index, role) in [Role::Admin, Role::Editor, Role::Writer, Role::Moderator]
        .into_iter()
        .enumerate()
    {
        let (_, session) = app.signed_in(role).await;
        for (path, expected) in &pages {
            let status = session.get(path).await.status().as_u16();
            assert_eq!(status, expected[index], "{role} on {path}");
        }
    }
}

#[tokio::test]
async fn a_refusal_names_what_the_role_lacks() {
    let app = spawn_app().await;
    let (_, writer) = app.signed_in(Role::Writer).await;

    let page = writer.get("/newsroom/staff").await.text().await.unwrap();

    assert!(page.contains("Your role (writer) does not allow you to administer the site."));
}

#[tokio::test]
async fn admins_invite_staff_who_set_their_own_password_and_are_signed_in() {
    let app = spawn_app().await;
    let (_, admin) = app.signed_in(Role::Admin).await;

    let page = admin
        .post(
            "/newsroom/staff/invite",
            &[("name", "Kit Adler"), ("email", "kit@news.example"), ("role", "writer")],
        )
        .await
        .text()
        .await
        .unwrap();
    let link = page
        .split("<code id=\"invite-link\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    let path = link.trim_start_matches(crate::support::BASE_URL).to_owned();

    assert_eq!(app.get(&path).await.status(), 200);
    let short = app
        .client
        .post(app.url(&path))
        .form(&[("password", "short")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        short.status(),
        422,
        "a weak password is refused and the invitation stays open"
    );
    let joined = app
        .client
        .post(app.url(&path))
        .form(&[("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(joined.status(), 303);
    assert!(
        joined.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .starts_with("broadsheet_staff=")
    );
    assert_eq!(
        app.client
            .post(app.url(&path))
            .form(&[("password", PASSWORD)])
            .send()
            .await
            .unwrap()
            .status(),
        409
    );

    let staff = admin.page("/newsroom/staff").await;
    assert!(staff.contains("kit@news.example"));
    let audit = admin.page("/newsroom/audit").await;
    assert!(audit.contains("invited") && audit.contains("accepted an invitation"));
}
