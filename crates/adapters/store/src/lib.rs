//! Storage port: repository traits and records
