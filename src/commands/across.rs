//! `--accounts` at the edge: the set resolved (through Organizations for OUs and tags), the
//! caller read once, and every account reached from the caller's credentials; what could not be
//! covered said on standard error and in the exit code.

use crate::accounts::{ACCOUNTS_SET, AccountsRequest, Targets};
use crate::aws::IamAccount;
use crate::aws::sdk::SdkReach;
use crate::cli::AccountsArgs;
use crate::error::{Error, InputError};
use crate::protect::member_session_name;
use crate::report::{self, Acting};
use crate::settings::Settings;
use crate::terminal::prompt::{Dialogue, Prompter};
use crate::totp::normalise_code;

/// Everything a command needs to run across the accounts of `--accounts`.
pub(super) struct Reached {
    pub(super) request: AccountsRequest,
    pub(super) accounts: Vec<String>,
    pub(super) reach: SdkReach,
    pub(super) session_name: String,
    pub(super) acting: Acting,
}

impl Reached {
    /// Where the run goes.
    pub(super) fn targets(&self) -> Targets<'_, SdkReach> {
        Targets {
            reach: &self.reach,
            accounts: &self.accounts,
            request: &self.request,
            session_name: &self.session_name,
        }
    }
}

/// `None` without `--accounts`; else the accounts resolved and the way to reach them.
pub(super) async fn reached(
    args: &AccountsArgs,
    settings: &Settings,
) -> Result<Option<Reached>, Error> {
    let Some(set) = &args.accounts else {
        return Ok(None);
    };
    let request = AccountsRequest::new(
        set,
        args.role.as_deref(),
        usize::from(args.account_concurrency),
        &settings.config,
    )?;
    let (resolved, notes) = super::with_resolved_sets(request.as_config(), &settings.aws).await?;
    if !settings.quiet {
        for note in notes {
            report::print_err(&format!("{note}\n"));
        }
    }
    let accounts = resolved.accounts_of(ACCOUNTS_SET)?.to_vec();
    // Many calls to each account at once: adaptive retries, each account's client slowing
    // itself down when throttled.
    let sdk_config = settings.with_adaptive_retries().sdk_config().await?;
    let caller = settings
        .iam(&sdk_config)
        .get_caller_identity()
        .await
        .map_err(Error::from_aws)?;
    let serial = crate::aws::config::profile_mfa_serial(&settings.aws).await;
    if let Some(serial) = &serial {
        crate::fields::STS_MFA_SERIAL.check(serial).map_err(|why| {
            InputError::new("mfa_serial", format!("{serial:?} in the profile {why}"))
        })?;
    }
    let code = match &serial {
        None => None,
        Some(serial) if settings.terminal.interactive => {
            let typed = Dialogue::new(settings.terminal.look).text(
                &format!("MFA code from {serial} (the profile asks for MFA)"),
                false,
                &|answer: &str| {
                    normalise_code(answer)
                        .map(|_| ())
                        .ok_or_else(|| "a code is 6 digits".to_string())
                },
            )?;
            normalise_code(&typed)
        }
        Some(serial) => {
            return Err(InputError::new(
                "--accounts",
                format!(
                    "the profile asks for MFA ({serial}) before roles are assumed, and there is no terminal to type the code on"
                ),
            )
            .into());
        }
    };
    let mfa = serial.as_deref().zip(code.as_deref());
    let reach = SdkReach::new(&sdk_config, caller.clone(), settings.propagation, mfa)
        .await
        .map_err(Error::from_aws)?;
    Ok(Some(Reached {
        session_name: member_session_name(&caller),
        acting: Acting::of(&caller),
        reach,
        request,
        accounts,
    }))
}

/// Warns of each account not covered, and ends the run with exit 4 when there is one.
pub(super) fn covered_all(missed: Vec<(String, String)>, settings: &Settings) -> Result<(), Error> {
    if missed.is_empty() {
        return Ok(());
    }
    if !settings.quiet {
        for (account, why) in &missed {
            report::print_err(&format!("warning: account {account} not covered: {why}\n"));
        }
    }
    Err(Error::AccountsNotCovered { missed })
}
