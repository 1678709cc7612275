//! Output renderers: terminal, json, sarif.
