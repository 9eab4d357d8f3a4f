//! The integration form, drawn from the provider's own description (the
//! `PROVIDERS` table the addons API lists): one input per parameter, of the
//! kind the table says (`url`, `text`, `textfield`), required ones marked; a
//! checkbox per event kind the provider can send (never typed); the
//! projects and environments filters as checkboxes of what exists.
//!
//! A sensitive parameter is never shown back: once stored, its input is empty
//! and left empty keeps the stored value (the form posts the addons API's
//! mask, which `UpdateIntegration` reads as "keep").

use serde_json::{Map, Value};

use flagstaff_domain::integrations::{self, Provider, MASK};
use flagstaff_domain::ops::{FieldPath, IntegrationInput, PathSegment};
use flagstaff_storage::IntegrationRow;

/// One of a provider's parameters as the form shows it.
pub struct ParamField {
    pub name: &'static str,
    pub label: &'static str,
    /// `url`, `text` or `textfield` (a textarea).
    pub kind: &'static str,
    pub description: &'static str,
    pub required: bool,
    pub sensitive: bool,
    /// What the input shows (never a stored sensitive value).
    pub value: String,
    /// A sensitive value is stored: leaving the input empty keeps it.
    pub stored: bool,
    pub error: Option<String>,
}

impl ParamField {
    /// The input's `type` (a textarea for `textfield`).
    pub fn input_type(&self) -> &'static str {
        match (self.kind, self.sensitive) {
            (_, true) => "password",
            ("url", _) => "url",
            _ => "text",
        }
    }

    /// Required in the browser too, unless a stored value is kept.
    pub fn required_now(&self) -> bool {
        self.required && !self.stored
    }
}

/// A checkbox of a multiple choice.
pub struct Choice {
    pub value: String,
    pub checked: bool,
}

/// The form's state: what is entered, what may be chosen, what is wrong.
pub struct IntegrationForm {
    pub provider: &'static Provider,
    pub description: String,
    pub enabled: bool,
    pub params: Vec<ParamField>,
    pub events: Vec<Choice>,
    /// Events the integration has that the form offers no checkbox for (the
    /// legacy names Unleash lists and Flagstaff never records, set through
    /// the addons API): kept as they are on save.
    pub kept_events: Vec<String>,
    pub projects: Vec<Choice>,
    pub environments: Vec<Choice>,
    pub description_error: Option<String>,
    pub events_error: Option<String>,
    pub projects_error: Option<String>,
    pub environments_error: Option<String>,
    /// A refusal that belongs to no one field.
    pub error: Option<String>,
}

fn choices(all: &[String], chosen: &[String]) -> Vec<Choice> {
    all.iter()
        .map(|value| Choice {
            checked: chosen.contains(value),
            value: value.clone(),
        })
        .collect()
}

/// Every value of `key` in a form posted as pairs (empty ones skipped).
fn values(pairs: &[(String, String)], key: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, v)| k == key && !v.trim().is_empty())
        .map(|(_, v)| v.trim().to_owned())
        .collect()
}

fn value<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.as_str())
}

impl IntegrationForm {
    /// A new integration of `provider`: its events all ticked (what an
    /// Unleash user picks most), every project and environment.
    pub fn blank(
        provider: &'static Provider,
        projects: &[String],
        environments: &[String],
    ) -> IntegrationForm {
        let events: Vec<String> = provider.events.iter().map(|k| k.to_string()).collect();
        IntegrationForm {
            provider,
            description: String::new(),
            enabled: true,
            params: provider
                .parameters
                .iter()
                .map(|p| ParamField {
                    name: p.name,
                    label: p.display_name,
                    kind: p.kind,
                    description: p.description,
                    required: p.required,
                    sensitive: p.sensitive,
                    value: String::new(),
                    stored: false,
                    error: None,
                })
                .collect(),
            events: choices(&events, &events),
            kept_events: Vec::new(),
            projects: choices(projects, &[]),
            environments: choices(environments, &[]),
            description_error: None,
            events_error: None,
            projects_error: None,
            environments_error: None,
            error: None,
        }
    }

    /// The stored integration, sensitive values not shown.
    pub fn stored(
        provider: &'static Provider,
        addon: &IntegrationRow,
        projects: &[String],
        environments: &[String],
    ) -> IntegrationForm {
        let mut form = IntegrationForm::blank(provider, projects, environments);
        form.description = addon.description.clone().unwrap_or_default();
        form.enabled = addon.enabled;
        for param in &mut form.params {
            let stored = addon.parameters.get(param.name).and_then(Value::as_str);
            if param.sensitive {
                param.stored = stored.is_some_and(|v| !v.is_empty());
            } else {
                param.value = stored.unwrap_or_default().to_owned();
            }
        }
        let events: Vec<String> = form.events.iter().map(|c| c.value.clone()).collect();
        form.kept_events = addon
            .events
            .iter()
            .filter(|name| !events.contains(name))
            .cloned()
            .collect();
        form.events = choices(&events, &addon.events);
        form.projects = choices(projects, &addon.projects);
        form.environments = choices(environments, &addon.environments);
        form
    }

    /// The form as posted over `self` (a blank or stored form: what may be
    /// chosen, and which sensitive values are stored).
    pub fn posted(mut self, pairs: &[(String, String)]) -> IntegrationForm {
        self.description = value(pairs, "description").trim().to_owned();
        self.enabled = !value(pairs, "enabled").is_empty();
        for param in &mut self.params {
            param.value = value(pairs, &format!("param.{}", param.name)).to_owned();
        }
        for (list, key) in [
            (&mut self.events, "events"),
            (&mut self.projects, "projects"),
            (&mut self.environments, "environments"),
        ] {
            let chosen = values(pairs, key);
            for choice in list.iter_mut() {
                choice.checked = chosen.contains(&choice.value);
            }
        }
        self
    }

    /// What the form stands for, as the addons API receives it.
    pub fn input(&self) -> IntegrationInput {
        let mut parameters = Map::new();
        for param in &self.params {
            let text = param.value.trim();
            if !text.is_empty() {
                parameters.insert(param.name.to_owned(), Value::from(text));
            } else if param.stored {
                parameters.insert(param.name.to_owned(), Value::from(MASK));
            }
        }
        let chosen = |list: &[Choice]| -> Vec<String> {
            list.iter()
                .filter(|c| c.checked)
                .map(|c| c.value.clone())
                .collect()
        };
        IntegrationInput {
            provider: self.provider.name.to_owned(),
            description: (!self.description.is_empty()).then(|| self.description.clone()),
            enabled: self.enabled,
            parameters,
            events: chosen(&self.events)
                .into_iter()
                .chain(self.kept_events.iter().cloned())
                .collect(),
            projects: chosen(&self.projects),
            environments: chosen(&self.environments),
        }
    }

    /// Puts an operation's refusal next to the field its path names.
    pub fn attach_error(&mut self, field: &FieldPath, message: String) {
        let segments = field.segments();
        let named = |i: usize| match segments.get(i) {
            Some(PathSegment::Field(name)) => Some(name.as_str()),
            _ => None,
        };
        match named(0) {
            Some("parameters") => {
                if let Some(param) = self.params.iter_mut().find(|p| Some(p.name) == named(1)) {
                    param.error = Some(message);
                    return;
                }
            }
            Some("events") => return self.events_error = Some(message),
            Some("projects") => return self.projects_error = Some(message),
            Some("environments") => return self.environments_error = Some(message),
            Some("description") => return self.description_error = Some(message),
            _ => {}
        }
        self.error = Some(message);
    }
}

/// The provider named `name`.
pub fn provider(name: &str) -> Option<&'static Provider> {
    integrations::provider(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_form_is_the_providers_parameters_and_a_stored_secret_is_kept() {
        let webhook = provider("webhook").expect("webhook");
        let form = IntegrationForm::blank(webhook, &["default".to_owned()], &[]);
        let names: Vec<&str> = form.params.iter().map(|p| p.name).collect();
        let expected: Vec<&str> = webhook.parameters.iter().map(|p| p.name).collect();
        assert_eq!(names, expected);
        assert!(form.events.iter().all(|c| c.checked));

        let posted = form.posted(&pairs(&[
            ("param.url", " https://hooks.example.com/x "),
            ("param.contentType", ""),
            ("events", "feature-created"),
            ("projects", "default"),
            ("enabled", "on"),
        ]));
        let input = posted.input();
        assert_eq!(
            input.parameters,
            serde_json::from_value::<Map<String, Value>>(
                serde_json::json!({"url": "https://hooks.example.com/x"})
            )
            .expect("map")
        );
        assert_eq!(input.events, ["feature-created"]);
        assert_eq!(input.projects, ["default"]);
        assert!(input.enabled && input.environments.is_empty());

        // Stored: the sensitive URL is not shown, and left empty it is kept.
        let addon = IntegrationRow {
            id: 1,
            provider: "webhook".to_owned(),
            description: None,
            enabled: false,
            parameters: input.parameters.clone(),
            events: input.events.clone(),
            projects: Vec::new(),
            environments: Vec::new(),
            signing_secret: String::new(),
            created_at: chrono::Utc::now(),
            circuit: Default::default(),
        };
        let stored = IntegrationForm::stored(webhook, &addon, &[], &[]);
        let url = &stored.params[0];
        assert!(url.stored && url.value.is_empty() && !url.required_now());
        let again = stored.posted(&pairs(&[("param.url", ""), ("events", "feature-created")]));
        assert_eq!(again.input().parameters["url"], MASK);
        assert!(!again.input().enabled);
    }

    #[test]
    fn events_the_form_does_not_offer_are_kept_on_save() {
        let webhook = provider("webhook").expect("webhook");
        let offered = webhook.events[0].to_string();
        let addon = IntegrationRow {
            id: 1,
            provider: "webhook".to_owned(),
            description: None,
            enabled: true,
            parameters: Map::new(),
            events: vec!["feature-updated".to_owned(), offered.clone()],
            projects: Vec::new(),
            environments: Vec::new(),
            signing_secret: String::new(),
            created_at: chrono::Utc::now(),
            circuit: Default::default(),
        };
        let stored = IntegrationForm::stored(webhook, &addon, &[], &[]);
        assert_eq!(stored.kept_events, ["feature-updated"]);
        assert!(!stored.events.iter().any(|c| c.value == "feature-updated"));
        // Saved with no box ticked: the legacy name stays, the unticked one goes.
        let saved = stored.posted(&pairs(&[("param.url", "https://hooks.example.com/x")]));
        assert_eq!(saved.input().events, ["feature-updated"]);
        let blank = IntegrationForm::blank(webhook, &[], &[]);
        assert!(blank.kept_events.is_empty());
    }

    #[test]
    fn refusals_go_next_to_their_field() {
        let slack = provider("slack").expect("slack");
        let mut form = IntegrationForm::blank(slack, &[], &[]);
        form.attach_error(
            &FieldPath::root().field("parameters").field("url"),
            "bad".to_owned(),
        );
        form.attach_error(&FieldPath::root().field("events").index(2), "no".to_owned());
        form.attach_error(&FieldPath::root(), "other".to_owned());
        assert_eq!(form.params[0].error.as_deref(), Some("bad"));
        assert_eq!(form.events_error.as_deref(), Some("no"));
        assert_eq!(form.error.as_deref(), Some("other"));
    }
}
