//! Payload offloading: task results too large to travel through a workflow are written to an
//! object store and replaced by a small reference, which handlers (wherever they run) and the
//! embedded engine resolve transparently. This lets a workflow move data past Step Functions'
//! 256 KiB payload limit (the "claim check" pattern).
//!
//! A reference is a JSON object with exactly one key:
//!
//! ```json
//! {"baton:offloaded": {"store": "file:///var/baton/payloads", "key": "baton-offloaded/4f0c….json", "bytes": 1048590}}
//! ```
//!
//! - `store` names the store the value was written to ([`Offload::name`]); a reference to
//!   another store is not resolved but fails, so that a misconfigured worker does not read
//!   from the wrong bucket;
//! - `key` is the object's path in that store: the configured prefix, a random UUID, `.json`;
//! - `bytes` is the size of the stored JSON text.
//!
//! The stored object is the value's JSON text. A handler's output whose JSON text is longer
//! than the threshold ([`OFFLOAD_THRESHOLD_BYTES_DEFAULT`] unless configured) is stored and the
//! task reports the reference instead. A handler's input that is a reference, or an object some
//! of whose top-level values are references (as when a step put an offloaded result at
//! `ResultPath: "$.data"`), gets each reference replaced by its value before the handler's
//! typed input is deserialized. Deeper references (inside arrays, say) are left alone: a
//! workflow that maps over an offloaded array should give each item to a handler as the whole
//! array's reference, or split it in a task. The embedded engine resolves the final execution
//! output the same way.
//!
//! Stored objects are never deleted by Baton; an object store's lifecycle rules (or a cleanup
//! of the local directory) expire them.

use std::fmt;
use std::sync::Arc;

use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{GetOptions, ObjectStore, PutOptions, PutPayload};
use serde_json::{Map, Value, json};

use crate::task::TaskFailure;

/// Handler outputs whose JSON text is longer than this are offloaded unless the threshold is
/// configured ([`Offload::threshold_bytes`]). It stays well below the 256 KiB payload limit
/// because a task's result is usually merged into its state's input, which has other data.
pub const OFFLOAD_THRESHOLD_BYTES_DEFAULT: usize = 128 * 1024;
/// The key of a reference's one field.
pub const REFERENCE_KEY: &str = "baton:offloaded";
/// The error a task fails with when its output could not be stored or its input's reference
/// could not be resolved (a store error, a missing object, a reference to another store).
pub const OFFLOAD_FAILED: &str = "Baton.PayloadOffloadFailed";
/// The prefix of stored objects' keys, unless configured ([`Offload::prefix`]).
const PREFIX_DEFAULT: &str = "baton-offloaded";

/// Where and when payloads are offloaded: an object store, the name references give it, the
/// size threshold and the key prefix. Cheap to clone.
///
/// ```
/// use baton_sdk::{Engine, Offload};
///
/// let directory = tempfile::tempdir()?;
/// let offload = Offload::local(directory.path())?.threshold_bytes(64 * 1024);
/// let engine = Engine::embedded().offload(offload);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// S3 (or any other store) is configured with `object_store`'s own builders, with the
/// features of the `object_store` crate the application enables (`aws` for S3):
///
/// ```text
/// let s3 = object_store::aws::AmazonS3Builder::from_env().with_bucket_name("payloads").build()?;
/// let offload = Offload::new("s3://payloads", Arc::new(s3));
/// ```
#[derive(Clone)]
pub struct Offload {
    name: String,
    store: Arc<dyn ObjectStore>,
    threshold_bytes: usize,
    prefix: ObjectPath,
}

/// Why a payload could not be offloaded or a reference not resolved.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The local directory could not be created or opened as a store.
    #[error("cannot use {directory:?} as an offload store: {source}")]
    Directory {
        /// The directory.
        directory: std::path::PathBuf,
        /// What went wrong.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The store failed to write or read an object.
    #[error("offload store {store:?} failed on {key:?}: {source}")]
    Store {
        /// The store's name.
        store: String,
        /// The object's key.
        key: String,
        /// The store's error.
        #[source]
        source: object_store::Error,
    },
    /// A reference names a store other than the configured one.
    #[error("the reference is to store {found:?}, but this offload is configured for {store:?}")]
    OtherStore {
        /// The configured store's name.
        store: String,
        /// The store the reference names.
        found: String,
    },
    /// A `baton:offloaded` object without a string `store` and `key`.
    #[error("malformed offload reference {reference}")]
    Malformed {
        /// The reference as it was found.
        reference: Value,
    },
    /// The stored object is not JSON.
    #[error("offloaded object {key:?} is not JSON: {source}")]
    NotJson {
        /// The object's key.
        key: String,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
}

impl From<Error> for TaskFailure {
    fn from(error: Error) -> TaskFailure {
        TaskFailure::new(OFFLOAD_FAILED, error.to_string())
    }
}

impl Offload {
    /// Offloads to `store`, whose references name it `name` (something that tells people and
    /// other processes which store it is, such as `s3://bucket`).
    pub fn new(name: impl Into<String>, store: Arc<dyn ObjectStore>) -> Offload {
        Offload {
            name: name.into(),
            store,
            threshold_bytes: OFFLOAD_THRESHOLD_BYTES_DEFAULT,
            prefix: ObjectPath::from(PREFIX_DEFAULT),
        }
    }

    /// Offloads to files under `directory`, created if missing; references name the store by
    /// the directory's `file://` URL.
    pub fn local(directory: impl AsRef<std::path::Path>) -> Result<Offload, Error> {
        let directory = directory.as_ref();
        let failed = |source: Box<dyn std::error::Error + Send + Sync>| Error::Directory {
            directory: directory.to_owned(),
            source,
        };
        std::fs::create_dir_all(directory).map_err(|error| failed(error.into()))?;
        let absolute = directory.canonicalize().map_err(|error| failed(error.into()))?;
        let store =
            LocalFileSystem::new_with_prefix(&absolute).map_err(|error| failed(error.into()))?;
        Ok(Offload::new(format!("file://{}", absolute.display()), Arc::new(store)))
    }

    /// Offloads outputs whose JSON text is longer than `bytes`.
    #[must_use]
    pub fn threshold_bytes(mut self, bytes: usize) -> Offload {
        self.threshold_bytes = bytes;
        self
    }

    /// Stores objects under `prefix` (a `/`-separated path in the store).
    #[must_use]
    pub fn prefix(mut self, prefix: &str) -> Offload {
        self.prefix = ObjectPath::from(prefix);
        self
    }

    /// The name references give the store.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `value` itself when its JSON text is at most the threshold, a reference to its stored
    /// copy otherwise.
    pub async fn store(&self, value: Value) -> Result<Value, Error> {
        // Rendering is the only way to learn the size AWS counts, and the rendered text is
        // what gets stored, so it is done once.
        let text = value.to_string();
        if text.len() <= self.threshold_bytes {
            return Ok(value);
        }
        let key = self.prefix.clone().join(format!("{}.json", uuid::Uuid::new_v4()));
        let bytes = text.len();
        let payload = PutPayload::from(text.into_bytes());
        self.store.put_opts(&key, payload, PutOptions::default()).await.map_err(|source| {
            Error::Store { store: self.name.clone(), key: key.to_string(), source }
        })?;
        Ok(json!({ REFERENCE_KEY: { "store": self.name, "key": key.as_ref(), "bytes": bytes } }))
    }

    /// `value` with references resolved: `value` itself when it is a reference, and each
    /// top-level value of an object that is one.
    pub async fn resolve(&self, value: Value) -> Result<Value, Error> {
        match value {
            Value::Object(object) if is_reference(&object) => self.fetch(&object).await,
            Value::Object(object) => {
                let mut resolved = Map::with_capacity(object.len());
                for (key, value) in object {
                    let value = match value {
                        Value::Object(inner) if is_reference(&inner) => self.fetch(&inner).await?,
                        value => value,
                    };
                    resolved.insert(key, value);
                }
                Ok(Value::Object(resolved))
            }
            value => Ok(value),
        }
    }

    /// The value a reference points to.
    async fn fetch(&self, reference: &Map<String, Value>) -> Result<Value, Error> {
        let malformed = || Error::Malformed { reference: Value::Object(reference.clone()) };
        let fields = reference.get(REFERENCE_KEY).ok_or_else(malformed)?;
        let store = fields.get("store").and_then(Value::as_str).ok_or_else(malformed)?;
        let key = fields.get("key").and_then(Value::as_str).ok_or_else(malformed)?;
        if store != self.name {
            return Err(Error::OtherStore { store: self.name.clone(), found: store.to_owned() });
        }
        let failed =
            |source| Error::Store { store: self.name.clone(), key: key.to_owned(), source };
        let path = ObjectPath::parse(key).map_err(|error| failed(error.into()))?;
        let object = self.store.get_opts(&path, GetOptions::default()).await.map_err(failed)?;
        let bytes = object.bytes().await.map_err(failed)?;
        serde_json::from_slice(&bytes)
            .map_err(|source| Error::NotJson { key: key.to_owned(), source })
    }
}

impl fmt::Debug for Offload {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Offload")
            .field("name", &self.name)
            .field("threshold_bytes", &self.threshold_bytes)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

/// Whether `object` is a reference: exactly one key, [`REFERENCE_KEY`].
fn is_reference(object: &Map<String, Value>) -> bool {
    object.len() == 1 && object.contains_key(REFERENCE_KEY)
}
