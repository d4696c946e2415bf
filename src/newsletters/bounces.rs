//! Bounces and complaints coming back: a delivery status notification
//! (RFC 3464) or a feedback report (RFC 5965), handed over raw by the mail
//! server that received it (a Postfix `pipe` to this webhook, or a relay's
//! inbound hook). The recipient is read from the VERP return path the
//! message was sent with, else from the report itself. Hard bounces and
//! complaints take the address off every newsletter at once; soft bounces
//! do after `newsletters.soft_bounce_limit` of them.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mail_parser::{MessageParser, MimeHeaders};
use serde::{Deserialize, Serialize};

use crate::audit::Actor;
use crate::change::Change;
use crate::db::sql;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

use super::subscribers::{self, Reason};

/// What a report says happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    HardBounce,
    SoftBounce,
    Complaint,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Report {
    pub kind: Kind,
    /// The address the report is about, as the report gives it.
    pub address: Option<String>,
    /// The tags of the VERP return paths it was sent to (checked before use).
    pub tags: Vec<String>,
    pub detail: String,
}

/// Reads a bounce or complaint; None for anything else (an auto-reply, a
/// "delivered" notice).
pub fn read(raw: &[u8], envelope_to: Option<&str>) -> Option<Report> {
    let message = MessageParser::default().parse(raw)?;
    let mut kind = None;
    let mut address = None;
    let mut detail = String::new();
    for part in &message.parts {
        let Some(ctype) = part.content_type() else {
            continue;
        };
        let subtype = ctype.subtype().unwrap_or("").to_ascii_lowercase();
        if !ctype.ctype().eq_ignore_ascii_case("message") {
            continue;
        }
        let text = String::from_utf8_lossy(part.contents());
        match subtype.as_str() {
            "delivery-status" | "global-delivery-status" => {
                if let Some((k, a, d)) = delivery_status(&text) {
                    kind = Some(k);
                    address = a;
                    detail = d;
                }
            }
            "feedback-report" => {
                kind = Some(Kind::Complaint);
                let fields = fields(&text);
                detail = format!("complaint: {}", field(&fields, "feedback-type").unwrap_or("abuse"));
                address = field(&fields, "original-rcpt-to").map(strip_address_type);
            }
            _ => {}
        }
    }
    let kind = kind?;
    // The return path we sent with: given by the mail server, or kept in
    // the headers it added on delivery. Anyone can write these headers, so
    // a tag counts only once its signature is checked.
    let tags = envelope_to
        .into_iter()
        .map(str::to_owned)
        .chain(["delivered-to", "x-original-to", "to"].iter().filter_map(|name| {
            message
                .header_raw(*name)
                .map(|v| v.trim().trim_start_matches('<').trim_end_matches('>').to_owned())
        }))
        .filter_map(|to| tag_of(&to))
        .collect();
    Some(Report {
        kind,
        address,
        tags,
        detail,
    })
}

/// "bounces+TAG@domain" → TAG. A `+` that arrived URL-decoded as a space is taken as `+`.
fn tag_of(address: &str) -> Option<String> {
    let local = address.split('@').next()?;
    let (_, tag) = local.split_once(['+', ' '])?;
    Some(tag.trim().to_owned())
}

/// The DSN's fields, lower-cased names, continuation lines folded.
fn fields(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = out.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            out.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    out
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// "rfc822; someone@example.com" → "someone@example.com".
fn strip_address_type(value: &str) -> String {
    let value = value.split_once(';').map_or(value, |(_, a)| a);
    value
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_lowercase()
}

/// The first failed or delayed recipient in a delivery-status body.
fn delivery_status(text: &str) -> Option<(Kind, Option<String>, String)> {
    let fields = fields(text);
    // Per-recipient groups start at each Final-Recipient (or Original-Recipient) field.
    let mut recipient: Option<String> = None;
    let mut found = None;
    let mut action = String::new();
    let mut status = String::new();
    let mut diagnostic = String::new();
    let mut settle = |recipient: &Option<String>, action: &str, status: &str, diagnostic: &str| {
        if found.is_some() {
            return;
        }
        let kind = match (action, status.chars().next()) {
            ("failed", Some('5')) | ("failed", None) => Some(Kind::HardBounce),
            ("failed", Some('4')) | ("delayed", _) => Some(Kind::SoftBounce),
            _ => None,
        };
        if let Some(kind) = kind {
            let detail = format!("{action} {status} {diagnostic}").trim().to_owned();
            found = Some((kind, recipient.clone(), detail));
        }
    };
    for (name, value) in &fields {
        match name.as_str() {
            "final-recipient" => {
                if recipient.is_some() {
                    settle(&recipient, &action, &status, &diagnostic);
                    (action, status, diagnostic) = (String::new(), String::new(), String::new());
                }
                recipient = Some(strip_address_type(value));
            }
            "action" => action = value.to_ascii_lowercase(),
            "status" => status = value.split_whitespace().next().unwrap_or("").to_owned(),
            "diagnostic-code" => diagnostic = value.clone(),
            _ => {}
        }
    }
    settle(&recipient, &action, &status, &diagnostic);
    found
}

#[derive(Deserialize)]
pub struct HookQuery {
    /// The envelope recipient, when the mail server passes it (Postfix: `${recipient}`).
    #[serde(default)]
    recipient: Option<String>,
}

#[derive(Serialize)]
struct HookAnswer {
    outcome: &'static str,
    kind: Option<Kind>,
    address: Option<String>,
}

/// `POST /newsletters/bounces`: one raw message per request.
pub async fn receive(
    State(state): State<AppState>,
    Query(query): Query<HookQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let key = state.settings.newsletters.inbound_key.expose();
    if key.is_empty() {
        return Err(AppError::NotFound);
    }
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    // Compared as MACs under a throwaway key: constant time, whatever the lengths.
    let throwaway = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &crate::accounts::secrets::token().into_bytes());
    let expected = ring::hmac::sign(&throwaway, key.as_bytes());
    if ring::hmac::verify(&throwaway, given.as_bytes(), expected.as_ref()).is_err() {
        return Err(AppError::Forbidden("That key is not this site's inbound key.".into()));
    }
    let Some(report) = read(&body, query.recipient.as_deref()) else {
        let answer = HookAnswer {
            outcome: "ignored",
            kind: None,
            address: None,
        };
        return Ok((StatusCode::OK, axum::Json(answer)).into_response());
    };
    let address = apply(&state, &report).await?;
    let answer = HookAnswer {
        outcome: if address.is_some() {
            "recorded"
        } else {
            "unknown recipient"
        },
        kind: Some(report.kind),
        address,
    };
    Ok((StatusCode::ACCEPTED, axum::Json(answer)).into_response())
}

/// Suppresses or counts, and books it on the edition; returns the address
/// it was about. Only a report on a message we sent (its return path's tag
/// signed by us) counts: a forged bounce naming an address suppresses nothing.
pub async fn apply(state: &AppState, report: &Report) -> AppResult<Option<String>> {
    let signer = super::links::Signer::load(&state.db).await?;
    let Some((id, number)) = report.tags.iter().find_map(|tag| signer.read_verp_tag(tag)) else {
        return Ok(None);
    };
    let Some(subscriber) = subscribers::by_id(&state.db, id).await? else {
        return Ok(None);
    };
    let address = subscriber.email.clone();
    let mut change = Change::begin(state, Actor::system("bounce handling")).await?;
    match report.kind {
        Kind::HardBounce => subscribers::suppress(&mut change, &address, Reason::HardBounce, &report.detail).await?,
        Kind::Complaint => subscribers::suppress(&mut change, &address, Reason::Complaint, &report.detail).await?,
        Kind::SoftBounce => {
            let limit = state.settings.newsletters.soft_bounce_limit.max(1) as i64;
            subscribers::soft_bounce(&mut change, &subscriber, limit, &report.detail).await?;
        }
    }
    // The edition's figures count hard bounces and complaints; a delayed message may still arrive.
    let column = match report.kind {
        Kind::Complaint => Some("complaints"),
        Kind::HardBounce => Some("bounced"),
        Kind::SoftBounce => None,
    };
    if let Some(column) = column {
        sql(format!("UPDATE editions SET {column} = {column} + 1 WHERE number = $1"))
            .bind(number)
            .execute(&mut change)
            .await?;
    }
    change.commit().await?;
    Ok(Some(address))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DSN: &str = "From: MAILER-DAEMON@mx.example\r\n\
To: bounces+0190f0a0b1c27d3e8f00112233445566-42-abcdef012345@news.example\r\n\
Subject: Undelivered Mail Returned to Sender\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\
\r\n\
--B\r\n\
Content-Type: text/plain\r\n\
\r\n\
I'm sorry to have to inform you that your message could not be delivered.\r\n\
--B\r\n\
Content-Type: message/delivery-status\r\n\
\r\n\
Reporting-MTA: dns; mx.example\r\n\
\r\n\
Final-Recipient: rfc822; gone@readers.example\r\n\
Original-Recipient: rfc822;gone@readers.example\r\n\
Action: failed\r\n\
Status: 5.1.1\r\n\
Diagnostic-Code: smtp; 550 5.1.1 <gone@readers.example>: Recipient address rejected\r\n\
--B--\r\n";

    #[test]
    fn a_failed_delivery_is_a_hard_bounce_for_the_verp_recipient() {
        let report = read(DSN.as_bytes(), None).expect("a bounce");
        assert_eq!(report.kind, Kind::HardBounce);
        assert_eq!(report.address.as_deref(), Some("gone@readers.example"));
        assert_eq!(report.tags, ["0190f0a0b1c27d3e8f00112233445566-42-abcdef012345"]);
        assert!(report.detail.contains("5.1.1"));
    }

    #[test]
    fn a_delay_is_a_soft_bounce_and_a_plain_reply_is_nothing() {
        let delayed = DSN
            .replace("Action: failed", "Action: delayed")
            .replace("Status: 5.1.1", "Status: 4.4.1");
        assert_eq!(read(delayed.as_bytes(), None).unwrap().kind, Kind::SoftBounce);
        let reply = "From: a@b.example\r\nTo: news@x.example\r\nSubject: Re: Morning\r\n\r\nThanks!\r\n";
        assert_eq!(read(reply.as_bytes(), None), None);
    }

    #[test]
    fn a_feedback_report_is_a_complaint() {
        let arf = "From: fbl@isp.example\r\nTo: news@x.example\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=feedback-report; boundary=\"F\"\r\n\r\n\
--F\r\nContent-Type: text/plain\r\n\r\nThis is an abuse report.\r\n\
--F\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nUser-Agent: FBL/1.0\r\nVersion: 1\r\n\
Original-Rcpt-To: <angry@readers.example>\r\n--F--\r\n";
        let report = read(
            arf.as_bytes(),
            // Postfix's ${recipient} in a query string arrives with its + decoded as a space.
            Some("bounces 0190f0a0b1c27d3e8f00112233445566-7-abc@x.example"),
        )
        .unwrap();
        assert_eq!(report.kind, Kind::Complaint);
        assert_eq!(report.address.as_deref(), Some("angry@readers.example"));
        assert_eq!(report.tags[0], "0190f0a0b1c27d3e8f00112233445566-7-abc");
    }
}
