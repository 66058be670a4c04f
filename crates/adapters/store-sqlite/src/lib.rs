//! SQLite storage backend
