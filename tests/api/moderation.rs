//! Moderation: queues, decisions, filters, pre-moderation and sanctions.

use broadsheet::accounts::Role;
use broadsheet::db::sql;

use crate::support::spawn_app;

#[tokio::test]
async fn moderators_reject_reported_comments_and_every_decision_is_audited() {
    let app = spawn_app().await;
    let article = app.story().await;
    let ada = app.register("Ada").await;
    let ben = app.register("Ben").await;
    let id = ada.comment_id(&article, None, "Something nasty").await;
    ben.post(&format!("/comments/{id}/report"), &[("reason", "abuse")])
        .await;
    let (_, moderator) = app.signed_in(Role::Moderator).await;

    let queue = moderator.page("/newsroom/moderation").await;
    assert!(queue.contains("Something nasty") && queue.contains("Reported: Personal abuse or harassment"));
    assert!(queue.contains("Reported (1)"));

    let decided = moderator
        .post(
            &format!("/newsroom/moderation/comments/{id}/reject"),
            &[("queue", "reported")],
        )
        .await;
    assert_eq!(decided.status(), 303);
    let forum = app.page("/world/story/comments").await;
    assert!(!forum.contains("Something nasty") && forum.contains("(0 comments)"));
    assert!(moderator.page("/newsroom/moderation").await.contains("Nothing here."));
    assert!(
        moderator
            .page("/newsroom/moderation?queue=decided")
            .await
            .contains("Something nasty")
    );

    let (_, admin) = app.signed_in(Role::Admin).await;
    assert!(admin.page("/newsroom/audit").await.contains("rejected a comment"));
}

#[tokio::test]
async fn only_moderators_and_admins_reach_the_queues() {
    let app = spawn_app().await;
    for (role, expected) in [
        (Role::Moderator, 200),
        (Role::Admin, 200),
        (Role::Editor, 403),
        (Role::Writer, 403),
    ] {
        let (_, session) = app.signed_in(role).await;
        assert_eq!(session.get("/newsroom/moderation").await.status(), expected, "{role}");
        assert_eq!(
            session.get("/newsroom/moderation/filters").await.status(),
            expected,
            "{role}"
        );
    }
    let moderator = app.member(Role::Moderator).await;
    let landing = app
        .client
        .post(app.url("/newsroom/login"))
        .form(&[
            ("email", moderator.email.as_str()),
            ("password", crate::support::newsroom::PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        landing.headers()["location"],
        "/newsroom/moderation",
        "moderators land on their queue"
    );
}

#[tokio::test]
async fn filters_hold_comments_until_a_moderator_approves_them() {
    let app = spawn_app().await;
    let article = app.story().await;
    let (_, moderator) = app.signed_in(Role::Moderator).await;
    let saved = moderator
        .post(
            "/newsroom/moderation/filters",
            &[
                ("banned_words", "swindle\nScam"),
                ("suspect_words", "crypto"),
                ("max_links", "1"),
                ("new_account_hours", "0"),
                ("per_minute", "5"),
            ],
        )
        .await;
    assert_eq!(saved.status(), 303);
    let ada = app.register("Ada").await;
    let ben = app.register("Ben").await;

    let held = ada.comment(&article, None, "This is a SCAM, obviously").await;
    assert_eq!(held.status(), 303);
    assert!(held.headers()["location"].to_str().unwrap().contains("posted=held"));
    let links = ada
        .comment(&article, None, "See https://a.example and https://b.example")
        .await;
    assert_eq!(links.status(), 303);

    assert!(
        !app.page("/world/story/comments").await.contains("obviously"),
        "others do not see it"
    );
    let own_view = ada.page("/world/story/comments").await;
    assert!(own_view.contains("obviously") && own_view.contains("Awaiting moderation"));
    let queue = moderator.page("/newsroom/moderation?queue=held").await;
    assert!(
        queue.contains("Held: banned word &#34;scam&#34;") || queue.contains("Held: banned word &quot;scam&quot;"),
        "{queue}"
    );
    assert!(queue.contains("Held: 2 links (more than 1)"));

    let (id,): (uuid::Uuid,) = sql("SELECT id FROM comments WHERE body LIKE '%SCAM%'")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let reply_target = id.to_string();
    assert_eq!(
        ben.comment(&article, Some(&reply_target), "Replying early")
            .await
            .status(),
        409
    );
    moderator
        .post(
            &format!("/newsroom/moderation/comments/{id}/approve"),
            &[("queue", "held")],
        )
        .await;
    assert!(app.page("/world/story/comments").await.contains("obviously"));
}

#[tokio::test]
async fn a_pre_moderated_article_holds_every_comment() {
    let app = spawn_app().await;
    let article = app.story().await;
    sql("UPDATE articles SET comments = 'premoderated' WHERE id = $1")
        .bind(article)
        .execute(&app.state.db)
        .await
        .unwrap();
    let ada = app.register("Ada").await;

    let response = ada.comment(&article, None, "Checked first").await;
    assert!(response.headers()["location"].to_str().unwrap().contains("posted=held"));
    assert!(
        app.page("/world/story/comments")
            .await
            .contains("checked by a moderator before they appear")
    );
    assert!(!app.page("/world/story/comments").await.contains("<p>Checked first</p>"));
}

#[tokio::test]
async fn featured_comments_are_shown_first() {
    let app = spawn_app().await;
    let article = app.story().await;
    let ada = app.register("Ada").await;
    let (_, moderator) = app.signed_in(Role::Moderator).await;
    let old = ada.comment_id(&article, None, "An insightful older comment").await;
    ada.comment_id(&article, None, "A newer comment").await;

    moderator
        .post(&format!("/newsroom/moderation/comments/{old}/feature"), &[])
        .await;

    let forum = app.page("/world/story/comments?sort=newest").await;
    assert!(forum.find("An insightful older comment").unwrap() < forum.find("A newer comment").unwrap());
    assert!(forum.contains("comment--featured") && forum.contains(">Featured<"));
}

#[tokio::test]
async fn a_suspended_reader_is_told_why_and_cannot_post_until_it_is_lifted() {
    let app = spawn_app().await;
    let article = app.story().await;
    let ada = app.register("Ada").await;
    let ada_id = ada.me().await["id"].as_str().unwrap().to_owned();
    let (_, moderator) = app.signed_in(Role::Moderator).await;

    let missing = moderator
        .post(
            &format!("/newsroom/moderation/readers/{ada_id}/sanction"),
            &[("action", "suspend"), ("days", "3"), ("reason", "")],
        )
        .await;
    assert_eq!(missing.status(), 422);
    moderator
        .post(
            &format!("/newsroom/moderation/readers/{ada_id}/sanction"),
            &[
                ("action", "suspend"),
                ("days", "3"),
                ("reason", "Repeated personal attacks"),
            ],
        )
        .await;

    let refused = ada.comment(&article, None, "Am I muted?").await;
    assert_eq!(refused.status(), 403);
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("suspended from commenting")
            && page.contains("Repeated personal attacks")
            && page.contains("Am I muted?")
    );
    let until = page.split("suspended from commenting until ").nth(1).unwrap();
    assert!(
        until.starts_with(|c: char| c.is_ascii_alphabetic()) && until.contains(" 20") && until.contains(':'),
        "the date is in words, not an ISO stamp: {}",
        &until[..40]
    );
    let moderators_view = moderator.page(&format!("/newsroom/moderation/readers/{ada_id}")).await;
    assert!(
        moderators_view.contains("Suspended from commenting until "),
        "told as about the reader"
    );
    assert!(
        !moderators_view.contains("Your account"),
        "not in the reader's own words"
    );
    assert!(
        ada.page("/world/story/comments")
            .await
            .contains("Repeated personal attacks"),
        "the forum says why"
    );

    moderator
        .post(
            &format!("/newsroom/moderation/readers/{ada_id}/sanction"),
            &[("action", "ban"), ("reason", "Threats")],
        )
        .await;
    assert!(
        ada.comment(&article, None, "Still?")
            .await
            .text()
            .await
            .unwrap()
            .contains("banned")
    );
    moderator
        .post(
            &format!("/newsroom/moderation/readers/{ada_id}/sanction"),
            &[("action", "lift")],
        )
        .await;
    assert_eq!(ada.comment(&article, None, "Back again").await.status(), 303);

    let (_, admin) = app.signed_in(Role::Admin).await;
    assert!(
        admin
            .page("/newsroom/audit")
            .await
            .contains("suspended for 3 days: Repeated personal attacks")
    );
}

#[tokio::test]
async fn approving_a_reported_comment_clears_its_report() {
    let app = spawn_app().await;
    let article = app.story().await;
    let ada = app.register("Ada").await;
    let ben = app.register("Ben").await;
    let id = ada.comment_id(&article, None, "A fair point, sharply made").await;
    ben.post(&format!("/comments/{id}/report"), &[("reason", "abuse")])
        .await;
    let (_, moderator) = app.signed_in(Role::Moderator).await;
    assert!(moderator.page("/newsroom/moderation").await.contains("Reported (1)"));

    let decided = moderator
        .post(
            &format!("/newsroom/moderation/comments/{id}/approve"),
            &[("queue", "reported")],
        )
        .await;
    assert_eq!(decided.status(), 303);
    let queue = moderator.page("/newsroom/moderation?queue=reported").await;
    assert!(
        !queue.contains("Reported (1)") && !queue.contains("A fair point"),
        "{queue}"
    );
    assert!(
        app.page("/world/story/comments")
            .await
            .contains("A fair point, sharply made")
    );
}

#[tokio::test]
async fn a_suspended_reader_cannot_edit_their_comments_either() {
    let app = spawn_app().await;
    let article = app.story().await;
    let ada = app.register("Ada").await;
    let ada_id = ada.me().await["id"].as_str().unwrap().to_owned();
    let id = ada.comment_id(&article, None, "Before the suspension").await;
    let (_, moderator) = app.signed_in(Role::Moderator).await;
    moderator
        .post(
            &format!("/newsroom/moderation/readers/{ada_id}/sanction"),
            &[
                ("action", "suspend"),
                ("days", "3"),
                ("reason", "Repeated personal attacks"),
            ],
        )
        .await;

    let refused = ada
        .post(
            &format!("/comments/{id}/edit"),
            &[("body", "Rewritten while suspended")],
        )
        .await;
    assert_eq!(refused.status(), 403);
    assert!(refused.text().await.unwrap().contains("suspended from commenting"));
    let forum = app.page("/world/story/comments").await;
    assert!(forum.contains("Before the suspension") && !forum.contains("Rewritten while suspended"));
}
