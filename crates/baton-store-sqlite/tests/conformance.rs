//! The conformance suite against SQLite, each test with its own database file.

use baton_store::Store;
use baton_store::conformance::Fixture;
use baton_store_sqlite::{Options, SqliteStore};

/// A store in a fresh temporary directory, which outlives it (fields drop in order).
struct TempStore {
    store: SqliteStore,
    _dir: tempfile::TempDir,
}

impl Fixture for TempStore {
    fn store(&self) -> &dyn Store {
        &self.store
    }
}

fn temp_store() -> TempStore {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = Options::new(dir.path().join("baton.db")).open().expect("the store opens");
    TempStore { store, _dir: dir }
}

baton_store::conformance_tests!(temp_store);
