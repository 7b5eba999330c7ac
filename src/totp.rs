//! Virtual MFA seeds: the otpauth URI an authenticator app scans, and the local check of the
//! two consecutive codes that AWS's EnableMFADevice requires.
//!
//! AWS (not moto) refuses EnableMFADevice unless the two codes are consecutive and current, so
//! the tool checks them itself first and can ask again instead of failing the whole run. The
//! code generation is `totp-rs` (RFC 6238, SHA-1, 6 digits, 30 s steps); this module only decides
//! which steps are acceptable.

use crate::secret::Secret;
use totp_rs::{Algorithm, TOTP};

/// Seconds per TOTP step, as AWS uses.
pub(crate) const STEP_SECONDS: u64 = 30;
const DIGITS: usize = 6;

/// Why a pair of codes was not accepted. Each says what the person should do differently.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum CodeRejection {
    #[error("the {which} code must be exactly 6 digits")]
    Malformed { which: &'static str },
    #[error("the same code was entered twice: wait for the app to show the next code")]
    Repeated,
    #[error("the first code is not valid now: check that the phone's clock is set automatically")]
    FirstNotCurrent,
    #[error("the second code is not the one after the first: enter the next code the app shows")]
    NotConsecutive,
}

/// A virtual MFA device's seed, ready to make and check codes.
pub(crate) struct MfaSeed {
    totp: TOTP,
}

impl std::fmt::Debug for MfaSeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MfaSeed([redacted])")
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the MFA seed from AWS is not usable: {0}")]
pub(crate) struct BadSeed(String);

impl MfaSeed {
    /// From the Base32 seed that CreateVirtualMFADevice returns. `issuer` and `account_name`
    /// label the entry in the authenticator app.
    pub(crate) fn from_base32(
        seed: &Secret,
        issuer: &str,
        account_name: &str,
    ) -> Result<Self, BadSeed> {
        let bytes = base32::decode(
            base32::Alphabet::Rfc4648 { padding: false },
            seed.expose().trim_end_matches('='),
        )
        .ok_or_else(|| BadSeed("not Base32".to_string()))?;
        Self::from_bytes(bytes, issuer, account_name)
    }

    /// From an otpauth URI this tool wrote (`--mfa-secret-file`).
    /// From an otpauth URI, as `--mfa export` and `--mfa pending` write it; the error says
    /// why the text is not one.
    pub(crate) fn from_otpauth_uri(uri: &Secret) -> Result<Self, String> {
        let totp = TOTP::from_url(uri.expose().trim())
            .map_err(|err| format!("not an otpauth URI with a usable secret ({err})"))?;
        Ok(MfaSeed { totp })
    }

    fn from_bytes(bytes: Vec<u8>, issuer: &str, account_name: &str) -> Result<Self, BadSeed> {
        let totp = TOTP::new(
            Algorithm::SHA1,
            DIGITS,
            0,
            STEP_SECONDS,
            bytes,
            Some(issuer.replace(':', "-")),
            account_name.to_string(),
        )
        .map_err(|err| BadSeed(err.to_string()))?;
        Ok(MfaSeed { totp })
    }

    /// `otpauth://totp/<issuer>:<user>?secret=…&issuer=…`: what the QR code carries.
    pub(crate) fn otpauth_uri(&self) -> Secret {
        Secret::new(self.totp.get_url())
    }

    /// The code an authenticator shows at `unix_seconds`.
    pub(crate) fn code_at(&self, unix_seconds: u64) -> String {
        self.totp.generate(unix_seconds)
    }

    /// Accepts `first` and `second` when they are the codes of two consecutive steps and the
    /// second one's step is within one step of `now` either way (clock skew). Returns the
    /// second code's step.
    pub(crate) fn check_consecutive(
        &self,
        first: &str,
        second: &str,
        now_unix_seconds: u64,
    ) -> Result<u64, CodeRejection> {
        let first = normalise_code(first).ok_or(CodeRejection::Malformed { which: "first" })?;
        let second = normalise_code(second).ok_or(CodeRejection::Malformed { which: "second" })?;
        if first == second {
            return Err(CodeRejection::Repeated);
        }
        let now_step = now_unix_seconds / STEP_SECONDS;
        let code_of = |step: u64| self.code_at(step * STEP_SECONDS);
        let mut first_matched = false;
        for second_step in now_step.saturating_sub(1)..=now_step + 1 {
            let Some(first_step) = second_step.checked_sub(1) else {
                continue;
            };
            if code_of(first_step) == first {
                first_matched = true;
                if code_of(second_step) == second {
                    return Ok(second_step);
                }
            }
        }
        if first_matched {
            Err(CodeRejection::NotConsecutive)
        } else {
            Err(CodeRejection::FirstNotCurrent)
        }
    }
}

/// Accepts what people type from an app that shows `123 456`: digits with spaces in between.
pub(crate) fn normalise_code(code: &str) -> Option<String> {
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    (digits.len() == DIGITS && digits.chars().all(|c| c.is_ascii_digit())).then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B's SHA-1 key, "12345678901234567890".
    fn rfc_seed() -> MfaSeed {
        MfaSeed::from_bytes(b"12345678901234567890".to_vec(), "AWS", "alice").unwrap()
    }

    #[test]
    fn rfc_6238_sha1_vectors_truncated_to_six_digits() {
        let seed = rfc_seed();
        for (time, eight_digits) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(seed.code_at(time), eight_digits[2..], "at {time}");
        }
    }

    #[test]
    fn base32_seed_from_aws_round_trips_into_the_uri() {
        let encoded = base32::encode(
            base32::Alphabet::Rfc4648 { padding: false },
            b"12345678901234567890",
        );
        let seed = MfaSeed::from_base32(&Secret::new(encoded.clone()), "AWS-123456789012", "alice")
            .unwrap();
        assert_eq!(seed.code_at(59), "287082");
        assert_eq!(
            seed.otpauth_uri().expose(),
            format!(
                "otpauth://totp/AWS-123456789012:alice?secret={encoded}&issuer=AWS-123456789012"
            )
        );
        assert!(MfaSeed::from_base32(&Secret::new("not base32!"), "AWS", "alice").is_err());
    }

    const NOW: u64 = 1_700_000_015;

    fn codes(seed: &MfaSeed, step_offset: i64) -> (String, String) {
        let step = (NOW / STEP_SECONDS) as i64 + step_offset;
        (
            seed.code_at(step as u64 * STEP_SECONDS),
            seed.code_at((step + 1) as u64 * STEP_SECONDS),
        )
    }

    #[test]
    fn consecutive_codes_with_the_second_current_are_accepted() {
        let seed = rfc_seed();
        let (first, second) = codes(&seed, -1);
        assert_eq!(seed.check_consecutive(&first, &second, NOW), Ok(NOW / 30));
    }

    #[test]
    fn one_step_of_clock_skew_either_way_is_accepted() {
        let seed = rfc_seed();
        for offset in [-2, 0] {
            let (first, second) = codes(&seed, offset);
            assert!(
                seed.check_consecutive(&first, &second, NOW).is_ok(),
                "second code at step offset {}",
                offset + 1
            );
        }
    }

    #[test]
    fn two_steps_of_skew_are_refused() {
        let seed = rfc_seed();
        for offset in [-3, 1] {
            let (first, second) = codes(&seed, offset);
            assert_eq!(
                seed.check_consecutive(&first, &second, NOW),
                Err(CodeRejection::FirstNotCurrent),
                "offset {offset}"
            );
        }
    }

    #[test]
    fn codes_in_the_wrong_order_or_not_adjacent_are_refused() {
        let seed = rfc_seed();
        let (first, second) = codes(&seed, -1);
        assert!(seed.check_consecutive(&second, &first, NOW).is_err());
        let (_, two_later) = codes(&seed, 0);
        assert_eq!(
            seed.check_consecutive(&first, &two_later, NOW),
            Err(CodeRejection::NotConsecutive)
        );
    }

    #[test]
    fn malformed_and_repeated_codes_are_named() {
        let seed = rfc_seed();
        let (first, second) = codes(&seed, -1);
        assert_eq!(
            seed.check_consecutive("12345", &second, NOW),
            Err(CodeRejection::Malformed { which: "first" })
        );
        assert_eq!(
            seed.check_consecutive(&first, "12a456", NOW),
            Err(CodeRejection::Malformed { which: "second" })
        );
        assert_eq!(
            seed.check_consecutive(&first, &first, NOW),
            Err(CodeRejection::Repeated)
        );
        let spaced = format!("{} {}", &first[..3], &first[3..]);
        assert!(seed.check_consecutive(&spaced, &second, NOW).is_ok());
    }
}
