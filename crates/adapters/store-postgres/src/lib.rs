//! PostgreSQL storage backend
