//! One-time console passwords that satisfy the account's password policy.
//!
//! The policy comes from GetAccountPasswordPolicy; an account without one gets a strict
//! default. Randomness is injected so the rules can be tested.

use crate::aws::PasswordRules;
use crate::secret::Secret;
use rand::Rng;
use rand::seq::SliceRandom;

/// The shortest password this tool ever makes, whatever the policy allows.
pub(crate) const MIN_GENERATED_LENGTH: usize = 20;
/// The longest password IAM accepts.
pub(crate) const MAX_LENGTH: usize = 128;

const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
const DIGITS: &[u8] = b"23456789";
/// The symbols IAM's password policy counts, without quote characters that break shells.
const SYMBOLS: &[u8] = b"!@#$%^&*()_+-=[]{}|";

/// A password with every character class the rules ask for (all four, in fact: it costs nothing
/// and keeps it valid if the policy tightens), at least `MIN_GENERATED_LENGTH` long. It starts
/// with a letter or digit, never a symbol such as `=`, `+`, `-` or `@` that a spreadsheet
/// would run as a formula (and the report's formula escape would then alter).
pub(crate) fn generate(rules: &PasswordRules, rng: &mut impl Rng) -> Secret {
    let length = rules.minimum_length.clamp(MIN_GENERATED_LENGTH, MAX_LENGTH);
    let classes = [UPPER, LOWER, DIGITS, SYMBOLS];
    let mut chars: Vec<u8> = classes
        .iter()
        .map(|class| class[rng.random_range(0..class.len())])
        .collect();
    let all: Vec<u8> = classes.concat();
    while chars.len() < length {
        chars.push(all[rng.random_range(0..all.len())]);
    }
    chars.shuffle(rng);
    if chars[0].is_ascii_punctuation() {
        let letter = chars
            .iter()
            .position(u8::is_ascii_alphanumeric)
            .expect("every class is present");
        chars.swap(0, letter);
    }
    Secret::new(String::from_utf8(chars).expect("the alphabets are ASCII"))
}

/// Whether `password` meets `rules`: used to test the generator against any policy, and by the
/// in-memory IAM to enforce it.
#[cfg(test)]
pub(crate) fn satisfies(password: &str, rules: &PasswordRules) -> bool {
    let has = |class: &[u8]| password.bytes().any(|b| class.contains(&b));
    password.len() >= rules.minimum_length
        && (!rules.require_uppercase || password.bytes().any(|b| b.is_ascii_uppercase()))
        && (!rules.require_lowercase || password.bytes().any(|b| b.is_ascii_lowercase()))
        && (!rules.require_numbers || password.bytes().any(|b| b.is_ascii_digit()))
        && (!rules.require_symbols || has(SYMBOLS))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn generated_passwords_satisfy_strict_and_long_policies() {
        let mut rng = StdRng::seed_from_u64(7);
        for minimum_length in [6, 14, 20, 64, 128] {
            let rules = PasswordRules {
                minimum_length,
                ..PasswordRules::default()
            };
            for _ in 0..200 {
                let password = generate(&rules, &mut rng);
                assert!(satisfies(password.expose(), &rules), "{minimum_length}");
                assert!(password.expose().len() >= MIN_GENERATED_LENGTH);
                assert!(password.expose().len() <= MAX_LENGTH);
            }
        }
    }

    #[test]
    fn passwords_never_start_with_a_symbol_a_spreadsheet_runs() {
        let mut rng = StdRng::seed_from_u64(11);
        for _ in 0..5_000 {
            let password = generate(&PasswordRules::default(), &mut rng);
            let first = password.expose().as_bytes()[0];
            assert!(first.is_ascii_alphanumeric(), "{}", first as char);
            assert_eq!(
                crate::report::csv::escape_formula(password.expose()),
                password.expose()
            );
        }
    }

    #[test]
    fn passwords_differ() {
        let mut rng = StdRng::seed_from_u64(1);
        let rules = PasswordRules::default();
        assert_ne!(generate(&rules, &mut rng), generate(&rules, &mut rng));
    }

    #[test]
    fn satisfies_checks_each_class() {
        let rules = PasswordRules::default();
        assert!(!satisfies("abcdefghijklmnopqrstuvwxyz", &rules));
        assert!(satisfies("Abcdefghijklmnopqrs1!", &rules));
    }
}
