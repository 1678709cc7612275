//! Keep a Changelog 1.1.0: read, seed, roll `[Unreleased]` into a release, compare links.
