//! Structured data for search engines and aggregators (schema.org NewsArticle).

use serde_json::{Value, json};

use crate::state::Site;
use crate::web::ScriptJson;

use super::view::ArticleView;

pub fn news_article(
    site: &Site,
    article: &ArticleView,
    canonical: &str,
    images: &[String],
    logo: &str,
    date_modified: &str,
) -> ScriptJson {
    let authors: Vec<Value> = article
        .byline
        .iter()
        .map(|a| json!({ "@type": "Person", "name": a.name, "url": site.url(&a.url) }))
        .collect();
    let keywords: Vec<&str> = article.tags.iter().map(|t| t.name.as_str()).collect();
    let value = json!({
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
        "inLanguage": site.language,
        "isAccessibleForFree": true,
        "publisher": {
            "@type": "NewsMediaOrganization",
            "name": site.name,
            "url": site.url("/"),
            "logo": { "@type": "ImageObject", "url": logo },
        },
    });
    ScriptJson::new(&value)
}
