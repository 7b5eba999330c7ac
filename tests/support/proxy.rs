//! The project's fault proxies (`scripts/throttle-proxy`, `scripts/consistency-proxy`) in front
//! of the emulator, each stopped when dropped.

use super::run::{endpoint, project_root};
use std::process::{Child, Command, Stdio};

/// A proxy script of `scripts/` in front of the emulator.
pub(crate) struct Proxy {
    child: Child,
    pub(crate) url: String,
}

impl Proxy {
    /// Starts `scripts/NAME UPSTREAM ARGUMENT` and reads the URL it prints.
    pub(crate) fn start(script: &str, argument: &str) -> Self {
        let mut child = Command::new(project_root().join(".venv/bin/python"))
            .arg(project_root().join("scripts").join(script))
            .arg(endpoint())
            .arg(argument)
            .stdout(Stdio::piped())
            .spawn()
            .expect("the proxy starts");
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        Proxy {
            child,
            url: line.trim().to_string(),
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
