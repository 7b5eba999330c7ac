//! Key rotation: each step decided from the keys and the tag, and whole rotations against the
//! in-memory IAM (a new key delivered to a 0600 file or shown on the terminal, the old one
//! deactivated once the new is used or the grace has passed, then deleted), with a failure
//! undone.

use super::*;
use crate::aws::IamUsers;
use crate::aws::memory::{MEMORY_CREATED, MemoryIam};
use crate::operation::{Driven, drive};

const HOUR: u64 = 3600;

fn key(id: &str, active: bool, created: u64, used: Option<&str>) -> ReadKey {
    ReadKey {
        key: AccessKey {
            id: id.to_string(),
            active,
            created: Some(rfc3339(created)),
        },
        last_used: used.map(str::to_string),
    }
}

#[test]
fn each_step_is_decided_from_the_keys_and_the_rotation_tag() {
    let t = parse_rfc3339(MEMORY_CREATED).unwrap();
    let plan = |keys: &[ReadKey], tag: Option<&str>, now: u64| {
        plan_rotation("ops", keys, tag, None, now, 24 * HOUR)
    };
    assert_eq!(
        plan(&[key("OLD", true, t, None)], None, t).unwrap(),
        RotationStep::Create {
            old: "OLD".to_string()
        }
    );
    let both = [key("OLD", true, t, None), key("NEW", true, t + HOUR, None)];
    assert!(
        plan(&both, None, t)
            .unwrap_err()
            .reason
            .contains("two access keys"),
        "never a third key"
    );
    assert!(
        plan(&[], None, t)
            .unwrap_err()
            .reason
            .contains("no access key")
    );
    assert_eq!(
        plan(&both, Some("OLD"), t + 2 * HOUR).unwrap(),
        RotationStep::WaitForUse {
            new: "NEW".to_string(),
            until: t + 25 * HOUR
        }
    );
    let used = [
        key("OLD", true, t, None),
        key("NEW", true, t + HOUR, Some("2026-11-01T11:00:00Z")),
    ];
    assert!(matches!(
        plan(&used, Some("OLD"), t + 2 * HOUR).unwrap(),
        RotationStep::Deactivate { ref why, .. } if why.contains("was used")
    ));
    assert!(matches!(
        plan(&both, Some("OLD"), t + 25 * HOUR).unwrap(),
        RotationStep::Deactivate { ref why, .. } if why.contains("grace ended")
    ));
    assert_eq!(
        plan(&used, Some("OLD"), t + 2 * HOUR).unwrap(),
        RotationStep::Deactivate {
            old: "OLD".to_string(),
            new: "NEW".to_string(),
            why: "the new key was used 2026-11-01T11:00:00Z".to_string(),
            at: t + 2 * HOUR,
        },
        "the deactivation's time is recorded, to start the wait before the delete"
    );
    let deactivated = [key("OLD", false, t, None), key("NEW", true, t + HOUR, None)];
    let since = |at: u64, now: u64| {
        plan_rotation("ops", &deactivated, Some("OLD"), Some(at), now, 24 * HOUR)
    };
    assert_eq!(
        since(t + 2 * HOUR, t + 3 * HOUR).unwrap(),
        RotationStep::WaitToDelete {
            old: "OLD".to_string(),
            until: t + 26 * HOUR
        },
        "inactive for less than the grace: it can still be made active again"
    );
    assert_eq!(
        since(t + 2 * HOUR, t + 26 * HOUR).unwrap(),
        RotationStep::Delete {
            old: "OLD".to_string()
        }
    );
    assert_eq!(
        plan(&deactivated, Some("OLD"), t + 3 * HOUR).unwrap(),
        RotationStep::Delete {
            old: "OLD".to_string()
        },
        "deactivated by hand (no time recorded): the one who did it has chosen"
    );
    let used_since = |now: u64| {
        plan_rotation(
            "ops",
            &used,
            Some("OLD"),
            Some(t + 2 * HOUR),
            now,
            24 * HOUR,
        )
    };
    assert!(
        matches!(
            used_since(t + 3 * HOUR).unwrap(),
            RotationStep::WaitToDelete { .. }
        ),
        "read as active within the grace (a read before the change settled, or made active by hand): nothing yet"
    );
    let err = used_since(t + 27 * HOUR).unwrap_err();
    assert!(
        err.reason.starts_with(
            "ops's old key OLD is active again since this rotation deactivated it 2026-"
        ),
        "made active again by hand: never deactivated again over it, {}",
        err.reason
    );
    assert_eq!(
        plan(&[key("NEW", true, t, None)], Some("OLD"), t).unwrap(),
        RotationStep::Finish
    );
}

/// A clock that always reads one time.
struct At(u64);

impl Clock for At {
    fn unix_now(&self) -> u64 {
        self.0
    }
}

/// `rotate-key ops` once at `now`, off a terminal.
async fn rotate(
    api: &MemoryIam,
    key_file: Option<PathBuf>,
    now: u64,
) -> Result<Driven<RotationPlan, Rotated>, Error> {
    rotate_at(api, key_file, None, now).await
}

/// `rotate-key ops` once at `now`, on `terminal` when there is one.
async fn rotate_at(
    api: &MemoryIam,
    key_file: Option<PathBuf>,
    terminal: Option<ShowKey<'_>>,
    now: u64,
) -> Result<Driven<RotationPlan, Rotated>, Error> {
    let request = RotateKeyRequest::new("ops".to_string(), key_file, 24).unwrap();
    let mut operation = RotateKey {
        api,
        request: &request,
        clock: &At(now),
        terminal,
    };
    drive(
        &mut operation,
        &Protected::default(),
        false,
        |_| Ok(true),
        std::future::pending(),
    )
    .await
}

/// A user `ops` with one active key, AKIA1.
fn one_key() -> MemoryIam {
    let api = MemoryIam::new(parse_rfc3339(MEMORY_CREATED).unwrap());
    api.add_everything("ops", "admins", "arn:aws:iam::123456789012:policy/boundary");
    api.edit_user("ops", |user| {
        user.access_keys.retain(|k| k.id == "AKIA1");
    });
    api
}

#[tokio::test]
async fn a_rotation_delivers_the_new_key_then_deactivates_and_deletes_the_old_over_runs() {
    let api = one_key();
    let t = parse_rfc3339(MEMORY_CREATED).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ops.key");
    let Driven::Applied(_, made) = rotate(&api, Some(file.clone()), t).await.unwrap() else {
        panic!("the first run makes the key");
    };
    let (id, secret) = made.new_key.unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains(&format!("aws_access_key_id = {id}")));
    assert!(text.contains(secret.expose()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let user = api.user("ops").unwrap();
    assert!(
        user.tags
            .contains(&(ROTATING_TAG.to_string(), "AKIA1".to_string()))
    );
    assert_eq!(user.access_keys.len(), 2);

    assert!(
        matches!(
            rotate(&api, None, t + HOUR).await.unwrap(),
            Driven::AlreadyDone(_)
        ),
        "the new key unused and the grace running: nothing yet"
    );
    api.state
        .lock()
        .unwrap()
        .key_last_used
        .insert(id.clone(), rfc3339(t + 2 * HOUR));
    rotate(&api, None, t + 3 * HOUR).await.unwrap();
    let user = api.user("ops").unwrap();
    assert!(
        !user
            .access_keys
            .iter()
            .find(|k| k.id == "AKIA1")
            .unwrap()
            .active
    );
    assert!(
        user.tags
            .contains(&(DEACTIVATED_TAG.to_string(), rfc3339(t + 3 * HOUR)))
    );
    assert!(
        matches!(
            rotate(&api, None, t + 4 * HOUR).await.unwrap(),
            Driven::AlreadyDone(_)
        ),
        "inactive for an hour of the 24: kept, to be made active again if something needs it"
    );
    assert_eq!(api.user("ops").unwrap().access_keys.len(), 2);
    rotate(&api, None, t + 27 * HOUR).await.unwrap();
    let user = api.user("ops").unwrap();
    let ids: Vec<&str> = user.access_keys.iter().map(|k| k.id.as_str()).collect();
    assert_eq!(ids, [id.as_str()]);
    assert!(
        !user
            .tags
            .iter()
            .any(|(k, _)| k == ROTATING_TAG || k == DEACTIVATED_TAG)
    );
    assert!(
        rotate(&api, None, t + 5 * HOUR)
            .await
            .unwrap_err()
            .to_string()
            .contains("--key-file"),
        "a new rotation needs a key file"
    );
}

#[tokio::test]
async fn a_new_key_whose_answer_was_lost_is_deleted_and_the_tag_undone() {
    let api = one_key();
    let t = parse_rfc3339(MEMORY_CREATED).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let at = api.calls().len();
    api.fail_call(at + 1, crate::aws::memory::Injected::AnswerLost);
    let err = rotate(&api, Some(dir.path().join("ops.key")), t)
        .await
        .unwrap_err();
    assert_ne!(
        err.exit_code(),
        crate::error::exit::UNDO_INCOMPLETE,
        "{err}"
    );
    let user = api.user("ops").unwrap();
    let ids: Vec<&str> = user.access_keys.iter().map(|k| k.id.as_str()).collect();
    assert_eq!(ids, ["AKIA1"], "the key made without its answer is gone");
    assert!(!user.tags.iter().any(|(k, _)| k == ROTATING_TAG));
    assert!(!dir.path().join("ops.key").exists());
}

#[tokio::test]
async fn on_a_terminal_without_a_key_file_the_new_key_is_shown_once_and_no_file_is_made() {
    let api = one_key();
    let t = parse_rfc3339(MEMORY_CREATED).unwrap();
    let shown = std::sync::Mutex::new(Vec::new());
    let show = |section: &Secret| {
        shown.lock().unwrap().push(section.expose().to_string());
        Ok(())
    };
    let Driven::Applied(prepared, made) = rotate_at(&api, None, Some(&show), t).await.unwrap()
    else {
        panic!("the first run makes the key");
    };
    assert!(
        prepared.changes[1].contains("the secret goes to this terminal, shown once"),
        "{:?}",
        prepared.changes
    );
    let (id, secret) = made.new_key.unwrap();
    assert_eq!(
        *shown.lock().unwrap(),
        [format!(
            "[ops]\naws_access_key_id = {id}\naws_secret_access_key = {}\n",
            secret.expose()
        )]
    );
    assert_eq!(api.user("ops").unwrap().access_keys.len(), 2);
}

#[tokio::test]
async fn a_new_key_that_could_not_be_shown_is_deleted_and_the_tag_undone() {
    let api = one_key();
    let t = parse_rfc3339(MEMORY_CREATED).unwrap();
    let broken = |_: &Secret| Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
    let err = rotate_at(&api, None, Some(&broken), t).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("showing the new key on the terminal"),
        "{err}"
    );
    let user = api.user("ops").unwrap();
    let ids: Vec<&str> = user.access_keys.iter().map(|k| k.id.as_str()).collect();
    assert_eq!(ids, ["AKIA1"], "a key nobody saw is gone");
    assert!(!user.tags.iter().any(|(k, _)| k == ROTATING_TAG));
}

#[tokio::test]
async fn a_run_that_would_pass_the_users_tag_quota_is_refused_before_any_change() {
    let api = one_key();
    let t = parse_rfc3339(MEMORY_CREATED).unwrap();
    api.edit_user("ops", |user| {
        let room = crate::names::MAX_TAGS - user.tags.len();
        user.tags
            .extend((0..room).map(|i| (format!("k{i}"), "v".to_string())));
    });
    let full = api.user("ops").unwrap();
    let err = api
        .tag_user("ops", &[(ROTATING_TAG.to_string(), "AKIA1".to_string())])
        .await
        .unwrap_err();
    assert!(
        err.is(crate::aws::AwsErrorKind::LimitExceeded),
        "AWS answers LimitExceeded once the change is under way: {err}"
    );
    let dir = tempfile::tempdir().unwrap();
    let refused = rotate(&api, Some(dir.path().join("ops.key")), t)
        .await
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("ops has 50 tags and this run adds 1 (iam-onboard:rotating)"),
        "{refused}"
    );
    assert_eq!(refused.exit_code(), 2);
    let after = api.user("ops").unwrap();
    assert_eq!(after.tags, full.tags);
    assert_eq!(after.access_keys, full.access_keys, "no new key");
    assert!(!dir.path().join("ops.key").exists());
}
