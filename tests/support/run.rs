//! Running the real binary against the emulator: its address, unique names, a builder for one
//! run (or one in progress), and the checks on what it printed and how it ended.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub(crate) const BINARY: &str = env!("CARGO_BIN_EXE_iam-onboard");

pub(crate) fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The emulator's URL: from `IAM_ONBOARD_TEST_ENDPOINT`, else started by `scripts/emulator`.
pub(crate) fn endpoint() -> &'static str {
    static ENDPOINT: OnceLock<String> = OnceLock::new();
    ENDPOINT.get_or_init(|| {
        if let Ok(url) = std::env::var("IAM_ONBOARD_TEST_ENDPOINT") {
            return url;
        }
        let out = Command::new(project_root().join("scripts/emulator"))
            .arg("start")
            .output()
            .expect("scripts/emulator runs");
        assert!(
            out.status.success(),
            "scripts/emulator start failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    })
}

/// `new-user NAME --template TEMPLATE` without console or MFA device, confirmed: the quickest
/// way to have a person of a template.
pub(crate) fn plain_onboarding(name: &str, template: &str) -> Run {
    Run::new(&[
        "new-user",
        name,
        "--template",
        template,
        "--no-console",
        "--mfa",
        "deferred",
        "-y",
    ])
}

/// A path as an argument of a run.
pub(crate) fn path_arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `new-user NAME --template TEMPLATE -y --mfa export`, the seed written to `secret_file` and
/// the one-time password to `password_file` (both new): a script's onboarding, which then reads
/// the seed and hands over the codes.
pub(crate) fn exporting_onboarding(
    name: &str,
    template: &str,
    secret_file: &Path,
    password_file: &Path,
) -> Run {
    Run::new(&[
        "new-user",
        "-y",
        name,
        "--template",
        template,
        "--mfa",
        "export",
        "--mfa-secret-file",
        path_arg(secret_file),
        "--password-file",
        path_arg(password_file),
    ])
}

/// `batch FILE -y --report REPORT -q`: a batch file run, confirmed, its report in a new file.
pub(crate) fn batch_run(file: &str, report: &Path) -> Run {
    Run::new(&["batch", "-y", file, "--report", path_arg(report), "-q"])
}

/// A name no other test (or earlier run against the same server) uses.
pub(crate) fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Files that hold no AWS configuration, so no real profile can leak into a test. They stay in
/// cargo's own scratch folder for tests (`target/tmp`), shared by every run, so no run leaves a
/// folder of its own in the system's temp folder (`cargo clean` removes it).
fn empty_aws_files() -> &'static (PathBuf, PathBuf) {
    static FILES: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    FILES.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("empty-aws-files");
        std::fs::create_dir_all(&dir).unwrap();
        let (config, credentials) = (dir.join("config"), dir.join("credentials"));
        std::fs::write(&config, "").unwrap();
        std::fs::write(&credentials, "").unwrap();
        (config, credentials)
    })
}

/// One run of the binary.
pub(crate) struct Run {
    command: Command,
    stdin: Option<String>,
}

impl Run {
    pub(crate) fn new(args: &[&str]) -> Self {
        let (config, credentials) = empty_aws_files();
        let mut command = Command::new(BINARY);
        command
            .args(args)
            .env("AWS_ENDPOINT_URL", endpoint())
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", config)
            .env("AWS_SHARED_CREDENTIALS_FILE", credentials)
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("IAM_ONBOARD_LOG")
            .env_remove("LC_ALL")
            .env_remove("LC_CTYPE")
            .env("LANG", "C.UTF-8")
            .env("NO_COLOR", "1");
        Run {
            command,
            stdin: None,
        }
    }

    pub(crate) fn arg(mut self, arg: &str) -> Self {
        self.command.arg(arg);
        self
    }

    pub(crate) fn env(mut self, key: &str, value: &str) -> Self {
        self.command.env(key, value);
        self
    }

    pub(crate) fn stdin(mut self, text: &str) -> Self {
        self.stdin = Some(text.to_string());
        self
    }

    pub(crate) fn command(self) -> Command {
        self.command
    }

    /// Starts it with stdin piped, for a test that answers after reading a file it writes.
    /// Its output goes to files, so a chatty run never blocks on a full pipe.
    pub(crate) fn spawn(mut self) -> Running {
        let logs = tempfile::tempdir().unwrap();
        let stdout = std::fs::File::create(logs.path().join("stdout")).unwrap();
        let stderr = std::fs::File::create(logs.path().join("stderr")).unwrap();
        let child = self
            .command
            .stdin(Stdio::piped())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .expect("the binary starts");
        Running { child, logs }
    }

    pub(crate) fn output(mut self) -> Output {
        let mut child = self
            .command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let text = self.stdin.take().unwrap_or_default();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        Output::from(child.wait_with_output().unwrap())
    }

    /// Runs to the end as bad input does: exit 2, `message` on standard error.
    #[track_caller]
    pub(crate) fn refused(self, message: &str) -> Output {
        let out = self.output();
        out.exits(2).stderr_has(message);
        out
    }
}

/// A run in progress.
pub(crate) struct Running {
    pub(crate) child: Child,
    logs: tempfile::TempDir,
}

impl Running {
    pub(crate) fn write_stdin(&mut self, text: &str) {
        self.child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }

    pub(crate) fn finish(mut self) -> Output {
        let status = self.child.wait().unwrap();
        let read = |name: &str| std::fs::read_to_string(self.logs.path().join(name)).unwrap();
        Output {
            code: status.code().unwrap_or(-1),
            stdout: read("stdout"),
            stderr: read("stderr"),
        }
    }
}

#[derive(Debug)]
pub(crate) struct Output {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl From<std::process::Output> for Output {
    fn from(out: std::process::Output) -> Self {
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Output {
    #[track_caller]
    pub(crate) fn exits(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub(crate) fn stdout_has(&self, text: &str) -> &Self {
        assert!(
            self.stdout.contains(text),
            "stdout lacks {text:?}:\n{}",
            self.stdout
        );
        self
    }

    #[track_caller]
    pub(crate) fn stderr_has(&self, text: &str) -> &Self {
        assert!(
            self.stderr.contains(text),
            "stderr lacks {text:?}:\n{}",
            self.stderr
        );
        self
    }

    #[track_caller]
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|err| panic!("{err}: {}", self.stdout))
    }

    /// A run with `--output json` refused as bad input: exit 2, and on standard output the one
    /// `{"error": …}` object, of kind bad-input, whose message holds `text`; the error object.
    #[track_caller]
    pub(crate) fn bad_input_json(&self, text: &str) -> serde_json::Value {
        let error = self.exits(2).json()["error"].clone();
        assert_eq!(error["kind"], "bad-input", "{error}");
        assert_eq!(error["exit_code"], 2, "{error}");
        let message = error["message"].as_str().unwrap_or_default();
        assert!(message.contains(text), "{text:?} not in {error}");
        error
    }
}

/// `name`'s line of `list --all --output json`.
#[track_caller]
pub(crate) fn listed_line(name: &str) -> serde_json::Value {
    let listed = Run::new(&["list", "--all", "--output", "json"])
        .output()
        .exits(0)
        .json();
    listed["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|person| person["user_name"] == name)
        .unwrap_or_else(|| panic!("{name} is listed: {listed}"))
        .clone()
}

/// The strings of a JSON array, as the reports print lists.
#[track_caller]
pub(crate) fn strings(value: &serde_json::Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {value}"))
        .iter()
        .map(|item| item.as_str().unwrap().to_string())
        .collect()
}

/// Waits for a file the binary writes, as a script would.
#[track_caller]
pub(crate) fn wait_for_file(path: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && text.ends_with('\n')
        {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(unix)]
#[track_caller]
pub(crate) fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The built-in templates exported to `dir/set`, a set of one's own to edit.
#[track_caller]
pub(crate) fn exported_templates(dir: &Path) -> PathBuf {
    let set = dir.join("set");
    Run::new(&["templates", "export", path_arg(&set)])
        .output()
        .exits(0);
    set
}

/// A JSON file, read.
#[track_caller]
pub(crate) fn json_file(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}
