//! Reads, through a small pool of read-only connections. In WAL mode readers never wait for
//! the writer and see the last committed state, so reads run concurrently with group commits
//! and with each other, one connection per concurrent reader.

use std::sync::{Condvar, Mutex, PoisonError};

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params_from_iter};

use baton_store::page;
use baton_store::{Error, Order, Page, PageRequest};

/// Idle read connections; a reader takes one and puts it back.
pub(crate) struct ReadPool {
    idle: Mutex<Vec<Connection>>,
    returned: Condvar,
}

impl ReadPool {
    pub(crate) fn new(connections: Vec<Connection>) -> Self {
        Self { idle: Mutex::new(connections), returned: Condvar::new() }
    }

    /// Runs `read` on an idle connection, waiting for one if all are busy.
    fn with<T>(
        &self,
        context: impl FnOnce() -> String,
        read: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, Error> {
        let connection = {
            // A panic elsewhere cannot leave the list of idle connections half-changed.
            let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
            loop {
                if let Some(connection) = idle.pop() {
                    break connection;
                }
                idle = self.returned.wait(idle).unwrap_or_else(PoisonError::into_inner);
            }
        };
        let result = read(&connection);
        self.idle.lock().unwrap_or_else(PoisonError::into_inner).push(connection);
        self.returned.notify_one();
        result.map_err(|source| Error::backend(context(), source))
    }

    /// The row `sql` selects with `key`, if any.
    pub(crate) fn one<T>(
        &self,
        what: &str,
        sql: &str,
        key: &[&str],
        row: fn(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Option<T>, Error> {
        self.with(
            || format!("reading {what} {}", key.join(" ")),
            |connection| {
                connection.prepare_cached(sql)?.query_row(params_from_iter(key), row).optional()
            },
        )
    }

    /// One page of a listing. `query` describes the listing; `after`, from the page token,
    /// becomes the seek condition, so each page costs the same however deep it is.
    pub(crate) fn page<T, K>(
        &self,
        query: &Listing<'_>,
        request: &PageRequest,
        row: fn(&Row<'_>) -> rusqlite::Result<T>,
        key_of: impl Fn(&T) -> K,
        key_values: impl Fn(K) -> Vec<Value>,
    ) -> Result<Page<T>, Error>
    where
        K: serde::Serialize + serde::de::DeserializeOwned,
    {
        let (after, rows_max) = page::seek::<K>(request, query.listing)?;
        let mut values = query.values.clone();
        let seek = match after {
            Some(after) => {
                let comparison = match query.order {
                    Order::Forward => ">",
                    Order::Reverse => "<",
                };
                let placeholders: Vec<String> = key_values(after)
                    .into_iter()
                    .map(|value| {
                        values.push(value);
                        format!("?{}", values.len())
                    })
                    .collect();
                format!("AND ({}) {comparison} ({})", query.key_columns, placeholders.join(", "))
            }
            None => String::new(),
        };
        let direction = match query.order {
            Order::Forward => "ASC",
            Order::Reverse => "DESC",
        };
        let order_by: Vec<String> =
            query.key_columns.split(", ").map(|column| format!("{column} {direction}")).collect();
        values.push(Value::Integer(i64::try_from(rows_max).unwrap_or(i64::MAX)));
        let sql = format!(
            "SELECT {} FROM {} WHERE {} {seek} ORDER BY {} LIMIT ?{}",
            query.columns,
            query.table,
            query.filter,
            order_by.join(", "),
            values.len()
        );
        let rows = self.with(
            || format!("listing {}", query.listing),
            |connection| {
                let mut statement = connection.prepare_cached(&sql)?;
                let rows = statement.query_map(params_from_iter(values.iter()), row)?;
                rows.collect::<rusqlite::Result<Vec<T>>>()
            },
        )?;
        Ok(Page::from_rows(rows, request.limit, query.listing, key_of))
    }
}

/// One listing: which rows, in which key order.
pub(crate) struct Listing<'a> {
    /// The name in its page tokens.
    pub(crate) listing: &'static str,
    pub(crate) table: &'static str,
    pub(crate) columns: &'static str,
    /// The condition on every row, with `?1`, `?2`... bound to `values`.
    pub(crate) filter: &'a str,
    pub(crate) values: Vec<Value>,
    /// The columns of the key, in the order the listing sorts by (an index's order).
    pub(crate) key_columns: &'static str,
    pub(crate) order: Order,
}
