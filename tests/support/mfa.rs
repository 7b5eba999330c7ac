//! An authenticator app: the codes it shows for an otpauth URI, one it never shows, and the
//! seed the URI carries.

use std::time::{SystemTime, UNIX_EPOCH};

/// The app `uri` sets up, and the time now (seconds since the epoch).
fn app_now(uri: &str) -> (totp_rs::TOTP, u64) {
    let app = totp_rs::TOTP::from_url(uri.trim()).expect("an otpauth URI");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    (app, now)
}

/// What an authenticator app shows for `uri`: the current code and the next one.
pub(crate) fn current_and_next_codes(uri: &str) -> (String, String) {
    let (app, now) = app_now(uri);
    (app.generate(now), app.generate(now + 30))
}

/// A 6-digit code the app shows at no time near now: surely rejected.
pub(crate) fn a_wrong_code(uri: &str) -> String {
    let (app, now) = app_now(uri);
    let near: Vec<String> = (0..6)
        .map(|step| app.generate(now + step * 30 - 60))
        .collect();
    (0..=9)
        .map(|digit| digit.to_string().repeat(6))
        .find(|code| !near.contains(code))
        .unwrap()
}

/// The base32 seed in an otpauth URI, as written there.
pub(crate) fn seed_of(uri: &str) -> &str {
    let after = uri.split("secret=").nth(1).expect("a secret in the URI");
    after.split('&').next().unwrap()
}
