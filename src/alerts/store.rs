//! Browsers' push subscriptions and the topics each chose. A subscription is
//! known by its endpoint, so an anonymous reader manages theirs with nothing
//! but the browser's own subscription object.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::db::{Db, DbError, Tx, sql};
use crate::domain::Timestamp;
use crate::error::AppError;

/// How many shards one alert's fan-out is split into.
pub const SHARDS: i64 = 16;
const MAX_ENDPOINT: usize = 2048;
const MAX_TOPICS: usize = 64;

/// `PushSubscription.toJSON()`, as a browser gives it.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct BrowserSubscription {
    pub endpoint: String,
    pub keys: Keys,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Keys {
    pub p256dh: String,
    pub auth: String,
}

/// A topic a subscription can follow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Topic {
    Breaking,
    Section(String),
    LiveBlog(crate::domain::ArticleId),
    /// Replies to the signed-in reader's comments.
    Replies,
    /// Comments by readers the signed-in reader follows.
    Following,
}

impl Topic {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "breaking" => Some(Self::Breaking),
            "replies" => Some(Self::Replies),
            "following" => Some(Self::Following),
            _ => {
                if let Some(slug) = text.strip_prefix("section:") {
                    let ok = !slug.is_empty() && slug.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
                    return ok.then(|| Self::Section(slug.to_owned()));
                }
                text.strip_prefix("liveblog:")
                    .and_then(|id| id.parse().ok())
                    .map(Self::LiveBlog)
            }
        }
    }

    pub fn key(&self) -> String {
        match self {
            Self::Breaking => "breaking".into(),
            Self::Section(slug) => format!("section:{slug}"),
            Self::LiveBlog(id) => format!("liveblog:{id}"),
            Self::Replies => "replies".into(),
            Self::Following => "following".into(),
        }
    }

    /// Topics about one reader's conversations need a signed-in reader.
    pub fn personal(&self) -> bool {
        matches!(self, Self::Replies | Self::Following)
    }
}

fn invalid(field: &str, message: &str) -> AppError {
    AppError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

/// Checks a browser's subscription: an allowed endpoint (whose name leads
/// to a public address) and keys of the right shape.
pub async fn check(subscription: &BrowserSubscription, allow_private: bool) -> Result<(), AppError> {
    if subscription.endpoint.len() > MAX_ENDPOINT {
        return Err(invalid("endpoint", "The push endpoint is too long."));
    }
    let url =
        super::send::check_endpoint(&subscription.endpoint, allow_private).map_err(|why| invalid("endpoint", &why))?;
    super::send::check_resolves(&url, allow_private)
        .await
        .map_err(|why| invalid("endpoint", &why))?;
    let decode = |b64: &str| URL_SAFE_NO_PAD.decode(b64.trim_end_matches('=')).ok();
    match decode(&subscription.keys.p256dh) {
        Some(key) if super::crypto::is_p256_point(&key) => {}
        _ => {
            return Err(invalid(
                "keys.p256dh",
                "The subscription's public key is not an uncompressed P-256 point on the curve.",
            ));
        }
    }
    match decode(&subscription.keys.auth) {
        Some(auth) if auth.len() == 16 => {}
        _ => return Err(invalid("keys.auth", "The subscription's auth secret must be 16 bytes.")),
    }
    Ok(())
}

/// Parses and checks the topics asked for; personal ones need a reader.
pub async fn check_topics(db: &Db, topics: &[String], signed_in: bool) -> Result<Vec<Topic>, AppError> {
    if topics.len() > MAX_TOPICS {
        return Err(invalid("topics", "Too many topics."));
    }
    let mut out: Vec<Topic> = Vec::new();
    for text in topics {
        let topic = Topic::parse(text)
            .ok_or_else(|| invalid("topics", &format!("There is no alert topic called {text:?}.")))?;
        if topic.personal() && !signed_in {
            return Err(invalid(
                "topics",
                "Sign in to get alerts about replies and the readers you follow.",
            ));
        }
        let exists = match &topic {
            Topic::Section(slug) => {
                sql("SELECT COUNT(*) FROM sections WHERE slug = $1")
                    .bind(slug)
                    .fetch_count(db)
                    .await?
                    > 0
            }
            Topic::LiveBlog(id) => {
                sql("SELECT COUNT(*) FROM articles WHERE id = $1")
                    .bind(*id)
                    .fetch_count(db)
                    .await?
                    > 0
            }
            _ => true,
        };
        if !exists {
            return Err(invalid("topics", &format!("There is no alert topic called {text:?}.")));
        }
        if !out.contains(&topic) {
            out.push(topic);
        }
    }
    Ok(out)
}

#[derive(Debug, sqlx::FromRow)]
struct Stored {
    id: uuid::Uuid,
    shard: i64,
}

/// Saves a subscription (new, or the same endpoint again) with exactly these topics.
pub async fn save(
    db: &Db,
    subscription: &BrowserSubscription,
    topics: &[Topic],
    reader: Option<crate::domain::ReaderId>,
) -> Result<uuid::Uuid, DbError> {
    let now = Timestamp::now();
    let mut tx = db.begin().await?;
    let id = uuid::Uuid::now_v7();
    let shard = i64::from(uuid::Uuid::new_v4().as_bytes()[0]) % SHARDS;
    sql(
        "INSERT INTO push_subscriptions (id, endpoint, p256dh, auth, reader_id, shard, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
         ON CONFLICT (endpoint) DO UPDATE SET p256dh = excluded.p256dh, auth = excluded.auth,
             reader_id = COALESCE(excluded.reader_id, push_subscriptions.reader_id), updated_at = excluded.updated_at",
    )
    .bind(id)
    .bind(&subscription.endpoint)
    .bind(&subscription.keys.p256dh)
    .bind(&subscription.keys.auth)
    .bind(reader)
    .bind(shard)
    .bind(now)
    .execute(&mut tx)
    .await?;
    let stored: Stored = sql("SELECT id, shard FROM push_subscriptions WHERE endpoint = $1")
        .bind(&subscription.endpoint)
        .fetch_one(&mut tx)
        .await?;
    set_topics(&mut tx, &stored, topics).await?;
    tx.commit().await?;
    Ok(stored.id)
}

async fn set_topics(tx: &mut Tx, stored: &Stored, topics: &[Topic]) -> Result<(), DbError> {
    sql("DELETE FROM push_topics WHERE subscription_id = $1")
        .bind(stored.id)
        .execute(&mut *tx)
        .await?;
    for topic in topics {
        sql("INSERT INTO push_topics (topic, shard, subscription_id) VALUES ($1, $2, $3)")
            .bind(topic.key())
            .bind(stored.shard)
            .bind(stored.id)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// The topics a subscription follows, if the endpoint is known.
/// A browser a signed-in reader turned alerts on in, as their data download shows it.
#[derive(Serialize)]
pub struct DeviceExport {
    pub endpoint: String,
    pub since: String,
    pub topics: Vec<String>,
}

pub async fn export_for(db: &Db, reader: crate::domain::ReaderId) -> Result<Vec<DeviceExport>, DbError> {
    let devices: Vec<(String, Timestamp)> =
        sql("SELECT endpoint, created_at FROM push_subscriptions WHERE reader_id = $1 ORDER BY created_at")
            .bind(reader)
            .fetch_all(db)
            .await?;
    let mut out = Vec::new();
    for (endpoint, since) in devices {
        let topics = topics_of(db, &endpoint).await?.unwrap_or_default();
        out.push(DeviceExport {
            endpoint,
            since: since.rfc3339(),
            topics,
        });
    }
    Ok(out)
}

pub async fn topics_of(db: &Db, endpoint: &str) -> Result<Option<Vec<String>>, DbError> {
    let Some(stored) = sql("SELECT id, shard FROM push_subscriptions WHERE endpoint = $1")
        .bind(endpoint)
        .fetch_optional::<Stored>(db)
        .await?
    else {
        return Ok(None);
    };
    let rows: Vec<(String,)> = sql("SELECT topic FROM push_topics WHERE subscription_id = $1 ORDER BY topic")
        .bind(stored.id)
        .fetch_all(db)
        .await?;
    Ok(Some(rows.into_iter().map(|(t,)| t).collect()))
}

/// Forgets a subscription (unsubscribed, or gone at the push service).
pub async fn remove(db: &Db, endpoint: &str) -> Result<bool, DbError> {
    Ok(sql("DELETE FROM push_subscriptions WHERE endpoint = $1")
        .bind(endpoint)
        .execute(db)
        .await?
        > 0)
}

/// The browser replaced a subscription (`pushsubscriptionchange`): keep its topics on the new one.
pub async fn renew(db: &Db, old_endpoint: &str, new: &BrowserSubscription) -> Result<bool, DbError> {
    let mut tx = db.begin().await?;
    // The new endpoint may already be saved (the page re-subscribed first): the old row then goes.
    let taken = sql("SELECT COUNT(*) FROM push_subscriptions WHERE endpoint = $1")
        .bind(&new.endpoint)
        .fetch_count(&mut tx)
        .await?
        > 0;
    let changed = if taken && new.endpoint != old_endpoint {
        sql("DELETE FROM push_subscriptions WHERE endpoint = $1")
            .bind(old_endpoint)
            .execute(&mut tx)
            .await?;
        true
    } else {
        sql("UPDATE push_subscriptions SET endpoint = $1, p256dh = $2, auth = $3, updated_at = $4 WHERE endpoint = $5")
            .bind(&new.endpoint)
            .bind(&new.keys.p256dh)
            .bind(&new.keys.auth)
            .bind(Timestamp::now())
            .bind(old_endpoint)
            .execute(&mut tx)
            .await?
            > 0
    };
    tx.commit().await?;
    Ok(changed)
}
