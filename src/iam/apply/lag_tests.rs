//! `new-user` against an IAM that hides what a create made for a while, as AWS's eventual
//! consistency may: the run waits for what it made (through `Settling`), and only for that.

use super::tests::{NOW, full_request, run};
use crate::aws::memory::MemoryIam;
use crate::aws::memory::Simulated;
use crate::aws::settling::Settling;
use crate::aws::{AwsErrorKind, IamUsers};
use std::time::Duration;

/// An account where what a create makes stays invisible to other calls for three seconds.
fn lagging() -> MemoryIam {
    MemoryIam::new(NOW).with_consistency_lag(Duration::from_secs(3))
}

#[tokio::test(start_paused = true)]
async fn a_new_person_completes_while_iam_still_hides_what_the_run_just_made() {
    let dir = tempfile::tempdir().unwrap();
    let unwaited = run(&lagging(), &full_request(dir.path()))
        .await
        .unwrap_err();
    assert!(
        unwaited.to_string().contains("NoSuchEntity"),
        "the lag is real: {unwaited}"
    );
    let dir = tempfile::tempdir().unwrap();
    let api = Settling::new(lagging(), Duration::from_secs(120));
    let started = tokio::time::Instant::now();
    run(&api, &full_request(dir.path())).await.unwrap();
    let waited = started.elapsed();
    let user = api.inner().user("alice").unwrap();
    assert!(user.groups.contains("iam-onboard-developers"));
    assert_eq!(user.mfa_devices.len(), 1, "enabled once visible");
    assert!(user.login_profile.is_some());
    assert!(
        waited >= Duration::from_secs(3) && waited < Duration::from_secs(30),
        "waited {waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_user_this_run_did_not_make_is_missing_at_once() {
    let api = Settling::new(lagging(), Duration::from_secs(120));
    let started = tokio::time::Instant::now();
    assert_eq!(api.get_user("nobody").await.unwrap(), None);
    let err = api
        .add_user_to_group("nowhere", "nobody")
        .await
        .unwrap_err();
    assert!(err.is(AwsErrorKind::NotFound));
    assert_eq!(started.elapsed(), Duration::ZERO, "no wait");
}

#[tokio::test(start_paused = true)]
async fn what_stays_invisible_past_the_bound_fails_the_run_after_the_bound() {
    let dir = tempfile::tempdir().unwrap();
    let api = Settling::new(
        MemoryIam::new(NOW).with_consistency_lag(Duration::from_secs(600)),
        Duration::from_secs(20),
    );
    let started = tokio::time::Instant::now();
    let err = run(&api, &full_request(dir.path())).await.unwrap_err();
    assert!(err.to_string().contains("NoSuchEntity"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "bounded: {:?}",
        started.elapsed()
    );
}
