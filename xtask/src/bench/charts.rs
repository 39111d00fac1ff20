//! The bench's charts as SVG, drawn with plotters: the latency
//! distribution and the ingest timeline.

use super::*;
use plotters::prelude::*;

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

/// One line of a chart: label, colour (`#rrggbb`), dash pattern ("" for a
/// solid line, else "dash gap") and points.
pub(super) type Series<'a> = (String, &'a str, &'a str, Vec<(f64, f64)>);

fn colour(hex: &str) -> RGBColor {
    let byte = |i: usize| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0);
    RGBColor(byte(1), byte(3), byte(5))
}

/// A line chart drawn with plotters: `series` on axes from 0 to `max`
/// (x, y), the title above, each series in the legend.
pub(super) fn chart_svg(title: &str, max: (f64, f64), series: &[Series]) -> String {
    let mut svg = String::new();
    let drawn = (|| -> std::result::Result<(), Box<dyn std::error::Error + '_>> {
        let root = SVGBackend::with_string(&mut svg, (640, 360)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 13))
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(52)
            .build_cartesian_2d(0.0..max.0, 0.0..max.1)?;
        chart
            .configure_mesh()
            .x_labels(5)
            .y_labels(5)
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| tick(*v))
            .light_line_style(WHITE)
            .draw()?;
        for (label, hex, dash, points) in series {
            let style = colour(hex).stroke_width(2);
            let dashed = !dash.is_empty();
            // The legend's sample is dashed too: two short strokes.
            let legend = move |(x, y): (i32, i32)| {
                let (first, second) = if dashed { (7, 11) } else { (20, 20) };
                EmptyElement::at((x, y))
                    + PathElement::new(vec![(0, 0), (first, 0)], style)
                    + PathElement::new(vec![(second, 0), (20, 0)], style)
            };
            let mut dashes = dash.split(' ').filter_map(|d| d.parse::<u32>().ok());
            match (dashes.next(), dashes.next()) {
                (Some(size), Some(gap)) => chart.draw_series(DashedLineSeries::new(
                    points.iter().copied(),
                    size,
                    gap,
                    style,
                ))?,
                _ => chart.draw_series(LineSeries::new(points.iter().copied(), style))?,
            }
            .label(label.as_str())
            .legend(legend);
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
        Ok(())
    })();
    if let Err(e) = drawn {
        eprintln!("    the chart {title:?} could not be drawn: {e}");
    }
    svg
}

/// An axis label: whole numbers as such, fractions with two decimals.
pub(super) fn tick(v: f64) -> String {
    if v.fract() == 0.0 || v >= 10.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_keeps_its_title_axes_and_every_series() {
        let svg = chart_svg(
            "A title",
            (10.0, 1.0),
            &[
                (
                    "solid one".into(),
                    "#2457c5",
                    "",
                    vec![(0.0, 0.0), (10.0, 1.0)],
                ),
                (
                    "dashed one".into(),
                    "#b3261e",
                    "4 3",
                    vec![(0.0, 1.0), (10.0, 0.0)],
                ),
            ],
        );
        // plotters writes each text on a line of its own.
        for text in [
            "\nA title\n",
            "\nsolid one\n",
            "\ndashed one\n",
            "\n10\n",
            "\n0.50\n",
        ] {
            assert!(svg.contains(text), "{text} missing from the chart");
        }
        assert!(
            svg.contains("#2457C5") || svg.contains("#2457c5"),
            "a series colour is lost"
        );
        assert!(svg.matches("<polyline").count() >= 2, "{svg}");
    }
}
