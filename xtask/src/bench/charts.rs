//! The bench's charts as SVG: the latency distribution and the ingest timeline.

use super::*;

/// The latency distributions (CDF) of both pages as an SVG.
pub(super) fn latency_svg(lat: &[Vec<f64>; 2]) -> String {
    let max = lat
        .iter()
        .filter_map(|l| l.last())
        .fold(1.0f64, |a, b| a.max(*b))
        .min(200.0);
    let cdf = |series: &Vec<f64>| -> Vec<(f64, f64)> {
        let n = series.len().max(1) as f64;
        series
            .iter()
            .enumerate()
            .map(|(i, v)| (v.min(max), (i + 1) as f64 / n))
            .collect()
    };
    chart_svg(
        "Send to rendered latency, 1,000 lines at 50/s (CDF; x: ms, y: share of lines)",
        (max, 1.0),
        &[
            ("Roomcast".into(), "#2457c5", "", cdf(&lat[0])),
            ("baseline (vanilla JS)".into(), "#b3261e", "", cdf(&lat[1])),
        ],
    )
}

/// The ingest timelines of both pages as an SVG: frames received and lines
/// in the DOM against the time since the first frame.
pub(super) fn ingest_svg(timelines: &[Timeline; 2]) -> String {
    let x_max = timelines
        .iter()
        .flat_map(|t| t.received.iter().chain(&t.shown))
        .fold(1.0f64, |a, p| a.max(p.0));
    chart_svg(
        &format!(
            "Ingest: {INGEST_LINES} lines sent at once (x: ms since the first frame, y: lines)"
        ),
        (x_max, INGEST_LINES as f64),
        &[("Roomcast", "#2457c5"), ("baseline", "#b3261e")]
            .iter()
            .zip(timelines)
            .flat_map(|(&(page, color), t)| {
                [
                    (page, "frames received", color, "4 3", t.received.clone()),
                    (page, "lines in the DOM", color, "", t.shown.clone()),
                ]
            })
            .map(|(page, what, color, dash, points)| {
                (format!("{page}: {what}"), color, dash, points)
            })
            .collect::<Vec<_>>(),
    )
}

/// One line of a chart: label, colour, dash pattern and points.
pub(super) type Series<'a> = (String, &'a str, &'a str, Vec<(f64, f64)>);

/// A line chart: `series` of (label, colour, dash pattern, points) on axes
/// from 0 to `max` (x, y).
pub(super) fn chart_svg(title: &str, max: (f64, f64), series: &[Series]) -> String {
    let (w, h, pad) = (640.0, 360.0, 48.0);
    let mut svg = format!(
        "<svg xmlns='http://www.w3.org/2000/svg' width='{w}' height='{h}' font-family='sans-serif' font-size='12'>\
         <rect width='100%' height='100%' fill='white'/>\
         <text x='{pad}' y='20'>{title}</text>\
         <line x1='{pad}' y1='{}' x2='{}' y2='{}' stroke='black'/><line x1='{pad}' y1='{pad}' x2='{pad}' y2='{}' stroke='black'/>",
        h - pad, w - pad, h - pad, h - pad
    );
    for i in 0..=4 {
        let x = pad + (w - 2.0 * pad) * f64::from(i) / 4.0;
        let y = h - pad - (h - 2.0 * pad) * f64::from(i) / 4.0;
        svg += &format!(
            "<text x='{x}' y='{}' text-anchor='middle'>{}</text><text x='{}' y='{y}' text-anchor='end'>{}</text>",
            h - pad + 16.0,
            tick(max.0 * f64::from(i) / 4.0),
            pad - 4.0,
            tick(max.1 * f64::from(i) / 4.0),
        );
    }
    for (i, (label, color, dash, points)) in series.iter().enumerate() {
        let points: String = points
            .iter()
            .map(|(x, y)| {
                let x = pad + (w - 2.0 * pad) * (x / max.0);
                let y = h - pad - (h - 2.0 * pad) * (y / max.1);
                format!("{x:.1},{y:.1} ")
            })
            .collect();
        svg += &format!(
            "<polyline fill='none' stroke='{color}' stroke-width='2' stroke-dasharray='{dash}' points='{points}'/>\
             <text x='{}' y='{}' fill='{color}'>{label}</text>",
            w - 240.0,
            h - pad - 10.0 - 16.0 * (series.len() - 1 - i) as f64,
        );
    }
    svg + "</svg>"
}

/// An axis label: whole numbers as such, fractions with two decimals.
pub(super) fn tick(v: f64) -> String {
    if v.fract() == 0.0 || v >= 10.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}
