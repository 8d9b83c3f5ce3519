//! `/metrics` in the Prometheus text format (0.0.4), as ZooKeeper's
//! `PrometheusMetricsProvider` (Prometheus `simpleclient` 0.9) exposes it: each ZooKeeper
//! metric under its own name, `# HELP <name> <name>` and `# TYPE`, counters as `counter`,
//! gauges as `gauge`, summaries as `summary` with the quantiles ZooKeeper asks for (0.5 for
//! basic ones; 0.5, 0.9 and 0.99 for advanced ones) plus `_count` and `_sum`, and sets with
//! a `key` label. Sample values print as Java doubles, labels with simpleclient 0.9's
//! trailing comma (`{key="app",quantile="0.5",}`).
//!
//! zkrs is no JVM: the `jvm_*` families of `DefaultExports` are absent; the standard
//! `process_*` families are there.

use std::fmt::Write as _;

use super::json::Json;
use super::process::ProcessStats;
use super::registry::{Metrics, Percentile, Value, CATALOGUE};
use crate::net::four_letter::java_double_to_string;

/// What the core hands over for one scrape.
#[derive(Debug, Clone)]
pub struct MetricsSnapshot {
    /// The gauges in registration order.
    pub gauges: Vec<(&'static str, Json)>,
    /// A copy of the registry.
    pub metrics: Metrics,
}

/// `Collector.doubleToGoString`.
fn go_double(v: f64) -> String {
    if v == f64::INFINITY {
        "+Inf".to_owned()
    } else if v == f64::NEG_INFINITY {
        "-Inf".to_owned()
    } else {
        java_double_to_string(v)
    }
}

fn header(out: &mut String, name: &str, kind: &str) {
    let _ = writeln!(out, "# HELP {name} {name}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Escapes a label value as simpleclient does (`\\`, `\"`, `\n`).
fn label_value(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn sample(out: &mut String, name: &str, labels: &[(&str, String)], value: f64) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (k, v) in labels {
            let _ = write!(out, "{k}=\"{}\",", label_value(v));
        }
        out.push('}');
    }
    let _ = writeln!(out, " {}", go_double(value));
}

fn summary(out: &mut String, name: &str, key: Option<&str>, p: &Percentile, quantiles: &[f64]) {
    let base: Vec<(&str, String)> = key.map(|k| vec![("key", k.to_owned())]).unwrap_or_default();
    let s = p.summary();
    for q in quantiles {
        let mut labels = base.clone();
        labels.push(("quantile", java_double_to_string(*q)));
        // A summary without observations reports NaN quantiles.
        let v = if s.count() == 0 {
            f64::NAN
        } else {
            p.quantile(*q)
        };
        sample(out, name, &labels, v);
    }
    sample(out, &format!("{name}_count"), &base, s.count() as f64);
    sample(out, &format!("{name}_sum"), &base, s.total() as f64);
}

fn json_number(v: &Json) -> f64 {
    match v {
        Json::Long(n) => *n as f64,
        Json::Double(d) => *d,
        _ => 0.0,
    }
}

/// The whole exposition for one scrape.
pub fn render(snap: &MetricsSnapshot, process: &ProcessStats) -> String {
    let mut out = String::with_capacity(32 * 1024);
    for (name, value) in &snap.gauges {
        header(&mut out, name, "gauge");
        sample(&mut out, name, &[], json_number(value));
    }
    const BASIC: &[f64] = &[0.5];
    const ADVANCED: &[f64] = &[0.5, 0.9, 0.99];
    for (i, (name, _)) in CATALOGUE.iter().enumerate() {
        let Some(value) = snap.metrics.value_at(i) else {
            continue;
        };
        match value {
            Value::Counter(c) => {
                header(&mut out, name, "counter");
                sample(&mut out, name, &[], *c as f64);
            }
            Value::CounterSet(k) => {
                header(&mut out, name, "counter");
                for (key, c) in k.entries() {
                    sample(&mut out, name, &[("key", key.clone())], *c as f64);
                }
            }
            Value::Summary(p) => {
                header(&mut out, name, "summary");
                summary(&mut out, name, None, p, BASIC);
            }
            Value::Percentile(p) => {
                header(&mut out, name, "summary");
                summary(&mut out, name, None, p, ADVANCED);
            }
            Value::SummarySet(k) => {
                header(&mut out, name, "summary");
                for (key, p) in k.entries() {
                    summary(&mut out, name, Some(key), p, BASIC);
                }
            }
            Value::PercentileSet(k) => {
                header(&mut out, name, "summary");
                for (key, p) in k.entries() {
                    summary(&mut out, name, Some(key), p, ADVANCED);
                }
            }
        }
    }
    process_families(&mut out, process);
    out
}

/// simpleclient's `StandardExports` (Linux).
fn process_families(out: &mut String, p: &ProcessStats) {
    let mut family = |name: &str, help: &str, kind: &str, v: Option<f64>| {
        if let Some(v) = v {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
            sample(out, name, &[], v);
        }
    };
    family(
        "process_cpu_seconds_total",
        "Total user and system CPU time spent in seconds.",
        "counter",
        p.cpu_seconds,
    );
    family(
        "process_start_time_seconds",
        "Start time of the process since unix epoch in seconds.",
        "gauge",
        p.start_time_seconds,
    );
    family(
        "process_open_fds",
        "Number of open file descriptors.",
        "gauge",
        p.open_fds.map(|v| v as f64),
    );
    family(
        "process_max_fds",
        "Maximum number of open file descriptors.",
        "gauge",
        p.max_fds.map(|v| v as f64),
    );
    family(
        "process_virtual_memory_bytes",
        "Virtual memory size in bytes.",
        "gauge",
        p.virtual_bytes.map(|v| v as f64),
    );
    family(
        "process_resident_memory_bytes",
        "Resident memory size in bytes.",
        "gauge",
        p.resident_bytes.map(|v| v as f64),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitor::registry::Metric;

    #[test]
    fn families_have_help_type_and_samples() {
        let mut metrics = Metrics::new();
        metrics.add(Metric::ResponseBytes, 16);
        metrics.add(Metric::Readlatency, 2);
        metrics.add(Metric::Fsynctime, 3);
        metrics.add_keyed(Metric::WritePerNamespace, "app", 8);
        let snap = MetricsSnapshot {
            gauges: vec![
                ("znode_count", Json::Long(5)),
                ("avg_latency", Json::Double(0.5)),
            ],
            metrics,
        };
        let text = render(&snap, &ProcessStats::default());
        for expected in [
            "# HELP znode_count znode_count\n# TYPE znode_count gauge\nznode_count 5.0\n",
            "avg_latency 0.5\n",
            "# TYPE response_bytes counter\nresponse_bytes 16.0\n",
            "# TYPE readlatency summary\nreadlatency{quantile=\"0.5\",} 2.0\nreadlatency{quantile=\"0.9\",} 2.0\nreadlatency{quantile=\"0.99\",} 2.0\nreadlatency_count 1.0\nreadlatency_sum 2.0\n",
            "fsynctime{quantile=\"0.5\",} 3.0\nfsynctime_count 1.0\nfsynctime_sum 3.0\n",
            "updatelatency{quantile=\"0.5\",} NaN\n",
            "write_per_namespace{key=\"app\",quantile=\"0.5\",} 8.0\nwrite_per_namespace_count{key=\"app\",} 1.0\n",
            "# TYPE quota_exceeded_error_per_namespace counter\n",
        ] {
            assert!(text.contains(expected), "missing {expected:?}");
        }
        // Only ZooKeeper's own jvm_pause_time_ms; no JVM families.
        assert!(text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .all(|l| !l.starts_with("jvm_") || l.starts_with("jvm_pause_time_ms")));
    }

    #[test]
    fn process_families_follow_simpleclient_names() {
        let p = ProcessStats {
            open_fds: Some(12),
            max_fds: Some(1024),
            cpu_seconds: Some(1.5),
            resident_bytes: Some(4096),
            virtual_bytes: Some(8192),
            start_time_seconds: Some(1.7e9),
        };
        let mut out = String::new();
        process_families(&mut out, &p);
        assert!(out
            .contains("# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 1.5\n"));
        assert!(out.contains("process_open_fds 12.0\n"));
        assert!(out.contains("process_start_time_seconds 1.7E9\n"));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
        assert_eq!(go_double(f64::INFINITY), "+Inf");
        assert_eq!(go_double(f64::NAN), "NaN");
    }
}
