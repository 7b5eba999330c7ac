//! `assign`: Identity Center access from a template.

use crate::aws::IamAccount;
use crate::cli::AssignArgs;
use crate::clock::SystemClock;
use crate::config::Config;
use crate::error::{Error, InputError};
use crate::operation::Driven;
use crate::report::assign::AssignReport;
use crate::report::{self, Acting};
use crate::settings::Settings;
use crate::sso::assign as sso_assign;
use crate::sso::operations::Patience;
use crate::sso::request::{AssignInput, AssignRequest, PersonInput};
use crate::template::TemplateSet;
use crate::terminal::helpdesk;
use crate::terminal::interrupt::Interrupts;
use crate::terminal::prompt::Dialogue;
use std::sync::Arc;

/// Turns `assign` arguments into a validated request.
pub(crate) fn assign_request(
    args: AssignArgs,
    set: &TemplateSet,
    config: &Config,
) -> Result<AssignRequest, InputError> {
    let (Some(user_name), Some(template)) = (args.username, args.template) else {
        return Err(InputError::new(
            "<USERNAME> and --template",
            "both are required",
        ));
    };
    let create = match (
        args.create_user,
        args.email,
        args.given_name,
        args.family_name,
    ) {
        (false, ..) => None,
        (true, Some(email), Some(given_name), Some(family_name)) => Some(PersonInput {
            email,
            given_name,
            family_name,
            display_name: args.display_name,
        }),
        (true, ..) => {
            return Err(InputError::new(
                "--create-user",
                "needs --email, --given-name and --family-name",
            ));
        }
    };
    AssignRequest::new(
        AssignInput {
            user_name,
            template,
            accounts: args.accounts,
            create,
            instance_arn: args.instance_arn,
            until: args.until,
        },
        set,
        config,
    )
}

pub(super) async fn assign_person(
    mut args: AssignArgs,
    settings: &Settings,
    interrupts: &Interrupts,
) -> Result<(), Error> {
    let patience = Patience {
        timeout: std::time::Duration::from_secs(args.timeout),
        ..Patience::default()
    };
    let set = &settings.templates;
    let (config, resolved) =
        super::with_resolved_sets(settings.config.clone(), &settings.aws).await?;
    let missing = helpdesk::require(
        settings.terminal.interactive,
        &["assign"],
        &[
            ("<USERNAME>", args.username.is_some()),
            ("--template <NAME>", args.template.is_some()),
        ],
    )?;
    let mut prompter = Dialogue::new(settings.terminal.look);
    if missing {
        helpdesk::ask_assign(&mut args, set, &config, &mut prompter)?;
    }
    let request = assign_request(args, set, &config)?;
    crate::iam::end_date::refuse_passed(
        "--until",
        request.until.as_deref(),
        &crate::iam::end_date::today_by_the_clock(),
    )?;
    let sdk_config = settings.sdk_config().await?;
    let caller = settings
        .iam(&sdk_config)
        .get_caller_identity()
        .await
        .map_err(Error::from_aws)?;
    let iam = settings.iam(&sdk_config);
    crate::iam::shared::refuse_missing_aws_managed_in(&iam, &request.templates(), &caller).await?;
    let acting = Acting::of(&caller);
    let asking = settings.terminal.interactive && !settings.yes;
    let mut operation = sso_assign::AssignPerson {
        api: Arc::new(settings.sso(&sdk_config)),
        request: &request,
        caller: &caller,
        notes: resolved,
        preview: settings.dry_run || asking,
        giving: sso_assign::Giving::Whole {
            clock: &SystemClock,
        },
        patience,
    };
    let driven = super::drive_command(&mut operation, settings, interrupts, |prepared| {
        let given: Vec<String> = request
            .targets
            .iter()
            .map(|target| format!("{} in {}", target.template.name, target.account))
            .collect();
        let action = format!("give {} {}", request.user_name, given.join(", "));
        super::ask_yes_no(prepared, action, settings, &mut prompter)
    })
    .await?;
    let assigned = match driven {
        Driven::Applied(_, assigned) => assigned,
        Driven::Planned(prepared) | Driven::AlreadyDone(prepared) => {
            report::show(
                &AssignReport::planned(&acting, &request, prepared.changes),
                settings.output,
            );
            return Ok(());
        }
    };
    let mut report = AssignReport::done(&acting, &request, &assigned);
    let portal_url = config
        .portal_url
        .clone()
        .unwrap_or_else(|| format!("https://{}.awsapps.com/start", assigned.identity_store_id));
    if assigned.user_created {
        report.first_sign_in = Some(report::assign::first_sign_in_steps(
            &request.user_name,
            &portal_url,
        ));
    }
    report.portal_url = Some(portal_url);
    report::show(&report, settings.output);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(accounts: &[&str]) -> AssignArgs {
        AssignArgs {
            username: Some("erin".to_string()),
            template: Some("developer".to_string()),
            accounts: accounts.iter().map(ToString::to_string).collect(),
            create_user: false,
            email: None,
            given_name: None,
            family_name: None,
            display_name: None,
            instance_arn: None,
            timeout: 300,
            until: None,
        }
    }

    fn config(sets: &[(&str, &[&str])]) -> Config {
        Config {
            source: Some("config.json".to_string()),
            ..Config::of_account_sets(sets)
        }
    }

    fn targets(request: &AssignRequest) -> Vec<(String, String)> {
        request
            .targets
            .iter()
            .map(|t| (t.account.clone(), t.template.name.clone()))
            .collect()
    }

    #[test]
    fn without_accounts_the_templates_account_sets_decide() {
        let set = TemplateSet::embedded().unwrap();
        let sets = config(&[
            ("dev", &["111111111111", "222222222222"]),
            ("prod", &["333333333333"]),
        ]);
        let request = assign_request(args(&[]), &set, &sets).unwrap();
        assert_eq!(
            targets(&request),
            [
                ("111111111111".to_string(), "developer".to_string()),
                ("222222222222".to_string(), "developer".to_string()),
                ("333333333333".to_string(), "developer-readonly".to_string()),
            ]
        );
    }

    #[test]
    fn named_accounts_get_the_named_template_once_each() {
        let set = TemplateSet::embedded().unwrap();
        let request = assign_request(
            args(&["111111111111", "111111111111"]),
            &set,
            &Config::default(),
        )
        .unwrap();
        assert_eq!(
            targets(&request),
            [("111111111111".to_string(), "developer".to_string())]
        );
    }

    #[test]
    fn missing_or_conflicting_account_sets_are_bad_input() {
        let set = TemplateSet::embedded().unwrap();
        let none = assign_request(args(&[]), &set, &Config::default()).unwrap_err();
        assert_eq!(none.field, "account_sets.dev");
        assert!(none.reason.contains("--config"), "{none}");
        let overlap = config(&[("dev", &["111111111111"]), ("prod", &["111111111111"])]);
        let err = assign_request(args(&[]), &set, &overlap).unwrap_err();
        assert!(
            err.reason.contains("both developer and developer-readonly"),
            "{err}"
        );
        let mut finance = args(&[]);
        finance.template = Some("finance".to_string());
        assert_eq!(
            assign_request(finance, &set, &overlap).unwrap_err().field,
            "--account"
        );
    }
}
