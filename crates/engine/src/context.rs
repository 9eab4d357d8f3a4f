//! The evaluation context: who is asking. Field names and JSON shape are
//! Unleash's (`userId`, `sessionId`, `remoteAddress`, `environment`, `appName`,
//! `currentTime`, `properties{…}`).
//!
//! The engine never reads the clock: `currentTime` is whatever the caller put in
//! the context. Callers that want "now" fill it in ([`Context::with_current_time`]);
//! a date constraint with no time to compare against does not match.

use std::cell::{Cell, OnceCell};
use std::collections::BTreeMap;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A context as SDKs and the frontend API send it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Context {
    #[serde(
        default,
        deserialize_with = "crate::document::lenient_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_id: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::document::lenient_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub session_id: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::document::lenient_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub remote_address: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::document::lenient_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub environment: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::document::lenient_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub app_name: Option<String>,
    /// An RFC 3339 / ISO 8601 instant.
    #[serde(
        default,
        deserialize_with = "crate::document::lenient_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub current_time: Option<String>,
    /// Custom fields. `null` values are read as absent; numbers and booleans as text.
    #[serde(
        default,
        deserialize_with = "crate::document::string_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub properties: BTreeMap<String, String>,
}

impl Context {
    /// A context for one user id.
    pub fn for_user(user_id: impl Into<String>) -> Self {
        Context {
            user_id: Some(user_id.into()),
            ..Context::default()
        }
    }

    /// Sets `currentTime` to `now` unless the caller already gave one.
    pub fn with_current_time(mut self, now: DateTime<Utc>) -> Self {
        if self.current_time.is_none() {
            self.current_time = Some(now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
        }
        self
    }

    /// The value of a context field by its Unleash name (standard field or property).
    pub fn field(&self, name: &str) -> Option<&str> {
        ContextField::parse(name).get(self)
    }
}

/// A context field named by a constraint, a stickiness or an override, resolved
/// once at compile time so evaluation does not compare field names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ContextField {
    UserId,
    SessionId,
    RemoteAddress,
    Environment,
    AppName,
    CurrentTime,
    Property(Box<str>),
}

impl ContextField {
    pub(crate) fn parse(name: &str) -> Self {
        match name {
            "userId" => ContextField::UserId,
            "sessionId" => ContextField::SessionId,
            "remoteAddress" => ContextField::RemoteAddress,
            "environment" => ContextField::Environment,
            "appName" => ContextField::AppName,
            "currentTime" => ContextField::CurrentTime,
            other => ContextField::Property(other.into()),
        }
    }

    #[inline]
    pub(crate) fn get<'c>(&self, context: &'c Context) -> Option<&'c str> {
        match self {
            ContextField::UserId => context.user_id.as_deref(),
            ContextField::SessionId => context.session_id.as_deref(),
            ContextField::RemoteAddress => context.remote_address.as_deref(),
            ContextField::Environment => context.environment.as_deref(),
            ContextField::AppName => context.app_name.as_deref(),
            ContextField::CurrentTime => context.current_time.as_deref(),
            ContextField::Property(name) => context.properties.get(&**name).map(String::as_str),
        }
    }
}

/// A context plus the values parsed from it on first use (the remote address and
/// the current time), so that evaluating many flags for one request parses each
/// at most once. Lives on the stack; never allocates.
pub(crate) struct Resolved<'c> {
    pub(crate) context: &'c Context,
    remote_ip: OnceCell<Option<IpAddr>>,
    current_time: OnceCell<Option<DateTime<Utc>>>,
    /// The property found last, as the context's own key and value: the
    /// strategies of flag after flag name the same one (`region`), which is
    /// then compared once instead of searched for again.
    last_property: Cell<Option<(&'c str, &'c str)>>,
}

impl<'c> Resolved<'c> {
    pub(crate) fn new(context: &'c Context) -> Self {
        Resolved {
            context,
            remote_ip: OnceCell::new(),
            current_time: OnceCell::new(),
            last_property: Cell::new(None),
        }
    }

    #[inline]
    pub(crate) fn get(&self, field: &ContextField) -> Option<&'c str> {
        match field {
            ContextField::Property(name) => self.property(name),
            _ => field.get(self.context),
        }
    }

    fn property(&self, name: &str) -> Option<&'c str> {
        if let Some((key, value)) = self.last_property.get() {
            if key == name {
                return Some(value);
            }
        }
        let (key, value) = self.context.properties.get_key_value(name)?;
        self.last_property.set(Some((key, value)));
        Some(value)
    }

    pub(crate) fn remote_ip(&self) -> Option<IpAddr> {
        *self.remote_ip.get_or_init(|| {
            self.context
                .remote_address
                .as_deref()
                .and_then(|text| text.parse().ok())
        })
    }

    pub(crate) fn current_time(&self) -> Option<DateTime<Utc>> {
        *self.current_time.get_or_init(|| {
            self.context
                .current_time
                .as_deref()
                .and_then(crate::values::parse_instant)
        })
    }
}
