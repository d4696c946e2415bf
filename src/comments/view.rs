//! Comments as pages draw them. A thread becomes a flat list of tokens
//! (start a comment, open its replies, close them, end it) so templates can
//! draw nesting of any depth without recursion.

use std::collections::{HashMap, HashSet};

use askama::Template;

use crate::state::Site;
use crate::web::{SafeHtml, TimeView};

use super::model::{Comment, CommentId, Status};
use super::text;

#[derive(Clone, Debug)]
pub struct CommentView {
    pub id: CommentId,
    pub article_id: String,
    pub author_id: String,
    pub author: String,
    pub html: SafeHtml,
    pub time: TimeView,
    pub edited: bool,
    pub likes: i64,
    pub liked: bool,
    pub featured: bool,
    pub removed: bool,
    pub held: bool,
    pub mine: bool,
    pub depth: i64,
    /// Replies below the drawn depth, reachable on the comment's own page.
    pub more: i64,
}

#[derive(Clone, Debug)]
pub enum Token {
    Start(Box<CommentView>),
    RepliesStart,
    RepliesEnd,
    End,
}

/// What the viewer brings: who they are and what they liked.
#[derive(Clone, Debug, Default)]
pub struct Viewer {
    pub reader: Option<crate::domain::ReaderId>,
    pub liked: HashSet<CommentId>,
}

pub fn view(site: &Site, comment: &Comment, viewer: &Viewer, more: i64) -> CommentView {
    let status = comment.status();
    CommentView {
        id: comment.id,
        article_id: comment.article_id.to_string(),
        author_id: comment.reader_id.map(|r| r.to_string()).unwrap_or_default(),
        author: comment.author().to_owned(),
        html: if status == Status::Removed {
            SafeHtml::default()
        } else {
            text::render(&comment.body)
        },
        time: TimeView::long(site, comment.created_at),
        edited: comment.edited_at.is_some(),
        likes: comment.likes,
        liked: viewer.liked.contains(&comment.id),
        featured: comment.featured,
        removed: status == Status::Removed,
        held: status == Status::Held,
        mine: viewer.reader.is_some() && comment.reader_id == viewer.reader,
        depth: comment.depth,
        more,
    }
}

/// Lays out roots and the comments below them (in path order) as tokens.
/// Removed comments with nothing visible below them are left out.
/// `deeper` counts the replies under comments at the drawn depth limit.
pub fn thread(
    site: &Site,
    roots: &[Comment],
    below: &[Comment],
    viewer: &Viewer,
    deeper: &HashMap<CommentId, i64>,
) -> Vec<Token> {
    let mut tokens = Vec::new();
    for root in roots {
        let family: Vec<&Comment> = below
            .iter()
            .filter(|c| c.path.starts_with(&format!("{}/", root.path)))
            .collect();
        emit(site, root, &family, viewer, deeper, &mut tokens);
    }
    tokens
}

fn emit(
    site: &Site,
    comment: &Comment,
    family: &[&Comment],
    viewer: &Viewer,
    deeper: &HashMap<CommentId, i64>,
    out: &mut Vec<Token>,
) {
    let children: Vec<&Comment> = family
        .iter()
        .copied()
        .filter(|c| c.parent_id == Some(comment.id))
        .collect();
    let has_visible_below = family
        .iter()
        .any(|c| c.path.starts_with(&format!("{}/", comment.path)) && c.status() != Status::Removed);
    if comment.status() == Status::Removed && !has_visible_below {
        return;
    }
    let hidden = deeper.get(&comment.id).copied().unwrap_or(0);
    out.push(Token::Start(Box::new(view(site, comment, viewer, hidden))));
    out.push(Token::RepliesStart);
    for child in children {
        let below: Vec<&Comment> = family
            .iter()
            .copied()
            .filter(|c| c.path.starts_with(&format!("{}/", child.path)))
            .collect();
        emit(site, child, &below, viewer, deeper, out);
    }
    out.push(Token::RepliesEnd);
    out.push(Token::End);
}

#[derive(Template)]
#[template(path = "comments/thread.html")]
pub struct Fragment<'a> {
    pub tokens: &'a [Token],
}

/// One comment with an empty replies list, as live updates send it.
pub fn single(site: &Site, comment: &Comment) -> Result<String, askama::Error> {
    let tokens = vec![
        Token::Start(Box::new(view(site, comment, &Viewer::default(), 0))),
        Token::RepliesStart,
        Token::RepliesEnd,
        Token::End,
    ];
    Fragment { tokens: &tokens }.render()
}

/// "3 comments" / "1 comment".
pub fn count_label(count: i64) -> String {
    if count == 1 {
        "1 comment".into()
    } else {
        format!("{count} comments")
    }
}
