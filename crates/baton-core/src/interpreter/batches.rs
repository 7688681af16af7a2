//! `ItemBatcher`: a Distributed Map that hands its child executions batches of items instead
//! of one item each.
//!
//! Items are grouped in order after `ItemSelector`: a batch closes when it holds
//! `MaxItemsPerBatch` items or when the next item would take its serialized size past
//! `MaxInputBytesPerBatch` (AWS's 256 KiB payload limit when neither is given). Each child
//! execution's input is `{"BatchInput": ..., "Items": [...]}`, with `BatchInput` evaluated once
//! against the Map state's input, as the recorded AWS executions show.

use serde_json::{Map, Value};

use baton_asl::limits;
use baton_asl::model::{Dynamic, ItemBatcher, Payload};

use crate::dataflow::{At, Failure, RUNTIME, text, text_len};
use crate::execution::FrameId;
use crate::interpreter::Run;
use crate::interpreter::children::not_for_intrinsics;

impl Run<'_, '_> {
    /// Groups the per-item inputs into the batch inputs of the child executions.
    pub(crate) fn batch_items(
        &mut self,
        frame: FrameId,
        batcher: &ItemBatcher,
        input: &Value,
        items: Vec<Value>,
    ) -> Result<Vec<Value>, Failure> {
        let max_items = self.batch_limit(
            frame,
            batcher.max_items_per_batch.as_ref(),
            "MaxItemsPerBatch",
            input,
        )?;
        let max_bytes = self
            .batch_limit(
                frame,
                batcher.max_input_bytes_per_batch.as_ref(),
                "MaxInputBytesPerBatch",
                input,
            )?
            .map_or(limits::PAYLOAD_BYTES_MAX, |bytes| {
                usize::try_from(bytes).unwrap_or(usize::MAX).min(limits::PAYLOAD_BYTES_MAX)
            });
        let max_items =
            max_items.map_or(usize::MAX, |count| usize::try_from(count).unwrap_or(usize::MAX));
        let batch_input = match &batcher.batch_input {
            Some(Payload::Parameters(template)) => {
                Some(self.evaluate_template(frame, template, input, None)?)
            }
            Some(Payload::Arguments(arguments)) => {
                Some(self.jsonata_single(frame, "ItemBatcher/BatchInput", arguments, input)?)
            }
            None => None,
        };
        // `{"BatchInput":...,"Items":[]}`: what every batch costs before its items.
        let overhead = batch_input.as_ref().map_or(0, |value| text_len(value) + 14) + 12;
        let mut batches = Vec::new();
        let mut current: Vec<Value> = Vec::new();
        let mut size = overhead;
        for item in items {
            let item_size = text_len(&item) + 1;
            if !current.is_empty() && (current.len() >= max_items || size + item_size > max_bytes) {
                batches.push(batch(batch_input.as_ref(), std::mem::take(&mut current)));
                size = overhead;
            }
            size += item_size;
            current.push(item);
        }
        if !current.is_empty() {
            batches.push(batch(batch_input.as_ref(), current));
        }
        Ok(batches)
    }

    /// `MaxItemsPerBatch` or `MaxInputBytesPerBatch`: literal, path (AWS accepts a numeric
    /// string there) or JSONata; `None` when absent.
    fn batch_limit(
        &mut self,
        frame: FrameId,
        value: Option<&Dynamic<u64>>,
        field: &str,
        input: &Value,
    ) -> Result<Option<u64>, Failure> {
        let (name, entered) = self.at(frame);
        let at = At { state: name, entered };
        let path = match value {
            None => return Ok(None),
            Some(Dynamic::Literal(number)) => return Ok(Some(*number)),
            Some(Dynamic::Jsonata(expression)) => {
                return self.jsonata_integer(frame, field, expression, input).map(Some);
            }
            Some(Dynamic::Intrinsic(call)) => return Err(not_for_intrinsics(field, call, &at)),
            Some(Dynamic::Path(path)) => path,
        };
        let value = self.map_path_value(frame, path, input, &at)?;
        let number = value.as_u64().or_else(|| value.as_str().and_then(|text| text.parse().ok()));
        number.map(Some).ok_or_else(|| {
            Failure::in_state(
                RUNTIME,
                at.state,
                at.entered,
                format!(
                    "The {field}Path field refers to value \"{}\" which is not a valid integer: {}",
                    value.as_str().map_or_else(|| text(&value), str::to_owned),
                    path.text()
                ),
            )
        })
    }
}

/// One child execution's input.
fn batch(batch_input: Option<&Value>, items: Vec<Value>) -> Value {
    let mut object = Map::with_capacity(2);
    if let Some(batch_input) = batch_input {
        object.insert("BatchInput".to_owned(), batch_input.clone());
    }
    object.insert("Items".to_owned(), Value::Array(items));
    Value::Object(object)
}
