//! JSON objects (run summaries) as typed columns: nested objects are flattened
//! (`messages_by_type.vote`), so any field the summary gains later becomes a column by itself.
//! Whole numbers (counts: serde writes a Rust integer without a fraction, an f64 always with
//! one) are UInt64, or Int64 if one is negative; other numbers Float64; booleans Boolean;
//! anything else (strings, lists) Utf8.

use arrow_array::ArrayRef;
use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int64Builder, StringBuilder, UInt64Builder,
};
use arrow_schema::{DataType, Field};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The Arrow type a column of JSON values gets.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ColumnType {
    /// Unsigned integers: counts, and configuration integers such as peers and seed.
    Unsigned,
    Signed,
    /// Rates, means and any number written with a fraction.
    Number,
    Bool,
    Text,
}

impl ColumnType {
    /// Whole numbers (or nulls) only: Unsigned, or Signed if one is negative; numbers of which
    /// one has a fraction: Number (also when every value is null, for want of a better
    /// guess: `columns` takes hints for those); booleans only: Bool; otherwise Text.
    pub fn of<'a>(values: impl IntoIterator<Item = &'a Value> + Clone) -> Self {
        let present = || values.clone().into_iter().filter(|v| !v.is_null());
        if present().next().is_some() && present().all(Value::is_u64) {
            ColumnType::Unsigned
        } else if present().next().is_some() && present().all(|v| v.is_i64() || v.is_u64()) {
            ColumnType::Signed
        } else if present().all(Value::is_number) {
            ColumnType::Number
        } else if values.into_iter().all(|v| v.is_boolean() || v.is_null()) {
            ColumnType::Bool
        } else {
            ColumnType::Text
        }
    }
}

/// Flattens nested objects into `(dotted.name, value)` pairs, in the object's key order.
pub fn flatten(v: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    flatten_into("", v, &mut out);
    out
}

fn flatten_into(prefix: &str, v: &Value, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                let name = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten_into(&name, v, out);
            }
        }
        other => out.push((prefix.to_string(), other.clone())),
    }
}

/// One column per flattened field of `rows` (first row's order, then fields first seen later),
/// typed by its values unless `types` fixes it (so every slice of a grid types a column alike).
/// A column null in every row takes its type from `when_null` if named there: an optional
/// count that is null in one run (a p50 without commits) is still an integer, so run tables
/// and sweep shards stack.
pub fn columns(
    rows: &[Value],
    types: &BTreeMap<String, ColumnType>,
    when_null: &[(&str, ColumnType)],
) -> Vec<(Field, ArrayRef)> {
    let flat: Vec<BTreeMap<String, Value>> = rows
        .iter()
        .map(|r| flatten(r).into_iter().collect())
        .collect();
    let mut names: Vec<String> = Vec::new();
    for row in rows {
        for (name, _) in flatten(row) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
        .into_iter()
        .map(|name| {
            let values: Vec<&Value> = flat
                .iter()
                .map(|r| r.get(&name).unwrap_or(&Value::Null))
                .collect();
            let all_null = values.iter().all(|v| v.is_null());
            let hint = when_null
                .iter()
                .find(|(n, _)| all_null && *n == name)
                .map(|&(_, t)| t);
            let kind = types
                .get(&name)
                .copied()
                .or(hint)
                .unwrap_or_else(|| ColumnType::of(values.iter().copied()));
            column(name, kind, &values)
        })
        .collect()
}

fn column(name: String, kind: ColumnType, values: &[&Value]) -> (Field, ArrayRef) {
    match kind {
        ColumnType::Unsigned => {
            let mut b = UInt64Builder::with_capacity(values.len());
            values.iter().for_each(|v| b.append_option(v.as_u64()));
            (
                Field::new(name, DataType::UInt64, true),
                Arc::new(b.finish()),
            )
        }
        ColumnType::Signed => {
            let mut b = Int64Builder::with_capacity(values.len());
            values.iter().for_each(|v| b.append_option(v.as_i64()));
            (
                Field::new(name, DataType::Int64, true),
                Arc::new(b.finish()),
            )
        }
        ColumnType::Number => {
            let mut b = Float64Builder::with_capacity(values.len());
            values.iter().for_each(|v| b.append_option(v.as_f64()));
            (
                Field::new(name, DataType::Float64, true),
                Arc::new(b.finish()),
            )
        }
        ColumnType::Bool => {
            let mut b = BooleanBuilder::with_capacity(values.len());
            values.iter().for_each(|v| b.append_option(v.as_bool()));
            (
                Field::new(name, DataType::Boolean, true),
                Arc::new(b.finish()),
            )
        }
        ColumnType::Text => {
            let mut b = StringBuilder::new();
            values.iter().for_each(|v| match v {
                Value::String(s) => b.append_value(s),
                Value::Null => b.append_null(),
                other => b.append_value(other.to_string()),
            });
            (Field::new(name, DataType::Utf8, true), Arc::new(b.finish()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_fields_become_typed_columns() {
        let rows = [
            json!({"a": 1, "b": {"c": true}, "d": "x", "e": null, "n": 3, "s": -1, "f": 2.0}),
            json!({"a": 2.5, "b": {"c": false}, "d": "y", "e": null, "n": null, "s": 4, "f": 1.0}),
        ];
        let cols = columns(&rows, &BTreeMap::new(), &[]);
        let names: Vec<_> = cols.iter().map(|(f, _)| f.name().as_str()).collect();
        // serde_json's objects keep keys sorted.
        assert_eq!(names, ["a", "b.c", "d", "e", "f", "n", "s"]);
        let types: Vec<_> = cols.iter().map(|(f, _)| f.data_type().clone()).collect();
        assert_eq!(
            types,
            [
                // A count and a rate in one column: the rate's type.
                DataType::Float64,
                DataType::Boolean,
                DataType::Utf8,
                // All null: no value to go by, and no hint.
                DataType::Float64,
                // An f64 that happens to be whole stays a double.
                DataType::Float64,
                DataType::UInt64,
                DataType::Int64,
            ]
        );
    }

    #[test]
    fn a_fixed_type_wins_over_the_values() {
        let rows = [json!({"g": 3})];
        let types = BTreeMap::from([("g".to_string(), ColumnType::Text)]);
        let cols = columns(&rows, &types, &[]);
        assert_eq!(cols[0].0.data_type(), &DataType::Utf8);
    }

    #[test]
    fn a_hint_types_only_an_all_null_column() {
        let hint = [("p", ColumnType::Unsigned), ("q", ColumnType::Unsigned)];
        let rows = [json!({"p": null, "q": 1.5})];
        let cols = columns(&rows, &BTreeMap::new(), &hint);
        assert_eq!(cols[0].0.data_type(), &DataType::UInt64);
        // Values beat the hint, so a field that became a rate is not read as null counts.
        assert_eq!(cols[1].0.data_type(), &DataType::Float64);
    }
}
