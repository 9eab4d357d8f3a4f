//! Personal access tokens: a user's own secrets for the admin API (Unleash's
//! `/api/admin/user/tokens`), created and deleted by their user — through the
//! API with a PAT, or on the web UI's profile page. Unleash's rules: a
//! description (unique per user) and an expiry in the future are required, at
//! most [`MAX_PATS_PER_USER`] per user. The secret (`user:` and 56 hex
//! characters) is made here, returned once, and only its SHA-256 stored; the
//! events (`pat-created`, `pat-deleted`) never carry it. What a PAT may do is
//! its user's root role at each request (the server's `auth`), so nothing is copied here.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use super::{Context, FieldPath, OpError, OpResult, Operation};
use crate::api_tokens::hash_secret;
use flagstaff_storage::{now, parse_instant, stored, EventKind, NewEvent, PatRow, WriteTx};

/// Most PATs one user may have (Unleash's limit).
pub const MAX_PATS_PER_USER: usize = 10;
/// Longest description.
const MAX_DESCRIPTION: usize = 255;
/// What every PAT secret starts with (Unleash's form), so a request's secret
/// is looked up as a PAT only when it can be one.
pub const PAT_PREFIX: &str = "user:";

/// A PAT as events show it: never the secret.
pub fn public_json(pat: &PatRow) -> Value {
    crate::wire::to_value(&crate::wire::tokens::PatView::from(pat))
}

/// `user:` and 28 random bytes in hex.
fn generate_secret() -> OpResult<String> {
    let mut bytes = [0u8; 28];
    getrandom::fill(&mut bytes)
        .map_err(|e| OpError::invalid_input(format!("no randomness for a secret: {e}")))?;
    Ok(format!("{PAT_PREFIX}{}", hex::encode(bytes)))
}

fn expires_at() -> FieldPath {
    FieldPath::root().field("expiresAt")
}

/// A description, trimmed: 1 to 255 characters.
pub fn check_description(text: &str) -> OpResult<&str> {
    let description = text.trim();
    if description.is_empty() {
        return Err(OpError::invalid(
            FieldPath::root().field("description"),
            "PAT description cannot be empty.",
        ));
    }
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(OpError::invalid(
            FieldPath::root().field("description"),
            format!("A PAT description has at most {MAX_DESCRIPTION} characters"),
        ));
    }
    Ok(description)
}

/// `expiresAt`: an RFC 3339 instant, or a date (the end of that day, UTC: what
/// the profile page's date field sends); it must be after `now`. To the
/// millisecond, as stored.
pub fn parse_expiry(text: &str, now: DateTime<Utc>) -> OpResult<DateTime<Utc>> {
    let text = text.trim();
    let at = match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(day) => day
            .and_hms_milli_opt(23, 59, 59, 999)
            .map(|t| t.and_utc())
            .ok_or_else(|| OpError::invalid(expires_at(), format!("{text:?} is not a date")))?,
        Err(_) => parse_instant(text).ok_or_else(|| {
            OpError::invalid(
                expires_at(),
                format!(
                    "{text:?} is not a date such as 2030-01-31 or a date-time such as 2030-01-31T12:00:00Z"
                ),
            )
        })?,
    };
    if at <= now {
        return Err(OpError::invalid(
            expires_at(),
            "The expiry date should be in future.",
        ));
    }
    Ok(stored(at))
}

/// Creates a PAT for a user (the caller is that user).
#[derive(Debug, Clone)]
pub struct CreatePat {
    pub user_id: i64,
    pub description: String,
    pub expires_at: String,
}

/// A stored PAT and its secret, which is never shown again.
#[derive(Debug)]
pub struct CreatedPat {
    pub row: PatRow,
    pub secret: String,
}

impl Operation for CreatePat {
    type Output = CreatedPat;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<CreatedPat> {
        let description = check_description(&self.description)?;
        let expires_at = parse_expiry(&self.expires_at, w.clock().now())?;
        if w.user_by_id(self.user_id).await?.is_none() {
            return Err(OpError::NotFound(format!(
                "Could not find user {}",
                self.user_id
            )));
        }
        let existing = w.pats_of_user(self.user_id).await?;
        if existing.len() >= MAX_PATS_PER_USER {
            return Err(OpError::Denied(format!(
                "Too many PATs ({MAX_PATS_PER_USER}) already exist for this user."
            )));
        }
        if existing.iter().any(|p| p.description == description) {
            return Err(OpError::Conflict(
                "PAT description already exists.".to_owned(),
            ));
        }
        let secret = generate_secret()?;
        let row = w
            .insert_pat(
                self.user_id,
                &hash_secret(&secret),
                description,
                now(),
                expires_at,
            )
            .await?;
        w.record_event(NewEvent {
            created_by: cx.actor.name.clone(),
            data: Some(public_json(&row)),
            ..NewEvent::new(EventKind::PatCreated)
        })
        .await?;
        Ok(CreatedPat { row, secret })
    }
}

/// Deletes one of a user's PATs; another user's, or none, is a 404.
#[derive(Debug, Clone)]
pub struct DeletePat {
    pub user_id: i64,
    pub id: i64,
}

impl Operation for DeletePat {
    type Output = PatRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<PatRow> {
        let Some(pat) = w
            .pats_of_user(self.user_id)
            .await?
            .into_iter()
            .find(|p| p.id == self.id)
        else {
            return Err(OpError::NotFound(format!(
                "Could not find personal access token {}",
                self.id
            )));
        };
        w.delete_pat(pat.id).await?;
        w.record_event(NewEvent {
            created_by: cx.actor.name.clone(),
            pre_data: Some(public_json(&pat)),
            ..NewEvent::new(EventKind::PatDeleted)
        })
        .await?;
        Ok(pat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flagstaff_storage::instant_text;

    #[test]
    fn secrets_look_like_unleash_pats() {
        let secret = generate_secret().expect("randomness");
        assert!(secret.starts_with("user:"), "{secret}");
        assert_eq!(secret.len(), 5 + 56);
        assert_ne!(secret, generate_secret().expect("randomness"));
    }

    #[test]
    fn expiry_is_a_future_date_or_instant() {
        let now = Utc::now();
        assert_eq!(
            instant_text(&parse_expiry("2999-01-31", now).expect("a date")),
            "2999-01-31T23:59:59.999Z"
        );
        assert_eq!(
            instant_text(&parse_expiry("2999-01-31T12:00:00+01:00", now).expect("an instant")),
            "2999-01-31T11:00:00.000Z"
        );
        for bad in [
            "",
            "tomorrow",
            "2000-01-01",
            "2000-01-01T00:00:00Z",
            "2999-02-30",
        ] {
            assert!(parse_expiry(bad, now).is_err(), "{bad:?}");
        }
        let later = now + chrono::Duration::days(365 * 1000);
        assert!(
            parse_expiry("2999-01-31", later).is_err(),
            "in the past by the clock it is given"
        );
    }
}
