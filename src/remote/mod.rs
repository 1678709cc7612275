//! GitHub REST and PyPI JSON API clients.
