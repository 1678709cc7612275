//! Templates → Plan.
