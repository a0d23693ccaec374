//! A file written under a temporary name and renamed into place only when complete, so a
//! reader never mistakes a half-written file for a finished one. Dropped without `commit`
//! (an error part-way), the temporary file is removed.

use anyhow::{Context, Result};
use std::fs::File;
use std::path::{Path, PathBuf};

pub struct StagedFile {
    /// `None` once committed.
    temp: Option<PathBuf>,
    target: PathBuf,
}

impl StagedFile {
    /// Creates `dir/.NAME.partial`, to become `dir/NAME`.
    pub fn create(dir: &Path, name: &str) -> Result<(Self, File)> {
        let temp = dir.join(format!(".{name}.partial"));
        let file =
            File::create(&temp).with_context(|| format!("cannot write {}", temp.display()))?;
        Ok((
            Self {
                temp: Some(temp),
                target: dir.join(name),
            },
            file,
        ))
    }

    /// Moves the finished file to its final name.
    pub fn commit(mut self) -> Result<PathBuf> {
        let temp = self.temp.take().expect("a staged file is committed once");
        std::fs::rename(&temp, &self.target).with_context(|| {
            format!(
                "cannot rename {} to {}",
                temp.display(),
                self.target.display()
            )
        })?;
        Ok(self.target.clone())
    }
}

impl Drop for StagedFile {
    fn drop(&mut self) {
        if let Some(temp) = self.temp.take() {
            let _ = std::fs::remove_file(temp);
        }
    }
}
