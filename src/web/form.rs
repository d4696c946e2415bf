//! Form submissions as ordered name/value pairs, so repeated fields (a
//! byline of several authors, several pictures) keep their order, and a
//! whole form can be kept and given back when something goes wrong.

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Fields that are not something a person typed, or must not be shown again.
const NOT_TYPED: &[&str] = &[
    "article",
    "parent",
    "key",
    "return_to",
    "next",
    "action",
    "restore",
    "version",
    "id",
];

impl FormFields {
    /// What the person typed: non-empty fields, without passwords, tokens,
    /// codes or the form's own bookkeeping (for an error page to show back).
    pub fn typed(&self) -> Vec<(String, String)> {
        self.pairs
            .iter()
            .filter(|(name, value)| {
                !value.trim().is_empty()
                    && !NOT_TYPED.contains(&name.as_str())
                    && !name.contains("password")
                    && !name.contains("token")
                    && !name.contains("code")
            })
            .cloned()
            .collect()
    }
}

/// Form bodies larger than this are refused (text only; uploads have their own limit).
pub const MAX_FORM_BYTES: usize = 2 * 1024 * 1024;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct FormFields {
    pairs: Vec<(String, String)>,
}

impl FormFields {
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Self { pairs }
    }

    pub fn parse(body: &[u8]) -> Self {
        Self {
            pairs: form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        }
    }

    /// The first value of `name`, or "" when absent.
    pub fn get(&self, name: &str) -> &str {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Whether `value` is among the values of `name` (a ticked box of several).
    pub fn includes(&self, name: &str, value: &str) -> bool {
        self.pairs.iter().any(|(k, v)| k == name && v == value)
    }

    pub fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == name)
    }

    pub fn push(&mut self, name: &str, value: &str) {
        self.pairs.push((name.to_owned(), value.to_owned()));
    }

    pub fn set(&mut self, name: &str, value: &str) {
        self.pairs.retain(|(k, _)| k != name);
        self.push(name, value);
    }

    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }
}

impl<S: Send + Sync> FromRequest<S> for FormFields {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let too_large = || {
            AppError::TooLarge(format!(
                "The form is larger than the {} MB limit.",
                MAX_FORM_BYTES / (1024 * 1024)
            ))
        };
        let bytes = Bytes::from_request(request, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                AppError::BadRequest(format!("The form could not be read: {}", e.body_text()))
            }
        })?;
        if bytes.len() > MAX_FORM_BYTES {
            return Err(too_large());
        }
        Ok(Self::parse(&bytes))
    }
}

/// A file sent with a multipart form.
#[derive(Debug)]
pub struct Upload {
    pub field: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// A multipart form: its text fields, any file in it, and, if the file was
/// refused (too large, unreadable), why, while keeping every text field.
#[derive(Debug, Default)]
pub struct MultipartForm {
    pub fields: FormFields,
    pub upload: Option<Upload>,
    pub upload_error: Option<AppError>,
}

impl MultipartForm {
    /// Reads every part; a file above `max_file_bytes` is dropped with a 413
    /// error naming the limit, and the text fields read so far are kept.
    pub async fn read(mut multipart: Multipart, max_file_bytes: usize) -> Self {
        let mut form = MultipartForm::default();
        let too_large = || {
            AppError::TooLarge(format!(
                "The picture is larger than the {} MB limit.",
                max_file_bytes / (1024 * 1024)
            ))
        };
        loop {
            let mut field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(err) => {
                    form.upload_error = Some(if err.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                        too_large()
                    } else {
                        AppError::BadRequest(format!("The form could not be read: {}", err.body_text()))
                    });
                    break;
                }
            };
            let name = field.name().unwrap_or_default().to_owned();
            match field.file_name().map(str::to_owned) {
                Some(file_name) => {
                    let mut bytes = Vec::new();
                    let mut refused = None;
                    loop {
                        match field.chunk().await {
                            Ok(Some(chunk)) => {
                                if bytes.len() + chunk.len() > max_file_bytes {
                                    refused = Some(too_large());
                                    break;
                                }
                                bytes.extend_from_slice(&chunk);
                            }
                            Ok(None) => break,
                            Err(err) => {
                                refused = Some(if err.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                                    too_large()
                                } else {
                                    AppError::BadRequest(format!("The file could not be read: {}", err.body_text()))
                                });
                                break;
                            }
                        }
                    }
                    if let Some(err) = refused {
                        form.upload_error = Some(err);
                        break;
                    }
                    if !bytes.is_empty() {
                        form.upload = Some(Upload {
                            field: name,
                            file_name,
                            bytes,
                        });
                    }
                }
                None => match field.text().await {
                    Ok(text) => form.fields.push(&name, &text),
                    Err(err) => {
                        form.upload_error = Some(AppError::BadRequest(format!(
                            "The form could not be read: {}",
                            err.body_text()
                        )));
                        break;
                    }
                },
            }
        }
        form
    }
}
