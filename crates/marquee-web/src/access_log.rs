//! One line per request. A serving process formats it here, straight into a buffer each thread
//! keeps, and hands the bytes to its log's writer: no event, no field visitors, no allocation per
//! request, and the date part of the timestamp is made once a second. The line reads exactly as
//! `tracing`'s text or JSON output would, so the log stays one format:
//!
//! ```text
//! 2026-12-03T14:47:34.962190Z  INFO marquee_web::edge: request method=GET path=/ status=200 micros=41 client=127.0.0.1
//! ```

use axum::http::Method;
use std::cell::RefCell;
use std::fmt::Write;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Where formatted lines go (the process's log buffer).
pub type Sink = Arc<dyn Fn(&[u8]) + Send + Sync>;

/// How a line is written: as `tracing`'s text formatter or its JSON formatter would.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

/// Where a request's line goes.
#[derive(Clone, Default)]
pub enum AccessLog {
    /// A `tracing` event (INFO, target `marquee_web::edge`), for whatever subscriber is installed
    /// (tests, a library user).
    #[default]
    Tracing,
    /// Formatted here and handed to a sink: a serving process whose log filter lets the line through.
    Direct { sink: Sink, format: Format },
    /// Not logged (the filter keeps INFO of `marquee_web::edge` out).
    Off,
}

impl std::fmt::Debug for AccessLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AccessLog::Tracing => f.write_str("Tracing"),
            AccessLog::Direct { format, .. } => write!(f, "Direct({format:?})"),
            AccessLog::Off => f.write_str("Off"),
        }
    }
}

/// What a line says of a request.
pub struct Request<'a> {
    pub method: &'a Method,
    pub path: &'a str,
    pub status: u16,
    pub micros: u64,
    pub client: Option<IpAddr>,
}

thread_local! {
    /// The second the date part was made for, that part (`2026-12-03T14:47:34.`), and the line.
    static LINE: RefCell<(u64, String, String)> = RefCell::new((u64::MAX, String::new(), String::with_capacity(256)));
}

impl AccessLog {
    pub fn record(&self, request: &Request<'_>) {
        match self {
            AccessLog::Off => {}
            AccessLog::Tracing => {
                let client = request.client.map(|ip| ip.to_string()).unwrap_or_default();
                tracing::info!(
                    target: "marquee_web::edge",
                    method = %request.method,
                    path = %request.path,
                    status = request.status,
                    micros = request.micros,
                    client = %client,
                    "request"
                );
            }
            AccessLog::Direct { sink, format } => {
                let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
                LINE.with(|cell| {
                    let (second, prefix, line) = &mut *cell.borrow_mut();
                    if *second != now.as_secs() {
                        *second = now.as_secs();
                        prefix.clear();
                        date_prefix(now.as_secs(), prefix);
                    }
                    line.clear();
                    format_line(line, prefix, now.subsec_micros(), *format, request);
                    sink(line.as_bytes());
                });
            }
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SS.` of a Unix time, in UTC.
fn date_prefix(unix_seconds: u64, out: &mut String) {
    let days = (unix_seconds / 86_400) as i64;
    let seconds = unix_seconds % 86_400;
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    let _ = write!(
        out,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.",
        seconds / 3600,
        seconds % 3600 / 60,
        seconds % 60
    );
}

fn format_line(line: &mut String, prefix: &str, micros_of_second: u32, format: Format, request: &Request<'_>) {
    let Request { method, path, status, micros, client } = request;
    match format {
        Format::Text => {
            let _ = write!(
                line,
                "{prefix}{micros_of_second:06}Z  INFO marquee_web::edge: request method={method} path={path} \
                 status={status} micros={micros} client="
            );
            if let Some(ip) = client {
                let _ = write!(line, "{ip}");
            }
        }
        Format::Json => {
            let _ = write!(
                line,
                "{{\"timestamp\":\"{prefix}{micros_of_second:06}Z\",\"level\":\"INFO\",\"fields\":{{\"message\":\"request\",\
                 \"method\":\"{method}\",\"path\":\""
            );
            json_escaped(line, path);
            let _ = write!(line, "\",\"status\":{status},\"micros\":{micros},\"client\":\"");
            if let Some(ip) = client {
                let _ = write!(line, "{ip}");
            }
            line.push_str("\"},\"target\":\"marquee_web::edge\"}");
        }
    }
    line.push('\n');
}

/// `text` as the inside of a JSON string.
fn json_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    fn request<'a>(method: &'a Method, path: &'a str) -> Request<'a> {
        Request { method, path, status: 200, micros: 41, client: Some("127.0.0.1".parse().unwrap()) }
    }

    #[test]
    fn dates_are_civil_dates_in_utc() {
        for (seconds, expected) in [
            (0, "1970-01-01T00:00:00."),
            (951_782_400, "2000-02-29T00:00:00."),
            (1_796_309_254, "2026-12-03T14:47:34."),
            (4_102_444_799, "2099-12-31T23:59:59."),
        ] {
            let mut out = String::new();
            date_prefix(seconds, &mut out);
            assert_eq!(out, expected, "{seconds}");
        }
    }

    #[test]
    fn a_text_line_reads_as_tracings_own() {
        let mut line = String::new();
        format_line(&mut line, "2026-12-03T14:47:34.", 962_190, Format::Text, &request(&Method::GET, "/"));
        assert_eq!(
            line,
            "2026-12-03T14:47:34.962190Z  INFO marquee_web::edge: request method=GET path=/ status=200 micros=41 \
             client=127.0.0.1\n"
        );
        let mut line = String::new();
        let unknown = Request { client: None, ..request(&Method::HEAD, "/feed.xml") };
        format_line(&mut line, "2026-12-03T14:47:34.", 5, Format::Text, &unknown);
        assert!(line.starts_with("2026-12-03T14:47:34.000005Z  INFO"), "{line}");
        assert!(line.ends_with("method=HEAD path=/feed.xml status=200 micros=41 client=\n"), "{line}");
    }

    #[test]
    fn a_json_line_is_one_json_object_with_the_path_escaped() {
        let mut line = String::new();
        let path = "/search\"x\\y\u{1}";
        format_line(&mut line, "2026-12-03T14:47:34.", 962_190, Format::Json, &request(&Method::POST, path));
        assert!(line.ends_with('\n') && line.matches('\n').count() == 1);
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["timestamp"], "2026-12-03T14:47:34.962190Z");
        assert_eq!(value["level"], "INFO");
        assert_eq!(value["target"], "marquee_web::edge");
        assert_eq!(value["fields"]["message"], "request");
        assert_eq!(value["fields"]["method"], "POST");
        assert_eq!(value["fields"]["path"], path);
        assert_eq!(value["fields"]["status"], 200);
        assert_eq!(value["fields"]["micros"], 41);
        assert_eq!(value["fields"]["client"], "127.0.0.1");
    }

    #[test]
    fn a_direct_log_hands_each_line_to_its_sink_and_off_writes_nothing() {
        let lines = Arc::new(Mutex::new(Vec::<String>::new()));
        let kept = Arc::clone(&lines);
        let sink: Sink = Arc::new(move |bytes: &[u8]| kept.lock().unwrap().push(String::from_utf8_lossy(bytes).into()));
        let log = AccessLog::Direct { sink, format: Format::Text };
        log.record(&request(&Method::GET, "/a"));
        log.record(&request(&Method::GET, "/b"));
        AccessLog::Off.record(&request(&Method::GET, "/c"));
        let lines = lines.lock().unwrap();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].contains("path=/a ") && lines[1].contains("path=/b "), "{lines:?}");
        // The timestamp is now's, to the microsecond.
        let year: i32 = lines[0][..4].parse().unwrap();
        assert!((2024..2200).contains(&year), "{}", lines[0]);
        assert_eq!(&lines[0][26..27], "Z", "{}", lines[0]);
    }
}
