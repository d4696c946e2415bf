//! Email through a real SMTP conversation with a local stand-in server.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::support::readers::READER_PASSWORD;
use crate::support::spawn_app_with;

/// A minimal SMTP server (RFC 5321): greets, accepts one or more messages, and
/// hands each message's envelope and data to the test. A recipient whose
/// address starts with "gone" is refused for good (550), and handed over
/// with "refused" for data.
async fn smtp_stand_in() -> (u16, tokio::sync::mpsc::UnboundedReceiver<(String, String)>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let sender = sender.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 stand-in ESMTP\r\n").await.unwrap();
                let (mut recipient, mut data, mut in_data) = (String::new(), String::new(), false);
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            sender.send((recipient.clone(), std::mem::take(&mut data))).unwrap();
                            write.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            data.push_str(line.strip_prefix('.').unwrap_or(&line));
                            data.push('\n');
                        }
                        continue;
                    }
                    let verb = line.split_whitespace().next().unwrap_or("").to_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250-stand-in\r\n250 8BITMIME\r\n",
                        "MAIL" => b"250 sender ok\r\n",
                        "RCPT" => {
                            recipient = line.split(['<', '>']).nth(1).unwrap_or("").to_owned();
                            if recipient.starts_with("gone") {
                                sender.send((recipient.clone(), "refused".into())).unwrap();
                                b"550 5.1.1 no such mailbox\r\n"
                            } else {
                                b"250 recipient ok\r\n"
                            }
                        }
                        "DATA" => {
                            in_data = true;
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.unwrap();
                            break;
                        }
                        _ => b"250 ok\r\n",
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, receiver)
}

#[tokio::test]
async fn with_an_smtp_server_configured_email_is_delivered_over_smtp() {
    let (port, mut received) = smtp_stand_in().await;
    let app = spawn_app_with(|s| {
        s.mail.smtp_url = broadsheet::config::Secret::new(format!("smtp://127.0.0.1:{port}"));
        s.site.name = "The Morning Ledger".into();
    })
    .await;

    let response = app
        .client
        .post(app.url("/account/register"))
        .form(&[
            ("display_name", "Kim"),
            ("email", "kim@readers.example"),
            ("password", READER_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);

    let (to, data) = tokio::time::timeout(Duration::from_secs(5), received.recv())
        .await
        .expect("a message within seconds")
        .unwrap();
    assert_eq!(to, "kim@readers.example");
    assert!(data.contains("Subject: Confirm your email for The Morning Ledger"));
    assert!(
        data.contains("From: \"The Morning Ledger\" <newsroom@localhost>")
            || data.contains("From: The Morning Ledger <newsroom@localhost>"),
        "{data}"
    );
    assert!(
        !app.dir.path().join("outbox").exists()
            || std::fs::read_dir(app.dir.path().join("outbox"))
                .unwrap()
                .next()
                .is_none(),
        "nothing in the outbox"
    );
}

#[tokio::test]
async fn a_recipient_the_mail_server_refuses_for_good_is_not_tried_again() {
    let (port, mut received) = smtp_stand_in().await;
    let app =
        spawn_app_with(|s| s.mail.smtp_url = broadsheet::config::Secret::new(format!("smtp://127.0.0.1:{port}"))).await;
    let response = app
        .client
        .post(app.url("/account/register"))
        .form(&[
            ("display_name", "Gone"),
            ("email", "gone@readers.example"),
            ("password", READER_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let (to, what) = tokio::time::timeout(Duration::from_secs(5), received.recv())
        .await
        .expect("the server is asked within seconds")
        .unwrap();
    assert_eq!((to.as_str(), what.as_str()), ("gone@readers.example", "refused"));

    let mut finished = None;
    for _ in 0..50 {
        let row: Option<(i64, Option<String>)> =
            broadsheet::db::sql("SELECT attempts, last_error FROM jobs WHERE kind = 'email' AND done_at IS NOT NULL")
                .fetch_optional(&app.state.db)
                .await
                .unwrap();
        if row.is_some() {
            finished = row;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (attempts, error) = finished.expect("the job is finished, not left to retry");
    assert_eq!(attempts, 1);
    assert!(error.unwrap_or_default().contains("no such mailbox"));
    // A retry would come two seconds after the first try.
    assert!(
        tokio::time::timeout(Duration::from_secs(4), received.recv())
            .await
            .is_err(),
        "the refused address is not asked again"
    );
}
