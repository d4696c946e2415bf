//! An instant in time, stored the natural way on each database: `TIMESTAMPTZ`
//! on PostgreSQL, integer microseconds since the Unix epoch on SQLite (so that
//! ordering and comparison are exact there, unlike timestamps kept as text).
//! Queries always bind the current time from the application, never
//! `CURRENT_TIMESTAMP`, so both databases see the same values.

use std::fmt;

use serde::{Deserialize, Serialize};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef};
use sqlx::sqlite::{SqliteArgumentsBuffer, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Encode, Postgres, Sqlite, Type};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(jiff::Timestamp);

impl Timestamp {
    pub fn now() -> Self {
        // Truncated to microseconds: what both databases keep.
        Self::from_micros(jiff::Timestamp::now().as_microsecond())
    }

    pub fn from_micros(micros: i64) -> Self {
        Self(jiff::Timestamp::from_microsecond(micros).unwrap_or(jiff::Timestamp::UNIX_EPOCH))
    }

    pub fn from_seconds(seconds: i64) -> Self {
        Self::from_micros(seconds.saturating_mul(1_000_000))
    }

    pub fn as_micros(self) -> i64 {
        self.0.as_microsecond()
    }

    pub fn parse(rfc3339: &str) -> Result<Self, jiff::Error> {
        let ts: jiff::Timestamp = rfc3339.parse()?;
        Ok(Self::from_micros(ts.as_microsecond()))
    }

    pub fn jiff(self) -> jiff::Timestamp {
        self.0
    }

    pub fn plus_seconds(self, seconds: i64) -> Self {
        Self::from_micros(self.as_micros().saturating_add(seconds.saturating_mul(1_000_000)))
    }

    /// Seconds since the Unix epoch (for HTTP dates, which have no fractions).
    pub fn as_seconds(self) -> i64 {
        self.0.as_second()
    }

    /// RFC 3339 in UTC, e.g. `2024-12-16T06:04:00Z`.
    pub fn rfc3339(self) -> String {
        jiff::Timestamp::from_second(self.as_seconds())
            .unwrap_or(self.0)
            .to_string()
    }

    /// RFC 9110 HTTP date, e.g. `Mon, 16 Dec 2024 06:04:00 GMT`.
    pub fn http_date(self) -> String {
        jiff::fmt::rfc2822::DateTimePrinter::new()
            .timestamp_to_rfc9110_string(&self.0)
            .unwrap_or_default()
    }

    /// RFC 822 date as RSS 2.0 wants it.
    pub fn rfc2822(self) -> String {
        jiff::fmt::rfc2822::to_string(&self.0.to_zoned_datetime(jiff::tz::TimeZone::UTC)).unwrap_or_default()
    }

    pub fn parse_http_date(value: &str) -> Option<Self> {
        jiff::fmt::rfc2822::parse(value)
            .ok()
            .map(|zoned| Self::from_micros(zoned.timestamp().as_microsecond()))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rfc3339())
    }
}

impl From<Timestamp> for crate::db::Arg {
    fn from(ts: Timestamp) -> Self {
        crate::db::Arg::Time(Some(ts))
    }
}

impl From<Option<Timestamp>> for crate::db::Arg {
    fn from(ts: Option<Timestamp>) -> Self {
        crate::db::Arg::Time(ts)
    }
}

impl Type<Sqlite> for Timestamp {
    fn type_info() -> SqliteTypeInfo {
        <i64 as Type<Sqlite>>::type_info()
    }
    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <i64 as Type<Sqlite>>::compatible(ty)
    }
}

impl Encode<'_, Sqlite> for Timestamp {
    fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
        <i64 as Encode<Sqlite>>::encode(self.as_micros(), buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Timestamp {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Self::from_micros(<i64 as Decode<Sqlite>>::decode(value)?))
    }
}

impl Type<Postgres> for Timestamp {
    fn type_info() -> PgTypeInfo {
        <time::OffsetDateTime as Type<Postgres>>::type_info()
    }
}

impl Encode<'_, Postgres> for Timestamp {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        let nanos = i128::from(self.as_micros()) * 1_000;
        let odt = time::OffsetDateTime::from_unix_timestamp_nanos(nanos)?;
        <time::OffsetDateTime as Encode<Postgres>>::encode(odt, buf)
    }
}

impl<'r> Decode<'r, Postgres> for Timestamp {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        let odt = <time::OffsetDateTime as Decode<Postgres>>::decode(value)?;
        let micros = i64::try_from(odt.unix_timestamp_nanos() / 1_000)?;
        Ok(Self::from_micros(micros))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_for_feeds_and_http() {
        let ts = Timestamp::parse("2024-12-16T06:04:00Z").unwrap();
        assert_eq!(ts.rfc3339(), "2024-12-16T06:04:00Z");
        assert_eq!(ts.http_date(), "Mon, 16 Dec 2024 06:04:00 GMT");
        assert_eq!(Timestamp::parse_http_date("Mon, 16 Dec 2024 06:04:00 GMT"), Some(ts));
        assert!(ts.rfc2822().starts_with("Mon, 16 Dec 2024 06:04:00"));
    }
}
