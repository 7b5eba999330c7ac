//! A value that must never reach logs, argv, JSON output or a file nobody asked for.
//!
//! `Secret` has no `Display` and a redacting `Debug`, so it cannot slip into a `tracing` field
//! or an error message by accident; code that really needs the text calls `expose`. Its memory
//! is wiped when it is dropped. Files that hold a secret are created new with mode 0600 by
//! `write_new_private_file`.

use std::fmt;
use std::io::Write;
use std::path::Path;
use zeroize::Zeroize;

#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// A secret in a serialised report (the batch report file, which the user asked for): its
/// text, or an empty string when there is none.
pub(crate) fn serialize_exposed<S: serde::Serializer>(
    secret: &Option<Secret>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(secret.as_ref().map_or("", Secret::expose))
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// Creates `path` (it must not exist yet) readable and writable by the owner only, and writes
/// `contents` to it. An existing file is never overwritten.
pub(crate) fn write_new_private_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_value() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), "Secret([redacted])");
        assert!(!format!("{:?}", Some(&secret)).contains("hunter2"));
    }

    #[test]
    fn private_file_is_new_and_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seed");
        write_new_private_file(&path, b"otpauth://x").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = write_new_private_file(&path, b"other").unwrap_err();
        assert_eq!(again.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&path).unwrap(), b"otpauth://x");
    }
}
