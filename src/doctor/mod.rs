//! `pyrel doctor`: checks, findings, registry.
