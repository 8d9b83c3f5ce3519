//! Horizontal grouped bar charts as SVG text, written by hand: no font or image library, and
//! the output reads the same in any browser or on GitHub.

use std::fmt::Write;

/// One series of a chart: a value (or none) per category.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend text.
    pub name: String,
    /// Fill colour (any SVG colour).
    pub color: &'static str,
    /// One value per category; `None` draws no bar and prints `n/a`.
    pub values: Vec<Option<f64>>,
}

/// How bar lengths map to values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scale {
    /// Proportional from 0.
    Linear,
    /// Logarithmic (base 10), for values across orders of magnitude.
    Log,
}

/// A vertical reference line (e.g. "1×" on a ratio chart).
#[derive(Debug, Clone)]
pub struct Marker {
    /// Where, in data units.
    pub at: f64,
    /// Label printed above it.
    pub label: String,
}

const WIDTH: f64 = 900.0;
const LABEL_W: f64 = 230.0;
const RIGHT_PAD: f64 = 90.0;
const BAR_H: f64 = 14.0;
const GROUP_GAP: f64 = 10.0;
const TOP: f64 = 80.0;

/// Escapes text for SVG.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A compact number: 1234567 -> "1.23M", 0.456 -> "0.456".
pub fn human(x: f64) -> String {
    let a = x.abs();
    if a >= 1e6 {
        format!("{:.2}M", x / 1e6)
    } else if a >= 1e4 {
        format!("{:.1}k", x / 1e3)
    } else if a >= 100.0 {
        format!("{x:.0}")
    } else if a >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// Renders a horizontal grouped bar chart.
pub fn hbar(
    title: &str,
    unit: &str,
    categories: &[String],
    series: &[Series],
    scale: Scale,
    markers: &[Marker],
) -> String {
    let values = series
        .iter()
        .flat_map(|s| s.values.iter().flatten().copied())
        .chain(markers.iter().map(|m| m.at))
        .filter(|v| v.is_finite() && *v > 0.0);
    let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
    for v in values {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if hi <= 0.0 {
        hi = 1.0;
        lo = 1.0;
    }
    let plot_w = WIDTH - LABEL_W - RIGHT_PAD;
    let (lmin, lmax) = (
        (lo.log10().floor()).min(hi.log10().floor()),
        hi.log10().ceil().max(lo.log10().floor() + 1.0),
    );
    let x_of = |v: f64| -> f64 {
        match scale {
            Scale::Linear => plot_w * (v / (hi * 1.05)),
            Scale::Log => {
                if v <= 0.0 {
                    0.0
                } else {
                    plot_w * ((v.log10() - lmin) / (lmax - lmin)).clamp(0.0, 1.0)
                }
            }
        }
    };
    let group_h = BAR_H * series.len() as f64 + GROUP_GAP;
    let height = TOP + group_h * categories.len() as f64 + 30.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="10" y="20" font-size="15" font-weight="bold">{}</text>"#,
        esc(title)
    );
    let scale_note = match scale {
        Scale::Linear => "",
        Scale::Log => ", log scale",
    };
    let _ = writeln!(
        s,
        r##"<text x="10" y="38" fill="#555">{}{}</text>"##,
        esc(unit),
        scale_note
    );
    // Legend.
    let mut lx = 10.0;
    for se in series {
        let _ = writeln!(
            s,
            r#"<rect x="{lx}" y="48" width="12" height="12" fill="{}"/><text x="{}" y="58">{}</text>"#,
            se.color,
            lx + 16.0,
            esc(&se.name)
        );
        lx += 30.0 + 7.0 * se.name.len() as f64;
    }
    // Gridlines for log scale: one per decade.
    let bottom = TOP + group_h * categories.len() as f64;
    if scale == Scale::Log {
        let mut d = lmin;
        while d <= lmax + 1e-9 {
            let x = LABEL_W + x_of(10f64.powf(d));
            let _ = writeln!(
                s,
                r##"<line x1="{x:.1}" y1="{}" x2="{x:.1}" y2="{bottom}" stroke="#ddd"/><text x="{x:.1}" y="{}" fill="#777" text-anchor="middle">{}</text>"##,
                TOP - 6.0,
                bottom + 14.0,
                human(10f64.powf(d))
            );
            d += 1.0;
        }
    }
    for (i, cat) in categories.iter().enumerate() {
        let gy = TOP + group_h * i as f64;
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            LABEL_W - 8.0,
            gy + BAR_H * series.len() as f64 / 2.0 + 4.0,
            esc(cat)
        );
        for (j, se) in series.iter().enumerate() {
            let y = gy + BAR_H * j as f64;
            match se.values.get(i).copied().flatten() {
                Some(v) if v.is_finite() => {
                    let w = x_of(v).max(1.0);
                    let _ = writeln!(
                        s,
                        r#"<rect x="{LABEL_W}" y="{y:.1}" width="{w:.1}" height="{}" fill="{}"/><text x="{:.1}" y="{:.1}" font-size="11">{}</text>"#,
                        BAR_H - 2.0,
                        se.color,
                        LABEL_W + w + 4.0,
                        y + BAR_H - 4.0,
                        human(v)
                    );
                }
                _ => {
                    let _ = writeln!(
                        s,
                        r##"<text x="{}" y="{:.1}" font-size="11" fill="#999">n/a</text>"##,
                        LABEL_W + 4.0,
                        y + BAR_H - 4.0
                    );
                }
            }
        }
    }
    for m in markers {
        let x = LABEL_W + x_of(m.at);
        let _ = writeln!(
            s,
            r##"<line x1="{x:.1}" y1="{}" x2="{x:.1}" y2="{bottom}" stroke="#c00" stroke-dasharray="4,3"/><text x="{x:.1}" y="{}" fill="#c00" text-anchor="middle" font-size="11">{}</text>"##,
            TOP - 4.0,
            TOP - 8.0,
            esc(&m.label)
        );
    }
    let _ = writeln!(
        s,
        r#"<line x1="{LABEL_W}" y1="{}" x2="{LABEL_W}" y2="{bottom}" stroke="black"/>"#,
        TOP - 4.0
    );
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_bars_labels_and_gaps() {
        let svg = hbar(
            "Throughput <test>",
            "ops/s",
            &["get 1×32".into(), "set".into()],
            &[
                Series {
                    name: "zk".into(),
                    color: "#888",
                    values: vec![Some(1000.0), None],
                },
                Series {
                    name: "zkrs".into(),
                    color: "#e60",
                    values: vec![Some(25_000.0), Some(3.5)],
                },
            ],
            Scale::Log,
            &[Marker {
                at: 100.0,
                label: "floor".into(),
            }],
        );
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("Throughput &lt;test&gt;"));
        assert!(svg.contains("25.0k") && svg.contains("n/a") && svg.contains("floor"));
        assert_eq!(human(1_234_567.0), "1.23M");
        assert_eq!(human(0.456), "0.46");
    }
}
