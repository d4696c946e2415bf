//! One error type for every handler. Each expected case is a named variant
//! with its HTTP status here; anything else is a 500 whose cause is logged once
//! and never shown. The body is drawn later by `web::errors`, which knows
//! whether the client wants an HTML page or `application/problem+json`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("page not found")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("{0}")]
    Conflict(String),
    #[error("sign-in required")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{message}")]
    TooManyRequests { message: String, retry_after_secs: u64 },
    #[error("the work took longer than the request timeout")]
    Timeout,
    /// Something the answer needs is out of reach for now (the database,
    /// or every picture worker); the client is told when to try again.
    #[error("{message}")]
    Unavailable { message: String, retry_after_secs: u64 },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<crate::db::DbError> for AppError {
    fn from(err: crate::db::DbError) -> Self {
        AppError::Internal(err.into())
    }
}

/// How long a client is asked to wait when the database cannot do the work.
const DATABASE_RETRY_SECS: u64 = 15;

impl AppError {
    /// How long the client is asked to wait, for the errors that say.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            AppError::TooManyRequests { retry_after_secs, .. } | AppError::Unavailable { retry_after_secs, .. } => {
                Some(*retry_after_secs)
            }
            _ => None,
        }
    }

    /// A handler's own page for this error (a form drawn again with the
    /// message): `html` with the error's status, and `Retry-After` when it has one.
    pub fn drawn(&self, html: String) -> Response {
        let mut response = (self.status(), axum::response::Html(html)).into_response();
        if let Some(secs) = self.retry_after_secs() {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }

    /// For a handler that draws an error into its own page (a form shown
    /// again with the message): a failure on our side is logged with its
    /// cause, as `into_response` would, and a passing one becomes a 503.
    pub fn noted(self) -> Self {
        let this = self.passing();
        if let AppError::Internal(cause) = &this {
            tracing::error!(error = format!("{cause:#}"), "request failed");
        }
        this
    }

    /// A failure on our side that passes (the database out of reach, busy
    /// or with a full disk) is told as such: 503 with `Retry-After`, not a 500.
    fn passing(self) -> Self {
        let AppError::Internal(cause) = &self else { return self };
        let passes = cause.chain().any(|e| {
            e.downcast_ref::<crate::db::DbError>()
                .is_some_and(crate::db::DbError::is_unavailable)
                || e.downcast_ref::<sqlx::Error>().is_some_and(crate::db::is_unavailable)
        });
        if !passes {
            return self;
        }
        // While the server is known to be out of reach, requests fail without
        // trying and the outage itself is logged once (by `db::Reach`).
        let known = cause.chain().any(|e| {
            e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::NotConnected)
        });
        if known {
            tracing::debug!(
                error = format!("{cause:#}"),
                "answered 503: the database is out of reach"
            );
        } else {
            tracing::warn!(
                error = format!("{cause:#}"),
                "the database could not do the work; answered 503"
            );
        }
        AppError::Unavailable {
            message:
                "We cannot save or look this up just now: our database is not answering. Please try again in a minute."
                    .into(),
            retry_after_secs: DATABASE_RETRY_SECS,
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(err: askama::Error) -> Self {
        AppError::Internal(anyhow::Error::new(err).context("rendering a template"))
    }
}

/// What went wrong, attached to the response for `web::errors` to draw.
#[derive(Clone, Debug)]
pub struct ErrorReport {
    pub status: StatusCode,
    pub title: &'static str,
    pub detail: String,
    pub field: Option<String>,
    /// What the person had typed into the form (name, text), shown back
    /// on a failure on our side so it is not lost.
    pub kept: Vec<(String, String)>,
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Timeout | AppError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn report(&self) -> ErrorReport {
        let (title, detail, field) = match self {
            AppError::NotFound => (
                "Page not found",
                "We could not find the page you asked for. It may have moved, or the address may be mistyped."
                    .to_owned(),
                None,
            ),
            AppError::BadRequest(message) => ("Bad request", message.clone(), None),
            AppError::Invalid { field, message } => {
                ("Please check what you entered", message.clone(), Some(field.clone()))
            }
            AppError::Conflict(message) => ("Conflict", message.clone(), None),
            AppError::Unauthorized => ("Please sign in", "You need to sign in to do that.".to_owned(), None),
            AppError::Forbidden(message) => ("Not allowed", message.clone(), None),
            AppError::TooLarge(message) => ("Too large", message.clone(), None),
            AppError::UnsupportedMediaType(message) => ("Unsupported file", message.clone(), None),
            AppError::TooManyRequests { message, .. } => ("Too many attempts", message.clone(), None),
            AppError::Timeout => (
                "Please try again",
                "This page took too long to prepare. Please try again in a moment.".to_owned(),
                None,
            ),
            AppError::Unavailable { message, .. } => ("Please try again", message.clone(), None),
            AppError::Internal(_) => (
                "Something went wrong",
                "Something went wrong on our side. Please try again in a moment.".to_owned(),
                None,
            ),
        };
        ErrorReport {
            status: self.status(),
            title,
            detail,
            field,
            kept: Vec::new(),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let this = self.passing();
        match &this {
            AppError::Internal(cause) => tracing::error!(error = format!("{cause:#}"), "request failed"),
            AppError::Timeout => tracing::warn!("request timed out"),
            _ => {}
        }
        let report = this.report();
        let mut response = report.status.into_response();
        if let Some(secs) = this.retry_after_secs() {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        if let AppError::Unauthorized = &this {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response.extensions_mut().insert(report);
        response
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// Problems with a submission, by field name: a form shows each beside its
/// field, an API answers with the first. Only what the person can fix goes
/// here; a failure on our side stays an [`AppError`].
#[derive(Clone, Debug, Default)]
pub struct FieldErrors(pub std::collections::BTreeMap<String, String>);

impl FieldErrors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.entry(field.to_owned()).or_insert_with(|| message.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    /// Files a field error under its field; anything else is handed back.
    pub fn absorb(&mut self, err: AppError) -> Result<(), AppError> {
        match err {
            AppError::Invalid { field, message } => {
                self.add(&field, message);
                Ok(())
            }
            other => Err(other),
        }
    }

    /// The first problem, as one error naming its field.
    pub fn first(self) -> AppError {
        match self.0.into_iter().next() {
            Some((field, message)) => AppError::Invalid { field, message },
            None => AppError::BadRequest("The submission is not valid.".into()),
        }
    }
}

/// Why a submission was not taken: problems the person can fix, or a failure.
#[derive(Debug)]
pub enum Refused {
    Fields(FieldErrors),
    Failed(AppError),
}

impl From<AppError> for Refused {
    fn from(err: AppError) -> Self {
        match err {
            AppError::Invalid { field, message } => {
                let mut errors = FieldErrors::default();
                errors.add(&field, message);
                Refused::Fields(errors)
            }
            other => Refused::Failed(other),
        }
    }
}

impl From<crate::db::DbError> for Refused {
    fn from(err: crate::db::DbError) -> Self {
        Refused::Failed(err.into())
    }
}

impl From<anyhow::Error> for Refused {
    fn from(err: anyhow::Error) -> Self {
        Refused::Failed(err.into())
    }
}

impl From<FieldErrors> for Refused {
    fn from(errors: FieldErrors) -> Self {
        Refused::Fields(errors)
    }
}

impl From<Refused> for AppError {
    fn from(refused: Refused) -> Self {
        match refused {
            Refused::Fields(errors) => errors.first(),
            Refused::Failed(err) => err,
        }
    }
}
