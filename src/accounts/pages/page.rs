//! One template for the reader's account pages: a heading, a message, forms.

use askama::Template;

use crate::error::AppResult;
use crate::state::AppState;
use crate::web::Layout;
use crate::web::form::FormFields;

/// Which forms an account page shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    None,
    Register,
    SignIn,
    Code,
    Forgot,
    Reset,
}

#[derive(Template)]
#[template(path = "account/page.html")]
pub struct AccountPage {
    pub layout: Layout,
    pub heading: String,
    pub message: Option<String>,
    pub error: Option<(String, String)>,
    pub form: Form,
    pub fields: FormFields,
    pub return_to: String,
    pub token: String,
}

impl AccountPage {
    pub async fn new(state: &AppState, heading: &str, form: Form) -> AppResult<Self> {
        let mut layout = Layout::load(state, heading, "", "/account").await?;
        layout.canonical = None;
        layout.noindex = true;
        Ok(Self {
            layout,
            heading: heading.to_owned(),
            message: None,
            error: None,
            form,
            fields: FormFields::default(),
            return_to: "/".into(),
            token: String::new(),
        })
    }

    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    pub fn error(mut self, field: &str, message: impl Into<String>) -> Self {
        self.error = Some((field.to_owned(), message.into()));
        self
    }

    pub fn fields(mut self, fields: FormFields) -> Self {
        self.fields = fields;
        self
    }

    pub fn returning_to(mut self, path: &str) -> Self {
        self.return_to = crate::accounts::reader_extract::safe_return(path);
        self
    }

    pub fn token(mut self, token: &str) -> Self {
        self.token = token.to_owned();
        self
    }

    fn error_for(&self, field: &str) -> Option<&str> {
        self.error.as_ref().filter(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }
}
