//! `reset-password`: a new one-time console password that satisfies the account's password
//! policy, changed at next sign-in, written first to its new 0600 file when one is asked for.
//! Giving console access to a user without it (`--create`) is undone on failure; replacing a
//! password cannot be (the old one is not known), so nothing is written before the call that
//! could fail but the file, which is removed again.

use crate::aws::{AwsError, AwsErrorKind, AwsResult, CallerIdentity, Iam, PasswordRules, UserInfo};
use crate::error::{Error, InputError};
use crate::iam::apply::{Failure, rolling_back, write_secret_file};
use crate::iam::plan::missing_as_empty;
use crate::iam::undo::{Undo, UndoLog};
use crate::operation::{Operation, Prepared, existing_user};
use crate::password;
use crate::protect::Protected;
use crate::secret::Secret;
use crate::tags::{PASSWORD_DELIVERED, PASSWORD_TAG};
use std::path::{Path, PathBuf};

/// A user's console access, as found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ConsoleState {
    pub(crate) user: UserInfo,
    pub(crate) has_login_profile: bool,
    pub(crate) rules: PasswordRules,
}

/// Reads the caller, the user, whether it has a login profile and the password policy, at once.
/// `None` when there is no such user.
pub(crate) async fn look(
    api: &impl Iam,
    user_name: &str,
) -> AwsResult<(CallerIdentity, Option<ConsoleState>)> {
    let profile = missing_as_empty(api.has_login_profile(user_name));
    let (caller, user, has_login_profile, rules) = tokio::try_join!(
        api.get_caller_identity(),
        api.get_user(user_name),
        profile,
        api.get_account_password_policy(),
    )?;
    Ok((
        caller,
        user.map(|user| ConsoleState {
            user,
            has_login_profile,
            rules: rules.unwrap_or_default(),
        }),
    ))
}

/// The one change: a new password for the login profile, or a new login profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PasswordChange {
    Update { user: String },
    Create { user: String },
}

impl std::fmt::Display for PasswordChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PasswordChange::Update { user } => write!(
                f,
                "iam:UpdateLoginProfile {user} (a new one-time password, reset required at next sign-in)"
            ),
            PasswordChange::Create { user } => write!(
                f,
                "iam:CreateLoginProfile {user} (console access with a one-time password, reset required at next sign-in)"
            ),
        }
    }
}

/// Decides the change. A user without console access is refused unless `create`; a file
/// that exists is refused, since secrets only go to new files.
pub(crate) fn plan_reset(
    state: &ConsoleState,
    create: bool,
    password_file: Option<&Path>,
) -> Result<PasswordChange, InputError> {
    if let Some(path) = password_file {
        crate::iam::request::must_be_new("--password-file", path)?;
    }
    let user = state.user.name.clone();
    match (state.has_login_profile, create) {
        (true, _) => Ok(PasswordChange::Update { user }),
        (false, true) => Ok(PasswordChange::Create { user }),
        (false, false) => Err(InputError::new(
            "<USERNAME>",
            format!(
                "{user} has no console access (no login profile); --create gives them a one-time password"
            ),
        )),
    }
}

/// What a reset made: the password to show when there is no file, and, when UpdateLoginProfile
/// got no answer, the call that may or may not have changed the password.
#[derive(Debug)]
pub(crate) struct PasswordReset {
    pub(crate) password: Option<Secret>,
    pub(crate) unconfirmed: Option<AwsError>,
}

/// Makes the password and the change: the file first (removed again on failure), then the
/// call (a created login profile deleted again on failure or interrupt). A replaced password
/// whose answer was lost may be in effect, and the old one is not known: the new one is kept
/// (the file stays, or it is shown) and the outcome said to be unconfirmed.
pub(crate) async fn reset(
    api: &impl Iam,
    state: &ConsoleState,
    change: &PasswordChange,
    password_file: Option<&PathBuf>,
    rng: &mut impl rand::Rng,
    interrupted: impl std::future::Future<Output = ()>,
) -> Result<PasswordReset, crate::error::Error> {
    let password = password::generate(&state.rules, rng);
    let unconfirmed = rolling_back(
        api,
        async |undo: &UndoLog| {
            if let Some(path) = password_file {
                write_secret_file(undo, path, password.expose().as_bytes(), "password")?;
            }
            match change {
                PasswordChange::Update { user } => {
                    match api.update_login_profile(user, &password, true).await {
                        Err(err) if err.is(AwsErrorKind::Uncertain) => return Ok(Some(err)),
                        other => other?,
                    }
                }
                PasswordChange::Create { user } => {
                    undo.record(Undo::DeleteLoginProfile {
                        user: user.clone(),
                        user_arn: state.user.arn.clone(),
                    });
                    match api.create_login_profile(user, &password, true).await {
                        Err(err) if err.is(AwsErrorKind::AlreadyExists) => {
                            api.update_login_profile(user, &password, true).await?
                        }
                        other => other?,
                    }
                }
            }
            Ok::<_, Failure>(None)
        },
        interrupted,
    )
    .await?;
    if unconfirmed.is_none()
        && state
            .user
            .tag(PASSWORD_TAG)
            .is_some_and(|v| v != PASSWORD_DELIVERED)
    {
        let delivered = [(PASSWORD_TAG.to_string(), PASSWORD_DELIVERED.to_string())];
        if let Err(err) = api.tag_user(&state.user.name, &delivered).await {
            tracing::warn!(%err, "could not record that the password was delivered");
        }
    }
    Ok(PasswordReset {
        password: password_file.is_none().then_some(password),
        unconfirmed,
    })
}

/// A validated `reset-password` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResetPasswordRequest {
    pub(crate) user_name: String,
    /// `--create`: make a login profile for a person without one.
    pub(crate) create: bool,
    /// Where the new password goes (a new 0600 file); `None`: shown on the terminal.
    pub(crate) password_file: Option<PathBuf>,
}

impl ResetPasswordRequest {
    /// The one constructor every edge calls: the name by IAM's rules, the file new.
    pub(crate) fn new(
        user_name: String,
        create: bool,
        password_file: Option<PathBuf>,
    ) -> Result<Self, InputError> {
        crate::names::validate_user_name(&user_name)?;
        if let Some(file) = &password_file {
            crate::iam::request::must_be_new("--password-file", file)?;
        }
        Ok(ResetPasswordRequest {
            user_name,
            create,
            password_file,
        })
    }
}

/// `reset-password` of an IAM user, as the command and the menu run it.
pub(crate) struct ResetPassword<'a, A> {
    pub(crate) api: &'a A,
    pub(crate) request: &'a ResetPasswordRequest,
}

impl<A: Iam> Operation for ResetPassword<'_, A> {
    type Plan = (ConsoleState, PasswordChange);
    type Done = PasswordReset;

    async fn prepare(&self, protected: &Protected) -> Result<Prepared<Self::Plan>, Error> {
        let (caller, found) = look(self.api, &self.request.user_name)
            .await
            .map_err(Error::from_aws)?;
        let state = existing_user(protected, &caller, &self.request.user_name, found, |s| {
            &s.user
        })?;
        let change = plan_reset(
            &state,
            self.request.create,
            self.request.password_file.as_deref(),
        )?;
        Ok(Prepared {
            caller,
            subject: state.user.arn.clone(),
            changes: vec![change.to_string()],
            done: false,
            plan: (state, change),
        })
    }

    async fn apply(
        &mut self,
        (state, change): &Self::Plan,
        interrupted: impl std::future::Future<Output = ()>,
    ) -> Result<PasswordReset, Error> {
        reset(
            self.api,
            state,
            change,
            self.request.password_file.as_ref(),
            &mut rand::rng(),
            interrupted,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::memory::{ACCOUNT, Injected, MemoryIam};
    use crate::error::exit;
    use rand::SeedableRng;

    fn account() -> MemoryIam {
        let api = MemoryIam::new(1_750_000_000);
        api.add_everything("alice", "team", &format!("arn:aws:iam::{ACCOUNT}:policy/p"));
        api
    }

    /// Alice without console access.
    fn without_console(api: &MemoryIam) {
        api.edit_user("alice", |user| user.login_profile = None);
    }

    async fn state_of(api: &MemoryIam) -> ConsoleState {
        look(api, "alice").await.unwrap().1.unwrap()
    }

    /// A reset with a seeded generator and no interrupt.
    async fn seeded_reset(
        api: &MemoryIam,
        state: &ConsoleState,
        change: &PasswordChange,
        password_file: Option<&PathBuf>,
    ) -> Result<PasswordReset, Error> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        reset(
            api,
            state,
            change,
            password_file,
            &mut rng,
            std::future::pending(),
        )
        .await
    }

    #[tokio::test]
    async fn a_new_password_replaces_the_old_one_and_must_be_changed() {
        let api = account();
        let state = state_of(&api).await;
        let change = plan_reset(&state, false, None).unwrap();
        assert_eq!(
            change,
            PasswordChange::Update {
                user: "alice".to_string()
            }
        );
        let shown = seeded_reset(&api, &state, &change, None)
            .await
            .unwrap()
            .password
            .unwrap();
        let (stored, reset_required) = api.user("alice").unwrap().login_profile.unwrap();
        assert_eq!(stored.expose(), shown.expose());
        assert!(reset_required);
    }

    #[tokio::test]
    async fn without_console_access_it_takes_create() {
        let api = account();
        without_console(&api);
        let state = state_of(&api).await;
        let err = plan_reset(&state, false, None).unwrap_err();
        assert!(err.reason.contains("--create"), "{err}");
        let change = plan_reset(&state, true, None).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        let shown = seeded_reset(&api, &state, &change, Some(&file))
            .await
            .unwrap();
        assert!(shown.password.is_none(), "written, not shown");
        let (stored, _) = api.user("alice").unwrap().login_profile.unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), stored.expose());
        assert_eq!(
            plan_reset(&state, true, Some(&file)).unwrap_err().field,
            "--password-file",
            "an existing file is refused"
        );
    }

    #[tokio::test]
    async fn a_failed_create_is_undone_and_its_file_removed() {
        for how in [Injected::Refused(AwsErrorKind::Other), Injected::AnswerLost] {
            let api = account();
            without_console(&api);
            let state = state_of(&api).await;
            let change = plan_reset(&state, true, None).unwrap();
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join("pw");
            api.fail_call(0, how);
            let err = seeded_reset(&api, &state, &change, Some(&file))
                .await
                .unwrap_err();
            assert_eq!(err.exit_code(), exit::FAILED, "{how:?}: {err}");
            assert!(!file.exists(), "{how:?}: the file goes with the failure");
            assert!(
                api.user("alice").unwrap().login_profile.is_none(),
                "{how:?}: no console access is left behind"
            );
        }
    }

    #[test]
    fn a_reset_password_request_checks_the_name_and_that_the_file_is_new() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        assert!(ResetPasswordRequest::new("alice".to_string(), false, Some(file.clone())).is_ok());
        let err = ResetPasswordRequest::new("".to_string(), false, None).unwrap_err();
        assert_eq!(err.field, "username");
        std::fs::write(&file, "old").unwrap();
        let err = ResetPasswordRequest::new("alice".to_string(), false, Some(file)).unwrap_err();
        assert_eq!(err.field, "--password-file");
    }

    /// The matrix for one kind of change: the new password is held by the file whenever AWS
    /// may have taken it, and the file goes only when AWS certainly did not.
    async fn every_fault_keeps_the_password(create: bool) {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().to_path_buf();
        let runs = std::sync::atomic::AtomicUsize::new(0);
        let file_of = |n: usize| folder.join(format!("pw-{n}"));
        let setup = || {
            let api = std::sync::Arc::new(account());
            if create {
                without_console(&api);
            }
            api
        };
        let stored = |api: &MemoryIam| {
            api.user("alice")
                .unwrap()
                .login_profile
                .map(|(password, _)| password.expose().to_string())
        };
        let last_file = std::sync::Mutex::new(None::<std::path::PathBuf>);
        crate::iam::faults::every_fault(
            setup,
            |api, _| {
                let file = file_of(runs.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
                *last_file.lock().unwrap() = Some(file.clone());
                async move {
                    let state = state_of(&api).await;
                    let change = plan_reset(&state, create, Some(&file))?;
                    let reset = seeded_reset(api.as_ref(), &state, &change, Some(&file)).await?;
                    match reset.unconfirmed {
                        Some(err) => Err(Error::ChangeUnconfirmed {
                            change: change.to_string(),
                            cause: err.to_string(),
                            kept: format!("the new password, in {}", file.display()),
                        }),
                        None => Ok(()),
                    }
                }
            },
            stored,
            |api, result| {
                let file = last_file.lock().unwrap().clone().unwrap();
                let written = std::fs::read_to_string(&file).ok();
                let now = stored(api);
                match result {
                    Ok(()) if written != now => {
                        Err(format!("the file holds {written:?}, AWS {now:?}"))
                    }
                    Err(err) if err.exit_code() == exit::UNDO_INCOMPLETE => match written {
                        Some(_) => Ok(()),
                        None => Err(format!("exit 4 without the password kept: {err}")),
                    },
                    Err(err) if written.is_some() => Err(format!(
                        "the file is left though AWS has the old state: {err}"
                    )),
                    _ => Ok(()),
                }
            },
        )
        .await;
    }

    #[tokio::test]
    async fn every_fault_of_a_replaced_password_keeps_it_where_aws_may_have_it() {
        every_fault_keeps_the_password(false).await;
    }

    #[tokio::test]
    async fn every_fault_of_new_console_access_ends_old_new_or_exit_4() {
        every_fault_keeps_the_password(true).await;
    }
}
