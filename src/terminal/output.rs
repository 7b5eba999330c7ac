//! Writing to standard output and standard error, where a closed pipe or a terminal that went
//! away is not an error: what a command prints never cuts short what it does.

use std::io::Write;

/// Writes to standard error; a terminal that went away (SIGHUP) is not an error, so what
/// runs after it (an undo) is never cut short by a failed message.
pub(crate) fn print_err(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Writes to standard output; a closed pipe (`| head`) is not an error.
pub(crate) fn print(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}
