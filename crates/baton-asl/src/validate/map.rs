//! Map states: processor, items, selectors, reader, batcher, writer, concurrency, tolerance,
//! labels.

use serde_json::Value;

use crate::diagnostic::Code;
use crate::limits;
use crate::model::{
    Dynamic, ItemBatcher, ItemReader, Map, Payload, ProcessorConfig, ProcessorExecutionType,
    ProcessorMode, QueryLanguage, ResultWriter, ToleratedFailure,
};
use crate::validate::expression::StatesAccess;
use crate::validate::fields::{Fields, PathRule};
use crate::validate::state::Context;
use crate::validate::{MachineType, Validator};

/// Characters a Map `Label` may not contain (besides control characters): AWS's list.
const LABEL_FORBIDDEN: &str = " <>{}[]?*\"#%\\^|~`$&,;:/";

/// The first character of a Map `Label` that AWS forbids: a control character or one of
/// [`LABEL_FORBIDDEN`].
pub(crate) fn forbidden_label_character(label: &str) -> Option<char> {
    label.chars().find(|c| c.is_control() || LABEL_FORBIDDEN.contains(*c))
}

impl Validator<'_> {
    pub(super) fn map(
        &mut self,
        fields: &Fields<'_>,
        language: QueryLanguage,
        context: &Context<'_>,
    ) -> Option<Map> {
        let errors_before = self.error_count();
        let processor_key = match (fields.has("ItemProcessor"), fields.has("Iterator")) {
            (true, true) => {
                self.exclusive(fields, &["ItemProcessor", "Iterator"]);
                None
            }
            (true, false) => Some("ItemProcessor"),
            (false, true) => Some("Iterator"),
            (false, false) => {
                self.require(fields, &["ItemProcessor"]);
                None
            }
        };
        // A broken processor still lets the rest of the state be checked, so every problem is
        // reported at once.
        let processor =
            processor_key.and_then(|key| self.processor(fields, key, language, context));
        let distributed =
            processor.as_ref().is_some_and(|(_, config)| config.mode == ProcessorMode::Distributed);
        if distributed && self.options.machine_type == MachineType::Express {
            self.error(
                &fields.at(processor_key.unwrap_or("ItemProcessor")),
                "Express state machines do not support a Distributed Map state",
            );
        }

        self.exclusive(fields, &["ItemSelector", "Parameters"]);
        let items_path = if fields.get("ItemsPath") == Some(&Value::Null) {
            self.error(&fields.at("ItemsPath"), "The field 'ItemsPath' may not be null");
            None
        } else {
            self.path(fields, "ItemsPath", PathRule::Reference)
        };
        let items = fields.get("Items").and_then(|value| {
            let location = fields.at("Items");
            if !(value.is_array() || value.is_string()) {
                self.error(&location, "The field 'Items' must be an array or a JSONata expression");
                return None;
            }
            if let Value::String(text) = value {
                return self.jsonata_string(text, &location);
            }
            self.jsonata_value(value, &location, StatesAccess::Input)
        });
        let item_selector = self.item_selector(fields, language);
        let item_reader = self.item_reader(fields, language);
        let item_batcher = self.item_batcher(fields, language);
        let result_writer = self.result_writer(fields, language);
        let max_concurrency = self
            .dynamic_integer(fields, "MaxConcurrency", 0, u64::from(u32::MAX), language)
            .unwrap_or(Dynamic::Literal(0));
        let tolerated_failure = self.tolerated_failure(fields, language);
        let label = self.label(fields);
        let result_selector = self.template(fields, "ResultSelector");
        let result_path = self.result_path(fields);
        let retry = self.retriers(fields);
        let catch = self.catchers(fields, language, context);
        let transition = self.transition(fields, context)?;
        (self.error_count() == errors_before).then_some(())?;
        let (processor, processor_config) = processor?;
        Some(Map {
            processor,
            processor_config,
            items_path,
            items,
            item_selector,
            item_reader,
            item_batcher,
            result_writer,
            max_concurrency,
            tolerated_failure,
            label,
            result_selector,
            result_path,
            retry: retry?,
            catch: catch?,
            transition,
        })
    }

    fn processor(
        &mut self,
        fields: &Fields<'_>,
        key: &str,
        language: QueryLanguage,
        context: &Context<'_>,
    ) -> Option<(crate::model::Scope, ProcessorConfig)> {
        let object = self.object(fields, key)?;
        let processor_fields = Fields::new(object, fields.at(key));
        self.check_allowed(
            &processor_fields,
            &["StartAt", "States", "Comment", "ProcessorConfig", "QueryLanguage"],
            &[],
            None,
        );
        let config = self.processor_config(&processor_fields);
        let processor_language = self.query_language(&processor_fields).unwrap_or(language);
        let scope = self.scope(&processor_fields, processor_language, context.depth + 1)?;
        Some((scope, config))
    }

    fn processor_config(&mut self, fields: &Fields<'_>) -> ProcessorConfig {
        let inline = ProcessorConfig { mode: ProcessorMode::Inline, execution_type: None };
        let Some(object) = self.object(fields, "ProcessorConfig") else { return inline };
        let config = Fields::new(object, fields.at("ProcessorConfig"));
        self.check_allowed(&config, &["Mode", "ExecutionType"], &[], None);
        let mode = match self.string(&config, "Mode") {
            None | Some("INLINE") => ProcessorMode::Inline,
            Some("DISTRIBUTED") => ProcessorMode::Distributed,
            Some(_) => {
                self.error(
                    &config.at("Mode"),
                    "The field 'Mode' should have one of these values: [INLINE, DISTRIBUTED]",
                );
                ProcessorMode::Inline
            }
        };
        let execution_type = match self.string(&config, "ExecutionType") {
            None => None,
            Some("STANDARD") => Some(ProcessorExecutionType::Standard),
            Some("EXPRESS") => Some(ProcessorExecutionType::Express),
            Some(_) => {
                self.error(
                    &config.at("ExecutionType"),
                    "The field 'ExecutionType' should have one of these values: [STANDARD, EXPRESS]",
                );
                None
            }
        };
        if mode == ProcessorMode::Distributed
            && execution_type.is_none()
            && !config.has("ExecutionType")
        {
            self.error(&config.location_or_root(), "These fields are required: [ExecutionType]");
        }
        if mode == ProcessorMode::Inline && config.has("ExecutionType") {
            self.error(
                &config.at("ExecutionType"),
                "The field 'ExecutionType' is only supported when Mode is DISTRIBUTED",
            );
        }
        ProcessorConfig { mode, execution_type }
    }

    fn item_selector(&mut self, fields: &Fields<'_>, language: QueryLanguage) -> Option<Payload> {
        let key = if fields.has("ItemSelector") { "ItemSelector" } else { "Parameters" };
        let value = fields.get(key)?;
        match language {
            QueryLanguage::JsonPath => self.template(fields, key).map(Payload::Parameters),
            QueryLanguage::Jsonata => self
                .jsonata_value(value, &fields.at(key), StatesAccess::Input)
                .map(Payload::Arguments),
        }
    }

    fn item_reader(&mut self, fields: &Fields<'_>, language: QueryLanguage) -> Option<ItemReader> {
        let object = self.object(fields, "ItemReader")?;
        let reader = Fields::new(object, fields.at("ItemReader"));
        let payload_key = match language {
            QueryLanguage::JsonPath => "Parameters",
            QueryLanguage::Jsonata => "Arguments",
        };
        self.check_allowed(&reader, &["Resource", "ReaderConfig", payload_key], &[], None);
        self.require(&reader, &["Resource"]);
        let resource = self.non_empty_string(&reader, "Resource").map(str::to_owned);
        let payload = self.payload(&reader, language);
        let reader_config = self.reader_config(&reader, language);
        Some(ItemReader { resource: resource?, payload, reader_config })
    }

    fn reader_config(&mut self, reader: &Fields<'_>, language: QueryLanguage) -> Option<Value> {
        let object = self.object(reader, "ReaderConfig")?;
        let config = Fields::new(object, reader.at("ReaderConfig"));
        self.check_allowed(
            &config,
            &[
                "InputType",
                "CSVHeaderLocation",
                "CSVHeaders",
                "CSVDelimiter",
                "MaxItems",
                "MaxItemsPath",
                "ManifestType",
                "Transformation",
            ],
            &[],
            None,
        );
        if let Some(input_type) = self.string(&config, "InputType")
            && !["CSV", "JSON", "JSONL", "MANIFEST", "PARQUET"].contains(&input_type)
        {
            self.error(
                &config.at("InputType"),
                "The field 'InputType' should have one of these values: [CSV, JSON, JSONL, MANIFEST, PARQUET]",
            );
        }
        if let Some(location) = self.string(&config, "CSVHeaderLocation")
            && !["FIRST_ROW", "GIVEN"].contains(&location)
        {
            self.error(
                &config.at("CSVHeaderLocation"),
                "The field 'CSVHeaderLocation' should have one of these values: [FIRST_ROW, GIVEN]",
            );
        }
        if self.string(&config, "CSVHeaderLocation") == Some("GIVEN") && !config.has("CSVHeaders") {
            self.error(&config.location_or_root(), "These fields are required: [CSVHeaders]");
        }
        self.dynamic_integer(&config, "MaxItems", 1, limits::MAP_ITEMS_MAX, language);
        Some(Value::Object(object.clone()))
    }

    fn item_batcher(
        &mut self,
        fields: &Fields<'_>,
        language: QueryLanguage,
    ) -> Option<ItemBatcher> {
        let object = self.object(fields, "ItemBatcher")?;
        let batcher = Fields::new(object, fields.at("ItemBatcher"));
        let mut allowed = vec!["MaxItemsPerBatch", "MaxInputBytesPerBatch", "BatchInput"];
        if language == QueryLanguage::JsonPath {
            allowed.extend(["MaxItemsPerBatchPath", "MaxInputBytesPerBatchPath"]);
        }
        self.check_allowed(&batcher, &allowed, &[], None);
        let max_items_per_batch =
            self.dynamic_integer(&batcher, "MaxItemsPerBatch", 1, u64::from(u32::MAX), language);
        let max_input_bytes_per_batch = self.dynamic_integer(
            &batcher,
            "MaxInputBytesPerBatch",
            1,
            limits::PAYLOAD_BYTES_MAX as u64,
            language,
        );
        let batch_input = match (language, batcher.get("BatchInput")) {
            (_, None) => None,
            (QueryLanguage::JsonPath, Some(_)) => {
                self.template(&batcher, "BatchInput").map(Payload::Parameters)
            }
            (QueryLanguage::Jsonata, Some(value)) => self
                .jsonata_value(value, &batcher.at("BatchInput"), StatesAccess::Input)
                .map(Payload::Arguments),
        };
        Some(ItemBatcher { max_items_per_batch, max_input_bytes_per_batch, batch_input })
    }

    fn result_writer(
        &mut self,
        fields: &Fields<'_>,
        language: QueryLanguage,
    ) -> Option<ResultWriter> {
        let object = self.object(fields, "ResultWriter")?;
        let writer = Fields::new(object, fields.at("ResultWriter"));
        let payload_key = match language {
            QueryLanguage::JsonPath => "Parameters",
            QueryLanguage::Jsonata => "Arguments",
        };
        self.check_allowed(&writer, &["Resource", "WriterConfig", payload_key], &[], None);
        if !writer.has("Resource") && !writer.has("WriterConfig") {
            self.error(
                &writer.location_or_root(),
                "These fields are required: [Resource or WriterConfig]",
            );
        }
        let resource = self.non_empty_string(&writer, "Resource").map(str::to_owned);
        let payload = self.payload(&writer, language);
        let writer_config = self.object(&writer, "WriterConfig").map(|config| {
            let config_fields = Fields::new(config, writer.at("WriterConfig"));
            self.check_allowed(&config_fields, &["OutputType", "Transformation"], &[], None);
            Value::Object(config.clone())
        });
        Some(ResultWriter { resource, payload, writer_config })
    }

    fn tolerated_failure(
        &mut self,
        fields: &Fields<'_>,
        language: QueryLanguage,
    ) -> ToleratedFailure {
        let count =
            self.dynamic_integer(fields, "ToleratedFailureCount", 0, u64::from(u32::MAX), language);
        let percentage_key = "ToleratedFailurePercentage";
        let percentage_path_key = "ToleratedFailurePercentagePath";
        let percentage = if !self.exclusive(fields, &[percentage_key, percentage_path_key]) {
            None
        } else if fields.has(percentage_path_key) {
            self.path(fields, percentage_path_key, PathRule::Reference).map(Dynamic::Path)
        } else if let (QueryLanguage::Jsonata, Some(Value::String(text))) =
            (language, fields.get(percentage_key))
        {
            self.jsonata_string(text, &fields.at(percentage_key)).map(Dynamic::Jsonata)
        } else {
            match self.number(fields, percentage_key) {
                Some(value)
                    if !(0.0..=limits::TOLERATED_FAILURE_PERCENTAGE_MAX).contains(&value) =>
                {
                    self.error(
                        &fields.at(percentage_key),
                        "The value of the field 'ToleratedFailurePercentage' must be between 0 and 100",
                    );
                    None
                }
                other => other.map(Dynamic::Literal),
            }
        };
        ToleratedFailure { count, percentage }
    }

    fn label(&mut self, fields: &Fields<'_>) -> Option<String> {
        let label = self.string(fields, "Label")?;
        let location = fields.at("Label");
        let forbidden = forbidden_label_character(label);
        if label.is_empty() || label.chars().count() > limits::MAP_LABEL_CHARS_MAX {
            self.error_code(
                Code::InvalidLabelName,
                &location,
                format!("A Map Label must be 1 to {} characters long", limits::MAP_LABEL_CHARS_MAX),
            );
            return None;
        }
        if let Some(character) = forbidden {
            self.error_code(
                Code::InvalidLabelName,
                &location,
                format!(
                    "The Map Label '{}' contains the forbidden character U+{:04X}",
                    label.escape_debug(),
                    u32::from(character)
                ),
            );
            return None;
        }
        Some(label.to_owned())
    }
}
