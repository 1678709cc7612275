//! HTTPS like the user's other tools: pyrel trusts the operating system's certificate
//! store, and `SSL_CERT_FILE` replaces it (a TLS-inspecting proxy's CA bundle), as curl and
//! pip do. A real TLS server (Python's `ssl`, on 127.0.0.1) with a certificate from a
//! private CA made by the real `openssl`: trusted with SSL_CERT_FILE, refused without it,
//! and then the hint names SSL_CERT_FILE and the PyPI variable, PYREL_PYPI_URL.

use crate::common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use common::{fixture, pyrel, require_tool, require_tools_python};
use serde_json::Value;

fn openssl(openssl: &Path, dir: &Path, args: &[&str]) {
    let out = Command::new(openssl)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A private CA (`ca.pem`) and a certificate for 127.0.0.1 it signed (`leaf.pem`).
fn certificates(dir: &Path) {
    let Some(bin) = require_tool("openssl") else {
        return;
    };
    openssl(
        &bin,
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=pyrel test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign",
        ],
    );
    openssl(
        &bin,
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            "leaf.key",
            "-out",
            "leaf.csr",
        ],
    );
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        &bin,
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-out",
            "leaf.pem",
            "-extfile",
            "leaf.ext",
        ],
    );
}

const SERVER: &str = r#"
import http.server, json, ssl, sys
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"message": "Not Found"}).encode()
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
server.socket = ctx.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
"#;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(dir: &Path) -> (Server, u16) {
    let Some(python) = require_tools_python() else {
        panic!("no python");
    };
    let mut child = Command::new(python)
        .args(["-c", SERVER])
        .arg(dir.join("leaf.pem"))
        .arg(dir.join("leaf.key"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("server said {line:?}"));
    (Server(child), port)
}

fn pypi_check(repo: &Path, base: &str, cert_file: Option<&Path>) -> Value {
    let mut cmd = pyrel(repo);
    cmd.args([
        "doctor",
        "--select",
        "pypi-version",
        "--format",
        "json",
        "--timeout",
        "5000",
    ])
    .env("PYREL_PYPI_URL", base)
    .env_remove("SSL_CERT_DIR");
    match cert_file {
        Some(f) => cmd.env("SSL_CERT_FILE", f),
        None => cmd.env_remove("SSL_CERT_FILE"),
    };
    let out = cmd.output().unwrap();
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "pypi-version")
        .unwrap()
        .clone()
}

#[test]
fn ssl_cert_file_is_trusted_and_an_unknown_issuer_gets_a_hint_naming_the_variables() {
    let certs = tempfile::tempdir().unwrap();
    certificates(certs.path());
    let (_server, port) = serve(certs.path());
    let base = format!("https://127.0.0.1:{port}");
    let repo = fixture("single-flat");
    pyrel(repo.path())
        .args(["init", "--yes"])
        .assert()
        .success();

    // The private CA via SSL_CERT_FILE: the check is answered (404: not on PyPI yet).
    let trusted = pypi_check(repo.path(), &base, Some(&certs.path().join("ca.pem")));
    assert_ne!(trusted["status"], "unknown", "{trusted}");

    // The system store does not know that CA: unknown, with a hint that says what to do.
    let refused = pypi_check(repo.path(), &base, None);
    assert_eq!(refused["status"], "unknown", "{refused}");
    let reason = refused["reason"].as_str().unwrap();
    assert!(reason.to_lowercase().contains("certificate"), "{reason}");
    assert!(reason.contains("SSL_CERT_FILE"), "{reason}");
    assert!(reason.contains("PYREL_PYPI_URL"), "{reason}");
    assert!(!reason.contains("GITHUB_API_URL"), "{reason}");
}

#[test]
fn doctor_help_documents_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let out = pyrel(dir.path())
        .args(["doctor", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for var in [
        "PYREL_PYPI_URL",
        "GITHUB_API_URL",
        "GH_TOKEN",
        "SSL_CERT_FILE",
    ] {
        assert!(help.contains(var), "{var} not in doctor --help:\n{help}");
    }
}
