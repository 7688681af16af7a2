//! The data directory of `baton serve`: one SQLite file ([`DATABASE_FILE`]) that holds the
//! state machines, the activities and their task queues, the task tokens, and every Standard
//! execution with its history. Opening it here keeps the file's name and options in the crate
//! that serves it, so the command line only chooses the directory.

use std::path::{Path, PathBuf};

use baton_store_sqlite::SqliteStore;

/// The database file inside a data directory. SQLite keeps `-wal` and `-shm` files beside it.
pub const DATABASE_FILE: &str = "baton.db";

/// Why a data directory could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DataDirError {
    /// The directory does not exist and could not be created.
    #[error("cannot create the data directory {}: {source}", dir.display())]
    Create {
        /// The directory.
        dir: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The database file could not be opened (not a database, written by a newer Baton, ...).
    #[error(transparent)]
    Store(#[from] baton_store::Error),
}

/// Opens the store in `dir`, creating the directory and the database if they are absent.
/// The store fsyncs every commit (`synchronous=FULL`): an execution step that was acknowledged
/// survives a crash of the process or the machine. Call [`SqliteStore::shutdown`] when done.
pub fn open_data_dir(dir: &Path) -> Result<SqliteStore, DataDirError> {
    std::fs::create_dir_all(dir)
        .map_err(|source| DataDirError::Create { dir: dir.to_owned(), source })?;
    Ok(baton_store_sqlite::Options::new(dir.join(DATABASE_FILE)).open()?)
}
