//! Pagination: every listing returns a [`Page`] and continues after an opaque [`PageToken`],
//! which encodes the key of the last item handed out. A token therefore stays valid while
//! rows are added or removed, and every backend can seek to it with an index.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::Error;

/// Which page of a listing to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    /// At most this many items; must be at least 1.
    pub limit: usize,
    /// Continue after this token (from [`Page::next`]), or start at the beginning.
    pub token: Option<PageToken>,
}

impl PageRequest {
    /// The first `limit` items.
    pub fn first(limit: usize) -> Self {
        Self { limit, token: None }
    }

    /// The `limit` items after `token`.
    pub fn after(token: PageToken, limit: usize) -> Self {
        Self { limit, token: Some(token) }
    }
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    /// In the listing's order.
    pub items: Vec<T>,
    /// Present when more items follow; pass it in [`PageRequest::token`] to read them.
    pub next: Option<PageToken>,
}

/// The direction of a history read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Order {
    /// Oldest event first.
    Forward,
    /// Newest event first (`reverseOrder` in `GetExecutionHistory`).
    Reverse,
}

/// An opaque continuation token. Its text is safe to hand to clients and to take back from
/// them: a token that was altered or belongs to another listing is refused with
/// [`Error::InvalidPageToken`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PageToken(String);

impl PageToken {
    /// A token from its text, as a client sent it back.
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The text to hand to a client.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A history token that continues after event `event_id`: forward, the next page starts
    /// at `event_id + 1`; in reverse, at `event_id - 1`. For reading a history from a
    /// known event rather than from a previous page.
    pub fn after_event(event_id: u64) -> Self {
        Self::encode(listing::HISTORY, &event_id)
    }

    /// The token for the item with `key` in `listing`. For backends: the text is a JSON array
    /// of the listing's name and the key, so it names its listing and parses without
    /// ambiguity whatever the ARNs contain.
    pub fn encode<K: Serialize>(listing: &str, key: &K) -> Self {
        let text = serde_json::to_string(&(listing, key))
            .expect("page keys are strings and integers, which always serialize");
        Self(text)
    }

    /// The key this token encodes, if it belongs to `listing`.
    pub fn decode<K: DeserializeOwned>(&self, listing: &str) -> Result<K, Error> {
        let invalid = || Error::InvalidPageToken { token: self.0.clone() };
        let (name, key): (String, K) = serde_json::from_str(&self.0).map_err(|_| invalid())?;
        if name != listing {
            return Err(invalid());
        }
        Ok(key)
    }
}

impl<T> Page<T> {
    /// The page for `rows`, read with a limit of one more than `limit` so that the extra row
    /// tells whether more follow. For backends.
    pub fn from_rows<K: Serialize>(
        mut rows: Vec<T>,
        limit: usize,
        listing: &str,
        key_of: impl Fn(&T) -> K,
    ) -> Self {
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next = match rows.last() {
            Some(last) if more => Some(PageToken::encode(listing, &key_of(last))),
            _ => None,
        };
        Self { items: rows, next }
    }
}

/// The key after which `page` starts, decoded for `listing`, and the number of rows a backend
/// should read (one more than the limit, for [`Page::from_rows`]). For backends.
///
/// # Panics
///
/// If `page.limit` is 0: a page of nothing is a caller's mistake, not a request.
pub fn seek<K: DeserializeOwned>(
    page: &PageRequest,
    listing: &str,
) -> Result<(Option<K>, usize), Error> {
    assert!(page.limit > 0, "a page limit must be at least 1");
    let after = page.token.as_ref().map(|token| token.decode(listing)).transpose()?;
    Ok((after, page.limit + 1))
}

/// The name each listing puts in its tokens, shared by the backends so that a token from one
/// listing is refused by another.
pub mod listing {
    /// Key: (creation date, ARN).
    pub const STATE_MACHINES: &str = "state_machines";
    /// Key: (creation date, ARN).
    pub const ACTIVITIES: &str = "activities";
    /// Key: (start date, ARN), newest first.
    pub const EXECUTIONS: &str = "executions";
    /// Key: ARN.
    pub const RUNNING_EXECUTIONS: &str = "running_executions";
    /// Key: event id, in either direction.
    pub const HISTORY: &str = "history";
    /// Key: (start date, ARN), newest first.
    pub const VERSION_EXECUTIONS: &str = "version_executions";
    /// Key: version number, highest first.
    pub const STATE_MACHINE_VERSIONS: &str = "state_machine_versions";
    /// Key: (creation date, ARN).
    pub const STATE_MACHINE_ALIASES: &str = "state_machine_aliases";
    /// Key: (start date, ARN), newest first.
    pub const MAP_RUNS: &str = "map_runs";
}
