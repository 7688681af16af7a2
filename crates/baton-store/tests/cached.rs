//! The conformance suite through [`CachedCatalog`]: its cache must never show a machine or an
//! activity other than the one the store holds after a change was acknowledged.

use std::sync::Arc;

use baton_store::CachedCatalog;
use baton_store::memory::MemoryStore;

fn cached_memory_store() -> CachedCatalog {
    CachedCatalog::new(Arc::new(MemoryStore::new()))
}

baton_store::conformance_tests!(cached_memory_store);
