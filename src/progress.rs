//! A one-line progress bar on standard error, for the CLI's long tasks (drawn only on a
//! terminal; elsewhere the tasks log instead).

use std::io::{IsTerminal, Write};

/// Whether standard error is a terminal (so a bar can be redrawn in place).
pub fn on_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// Redraws `label [#####     ] done/total suffix` in place.
pub fn draw(label: &str, done: u64, total: u64, suffix: &str) {
    const WIDTH: u64 = 30;
    let filled = (done * WIDTH)
        .checked_div(total)
        .unwrap_or(WIDTH)
        .min(WIDTH) as usize;
    let empty = WIDTH as usize - filled;
    let mut stderr = std::io::stderr().lock();
    let _ = write!(
        stderr,
        "\r{label} [{}{}] {done}/{total} {suffix}\x1b[K",
        "#".repeat(filled),
        " ".repeat(empty)
    );
    let _ = stderr.flush();
}

/// Ends the bar's line.
pub fn finish() {
    eprintln!();
}
