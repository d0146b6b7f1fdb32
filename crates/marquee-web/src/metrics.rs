//! Prometheus metrics: request counts and latencies by route, page-cache hits, database pool
//! use. Written out in the text exposition format by hand: a few counters do not need a crate.

use axum::http::Method;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Upper bounds (seconds) of the latency histogram's buckets.
const BUCKETS: [f64; 10] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.5];

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(&'static str, &'static str, u16), Series>>,
    pub cache_hits: AtomicU64,
    pub cache_misses: AtomicU64,
}

#[derive(Default)]
struct Series {
    count: u64,
    seconds: f64,
    buckets: [u64; BUCKETS.len()],
}

/// The route a path belongs to, as a bounded label (never the raw path, which readers choose).
pub fn route_label(path: &str, status: u16) -> &'static str {
    if status == 404 {
        return "unmatched";
    }
    let mut segments = path.trim_start_matches('/').splitn(2, '/');
    let first = segments.next().unwrap_or("");
    let nested = segments.next().is_some_and(|rest| !rest.is_empty());
    match (first, nested) {
        ("", _) => "/",
        ("reviews", true) => "/reviews/{slug}",
        ("films", true) => "/films/{slug}",
        ("films", false) => "/films",
        ("people", true) => "/people/{slug}",
        ("years", true) => "/years/{year}",
        ("years", false) => "/years",
        ("genres", true) => "/genres/{slug}",
        ("genres", false) => "/genres",
        ("tags", true) => "/tags/{slug}",
        ("tags", false) => "/tags",
        ("scores", true) => "/scores/{band}",
        ("scores", false) => "/scores",
        ("writers", true) => "/writers/{slug}",
        ("media", true) => "/media/{file}",
        ("static", true) => "/static/{file}",
        ("theme.css", false) => "/theme.css",
        ("robots.txt", false) => "/robots.txt",
        ("healthz", false) => "/healthz",
        ("readyz", false) => "/readyz",
        ("metrics", false) => "/metrics",
        _ => "other",
    }
}

impl Metrics {
    pub fn observe(&self, method: &Method, route: &'static str, status: u16, seconds: f64) {
        // Methods are a fixed set of labels: a client cannot mint new series with made-up ones.
        let method = match *method {
            Method::GET => "GET",
            Method::HEAD => "HEAD",
            Method::POST => "POST",
            Method::PUT => "PUT",
            Method::PATCH => "PATCH",
            Method::DELETE => "DELETE",
            Method::OPTIONS => "OPTIONS",
            _ => "OTHER",
        };
        let mut requests = self.requests.lock().expect("metrics lock is never poisoned");
        let series = requests.entry((method, route, status)).or_default();
        series.count += 1;
        series.seconds += seconds;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                series.buckets[i] += 1;
            }
        }
    }

    /// The exposition text; `pool` is (connections open, idle, maximum).
    pub fn render(&self, pool: (u32, usize, u32)) -> String {
        let mut out = String::new();
        out.push_str("# HELP marquee_http_requests_total HTTP requests answered, by method, route and status.\n");
        out.push_str("# TYPE marquee_http_requests_total counter\n");
        let requests = self.requests.lock().expect("metrics lock is never poisoned");
        for ((method, route, status), series) in requests.iter() {
            let _ = writeln!(
                out,
                "marquee_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {}",
                series.count
            );
        }
        out.push_str("# HELP marquee_http_request_duration_seconds Time to answer, by method and route.\n");
        out.push_str("# TYPE marquee_http_request_duration_seconds histogram\n");
        let mut by_route: BTreeMap<(&str, &str), Series> = BTreeMap::new();
        for ((method, route, _), series) in requests.iter() {
            let total = by_route.entry((method, route)).or_default();
            total.count += series.count;
            total.seconds += series.seconds;
            for (i, n) in series.buckets.iter().enumerate() {
                total.buckets[i] += n;
            }
        }
        for ((method, route), series) in &by_route {
            let labels = format!("method=\"{method}\",route=\"{route}\"");
            for (bound, n) in BUCKETS.iter().zip(series.buckets) {
                let _ = writeln!(out, "marquee_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {n}");
            }
            let _ =
                writeln!(out, "marquee_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}", series.count);
            let _ = writeln!(out, "marquee_http_request_duration_seconds_sum{{{labels}}} {}", series.seconds);
            let _ = writeln!(out, "marquee_http_request_duration_seconds_count{{{labels}}} {}", series.count);
        }
        drop(requests);
        let counter = |out: &mut String, name: &str, help: &str, value: u64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}");
        };
        counter(
            &mut out,
            "marquee_page_cache_hits_total",
            "Pages answered from the page cache.",
            self.cache_hits.load(Ordering::Relaxed),
        );
        counter(
            &mut out,
            "marquee_page_cache_misses_total",
            "Pages rendered because the cache lacked them.",
            self.cache_misses.load(Ordering::Relaxed),
        );
        let (open, idle, max) = pool;
        let _ = writeln!(out, "# HELP marquee_db_pool_connections Database connections by state.\n# TYPE marquee_db_pool_connections gauge");
        let _ =
            writeln!(out, "marquee_db_pool_connections{{state=\"in_use\"}} {}", (open as usize).saturating_sub(idle));
        let _ = writeln!(out, "marquee_db_pool_connections{{state=\"idle\"}} {idle}");
        let _ = writeln!(out, "# HELP marquee_db_pool_max_connections The pool's limit.\n# TYPE marquee_db_pool_max_connections gauge\nmarquee_db_pool_max_connections {max}");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_bounded_labels() {
        assert_eq!(route_label("/reviews/heat-1995", 200), "/reviews/{slug}");
        assert_eq!(route_label("/", 200), "/");
        assert_eq!(route_label("/years", 200), "/years");
        assert_eq!(route_label("/anything/at/all", 404), "unmatched");
        assert_eq!(route_label("/wp-login.php", 200), "other");
        let metrics = Metrics::default();
        metrics.observe(&Method::from_bytes(b"BREW").unwrap(), "/", 405, 0.001);
        assert!(metrics.render((0, 0, 1)).contains(r#"method="OTHER""#));
    }

    #[test]
    fn the_histogram_counts_each_request_in_its_buckets() {
        let metrics = Metrics::default();
        metrics.observe(&Method::GET, "/", 200, 0.003);
        metrics.observe(&Method::GET, "/", 200, 0.2);
        let text = metrics.render((3, 2, 8));
        assert!(text.contains(r#"marquee_http_requests_total{method="GET",route="/",status="200"} 2"#), "{text}");
        assert!(text.contains(r#"marquee_http_request_duration_seconds_bucket{method="GET",route="/",le="0.005"} 1"#));
        assert!(text.contains(r#"marquee_http_request_duration_seconds_bucket{method="GET",route="/",le="0.5"} 2"#));
        assert!(text.contains(r#"marquee_http_request_duration_seconds_count{method="GET",route="/"} 2"#));
        assert!(text.contains(r#"marquee_db_pool_connections{state="in_use"} 1"#));
    }
}
