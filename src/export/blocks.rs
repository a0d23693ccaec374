//! `blocks.arrow`: one row per block.

use arrow_array::builder::{StringBuilder, UInt32Builder, UInt64Builder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Schema};
use ecrust_systems::model::blocks::{BlockRecord, Outcome};
use std::sync::Arc;

pub fn schema() -> Schema {
    Schema::new(vec![
        Field::new("block", DataType::UInt32, false),
        Field::new("block_id", DataType::UInt64, false),
        Field::new("submit_tick", DataType::UInt32, false),
        Field::new("origin", DataType::UInt32, false),
        Field::new("outcome", DataType::Utf8, false),
        Field::new("outcome_tick", DataType::UInt32, true),
        Field::new("commit_tick", DataType::UInt32, true),
        Field::new("ticks_to_commit", DataType::UInt32, true),
        Field::new("messages", DataType::UInt64, false),
        Field::new("tokens", DataType::UInt32, false),
        Field::new("peers_committed", DataType::UInt32, false),
        Field::new("twin_of", DataType::UInt32, true),
    ])
}

fn outcome_name(o: Option<(Outcome, u32)>) -> &'static str {
    match o {
        Some((Outcome::Committed, _)) => "committed",
        Some((Outcome::Rejected, _)) => "rejected",
        Some((Outcome::TimedOut, _)) => "timed-out",
        None => "in-flight",
    }
}

#[derive(Default)]
pub struct BlockRows {
    rows: Vec<BlockRecord>,
}

impl BlockRows {
    pub fn extend(&mut self, records: impl IntoIterator<Item = BlockRecord>) {
        self.rows.extend(records);
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn take_batch(&mut self, schema: &Arc<Schema>) -> Result<RecordBatch, ArrowError> {
        let rows = std::mem::take(&mut self.rows);
        let n = rows.len();
        let mut block = UInt32Builder::with_capacity(n);
        let mut id = UInt64Builder::with_capacity(n);
        let mut submit = UInt32Builder::with_capacity(n);
        let mut origin = UInt32Builder::with_capacity(n);
        let mut outcome = StringBuilder::with_capacity(n, n * 10);
        let mut outcome_tick = UInt32Builder::with_capacity(n);
        let mut commit_tick = UInt32Builder::with_capacity(n);
        let mut latency = UInt32Builder::with_capacity(n);
        let mut messages = UInt64Builder::with_capacity(n);
        let mut tokens = UInt32Builder::with_capacity(n);
        let mut commits = UInt32Builder::with_capacity(n);
        let mut twin = UInt32Builder::with_capacity(n);
        for r in &rows {
            block.append_value(r.idx);
            id.append_value(r.id);
            submit.append_value(r.submitted);
            origin.append_value(r.origin);
            outcome.append_value(outcome_name(r.outcome));
            outcome_tick.append_option(r.outcome.map(|(_, t)| t));
            let committed = match r.outcome {
                Some((Outcome::Committed, t)) => Some(t),
                _ => None,
            };
            commit_tick.append_option(committed);
            latency.append_option(committed.map(|t| t - r.submitted));
            messages.append_value(r.messages);
            tokens.append_value(r.tokens);
            commits.append_value(r.peers_committed);
            twin.append_option(r.twin_of);
        }
        let arrays: Vec<ArrayRef> = vec![
            Arc::new(block.finish()),
            Arc::new(id.finish()),
            Arc::new(submit.finish()),
            Arc::new(origin.finish()),
            Arc::new(outcome.finish()),
            Arc::new(outcome_tick.finish()),
            Arc::new(commit_tick.finish()),
            Arc::new(latency.finish()),
            Arc::new(messages.finish()),
            Arc::new(tokens.finish()),
            Arc::new(commits.finish()),
            Arc::new(twin.finish()),
        ];
        RecordBatch::try_new(schema.clone(), arrays)
    }
}
