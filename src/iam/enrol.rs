//! MFA enrolment with the person: where codes come from (`CodeSource`: a terminal, standard
//! input, a test), the clock they are checked against, and the local check of two consecutive
//! codes, tried at most `MAX_CODE_TRIES` times, before AWS is asked to enable the device.

use crate::clock::Clock;
use crate::secret::Secret;
use crate::totp::{CodeRejection, MfaSeed};
use std::future::Future;

/// How many pairs of codes a person may try before the run is undone.
pub(crate) const MAX_CODE_TRIES: u32 = 3;

/// What a code source hands over when asked for codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CodeInput {
    Pair(String, String),
    /// No more codes will come (end of input).
    NoMore,
    /// The person pressed Ctrl-C at the prompt.
    Interrupted,
}

/// What to do once the person has entered `MAX_CODE_TRIES` wrong pairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AfterWrongCodes {
    /// Ask for pairs again.
    TryAgain,
    /// Keep the person, without the device: MFA is deferred, and they enrol later.
    KeepDeferred,
    /// Undo the whole run.
    Undo,
}

/// Where the two MFA codes come from: a person at a prompt, a script on standard input, or a
/// test.
pub(crate) trait CodeSource {
    /// Shows the device to the person enrolling it (the QR code on a terminal).
    fn show(&mut self, otpauth_uri: &Secret) -> Result<(), String>;
    /// The next pair of codes.
    fn next_pair(&mut self) -> impl Future<Output = CodeInput>;
    /// Tells the person why a pair was refused.
    fn rejected(&mut self, why: &CodeRejection, tries_left: u32);
    /// After the last wrong pair: what now (a person at a terminal is asked; a script undoes).
    fn after_wrong_codes(&mut self) -> impl Future<Output = AfterWrongCodes>;
}

/// The issuer shown in authenticator apps: the account, so people with several can tell.
pub(crate) fn mfa_issuer(account: &str) -> String {
    format!("AWS-{account}")
}

/// Why enrolment ended without a pair of codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum EnrolFailure {
    #[error("no more codes were given")]
    NoMoreCodes,
    #[error("{MAX_CODE_TRIES} pairs of codes were wrong")]
    WrongCodes,
    #[error("interrupted")]
    Interrupted,
}

/// Asks for pairs of codes until one is accepted, at most `MAX_CODE_TRIES` times.
pub(crate) async fn collect_codes(
    codes: &mut impl CodeSource,
    seed: &MfaSeed,
    clock: &dyn Clock,
) -> Result<(String, String), EnrolFailure> {
    for attempt in 1..=MAX_CODE_TRIES {
        let (first, second) = match codes.next_pair().await {
            CodeInput::Pair(first, second) => (first, second),
            CodeInput::NoMore => return Err(EnrolFailure::NoMoreCodes),
            CodeInput::Interrupted => return Err(EnrolFailure::Interrupted),
        };
        match seed.check_consecutive(&first, &second, clock.unix_now()) {
            Ok(_) => {
                let digits = |code: &str| code.chars().filter(|c| !c.is_whitespace()).collect();
                return Ok((digits(&first), digits(&second)));
            }
            Err(why) => codes.rejected(&why, MAX_CODE_TRIES - attempt),
        }
    }
    Err(EnrolFailure::WrongCodes)
}
