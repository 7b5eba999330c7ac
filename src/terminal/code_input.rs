//! The two ways a person hands over MFA codes: at a terminal prompt after scanning the QR code
//! drawn there, or as lines on standard input (`--mfa export`, for scripts and vault-kept
//! identities). Both implement `enrol::CodeSource`.

use crate::iam::enrol::{AfterWrongCodes, CodeInput, CodeSource};
use crate::qr;
use crate::secret::Secret;
use crate::terminal::look::Look;
use crate::totp::CodeRejection;
use tokio::io::{AsyncBufReadExt, BufReader, Lines, Stdin};

/// A person at a terminal: QR code and instructions on stderr, codes typed at prompts.
pub(crate) struct TerminalCodes {
    user_name: String,
    look: Look,
}

impl TerminalCodes {
    pub(crate) fn new(user_name: &str, look: Look) -> Self {
        TerminalCodes {
            user_name: user_name.to_string(),
            look,
        }
    }
}

/// Checks, before anything changes, that the QR code a device for `account_name` will get fits
/// a terminal `columns` wide: drawn for a seed as long as AWS's (40 bytes).
pub(crate) fn check_qr_fits(
    issuer: &str,
    account_name: &str,
    unicode: bool,
    columns: usize,
) -> Result<(), crate::error::InputError> {
    let seed = base32::encode(base32::Alphabet::Rfc4648 { padding: false }, &[0u8; 40]);
    let sample = crate::totp::MfaSeed::from_base32(&Secret::new(seed), issuer, account_name)
        .map_err(|err| crate::error::InputError::new("--mfa", err.to_string()))?;
    let drawing = qr::terminal(sample.otpauth_uri().expose(), unicode)
        .map_err(|err| crate::error::InputError::new("--mfa", err.to_string()))?;
    let width = qr::width(&drawing);
    if width > columns {
        return Err(crate::error::InputError::new(
            "--mfa",
            format!(
                "the QR code needs {width} columns and the terminal has {columns}{}: widen the window, or use --mfa export --mfa-secret-file FILE --mfa-qr-png FILE",
                if unicode {
                    ""
                } else {
                    " (without UTF-8 it is drawn two characters a module)"
                }
            ),
        ));
    }
    Ok(())
}

/// The columns of the terminal on stderr.
pub(crate) fn terminal_columns() -> usize {
    usize::from(dialoguer::console::Term::stderr().size().1)
}

/// The otpauth URI's secret in groups of four, as authenticator apps take a key typed by hand.
fn manual_key(otpauth_uri: &str) -> Option<String> {
    let query = otpauth_uri.split_once('?')?.1;
    let secret = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("secret="))?;
    let groups: Vec<String> = secret
        .chars()
        .collect::<Vec<_>>()
        .chunks(4)
        .map(|chunk| chunk.iter().collect())
        .collect();
    Some(groups.join(" "))
}

/// One code typed at a prompt, which takes nothing but 6 digits (spaces ignored). In the
/// prompt's raw mode Ctrl-C is a key, not a signal, and comes back as an `Interrupted` error.
fn prompt_code(label: &'static str, look: Look) -> Result<String, CodeInput> {
    let theme = look.theme();
    let answer = dialoguer::Input::<String>::with_theme(&theme)
        .with_prompt(label)
        .validate_with(|input: &String| -> Result<(), &str> {
            let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
            if digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit()) {
                Ok(())
            } else {
                Err("a code is 6 digits")
            }
        })
        .interact_text();
    answer.map_err(|dialoguer::Error::IO(err)| {
        if err.kind() == std::io::ErrorKind::Interrupted {
            eprintln!();
            CodeInput::Interrupted
        } else {
            CodeInput::NoMore
        }
    })
}

impl CodeSource for TerminalCodes {
    fn show(&mut self, otpauth_uri: &Secret) -> Result<(), String> {
        let drawing =
            qr::terminal(otpauth_uri.expose(), self.look.unicode).map_err(|err| err.to_string())?;
        eprintln!(
            "\nMFA for {}: scan this code with an authenticator app (Google Authenticator, 1Password, Authy...):\n",
            self.user_name
        );
        eprintln!("{drawing}");
        if let Some(key) = manual_key(otpauth_uri.expose()) {
            eprintln!("Can't scan it? Add the account by hand: key {key} (time-based, 6 digits)\n");
        }
        let (_, columns) = dialoguer::console::Term::stderr().size();
        let width = qr::width(&drawing);
        if usize::from(columns) < width {
            eprintln!(
                "{} The terminal is {columns} columns wide and the code {width}: widen the window if the phone cannot read it, or run again with --mfa export --mfa-qr-png FILE.\n",
                self.look.problem(),
            );
        }
        eprintln!(
            "Then enter two consecutive codes: the one shown now, and the next one after it changes.\n"
        );
        Ok(())
    }

    async fn next_pair(&mut self) -> CodeInput {
        let look = self.look;
        let asked = tokio::task::spawn_blocking(move || {
            let first = prompt_code("First code", look)?;
            let second = prompt_code("Next code", look)?;
            Ok(CodeInput::Pair(first, second))
        })
        .await;
        match asked {
            Ok(Ok(pair)) => pair,
            Ok(Err(stopped)) => stopped,
            Err(_) => CodeInput::NoMore,
        }
    }

    fn rejected(&mut self, why: &CodeRejection, tries_left: u32) {
        let next = match tries_left {
            0 => "No tries left.".to_string(),
            1 => "Enter the code the app shows now, then the next one (last try).".to_string(),
            n => format!("Enter the code the app shows now, then the next one ({n} tries left)."),
        };
        eprintln!("{} Not accepted: {why}. {next}", self.look.problem());
    }

    async fn after_wrong_codes(&mut self) -> AfterWrongCodes {
        let (look, user) = (self.look, self.user_name.clone());
        let asked = tokio::task::spawn_blocking(move || {
            let items = [
                "Try three more pairs of codes".to_string(),
                format!("Keep {user} with MFA deferred (they set up MFA at first sign-in)"),
                "Undo everything".to_string(),
            ];
            dialoguer::Select::with_theme(&look.theme())
                .with_prompt("The codes were not accepted. What now?")
                .items(&items)
                .default(0)
                .interact()
        })
        .await;
        match asked {
            Ok(Ok(0)) => AfterWrongCodes::TryAgain,
            Ok(Ok(1)) => AfterWrongCodes::KeepDeferred,
            _ => AfterWrongCodes::Undo,
        }
    }
}

/// Codes from standard input, one per line.
pub(crate) struct StdinCodes {
    lines: Lines<BufReader<Stdin>>,
}

impl StdinCodes {
    pub(crate) fn new() -> Self {
        StdinCodes {
            lines: BufReader::new(tokio::io::stdin()).lines(),
        }
    }

    async fn next_code(&mut self) -> Option<String> {
        loop {
            let line = self.lines.next_line().await.ok()??;
            if !line.trim().is_empty() {
                return Some(line.trim().to_string());
            }
        }
    }
}

impl Default for StdinCodes {
    fn default() -> Self {
        Self::new()
    }
}

impl CodeSource for StdinCodes {
    fn show(&mut self, _otpauth_uri: &Secret) -> Result<(), String> {
        tracing::info!("reading two consecutive MFA codes from standard input, one per line");
        Ok(())
    }

    async fn next_pair(&mut self) -> CodeInput {
        match (self.next_code().await, self.next_code().await) {
            (Some(first), Some(second)) => CodeInput::Pair(first, second),
            _ => CodeInput::NoMore,
        }
    }

    fn rejected(&mut self, why: &CodeRejection, tries_left: u32) {
        eprintln!("iam-onboard: MFA codes not accepted: {why} ({tries_left} tries left)");
    }

    async fn after_wrong_codes(&mut self) -> AfterWrongCodes {
        AfterWrongCodes::Undo
    }
}

/// The code source a run uses, chosen by `--mfa`.
pub(crate) enum AnyCodes {
    Terminal(TerminalCodes),
    Stdin(StdinCodes),
}

impl AnyCodes {
    /// Codes typed at a prompt beside the QR code (`prompt`), else read from standard input.
    pub(crate) fn new(prompt: bool, user_name: &str, look: Look) -> Self {
        if prompt {
            AnyCodes::Terminal(TerminalCodes::new(user_name, look))
        } else {
            AnyCodes::Stdin(StdinCodes::new())
        }
    }
}

impl CodeSource for AnyCodes {
    fn show(&mut self, otpauth_uri: &Secret) -> Result<(), String> {
        match self {
            AnyCodes::Terminal(codes) => codes.show(otpauth_uri),
            AnyCodes::Stdin(codes) => codes.show(otpauth_uri),
        }
    }

    async fn next_pair(&mut self) -> CodeInput {
        match self {
            AnyCodes::Terminal(codes) => codes.next_pair().await,
            AnyCodes::Stdin(codes) => codes.next_pair().await,
        }
    }

    fn rejected(&mut self, why: &CodeRejection, tries_left: u32) {
        match self {
            AnyCodes::Terminal(codes) => codes.rejected(why, tries_left),
            AnyCodes::Stdin(codes) => codes.rejected(why, tries_left),
        }
    }

    async fn after_wrong_codes(&mut self) -> AfterWrongCodes {
        match self {
            AnyCodes::Terminal(codes) => codes.after_wrong_codes().await,
            AnyCodes::Stdin(codes) => codes.after_wrong_codes().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_shown_in_groups_of_four_for_typing_by_hand() {
        assert_eq!(
            manual_key("otpauth://totp/AWS-1:alice?secret=ABCDEFGHIJKLMN&issuer=AWS-1").as_deref(),
            Some("ABCD EFGH IJKL MN")
        );
        assert_eq!(manual_key("not a uri"), None);
    }

    #[test]
    fn a_qr_code_too_wide_for_the_terminal_is_refused_before_any_change() {
        assert!(check_qr_fits("AWS-123456789012", "alice", true, 80).is_ok());
        let err = check_qr_fits("AWS-123456789012", "alice", false, 80).unwrap_err();
        assert!(err.reason.contains("--mfa-qr-png"), "{err}");
        assert!(check_qr_fits("AWS-123456789012", "alice", false, 200).is_ok());
    }
}
