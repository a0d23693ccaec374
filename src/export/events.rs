//! `events.arrow`: the story of the traced blocks (`--trace-blocks`, `--trace-first`), one row
//! per event in the order they happened. `message` rows and `state` rows share one table;
//! the columns the other kind has are null.

use arrow_array::builder::{StringBuilder, UInt8Builder, UInt32Builder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Schema};
use ecrust_systems::model::trace::TraceEvent;
use ecrust_systems::protocol::kind_name;
use std::sync::Arc;

pub fn schema() -> Schema {
    Schema::new(vec![
        Field::new("tick", DataType::UInt32, false),
        Field::new("kind", DataType::Utf8, false),
        Field::new("block", DataType::UInt32, false),
        Field::new("message", DataType::Utf8, true),
        Field::new("from", DataType::UInt32, true),
        Field::new("to", DataType::UInt32, true),
        Field::new("sent", DataType::UInt32, true),
        Field::new("due", DataType::UInt32, true),
        Field::new("fate", DataType::Utf8, true),
        Field::new("mask", DataType::UInt8, true),
        Field::new("holds", DataType::UInt8, true),
        Field::new("peer", DataType::UInt32, true),
        Field::new("state", DataType::Utf8, true),
    ])
}

#[derive(Default)]
pub struct EventRows {
    rows: Vec<TraceEvent>,
}

impl EventRows {
    pub fn extend(&mut self, events: impl IntoIterator<Item = TraceEvent>) {
        self.rows.extend(events);
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Builds a batch of the buffered rows and empties the buffer.
    pub fn take_batch(&mut self, schema: &Arc<Schema>) -> Result<RecordBatch, ArrowError> {
        let rows = std::mem::take(&mut self.rows);
        let n = rows.len();
        let u32s = || UInt32Builder::with_capacity(n);
        let texts = || StringBuilder::with_capacity(n, 8 * n);
        let (mut tick, mut block, mut from, mut to) = (u32s(), u32s(), u32s(), u32s());
        let (mut sent, mut due, mut peer) = (u32s(), u32s(), u32s());
        let (mut kind, mut message, mut fate, mut state) = (texts(), texts(), texts(), texts());
        let mut mask = UInt8Builder::with_capacity(n);
        let mut holds = UInt8Builder::with_capacity(n);
        for ev in &rows {
            match *ev {
                TraceEvent::Message {
                    tick: t,
                    msg,
                    fate: f,
                    due: d,
                } => {
                    tick.append_value(t);
                    kind.append_value("message");
                    block.append_value(msg.block);
                    message.append_value(kind_name(msg.kind));
                    from.append_value(msg.from);
                    to.append_value(msg.to);
                    sent.append_value(msg.sent);
                    due.append_option(d);
                    fate.append_value(f.name());
                    mask.append_value(msg.mask);
                    holds.append_value(msg.holds);
                    peer.append_null();
                    state.append_null();
                }
                TraceEvent::State {
                    tick: t,
                    peer: p,
                    block: b,
                    state: s,
                } => {
                    tick.append_value(t);
                    kind.append_value("state");
                    block.append_value(b);
                    message.append_null();
                    from.append_null();
                    to.append_null();
                    sent.append_null();
                    due.append_null();
                    fate.append_null();
                    mask.append_null();
                    holds.append_null();
                    peer.append_value(p);
                    state.append_value(s.name());
                }
            }
        }
        let arrays: Vec<ArrayRef> = vec![
            Arc::new(tick.finish()),
            Arc::new(kind.finish()),
            Arc::new(block.finish()),
            Arc::new(message.finish()),
            Arc::new(from.finish()),
            Arc::new(to.finish()),
            Arc::new(sent.finish()),
            Arc::new(due.finish()),
            Arc::new(fate.finish()),
            Arc::new(mask.finish()),
            Arc::new(holds.finish()),
            Arc::new(peer.finish()),
            Arc::new(state.finish()),
        ];
        RecordBatch::try_new(schema.clone(), arrays)
    }
}
