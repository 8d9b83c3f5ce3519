//! What one workload run measured: throughput, latency percentiles from an HdrHistogram, error
//! counts and the client's own CPU use; printed as a table and as one JSON line.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use serde_json::{json, Map, Value};

/// Latency histogram in microseconds: 1 µs to 100 s at 3 significant digits.
pub fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 100_000_000, 3).expect("valid histogram bounds")
}

/// What one worker counted.
#[derive(Debug)]
pub struct Tally {
    /// Latencies of successful operations, µs.
    pub hist: Histogram<u64>,
    /// Successful operations in the measured window.
    pub ops: u64,
    /// Failed operations in the measured window, by error text.
    pub errors: BTreeMap<String, u64>,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            hist: new_histogram(),
            ops: 0,
            errors: BTreeMap::new(),
        }
    }
}

impl Tally {
    /// Records one successful operation that took `us` microseconds.
    pub fn ok(&mut self, us: u64) {
        self.hist.saturating_record(us.max(1));
        self.ops += 1;
    }

    /// Records one failed operation.
    pub fn err(&mut self, what: String) {
        *self.errors.entry(what).or_default() += 1;
    }

    /// Adds `other` into `self`.
    pub fn merge(&mut self, other: &Tally) {
        self.hist.add(&other.hist).expect("same histogram bounds");
        self.ops += other.ops;
        for (k, v) in &other.errors {
            *self.errors.entry(k.clone()).or_default() += v;
        }
    }
}

/// Latency percentiles in microseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Latency {
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p999: u64,
    /// Largest.
    pub max: u64,
    /// Mean.
    pub mean: f64,
}

impl Latency {
    /// Percentiles of `h`.
    pub fn of(h: &Histogram<u64>) -> Self {
        if h.is_empty() {
            return Latency::default();
        }
        Latency {
            p50: h.value_at_quantile(0.50),
            p90: h.value_at_quantile(0.90),
            p99: h.value_at_quantile(0.99),
            p999: h.value_at_quantile(0.999),
            max: h.max(),
            mean: h.mean(),
        }
    }
}

/// The result of one workload run against one server.
#[derive(Debug, Clone)]
pub struct Report {
    /// Workload name (`get`, `mixed`, ...).
    pub workload: String,
    /// Which server (`zk`, `zkrs`, or the address for a plain run).
    pub server: String,
    /// Sessions used.
    pub sessions: usize,
    /// Requests in flight per session.
    pub inflight: usize,
    /// Value size in bytes.
    pub value_size: usize,
    /// Znodes in the key space.
    pub znodes: usize,
    /// Offered load in ops/s for an open-loop run, `None` for closed loop.
    pub rate: Option<f64>,
    /// Successful operations in the measured window.
    pub ops: u64,
    /// Failed operations in the measured window.
    pub errors: u64,
    /// Failures by error text.
    pub error_kinds: BTreeMap<String, u64>,
    /// Length of the measured window, seconds.
    pub elapsed_s: f64,
    /// `ops / elapsed_s`.
    pub throughput: f64,
    /// Latency percentiles, µs.
    pub latency: Latency,
    /// CPU seconds the benchmark process itself used during the measured window.
    pub client_cpu_s: f64,
    /// Further measurements the comparison runner attaches (server CPU, RSS, ...).
    pub extra: Map<String, Value>,
}

impl Report {
    /// Fills a report from a merged tally.
    pub fn from_tally(spec: &crate::Spec, server: &str, t: &Tally, elapsed_s: f64) -> Self {
        let errors = t.errors.values().sum();
        Report {
            workload: spec.kind.name().to_owned(),
            server: server.to_owned(),
            sessions: spec.sessions,
            inflight: spec.inflight,
            value_size: spec.value_size,
            znodes: spec.znodes,
            rate: spec.rate,
            ops: t.ops,
            errors,
            error_kinds: t.errors.clone(),
            elapsed_s,
            throughput: if elapsed_s > 0.0 {
                t.ops as f64 / elapsed_s
            } else {
                0.0
            },
            latency: Latency::of(&t.hist),
            client_cpu_s: 0.0,
            extra: Map::new(),
        }
    }

    /// The report as one JSON object.
    pub fn to_json(&self) -> Value {
        let l = &self.latency;
        let mut v = json!({
            "workload": self.workload,
            "server": self.server,
            "sessions": self.sessions,
            "inflight": self.inflight,
            "value_size": self.value_size,
            "znodes": self.znodes,
            "rate": self.rate,
            "ops": self.ops,
            "errors": self.errors,
            "error_kinds": self.error_kinds,
            "elapsed_s": round3(self.elapsed_s),
            "throughput": round3(self.throughput),
            "lat_us": {
                "p50": l.p50, "p90": l.p90, "p99": l.p99, "p999": l.p999, "max": l.max,
                "mean": round3(l.mean),
            },
            "client_cpu_s": round3(self.client_cpu_s),
        });
        if let Value::Object(m) = &mut v {
            for (k, x) in &self.extra {
                m.insert(k.clone(), x.clone());
            }
        }
        v
    }

    /// Reads back what [`Report::to_json`] wrote.
    pub fn from_json(v: &Value) -> Option<Self> {
        let u = |k: &str| v.get(k).and_then(Value::as_u64);
        let f = |k: &str| v.get(k).and_then(Value::as_f64);
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        let lat = v.get("lat_us")?;
        let lu = |k: &str| lat.get(k).and_then(Value::as_u64).unwrap_or(0);
        let known = [
            "workload",
            "server",
            "sessions",
            "inflight",
            "value_size",
            "znodes",
            "rate",
            "ops",
            "errors",
            "error_kinds",
            "elapsed_s",
            "throughput",
            "lat_us",
            "client_cpu_s",
        ];
        let extra = v
            .as_object()?
            .iter()
            .filter(|(k, _)| !known.contains(&k.as_str()))
            .map(|(k, x)| (k.clone(), x.clone()))
            .collect();
        let error_kinds = v
            .get("error_kinds")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, x)| (k.clone(), x.as_u64().unwrap_or(0)))
                    .collect()
            })
            .unwrap_or_default();
        Some(Report {
            workload: s("workload")?,
            server: s("server")?,
            sessions: u("sessions")? as usize,
            inflight: u("inflight")? as usize,
            value_size: u("value_size")? as usize,
            znodes: u("znodes")? as usize,
            rate: f("rate"),
            ops: u("ops")?,
            errors: u("errors")?,
            error_kinds,
            elapsed_s: f("elapsed_s")?,
            throughput: f("throughput")?,
            latency: Latency {
                p50: lu("p50"),
                p90: lu("p90"),
                p99: lu("p99"),
                p999: lu("p999"),
                max: lu("max"),
                mean: lat.get("mean").and_then(Value::as_f64).unwrap_or(0.0),
            },
            client_cpu_s: f("client_cpu_s").unwrap_or(0.0),
            extra,
        })
    }

    /// The header line of [`Report::table_row`].
    pub fn table_header() -> String {
        format!(
            "{:<10} {:<6} {:>8} {:>6} {:>11} {:>9} {:>9} {:>9} {:>9} {:>9} {:>7} {:>7}",
            "workload",
            "server",
            "sessions",
            "infl",
            "ops/s",
            "p50 ms",
            "p90 ms",
            "p99 ms",
            "p99.9 ms",
            "max ms",
            "errors",
            "cli cpu"
        )
    }

    /// One line of the human-readable table.
    pub fn table_row(&self) -> String {
        let ms = |us: u64| format!("{:.3}", us as f64 / 1000.0);
        let l = &self.latency;
        format!(
            "{:<10} {:<6} {:>8} {:>6} {:>11.0} {:>9} {:>9} {:>9} {:>9} {:>9} {:>7} {:>6.0}%",
            self.workload,
            self.server,
            self.sessions,
            self.inflight,
            self.throughput,
            ms(l.p50),
            ms(l.p90),
            ms(l.p99),
            ms(l.p999),
            ms(l.max),
            self.errors,
            if self.elapsed_s > 0.0 {
                100.0 * self.client_cpu_s / self.elapsed_s
            } else {
                0.0
            }
        )
    }
}

/// `x` rounded to three decimals, for compact JSON.
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip() {
        let spec = crate::Spec::default();
        let mut t = Tally::default();
        for us in [10, 20, 30, 40, 1000] {
            t.ok(us);
        }
        t.err("NoNode".into());
        let mut r = Report::from_tally(&spec, "zkrs", &t, 2.0);
        r.extra.insert("server_cpu_us_per_op".into(), json!(12.5));
        let back = Report::from_json(&r.to_json()).expect("parses");
        assert_eq!(back.ops, 5);
        assert_eq!(back.errors, 1);
        assert_eq!(back.error_kinds.get("NoNode"), Some(&1));
        assert_eq!(back.latency, r.latency);
        assert_eq!(back.extra.get("server_cpu_us_per_op"), Some(&json!(12.5)));
        assert!((back.throughput - 2.5).abs() < 1e-9);
    }
}
