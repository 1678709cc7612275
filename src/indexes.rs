//! The package indexes pyrel publishes to and links at, in one place.

/// Base of the public Python Package Index (project pages and the JSON API).
pub(crate) const PYPI_BASE: &str = "https://pypi.org";
/// Base of TestPyPI.
pub(crate) const TESTPYPI_BASE: &str = "https://test.pypi.org";
/// TestPyPI's upload endpoint (`repository-url` of the publish action).
pub(crate) const TESTPYPI_UPLOAD: &str = "https://test.pypi.org/legacy/";
