//! Shards' tables merged into one, rows in scenario order.

use crate::sweep::SCENARIO_COLUMN;
use anyhow::{Context, Result, bail};
use arrow_array::{Array, ArrayRef, RecordBatch, UInt32Array, new_null_array};
use arrow_schema::{Field, Schema};
use std::collections::HashMap;
use std::sync::Arc;

/// Merges `shards` (same columns) so row i is scenario i, checking that each of
/// `0..scenarios` appears exactly once.
pub fn in_scenario_order(
    shards: &[RecordBatch],
    scenarios: usize,
    metadata: HashMap<String, String>,
) -> Result<RecordBatch> {
    let schema = unified_schema(shards)?.with_metadata(metadata);
    let columns = aligned_columns(shards, &schema)?;
    // Where each scenario's row is: (shard, row).
    let mut place: Vec<Option<(usize, usize)>> = vec![None; scenarios];
    for (s, batch) in shards.iter().enumerate() {
        let ids = batch
            .column_by_name(SCENARIO_COLUMN)
            .and_then(|c| c.as_any().downcast_ref::<UInt32Array>())
            .context("a shard has no scenario column")?;
        for (row, &id) in ids.values().iter().enumerate() {
            let slot = place
                .get_mut(id as usize)
                .with_context(|| format!("scenario {id} is outside the sweep's 0..{scenarios}"))?;
            if slot.replace((s, row)).is_some() {
                bail!("scenario {id} is in more than one shard");
            }
        }
    }
    let order: Vec<(usize, usize)> = place
        .iter()
        .enumerate()
        .map(|(id, p)| p.with_context(|| format!("scenario {id} is in no shard")))
        .collect::<Result<_>>()?;
    let merged = (0..schema.fields().len())
        .map(|c| {
            let parts: Vec<&dyn Array> = columns.iter().map(|cols| cols[c].as_ref()).collect();
            Ok(arrow_select::interleave::interleave(&parts, &order)?)
        })
        .collect::<Result<Vec<ArrayRef>>>()?;
    Ok(RecordBatch::try_new(Arc::new(schema), merged)?)
}

/// The shards' common schema. A column that is null in every row of one shard takes the type
/// it has where it holds values (JSON nulls alone cannot tell a number from a string).
fn unified_schema(shards: &[RecordBatch]) -> Result<Schema> {
    let first = shards.first().context("no shard to merge")?;
    let names: Vec<&String> = first
        .schema_ref()
        .fields()
        .iter()
        .map(|f| f.name())
        .collect();
    for batch in shards {
        let these: Vec<&String> = batch
            .schema_ref()
            .fields()
            .iter()
            .map(|f| f.name())
            .collect();
        if these != names {
            bail!("shards have different columns (written by different versions?)");
        }
    }
    let fields = (0..names.len())
        .map(|c| {
            let mut typed: Option<&Field> = None;
            for batch in shards {
                let field = batch.schema_ref().field(c);
                if batch.column(c).null_count() == batch.num_rows() {
                    continue;
                }
                match typed {
                    Some(t) if t.data_type() != field.data_type() => bail!(
                        "column {} is {} in one shard and {} in another",
                        field.name(),
                        t.data_type(),
                        field.data_type()
                    ),
                    _ => typed = Some(field),
                }
            }
            Ok(typed.unwrap_or(first.schema_ref().field(c)).clone())
        })
        .collect::<Result<Vec<Field>>>()?;
    Ok(Schema::new(fields))
}

/// Every shard's columns, all-null ones rebuilt with the unified type.
fn aligned_columns(shards: &[RecordBatch], schema: &Schema) -> Result<Vec<Vec<ArrayRef>>> {
    Ok(shards
        .iter()
        .map(|batch| {
            batch
                .columns()
                .iter()
                .zip(schema.fields())
                .map(|(col, field): (&ArrayRef, _)| {
                    if col.data_type() == field.data_type() {
                        col.clone()
                    } else {
                        new_null_array(field.data_type(), col.len())
                    }
                })
                .collect()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Float64Array, StringArray};
    use arrow_schema::DataType;

    fn shard(ids: &[u32], x: ArrayRef) -> RecordBatch {
        let schema = Schema::new(vec![
            Field::new(SCENARIO_COLUMN, DataType::UInt32, false),
            Field::new("x", x.data_type().clone(), true),
        ]);
        RecordBatch::try_new(
            Arc::new(schema),
            vec![Arc::new(UInt32Array::from(ids.to_vec())), x],
        )
        .unwrap()
    }

    #[test]
    fn rows_come_out_in_scenario_order_with_all_null_columns_retyped() {
        let a = shard(&[0, 2], Arc::new(StringArray::from(vec!["a", "c"])));
        let b = shard(&[1], Arc::new(Float64Array::from(vec![None::<f64>])));
        let m = in_scenario_order(&[a, b], 3, HashMap::new()).unwrap();
        let ids = m.column(0).as_any().downcast_ref::<UInt32Array>().unwrap();
        assert_eq!(ids.values().to_vec(), vec![0, 1, 2]);
        let x = m.column(1).as_any().downcast_ref::<StringArray>().unwrap();
        assert_eq!(
            x.iter().collect::<Vec<_>>(),
            vec![Some("a"), None, Some("c")]
        );
    }

    #[test]
    fn a_missing_or_doubled_scenario_is_an_error() {
        let x = || Arc::new(Float64Array::from(vec![1.0])) as ArrayRef;
        assert!(in_scenario_order(&[shard(&[0], x())], 2, HashMap::new()).is_err());
        assert!(
            in_scenario_order(&[shard(&[0], x()), shard(&[0], x())], 1, HashMap::new()).is_err()
        );
    }
}
