//! Rows in `COPY … FROM STDIN` text format, for bulk loads.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use std::fmt::Display;

/// Rows being written in PostgreSQL's `COPY` text format: columns separated by tabs, rows by
/// newlines, `\N` for NULL, and backslash escapes for the separators in values.
#[derive(Default)]
pub struct CopyRows {
    data: Vec<u8>,
    rows: usize,
    row_started: bool,
}

impl CopyRows {
    fn separate(&mut self) {
        if self.row_started {
            self.data.push(b'\t');
        }
        self.row_started = true;
    }

    /// A text value.
    pub fn text(&mut self, value: &str) -> &mut Self {
        self.separate();
        for byte in value.bytes() {
            match byte {
                b'\\' => self.data.extend_from_slice(b"\\\\"),
                b'\t' => self.data.extend_from_slice(b"\\t"),
                b'\n' => self.data.extend_from_slice(b"\\n"),
                b'\r' => self.data.extend_from_slice(b"\\r"),
                other => self.data.push(other),
            }
        }
        self
    }

    /// A value written as its `Display` text (numbers, ids, booleans), which needs no escape.
    pub fn plain(&mut self, value: impl Display) -> &mut Self {
        use std::io::Write;
        self.separate();
        let _ = write!(self.data, "{value}");
        self
    }

    /// A timestamp.
    pub fn time(&mut self, value: &DateTime<Utc>) -> &mut Self {
        self.plain(value.to_rfc3339())
    }

    /// A JSON value (for a `jsonb` column).
    pub fn json(&mut self, value: &serde_json::Value) -> &mut Self {
        self.text(&value.to_string())
    }

    /// An optional text value.
    pub fn text_or_null(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(value) => self.text(value),
            None => self.null(),
        }
    }

    /// An optional plain value.
    pub fn plain_or_null(&mut self, value: Option<impl Display>) -> &mut Self {
        match value {
            Some(value) => self.plain(value),
            None => self.null(),
        }
    }

    /// NULL.
    pub fn null(&mut self) -> &mut Self {
        self.separate();
        self.data.extend_from_slice(b"\\N");
        self
    }

    /// Ends the row.
    pub fn end_row(&mut self) {
        self.data.push(b'\n');
        self.rows += 1;
        self.row_started = false;
    }

    /// Whether no row was written.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Loads the rows into `target` (`table (column, …)`, on the search path) and empties
    /// this.
    pub async fn copy_into(
        &mut self,
        conn: &mut PgConnection,
        target: &str,
    ) -> Result<(), sqlx::Error> {
        if self.is_empty() {
            return Ok(());
        }
        let mut copy = conn
            .copy_in_raw(&format!("COPY {target} FROM STDIN"))
            .await?;
        copy.send(std::mem::take(&mut self.data)).await?;
        copy.finish().await?;
        self.rows = 0;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::CopyRows;

    #[test]
    fn separators_in_values_are_escaped_and_null_is_marked() {
        let mut rows = CopyRows::default();
        rows.text("a\tb\nc\\d").plain(7).null();
        rows.end_row();
        assert_eq!(rows.data, b"a\\tb\\nc\\\\d\t7\t\\N\n");
        assert!(!rows.is_empty());
    }
}
