//! A flag's metrics tab: per environment, an inline SVG chart of exposures
//! per hour (yes stacked under no) with the share enabled per hour as a line
//! (its own scale, 0–100%), the share enabled, the variant split and
//! the applications that reported, then a table with the same numbers. Read
//! from the hourly buckets `GET /api/admin/client-metrics/features/:f/raw`
//! reads (`Store::raw_metrics`). No script: the chart is markup.

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use super::flag_in_project;
use crate::state::AppState;
use crate::ui::flag_head::FlagHead;
use crate::ui::{internal, render, Nav, SignedIn};
use flagstaff_storage::{hour_bucket, MetricCounts};

/// The chart's drawing box (SVG user units) and the plot inside it.
const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 48.0;
/// Room on the right for the share line's scale (`100%`).
const RIGHT: f64 = 40.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

/// The windows (hours back, and their names) offered where retained.
const WINDOWS: [(i64, &str); 4] = [(1, "1 h"), (24, "24 h"), (48, "48 h"), (168, "7 d")];

#[derive(Deserialize)]
pub struct WindowQuery {
    hours: Option<String>,
    /// Only this application's reports (empty: all).
    #[serde(default)]
    app: String,
}

/// A window link.
struct Window {
    hours: i64,
    name: &'static str,
    current: bool,
}

struct Bar {
    x: String,
    width: String,
    yes_y: String,
    yes_height: String,
    no_y: String,
    no_height: String,
    /// What a pointer over the bar shows.
    label: String,
}

/// An hour's share enabled on the line: where, and what a pointer over it
/// shows (the table's figure).
struct ShareDot {
    x: String,
    y: String,
    label: String,
}

struct Tick {
    x: String,
    text: String,
}

struct HourRow {
    hour: String,
    yes: u64,
    no: u64,
    total: u64,
    share: String,
    /// The hour's variant counts, `blue 5, red 2`.
    variants: String,
}

struct VariantShare {
    name: String,
    count: u64,
    share: String,
}

struct EnvironmentChart {
    environment: String,
    /// A unique id for the chart's title and description.
    id: String,
    yes: u64,
    no: u64,
    total: u64,
    share: String,
    /// The tallest bar's total (the y axis' top).
    top: u64,
    bars: Vec<Bar>,
    /// The share line through the hours with reports (`x,y x,y …`) and its dots.
    share_line: String,
    share_dots: Vec<ShareDot>,
    ticks: Vec<Tick>,
    rows: Vec<HourRow>,
    variants: Vec<VariantShare>,
    applications: Vec<String>,
}

#[derive(Template)]
#[template(path = "flag_metrics.html")]
struct MetricsPage {
    nav: Option<Nav>,
    head: FlagHead,
    project: String,
    feature: String,
    tab: &'static str,
    hours: i64,
    /// The window's name (`24 h`).
    window: &'static str,
    windows: Vec<Window>,
    /// The application shown (empty: all) and every one that reported in the window.
    app: String,
    /// `&app=…` for the window links, when an application is chosen.
    app_query: String,
    apps: Vec<String>,
    charts: Vec<EnvironmentChart>,
    /// Environments of the project with nothing reported in the window.
    quiet: Vec<String>,
    /// The plot's edges and where the axis labels go (SVG units).
    left: f64,
    top: f64,
    plot_bottom: f64,
    plot_right: f64,
    label_x: f64,
    label_y: f64,
    /// Where the share scale's labels go (right of the plot).
    share_x: f64,
}

/// `yes / (yes + no)` as a percentage, or a dash when nothing was counted.
fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        "–".to_owned()
    } else {
        format!("{:.1}%", part as f64 * 100.0 / whole as f64)
    }
}

/// `2024-05-01 13:00`.
fn hour_text(hour: &DateTime<Utc>) -> String {
    super::minute(hour)
}

/// Counts by hour (all applications together).
type Hours = BTreeMap<DateTime<Utc>, MetricCounts>;

/// One environment's chart from its buckets (every hour of the window, in order).
fn chart(
    index: usize,
    environment: String,
    hours: &[DateTime<Utc>],
    counts: &Hours,
    applications: BTreeSet<String>,
) -> EnvironmentChart {
    let zero = MetricCounts::default();
    let at = |hour: &DateTime<Utc>| counts.get(hour).unwrap_or(&zero);
    let top = hours
        .iter()
        .map(|h| at(h).yes + at(h).no)
        .max()
        .unwrap_or(0)
        .max(1);
    let plot_width = WIDTH - LEFT - RIGHT;
    let plot_height = HEIGHT - TOP - BOTTOM;
    let slot = plot_width / hours.len().max(1) as f64;
    let scale = |n: u64| n as f64 / top as f64 * plot_height;
    let bottom = HEIGHT - BOTTOM;
    let bars = hours
        .iter()
        .enumerate()
        .map(|(i, hour)| {
            let c = at(hour);
            let (yes_height, no_height) = (scale(c.yes), scale(c.no));
            Bar {
                x: format!("{:.1}", LEFT + slot * i as f64 + slot * 0.1),
                width: format!("{:.1}", (slot * 0.8).max(1.0)),
                yes_y: format!("{:.1}", bottom - yes_height),
                yes_height: format!("{yes_height:.1}"),
                no_y: format!("{:.1}", bottom - yes_height - no_height),
                no_height: format!("{no_height:.1}"),
                label: format!("{} UTC: {} yes, {} no", hour_text(hour), c.yes, c.no),
            }
        })
        .collect();
    let share_dots: Vec<ShareDot> = hours
        .iter()
        .enumerate()
        .filter(|(_, hour)| at(hour).yes + at(hour).no > 0)
        .map(|(i, hour)| {
            let c = at(hour);
            let share = c.yes as f64 / (c.yes + c.no) as f64;
            ShareDot {
                x: format!("{:.1}", LEFT + slot * i as f64 + slot / 2.0),
                y: format!("{:.1}", bottom - share * plot_height),
                label: format!(
                    "{} UTC: {} enabled",
                    hour_text(hour),
                    percent(c.yes, c.yes + c.no)
                ),
            }
        })
        .collect();
    let share_line = share_dots
        .iter()
        .map(|dot| format!("{},{}", dot.x, dot.y))
        .collect::<Vec<_>>()
        .join(" ");
    // Six labels at most; each says the date where it changes (the first
    // label, midnight, or every label of a window over a day).
    let step = hours.len().div_ceil(6).max(1);
    let long = hours.len() > 25;
    let ticks = hours
        .iter()
        .enumerate()
        .filter(|(i, _)| i % step == 0)
        .map(|(i, hour)| Tick {
            x: format!("{:.1}", LEFT + slot * i as f64 + slot / 2.0),
            text: if i == 0 || long || hour.format("%H").to_string() == "00" {
                hour.format("%b %-d %H:%M").to_string()
            } else {
                hour.format("%H:%M").to_string()
            },
        })
        .collect();
    let mut total = MetricCounts::default();
    let rows = hours
        .iter()
        .filter_map(|hour| {
            let c = counts.get(hour)?;
            total.add(c);
            Some(HourRow {
                hour: hour_text(hour),
                yes: c.yes,
                no: c.no,
                total: c.yes + c.no,
                share: percent(c.yes, c.yes + c.no),
                variants: c
                    .variants
                    .iter()
                    .map(|(name, n)| format!("{name} {n}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            })
        })
        .collect();
    let variant_total: u64 = total.variants.values().sum();
    let mut variants: Vec<VariantShare> = total
        .variants
        .iter()
        .map(|(name, count)| VariantShare {
            name: name.clone(),
            count: *count,
            share: percent(*count, variant_total),
        })
        .collect();
    variants.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    EnvironmentChart {
        id: format!("chart-{index}"),
        environment,
        yes: total.yes,
        no: total.no,
        total: total.yes + total.no,
        share: percent(total.yes, total.yes + total.no),
        top,
        bars,
        share_line,
        share_dots,
        ticks,
        rows,
        variants,
        applications: applications.into_iter().collect(),
    }
}

/// `GET /projects/{project}/features/{feature}/metrics?hours=1|24|48|168&app=`.
pub async fn page(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((project, feature)): Path<(String, String)>,
    Query(query): Query<WindowQuery>,
) -> Response {
    let retained = i64::from(state.ui.metrics_retention_hours).max(1);
    let offered: Vec<(i64, &'static str)> = WINDOWS
        .into_iter()
        .filter(|(h, _)| *h == 1 || *h <= retained)
        .collect();
    let (hours, window_name) = query
        .hours
        .and_then(|h| h.parse::<i64>().ok())
        .and_then(|h| offered.iter().find(|(o, _)| *o == h).copied())
        .unwrap_or((24, "24 h"));
    let head = match flag_in_project(&state, &signed, &project, &feature).await {
        Ok(row) => FlagHead::load(&state, &row).await,
        Err(response) => Err(response),
    };
    let head = match head {
        Ok(head) => head,
        Err(response) => return response,
    };
    // The hours that end with the current one: as many as the window has
    // (two for the last hour, which spans the previous one and this one).
    let current = hour_bucket(state.clock.now());
    let count = hours.max(2);
    let first = current - Duration::hours(count - 1);
    let window: Vec<DateTime<Utc>> = (0..count).map(|i| first + Duration::hours(i)).collect();
    let (rows, environments) = match tokio::try_join!(
        state.store.raw_metrics(&feature, first),
        state.store.project_environments(&project),
    ) {
        Ok(found) => found,
        Err(e) => return internal(e),
    };
    let app = query.app.trim().to_owned();
    let apps: Vec<String> = rows
        .iter()
        .map(|(key, _)| key.app_name.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // Environment → hour → counts (all applications, or the one chosen), and who reported.
    let mut by_environment: BTreeMap<String, (Hours, BTreeSet<String>)> = BTreeMap::new();
    for (key, counts) in rows {
        if !app.is_empty() && key.app_name != app {
            continue;
        }
        let (hours, apps) = by_environment.entry(key.environment).or_default();
        hours.entry(key.hour).or_default().add(&counts);
        apps.insert(key.app_name);
    }
    // The project's environments in their order, then any other that reported.
    let mut order: Vec<String> = environments.into_iter().map(|e| e.name).collect();
    for environment in by_environment.keys() {
        if !order.contains(environment) {
            order.push(environment.clone());
        }
    }
    let mut charts = Vec::new();
    let mut quiet = Vec::new();
    for environment in order {
        match by_environment.remove(&environment) {
            Some((counts, apps)) => {
                charts.push(chart(charts.len(), environment, &window, &counts, apps));
            }
            None => quiet.push(environment),
        }
    }
    render(
        StatusCode::OK,
        &MetricsPage {
            nav: signed.nav(),
            head,
            project,
            feature,
            tab: "metrics",
            hours,
            window: window_name,
            windows: offered
                .iter()
                .map(|(h, name)| Window {
                    hours: *h,
                    name,
                    current: *h == hours,
                })
                .collect(),
            app_query: if app.is_empty() {
                String::new()
            } else {
                format!(
                    "&app={}",
                    url::form_urlencoded::byte_serialize(app.as_bytes()).collect::<String>()
                )
            },
            app,
            apps,
            charts,
            quiet,
            left: LEFT,
            top: TOP,
            plot_bottom: HEIGHT - BOTTOM,
            label_x: LEFT - 4.0,
            plot_right: WIDTH - RIGHT,
            label_y: HEIGHT - BOTTOM + 16.0,
            share_x: WIDTH - RIGHT + 4.0,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_stack_yes_under_no_and_the_table_lists_hours_with_counts() {
        let hours: Vec<DateTime<Utc>> = ["2024-05-01T10:00:00.000Z", "2024-05-01T11:00:00.000Z"]
            .into_iter()
            .map(|at| flagstaff_storage::parse_instant(at).expect("an instant"))
            .collect();
        let mut counts = BTreeMap::new();
        counts.insert(
            hours[1],
            MetricCounts {
                yes: 3,
                no: 1,
                variants: [("blue".to_owned(), 2), ("red".to_owned(), 1)].into(),
            },
        );
        let chart = chart(
            0,
            "development".to_owned(),
            &hours,
            &counts,
            ["web".to_owned()].into(),
        );
        assert_eq!((chart.yes, chart.no, chart.total, chart.top), (3, 1, 4, 4));
        assert_eq!(chart.share, "75.0%");
        assert_eq!(chart.rows.len(), 1);
        assert_eq!(chart.rows[0].hour, "2024-05-01 11:00");
        assert_eq!(chart.bars[0].yes_height, "0.0");
        // The tallest bar fills the plot: 180 units, 135 of them yes.
        assert_eq!(chart.bars[1].yes_height, "135.0");
        assert_eq!(chart.bars[1].no_y, "12.0");
        // The share line: only the hour with reports, 75% of the plot's height up.
        assert_eq!(chart.share_dots.len(), 1);
        assert_eq!(chart.share_dots[0].y, "57.0");
        assert_eq!(chart.share_line, format!("{},57.0", chart.share_dots[0].x));
        assert_eq!(
            chart.share_dots[0].label,
            format!(
                "{} UTC: {} enabled",
                chart.rows[0].hour, chart.rows[0].share
            )
        );
        assert_eq!(chart.variants[0].name, "blue");
        assert_eq!(chart.variants[0].share, "66.7%");
        assert_eq!(percent(0, 0), "–");
    }
}
