//! The SQLite storage of the Durable Objects: statements with bound values,
//! rows read back, and a `meta` table of named JSON values.
//!
//! Every call is synchronous, so the statements an object runs without an
//! `await` between them commit together, and its output gate holds its
//! replies until they are durable. No statement takes more than a handful
//! of bound values (the platform allows 100), and none stores more than one
//! message (a row holds at most 2 MB).

use serde::Serialize;
use serde::de::DeserializeOwned;
use worker::{SqlCursor, SqlStorage, State};

pub(crate) use worker::SqlStorageValue as Value;

use crate::error::{ApiError, ApiResult};

/// One object's SQLite database.
pub(crate) struct Sql(SqlStorage);

fn failed(err: worker::Error) -> ApiError {
    ApiError::internal("storage statement failed", err)
}

impl Sql {
    pub(crate) fn new(state: &State) -> Self {
        Sql(state.storage().sql())
    }

    fn cursor(&self, query: &str, args: Vec<Value>) -> ApiResult<SqlCursor> {
        self.0.exec(query, args).map_err(failed)
    }

    /// Runs `query` to its end; returns how many rows it gave back (a
    /// write counts the rows it changed with `RETURNING`: the platform's
    /// count of rows written includes index entries).
    pub(crate) fn exec(&self, query: &str, args: Vec<Value>) -> ApiResult<usize> {
        let cursor = self.cursor(query, args)?;
        let mut rows = 0;
        for row in cursor.raw() {
            row.map_err(failed)?;
            rows += 1;
        }
        Ok(rows)
    }

    /// The rows of `query`, each read by column name as `T`.
    pub(crate) fn rows<T: DeserializeOwned>(
        &self,
        query: &str,
        args: Vec<Value>,
    ) -> ApiResult<Vec<T>> {
        self.cursor(query, args)?.to_array().map_err(failed)
    }

    /// The rows of `query` as values in column order (for blobs).
    pub(crate) fn raw(&self, query: &str, args: Vec<Value>) -> ApiResult<Vec<Vec<Value>>> {
        self.cursor(query, args)?
            .raw()
            .collect::<Result<_, _>>()
            .map_err(failed)
    }

    /// The first column of the first row of `query`, as a whole number.
    pub(crate) fn number(&self, query: &str, args: Vec<Value>) -> ApiResult<u64> {
        let rows = self.raw(query, args)?;
        Ok(rows.first().and_then(|r| r.first()).map_or(0, as_u64))
    }

    /// Creates the `meta` table of named JSON values if it is not there.
    pub(crate) fn create_meta(&self) -> ApiResult<()> {
        self.exec(
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            vec![],
        )
        .map(drop)
    }

    /// The value stored under `key` in `meta`.
    pub(crate) fn meta<T: DeserializeOwned>(&self, key: &str) -> ApiResult<Option<T>> {
        let rows = self.raw("SELECT value FROM meta WHERE key = ?", vec![key.into()])?;
        match rows.first().and_then(|r| r.first()) {
            Some(Value::String(text)) => serde_json::from_str(text)
                .map(Some)
                .map_err(|e| ApiError::internal("reading stored state", e)),
            _ => Ok(None),
        }
    }

    /// Stores `value` under `key` in `meta`.
    pub(crate) fn set_meta<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> ApiResult<()> {
        let text = crate::http::json_text(value, "writing stored state")?;
        self.exec(
            "INSERT INTO meta (key, value) VALUES (?, ?) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            vec![key.into(), text.into()],
        )
        .map(drop)
    }

    /// Removes `key` from `meta`.
    pub(crate) fn delete_meta(&self, key: &str) -> ApiResult<()> {
        self.exec("DELETE FROM meta WHERE key = ?", vec![key.into()])
            .map(drop)
    }
}

/// A whole number for a statement (times in ms and sequence numbers stay
/// far below 2^53, what the runtime carries exactly).
pub(crate) fn int(n: u64) -> Value {
    Value::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

/// A column read as a whole number (0 when it is not one).
pub(crate) fn as_u64(value: &Value) -> u64 {
    match value {
        Value::Integer(n) => u64::try_from(*n).unwrap_or(0),
        Value::Float(f) if *f >= 0.0 => *f as u64,
        _ => 0,
    }
}

/// A column read as text (empty when it is not text).
pub(crate) fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        _ => String::new(),
    }
}

/// A column read as bytes (a blob, or text as its UTF-8).
pub(crate) fn into_bytes(value: Value) -> Vec<u8> {
    match value {
        Value::Blob(bytes) => bytes,
        Value::String(s) => s.into_bytes(),
        _ => Vec::new(),
    }
}
