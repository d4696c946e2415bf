//! The commenting forum: posting, threads, sorting, likes, edits, deletion,
//! reports, following, notifications, live updates and bad input.

use std::time::Duration;

use broadsheet::articles::CommentsMode;
use broadsheet::db::sql;
use futures_util::StreamExt;

use crate::support::{percent_decode, spawn_app, spawn_app_with};

#[tokio::test]
async fn a_comment_appears_in_the_forum_and_its_count_on_the_article() {
    let app = spawn_app().await;
    let article = app.story().await;
    let ada = app.register("Ada").await;

    let id = ada
        .comment_id(&article, None, "First!\nA second line with https://example.org/x.")
        .await;

    let forum = app.page("/world/story/comments").await;
    assert!(forum.contains(&format!("id=\"comment-{id}\"")));
    assert!(forum.contains("First!<br>A second line with <a href=\"https://example.org/x\" rel=\"nofollow ugc noopener noreferrer\">https://example.org/x</a>."));
    assert!(forum.contains("(1 comment)"));
    let mut shown = false;
    for _ in 0..60 {
        if app.page("/world/story").await.contains("Comments (1)") {
            shown = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(shown, "the article page shows the count within seconds");
}

#[tokio::test]
async fn replies_nest_three_levels_deep_and_deeper_ones_continue_on_their_own_page() {
    let app = spawn_app().await;
    let article = app.story().await;
    let ada = app.register("Ada").await;
    let ben = app.register("Ben").await;
    let root = ada.comment_id(&article, None, "Level 0").await;
    let mut parent = root.clone();
    let mut ids = vec![root.clone()];
    for level in 1..=5 {
        let author = if level % 2 == 0 { &ada } else { &ben };
        parent = author
            .comment_id(&article, Some(&parent), &format!("Level {level}"))
            .await;
        ids.push(parent.clone());
    }

    let forum = app.page("/world/story/comments").await;
    for level in 0..=3 {
        assert!(
            forum.contains(&format!("<p>Level {level}</p>")),
            "level {level} is drawn"
        );
    }
    assert!(!forum.contains("<p>Level 4</p>"), "deeper replies wait");
    assert!(forum.contains(&format!(
        "<a href=\"/comments/{}\">Continue this thread (1 more reply)</a>",
        ids[3]
    )));

    let deeper = app.page(&format!("/comments/{}", ids[3])).await;
    assert!(deeper.contains("<p>Level 4</p>") && deeper.contains("<p>Level 5</p>"));
    let depth_of = |html: &str, level: usize| {
        html.split(&format!("id=\"comment-{}\"", ids[level]))
            .next()
            .unwrap()
            .matches("<ol class=\"comments")
            .count()
    };
    assert!(
        depth_of(&forum, 3) > depth_of(&forum, 1),
        "replies are nested in the markup"
    );
}

#[tokio::test]
async fn comments_sort_by_newest_oldest_and_most_liked_and_likes_toggle() {
    let app = spawn_app().await;
    let article = app.story().await;
    let ada = app.register("Ada").await;
    let ben = app.register("Ben").await;
    let old = ada.comment_id(&article, None, "Older comment").await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let new = ada.comment_id(&article, None, "Newer comment").await;

    let like = ben.post(&format!("/comments/{old}/like"), &[]).await;
    assert_eq!(like.status(), 303);
    let own = ada.post(&format!("/comments/{new}/like"), &[]).await;
    assert_eq!(own.status(), 409, "no liking your own comment");

    let position = |page: &str, text: &str| page.find(text).unwrap();
    let newest = app.page("/world/story/comments?sort=newest").await;
    assert!(position(&newest, "Newer comment") < position(&newest, "Older comment"));
    let oldest = app.page("/world/story/comments?sort=oldest").await;
    assert!(position(&oldest, "Older comment") < position(&oldest, "Newer comment"));
    let liked = ben.page("/world/story/comments?sort=liked").await;
    assert!(position(&liked, "Older comment") < position(&liked, "Newer comment"));
    assert!(liked.contains("aria-pressed=\"true\""), "Ben sees his like");

    let unlike = ben
        .app
        .client
        .post(app.url(&format!("/comments/{old}/like")))
        .header("cookie", &ben.cookie)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = unlike.json().await.unwrap();
    assert_eq!(body, serde_json::json!({ "liked": false, "likes": 0 }));
}

#[tokio::test]
async fn authors_edit_within_the_window_with_edited_shown_and_not_after() {
    let app = spawn_app().await;
    let article = app.story().await;
    let ada = app.register("Ada").await;
    let id = ada.comment_id(&article, None, "Teh typo").await;

    let edited = ada
        .post(&format!("/comments/{id}/edit"), &[("body", "The typo, fixed")])
        .await;
    assert_eq!(edited.status(), 303);
    let forum = app.page("/world/story/comments").await;
    assert!(forum.contains("The typo, fixed") && forum.contains("(edited)"));

    let ben = app.register("Ben").await;
    assert_eq!(
        ben.post(&format!("/comments/{id}/edit"), &[("body", "hijack")])
            .await
            .status(),
        403
    );

    let strict = spawn_app_with(|s| s.community.edit_window_secs = 0).await;
    let article = strict.story().await;
    let cy = strict.register("Cy").await;
    let id = cy.comment_id(&article, None, "Set in stone").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let late = cy.post(&format!("/comments/{id}/edit"), &[("body", "Too late")]).await;
    assert_eq!(late.status(), 409);
    let page = late.text().await.unwrap();
    assert!(
        page.contains("can no longer be changed") && page.contains("Too late"),
        "the new text stays in the box"
    );
}

#[tokio::test]
async fn a_deleted_comment_with_replies_leaves_a_placeholder_and_takes_no_new_replies() {
    let app = spawn_app().await;
    let article = app.story().await;
    let ada = app.register("Ada").await;
    let ben = app.register("Ben").await;
    let parent = ada.comment_id(&article, None, "Soon gone").await;
    ben.comment_id(&article, Some(&parent), "A reply that stays").await;

    assert_eq!(ada.post(&format!("/comments/{parent}/delete"), &[]).await.status(), 303);

    let forum = app.page("/world/story/comments").await;
    assert!(!forum.contains("Soon gone"));
    assert!(forum.contains("This comment was removed.") && forum.contains("A reply that stays"));
    assert!(forum.contains("(1 comment)"));
    let reply = ben.comment(&article, Some(&parent), "Replying to a ghost").await;
    assert_eq!(reply.status(), 409);
    let page = reply.text().await.unwrap();
    assert!(page.contains("has been removed") && page.contains("Replying to a ghost"));
}

#[tokio::test]
async fn empty_long_closed_and_rapid_comments_are_refused_with_the_text_kept() {
    let app = spawn_app().await;
    let article = app.story().await;
    let ada = app.register("Ada").await;

    let empty = ada.comment(&article, None, "   ").await;
    assert_eq!(empty.status(), 422);
    assert!(empty.text().await.unwrap().contains("Write something before posting."));

    let long = "x".repeat(5001);
    let too_long = ada.comment(&article, None, &long).await;
    assert_eq!(too_long.status(), 422);
    let page = too_long.text().await.unwrap();
    assert!(page.contains("at most 5000 characters; yours has 5001") && page.contains(&long));

    for n in 0..5 {
        ada.comment_id(&article, None, &format!("Quick {n}")).await;
    }
    let rapid = ada.comment(&article, None, "One too many").await;
    assert_eq!(rapid.status(), 429);
    assert!(rapid.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() <= 60);
    let page = rapid.text().await.unwrap();
    assert!(page.contains("Please wait") && page.contains("One too many"));

    sql("UPDATE articles SET comments = $1 WHERE id = $2")
        .bind(CommentsMode::Closed.as_str())
        .bind(article)
        .execute(&app.state.db)
        .await
        .unwrap();
    let ben = app.register("Ben").await;
    let closed = ben.comment(&article, None, "Can I still?").await;
    assert_eq!(closed.status(), 403);
    assert!(
        closed
            .text()
            .await
            .unwrap()
            .contains("Comments on this article are closed.")
    );
}

#[tokio::test]
async fn a_signed_out_reader_keeps_their_comment_through_signing_in() {
    let app = spawn_app().await;
    let article = app.story().await;
    let ada = app.register("Ada").await;

    let response = app
        .client
        .post(app.url("/comments"))
        .form(&[
            ("article", article.to_string().as_str()),
            ("body", "Written before signing in"),
            ("return_to", "/world/story/comments"),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/account/login?return_to="));
    let back = location.split("return_to=").nth(1).unwrap();
    let back = percent_decode(back);
    assert!(back.starts_with("/world/story/comments?restore="));
    // The text is kept for the browser that wrote it, which signs in as Ada.
    let kept =
        crate::support::cookie_set(&response, "broadsheet_kept").expect("the browser is given its kept-forms cookie");
    assert!(
        !ada.page(&back).await.contains("Written before signing in"),
        "another browser's token brings back nothing"
    );
    let page = app
        .client
        .get(app.url(&back))
        .header("cookie", format!("{}; {kept}", ada.cookie))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Written before signing in") && page.contains("ready to post"));
}

#[tokio::test]
async fn replies_and_followed_readers_comments_arrive_in_the_inbox() {
    let app = spawn_app().await;
    let article = app.story().await;
    let ada = app.register("Ada").await;
    let ben = app.register("Ben").await;
    let ada_id = ada.me().await["id"].as_str().unwrap().to_owned();
    let ben_id = ben.me().await["id"].as_str().unwrap().to_owned();

    let question = ada.comment_id(&article, None, "What do you think?").await;
    ben.comment_id(&article, Some(&question), "I think it's right.").await;
    assert_eq!(ada.me().await["unread"], 1);
    let inbox = ada.page("/account/notifications").await;
    assert!(
        inbox.contains("Ben replied to your comment on") && inbox.contains("I think it&#39;s right.")
            || inbox.contains("I think it&#x27;s right.")
    );

    assert_eq!(ada.post(&format!("/readers/{ben_id}/follow"), &[]).await.status(), 303);
    assert!(
        app.page(&format!("/readers/{ben_id}"))
            .await
            .contains("<span id=\"followers\">1</span>")
    );
    assert_eq!(
        ada.post(&format!("/readers/{ada_id}/follow"), &[]).await.status(),
        409,
        "no following yourself"
    );
    ben.comment_id(&article, None, "A new thought from Ben").await;
    assert_eq!(ada.me().await["unread"], 2);
    assert!(
        ada.page("/account/notifications")
            .await
            .contains("Ben, whom you follow, commented on")
    );

    ada.post("/account/notifications/read", &[]).await;
    assert_eq!(ada.me().await["unread"], 0);
    ada.post(&format!("/readers/{ben_id}/unfollow"), &[]).await;
    ben.comment_id(&article, None, "Unheard").await;
    assert_eq!(ada.me().await["unread"], 0);
}

#[tokio::test]
async fn reports_need_a_reason_and_are_counted_once() {
    let app = spawn_app().await;
    let article = app.story().await;
    let ada = app.register("Ada").await;
    let ben = app.register("Ben").await;
    let id = ada.comment_id(&article, None, "Provocative").await;

    assert_eq!(
        ben.post(&format!("/comments/{id}/report"), &[("reason", "")])
            .await
            .status(),
        422
    );
    let done = ben
        .post(
            &format!("/comments/{id}/report"),
            &[("reason", "abuse"), ("detail", "Rude to others")],
        )
        .await;
    assert_eq!(done.status(), 200);
    assert!(done.text().await.unwrap().contains("A moderator will look"));
    assert_eq!(
        ben.post(&format!("/comments/{id}/report"), &[("reason", "spam")])
            .await
            .status(),
        409
    );
}

#[tokio::test]
async fn comment_text_and_names_with_markup_render_as_inert_text() {
    let app = spawn_app().await;
    let article = app.story().await;
    let payloads = [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "\"><svg onload=alert(1)>",
        "javascript:alert(1)",
        "<a href=\"javascript:alert(1)\">x</a>",
        "https://x.org/\"><script>alert(1)</script>",
        "{{ 7*7 }} ${7*7} <iframe src=//evil.example>",
    ];
    let evil = app.register("<b onmouseover=alert(1)>Evil</b>").await;
    let other = app.register("\"><script>alert(2)</script>").await;
    for (n, payload) in payloads.into_iter().enumerate() {
        let author = if n % 2 == 0 { &evil } else { &other };
        author.comment_id(&article, None, payload).await;
    }

    let forum = app.page("/world/story/comments").await;
    // Tags are what would make a payload live; as escaped text it is harmless.
    for dangerous in [
        "<script>",
        "<img",
        "<svg",
        "<iframe",
        "href=\"javascript:",
        "<b onmouseover",
        "\"><script",
    ] {
        assert!(!forum.contains(dangerous), "{dangerous} is not live markup");
    }
    assert!(forum.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(
        forum.contains("&lt;b onmouseover=alert(1)&gt;Evil&lt;/b&gt;")
            || forum.contains("&#60;b onmouseover=alert(1)&#62;Evil&#60;/b&#62;")
    );
}

#[tokio::test]
async fn open_pages_receive_new_edited_and_removed_comments_live() {
    let app = spawn_app().await;
    let article = app.story().await;
    let ada = app.register("Ada").await;
    let response = app
        .client
        .get(app.url(&format!("/live/comments/{article}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut stream = response.bytes_stream();
    let mut received = String::new();
    let mut next_event = async || {
        loop {
            if let Some(end) = received.find("\n\n") {
                let event: String = received.drain(..end + 2).collect();
                if event.contains("event: comment") {
                    let data = event.lines().find_map(|l| l.strip_prefix("data: ")).unwrap().to_owned();
                    return serde_json::from_str::<serde_json::Value>(&data).unwrap();
                }
                continue;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(1), stream.next())
                .await
                .expect("an event within a second")
                .unwrap()
                .unwrap();
            received.push_str(&String::from_utf8_lossy(&chunk));
        }
    };

    let id = ada.comment_id(&article, None, "Live one").await;
    let posted = next_event().await;
    assert_eq!(posted["change"], "posted");
    assert_eq!(posted["id"], id);
    assert_eq!(posted["count"], 1);
    assert!(posted["html"].as_str().unwrap().contains("<p>Live one</p>"));

    ada.post(&format!("/comments/{id}/edit"), &[("body", "Live one, edited")])
        .await;
    let edited = next_event().await;
    assert_eq!(edited["change"], "edited");
    assert!(edited["html"].as_str().unwrap().contains("Live one, edited"));

    ada.post(&format!("/comments/{id}/delete"), &[]).await;
    let removed = next_event().await;
    assert_eq!(removed["change"], "removed");
    assert_eq!(removed["count"], 0);
}

#[tokio::test]
async fn the_story_page_carries_its_newest_threads_and_a_comment_box_without_script() {
    let app = spawn_app().await;
    let article = app.story().await;
    let readers = [
        app.register("Ada").await,
        app.register("Bea").await,
        app.register("Cy").await,
    ];
    let mut ids = Vec::new();
    for n in 1..=12 {
        let who = &readers[n % 3];
        ids.push(
            who.comment_id(&article, None, &format!("Thread number {n} here."))
                .await,
        );
    }
    let reply = readers[0]
        .comment_id(&article, Some(&ids[11]), "A reply to the newest thread.")
        .await;

    let story = app.page("/world/story").await;
    let conversation = &story[story.find("id=\"comments\"").expect("the conversation is on the page")..];
    for n in 3..=12 {
        assert!(
            conversation.contains(&format!("Thread number {n} here.")),
            "thread {n} is shown"
        );
    }
    for n in 1..=2 {
        assert!(
            !conversation.contains(&format!("Thread number {n} here.")),
            "thread {n} waits on the forum page"
        );
    }
    let newest = conversation.find(&format!("id=\"comment-{}\"", ids[11])).unwrap();
    let nested = conversation
        .find(&format!("id=\"comment-{reply}\""))
        .expect("replies are drawn too");
    assert!(nested > newest && nested < conversation.find(&format!("id=\"comment-{}\"", ids[10])).unwrap());
    assert!(
        conversation.contains("<form method=\"post\" action=\"/comments\""),
        "a plain form posts without script"
    );
    assert!(conversation.contains("name=\"return_to\" value=\"/world/story/comments\""));
    assert!(conversation.contains("href=\"/world/story/comments\">All 13 comments</a>"));
    assert!(
        story.contains("href=\"#comments\">Comments (13)</a>"),
        "the count at the top leads down to them"
    );
    let credit = story.find("article__footer").unwrap();
    assert!(
        credit < story.find("id=\"comments\"").unwrap(),
        "the story's credits come before the comments"
    );

    // A reader signed out who posts from the story is kept and sent to sign in.
    let kept = app
        .client
        .post(app.url("/comments"))
        .form(&[
            ("article", article.to_string().as_str()),
            ("parent", ""),
            ("body", "From the story, signed out."),
            ("return_to", "/world/story/comments"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(kept.status(), 303);
    assert!(
        kept.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/account/login?return_to=")
    );

    // Closed: the comments stay, the box goes.
    sql("UPDATE articles SET comments = $1 WHERE id = $2")
        .bind(CommentsMode::Closed.as_str())
        .bind(article)
        .execute(&app.state.db)
        .await
        .unwrap();
    app.changed().await;
    let story = app.page("/world/story").await;
    assert!(story.contains("Comments on this article are closed."));
    assert!(!story.contains("action=\"/comments\""));
    assert!(story.contains("Thread number 12 here."));
}

#[tokio::test]
async fn the_forum_page_signed_out_is_drawn_once_and_shows_a_new_comment_or_like_at_once() {
    let app = spawn_app().await;
    let article = app.story().await;
    let ada = app.register("Ada").await;
    let bea = app.register("Bea").await;
    let first = ada.comment_id(&article, None, "Before the page was kept.").await;

    let forum = app.get("/world/story/comments").await;
    assert_eq!(
        forum.headers()["cache-control"],
        "private, no-cache",
        "not for shared caches"
    );
    let oldest = app.page("/world/story/comments?sort=oldest").await;
    assert!(
        oldest.contains("<meta name=\"robots\" content=\"noindex\">"),
        "other sorts are not indexed"
    );
    assert!(oldest.contains("<link rel=\"canonical\" href=\"https://news.example/world/story/comments\">"));
    let newest = app.page("/world/story/comments").await;
    assert!(!newest.contains("noindex"), "the conversation itself is indexed");
    let tag = forum.headers()["etag"].to_str().unwrap().to_owned();
    let again = app
        .client
        .get(app.url("/world/story/comments"))
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304, "the kept page answers a revalidation");

    bea.comment_id(&article, None, "After the page was kept.").await;
    let forum = app.page("/world/story/comments").await;
    assert!(
        forum.contains("After the page was kept."),
        "a new comment shows at once"
    );

    let liked = bea.post(&format!("/comments/{first}/like"), &[]).await;
    assert!(liked.status().is_success() || liked.status().is_redirection());
    let forum = app.page("/world/story/comments").await;
    let card = &forum[forum.find(&format!("id=\"comment-{first}\"")).unwrap()..];
    assert!(
        card.contains("<span data-likes>1</span><span class=\"visually-hidden\"> like</span>"),
        "a like shows at once"
    );

    // Signed in, the page is the reader's own.
    let mine = ada.get("/world/story/comments").await.text().await.unwrap();
    assert!(mine.contains("as Ada"), "the box names the signed-in reader");

    // A new name shows on pages everyone shares.
    let renamed = ada
        .post("/account/profile", &[("display_name", "Ada Lovelace"), ("bio", "")])
        .await;
    assert!(renamed.status().is_redirection(), "{}", renamed.status());
    let forum = app.page("/world/story/comments").await;
    assert!(forum.contains(">Ada Lovelace</a>"), "the forum shows the new name");
}

#[tokio::test]
async fn the_next_page_of_threads_holds_the_next_threads_even_as_new_ones_arrive() {
    let app = spawn_app().await;
    let article = app.story().await;
    let mut readers = Vec::new();
    for n in 0..7 {
        readers.push(app.register(&format!("Reader {n}")).await);
    }
    for n in 1..=35 {
        readers[n % 7]
            .comment_id(&article, None, &format!("Thread {n:02} of the night."))
            .await;
    }
    let first = app.page("/world/story/comments").await;
    let next = first
        .split("href=\"")
        .find_map(|rest| rest.split('"').next().filter(|href| href.contains("after=")))
        .expect("a link to more threads")
        .replace("&#38;", "&");
    assert!(first.contains("Thread 06 of the night.") && !first.contains("Thread 05 of the night."));

    // A new thread arrives before the reader moves on: nothing repeats, nothing is skipped.
    let late = app.register("Late").await;
    late.comment_id(&article, None, "Thread 36, late.").await;
    let second = app.page(&next).await;
    for n in 1..=5 {
        assert!(
            second.contains(&format!("Thread {n:02} of the night.")),
            "thread {n} is on the next page"
        );
    }
    assert!(
        !second.contains("Thread 06 of the night."),
        "no thread from the first page repeats"
    );
    assert!(!second.contains("after="), "the last page has no further link");
    assert!(second.contains("Back to the first threads"));

    let oldest = app.page("/world/story/comments?sort=oldest").await;
    let next = oldest
        .split("href=\"")
        .find_map(|rest| rest.split('"').next().filter(|href| href.contains("after=")))
        .unwrap()
        .replace("&#38;", "&");
    let rest = app.page(&next).await;
    assert!(rest.contains("Thread 31 of the night.") && rest.contains("Thread 36, late."));
    assert!(!rest.contains("Thread 30 of the night."));
}
