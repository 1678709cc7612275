//! One HTTP round trip with pyrel's rules: timeouts, one bounded retry on rate limits,
//! and every failure mapped to a [`RemoteError`] with redacted server text.

use std::time::Duration;

use super::{clean_json, server_text, RemoteError, Secret};

/// Longest server text kept in an error message: enough for GitHub's one-line
/// messages, short enough that an HTML error page does not flood the terminal.
const MAX_MESSAGE_CHARS: usize = 300;

/// Redirects followed for one request (a renamed repository answers 301 to a read and
/// 307 to a write).
const MAX_REDIRECTS: usize = 5;

/// `(scheme, host, port)` of a URL, the port made explicit.
fn origin_of(url: &str) -> Option<(String, String, u16)> {
    let u = url::Url::parse(url).ok()?;
    Some((
        u.scheme().to_owned(),
        u.host_str()?.to_ascii_lowercase(),
        u.port_or_known_default()?,
    ))
}

/// A blocking client shared by the GitHub and PyPI clients: cheap to clone (clones share
/// one agent) and safe to use from many threads. The agent, and with it the TLS root
/// certificates it loads from the system, is made on the first request: a run that asks
/// nothing remote (`doctor --offline`) never reads the certificate store.
#[derive(Clone)]
pub(crate) struct Http {
    agent: std::sync::Arc<std::sync::OnceLock<ureq::Agent>>,
    timeout: Duration,
    retry_cap: Duration,
}

/// One request, described without ureq types so the callers stay small.
pub(crate) struct Call<'a> {
    pub method: &'static str,
    pub url: &'a str,
    /// `METHOD /path` for messages: no host, no query, never a token.
    pub endpoint: &'a str,
    pub headers: &'a [(&'static str, String)],
    pub body: Option<&'a serde_json::Value>,
    pub secrets: &'a [&'a Secret],
    /// Whether an `Authorization` header was sent: a 401 then means a bad token
    /// rather than a missing one.
    pub authenticated: bool,
}

/// A success: the body, and the next page's URL when the server paginates (`Link`).
pub(crate) struct Answer {
    pub body: String,
    pub next: Option<String>,
}

impl Http {
    pub fn new(timeout: Duration, retry_cap: Duration) -> Self {
        Http {
            agent: Default::default(),
            timeout,
            retry_cap,
        }
    }

    fn agent(&self) -> &ureq::Agent {
        self.agent.get_or_init(|| {
            ureq::AgentBuilder::new()
                .timeout_connect(self.timeout)
                .timeout(self.timeout)
                // Redirects are followed by `once` itself: ureq's own rule keeps the token
                // on the same host even when the scheme or port changes.
                .redirects(0)
                .user_agent(&format!("pyrel/{}", env!("CARGO_PKG_VERSION")))
                .build()
        })
    }

    /// Sends the request; a rate limit whose `Retry-After` is within the retry cap is
    /// waited out and retried once, anything longer is reported.
    pub fn call(&self, call: &Call<'_>) -> Result<Answer, RemoteError> {
        match self.once(call) {
            Err(RemoteError::RateLimited {
                retry_after: Some(wait),
                ..
            }) if wait <= self.retry_cap => {
                std::thread::sleep(wait);
                self.once(call)
            }
            other => other,
        }
    }

    /// One request, following at most [`MAX_REDIRECTS`] redirects. The `Authorization`
    /// header goes only to the origin (scheme, host and port) of the first URL: a
    /// redirect anywhere else is followed without it. A read follows any redirect; a
    /// write (anything but `GET`/`HEAD`) follows only a same-origin 307 or 308, which
    /// keep its method and body: a 301/302/303 would be replayed as a GET and its answer
    /// taken for the write's, so it is a [`RemoteError::Redirected`] instead. The rule of
    /// docs/security.md (Redirects).
    fn once(&self, call: &Call<'_>) -> Result<Answer, RemoteError> {
        let origin = origin_of(call.url);
        let mut url = call.url.to_owned();
        let is_read = matches!(call.method, "GET" | "HEAD");
        for _ in 0..=MAX_REDIRECTS {
            let same_origin = origin.is_some() && origin_of(&url) == origin;
            let mut request = self.agent().request(call.method, &url);
            for (name, value) in call.headers {
                if !same_origin && name.eq_ignore_ascii_case("authorization") {
                    continue;
                }
                request = request.set(name, value);
            }
            let result = match call.body {
                Some(b) => request.send_json(b),
                None => request.call(),
            };
            let response = match result {
                Ok(r) if (300..400).contains(&r.status()) => r,
                other => return self.finish(call, other),
            };
            let status = response.status();
            let location = response.header("location").map(str::to_owned);
            let Some(next) = location
                .as_deref()
                .and_then(|l| url::Url::parse(&url).ok()?.join(l).ok())
                .filter(|u| matches!(u.scheme(), "http" | "https"))
            else {
                return Err(RemoteError::Status {
                    endpoint: call.endpoint.to_owned(),
                    status,
                    message: "redirect without a usable Location".into(),
                });
            };
            let keeps_method = matches!(status, 307 | 308);
            if !is_read && (!keeps_method || origin_of(next.as_str()) != origin) {
                return Err(RemoteError::Redirected {
                    endpoint: call.endpoint.to_owned(),
                    status,
                    location: server_text(next.as_str(), call.secrets),
                });
            }
            url = next.to_string();
        }
        Err(RemoteError::Status {
            endpoint: call.endpoint.to_owned(),
            status: 310,
            message: format!("more than {MAX_REDIRECTS} redirects"),
        })
    }

    fn finish(
        &self,
        call: &Call<'_>,
        result: Result<ureq::Response, ureq::Error>,
    ) -> Result<Answer, RemoteError> {
        match result {
            Ok(response) => {
                let next = response.header("link").and_then(link_next);
                let body = response
                    .into_string()
                    .map_err(|e| self.io_error(call, &e))?;
                Ok(Answer {
                    body: clean_body(body, call.secrets),
                    next,
                })
            }
            Err(ureq::Error::Status(status, response)) => Err(status_error(call, status, response)),
            Err(ureq::Error::Transport(transport)) => Err(self.transport_error(call, &transport)),
        }
    }

    fn io_error(&self, call: &Call<'_>, error: &std::io::Error) -> RemoteError {
        if is_timeout(error) {
            RemoteError::Timeout {
                endpoint: call.endpoint.to_owned(),
                after: self.timeout,
            }
        } else {
            RemoteError::Network {
                endpoint: call.endpoint.to_owned(),
                message: server_text(&error.to_string(), call.secrets),
            }
        }
    }

    fn transport_error(&self, call: &Call<'_>, transport: &ureq::Transport) -> RemoteError {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(transport);
        let mut root = None;
        while let Some(error) = source {
            if let Some(io) = error.downcast_ref::<std::io::Error>() {
                if is_timeout(io) {
                    return RemoteError::Timeout {
                        endpoint: call.endpoint.to_owned(),
                        after: self.timeout,
                    };
                }
            }
            root = Some(error);
            source = error.source();
        }
        let mut message = transport.kind().to_string();
        if let Some(detail) = transport.message() {
            message = format!("{message}: {detail}");
        }
        if let Some(root) = root.filter(|r| !std::ptr::addr_eq(*r, transport)) {
            message = format!("{message}: {root}");
        }
        RemoteError::Network {
            endpoint: call.endpoint.to_owned(),
            message: server_text(&message, call.secrets),
        }
    }
}

fn is_timeout(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
    )
}

fn status_error(call: &Call<'_>, status: u16, response: ureq::Response) -> RemoteError {
    let header = |name: &str| {
        response
            .header(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let retry_after = header("retry-after").and_then(|v| parse_retry_after(&v));
    let remaining = header("x-ratelimit-remaining");
    let reset = header("x-ratelimit-reset").and_then(|v| v.parse::<u64>().ok());
    let permission = header("x-accepted-github-permissions")
        .or_else(|| header("x-accepted-oauth-scopes"))
        .map(|p| server_text(&p, call.secrets));
    let body = response.into_string().unwrap_or_default();
    let message = error_message(&body, call.secrets);
    let endpoint = call.endpoint.to_owned();

    // GitHub signals both its primary (quota) and secondary (burst) limits with 403 or
    // 429; the headers or the wording tell them apart from a permission problem.
    let rate_limited = status == 429
        || (status == 403
            && (remaining.as_deref() == Some("0")
                || retry_after.is_some()
                || message.to_ascii_lowercase().contains("rate limit")));
    match status {
        _ if rate_limited => RemoteError::RateLimited {
            endpoint,
            retry_after,
            reset,
        },
        401 => RemoteError::Unauthorized {
            endpoint,
            authenticated: call.authenticated,
            message,
        },
        403 => RemoteError::Forbidden {
            endpoint,
            plan_required: message.contains("Upgrade to GitHub Pro")
                || message.contains("make this repository public"),
            permission,
            message,
        },
        404 => RemoteError::NotFound { endpoint, message },
        500..=599 => RemoteError::Server {
            endpoint,
            status,
            message,
        },
        _ => RemoteError::Status {
            endpoint,
            status,
            message,
        },
    }
}

/// `Retry-After` is either delay-seconds or an HTTP date (RFC 9110 §10.2.3).
fn parse_retry_after(value: &str) -> Option<Duration> {
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = jiff::fmt::rfc2822::parse(value).ok()?;
    let wait = at.timestamp().as_second() - jiff::Timestamp::now().as_second();
    Some(Duration::from_secs(u64::try_from(wait).unwrap_or(0)))
}

/// A success's body as the clients decode it: when it is JSON, every string in it has
/// been through [`server_text`] (redacted, nothing that steers a terminal), so whatever
/// field a caller prints later is already safe. A body that is not JSON is left as is:
/// the decoders refuse it, and their messages never quote it.
fn clean_body(body: String, secrets: &[&Secret]) -> String {
    match serde_json::from_str::<serde_json::Value>(&body) {
        Ok(mut value) => {
            clean_json(&mut value, secrets);
            value.to_string()
        }
        Err(_) => body,
    }
}

/// The `rel="next"` URL of a `Link` header.
fn link_next(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"");
        let url = url.trim().strip_prefix('<')?.strip_suffix('>')?;
        is_next.then(|| url.to_owned())
    })
}

/// The human part of an error body: GitHub's `basic-error` / `validation-error`
/// `message` (plus the validation `errors`), else the start of the raw body.
/// Redacted before it is cut, so a cut can never leave half a token visible.
fn error_message(body: &str, secrets: &[&Secret]) -> String {
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        message: Option<String>,
        #[serde(default)]
        errors: Vec<serde_json::Value>,
    }
    let text = match serde_json::from_str::<ErrorBody>(body) {
        Ok(ErrorBody {
            message: Some(message),
            errors,
        }) => {
            let details: Vec<String> = errors
                .iter()
                .filter_map(|e| match e {
                    serde_json::Value::String(s) => Some(s.clone()),
                    serde_json::Value::Object(o) => o
                        .get("message")
                        .or_else(|| o.get("code"))
                        .and_then(|m| m.as_str())
                        .map(str::to_owned),
                    _ => None,
                })
                .collect();
            if details.is_empty() {
                message
            } else {
                format!("{message}: {}", details.join("; "))
            }
        }
        _ if body.trim_start().starts_with('<') => String::new(),
        _ => body.trim().to_owned(),
    };
    let text = server_text(
        &text.split_whitespace().collect::<Vec<_>>().join(" "),
        secrets,
    );
    if text.chars().count() > MAX_MESSAGE_CHARS {
        let cut: String = text.chars().take(MAX_MESSAGE_CHARS).collect();
        format!("{cut}…")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_header_next_page() {
        let link = r#"<https://api.github.com/repositories/1/environments?page=2>; rel="next", <https://api.github.com/repositories/1/environments?page=5>; rel="last""#;
        assert_eq!(
            link_next(link).as_deref(),
            Some("https://api.github.com/repositories/1/environments?page=2")
        );
        assert_eq!(link_next(r#"<https://x/?page=1>; rel="prev""#), None);
    }

    #[test]
    fn error_messages_from_documented_error_schemas() {
        assert_eq!(
            error_message(
                r#"{"message":"Branch not protected","documentation_url":"https://docs.github.com/rest"}"#,
                &[]
            ),
            "Branch not protected"
        );
        assert_eq!(
            error_message(
                r#"{"message":"Validation Failed","errors":["Invalid request.","No subschema matched"],"documentation_url":"x"}"#,
                &[]
            ),
            "Validation Failed: Invalid request.; No subschema matched"
        );
        assert_eq!(
            error_message("<html><body>Bad gateway</body></html>", &[]),
            ""
        );
        assert_eq!(error_message("  plain\n text ", &[]), "plain text");
        assert_eq!(
            error_message(&"x".repeat(1000), &[]).chars().count(),
            MAX_MESSAGE_CHARS + 1
        );
    }

    #[test]
    fn long_bodies_are_redacted_before_they_are_cut() {
        let token = Secret::new("ghp_FAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE0000");
        let body = format!("{}{}", "x".repeat(MAX_MESSAGE_CHARS - 10), token.expose());
        let m = error_message(&body, &[&token]);
        assert!(!m.contains("ghp_FAKE"), "{m}");
        assert!(m.contains("***"), "{m}");
    }

    #[test]
    fn origins_include_scheme_and_port() {
        assert_eq!(
            origin_of("https://api.github.com/x"),
            Some(("https".into(), "api.github.com".into(), 443))
        );
        assert_ne!(
            origin_of("http://127.0.0.1:1/a"),
            origin_of("http://127.0.0.1:2/a")
        );
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
