//! Fake GitHub and PyPI servers for integration tests: a tiny_http server on
//! `127.0.0.1:0` that answers from a route table and records every request.
//!
//! # Using it from a test file
//!
//! ```ignore
//! mod fake;                       // tests/fake/mod.rs (no #[path] needed from tests/*.rs)
//!
//! let server = fake::github::all_good().start();
//! // library tests: point a client at it
//! let mut config = pyrel::testing::remote::GithubConfig::new(fake::github::OWNER, fake::github::REPO);
//! config.api_base = server.url().to_owned();
//! // CLI tests: give the binary the env, and a repo whose `origin` is
//! // https://github.com/octocat/Hello-World.git
//! cmd.envs(server.github_env(fake::github::TOKEN));
//! // afterwards
//! assert!(server.requests().iter().all(|r| r.header("authorization").is_some()));
//! ```
//!
//! Scenarios (`fake::github::*`, `fake::pypi::*`) return a [`Routes`] builder, so a
//! test can start from one and change a route with [`Routes::route`] /
//! [`Routes::remove`] before calling [`Routes::start`]. Bodies come from GitHub's
//! documented examples (`tests/data/github-api-examples.json`, a copy of
//! `shared/data/github-api-examples.json`), edited only where a scenario needs it.
//! Unknown routes answer GitHub's 404 `{"message": "Not Found"}`.
//!
//! The server stops when the [`FakeServer`] is dropped: the accept loop polls a stop
//! flag every 20 ms and delayed replies sleep in 10 ms steps, so nothing outlives the
//! test and no loop is unbounded.
#![allow(dead_code)]

pub mod github;
pub mod live;
pub mod pypi;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// One canned answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Wait this long before answering (for timeout tests).
    pub delay: Duration,
}

impl Reply {
    /// A JSON answer with `Content-Type: application/json; charset=utf-8`.
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Reply {
            status,
            headers: vec![(
                "Content-Type".into(),
                "application/json; charset=utf-8".into(),
            )],
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }

    /// GitHub's `basic-error` shape: `{"message", "documentation_url", "status"}`.
    pub fn error(status: u16, message: &str) -> Self {
        Self::json(
            status,
            &serde_json::json!({
                "message": message,
                "documentation_url": "https://docs.github.com/rest",
                "status": status.to_string(),
            }),
        )
    }

    /// Adds a header; `{base}` in the value becomes the server's URL (for `Link`).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// Answers requests from state instead of a fixed table (see [`live`]); `None` falls
/// through to the routes.
pub type Handler = Arc<dyn Fn(&Recorded) -> Option<Reply> + Send + Sync>;

#[derive(Clone, Default)]
struct HandlerSlot(Option<Handler>);

/// Rewrites every reply body just before it is sent (values known only at request
/// time, such as the commit a pushed tag points at).
pub type Rewrite = Arc<dyn Fn(&str) -> String + Send + Sync>;

#[derive(Clone, Default)]
struct RewriteSlot(Option<Rewrite>);

impl std::fmt::Debug for RewriteSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "rewrite" } else { "none" })
    }
}

impl std::fmt::Debug for HandlerSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "handler" } else { "none" })
    }
}

#[derive(Debug, Clone)]
struct Route {
    method: String,
    /// Exact path (query excluded), or a prefix when it ends with `*`.
    path: String,
    /// Served in order; the last one repeats.
    replies: Vec<Reply>,
    served: usize,
}

impl Route {
    fn matches(&self, method: &str, path: &str) -> bool {
        self.method == method
            && match self.path.strip_suffix('*') {
                Some(prefix) => path.starts_with(prefix),
                None => self.path == path,
            }
    }
}

/// The route table of a fake server, built before it starts.
#[derive(Debug, Clone, Default)]
pub struct Routes {
    routes: Vec<Route>,
    /// The first N requests, whatever the path, get these replies (rate limits).
    first: Vec<Reply>,
    /// Every request gets this reply (401, 500, ...), after `first`.
    always: Option<Reply>,
    /// Added to every reply (slow server).
    delay: Duration,
    /// Consulted after `first`/`always`, before the routes.
    handler: HandlerSlot,
    rewrite: RewriteSlot,
}

impl Routes {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the reply of `METHOD path`, replacing an existing route.
    pub fn route(self, method: &str, path: &str, reply: Reply) -> Self {
        self.route_seq(method, path, vec![reply])
    }

    /// Sets replies served in order (the last repeats), replacing an existing route.
    pub fn route_seq(mut self, method: &str, path: &str, replies: Vec<Reply>) -> Self {
        assert!(!replies.is_empty(), "a route needs at least one reply");
        self.routes
            .retain(|r| !(r.method == method && r.path == path));
        self.routes.push(Route {
            method: method.into(),
            path: path.into(),
            replies,
            served: 0,
        });
        self
    }

    /// Drops `METHOD path`: it then answers 404 Not Found.
    pub fn remove(mut self, method: &str, path: &str) -> Self {
        self.routes
            .retain(|r| !(r.method == method && r.path == path));
        self
    }

    /// The reply of `METHOD path` as configured (to derive a variant from it).
    pub fn reply_of(&self, method: &str, path: &str) -> Option<&Reply> {
        self.routes
            .iter()
            .find(|r| r.method == method && r.path == path)
            .and_then(|r| r.replies.last())
    }

    /// The first requests (one per reply given), on any path, get these replies.
    pub fn first_requests(mut self, replies: Vec<Reply>) -> Self {
        self.first = replies;
        self
    }

    /// Every request gets `reply`, whatever the routes say.
    pub fn always(mut self, reply: Reply) -> Self {
        self.always = Some(reply);
        self
    }

    /// Answers from `handler` whenever it returns a reply (a stateful fake).
    pub fn handler(mut self, handler: Handler) -> Self {
        self.handler = HandlerSlot(Some(handler));
        self
    }

    /// Every reply body passes through `rewrite` before it is sent.
    pub fn rewrite(mut self, rewrite: Rewrite) -> Self {
        self.rewrite = RewriteSlot(Some(rewrite));
        self
    }

    /// Every reply waits `delay` first.
    pub fn delay_all(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    fn answer(&mut self, recorded: &Recorded, seen: usize) -> Reply {
        let (method, path) = (recorded.method.as_str(), recorded.path());
        let mut reply = if let Some(first) = self.first.get(seen) {
            first.clone()
        } else if let Some(always) = &self.always {
            always.clone()
        } else if let Some(reply) = self.handler.0.as_ref().and_then(|h| h(recorded)) {
            reply
        } else if let Some(route) = self
            .routes
            .iter_mut()
            .rev()
            .find(|r| r.matches(method, path))
        {
            let reply = route.replies[route.served.min(route.replies.len() - 1)].clone();
            route.served += 1;
            reply
        } else {
            Reply::error(404, "Not Found")
        };
        reply.delay += self.delay;
        if let Some(rewrite) = &self.rewrite.0 {
            reply.body = rewrite(&reply.body);
        }
        reply
    }

    /// Starts the server on a random local port.
    pub fn start(self) -> FakeServer {
        FakeServer::start(self)
    }
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path with query string.
    pub url: String,
    /// Names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Recorded {
    /// The path without the query string.
    pub fn path(&self) -> &str {
        self.url.split('?').next().unwrap_or(&self.url)
    }

    /// A header value by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

struct Shared {
    url: String,
    routes: Mutex<Routes>,
    requests: Mutex<Vec<Recorded>>,
    stop: AtomicBool,
}

/// A running fake server; stops (and joins its threads) on drop.
pub struct FakeServer {
    url: String,
    shared: Arc<Shared>,
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
}

impl FakeServer {
    fn start(routes: Routes) -> Self {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind 127.0.0.1:0"));
        let addr = server
            .server_addr()
            .to_ip()
            .expect("the fake server listens on TCP");
        let url = format!("http://{addr}");
        let shared = Arc::new(Shared {
            url: url.clone(),
            routes: Mutex::new(routes),
            requests: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let thread = {
            let server = Arc::clone(&server);
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || accept_loop(&server, &shared))
        };
        FakeServer {
            url,
            shared,
            server,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`, no trailing slash: the API base / index URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// How many requests hit `METHOD path` (query ignored).
    pub fn hits(&self, method: &str, path: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.method == method && r.path() == path)
            .count()
    }

    /// Environment for running the pyrel binary against this server as GitHub:
    /// `GITHUB_API_URL`, `GH_TOKEN`, and `PYREL_NO_GH` so a developer's `gh` login
    /// is never used.
    pub fn github_env(&self, token: &str) -> Vec<(String, String)> {
        vec![
            ("GITHUB_API_URL".into(), self.url.clone()),
            ("GH_TOKEN".into(), token.into()),
            ("PYREL_NO_GH".into(), "1".into()),
        ]
    }

    /// Environment for running the pyrel binary against this server as PyPI.
    pub fn pypi_env(&self) -> Vec<(String, String)> {
        vec![("PYREL_PYPI_URL".into(), self.url.clone())]
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn accept_loop(server: &tiny_http::Server, shared: &Arc<Shared>) {
    let mut workers = Vec::new();
    while !shared.stop.load(Ordering::SeqCst) {
        match server.recv_timeout(Duration::from_millis(20)) {
            Ok(Some(request)) => {
                let shared = Arc::clone(shared);
                workers.push(std::thread::spawn(move || serve(request, &shared)));
            }
            Ok(None) => {}
            Err(_) => break,
        }
    }
    for worker in workers {
        let _ = worker.join();
    }
}

fn serve(mut request: tiny_http::Request, shared: &Shared) {
    // Bytes, read lossily: an upload's multipart body holds a binary wheel.
    let mut bytes = Vec::new();
    let _ = std::io::Read::read_to_end(request.as_reader(), &mut bytes);
    let body = String::from_utf8_lossy(&bytes).into_owned();
    let recorded = Recorded {
        method: request.method().as_str().to_owned(),
        url: request.url().to_owned(),
        headers: request
            .headers()
            .iter()
            .map(|h| {
                (
                    h.field.as_str().as_str().to_ascii_lowercase(),
                    h.value.as_str().to_owned(),
                )
            })
            .collect(),
        body,
    };
    let reply = {
        let mut requests = shared.requests.lock().unwrap();
        let seen = requests.len();
        requests.push(recorded.clone());
        shared.routes.lock().unwrap().answer(&recorded, seen)
    };
    // Sleep in small steps so dropping the server ends a slow reply promptly.
    let mut waited = Duration::ZERO;
    while waited < reply.delay {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let step = Duration::from_millis(10).min(reply.delay - waited);
        std::thread::sleep(step);
        waited += step;
    }
    let mut response = tiny_http::Response::from_string(reply.body).with_status_code(reply.status);
    for (name, value) in &reply.headers {
        let value = value.replace("{base}", &shared.url);
        if let Ok(header) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            response.add_header(header);
        }
    }
    let _ = request.respond(response);
}
