//! Test support: the emulator's address, a builder that runs the real binary against it, an
//! SDK client to check what exists afterwards, and an authenticator app's codes.

use aws_sdk_iam::config::{BehaviorVersion, Credentials, Region};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub const BINARY: &str = env!("CARGO_BIN_EXE_iam-onboard");

pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The emulator's URL: from `IAM_ONBOARD_TEST_ENDPOINT`, else started by `scripts/emulator`.
pub fn endpoint() -> &'static str {
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

/// A name no other test (or earlier run against the same server) uses.
pub fn unique(prefix: &str) -> String {
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

/// Files that hold no AWS configuration, so no real profile can leak into a test.
fn empty_aws_files() -> &'static (PathBuf, PathBuf) {
    static FILES: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    FILES.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("iam-onboard-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (config, credentials) = (dir.join("config"), dir.join("credentials"));
        std::fs::write(&config, "").unwrap();
        std::fs::write(&credentials, "").unwrap();
        (config, credentials)
    })
}

/// One run of the binary.
pub struct Run {
    command: Command,
    stdin: Option<String>,
}

impl Run {
    pub fn new(args: &[&str]) -> Self {
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

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.command.env(key, value);
        self
    }

    pub fn stdin(mut self, text: &str) -> Self {
        self.stdin = Some(text.to_string());
        self
    }

    pub fn command(self) -> Command {
        self.command
    }

    /// Starts it with stdin piped, for a test that answers after reading a file it writes.
    /// Its output goes to files, so a chatty run never blocks on a full pipe.
    pub fn spawn(mut self) -> Running {
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

    pub fn output(mut self) -> Output {
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
}

/// A run in progress.
pub struct Running {
    pub child: Child,
    logs: tempfile::TempDir,
}

impl Running {
    pub fn write_stdin(&mut self, text: &str) {
        self.child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }

    pub fn finish(mut self) -> Output {
        let status = self.child.wait().unwrap();
        let read = |name: &str| std::fs::read_to_string(self.logs.path().join(name)).unwrap();
        Output {
            code: status.code().unwrap_or(-1),
            stdout: read("stdout"),
            stderr: read("stderr"),
        }
    }
}

/// The down-arrow key, as a terminal sends it.
pub const DOWN: &str = "\x1b[B";

/// Runs it in a new pseudo-terminal, as a person at a terminal would.
pub fn on_a_terminal(run: Run) -> rexpect::session::PtySession {
    rexpect::session::spawn_command(run.command(), Some(30_000)).unwrap()
}

/// Keys pressed at once, as a person would (rexpect buffers `send` until a flush).
pub fn press(session: &mut rexpect::session::PtySession, keys: &str) {
    session.send(keys).unwrap();
    session.flush().unwrap();
}

/// How a run on a pseudo-terminal ended.
pub fn exit_code(session: &mut rexpect::session::PtySession) -> i32 {
    match session.process().wait().unwrap() {
        rexpect::process::WaitStatus::Exited(_, code) => code,
        other => panic!("did not exit: {other:?}"),
    }
}

/// rexpect hands each byte of the terminal's output over as one `char`; this puts the UTF-8
/// back together.
pub fn utf8_from_pty(text: &str) -> String {
    let bytes: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
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
    pub fn exits(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    pub fn stdout_has(&self, text: &str) -> &Self {
        assert!(
            self.stdout.contains(text),
            "stdout lacks {text:?}:\n{}",
            self.stdout
        );
        self
    }

    pub fn stderr_has(&self, text: &str) -> &Self {
        assert!(
            self.stderr.contains(text),
            "stderr lacks {text:?}:\n{}",
            self.stderr
        );
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|err| panic!("{err}: {}", self.stdout))
    }
}

/// The strings of a JSON array, as the reports print lists.
pub fn strings(value: &serde_json::Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {value}"))
        .iter()
        .map(|item| item.as_str().unwrap().to_string())
        .collect()
}

pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// An IAM client on the emulator, to check outcomes by listing what exists.
pub fn iam() -> aws_sdk_iam::Client {
    let config = aws_sdk_iam::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint())
        .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
        .build();
    aws_sdk_iam::Client::from_conf(config)
}

/// SSO Admin and Identity Store clients on the emulator.
pub fn sso() -> (aws_sdk_ssoadmin::Client, aws_sdk_identitystore::Client) {
    let credentials =
        aws_sdk_ssoadmin::config::Credentials::new("testing", "testing", None, None, "tests");
    let admin = aws_sdk_ssoadmin::Config::builder()
        .behavior_version(aws_sdk_ssoadmin::config::BehaviorVersion::latest())
        .region(aws_sdk_ssoadmin::config::Region::new("us-east-1"))
        .endpoint_url(endpoint())
        .credentials_provider(credentials.clone())
        .build();
    let store = aws_sdk_identitystore::Config::builder()
        .behavior_version(aws_sdk_identitystore::config::BehaviorVersion::latest())
        .region(aws_sdk_identitystore::config::Region::new("us-east-1"))
        .endpoint_url(endpoint())
        .credentials_provider(credentials)
        .build();
    (
        aws_sdk_ssoadmin::Client::from_conf(admin),
        aws_sdk_identitystore::Client::from_conf(store),
    )
}

/// The names of the groups `user` is in.
pub fn groups_of(user: &str) -> Vec<String> {
    block_on(async {
        let out = iam()
            .list_groups_for_user()
            .user_name(user)
            .send()
            .await
            .unwrap();
        out.groups()
            .iter()
            .map(|g| g.group_name().to_string())
            .collect()
    })
}

pub fn user_exists(name: &str) -> bool {
    block_on(async {
        match iam().get_user().user_name(name).send().await {
            Ok(_) => true,
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_no_such_entity_exception()) =>
            {
                false
            }
            Err(err) => panic!("GetUser: {err:?}"),
        }
    })
}

/// Virtual MFA devices (assigned or not) whose serial ends with `/name`.
pub fn virtual_devices_named(name: &str) -> Vec<String> {
    block_on(async {
        let out = iam().list_virtual_mfa_devices().send().await.unwrap();
        out.virtual_mfa_devices()
            .iter()
            .map(|d| d.serial_number().to_string())
            .filter(|serial| serial.ends_with(&format!("/{name}")))
            .collect()
    })
}

/// Waits for a file the binary writes, as a script would.
pub fn wait_for_file(path: &Path) -> String {
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

/// What an authenticator app shows for `uri`: the current code and the next one.
pub fn current_and_next_codes(uri: &str) -> (String, String) {
    let app = totp_rs::TOTP::from_url(uri.trim()).expect("an otpauth URI");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    (app.generate(now), app.generate(now + 30))
}

/// Types, at the code prompts, the code the app shows now and the next one.
pub fn type_codes(session: &mut rexpect::session::PtySession, uri: &str) {
    let (first, second) = current_and_next_codes(uri);
    session.send_line(&first).unwrap();
    session.exp_string("Next code").unwrap();
    session.send_line(&second).unwrap();
}

/// The user's tags, as (key, value).
pub fn tags_of(user: &str) -> Vec<(String, String)> {
    block_on(async {
        let out = iam().list_user_tags().user_name(user).send().await.unwrap();
        out.tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect()
    })
}

/// How many MFA devices are enabled for the user.
pub fn enabled_mfa_devices(user: &str) -> usize {
    block_on(async {
        let out = iam()
            .list_mfa_devices()
            .user_name(user)
            .send()
            .await
            .unwrap();
        out.mfa_devices().len()
    })
}

/// A 6-digit code the app shows at no time near now: surely rejected.
pub fn a_wrong_code(uri: &str) -> String {
    let app = totp_rs::TOTP::from_url(uri.trim()).expect("an otpauth URI");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let near: Vec<String> = (0..6)
        .map(|step| app.generate(now + step * 30 - 60))
        .collect();
    (0..=9)
        .map(|digit| digit.to_string().repeat(6))
        .find(|code| !near.contains(code))
        .unwrap()
}

/// Reads the QR drawing back from what a terminal received, as a phone would: half blocks
/// (two modules a line) or, on a terminal without Unicode, `#` (half a module a column).
pub fn decode_terminal_qr(screen: &str) -> String {
    let all: Vec<&str> = screen.lines().map(|l| l.trim_end_matches('\r')).collect();
    let half_blocks: Vec<Vec<char>> = all
        .iter()
        .filter(|l| !l.is_empty() && l.chars().all(|c| " █▀▄".contains(c)))
        .map(|l| l.chars().collect())
        .collect();
    let hashes: Vec<Vec<char>> = all
        .iter()
        .filter(|l| l.contains('#') && l.chars().all(|c| c == '#' || c == ' '))
        .map(|l| l.chars().collect())
        .collect();
    let ascii = half_blocks.is_empty();
    let lines = if ascii { hashes } else { half_blocks };
    let width = lines
        .iter()
        .map(Vec::len)
        .max()
        .expect("a QR code on screen");
    let height = if ascii { lines.len() } else { lines.len() * 2 };
    let lit = |x: usize, y: usize| {
        if ascii {
            return lines[y].get(x) == Some(&'#');
        }
        let cell = lines[y / 2].get(x).copied().unwrap_or(' ');
        matches!((cell, y % 2), ('█', _) | ('▀', 0) | ('▄', 1))
    };
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width * 4, height * 4, |x, y| {
        if lit(x / 4, y / 4) { 255 } else { 0 }
    });
    image.detect_grids()[0].decode().unwrap().1
}

#[cfg(unix)]
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}
