//! The one way to add a route: with the access it needs. Each domain builds
//! its [`Routes`] from this, so a route without a declared access cannot be
//! written, and the table of every route (method, path, access) is what the
//! route × role test walks.

use std::convert::Infallible;

use axum::Router;
use axum::extract::Request;
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware;
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, Route};
use tower::{Layer, Service};

use crate::state::AppState;

use super::access::{self, Access};

/// One registered route.
#[derive(Clone, Debug)]
pub struct Rule {
    pub method: Method,
    /// The route's pattern as registered (`/comments/{id}`, `/media/{*file}`).
    pub path: &'static str,
    pub access: Access,
}

/// Routes under construction, and the table of what they require.
pub struct Routes {
    state: AppState,
    router: Router<AppState>,
    rules: Vec<Rule>,
}

impl Routes {
    pub fn new(state: &AppState) -> Self {
        Self {
            state: state.clone(),
            router: Router::new(),
            rules: Vec::new(),
        }
    }

    pub fn get<H, T>(self, path: &'static str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::GET, path, access, axum::routing::get(handler))
    }

    pub fn post<H, T>(self, path: &'static str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::POST, path, access, axum::routing::post(handler))
    }

    pub fn patch<H, T>(self, path: &'static str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::PATCH, path, access, axum::routing::patch(handler))
    }

    /// Files or another service under a prefix, for GET (and HEAD).
    pub fn files<S>(mut self, prefix: &'static str, access: Access, service: S) -> Self
    where
        S: Service<Request, Error = Infallible> + Clone + Send + Sync + 'static,
        S::Response: IntoResponse,
        S::Future: Send + 'static,
    {
        assert!(access.is_public(), "files are served to everyone");
        self.router = self.router.nest_service(prefix, service);
        self.rules.push(Rule {
            method: Method::GET,
            path: prefix,
            access,
        });
        self
    }

    fn add(mut self, method: Method, path: &'static str, access: Access, route: MethodRouter<AppState>) -> Self {
        let route = if access.is_public() {
            // The hot path (cached public pages) pays nothing for the check.
            route
        } else {
            route.layer(middleware::from_fn_with_state(
                (self.state.clone(), access),
                access::check,
            ))
        };
        self.router = self.router.route(path, route);
        self.rules.push(Rule { method, path, access });
        self
    }

    /// A layer over every route added so far (headers, body limits).
    pub fn layer<L>(mut self, layer: L) -> Self
    where
        L: Layer<Route> + Clone + Send + Sync + 'static,
        L::Service: Service<Request> + Clone + Send + Sync + 'static,
        <L::Service as Service<Request>>::Response: IntoResponse + 'static,
        <L::Service as Service<Request>>::Error: Into<Infallible> + 'static,
        <L::Service as Service<Request>>::Future: Send + 'static,
    {
        self.router = self.router.layer(layer);
        self
    }

    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.rules.extend(other.rules);
        self
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}
