//! Newsletters end to end, through Postfix's smtp-sink as the relay: a
//! reader signs up and confirms by email, the newsroom writes and sends an
//! edition, the relay receives a proper message per recipient, and the
//! reader leaves with a mail program's one-click POST.

use std::time::Duration;

use broadsheet::accounts::Role;

use crate::support::readers::link_in;
use crate::support::smtp_sink::{Sink, Taken};
use crate::support::{BASE_URL, TestApp, spawn_app_with};

const INBOUND_KEY: &str = "inbound-test-key-0123456789";

async fn app_with(sink: &Sink, batch: usize) -> TestApp {
    app_at_rate(sink, batch, 0).await
}

async fn app_at_rate(sink: &Sink, batch: usize, per_second: u64) -> TestApp {
    let url = sink.url();
    spawn_app_with(move |s| {
        s.newsletters.messages_per_second = per_second;
        s.newsletters.smtp_url = broadsheet::config::Secret::new(url);
        s.newsletters.bounce_address = "bounces@news.example".into();
        s.newsletters.inbound_key = broadsheet::config::Secret::new(INBOUND_KEY.into());
        s.newsletters.batch_size = batch;
    })
    .await
}

/// Creates a newsletter through the desk; returns its id.
async fn newsletter(session: &crate::support::newsroom::Session<'_>, name: &str) -> String {
    let response = session
        .post(
            "/newsroom/newsletters",
            &[
                ("name", name),
                ("description", "The day's news before breakfast."),
                ("frequency", "Every weekday at 6am"),
                ("sender_name", "The Morning Desk"),
                ("reply_to", "desk@news.example"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303, "{}", response.text().await.unwrap());
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    location.rsplit('/').next().unwrap().to_owned()
}

/// Writes an edition and sends it; returns its id.
async fn send_edition(session: &crate::support::newsroom::Session<'_>, newsletter: &str, subject: &str) -> String {
    let response = session
        .post(
            &format!("/newsroom/newsletters/{newsletter}/editions"),
            &[
                ("subject", subject),
                ("preheader", "Three things to know"),
                (
                    "body",
                    "## Good morning\r\n\r\nThe talks resume at *noon*.\r\n\r\n<script>alert(1)</script>",
                ),
                ("with_appeal", "on"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let edition = location
        .trim_start_matches("/newsroom/editions/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let sent = session.post(&format!("/newsroom/editions/{edition}/send"), &[]).await;
    assert_eq!(sent.status(), 303);
    edition
}

async fn wait_until_sent(session: &crate::support::newsroom::Session<'_>, edition: &str) -> String {
    for _ in 0..600 {
        let page = session.page(&format!("/newsroom/editions/{edition}")).await;
        if page.contains("id=\"edition-status\">sent<") {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the edition was not sent");
}

/// Signs `email` up without an account and follows the emailed link.
async fn sign_up(app: &TestApp, email: &str, newsletter: &str) {
    let response = app
        .post_form(
            "/newsletters/subscribe",
            &[
                ("email", email),
                ("newsletter", newsletter),
                ("return_to", "/world/some-story"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/world/some-story?done=check");
    let link = link_in(&app.email_to(&email.to_lowercase()).await);
    assert!(link.starts_with("/newsletters/confirm/"), "{link}");
    let page = app.page(&link).await;
    assert!(
        page.contains(">Confirm</button>"),
        "a scanner following the link confirms nothing"
    );
    let confirmed = app.post_form(&link, &[]).await;
    assert_eq!(confirmed.status(), 303);
    let again = app.post_form(&link, &[]).await;
    assert_eq!(again.status(), 410, "a confirmation link works once");
}

fn to<'a>(taken: &'a [Taken], email: &str) -> &'a Taken {
    taken
        .iter()
        .find(|t| t.recipient == email)
        .expect("a message to the reader")
}

#[tokio::test]
async fn a_reader_confirms_by_email_gets_the_edition_from_a_real_relay_and_leaves_in_one_click() {
    let sink = Sink::start().await;
    let app = app_with(&sink, 500).await;
    let (_, desk) = app.signed_in(Role::Editor).await;
    let id = newsletter(&desk, "The Morning Briefing").await;

    // Before confirming, the address gets nothing.
    app.post_form(
        "/newsletters/subscribe",
        &[("email", "waiting@readers.example"), ("newsletter", &id)],
    )
    .await;
    sign_up(&app, "Kim@Readers.example", &id).await;
    let public = app.page("/newsletters").await;
    assert!(public.contains("The Morning Briefing") && public.contains("Every weekday at 6am"));

    let edition = send_edition(&desk, &id, "Talks resume at noon").await;
    let page = wait_until_sent(&desk, &edition).await;
    assert!(
        page.contains("<dd id=\"edition-sent\">1</dd>"),
        "one confirmed subscriber: {page}"
    );

    let taken = sink.wait_for(1).await;
    assert_eq!(taken.len(), 1, "only the confirmed address");
    let message = to(&taken, "kim@readers.example");
    assert_eq!(message.header("Subject").as_deref(), Some("Talks resume at noon"));
    assert!(message.header("From").unwrap().contains("The Morning Desk"));
    assert_eq!(message.header("Reply-To").as_deref(), Some("desk@news.example"));
    assert_eq!(
        message.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    // The return path names the reader and the edition (VERP).
    assert!(
        message.envelope_from.starts_with("bounces+"),
        "{}",
        message.envelope_from
    );
    assert!(message.envelope_from.ends_with("@news.example"));
    let unsubscribe = message.header("List-Unsubscribe").unwrap();
    let leave = unsubscribe.trim_start_matches('<').trim_end_matches('>').to_owned();
    assert!(leave.starts_with(&format!("{BASE_URL}/newsletters/leave/")), "{leave}");
    let leave_here = app.url(leave.trim_start_matches(BASE_URL));

    let (text, html) = message.bodies();
    assert!(
        text.contains("The talks resume at *noon*."),
        "the words as written: {text}"
    );
    assert!(text.contains(&leave), "the text part carries the way out too");
    assert!(html.contains("<em>noon</em>"), "{html}");
    assert!(!html.contains("<script"), "raw HTML never reaches the email");
    assert!(
        html.contains("role=\"presentation\""),
        "laid out in tables for mail programs"
    );
    assert!(
        html.contains(&format!("href=\"{BASE_URL}/support\"")),
        "the appeal links to the support page"
    );
    assert!(html.contains(&leave.replace('&', "&amp;")) || html.contains(&leave));
    assert!(message.raw.len() < 102_000, "under Gmail's clipping size");
    let archive = html
        .split("href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let public_copy = app.get(archive.trim_start_matches(BASE_URL)).await;
    assert_eq!(public_copy.status(), 200, "view in browser: {archive}");
    let public_copy = public_copy.text().await.unwrap();
    assert!(public_copy.contains("Good morning") && !public_copy.contains("/newsletters/leave/"));

    // A mail program's one-click unsubscribe: a plain POST, no cookie, no page.
    let one_click = reqwest::Client::new()
        .post(&leave_here)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(one_click.status(), 200);
    let page = desk.page(&format!("/newsroom/newsletters/{id}")).await;
    assert!(page.contains("0 subscribers"), "{page}");
    let edition_page = desk.page(&format!("/newsroom/editions/{edition}")).await;
    assert!(
        edition_page.contains("<dt>Unsubscribed</dt><dd>1</dd>"),
        "{edition_page}"
    );

    // A forged link leaves nothing.
    let forged = format!("{}x", leave.split('?').next().unwrap());
    assert_eq!(
        app.post_form(forged.trim_start_matches(BASE_URL), &[]).await.status(),
        404
    );
}

#[tokio::test]
async fn a_hard_bounce_suppresses_the_address_and_the_next_edition_skips_it() {
    let sink = Sink::start().await;
    let app = app_with(&sink, 500).await;
    let (_, desk) = app.signed_in(Role::Admin).await;
    let id = newsletter(&desk, "Evening Edition").await;
    sign_up(&app, "gone@readers.example", &id).await;
    sign_up(&app, "stays@readers.example", &id).await;
    let edition = send_edition(&desk, &id, "First evening").await;
    wait_until_sent(&desk, &edition).await;
    let taken = sink.wait_for(2).await;
    let bounced = to(&taken, "gone@readers.example");

    // The receiving server's bounce, handed to the webhook as Postfix's pipe would.
    let dsn = format!(
        "From: MAILER-DAEMON@mx.readers.example\r\nTo: {}\r\nSubject: Undelivered Mail Returned to Sender\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\r\n\r\n\
--b1\r\nContent-Type: text/plain\r\n\r\nThe mail system could not deliver your message.\r\n\
--b1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.readers.example\r\n\r\n\
Final-Recipient: rfc822; gone@readers.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\
Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n--b1--\r\n",
        bounced.envelope_from
    );
    let refused = app
        .client
        .post(app.url("/newsletters/bounces"))
        .header("authorization", "Bearer wrong")
        .body(dsn.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    // A forged bounce (a return path we never signed) suppresses no one.
    let forged = dsn.replace("gone@", "stays@").replace(
        bounced
            .envelope_from
            .split('+')
            .nth(1)
            .unwrap()
            .split('@')
            .next()
            .unwrap(),
        &format!("{}-1-000000000000", uuid::Uuid::now_v7().simple()),
    );
    let ignored = app
        .client
        .post(app.url("/newsletters/bounces"))
        .header("authorization", format!("Bearer {INBOUND_KEY}"))
        .body(forged)
        .send()
        .await
        .unwrap();
    let ignored: serde_json::Value = ignored.json().await.unwrap();
    assert_eq!(ignored["outcome"], "unknown recipient");
    let answer = app
        .client
        .post(app.url("/newsletters/bounces"))
        .header("authorization", format!("Bearer {INBOUND_KEY}"))
        .header("content-type", "message/rfc822")
        .body(dsn)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 202);
    let answer: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(answer["kind"], "hard_bounce");
    assert_eq!(answer["address"], "gone@readers.example");

    let list = desk.page("/newsroom/newsletters/suppressions").await;
    assert!(
        list.contains("gone@readers.example") && list.contains("hard bounce"),
        "{list}"
    );
    let figures = desk.page(&format!("/newsroom/editions/{edition}")).await;
    assert!(figures.contains("<dt>Bounced</dt><dd>1</dd>"), "{figures}");

    // The next edition skips the suppressed address.
    let second = send_edition(&desk, &id, "Second evening").await;
    let page = wait_until_sent(&desk, &second).await;
    assert!(page.contains("<dd id=\"edition-sent\">1</dd>"), "{page}");
    let taken = sink.wait_for(3).await;
    assert_eq!(
        taken.iter().filter(|t| t.recipient == "gone@readers.example").count(),
        1
    );
}

#[tokio::test]
async fn a_paused_and_resumed_send_reaches_everyone_exactly_once() {
    let sink = Sink::start().await;
    // Slow enough (about a second in all) that the pause lands mid-send.
    let mut app = app_at_rate(&sink, 7, 150).await;
    let id = {
        let (_, desk) = app.signed_in(Role::Editor).await;
        newsletter(&desk, "Weekly Long Read").await
    };
    let slug = "weekly-long-read";

    // 120 subscribers from a CSV export, through the command line (with the
    // site stopped, so its own jobs hold no write lock the command queues behind).
    let mut csv = String::from("email,name,newsletters,consent_date\n");
    for n in 0..120 {
        csv.push_str(&format!(
            "reader{n}@readers.example,Reader {n},{slug},2026-01-0{}\n",
            1 + n % 9
        ));
    }
    csv.push_str("no-consent@readers.example,Nobody,weekly-long-read,\n");
    csv.push_str("not-an-address,Nobody,weekly-long-read,2026-01-01\n");
    let file = app.dir.path().join("subscribers.csv");
    std::fs::write(&file, csv).unwrap();
    app.stop().await;
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_broadsheet"))
        .args(["subscribers", "import"])
        .arg(&file)
        .current_dir(app.dir.path())
        .env("BROADSHEET_DATABASE__URL", &app.database_url)
        .env("BROADSHEET_LOG__LEVEL", "error")
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert!(printed.contains("Subscribed (or already subscribed): 120"), "{printed}");
    assert!(printed.contains("row 121: no consent date"), "{printed}");
    assert!(
        printed.contains("row 122: \"not-an-address\" is not an email address"),
        "{printed}"
    );
    let app = app.restart().await;
    let (_, desk) = app.signed_in(Role::Editor).await;

    let edition = send_edition(&desk, &id, "The long read").await;
    let paused = desk.post(&format!("/newsroom/editions/{edition}/pause"), &[]).await;
    assert_eq!(paused.status(), 303, "paused while sending");
    // The batches under way finish (their messages wait their turn at the
    // rate ceiling); then nothing more leaves.
    let mut held = sink.taken().len();
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_millis(400)).await;
        let now = sink.taken().len();
        if now == held {
            break;
        }
        held = now;
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(sink.taken().len(), held, "nothing more leaves while paused");
    assert!(held < 120, "the pause landed before the end ({held} sent)");
    let resumed = desk.post(&format!("/newsroom/editions/{edition}/resume"), &[]).await;
    assert_eq!(resumed.status(), 303);
    let page = wait_until_sent(&desk, &edition).await;
    assert!(page.contains("<dd id=\"edition-sent\">120</dd>"), "{page}");
    assert!(
        page.contains("<dt>To send</dt><dd>120</dd>"),
        "each shard counted its audience once: {page}"
    );
    let taken = sink.wait_for(120).await;
    let mut recipients: Vec<&str> = taken.iter().map(|t| t.recipient.as_str()).collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(taken.len(), 120, "nobody twice (held {held} while paused)");
    assert_eq!(recipients.len(), 120, "everybody once");

    // The export gives back what was imported.
    drop(desk);
    let mut app = app;
    app.stop().await;
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_broadsheet"))
        .args(["subscribers", "export"])
        .current_dir(app.dir.path())
        .env("BROADSHEET_DATABASE__URL", &app.database_url)
        .env("BROADSHEET_LOG__LEVEL", "error")
        .output()
        .unwrap();
    let exported = String::from_utf8_lossy(&output.stdout);
    assert_eq!(exported.lines().count(), 121, "a header and 120 rows");
    assert!(
        exported.contains("reader7@readers.example,Reader 7,weekly-long-read,2026-01-08T00:00:00"),
        "{exported}"
    );
}

#[tokio::test]
async fn two_editors_saving_the_same_edition_do_not_overwrite_each_other() {
    let sink = Sink::start().await;
    let app = app_with(&sink, 500).await;
    let (_, desk) = app.signed_in(Role::Editor).await;
    let id = newsletter(&desk, "Politics Weekly").await;
    let response = desk
        .post(
            &format!("/newsroom/newsletters/{id}/editions"),
            &[("subject", "Draft"), ("body", "First words")],
        )
        .await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let edition = location
        .trim_start_matches("/newsroom/editions/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let path = format!("/newsroom/editions/{edition}");
    let first = desk
        .post(&path, &[("subject", "Draft"), ("body", "Mine"), ("revision", "1")])
        .await;
    assert_eq!(first.status(), 303);
    let second = desk
        .post(
            &path,
            &[("subject", "Draft"), ("body", "Theirs, kept"), ("revision", "1")],
        )
        .await;
    assert_eq!(second.status(), 409);
    let page = second.text().await.unwrap();
    assert!(page.contains("Someone else saved this edition") && page.contains("Theirs, kept"));

    let empty = desk
        .post(&path, &[("subject", ""), ("body", "x"), ("revision", "2")])
        .await;
    assert_eq!(empty.status(), 422);
    assert!(empty.text().await.unwrap().contains("Write a subject line"));
}

#[tokio::test]
async fn a_signed_in_reader_with_a_confirmed_address_chooses_newsletters_at_once() {
    let sink = Sink::start().await;
    let app = app_with(&sink, 500).await;
    let (_, desk) = app.signed_in(Role::Editor).await;
    let morning = newsletter(&desk, "Morning").await;
    let evening = newsletter(&desk, "Evening").await;
    let reader = app.register("Ola").await;
    let verify = link_in(&app.email_to(&reader.email).await);
    let verified = reader.get(&verify).await;
    assert_eq!(verified.status(), 200, "{verify}");

    let saved = reader
        .post(
            "/newsletters/subscribe",
            &[("newsletter", &morning), ("newsletter", &evening), ("whole_list", "1")],
        )
        .await;
    assert_eq!(saved.status(), 303);
    assert_eq!(saved.headers()["location"], "/newsletters?done=saved");
    let page = reader.page("/newsletters").await;
    assert_eq!(page.matches(" checked>").count(), 2, "{page}");
    assert!(page.contains(&format!("Sent to {}", reader.email)));

    // Unticking one takes the reader off it.
    reader
        .post(
            "/newsletters/subscribe",
            &[("newsletter", &morning), ("whole_list", "1")],
        )
        .await;
    let page = reader.page("/newsletters").await;
    assert_eq!(page.matches(" checked>").count(), 1, "{page}");
    assert_eq!(
        app.emails_to(&reader.email, 1).await.len(),
        1,
        "no confirmation email was needed"
    );
}

#[tokio::test]
async fn an_edition_can_start_as_a_sections_newest_stories() {
    let sink = Sink::start().await;
    let app = app_with(&sink, 500).await;
    app.story().await;
    let (_, desk) = app.signed_in(Role::Editor).await;
    let id = newsletter(&desk, "World Today").await;
    let page = desk
        .page(&format!("/newsroom/newsletters/{id}/editions/new?from=world"))
        .await;
    assert!(
        page.contains(&format!("know today.\n\n{BASE_URL}/world/story")),
        "{page}"
    );
    assert!(page.contains("World Today: "), "a subject with today's date");
    let empty = desk
        .page(&format!("/newsroom/newsletters/{id}/editions/new?from=no-such-section"))
        .await;
    assert!(!empty.contains(&format!("know today.\n\n{BASE_URL}/world/story")));
}

#[tokio::test]
async fn an_edition_sent_while_the_relay_is_down_arrives_once_it_is_back() {
    let port = crate::support::smtp_sink::free_port();
    let app = spawn_app_with(move |s| {
        s.newsletters.smtp_url = broadsheet::config::Secret::new(format!("smtp://127.0.0.1:{port}"));
        s.newsletters.retry_after_secs = 1;
    })
    .await;
    let (_, desk) = app.signed_in(Role::Editor).await;
    let id = newsletter(&desk, "Patient Post").await;
    sign_up(&app, "patient@readers.example", &id).await;
    let edition = send_edition(&desk, &id, "While the relay was down").await;
    let mut waiting = false;
    for _ in 0..100 {
        let page = desk.page(&format!("/newsroom/editions/{edition}")).await;
        if page.contains("<dt>Waiting to retry</dt><dd>1</dd>") {
            waiting = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(waiting, "nothing could be sent, so the message waits to be tried again");

    let sink = Sink::start_on(port).await;
    let page = wait_until_sent(&desk, &edition).await;
    assert!(
        page.contains("<dd id=\"edition-sent\">1</dd>") && page.contains("<dt>Failed</dt><dd>0</dd>"),
        "{page}"
    );
    let taken = sink.wait_for(1).await;
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].recipient, "patient@readers.example");
}

/// The next whole minute in the site's time zone as HH:MM, at least 5 s away.
fn next_minute() -> String {
    let now = jiff::ZonedDateTime::now().with_time_zone(jiff::tz::TimeZone::get("Europe/London").unwrap());
    let ahead = if now.second() >= 55 { 2 } else { 1 };
    let at = now.checked_add(jiff::Span::new().minutes(ahead)).unwrap();
    at.strftime("%H:%M").to_string()
}

/// Sets up a newsletter with a schedule through the desk; returns its id.
async fn scheduled_newsletter(
    session: &crate::support::newsroom::Session<'_>,
    name: &str,
    at: &str,
    extra: &[(&str, &str)],
) -> String {
    let mut fields = vec![("name", name), ("schedule_at", at), ("schedule_from", "world")];
    for day in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] {
        fields.push(("schedule_days", day));
    }
    fields.extend_from_slice(extra);
    let response = session.post("/newsroom/newsletters", &fields).await;
    assert_eq!(response.status(), 303, "{}", response.text().await.unwrap());
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    location.rsplit('/').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_scheduled_newsletter_builds_its_edition_at_its_time_and_counts_clicks_without_knowing_who() {
    let sink = Sink::start().await;
    let app = app_with(&sink, 500).await;
    app.story().await;
    let (_, desk) = app.signed_in(Role::Editor).await;

    // A schedule that makes no sense is refused, with the words kept.
    let refused = desk
        .post("/newsroom/newsletters", &[("name", "Nowhen"), ("schedule_at", "07:00")])
        .await;
    assert_eq!(refused.status(), 422);
    let refused = refused.text().await.unwrap();
    assert!(refused.contains("Tick the days the newsletter goes out"), "{refused}");
    assert!(refused.contains("value=\"Nowhen\""));

    let at = next_minute();
    let sent = scheduled_newsletter(&desk, "Evening Wrap", &at, &[("count_clicks", "on")]).await;
    let reviewed = scheduled_newsletter(&desk, "Weekly Review", &at, &[("schedule_review", "on")]).await;
    let page = desk.page(&format!("/newsroom/newsletters/{sent}")).await;
    assert!(
        page.contains(&format!(
            "Built by itself: Mon, Tue, Wed, Thu, Fri, Sat, Sun at {at}; the next is built on"
        )),
        "{page}"
    );
    sign_up(&app, "evening@readers.example", &sent).await;
    sign_up(&app, "weekly@readers.example", &reviewed).await;
    let public = app.page("/newsletters/evening-wrap").await;
    assert!(
        public.contains("counts how often each link is followed, never who"),
        "the newsletter's page says clicks are counted"
    );

    // At its time, with no one pressing anything, the edition is built and sent.
    for _ in 0..300 {
        if !sink.taken().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let taken = sink.wait_for(1).await;
    let message = to(&taken, "evening@readers.example");
    assert!(message.header("Subject").unwrap().starts_with("Evening Wrap: "));
    let (text, html) = message.bodies();
    assert!(
        text.contains(&format!("{BASE_URL}/world/story")),
        "plain text links stay direct: {text}"
    );
    assert!(
        html.contains("we do not record who follows them"),
        "the email says its clicks are counted"
    );
    assert!(!html.contains(&format!("href=\"{BASE_URL}/world/story\"")), "{html}");
    assert!(
        html.contains("/newsletters/leave/"),
        "the way out is never sent through the counter"
    );

    // A program checking a link (HEAD) is not counted; a reader following it is.
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut story_click = None;
    for href in html.split("href=\"").filter_map(|rest| rest.split('"').next()) {
        if !href.contains("/newsletters/click/") {
            continue;
        }
        let head = no_redirects
            .head(app.url(href.trim_start_matches(BASE_URL)))
            .send()
            .await
            .unwrap();
        assert_eq!(head.status(), 302);
        if head.headers()["location"] == format!("{BASE_URL}/world/story").as_str() {
            story_click = Some(href.trim_start_matches(BASE_URL).to_owned());
        }
    }
    let story_click = story_click.expect("the story card's link is counted");
    let followed = no_redirects.get(app.url(&story_click)).send().await.unwrap();
    assert_eq!(followed.status(), 302);
    assert_eq!(
        followed.headers()["location"],
        format!("{BASE_URL}/world/story").as_str()
    );
    assert_eq!(app.get("/newsletters/click/999/1").await.status(), 404);

    let page = desk.page(&format!("/newsroom/newsletters/{sent}")).await;
    let edition = page
        .split("/newsroom/editions/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let edition_page = wait_until_sent(&desk, &edition).await;
    assert!(edition_page.contains("schedule for"), "{edition_page}");
    assert!(
        edition_page.contains(&format!(
            "<td><a href=\"{BASE_URL}/world/story\">{BASE_URL}/world/story</a></td><td>1</td>"
        )),
        "one click counted: {edition_page}"
    );
    assert_eq!(page.matches("/newsroom/editions/").count(), 1, "built once");

    // With a review step, the edition waits as a draft and nothing is sent.
    let review_page = desk.page(&format!("/newsroom/newsletters/{reviewed}")).await;
    assert!(review_page.contains("waiting for review"), "{review_page}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        sink.taken().iter().all(|t| t.recipient != "weekly@readers.example"),
        "nothing goes out before an editor sends it"
    );
}

/// A private key made by openssl (`args`), and the DNS TXT record that publishes its public half.
fn dkim_key(dir: &std::path::Path, rsa: bool) -> (std::path::PathBuf, String) {
    use base64::Engine;
    let key = dir.join(if rsa { "rsa.pem" } else { "ed25519.pem" });
    let made = if rsa {
        std::process::Command::new("openssl")
            .args(["genrsa", "-traditional", "-out"])
            .arg(&key)
            .arg("2048")
            .output()
    } else {
        std::process::Command::new("openssl")
            .args(["genpkey", "-algorithm", "ed25519", "-out"])
            .arg(&key)
            .output()
    }
    .expect("openssl runs");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let public = std::process::Command::new("openssl")
        .args(["pkey", "-pubout", "-outform", "DER", "-in"])
        .arg(&key)
        .output()
        .expect("openssl runs");
    assert!(public.status.success());
    let der = public.stdout;
    let record = if rsa {
        format!(
            "v=DKIM1; k=rsa; p={}",
            base64::engine::general_purpose::STANDARD.encode(&der)
        )
    } else {
        // The raw 32-byte key after the 12-byte SubjectPublicKeyInfo header (RFC 8463).
        format!(
            "v=DKIM1; k=ed25519; p={}",
            base64::engine::general_purpose::STANDARD.encode(&der[der.len() - 32..])
        )
    };
    (key, record)
}

/// Asks dkimpy, a verifier that is not ours, whether the message's signature holds.
fn dkimpy_verifies(message: &str, record: &str, dir: &std::path::Path) -> String {
    let mail = dir.join("message.eml");
    let crlf = message.replace("\r\n", "\n").replace('\n', "\r\n");
    std::fs::write(&mail, crlf).unwrap();
    let script = r#"
import sys, dkim
message = open(sys.argv[1], 'rb').read()
record = sys.argv[2].encode()
def dns(name, timeout=5):
    assert name == b'news2026._domainkey.news.example.', name
    return record
print(dkim.verify(message, dnsfunc=dns))
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&mail)
        .arg(record)
        .output()
        .expect("python3 runs (scripts/setup installs dkimpy)");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout).trim(),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test]
async fn newsletters_signed_with_dkim_pass_an_independent_verifier_with_rsa_and_ed25519() {
    let keys = tempfile::tempdir().unwrap();
    for rsa in [true, false] {
        let (key, record) = dkim_key(keys.path(), rsa);
        let sink = Sink::start().await;
        let url = sink.url();
        let key_file = key.display().to_string();
        let app = spawn_app_with(move |s| {
            s.newsletters.smtp_url = broadsheet::config::Secret::new(url);
            s.newsletters.dkim_domain = "news.example".into();
            s.newsletters.dkim_selector = "news2026".into();
            s.newsletters.dkim_key_file = key_file;
        })
        .await;
        let (_, desk) = app.signed_in(Role::Editor).await;
        let id = newsletter(&desk, "Signed Sheet").await;
        sign_up(&app, "signed@readers.example", &id).await;
        send_edition(&desk, &id, "Signed, sealed, delivered").await;
        let taken = sink.wait_for(1).await;
        let message = to(&taken, "signed@readers.example");
        let signature = message.header("DKIM-Signature").expect("a DKIM signature");
        assert!(signature.contains("d=news.example") && signature.contains("s=news2026"));
        assert!(
            signature.contains("list-unsubscribe:list-unsubscribe-post"),
            "the one-click headers are signed (RFC 8058): {signature}"
        );
        assert!(
            message
                .header("Message-ID")
                .is_some_and(|id| id.ends_with("@localhost>")),
            "a Message-ID at the sender's domain (large providers refuse mail without one)"
        );
        assert_eq!(
            dkimpy_verifies(&message.raw, &record, keys.path()),
            "True",
            "rsa: {rsa}"
        );
        // A changed word breaks it: the verifier really checks.
        let tampered = message
            .raw
            .replace("Signed, sealed, delivered", "Signed, sealed, forged");
        assert_eq!(dkimpy_verifies(&tampered, &record, keys.path()), "False");
    }
}

#[tokio::test]
async fn a_deleted_reader_account_leaves_its_newsletters() {
    let sink = Sink::start().await;
    let app = app_with(&sink, 500).await;
    let (_, desk) = app.signed_in(Role::Editor).await;
    let id = newsletter(&desk, "Leaving Letter").await;
    let reader = app.register("Leaver").await;
    let verify = link_in(&app.email_to(&reader.email).await);
    assert_eq!(reader.get(&verify).await.status(), 200);
    let joined = reader
        .post("/newsletters/subscribe", &[("newsletter", id.as_str())])
        .await;
    assert_eq!(joined.status(), 303);
    let data = reader.page("/account/data").await;
    assert!(
        data.contains("\"name\": \"Leaving Letter\""),
        "the data download lists it: {data}"
    );
    let page = desk.page(&format!("/newsroom/newsletters/{id}")).await;
    assert!(page.contains("1 subscriber "), "{page}");
    let deleted = reader.post("/account/delete", &[("confirm", "DELETE")]).await;
    assert_eq!(deleted.status(), 303);
    let page = desk.page(&format!("/newsroom/newsletters/{id}")).await;
    assert!(page.contains("0 subscribers"), "{page}");
}

#[tokio::test]
async fn fronts_offer_a_newsletter_and_a_section_offers_its_own() {
    let sink = Sink::start().await;
    let app = app_with(&sink, 500).await;
    app.story().await;
    let (_, desk) = app.signed_in(Role::Editor).await;
    newsletter(&desk, "General Post").await;
    scheduled_newsletter(&desk, "World Today", "06:00", &[("schedule_review", "on")]).await;
    let home = app.page("/").await;
    assert!(home.contains("Get General Post by email"), "{home}");
    assert!(home.contains("action=\"/newsletters/subscribe\""));
    let front = app.page("/world").await;
    assert!(
        front.contains("Get World Today by email"),
        "the section's own newsletter"
    );
    let story = app.page("/world/story").await;
    assert!(story.contains("Get World Today by email"));
}

#[tokio::test]
async fn the_relays_rate_ceiling_holds_across_instances() {
    let sink = Sink::start().await;
    // 50 messages a second: a batch of 50 takes one second of the relay's time.
    let a = app_at_rate(&sink, 50, 50).await;
    let b = if a.on_postgres() {
        Some(a.second_instance().await)
    } else {
        None
    };
    let other = b.as_ref().unwrap_or(&a);
    let started = std::time::Instant::now();
    tokio::join!(
        a.state.newsletter_sender.book(&a.state.db, 50),
        other.state.newsletter_sender.book(&other.state.db, 50),
        a.state.newsletter_sender.book(&a.state.db, 50),
        other.state.newsletter_sender.book(&other.state.db, 50),
    );
    // Four batches booked at once get four seconds one after another, so
    // the last may only begin three seconds on, whichever instance it is in.
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(2900), "{waited:?}");
    assert!(waited < Duration::from_secs(20), "{waited:?}");
}

#[tokio::test]
async fn every_edition_starts_from_the_newsletters_own_words() {
    let sink = Sink::start().await;
    let app = app_with(&sink, 500).await;
    app.story().await;
    let (_, desk) = app.signed_in(Role::Editor).await;
    let created = desk
        .post(
            "/newsroom/newsletters",
            &[("name", "Desk Notes"), ("template", "Morning from the desk.\r\n")],
        )
        .await;
    assert_eq!(created.status(), 303);
    let id = created.headers()["location"]
        .to_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let blank = desk.page(&format!("/newsroom/newsletters/{id}/editions/new")).await;
    assert!(blank.contains(">Morning from the desk.</textarea>"), "{blank}");
    let stories = desk
        .page(&format!("/newsroom/newsletters/{id}/editions/new?from=world"))
        .await;
    assert!(
        stories.contains(&format!("Morning from the desk.\n\n{BASE_URL}/world/story")),
        "{stories}"
    );
}
