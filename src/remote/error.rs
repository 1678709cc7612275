//! What can go wrong talking to GitHub or PyPI, worded for the person running doctor.

use std::time::Duration;

/// A failed remote request. Every variant names the endpoint (`METHOD /path`, never a
/// token or a query string) and every text that came from the server has been through
/// [`crate::remote::redact`]. Doctor turns any of these into `status: unknown` with
/// the message as the reason and [`RemoteError::hint`] as the hint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemoteError {
    /// 401: no token was sent where one is needed, or the token is invalid or expired.
    #[error("{endpoint}: 401 Unauthorized: {}{}", if *authenticated { "the token is invalid or expired" } else { "this endpoint needs a token and none was sent" }, said(message))]
    Unauthorized {
        endpoint: String,
        authenticated: bool,
        message: String,
    },

    /// 403 that is not a rate limit: a missing token permission, or a feature the
    /// repository's plan does not include.
    #[error("{endpoint}: 403 Forbidden: {}", forbidden_text(permission.as_deref(), *plan_required, message))]
    Forbidden {
        endpoint: String,
        /// From `X-Accepted-GitHub-Permissions` (e.g. `secrets=read`) or, for classic
        /// tokens, `X-Accepted-OAuth-Scopes`.
        permission: Option<String>,
        /// GitHub answered "Upgrade to GitHub Pro or make this repository public".
        plan_required: bool,
        message: String,
    },

    /// 404: the resource does not exist, or the token cannot see it (GitHub answers 404
    /// rather than 403 for private repositories a token has no access to).
    #[error(
        "{endpoint}: 404 Not Found: it does not exist, or the token cannot see it{}",
        said(message)
    )]
    NotFound { endpoint: String, message: String },

    /// 429, or 403 with `x-ratelimit-remaining: 0` or `Retry-After`.
    #[error("{endpoint}: rate limited{}", rate_text(*retry_after, *reset))]
    RateLimited {
        endpoint: String,
        /// From `Retry-After`.
        retry_after: Option<Duration>,
        /// From `x-ratelimit-reset`: Unix time (seconds) when the quota refills.
        reset: Option<u64>,
    },

    /// 5xx.
    #[error("{endpoint}: server error {status}{}", said(message))]
    Server {
        endpoint: String,
        status: u16,
        message: String,
    },

    /// Any other non-success status (409 on an empty repository, 422 validation, ...).
    #[error("{endpoint}: unexpected status {status}{}", said(message))]
    Status {
        endpoint: String,
        status: u16,
        message: String,
    },

    /// A write answered with a redirect pyrel does not follow: 301, 302 and 303 would
    /// turn it into a GET (nothing written), and a 307/308 to another origin would lose
    /// the token. Only a same-origin 307/308 is followed for a write.
    #[error("{endpoint}: answered {status} with a redirect to {location}: not followed, nothing was written there{}", redirect_reason(*status))]
    Redirected {
        endpoint: String,
        status: u16,
        /// The `Location`, through `server_text` (redacted, escaped).
        location: String,
    },

    /// A list whose end pyrel did not reach: more pages than the bound, a `next` link
    /// that loops or leaves the API's origin, or fewer items than `total_count`. Nothing
    /// is decided on part of a list.
    #[error("{endpoint}: the list was not read to its end ({reason}); pyrel decides nothing on part of a list")]
    Incomplete { endpoint: String, reason: String },

    /// No answer within the configured timeout.
    #[error("{endpoint}: no answer within {} ms", after.as_millis())]
    Timeout { endpoint: String, after: Duration },

    /// Connection refused, DNS failure, TLS failure, connection reset, ...
    #[error("{endpoint}: network error: {message}")]
    Network { endpoint: String, message: String },

    /// A success status with a body that does not have the documented shape.
    #[error("{endpoint}: unexpected response: {message}")]
    Decode { endpoint: String, message: String },
}

/// The environment variable that moves the service an endpoint belongs to.
fn base_variable(endpoint: &str) -> &'static str {
    let path = endpoint.split_once(' ').map_or(endpoint, |(_, p)| p);
    if path.starts_with("/pypi/") || path.starts_with("/simple/") {
        "PYREL_PYPI_URL"
    } else {
        "GITHUB_API_URL"
    }
}

/// A TLS failure to verify the server's certificate (unknown issuer, expired, wrong name).
fn is_certificate_error(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("certificate") || m.contains("unknownissuer")
}

fn said(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(" (server said: {message})")
    }
}

fn redirect_reason(status: u16) -> &'static str {
    match status {
        301..=303 => " (a write follows only 307 and 308, which keep the method and body)",
        _ => " (the redirect leaves the API's origin, where the token is not sent)",
    }
}

fn forbidden_text(permission: Option<&str>, plan_required: bool, message: &str) -> String {
    if plan_required {
        format!(
            "this feature is not available on the repository's GitHub plan{}",
            said(message)
        )
    } else if let Some(permission) = permission {
        format!(
            "the token lacks the `{permission}` permission{}",
            said(message)
        )
    } else {
        format!("the token is not allowed to read this{}", said(message))
    }
}

fn rate_text(retry_after: Option<Duration>, reset: Option<u64>) -> String {
    match (retry_after, reset) {
        (Some(wait), _) => format!("; retry after {} s", wait.as_secs().max(1)),
        (None, Some(reset)) => match jiff::Timestamp::from_second(reset as i64) {
            Ok(at) => format!("; the quota resets at {at}"),
            Err(_) => format!("; the quota resets at Unix time {reset}"),
        },
        (None, None) => String::new(),
    }
}

impl RemoteError {
    /// A line telling the user how to get an answer next time.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            RemoteError::Unauthorized { authenticated: false, .. } => {
                "export a token as GH_TOKEN, or log in with `gh auth login`".into()
            }
            RemoteError::Unauthorized { .. } => {
                "create a new token (or run `gh auth login` again) and export it as GH_TOKEN".into()
            }
            RemoteError::Forbidden { plan_required: true, .. } => {
                "branch protection and environment rules on private repositories need a paid GitHub plan; upgrade, or make the repository public".into()
            }
            RemoteError::Forbidden { permission: Some(permission), .. } => format!(
                "give the token the `{permission}` repository permission (fine-grained token), or use a token of a repository admin"
            ),
            RemoteError::Forbidden { .. } => {
                "use a token with admin access to the repository: secrets, environments and branch protection are only visible to admins".into()
            }
            RemoteError::NotFound { .. } => {
                "check the owner/repo of the `origin` remote, and that the token has access to the repository".into()
            }
            RemoteError::RateLimited { .. } => {
                "wait for the quota to refill; authenticated requests (GH_TOKEN) get a much higher limit".into()
            }
            RemoteError::Server { .. } => "the service had a problem; try again later".into(),
            RemoteError::Status { .. } => return None,
            RemoteError::Redirected { endpoint, .. } => format!(
                "check {} and the repository's owner/name (a renamed or moved repository redirects); nothing was changed by this request",
                base_variable(endpoint)
            ),
            RemoteError::Incomplete { .. } => {
                "the answer may be incomplete or the server misbehaving; try again later, or check it with `gh api --paginate`".into()
            }
            RemoteError::Network { endpoint, message } if is_certificate_error(message) => format!(
                "pyrel trusts the operating system's certificate store, as curl does; behind a TLS-inspecting proxy, export SSL_CERT_FILE=/path/to/its-ca-bundle.pem (and check {} if set)",
                base_variable(endpoint)
            ),
            RemoteError::Timeout { endpoint, .. } | RemoteError::Network { endpoint, .. } => format!(
                "check the network connection, and {} if set",
                base_variable(endpoint)
            ),
            RemoteError::Decode { endpoint, .. } => format!(
                "check that {}, if set, points at the API",
                base_variable(endpoint)
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_endpoint_and_the_case() {
        let e = RemoteError::Forbidden {
            endpoint: "GET /repos/o/r/actions/secrets".into(),
            permission: Some("secrets=read".into()),
            plan_required: false,
            message: "Resource not accessible by integration".into(),
        };
        assert_eq!(
            e.to_string(),
            "GET /repos/o/r/actions/secrets: 403 Forbidden: the token lacks the `secrets=read` permission (server said: Resource not accessible by integration)"
        );
        assert!(e.hint().is_some_and(|h| h.contains("secrets=read")));

        let e = RemoteError::RateLimited {
            endpoint: "GET /x".into(),
            retry_after: None,
            reset: Some(1_700_000_000),
        };
        assert_eq!(
            e.to_string(),
            "GET /x: rate limited; the quota resets at 2023-11-14T22:13:20Z"
        );
        let e = RemoteError::Timeout {
            endpoint: "GET /x".into(),
            after: Duration::from_millis(300),
        };
        assert_eq!(e.to_string(), "GET /x: no answer within 300 ms");
    }
}
