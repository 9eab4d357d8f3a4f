//! Saved impact metric charts (Unleash's impact metrics config), global or of
//! one flag: saved (a new one, or the one whose `id` the body names) and
//! deleted, with `impact-metric-created`/`-updated`/`-deleted`.

use flagstaff_storage::{EventKind, ImpactChart, ImpactChartRow, NewEvent, WriteTx};
use serde::{Deserialize, Serialize};

use super::release_template_inputs::new_id;
use super::{Context, FieldPath, FlagName, OpError, OpResult, Operation, ProjectId};
use crate::wire::to_value;

/// Most charts one place (the instance, or a flag) may have.
pub const MAX_CHARTS: usize = 50;

/// A chart as shown: its id and what it shows.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": "5b1e", "featureName": null, "title": "Checkout errors",
    "metricName": "unleash_counter_errors", "timeRange": "day", "aggregationMode": "count",
    "labelSelectors": {}, "yAxisMin": "zero"}))]
pub struct ImpactChartView {
    pub id: String,
    pub feature_name: Option<String>,
    #[serde(flatten)]
    pub chart: ImpactChart,
}

impl From<&ImpactChartRow> for ImpactChartView {
    fn from(row: &ImpactChartRow) -> Self {
        ImpactChartView {
            id: row.id.clone(),
            feature_name: row.feature_name.clone(),
            chart: row.chart.clone(),
        }
    }
}

/// Saves a chart of the instance (`flag` `None`) or of a flag.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SaveImpactChart {
    pub flag: Option<(ProjectId, FlagName)>,
    /// The chart to replace; a new one without.
    pub id: Option<String>,
    pub chart: ImpactChart,
}

impl Operation for SaveImpactChart {
    type Output = ImpactChartView;

    fn check(&self, _cx: &Context) -> OpResult<()> {
        let chart = &self.chart;
        if chart.metric_name.trim().is_empty() || chart.metric_name.len() > 255 {
            return Err(OpError::invalid(
                FieldPath::root().field("metricName"),
                "a metric name of 1 to 255 characters is required",
            ));
        }
        if chart.title.as_ref().is_some_and(|t| t.len() > 255) {
            return Err(OpError::invalid(
                FieldPath::root().field("title"),
                "a title of at most 255 characters",
            ));
        }
        if chart.label_selectors.len() > 20 || chart.label_selectors.values().any(|v| v.len() > 100)
        {
            return Err(OpError::invalid(
                FieldPath::root().field("labelSelectors"),
                "at most 20 labels with 100 values each",
            ));
        }
        if let Some(min) = &chart.y_axis_min {
            if min != "auto" && min != "zero" {
                return Err(OpError::invalid(
                    FieldPath::root().field("yAxisMin"),
                    "yAxisMin is auto or zero",
                ));
            }
        }
        Ok(())
    }

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<ImpactChartView> {
        let (project, feature) = match &self.flag {
            Some((project, flag)) => {
                w.live_flag(project, flag).await?;
                (Some(project.to_string()), Some(flag.to_string()))
            }
            None => (None, None),
        };
        let existing = w.impact_charts(feature.as_deref()).await?;
        let before =
            match &self.id {
                Some(id) => Some(existing.iter().find(|c| c.id == *id).cloned().ok_or_else(
                    || OpError::NotFound(format!("Could not find impact metric config {id}")),
                )?),
                None if existing.len() >= MAX_CHARTS => {
                    return Err(OpError::invalid_input(format!(
                        "at most {MAX_CHARTS} impact metric charts here"
                    )))
                }
                None => None,
            };
        let row = ImpactChartRow {
            id: self.id.unwrap_or_else(new_id),
            feature_name: feature.clone(),
            chart: self.chart,
        };
        w.put_impact_chart(&row).await?;
        let view = ImpactChartView::from(&row);
        let kind = match before {
            Some(_) => EventKind::ImpactMetricUpdated,
            None => EventKind::ImpactMetricCreated,
        };
        w.record_event(NewEvent {
            created_by: cx.actor.name.clone(),
            project,
            feature_name: feature,
            pre_data: before.as_ref().map(|b| to_value(&ImpactChartView::from(b))),
            data: Some(to_value(&view)),
            ..NewEvent::new(kind)
        })
        .await?;
        Ok(view)
    }
}

/// Deletes a chart of the instance or of a flag.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeleteImpactChart {
    pub flag: Option<(ProjectId, FlagName)>,
    pub id: String,
}

impl Operation for DeleteImpactChart {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        if let Some((project, flag)) = &self.flag {
            w.live_flag(project, flag).await?;
        }
        let feature = self.flag.as_ref().map(|(_, f)| f.to_string());
        let Some(row) = w
            .impact_chart(&self.id)
            .await?
            .filter(|c| c.feature_name == feature)
        else {
            return Err(OpError::NotFound(format!(
                "Could not find impact metric config {}",
                self.id
            )));
        };
        w.delete_impact_chart(&row.id).await?;
        w.record_event(NewEvent {
            created_by: cx.actor.name.clone(),
            project: self.flag.as_ref().map(|(p, _)| p.to_string()),
            feature_name: feature,
            pre_data: Some(to_value(&ImpactChartView::from(&row))),
            ..NewEvent::new(EventKind::ImpactMetricDeleted)
        })
        .await?;
        Ok(())
    }
}
