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
    assert!(
        page.contains("href=\"/newsroom/account/tokens\""),
        "the account page leads to the API tokens"
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
    // The same link is emailed to them.
    let email = app.email_to("kit@news.example").await;
    assert!(email.contains(&link) && email.contains("Hello Kit Adler"), "{email}");

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
        410,
        "a used invitation says so"
    );

    let staff = admin.page("/newsroom/staff").await;
    assert!(staff.contains("kit@news.example"));
    // Inviting them again says they are already in, instead of a link that cannot work.
    let again = admin
        .post(
            "/newsroom/staff/invite",
            &[("name", "Kit Adler"), ("email", "Kit@News.example"), ("role", "editor")],
        )
        .await;
    assert_eq!(again.status(), 422);
    let again = again.text().await.unwrap();
    assert!(
        again.contains("kit@news.example already has a newsroom account, as writer"),
        "{again}"
    );
    assert!(!again.contains("invite-link"), "no new invitation");
    let audit = admin.page("/newsroom/audit").await;
    assert!(audit.contains("invited") && audit.contains("accepted an invitation"));
}

#[tokio::test]
async fn a_moderator_lands_on_the_moderation_queue_from_an_invitation_or_the_header() {
    let app = spawn_app().await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let page = admin
        .post(
            "/newsroom/staff/invite",
            &[
                ("name", "Mo Derator"),
                ("email", "mo@news.example"),
                ("role", "moderator"),
            ],
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
        .unwrap();
    let path = link.trim_start_matches(crate::support::BASE_URL).to_owned();
    let joined = app
        .client
        .post(app.url(&path))
        .form(&[("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(joined.status(), 303);
    assert_eq!(
        joined.headers()["location"],
        "/newsroom/moderation",
        "not a 403 on the articles"
    );
    let cookie = joined.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let signed_in = |path: &str| app.client.get(app.url(path)).header("cookie", &cookie).send();
    let queue = signed_in("/newsroom/moderation").await.unwrap().text().await.unwrap();
    assert!(
        queue.contains("class=\"nr-header__brand\"><a href=\"/newsroom/moderation\""),
        "the header leads to their desk"
    );
    let again = signed_in("/newsroom/login").await.unwrap();
    assert_eq!(again.headers()["location"], "/newsroom/moderation");
}

/// What signing in to the newsroom with this password answers.
async fn sign_in_status(app: &crate::support::TestApp, email: &str, password: &str) -> u16 {
    let fields = [("email", email), ("password", password)];
    app.post_form("/newsroom/login", &fields).await.status().as_u16()
}

/// The reset link in the newest email to `address`.
async fn reset_link(app: &crate::support::TestApp, address: &str) -> String {
    let email = app.email_to(address).await;
    let start = email
        .find("/newsroom/password/reset/")
        .expect("a reset link in the email");
    let link: String = email[start..].chars().take_while(|c| !c.is_whitespace()).collect();
    link
}

#[tokio::test]
async fn staff_who_forget_their_password_set_a_new_one_from_an_emailed_link_that_works_once() {
    let app = spawn_app().await;
    let (member, old_session) = app.signed_in(Role::Writer).await;
    let login = app.page("/newsroom/login").await;
    assert!(login.contains(r#"href="/newsroom/password/forgot""#), "{login}");

    // The same answer for a newsroom address and for an unknown one; only the first gets a link.
    let asked = app
        .post_form("/newsroom/password/forgot", &[("email", &member.email.to_uppercase())])
        .await;
    assert_eq!(asked.status(), 200);
    let asked = asked.text().await.unwrap();
    assert!(
        asked.contains("a link to choose a new password is on its way"),
        "{asked}"
    );
    let unknown = app
        .post_form("/newsroom/password/forgot", &[("email", "nobody@news.example")])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        unknown.contains("a link to choose a new password is on its way"),
        "{unknown}"
    );
    let link = reset_link(&app, &member.email).await;

    // Too short a password is refused and the link still works.
    let short = app.post_form(&link, &[("password", "short")]).await;
    assert_eq!(short.status(), 422);
    assert!(short.text().await.unwrap().contains("at least 10 characters"));
    let done = app.post_form(&link, &[("password", "a brand new passphrase")]).await;
    assert_eq!(done.status(), 303);
    assert_eq!(done.headers()["location"], "/newsroom/login?reset=1");
    assert!(
        app.page("/newsroom/login?reset=1")
            .await
            .contains("Your new password is set")
    );

    // The old session is over, the old password no longer works, the new one does.
    assert_eq!(
        old_session.get("/newsroom").await.status(),
        303,
        "signed out by the reset"
    );
    let old = app
        .post_form("/newsroom/login", &[("email", &member.email), ("password", PASSWORD)])
        .await;
    assert_eq!(old.status(), 401);
    assert_eq!(sign_in_status(&app, &member.email, "a brand new passphrase").await, 303);

    // The link works once, and says so as soon as it is opened again.
    let opened = app.get(&link).await;
    assert_eq!(opened.status(), 410);
    assert!(!opened.text().await.unwrap().contains("name=\"password\""));
    let again = app.post_form(&link, &[("password", "yet another passphrase")]).await;
    assert_eq!(again.status(), 410);
    assert!(again.text().await.unwrap().contains("This link has expired"));
    // And the audit log says what happened.
    let (_, admin) = app.signed_in(Role::Admin).await;
    let log = admin.page("/newsroom/audit").await;
    assert!(
        log.contains("asked for a password reset link") && log.contains("set a new password from a reset link"),
        "{log}"
    );
}

#[tokio::test]
async fn staff_change_their_password_on_my_account_and_stay_signed_in_only_there() {
    let app = spawn_app().await;
    let member = app.member(Role::Editor).await;
    let here = app.sign_in(&member).await;
    let elsewhere = app.sign_in(&member).await;
    let wrong = here
        .post(
            "/newsroom/account/password",
            &[("current", "not my password"), ("password", "a brand new passphrase")],
        )
        .await;
    assert_eq!(wrong.status(), 422);
    assert!(wrong.text().await.unwrap().contains("not your current password"));
    let changed = here
        .post(
            "/newsroom/account/password",
            &[("current", PASSWORD), ("password", "a brand new passphrase")],
        )
        .await;
    assert_eq!(changed.status(), 303);
    assert!(
        here.page("/newsroom/account?done=password-changed")
            .await
            .contains("Your password is changed")
    );
    assert_eq!(
        elsewhere.get("/newsroom").await.status(),
        303,
        "the other browser is signed out"
    );
    assert_eq!(sign_in_status(&app, &member.email, "a brand new passphrase").await, 303);
}

#[tokio::test]
async fn a_locked_out_admin_sets_a_new_password_from_the_command_line() {
    let mut app = spawn_app().await;
    let member = app.member(Role::Admin).await;
    let cookie = app.sign_in(&member).await.cookie;
    // Run against the site's database with the site stopped (its own jobs
    // then hold no write lock the command would queue behind).
    app.stop().await;
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_broadsheet"));
    command
        .args(["user", "reset-password", "--email", &member.email])
        .current_dir(app.dir.path())
        .env("BROADSHEET_DATABASE__URL", &app.database_url)
        .env("BROADSHEET_LOG__LEVEL", "error")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    let mut child = command.spawn().expect("the binary starts");
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), b"a brand new passphrase\n").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("is set"), "{output:?}");

    let app = app.restart().await;
    let old = app
        .client
        .get(app.url("/newsroom"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 303, "their sessions ended");
    assert_eq!(sign_in_status(&app, &member.email, "a brand new passphrase").await, 303);
    assert_eq!(sign_in_status(&app, &member.email, PASSWORD).await, 401);
}

/// The invitation link shown on the staff page an admin was answered with.
fn invite_link_in(page: &str) -> String {
    page.split("<code id=\"invite-link\">")
        .nth(1)
        .expect("an invitation link")
        .split('<')
        .next()
        .unwrap()
        .trim_start_matches(crate::support::BASE_URL)
        .to_owned()
}

/// The key of the first waiting invitation the staff page lists.
fn invite_key_in(page: &str) -> String {
    page.split("/newsroom/staff/invites/")
        .nth(1)
        .expect("a waiting invitation")
        .split('/')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn admins_see_waiting_invitations_and_send_them_again_or_revoke_them() {
    let app = spawn_app().await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let invite = |name: &'static str, email: &'static str| {
        let admin = &admin;
        async move {
            admin
                .post(
                    "/newsroom/staff/invite",
                    &[("name", name), ("email", email), ("role", "writer")],
                )
                .await
                .text()
                .await
                .unwrap()
        }
    };
    let first = invite_link_in(&invite("Ren Ito", "ren@news.example").await);
    let staff = admin.page("/newsroom/staff").await;
    let listed = staff
        .split("id=\"invitations\"")
        .nth(1)
        .expect("a list of waiting invitations");
    assert!(listed.contains("ren@news.example") && listed.contains("Ren Ito"));

    // Sent again: a new link is emailed, and the first stops working.
    let key = invite_key_in(listed);
    let resent = admin.post(&format!("/newsroom/staff/invites/{key}/resend"), &[]).await;
    assert_eq!(resent.status(), 200);
    let second = invite_link_in(&resent.text().await.unwrap());
    assert_ne!(first, second);
    let emails = app.emails_to("ren@news.example", 2).await;
    assert!(emails.last().unwrap().contains(&second), "the new link is emailed");
    let dead = app.get(&first).await;
    assert_eq!(dead.status(), 410, "the old link is dead");
    let dead = dead.text().await.unwrap();
    assert!(dead.contains("This invitation has been used or has expired") && !dead.contains("name=\"password\""));
    assert_eq!(app.get(&second).await.status(), 200);

    // Inviting the same address again replaces the waiting invitation: one row, newest link.
    let third = invite_link_in(&invite("Ren Ito", "ren@news.example").await);
    assert_eq!(app.get(&second).await.status(), 410);
    let staff = admin.page("/newsroom/staff").await;
    assert_eq!(staff.matches("/resend\"").count(), 1, "{staff}");

    // Revoked: the link no longer opens, and the list is empty.
    let key = invite_key_in(&staff);
    let revoked = admin.post(&format!("/newsroom/staff/invites/{key}/revoke"), &[]).await;
    assert_eq!(revoked.status(), 303);
    assert_eq!(app.get(&third).await.status(), 410);
    assert!(!admin.page("/newsroom/staff").await.contains("id=\"invitations\""));
    assert_eq!(
        admin
            .post(&format!("/newsroom/staff/invites/{key}/revoke"), &[])
            .await
            .status(),
        404
    );
    let audit = admin.page("/newsroom/audit").await;
    assert!(audit.contains("re-sent an invitation") && audit.contains("revoked an invitation"));
}
