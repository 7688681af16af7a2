//! The conformance suite against SQLite, each test with its own database file: once on the
//! store itself, once through the cache the server puts in front of it.

use std::sync::Arc;

use baton_store::conformance::Fixture;
use baton_store::{CachedCatalog, Store};
use baton_store_sqlite::{Options, SqliteStore};

/// A store in a fresh temporary directory, which outlives it (fields drop in order).
struct TempStore {
    store: Box<dyn Store>,
    _dir: tempfile::TempDir,
}

impl Fixture for TempStore {
    fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }
}

fn temp_store_with(wrap: impl FnOnce(SqliteStore) -> Box<dyn Store>) -> TempStore {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = Options::new(dir.path().join("baton.db")).open().expect("the store opens");
    TempStore { store: wrap(store), _dir: dir }
}

fn temp_store() -> TempStore {
    temp_store_with(|store| Box::new(store))
}

baton_store::conformance_tests!(temp_store);

mod cached {
    use super::*;

    fn cached_temp_store() -> TempStore {
        temp_store_with(|store| Box::new(CachedCatalog::new(Arc::new(store))))
    }

    baton_store::conformance_tests!(cached_temp_store);
}
