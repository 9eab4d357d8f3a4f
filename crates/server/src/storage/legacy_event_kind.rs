//! Event types Unleash still lists but Flagstaff never records: the legacy
//! and deprecated ones (`feature-updated`, from before Unleash split it into
//! the metadata and strategy events; `feature-variants-updated`, before
//! variants were per environment; the state import's `*-import` and `drop-*`)
//! and those of things Flagstaff does not have (moving a flag to another
//! project, potentially-stale flags). Scripts written for Unleash name them in
//! integration filters, where Unleash accepts them, so Flagstaff accepts them
//! too; such a filter entry matches nothing, as no event of the kind is ever
//! recorded. Being a type of its own, a legacy kind cannot be recorded by
//! mistake ([`super::NewEvent`] takes an [`super::EventKind`]).

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{EventKind, UnknownEventKind};

macro_rules! legacy_event_kinds {
    ($($variant:ident => $name:literal,)*) => {
        /// An event type Unleash lists that Flagstaff never records.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum LegacyEventKind {
            $(#[serde(rename = $name)] $variant,)*
        }

        impl LegacyEventKind {
            /// Every legacy kind, in declaration order.
            pub const ALL: &'static [LegacyEventKind] = &[$(LegacyEventKind::$variant,)*];

            /// Its wire name, e.g. `feature-updated`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(LegacyEventKind::$variant => $name,)*
                }
            }
        }

        impl FromStr for LegacyEventKind {
            type Err = UnknownEventKind;

            fn from_str(name: &str) -> Result<LegacyEventKind, UnknownEventKind> {
                match name {
                    $($name => Ok(LegacyEventKind::$variant),)*
                    _ => Err(UnknownEventKind(name.to_owned())),
                }
            }
        }
    };
}

legacy_event_kinds! {
    FeatureUpdated => "feature-updated",
    FeatureVariantsUpdated => "feature-variants-updated",
    FeatureProjectChange => "feature-project-change",
    FeaturePotentiallyStaleOn => "feature-potentially-stale-on",
    FeatureImport => "feature-import",
    FeatureTagImport => "feature-tag-import",
    DropFeatures => "drop-features",
    DropFeatureTags => "drop-feature-tags",
    StrategyImport => "strategy-import",
    DropStrategies => "drop-strategies",
    ProjectImport => "project-import",
    DropProjects => "drop-projects",
    TagImport => "tag-import",
    DropTags => "drop-tags",
    TagTypeImport => "tag-type-import",
    DropTagTypes => "drop-tag-types",
    EnvironmentImport => "environment-import",
    DropEnvironments => "drop-environments",
    SegmentImport => "segment-import",
}

/// A name an integration's event filter may hold: a kind Flagstaff records,
/// or a legacy one it accepts and never sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterEventKind {
    Recorded(EventKind),
    Legacy(LegacyEventKind),
}

impl FromStr for FilterEventKind {
    type Err = UnknownEventKind;

    fn from_str(name: &str) -> Result<FilterEventKind, UnknownEventKind> {
        match name.parse::<EventKind>() {
            Ok(kind) => Ok(FilterEventKind::Recorded(kind)),
            Err(_) => name.parse().map(FilterEventKind::Legacy),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_names_parse_and_are_no_recorded_kind() {
        for &legacy in LegacyEventKind::ALL {
            assert_eq!(legacy.as_str().parse::<LegacyEventKind>(), Ok(legacy));
            assert!(
                legacy.as_str().parse::<EventKind>().is_err(),
                "{legacy:?} is recorded after all"
            );
            assert_eq!(
                legacy.as_str().parse::<FilterEventKind>(),
                Ok(FilterEventKind::Legacy(legacy))
            );
            let json = serde_json::to_value(legacy).expect("serializes");
            assert_eq!(json, serde_json::json!(legacy.as_str()));
        }
        assert_eq!(
            "feature-updated".parse::<FilterEventKind>(),
            Ok(FilterEventKind::Legacy(LegacyEventKind::FeatureUpdated))
        );
        assert_eq!(
            "feature-created".parse::<FilterEventKind>(),
            Ok(FilterEventKind::Recorded(EventKind::FeatureCreated))
        );
        assert!("feature-updatd".parse::<FilterEventKind>().is_err());
    }
}
