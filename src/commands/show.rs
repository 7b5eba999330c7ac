//! `show` and `list`: what people have, read only. Nothing here changes anything, so there is
//! no plan and no question; secrets are never read.

use crate::aws::IamAccount;
use crate::cli::{ListArgs, OutputFormat, ShowArgs};
use crate::clock::{Clock, SystemClock};
use crate::error::{Error, InputError};
use crate::iam::people::{self, ListFilter};
use crate::names;
use crate::names::validate_identity_user_name;
use crate::report::people::{AccountUser, ListReport, ShowReport};
use crate::report::{self, Acting};
use crate::settings::Settings;
use crate::sso::people::read_person;
use crate::terminal::helpdesk;
use crate::terminal::prompt::Dialogue;

pub(super) async fn show(args: ShowArgs, settings: &Settings) -> Result<(), Error> {
    helpdesk::require(
        settings.terminal.interactive,
        &["show"],
        &[("<USERNAME>", args.username.is_some())],
    )?;
    if args.across.accounts.is_some() && args.username.is_none() {
        return Err(InputError::new(
            "<USERNAME>",
            "show --accounts looks for one user name in every account: give it",
        )
        .into());
    }
    if let Some(name) = &args.username {
        if args.sso {
            validate_identity_user_name(name)?;
        } else {
            names::validate_user_name(name)?;
        }
    }
    let templates = &settings.templates;
    if let (Some(name), Some(reached)) = (
        &args.username,
        super::across::reached(&args.across, settings).await?,
    ) {
        let found =
            people::read_user_across(&reached.targets(), name, templates, SystemClock.unix_now())
                .await;
        let accounts: Vec<AccountUser> = found
            .covered
            .into_iter()
            .filter_map(|(account, user)| {
                Some(AccountUser {
                    account,
                    user: user?,
                })
            })
            .collect();
        if accounts.is_empty() && found.missed.is_empty() {
            return Err(InputError::new(
                "<USERNAME>",
                format!(
                    "no IAM user named {name} in any of the {} accounts",
                    reached.accounts.len()
                ),
            )
            .into());
        }
        let report = ShowReport {
            acting: reached.acting,
            user: None,
            person: None,
            accounts,
            not_covered: found.missed.clone(),
        };
        report::show(&report, settings.output);
        return super::across::covered_all(found.missed, settings);
    }
    let sdk_config = settings.sdk_config().await?;
    let iam = settings.iam(&sdk_config);
    let mut prompter = Dialogue::new(settings.terminal.look);
    let _config = &settings.config;
    let sso = settings.sso(&sdk_config);
    let user_name = match (args.username.clone(), args.sso) {
        (Some(name), _) => name,
        (None, true) => {
            helpdesk::ask_sso_person(&sso, args.instance_arn.as_deref(), &mut prompter, "show")
                .await?
        }
        (None, false) => helpdesk::ask_iam_user(&iam, &mut prompter, "show").await?,
    };
    let caller = iam.get_caller_identity().await.map_err(Error::from_aws)?;
    let mut report = ShowReport {
        acting: Acting::of(&caller),
        user: None,
        person: None,
        accounts: Vec::new(),
        not_covered: Vec::new(),
    };
    if args.sso {
        report.person = read_person(&sso, &user_name, args.instance_arn.as_deref()).await?;
        if report.person.is_none() {
            return Err(InputError::new(
                "<USERNAME>",
                format!("{user_name} is not in the identity store"),
            )
            .into());
        }
    } else {
        report.user = people::read_user(&iam, &user_name, templates, SystemClock.unix_now())
            .await
            .map_err(Error::from_aws)?;
        if report.user.is_none() {
            return Err(
                InputError::new("<USERNAME>", format!("no IAM user named {user_name}")).into(),
            );
        }
    }
    report::show(&report, settings.output);
    Ok(())
}

pub(super) async fn list(args: ListArgs, settings: &Settings) -> Result<(), Error> {
    if let Some(template) = &args.template {
        settings.templates.get(template)?;
    }
    let filter = ListFilter {
        template: args.template.clone(),
        all: args.all,
    };
    if let Some(reached) = super::across::reached(&args.across, settings).await? {
        let found = people::list_people_across(&reached.targets(), &filter).await;
        let report = ListReport {
            acting: reached.acting,
            people: found
                .covered
                .into_iter()
                .flat_map(|(_, lines)| lines)
                .collect(),
            not_covered: found.missed.clone(),
        };
        print_list(&report, settings)?;
        return super::across::covered_all(found.missed, settings);
    }
    let iam = settings.iam_api().await?;
    let (caller, people) = tokio::try_join!(
        iam.get_caller_identity(),
        people::list_people(&iam, &filter)
    )
    .map_err(Error::from_aws)?;
    let report = ListReport {
        acting: Acting::of(&caller),
        people,
        not_covered: Vec::new(),
    };
    print_list(&report, settings)
}

fn print_list(report: &ListReport, settings: &Settings) -> Result<(), Error> {
    if settings.output == OutputFormat::Csv {
        let text = report.csv().map_err(|err| Error::Io {
            context: "cannot write the CSV".to_string(),
            source: std::io::Error::other(err),
        })?;
        report::print(&text);
    } else {
        report::show(report, settings.output);
    }
    Ok(())
}
