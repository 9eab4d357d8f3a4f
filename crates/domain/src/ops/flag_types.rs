//! The flag types' expected lifetimes: the catalogue's, or the days an admin
//! set (`PUT /api/admin/feature-types/:id/lifetime`); after it a flag of the
//! type is potentially stale, with 0 (shown as none) never.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Context, FieldPath, FlagType, OpError, OpResult, Operation};
use flagstaff_storage::{EventKind, NewEvent, Reader, Source, WriteTx};

/// A lifetime in days as shown: none for never (0).
fn shown(days: i64) -> Option<u32> {
    u32::try_from(days).ok().filter(|d| *d > 0)
}

/// Each flag type with its lifetime (days; none: never potentially stale).
pub async fn flag_type_lifetimes<S: Source>(
    store: &Reader<S>,
) -> OpResult<Vec<(FlagType, Option<u32>)>> {
    let set = store.feature_type_lifetimes().await?;
    Ok(FlagType::ALL
        .iter()
        .map(|t| {
            let stored = set.iter().find(|(name, _)| name == t.as_str());
            (*t, stored.map_or(t.catalogue().1, |(_, days)| shown(*days)))
        })
        .collect())
}

/// Sets a flag type's lifetime (`feature-type-updated`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetFlagTypeLifetime {
    pub flag_type: String,
    pub lifetime_days: i64,
}

impl Operation for SetFlagTypeLifetime {
    type Output = (FlagType, Option<u32>);

    fn check(&self, _cx: &Context) -> OpResult<()> {
        if !(0..=i64::from(i32::MAX)).contains(&self.lifetime_days) {
            return Err(OpError::invalid(
                FieldPath::root().field("lifetimeDays"),
                "lifetimeDays must be 0 (never stale) to 2147483647",
            ));
        }
        Ok(())
    }

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<Self::Output> {
        let flag_type = FlagType::parse(&self.flag_type).map_err(|_| {
            OpError::NotFound(format!("Could not find feature type {}", self.flag_type))
        })?;
        let before = flag_type_lifetimes(&**w)
            .await?
            .into_iter()
            .find(|(t, _)| *t == flag_type)
            .and_then(|(_, days)| days);
        w.set_feature_type_lifetime(flag_type.as_str(), self.lifetime_days)
            .await?;
        let after = shown(self.lifetime_days);
        w.record_event(NewEvent {
            created_by: cx.actor.name.clone(),
            pre_data: Some(json!({"id": flag_type.as_str(), "lifetimeDays": before})),
            data: Some(json!({"id": flag_type.as_str(), "lifetimeDays": after})),
            ..NewEvent::new(EventKind::FeatureTypeUpdated)
        })
        .await?;
        Ok((flag_type, after))
    }
}
