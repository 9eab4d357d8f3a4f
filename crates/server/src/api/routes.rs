//! The API's route registry. axum cannot list the routes of a `Router`, so
//! every API route is registered through [`Routes`], which adds it to the
//! router and writes its method and path in a table: the OpenAPI test holds
//! that table and the document (`api::openapi`) to each other, so a route
//! cannot be added without being documented. The method functions mirror
//! `axum::routing`'s (`get(a).post(b)`), so an area's router reads the same.

use axum::handler::Handler;
use axum::http::Method;
use axum::routing::MethodRouter;
use axum::Router;

use crate::state::AppState;

/// One registered operation: its method and its path as written in the
/// router (`/api/admin/projects/{project}`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RouteEntry {
    pub method: Method,
    pub path: String,
}

/// A router and the table of what it routes.
#[derive(Default)]
pub struct Routes {
    router: Router<AppState>,
    table: Vec<RouteEntry>,
}

impl Routes {
    pub fn new() -> Routes {
        Routes::default()
    }

    pub fn route(mut self, path: &str, methods: Methods) -> Routes {
        self.table
            .extend(methods.methods.into_iter().map(|method| RouteEntry {
                method,
                path: path.to_owned(),
            }));
        self.router = self.router.route(path, methods.inner);
        self
    }

    pub fn merge(mut self, other: Routes) -> Routes {
        self.table.extend(other.table);
        self.router = self.router.merge(other.router);
        self
    }

    /// Applies router-wide settings (layers, fallbacks) that add no route.
    pub fn map_router(mut self, f: impl FnOnce(Router<AppState>) -> Router<AppState>) -> Routes {
        self.router = f(self.router);
        self
    }

    pub fn table(&self) -> &[RouteEntry] {
        &self.table
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}

/// A path's handlers by method, and the methods it has.
pub struct Methods {
    inner: MethodRouter<AppState>,
    methods: Vec<Method>,
}

macro_rules! method_functions {
    ($($name:ident => $method:ident),* $(,)?) => {
        $(
            /// As `axum::routing`'s function of this name, recording the method.
            pub fn $name<H, T>(handler: H) -> Methods
            where
                H: Handler<T, AppState>,
                T: 'static,
            {
                Methods {
                    inner: axum::routing::$name(handler),
                    methods: vec![Method::$method],
                }
            }
        )*

        impl Methods {
            $(
                /// As `MethodRouter`'s method of this name, recording the method.
                pub fn $name<H, T>(mut self, handler: H) -> Methods
                where
                    H: Handler<T, AppState>,
                    T: 'static,
                {
                    self.inner = self.inner.$name(handler);
                    self.methods.push(Method::$method);
                    self
                }
            )*
        }
    };
}

method_functions!(get => GET, post => POST, put => PUT, patch => PATCH, delete => DELETE);
