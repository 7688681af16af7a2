//! Map states: inline and distributed.

use serde_json::Value;

use crate::model::{Catcher, Dynamic, Jsonata, Payload, ResultPath, Retrier, Scope, Transition};
use crate::path::Path;
use crate::template::Template;

/// `Map`.
#[derive(Debug, Clone)]
pub struct Map {
    /// `ItemProcessor` (or the legacy `Iterator`).
    pub processor: Scope,
    pub processor_config: ProcessorConfig,
    /// JSONPath `ItemsPath` (a reference path; `$` when absent).
    pub items_path: Option<Path>,
    /// JSONata `Items`: an array or an expression that yields one.
    pub items: Option<Jsonata>,
    /// `ItemSelector` (or the legacy `Parameters`): a template (JSONPath) or JSONata value.
    pub item_selector: Option<Payload>,
    pub item_reader: Option<ItemReader>,
    pub item_batcher: Option<ItemBatcher>,
    pub result_writer: Option<ResultWriter>,
    /// `MaxConcurrency`; 0 (the default) means as many as possible.
    pub max_concurrency: Dynamic<u64>,
    pub tolerated_failure: ToleratedFailure,
    /// `Label` (Distributed Map child execution names).
    pub label: Option<String>,
    pub result_selector: Option<Template>,
    pub result_path: Option<ResultPath>,
    pub retry: Vec<Retrier>,
    pub catch: Vec<Catcher>,
    pub transition: Transition,
}

/// `ProcessorConfig`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessorConfig {
    pub mode: ProcessorMode,
    /// Only for `DISTRIBUTED` mode.
    pub execution_type: Option<ProcessorExecutionType>,
}

/// `ProcessorConfig.Mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessorMode {
    Inline,
    Distributed,
}

/// `ProcessorConfig.ExecutionType` of a Distributed Map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessorExecutionType {
    Standard,
    Express,
}

/// `ToleratedFailureCount(Path)` and `ToleratedFailurePercentage(Path)`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ToleratedFailure {
    pub count: Option<Dynamic<u64>>,
    pub percentage: Option<Dynamic<f64>>,
}

/// `ItemReader`: where a Distributed Map reads its items (S3 objects, CSV, JSON, manifests).
#[derive(Debug, Clone)]
pub struct ItemReader {
    pub resource: String,
    pub payload: Option<Payload>,
    /// `ReaderConfig` as written (InputType, CSVHeaderLocation, CSVHeaders, MaxItems(Path), ...),
    /// checked field by field at validation.
    pub reader_config: Option<Value>,
}

/// `ItemBatcher`.
#[derive(Debug, Clone)]
pub struct ItemBatcher {
    pub max_items_per_batch: Option<Dynamic<u64>>,
    pub max_input_bytes_per_batch: Option<Dynamic<u64>>,
    /// `BatchInput`: a template (JSONPath) or a JSONata value added to every batch.
    pub batch_input: Option<Payload>,
}

/// `ResultWriter`: where a Distributed Map writes its results.
#[derive(Debug, Clone)]
pub struct ResultWriter {
    pub resource: Option<String>,
    pub payload: Option<Payload>,
    /// `WriterConfig` as written (OutputType, Transformation), checked at validation.
    pub writer_config: Option<Value>,
}
