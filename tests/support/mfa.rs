//! An authenticator app: the codes it shows for an otpauth URI, and one it never shows.

use std::time::{SystemTime, UNIX_EPOCH};

/// What an authenticator app shows for `uri`: the current code and the next one.
pub(crate) fn current_and_next_codes(uri: &str) -> (String, String) {
    let app = totp_rs::TOTP::from_url(uri.trim()).expect("an otpauth URI");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    (app.generate(now), app.generate(now + 30))
}

/// A 6-digit code the app shows at no time near now: surely rejected.
pub(crate) fn a_wrong_code(uri: &str) -> String {
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
