//! The policy: `[tool.pyrel]` or `pyrel.toml`.
