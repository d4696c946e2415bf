//! Reader accounts: registering, signing in every way, email, profile, data, deletion.

use broadsheet::accounts::Role;
use broadsheet::config::OnAccountDelete;

use crate::support::readers::{READER_PASSWORD, code_in, link_in};
use crate::support::{spawn_app, spawn_app_with};

#[tokio::test]
async fn registering_signs_the_reader_in_at_once_and_returns_them_to_their_page() {
    let app = spawn_app().await;
    let email = "ada@readers.example";

    let response = app
        .client
        .post(app.url("/account/register"))
        .form(&[
            ("display_name", "Ada"),
            ("email", email),
            ("password", READER_PASSWORD),
            ("return_to", "/world/story/comments"),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/world/story/comments");
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.starts_with("broadsheet_reader=") && cookie.contains("Path=/;") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap();
    let me: serde_json::Value = app
        .client
        .get(app.url("/account/me"))
        .header("cookie", session)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["signed_in"], true);
    assert_eq!(me["name"], "Ada");
    assert_eq!(me["verified"], false);

    let mail = app.email_to(email).await;
    assert!(mail.contains("Thank you for registering"));
    let verified = app.client.get(app.url(&link_in(&mail))).send().await.unwrap();
    assert_eq!(verified.status(), 200);
    let me: serde_json::Value = app
        .client
        .get(app.url("/account/me"))
        .header("cookie", session)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["verified"], true);
    assert_eq!(
        app.client.get(app.url(&link_in(&mail))).send().await.unwrap().status(),
        410,
        "a link works once"
    );
}

#[tokio::test]
async fn registration_problems_are_named_and_what_was_typed_is_kept() {
    let app = spawn_app().await;
    let first = app.register("Bea").await;

    let taken = app
        .client
        .post(app.url("/account/register"))
        .form(&[
            ("display_name", "Bea again"),
            ("email", first.email.as_str()),
            ("password", READER_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(taken.status(), 422);
    let page = taken.text().await.unwrap();
    assert!(page.contains("An account with this email already exists"));
    assert!(page.contains("value=\"Bea again\""), "the name stays in the form");

    let weak = app
        .client
        .post(app.url("/account/register"))
        .form(&[
            ("display_name", "Cy"),
            ("email", "cy@readers.example"),
            ("password", "short"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(weak.status(), 422);
    assert!(weak.text().await.unwrap().contains("at least 10 characters"));
}

#[tokio::test]
async fn too_many_registrations_from_one_address_are_asked_to_wait() {
    let app = spawn_app_with(|s| s.community.registrations_per_address_per_hour = 5).await;
    for n in 0..5 {
        app.register(&format!("Reader {n}")).await;
    }

    let sixth = app
        .client
        .post(app.url("/account/register"))
        .form(&[
            ("display_name", "Sixth"),
            ("email", "sixth@readers.example"),
            ("password", READER_PASSWORD),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(sixth.status(), 429);
    let wait: u64 = sixth.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((3500..=3600).contains(&wait), "{wait}");
    assert!(sixth.text().await.unwrap().contains("Please wait 60 minutes"));
}

#[tokio::test]
async fn readers_sign_in_by_password_by_emailed_link_or_by_code() {
    let app = spawn_app().await;
    let reader = app.register("Dee").await;
    app.email_to(&reader.email).await; // the welcome email is out before the next is asked for

    assert!(app.reader_sign_in(&reader.email).await.is_some(), "password");
    let wrong = app
        .client
        .post(app.url("/account/login"))
        .form(&[("email", reader.email.as_str()), ("password", "nope nope nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);

    let asked = app
        .client
        .post(app.url("/account/login/email"))
        .form(&[("email", reader.email.as_str()), ("return_to", "/world")])
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), 200);
    assert!(asked.text().await.unwrap().contains("six-digit code"));
    let mail = app.emails_to(&reader.email, 2).await.pop().unwrap();
    let by_link = app.client.get(app.url(&link_in(&mail))).send().await.unwrap();
    assert_eq!(by_link.status(), 303);
    assert_eq!(by_link.headers()["location"], "/world");
    assert!(
        by_link.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .starts_with("broadsheet_reader=")
    );

    app.client
        .post(app.url("/account/login/email"))
        .form(&[("email", reader.email.as_str())])
        .send()
        .await
        .unwrap();
    let mail = app.emails_to(&reader.email, 3).await.pop().unwrap();
    let code = code_in(&mail);
    let bad = app
        .client
        .post(app.url("/account/login/code"))
        .form(&[("email", reader.email.as_str()), ("code", "000000")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
    let good = app
        .client
        .post(app.url("/account/login/code"))
        .form(&[("email", reader.email.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(good.status(), 303);

    let unknown = app
        .client
        .post(app.url("/account/login/email"))
        .form(&[("email", "nobody@readers.example")])
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 200, "the answer does not reveal who has an account");
}

#[tokio::test]
async fn a_forgotten_password_is_reset_by_email_and_other_sessions_end() {
    let app = spawn_app().await;
    let reader = app.register("Eve").await;
    app.email_to(&reader.email).await; // the welcome email is out before the next is asked for

    app.client
        .post(app.url("/account/password/forgot"))
        .form(&[("email", reader.email.as_str())])
        .send()
        .await
        .unwrap();
    let mail = app.emails_to(&reader.email, 2).await.pop().unwrap();
    let path = link_in(&mail);
    let reset = app
        .client
        .post(app.url(&path))
        .form(&[("password", "a brand new password")])
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 303);

    assert_eq!(reader.me().await["signed_in"], false, "the old session has ended");
    assert!(
        app.reader_sign_in(&reader.email).await.is_none(),
        "the old password no longer works"
    );
    let new = app
        .client
        .post(app.url("/account/login"))
        .form(&[("email", reader.email.as_str()), ("password", "a brand new password")])
        .send()
        .await
        .unwrap();
    assert_eq!(new.status(), 303);
}

#[tokio::test]
async fn changing_email_is_confirmed_from_the_new_address() {
    let app = spawn_app().await;
    let reader = app.register("Fin").await;
    app.email_to(&reader.email).await; // the welcome email is out before the next is asked for
    let new_email = "fin.new@readers.example";

    let wrong = reader
        .post(
            "/account/email",
            &[("new_email", new_email), ("password", "wrong password!")],
        )
        .await;
    assert_eq!(wrong.status(), 422);
    let asked = reader
        .post(
            "/account/email",
            &[("new_email", new_email), ("password", READER_PASSWORD)],
        )
        .await;
    assert_eq!(asked.status(), 303);
    let warning = app.emails_to(&reader.email, 2).await.pop().unwrap();
    assert!(warning.contains(new_email), "the old address is told");

    let confirm = app.email_to(new_email).await;
    assert_eq!(
        app.client
            .get(app.url(&link_in(&confirm)))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert!(reader.page("/account").await.contains(new_email));
}

#[tokio::test]
async fn staff_and_reader_sessions_are_separate_kinds_of_account() {
    let app = spawn_app().await;
    let reader = app.register("Gus").await;
    let (_, staff) = app.signed_in(Role::Admin).await;

    let as_staff = app
        .client
        .get(app.url("/newsroom"))
        .header("cookie", reader.cookie.replace("broadsheet_reader", "broadsheet_staff"))
        .send()
        .await
        .unwrap();
    assert_eq!(as_staff.status(), 303, "a reader token is no staff session");
    let as_reader: serde_json::Value = app
        .client
        .get(app.url("/account/me"))
        .header("cookie", staff.cookie.replace("broadsheet_staff", "broadsheet_reader"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(as_reader["signed_in"], false, "a staff token is no reader session");
}

#[tokio::test]
async fn readers_edit_their_profile_and_download_their_data() {
    let app = spawn_app().await;
    let article = app.story().await;
    let reader = app.register("Hal").await;
    reader.comment_id(&article, None, "My first comment.").await;
    let other = app.register("Ola").await;
    let theirs = other.comment_id(&article, None, "Someone else's comment.").await;
    let liked = reader.post(&format!("/comments/{theirs}/like"), &[]).await;
    assert!(liked.status().is_success() || liked.status().is_redirection());
    let reported = reader
        .post(
            &format!("/comments/{theirs}/report"),
            &[("reason", "off-topic"), ("detail", "")],
        )
        .await;
    assert_eq!(reported.status(), 200);

    let saved = reader
        .post(
            "/account/profile",
            &[("display_name", "Hal Reader"), ("bio", "Reads the paper on the train.")],
        )
        .await;
    assert_eq!(saved.status(), 303);
    let me = reader.me().await;
    let profile = app.page(&format!("/readers/{}", me["id"].as_str().unwrap())).await;
    assert!(
        profile.contains("Hal Reader")
            && profile.contains("Reads the paper on the train.")
            && profile.contains("My first comment.")
    );

    let long = reader
        .post("/account/profile", &[("display_name", ""), ("bio", "kept bio")])
        .await;
    assert_eq!(long.status(), 422);
    assert!(long.text().await.unwrap().contains("kept bio"));

    let data = reader.get("/account/data").await;
    assert!(
        data.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let data: serde_json::Value = data.json().await.unwrap();
    assert_eq!(data["account"]["display_name"], "Hal Reader");
    assert_eq!(data["comments"][0]["body"], "My first comment.");
    assert_eq!(data["likes"][0]["comment_id"], theirs.as_str(), "what they liked");
    assert_eq!(data["reports"][0]["comment_id"], theirs.as_str(), "what they reported");
    assert_eq!(data["reports"][0]["reason"], "Off topic");
    assert_eq!(data["alerts"], serde_json::json!([]), "no alerts turned on");
    assert!(
        data["account"].get("password_hash").is_none(),
        "no password hash in the export"
    );
}

#[tokio::test]
async fn deleting_an_account_anonymises_its_comments_by_default() {
    let app = spawn_app().await;
    let article = app.story().await;
    let reader = app.register("Ivy").await;
    reader.comment_id(&article, None, "A comment that stays.").await;

    let refused = reader.post("/account/delete", &[("confirm", "no")]).await;
    assert_eq!(refused.status(), 422);
    let deleted = reader.post("/account/delete", &[("confirm", "DELETE")]).await;
    assert_eq!(deleted.status(), 303);

    let forum = app.page("/world/story/comments").await;
    assert!(forum.contains("A comment that stays.") && forum.contains("Deleted reader") && !forum.contains(">Ivy<"));
    assert_eq!(reader.me().await["signed_in"], false);
    assert!(app.reader_sign_in(&reader.email).await.is_none());
}

#[tokio::test]
async fn deleting_an_account_can_remove_its_comments_instead() {
    let app = spawn_app_with(|s| s.community.on_account_delete = OnAccountDelete::Remove).await;
    let article = app.story().await;
    let reader = app.register("Jo").await;
    reader.comment_id(&article, None, "A comment that goes.").await;

    reader.post("/account/delete", &[("confirm", "delete")]).await;

    let forum = app.page("/world/story/comments").await;
    assert!(!forum.contains("A comment that goes."));
    assert!(forum.contains("(0 comments)"));
}
