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
//!
//! The same samples make `mntr`'s metric part when the Prometheus provider is configured
//! (`PrometheusMetricsProvider.dump`, [`mntr_samples`]): one `zk_<sample>` line per sample,
//! labels written `{k="v",k2="v2"}` (no trailing comma, no escaping: `buildKeyForDump`) and
//! every value a Java double. ZooKeeper lists the collectors in `HashSet` order, which
//! changes from one JVM run to the next; zkrs keeps registration order.

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

/// One sample: name (with any `_count`/`_sum` suffix), labels and value.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The sample's name.
    pub name: String,
    /// Label names and values, in order.
    pub labels: Vec<(&'static str, String)>,
    /// The value.
    pub value: f64,
}

/// One metric family (one simpleclient `Collector`'s `MetricFamilySamples`).
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    /// The family name.
    pub name: &'static str,
    /// `# HELP` text (ZooKeeper uses the name).
    pub help: &'static str,
    /// `# TYPE`: counter, gauge or summary.
    pub kind: &'static str,
    /// Its samples.
    pub samples: Vec<Sample>,
}

impl Family {
    fn new(name: &'static str, kind: &'static str) -> Self {
        Family {
            name,
            help: name,
            kind,
            samples: Vec::new(),
        }
    }

    fn push(&mut self, name: &str, labels: Vec<(&'static str, String)>, value: f64) {
        self.samples.push(Sample {
            name: name.to_owned(),
            labels,
            value,
        });
    }

    /// A summary's samples (`Summary.collect`): the quantiles, `_count`, `_sum`.
    fn summary(&mut self, key: Option<&str>, p: &Percentile, quantiles: &[f64]) {
        let base: Vec<(&'static str, String)> =
            key.map(|k| vec![("key", k.to_owned())]).unwrap_or_default();
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
            self.push(self.name, labels, v);
        }
        self.push(
            &format!("{}_count", self.name),
            base.clone(),
            s.count() as f64,
        );
        self.push(&format!("{}_sum", self.name), base, s.total() as f64);
    }
}

/// Escapes a label value as simpleclient does (`\\`, `\"`, `\n`).
fn label_value(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn json_number(v: &Json) -> f64 {
    match v {
        Json::Long(n) => *n as f64,
        Json::Double(d) => *d,
        _ => 0.0,
    }
}

/// Every family of the registry: ZooKeeper's gauges, then its metrics in `ServerMetrics`
/// registration order, then simpleclient's `process_*` exports.
pub fn families(snap: &MetricsSnapshot, process: &ProcessStats) -> Vec<Family> {
    const BASIC: &[f64] = &[0.5];
    const ADVANCED: &[f64] = &[0.5, 0.9, 0.99];
    let mut out = Vec::with_capacity(snap.gauges.len() + CATALOGUE.len() + 6);
    for (name, value) in &snap.gauges {
        let mut f = Family::new(name, "gauge");
        f.push(name, Vec::new(), json_number(value));
        out.push(f);
    }
    for (i, (name, _)) in CATALOGUE.iter().enumerate() {
        let Some(value) = snap.metrics.value_at(i) else {
            continue;
        };
        let kind = match value {
            Value::Counter(_) | Value::CounterSet(_) => "counter",
            _ => "summary",
        };
        let mut f = Family::new(name, kind);
        match value {
            Value::Counter(c) => f.push(name, Vec::new(), *c as f64),
            Value::CounterSet(k) => {
                for (key, c) in k.entries() {
                    f.push(name, vec![("key", key.clone())], *c as f64);
                }
            }
            Value::Summary(p) => f.summary(None, p, BASIC),
            Value::Percentile(p) => f.summary(None, p, ADVANCED),
            Value::SummarySet(k) => {
                for (key, p) in k.entries() {
                    f.summary(Some(key), p, BASIC);
                }
            }
            Value::PercentileSet(k) => {
                for (key, p) in k.entries() {
                    f.summary(Some(key), p, ADVANCED);
                }
            }
        }
        out.push(f);
    }
    out.extend(process_families(process));
    out
}

/// The whole exposition for one scrape.
pub fn render(snap: &MetricsSnapshot, process: &ProcessStats) -> String {
    let mut out = String::with_capacity(32 * 1024);
    for f in families(snap, process) {
        let _ = writeln!(out, "# HELP {} {}", f.name, f.help);
        let _ = writeln!(out, "# TYPE {} {}", f.name, f.kind);
        for s in &f.samples {
            out.push_str(&s.name);
            if !s.labels.is_empty() {
                out.push('{');
                for (k, v) in &s.labels {
                    let _ = write!(out, "{k}=\"{}\",", label_value(v));
                }
                out.push('}');
            }
            let _ = writeln!(out, " {}", go_double(s.value));
        }
    }
    out
}

/// `PrometheusMetricsProvider.dump`: each sample as `(key, value)`, the key built as
/// `buildKeyForDump` does (`name{k="v",k2="v2"}`, label values as they are).
pub fn mntr_samples(snap: &MetricsSnapshot, process: &ProcessStats) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    for f in families(snap, process) {
        for s in f.samples {
            let mut key = s.name;
            if !s.labels.is_empty() {
                let labels: Vec<String> = s
                    .labels
                    .iter()
                    .map(|(k, v)| format!("{k}=\"{v}\""))
                    .collect();
                let _ = write!(key, "{{{}}}", labels.join(","));
            }
            out.push((key, s.value));
        }
    }
    out
}

/// simpleclient's `StandardExports` (Linux).
fn process_families(p: &ProcessStats) -> Vec<Family> {
    let mut out = Vec::new();
    let mut family =
        |name: &'static str, help: &'static str, kind: &'static str, v: Option<f64>| {
            if let Some(v) = v {
                let mut f = Family::new(name, kind);
                f.help = help;
                f.push(name, Vec::new(), v);
                out.push(f);
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
    out
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
        let snap = MetricsSnapshot {
            gauges: Vec::new(),
            metrics: Metrics::new(),
        };
        let out = render(&snap, &p);
        assert!(out
            .contains("# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 1.5\n"));
        assert!(out.contains("process_open_fds 12.0\n"));
        assert!(out.contains("process_start_time_seconds 1.7E9\n"));
    }

    #[test]
    fn mntr_keys_are_built_as_build_key_for_dump_does() {
        let mut metrics = Metrics::new();
        metrics.add(Metric::Readlatency, 2);
        metrics.add_keyed(Metric::WritePerNamespace, "a\"b", 8);
        let snap = MetricsSnapshot {
            gauges: vec![("znode_count", Json::Long(5))],
            metrics,
        };
        let dump = mntr_samples(&snap, &ProcessStats::default());
        let get = |k: &str| dump.iter().find(|(key, _)| key == k).map(|(_, v)| *v);
        assert_eq!(get("znode_count"), Some(5.0));
        assert_eq!(get("readlatency{quantile=\"0.99\"}"), Some(2.0));
        assert_eq!(get("readlatency_count"), Some(1.0));
        assert_eq!(
            get("write_per_namespace{key=\"a\"b\",quantile=\"0.5\"}"),
            Some(8.0)
        );
        assert_eq!(get("write_per_namespace_sum{key=\"a\"b\"}"), Some(8.0));
        assert!(get("updatelatency{quantile=\"0.5\"}").is_some_and(f64::is_nan));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
        assert_eq!(go_double(f64::INFINITY), "+Inf");
        assert_eq!(go_double(f64::NAN), "NaN");
    }
}
