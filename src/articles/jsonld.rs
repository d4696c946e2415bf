//! Structured data for search engines and aggregators (schema.org NewsArticle).

use serde_json::{Value, json};

use crate::state::Site;
use crate::web::ScriptJson;

use crate::liveblogs::view::LiveView;

use super::view::ArticleView;

pub fn news_article(
    site: &Site,
    article: &ArticleView,
    canonical: &str,
    images: &[String],
    logo: &str,
    date_modified: &str,
) -> ScriptJson {
    ScriptJson::new(&article_value(site, article, canonical, images, logo, date_modified))
}

/// A live blog: the article as a LiveBlogPosting with this page's entries as updates.
pub fn live_blog_posting(
    site: &Site,
    article: &ArticleView,
    live: &LiveView,
    canonical: &str,
    images: &[String],
    logo: &str,
    date_modified: &str,
) -> ScriptJson {
    let mut value = article_value(site, article, canonical, images, logo, date_modified);
    let updates: Vec<Value> = live
        .entries
        .iter()
        .map(|e| {
            let authors: Vec<Value> = e
                .authors
                .iter()
                .map(|(name, url)| json!({ "@type": "Person", "name": name, "url": site.url(url) }))
                .collect();
            json!({
                "@type": "BlogPosting",
                "headline": e.label,
                "url": site.url(&e.permalink),
                "datePublished": e.posted.iso,
                "dateModified": e.updated_iso,
                "articleBody": e.text,
                "author": authors,
            })
        })
        .collect();
    value["@type"] = json!("LiveBlogPosting");
    value["coverageStartTime"] = json!(article.published.iso);
    if let Some(ended) = &live.ended {
        value["coverageEndTime"] = json!(ended.iso);
    }
    value["liveBlogUpdate"] = json!(updates);
    ScriptJson::new(&value)
}

fn article_value(
    site: &Site,
    article: &ArticleView,
    canonical: &str,
    images: &[String],
    logo: &str,
    date_modified: &str,
) -> Value {
    let authors: Vec<Value> = article
        .byline
        .iter()
        .map(|a| json!({ "@type": "Person", "name": a.name, "url": site.url(&a.url) }))
        .collect();
    let keywords: Vec<&str> = article.tags.iter().map(|t| t.name.as_str()).collect();
    json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": { "@type": "WebPage", "@id": canonical },
        "url": canonical,
        "headline": article.headline,
        "description": article.standfirst,
        "image": images,
        "datePublished": article.published.iso,
        "dateModified": date_modified,
        "author": authors,
        "articleSection": article.section_name,
        "keywords": keywords,
        "inLanguage": site.language(),
        "isAccessibleForFree": true,
        "publisher": {
            "@type": "NewsMediaOrganization",
            "name": site.name(),
            "url": site.url("/"),
            "logo": { "@type": "ImageObject", "url": logo },
        },
    })
}
