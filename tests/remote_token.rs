//! Token discovery order. One test in its own binary: it changes the process
//! environment, which must not race with other tests' threads.

use std::os::unix::fs::PermissionsExt;

use pyrel::testing::remote::{token_from_env, TokenSource};

const GH: &str = "ghp_FAKE1111111111111111111111111111111111";
const GITHUB: &str = "ghp_FAKE2222222222222222222222222222222222";
const CLI: &str = "gho_FAKE3333333333333333333333333333333333";

#[test]
fn gh_token_then_github_token_then_gh_cli() {
    // A `gh` that prints a fake token, first on PATH.
    let dir = tempfile::tempdir().unwrap();
    let gh = dir.path().join("gh");
    std::fs::write(
        &gh,
        format!("#!/bin/sh\n[ \"$1 $2\" = \"auth token\" ] && echo {CLI}\n"),
    )
    .unwrap();
    std::fs::set_permissions(&gh, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = std::env::join_paths(std::iter::once(dir.path().to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    std::env::set_var("PATH", path);

    std::env::set_var("GH_TOKEN", GH);
    std::env::set_var("GITHUB_TOKEN", GITHUB);
    std::env::set_var("PYREL_NO_GH", "1");
    let (token, source) = token_from_env().unwrap();
    assert_eq!((token.expose(), source), (GH, TokenSource::GhTokenEnv));
    assert_eq!(format!("{token} {token:?}"), "*** ***");

    std::env::set_var("GH_TOKEN", "  ");
    let (token, source) = token_from_env().unwrap();
    assert_eq!(
        (token.expose(), source),
        (GITHUB, TokenSource::GithubTokenEnv)
    );

    std::env::remove_var("GH_TOKEN");
    std::env::remove_var("GITHUB_TOKEN");
    assert!(token_from_env().is_none(), "PYREL_NO_GH skips gh");

    std::env::remove_var("PYREL_NO_GH");
    let (token, source) = token_from_env().unwrap();
    assert_eq!((token.expose(), source), (CLI, TokenSource::GhCli));
    assert_eq!(source.to_string(), "`gh auth token`");

    // A logged-out gh (no output, failure) means no token.
    std::fs::write(&gh, "#!/bin/sh\necho 'not logged in' >&2\nexit 1\n").unwrap();
    assert!(token_from_env().is_none());
}
