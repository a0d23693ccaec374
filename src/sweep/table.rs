//! The sweep table: one row per run: `scenario` (its index in the grid), then one typed column
//! per summary field and `grid_<key>` per grid key. A shard's table is the same table cut to
//! its scenarios, so shards concatenate into the local sweep's table.

use super::plan::SweepPlan;
use crate::export::json_columns::{self, ColumnType};
use crate::report::OPTIONAL_COUNTS;
use anyhow::Result;
use arrow_array::{ArrayRef, RecordBatch, UInt32Array};
use arrow_schema::{DataType, Field, Schema};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

pub const SCENARIO_COLUMN: &str = "scenario";

/// Grid columns typed from every value of the grid, not just a shard's, so a shard holding
/// only `delay = 3` and another holding `delay = "1..5"` still agree on the column's type.
fn grid_types(plan: &SweepPlan) -> BTreeMap<String, ColumnType> {
    plan.file
        .grid
        .keys()
        .map(|key| {
            let values: Vec<Value> = plan
                .points
                .iter()
                .filter_map(|p| p.values.iter().find(|(k, _)| k == key))
                .map(|(_, v)| v.clone())
                .collect();
            (format!("grid_{key}"), ColumnType::of(values.iter()))
        })
        .collect()
}

/// The table of the runs `indices` (rows in the same order), with `metadata` on its schema.
pub fn build(
    plan: &SweepPlan,
    indices: &[usize],
    rows: &[Value],
    metadata: HashMap<String, String>,
) -> Result<RecordBatch> {
    let scenario: Vec<u32> = indices
        .iter()
        .map(|&i| u32::try_from(i))
        .collect::<Result<_, _>>()?;
    let mut fields = vec![Field::new(SCENARIO_COLUMN, DataType::UInt32, false)];
    let mut arrays: Vec<ArrayRef> = vec![Arc::new(UInt32Array::from(scenario))];
    for (field, array) in json_columns::columns(rows, &grid_types(plan), &OPTIONAL_COUNTS) {
        fields.push(field);
        arrays.push(array);
    }
    let schema = Arc::new(Schema::new(fields).with_metadata(metadata));
    Ok(RecordBatch::try_new(schema, arrays)?)
}

/// Schema metadata naming the sweep a table belongs to.
pub fn metadata(plan: &SweepPlan) -> HashMap<String, String> {
    HashMap::from([
        ("ecrust.sweep_hash".to_string(), plan.hash.clone()),
        ("ecrust.scenarios".to_string(), plan.len().to_string()),
        (
            "ecrust.version".to_string(),
            env!("CARGO_PKG_VERSION").to_string(),
        ),
    ])
}
