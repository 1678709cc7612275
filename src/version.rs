//! PEP 440 versions and the bump rules of `uv version --bump`.
