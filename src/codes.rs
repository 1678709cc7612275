//! The stable identity of every check: an id (`PR001`) and a kebab-case name.
//!
//! Users put these in `--select`, `--ignore`, `doctor-ignore` and their CI scripts, so
//! they never change once released. A test proves ids and names are unique, and a
//! snapshot of the full list makes a rename show up in review (cargo-deny's habit).
//!
//! Numbering: PR0xx the setup files, PR1xx versions, PR2xx credentials, PR3xx the live
//! GitHub and PyPI state.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Code {
    ManagedFileDrift,
    Policy,
    ReleaseWorkflow,
    VersionFormat,
    VersionSync,
    SiblingPins,
    TagVersion,
    Changelog,
    CommittedCredential,
    GitignoreCredentials,
    GithubEnvironments,
    GithubSecrets,
    BranchProtection,
    PypiVersion,
}

impl Code {
    /// Every code, in report order.
    pub(crate) const ALL: &'static [Code] = &[
        Code::ManagedFileDrift,
        Code::Policy,
        Code::ReleaseWorkflow,
        Code::VersionFormat,
        Code::VersionSync,
        Code::SiblingPins,
        Code::TagVersion,
        Code::Changelog,
        Code::CommittedCredential,
        Code::GitignoreCredentials,
        Code::GithubEnvironments,
        Code::GithubSecrets,
        Code::BranchProtection,
        Code::PypiVersion,
    ];

    /// The stable id, e.g. `PR001`.
    pub const fn id(self) -> &'static str {
        match self {
            Code::ManagedFileDrift => "PR001",
            Code::Policy => "PR002",
            Code::ReleaseWorkflow => "PR003",
            Code::VersionFormat => "PR101",
            Code::VersionSync => "PR102",
            Code::SiblingPins => "PR103",
            Code::TagVersion => "PR104",
            Code::Changelog => "PR105",
            Code::CommittedCredential => "PR201",
            Code::GitignoreCredentials => "PR202",
            Code::GithubEnvironments => "PR301",
            Code::GithubSecrets => "PR302",
            Code::BranchProtection => "PR303",
            Code::PypiVersion => "PR304",
        }
    }

    /// The stable kebab-case name, e.g. `managed-file-drift`.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Code::ManagedFileDrift => "managed-file-drift",
            Code::Policy => "policy",
            Code::ReleaseWorkflow => "release-workflow",
            Code::VersionFormat => "version-format",
            Code::VersionSync => "version-sync",
            Code::SiblingPins => "sibling-pins",
            Code::TagVersion => "tag-version",
            Code::Changelog => "changelog",
            Code::CommittedCredential => "committed-credential",
            Code::GitignoreCredentials => "gitignore-credentials",
            Code::GithubEnvironments => "github-environments",
            Code::GithubSecrets => "github-secrets",
            Code::BranchProtection => "branch-protection",
            Code::PypiVersion => "pypi-version",
        }
    }

    /// A code by id or name, case-insensitively (`pr102`, `version-sync`).
    pub(crate) fn lookup(text: &str) -> Option<Code> {
        let text = text.trim();
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.id().eq_ignore_ascii_case(text) || c.name().eq_ignore_ascii_case(text))
    }

    /// The closest name, for "did you mean" on a typo.
    pub(crate) fn suggest(text: &str) -> Option<Code> {
        Code::ALL
            .iter()
            .copied()
            .map(|c| (strsim::jaro_winkler(text, c.name()), c))
            .filter(|(score, _)| *score > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, c)| c)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.id(), self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn ids_and_names_are_unique_and_well_formed() {
        let ids: BTreeSet<_> = Code::ALL.iter().map(|c| c.id()).collect();
        let names: BTreeSet<_> = Code::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(ids.len(), Code::ALL.len());
        assert_eq!(names.len(), Code::ALL.len());
        for c in Code::ALL {
            assert!(c.id().len() == 5 && c.id().starts_with("PR"), "{c}");
            assert!(c.id()[2..].chars().all(|d| d.is_ascii_digit()), "{c}");
            assert!(
                c.name()
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch == '-'),
                "{c}"
            );
            assert_eq!(Code::lookup(c.id()), Some(*c));
            assert_eq!(Code::lookup(&c.name().to_uppercase()), Some(*c));
        }
    }

    #[test]
    fn the_list_of_codes_is_reviewed() {
        let list: Vec<String> = Code::ALL.iter().map(ToString::to_string).collect();
        insta::assert_snapshot!(list.join("\n"));
    }

    #[test]
    fn typos_get_a_suggestion() {
        assert_eq!(Code::suggest("version-synk"), Some(Code::VersionSync));
        assert_eq!(Code::lookup("nope"), None);
    }
}
