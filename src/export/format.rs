//! The two file formats every table can be written in.

use std::path::Path;

#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Arrow IPC ("Feather v2"): fast to write and to read with pyarrow or polars.
    Arrow,
    /// Parquet (zstd): what SQL engines such as DuckDB read offline, with globs over many files.
    Parquet,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Arrow => "arrow",
            Format::Parquet => "parquet",
        }
    }

    /// The format a file name asks for by its extension, if it names one.
    pub fn of_path(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()? {
            "arrow" | "feather" | "ipc" => Some(Format::Arrow),
            "parquet" => Some(Format::Parquet),
            _ => None,
        }
    }
}
