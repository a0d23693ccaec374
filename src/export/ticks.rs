//! `ticks.arrow`: one row per tick.

use arrow_array::builder::{UInt32Builder, UInt64Builder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Schema};
use ecrust_systems::model::message::KindCounts;
use ecrust_systems::model::metrics::TickMetrics;
use ecrust_systems::protocol::all_kinds;
use std::sync::Arc;

/// The gauges and counters after the per-kind message columns, in column order.
const COUNTERS: [&str; 13] = [
    "blocks_submitted",
    "blocks_committed",
    "blocks_rejected",
    "blocks_timed_out",
    "peer_commits",
    "active_blocks",
    "mempool_entries",
    "vote_records",
    "messages_in_flight",
    "blocks_held",
    "peers_partitioned",
    "messages_cut",
    "safety_violations",
];

fn counters(m: &TickMetrics) -> [u64; 13] {
    [
        m.blocks_submitted,
        m.blocks_committed,
        m.blocks_rejected,
        m.blocks_timed_out,
        m.peer_commits,
        m.active_blocks,
        m.mempool_entries,
        m.vote_records,
        m.in_flight,
        m.blocks_held,
        m.peers_partitioned,
        m.messages_cut,
        m.violations,
    ]
}

pub fn schema() -> Schema {
    let mut fields = vec![Field::new("tick", DataType::UInt32, false)];
    for stage in ["sent", "delivered", "dropped"] {
        for kind in all_kinds() {
            fields.push(Field::new(
                format!("{stage}_{}", kind.name),
                DataType::UInt64,
                false,
            ));
        }
    }
    fields.extend(
        COUNTERS
            .iter()
            .map(|name| Field::new(*name, DataType::UInt64, false)),
    );
    Schema::new(fields)
}

/// Rows waiting to become a record batch.
#[derive(Default)]
pub struct TickRows {
    rows: Vec<TickMetrics>,
}

impl TickRows {
    pub fn push(&mut self, m: &TickMetrics) {
        self.rows.push(m.clone());
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Builds a batch of the buffered rows and empties the buffer.
    pub fn take_batch(&mut self, schema: &Arc<Schema>) -> Result<RecordBatch, ArrowError> {
        let rows = std::mem::take(&mut self.rows);
        let mut tick = UInt32Builder::with_capacity(rows.len());
        let mut columns: Vec<UInt64Builder> = (0..schema.fields().len() - 1)
            .map(|_| UInt64Builder::with_capacity(rows.len()))
            .collect();
        for m in &rows {
            tick.append_value(m.tick);
            let per_kind = |c: &KindCounts| all_kinds().map(|k| c.get(k.code)).collect::<Vec<_>>();
            let values = [&m.sent, &m.delivered, &m.dropped]
                .into_iter()
                .flat_map(per_kind)
                .chain(counters(m));
            for (col, v) in columns.iter_mut().zip(values) {
                col.append_value(v);
            }
        }
        let mut arrays: Vec<ArrayRef> = vec![Arc::new(tick.finish())];
        arrays.extend(columns.iter_mut().map(|c| Arc::new(c.finish()) as ArrayRef));
        RecordBatch::try_new(schema.clone(), arrays)
    }
}
