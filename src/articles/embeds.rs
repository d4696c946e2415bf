//! Embeds: a video or a post from another site, written in a body as its
//! address alone in a paragraph (WordPress's convention, which imports keep).
//! The page shows a card linking to it; the provider's player is loaded only
//! when the reader asks for it, so nothing of theirs reaches a reader who
//! does not (and readers without JavaScript, and feeds, get the link).

use reqwest::Url;

use crate::web::SafeHtml;
use crate::web::html::escape;

/// A recognised address, with what it takes to show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Embed {
    pub provider: &'static str,
    /// What it is, for the link's words: "video" or "post".
    pub kind: &'static str,
    /// Its page on the provider's site.
    pub page: String,
    /// The player to load in a frame on request (None: a link only).
    pub player: Option<String>,
}

/// The hosts whose players may be framed (the page's Content-Security-Policy lists them).
pub const PLAYER_ORIGINS: &[&str] = &[
    "https://www.youtube-nocookie.com",
    "https://player.vimeo.com",
    "https://platform.twitter.com",
];

/// The embed an address stands for, if it is one we know.
pub fn recognise(address: &str) -> Option<Embed> {
    let url = Url::parse(address.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = url.host_str()?.trim_start_matches("www.").trim_start_matches("m.");
    let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    let video = |provider, id: &str, page: String, player: String| {
        is_id(id).then_some(Embed {
            provider,
            kind: "video",
            page,
            player: Some(player),
        })
    };
    match host {
        "youtube.com" | "youtube-nocookie.com" => {
            let id = match segments.as_slice() {
                ["watch"] => url.query_pairs().find(|(k, _)| k == "v").map(|(_, v)| v.into_owned())?,
                ["embed" | "shorts" | "live" | "v", id, ..] => (*id).to_owned(),
                _ => return None,
            };
            youtube(&id)
        }
        "youtu.be" => youtube(segments.first()?),
        "vimeo.com" | "player.vimeo.com" => {
            let id = segments.iter().rev().find(|s| s.chars().all(|c| c.is_ascii_digit()))?;
            video(
                "Vimeo",
                id,
                format!("https://vimeo.com/{id}"),
                format!("https://player.vimeo.com/video/{id}?dnt=1"),
            )
        }
        "twitter.com" | "x.com" | "mobile.twitter.com" => match segments.as_slice() {
            [user, "status", id, ..] if id.chars().all(|c| c.is_ascii_digit()) && is_id(user) => Some(Embed {
                provider: "X",
                kind: "post",
                page: format!("https://x.com/{user}/status/{id}"),
                player: Some(format!(
                    "https://platform.twitter.com/embed/Tweet.html?id={id}&dnt=true"
                )),
            }),
            _ => None,
        },
        // Its player's address is only given by its oEmbed service: a link.
        "wordpress.tv" if segments.len() >= 4 => Some(Embed {
            provider: "WordPress.tv",
            kind: "video",
            page: url.to_string(),
            player: None,
        }),
        _ => None,
    }
}

fn youtube(id: &str) -> Option<Embed> {
    is_id(id).then(|| Embed {
        provider: "YouTube",
        kind: "video",
        page: format!("https://www.youtube.com/watch?v={id}"),
        player: Some(format!("https://www.youtube-nocookie.com/embed/{id}")),
    })
}

fn is_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

/// The embed's card: a link everyone gets, and a button (shown by the
/// page's script) that swaps in the player.
pub fn render(embed: &Embed) -> SafeHtml {
    let label = format!(
        "{} {} on {}",
        if embed.kind == "video" { "Watch the" } else { "Read the" },
        embed.kind,
        embed.provider
    );
    let button = match &embed.player {
        Some(player) => format!(
            "<button type=\"button\" class=\"embed__load\" data-player=\"{}\" data-title=\"{}\" hidden>Show it here \
             <span class=\"embed__note\">(loads {}’s player, which may set cookies)</span></button>",
            escape(player),
            escape(&format!("{} {}", embed.provider, embed.kind)),
            escape(embed.provider)
        ),
        None => String::new(),
    };
    SafeHtml::trusted(format!(
        "<figure class=\"embed embed--{}\"><a class=\"embed__link\" href=\"{}\">{}</a>{button}</figure>\n",
        escape(embed.kind),
        escape(&embed.page),
        escape(&label)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers_are_recognised_from_every_form_of_their_addresses() {
        for address in [
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=10",
            "https://youtu.be/dQw4w9WgXcQ",
            "https://www.youtube.com/embed/dQw4w9WgXcQ?rel=0",
            "https://m.youtube.com/shorts/dQw4w9WgXcQ",
        ] {
            let embed = recognise(address).unwrap_or_else(|| panic!("{address}"));
            assert_eq!(embed.page, "https://www.youtube.com/watch?v=dQw4w9WgXcQ");
            assert_eq!(
                embed.player.as_deref(),
                Some("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ")
            );
        }
        assert_eq!(
            recognise("https://vimeo.com/channels/staffpicks/76979871")
                .unwrap()
                .player
                .as_deref(),
            Some("https://player.vimeo.com/video/76979871?dnt=1")
        );
        let post = recognise("https://twitter.com/newsdesk/status/1234567890?s=20").unwrap();
        assert_eq!(post.page, "https://x.com/newsdesk/status/1234567890");
        assert_eq!(post.kind, "post");
        let tv = recognise("https://wordpress.tv/2023/08/30/a-talk/").unwrap();
        assert!(tv.player.is_none());
        for not in [
            "https://example.org/watch?v=x",
            "javascript:alert(1)",
            "https://youtube.com/watch?v=<script>",
            "https://x.com/home",
        ] {
            assert!(recognise(not).is_none(), "{not}");
        }
    }

    #[test]
    fn the_card_links_for_everyone_and_offers_the_player() {
        let html = render(&recognise("https://youtu.be/abc_DEF-123").unwrap());
        let html = html.as_str();
        assert!(
            html.contains("href=\"https://www.youtube.com/watch?v=abc_DEF-123\""),
            "{html}"
        );
        assert!(html.contains("data-player=\"https://www.youtube-nocookie.com/embed/abc_DEF-123\""));
        assert!(html.contains(" hidden>"), "the button waits for the script");
        assert!(!html.contains("<iframe"), "nothing of theirs loads by itself");
    }
}
