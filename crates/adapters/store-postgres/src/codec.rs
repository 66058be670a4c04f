//! How records become PostgreSQL values: uuids as UUID, JSON as JSONB, timestamps as BIGINT
//! milliseconds; and how driver errors become [`StoreError`]s. The aggregate modules use only
//! these helpers, so they read the same in both backends.

use sb_store::{StoreError, StoreResult, Timestamp};
use serde_json::Value;
use sqlx::Row as _;

/// The connection every aggregate function takes (pooled or inside a transaction).
pub(crate) type Conn = sqlx::PgConnection;
/// A result row.
pub(crate) type Row = sqlx::postgres::PgRow;
/// How a uuid is bound.
pub(crate) type Key = uuid::Uuid;
/// How a JSON value is bound.
pub(crate) type Json = sqlx::types::Json<Value>;
/// The driver.
pub(crate) type Db = sqlx::Postgres;
/// Bound arguments.
pub(crate) type Args = sqlx::postgres::PgArguments;

/// Binds a uuid.
pub(crate) fn key(id: uuid::Uuid) -> Key {
    id
}

/// Binds a JSON value.
pub(crate) fn json(v: &Value) -> Json {
    sqlx::types::Json(v.clone())
}

/// Reads a uuid column.
pub(crate) fn get_uuid(row: &Row, col: &str) -> StoreResult<uuid::Uuid> {
    get(row, col)
}

/// Reads a nullable uuid column.
pub(crate) fn get_opt_uuid(row: &Row, col: &str) -> StoreResult<Option<uuid::Uuid>> {
    get(row, col)
}

/// Reads a JSON column.
pub(crate) fn get_json(row: &Row, col: &str) -> StoreResult<Value> {
    get::<Json>(row, col).map(|j| j.0)
}

/// Reads a nullable JSON column.
pub(crate) fn get_opt_json(row: &Row, col: &str) -> StoreResult<Option<Value>> {
    get::<Option<Json>>(row, col).map(|j| j.map(|j| j.0))
}

/// Reads a plain column.
pub(crate) fn get<'r, T>(row: &'r Row, col: &str) -> StoreResult<T>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get(col).map_err(|e| corrupt(col, e))
}

/// Reads a timestamp column.
pub(crate) fn get_ts(row: &Row, col: &str) -> StoreResult<Timestamp> {
    get::<i64>(row, col).map(Timestamp::from_millis)
}

/// Reads a nullable timestamp column.
pub(crate) fn get_opt_ts(row: &Row, col: &str) -> StoreResult<Option<Timestamp>> {
    get::<Option<i64>>(row, col).map(|v| v.map(Timestamp::from_millis))
}

/// Reads a non-negative count column.
pub(crate) fn get_u32(row: &Row, col: &str) -> StoreResult<u32> {
    let v: i64 = get(row, col)?;
    u32::try_from(v).map_err(|e| corrupt(col, e))
}

/// Reads a non-negative size column (stored as a signed 64-bit integer).
pub(crate) fn get_u64(row: &Row, col: &str) -> StoreResult<u64> {
    let v: i64 = get(row, col)?;
    u64::try_from(v).map_err(|e| corrupt(col, e))
}

/// A value in the database that the code cannot read back.
pub(crate) fn corrupt(col: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::backend(format!("unreadable column {col}: {e}"))
}

/// Maps a driver error; unique violations become `Conflict { what }` and foreign-key
/// violations `NotFound { what: referenced }`.
pub(crate) fn write_err(what: &str, referenced: &str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::conflict(what),
        sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
            StoreError::not_found(referenced)
        }
        _ => db(e),
    }
}

/// SQLSTATEs worth a retry: serialization failure, deadlock, lock timeout, admin shutdown,
/// cannot connect now, too many connections.
const RETRYABLE: [&str; 6] = ["40001", "40P01", "55P03", "57P01", "57P03", "53300"];

/// Maps the error of a DELETE; a foreign-key violation (rows that must not go with it still
/// reference the row) becomes `Conflict { what }`.
pub(crate) fn delete_err(what: &str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(d) if d.is_foreign_key_violation() => StoreError::conflict(what),
        _ => db(e),
    }
}

/// Maps a driver error with no special meaning.
pub(crate) fn db(e: sqlx::Error) -> StoreError {
    let retryable = match &e {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(d) => d.code().is_some_and(|c| RETRYABLE.contains(&c.as_ref())),
        _ => false,
    };
    StoreError::Backend {
        message: e.to_string(),
        retryable,
    }
}

/// `NotFound { what }` when a row is missing.
pub(crate) fn found<T>(row: Option<T>, what: impl FnOnce() -> String) -> StoreResult<T> {
    row.ok_or_else(|| StoreError::not_found(what()))
}

/// `NotFound { what }` when an UPDATE or DELETE touched no row.
pub(crate) fn touched(
    result: sqlx::postgres::PgQueryResult,
    what: impl FnOnce() -> String,
) -> StoreResult<()> {
    if result.rows_affected() == 0 {
        Err(StoreError::not_found(what()))
    } else {
        Ok(())
    }
}

/// Converts a size for storage; the caller validated that it fits (else it saturates).
pub(crate) fn to_i64_saturating(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Converts a stored count or limit.
pub(crate) fn to_i64(v: u32) -> i64 {
    i64::from(v)
}

/// The table function listing the text elements of a bound JSON array of strings, as a column
/// named `value`: `SELECT value FROM jsonb_array_elements_text($n)`.
macro_rules! json_texts {
    () => {
        "jsonb_array_elements_text"
    };
}
pub(crate) use json_texts;

/// What ends a SELECT that reads a row a write transaction will update: `FOR UPDATE` in PostgreSQL, so that concurrent read-modify-write
/// transactions on one row queue instead of losing an update.
macro_rules! for_update {
    () => {
        " FOR UPDATE"
    };
}
pub(crate) use for_update;
