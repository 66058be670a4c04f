//! Storage conformance suite run against every backend
