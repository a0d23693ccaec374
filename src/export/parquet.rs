//! One Parquet file being written (zstd). Parquet has one place for metadata, the footer, so
//! the schema metadata (`ecrust.config`, ...) and the closing status both go there as
//! key/value pairs, where DuckDB's `parquet_kv_metadata` and pyarrow find them.

use anyhow::Result;
use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use std::fs::File;
use std::io::BufWriter;

pub struct ParquetWriter {
    writer: ArrowWriter<BufWriter<File>>,
}

impl ParquetWriter {
    pub fn create(out: File, schema: &SchemaRef) -> Result<Self> {
        let mut metadata: Vec<KeyValue> = schema
            .metadata()
            .iter()
            .map(|(k, v)| KeyValue::new(k.clone(), v.clone()))
            .collect();
        // A HashMap's order changes from run to run; sorted, identical runs give identical files.
        metadata.sort_by(|a, b| a.key.cmp(&b.key));
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .set_key_value_metadata(Some(metadata))
            .build();
        Ok(Self {
            writer: ArrowWriter::try_new(BufWriter::new(out), schema.clone(), Some(props))?,
        })
    }

    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        Ok(self.writer.write(batch)?)
    }

    /// Adds `footer` to the key/value metadata, writes the footer and flushes to disk.
    pub fn finish(mut self, footer: &[(&str, String)]) -> Result<()> {
        for (key, value) in footer {
            self.writer
                .append_key_value_metadata(KeyValue::new(key.to_string(), value.clone()));
        }
        // `into_inner` writes the footer; the BufWriter's then flushes it to the file.
        self.writer
            .into_inner()?
            .into_inner()
            .map_err(|e| e.into_error())?;
        Ok(())
    }
}
