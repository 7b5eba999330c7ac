//! A person at a terminal: the binary in a pseudo-terminal, keys pressed, the screen read back,
//! the QR code decoded off it as a phone would.

use crate::support::mfa::current_and_next_codes;
use crate::support::run::Run;

/// The down-arrow key, as a terminal sends it.
pub(crate) const DOWN: &str = "\x1b[B";

/// Runs it in a new pseudo-terminal, as a person at a terminal would.
pub(crate) fn on_a_terminal(run: Run) -> rexpect::session::PtySession {
    rexpect::session::spawn_command(run.command(), Some(30_000)).unwrap()
}

/// The run on a pseudo-terminal `columns` wide (the default one is 80).
pub(crate) fn on_a_terminal_columns(run: Run, columns: u16) -> rexpect::session::PtySession {
    let inner = run.command();
    let mut wrapped = std::process::Command::new("sh");
    wrapped
        .arg("-c")
        .arg(format!("stty cols {columns} rows 60; exec \"$0\" \"$@\""))
        .arg(inner.get_program())
        .args(inner.get_args());
    for (key, value) in inner.get_envs() {
        match value {
            Some(value) => wrapped.env(key, value),
            None => wrapped.env_remove(key),
        };
    }
    if let Some(dir) = inner.get_current_dir() {
        wrapped.current_dir(dir);
    }
    rexpect::session::spawn_command(wrapped, Some(30_000)).unwrap()
}

/// Keys pressed at once, as a person would (rexpect buffers `send` until a flush).
pub(crate) fn press(session: &mut rexpect::session::PtySession, keys: &str) {
    session.send(keys).unwrap();
    session.flush().unwrap();
}

/// How a run on a pseudo-terminal ended.
#[track_caller]
pub(crate) fn exit_code(session: &mut rexpect::session::PtySession) -> i32 {
    match session.process().wait().unwrap() {
        rexpect::process::WaitStatus::Exited(_, code) => code,
        other => panic!("did not exit: {other:?}"),
    }
}

/// rexpect hands each byte of the terminal's output over as one `char`; this puts the UTF-8
/// back together.
pub(crate) fn utf8_from_pty(text: &str) -> String {
    let bytes: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// What the terminal showed up to and with `text`, once it is there.
#[track_caller]
pub(crate) fn shown_until(session: &mut rexpect::session::PtySession, text: &str) -> String {
    utf8_from_pty(&session.exp_string(text).unwrap())
}

/// Waits for `prompt`, then types `keys` and Enter.
#[track_caller]
pub(crate) fn answer(session: &mut rexpect::session::PtySession, prompt: &str, keys: &str) {
    session.exp_string(prompt).unwrap();
    press(session, keys);
    press(session, "\r");
}

/// Picks the menu's entry `index` (0: the first) once the menu is shown.
#[track_caller]
pub(crate) fn choose_from_menu(session: &mut rexpect::session::PtySession, index: usize) {
    answer(session, "What do you want to do?", &DOWN.repeat(index));
}

/// The rest of what the run shows, once it has ended with `code`.
#[track_caller]
pub(crate) fn finished_with(session: &mut rexpect::session::PtySession, code: i32) -> String {
    let rest = utf8_from_pty(&session.exp_eof().unwrap());
    assert_eq!(exit_code(session), code, "{rest}");
    rest
}

/// Presses Enter once the secrets on the screen were taken: the rest of the run (exit 0),
/// which must have cleared the screen and its scrollback first.
#[track_caller]
pub(crate) fn taken_and_cleared(session: &mut rexpect::session::PtySession) -> String {
    session.send_line("").unwrap();
    let rest = finished_with(session, 0);
    assert!(
        rest.contains("\x1b[2J\x1b[3J"),
        "the screen and its scrollback are cleared: {rest:?}"
    );
    rest
}

/// Types, at the code prompts, the code the app shows now and the next one.
#[track_caller]
pub(crate) fn type_codes(session: &mut rexpect::session::PtySession, uri: &str) {
    let (first, second) = current_and_next_codes(uri);
    session.send_line(&first).unwrap();
    answer(session, "Next code", &second);
}

/// `new-user NAME --template finance --yes` and `extra` on a terminal, once it asks for the
/// first code: the session, and the otpauth URI of the QR code on the screen.
#[track_caller]
pub(crate) fn onboarding_at_the_code_prompt(
    name: &str,
    extra: &[&str],
) -> (rexpect::session::PtySession, String) {
    let mut args = vec!["new-user", name, "--template", "finance", "--yes"];
    args.extend_from_slice(extra);
    let mut session = on_a_terminal(Run::new(&args));
    let uri = qr_at_the_code_prompt(&mut session);
    (session, uri)
}

/// The otpauth URI of the QR code on the screen, once the first code is asked for.
#[track_caller]
pub(crate) fn qr_at_the_code_prompt(session: &mut rexpect::session::PtySession) -> String {
    decode_terminal_qr(&shown_until(session, "First code"))
}

/// Reads the QR drawing back from what a terminal received, as a phone would: half blocks
/// (two modules a line) or, on a terminal without Unicode, `#` (half a module a column).
#[track_caller]
pub(crate) fn decode_terminal_qr(screen: &str) -> String {
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
