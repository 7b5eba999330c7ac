//! Helpdesk mode: what a person at a terminal is asked. `iam-onboard` alone opens a menu of the
//! commands; a command missing a required value asks for it, then for the optional ones it was
//! not given, each answer checked before it is taken. Without a terminal a missing value is a
//! usage error (exit 2) instead, so a script never waits on a prompt.
//!
//! The questions go through `Prompter`, so their order and checks are tested with scripted
//! answers; `Dialogue` asks them on the terminal with dialoguer.

use super::prompt::Prompter;
use crate::aws::Iam;
use crate::cli::{self, AssignArgs, Command, NewUserArgs};
use crate::config::Config;
use crate::error::{Error, InputError};
use crate::names;
use crate::sso::request as assign;
use crate::tags::{DISPLAY_NAME_TAG, EMAIL_TAG, TICKET_TAG};
use crate::template::{Template, TemplateSet};

/// What the menu offers, and the command line each choice stands for.
const MENU: &[(&str, &[&str])] = &[
    ("Onboard a person as an IAM user", &["new-user"]),
    (
        "Give a person IAM Identity Center (SSO) access",
        &["assign"],
    ),
    ("Offboard an IAM user", &["offboard"]),
    (
        "Offboard a person from IAM Identity Center (SSO)",
        &["offboard", "--sso"],
    ),
    (
        "Reset an IAM user's MFA (lost or new phone)",
        &["reset-mfa"],
    ),
    (
        "Move an IAM user to another template (job change)",
        &["move"],
    ),
    (
        "Move an Identity Center person to another template",
        &["move", "--sso"],
    ),
    ("Reset an IAM user's console password", &["reset-password"]),
    ("Rotate an IAM user's access key", &["rotate-key"]),
    ("Show what an IAM user has", &["show"]),
    (
        "Show what an Identity Center person has",
        &["show", "--sso"],
    ),
    ("List the people this tool manages", &["list"]),
    ("Audit the account (the monthly checklist)", &["audit"]),
    ("List the job-function templates", &["templates", "list"]),
];

/// The last menu item: leave without doing anything (Esc and q do the same).
const QUIT: &str = "Quit";

/// The menu `iam-onboard` opens on a terminal without a command; `None`: Quit (or Esc, q).
pub(crate) fn menu(prompter: &mut impl Prompter) -> Result<Option<Command>, Error> {
    let mut items: Vec<String> = MENU
        .iter()
        .map(|(label, words)| format!("{label:<50} (iam-onboard {})", words.join(" ")))
        .collect();
    items.push(QUIT.to_string());
    let chosen = prompter.choose_or_leave("What do you want to do? (Esc or q: quit)", &items)?;
    Ok(chosen
        .filter(|index| *index < MENU.len())
        .map(|index| cli::bare_command(MENU[index].1)))
}

/// Without a terminal to ask on, required values not given end the run as a usage error
/// (exit 2) that names them all; on a terminal they are asked for instead. `command` is the
/// subcommand's path, e.g. `["templates", "show"]`; each value is a (name, given) pair.
/// `Ok(true)`: some are missing, and are to be asked for.
pub(crate) fn require(
    interactive: bool,
    command: &[&str],
    values: &[(&'static str, bool)],
) -> Result<bool, Error> {
    let missing: Vec<&str> = values
        .iter()
        .filter(|(_, given)| !given)
        .map(|(name, _)| *name)
        .collect();
    if missing.is_empty() || interactive {
        Ok(!missing.is_empty())
    } else {
        Err(cli::usage_error(command, &missing))
    }
}

/// Asks for what `new-user` was not given: the user name (checked against IAM's rules and
/// against the users that exist), the template from a list with descriptions, then display
/// name, email, ticket and console access.
pub(crate) async fn ask_new_user(
    args: &mut NewUserArgs,
    set: &TemplateSet,
    api: &impl Iam,
    prompter: &mut impl Prompter,
) -> Result<(), Error> {
    match &args.username {
        Some(given) => names::validate_user_name(given)?,
        None => args.username = Some(ask_unused_user_name(api, prompter).await?),
    }
    let template = template_to_use(&mut args.template, set, prompter)?;
    if args.display_name.is_none() {
        args.display_name = ask_tag(prompter, "Display name (optional)", DISPLAY_NAME_TAG)?;
    }
    if args.email.is_none() {
        let check = |answer: &str| {
            email_check(answer)?;
            tag_check(EMAIL_TAG, answer)
        };
        args.email = some_text(prompter.text("Email (optional)", true, &check)?);
    }
    if args.ticket.is_none() {
        args.ticket = ask_tag(prompter, "Change ticket (optional)", TICKET_TAG)?;
    }
    if template.console_access && !args.no_console {
        args.no_console = !prompter.yes_no(
            "Console access (a one-time password, changed at first sign-in)?",
            true,
        )?;
    }
    Ok(())
}

/// A user name that passes IAM's rules and that no IAM user has yet.
async fn ask_unused_user_name(
    api: &impl Iam,
    prompter: &mut impl Prompter,
) -> Result<String, Error> {
    let check = |answer: &str| names::validate_user_name(answer).map_err(|err| err.reason);
    loop {
        let name = prompter.text("User name", false, &check)?;
        match api.get_user(&name).await.map_err(Error::from_aws)? {
            None => return Ok(name),
            Some(_) => prompter.tell(&format!(
                "{name} already exists in IAM; choose another name (to finish an earlier run for them, run `iam-onboard new-user {name} --template NAME`)"
            )),
        }
    }
}

/// The template named, or else the one chosen from the list (and then named).
fn template_to_use<'a>(
    name: &mut Option<String>,
    set: &'a TemplateSet,
    prompter: &mut impl Prompter,
) -> Result<&'a Template, Error> {
    let template = match name.as_deref() {
        Some(given) => set.get(given)?,
        None => choose_template(set, prompter)?,
    };
    *name = Some(template.name.clone());
    Ok(template)
}

/// A template chosen from the list, each shown with its description.
pub(crate) fn choose_template<'a>(
    set: &'a TemplateSet,
    prompter: &mut impl Prompter,
) -> Result<&'a Template, Error> {
    let templates: Vec<&Template> = set.iter().collect();
    let width = templates.iter().map(|t| t.name.len()).max().unwrap_or(0);
    let items: Vec<String> = templates
        .iter()
        .map(|t| format!("{:<width$}  {}", t.name, t.description))
        .collect();
    let chosen = prompter.choose("Job function", &items)?;
    Ok(templates[chosen])
}

fn ask_tag(prompter: &mut impl Prompter, prompt: &str, key: &str) -> Result<Option<String>, Error> {
    let check = |answer: &str| tag_check(key, answer);
    Ok(some_text(prompter.text(prompt, true, &check)?))
}

fn tag_check(key: &str, value: &str) -> Result<(), String> {
    names::validate_tag(key, value).map_err(|err| err.reason)
}

fn email_check(answer: &str) -> Result<(), String> {
    names::validate_email("email", answer).map_err(|err| err.reason)
}

fn some_text(answer: String) -> Option<String> {
    (!answer.is_empty()).then_some(answer)
}

/// Asks for what `assign` was not given: the person's user name, the template, the accounts
/// when the template has no account sets configured, and, when the user name was asked for,
/// whether to create the person and their names.
pub(crate) fn ask_assign(
    args: &mut AssignArgs,
    set: &TemplateSet,
    config: &Config,
    prompter: &mut impl Prompter,
) -> Result<(), Error> {
    let check_name =
        |answer: &str| crate::names::validate_identity_user_name(answer).map_err(|err| err.reason);
    let asked_for_person = args.username.is_none();
    match &args.username {
        Some(given) => crate::names::validate_identity_user_name(given)?,
        None => {
            args.username = Some(prompter.text("Identity Center user name", false, &check_name)?);
        }
    }
    let template = template_to_use(&mut args.template, set, prompter)?;
    if args.accounts.is_empty() && assign::resolve_targets(template, &[], set, config).is_err() {
        let check = |answer: &str| {
            let ids = account_ids(answer);
            match ids
                .iter()
                .map(|id| names::validate_account_id(id))
                .find_map(Result::err)
            {
                Some(bad) => Err(bad.reason),
                None if ids.is_empty() => Err("at least one account ID".to_string()),
                None => Ok(()),
            }
        };
        let answer = prompter.text(
            "AWS account IDs (12 digits; several separated by spaces or commas)",
            false,
            &check,
        )?;
        args.accounts = account_ids(&answer);
    }
    let user_name = args.username.clone().unwrap_or_default();
    if asked_for_person
        && !args.create_user
        && prompter.yes_no(
            &format!("Create {user_name} in the identity store if they are not there yet?"),
            false,
        )?
    {
        let person_name =
            |answer: &str| assign::validate_person_name("name", answer).map_err(|err| err.reason);
        let optional_name = |answer: &str| match answer {
            "" => Ok(()),
            given => person_name(given),
        };
        args.create_user = true;
        args.email = Some(prompter.text("Email", false, &email_check)?);
        args.given_name = Some(prompter.text("Given name", false, &person_name)?);
        args.family_name = Some(prompter.text("Family name", false, &person_name)?);
        args.display_name =
            some_text(prompter.text("Display name (optional)", true, &optional_name)?);
    }
    Ok(())
}

fn account_ids(answer: &str) -> Vec<String> {
    answer
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|id| !id.is_empty())
        .map(ToString::to_string)
        .collect()
}

/// The CSV file for `batch`: it must be a readable file.
pub(crate) fn ask_batch_file(prompter: &mut impl Prompter) -> Result<std::path::PathBuf, Error> {
    let check = |answer: &str| match std::fs::metadata(answer) {
        Ok(meta) if meta.is_file() => Ok(()),
        Ok(_) => Err(format!("{answer} is not a file")),
        Err(err) => Err(format!("{answer}: {err}")),
    };
    Ok(prompter.text("CSV file", false, &check)?.into())
}

/// The names nearest to a mistyped one (at most three, closest first): for "did you mean".
pub(crate) fn closest(typed: &str, names: &[String]) -> Vec<String> {
    let mut near: Vec<(f64, &String)> = names
        .iter()
        .map(|name| (strsim::jaro_winkler(typed, name), name))
        .filter(|(score, _)| *score >= 0.85)
        .collect();
    near.sort_by(|a, b| b.0.total_cmp(&a.0));
    near.into_iter()
        .take(3)
        .map(|(_, name)| name.clone())
        .collect()
}

/// The IAM user to act on (`purpose`: "offboard", "reset the MFA of"), picked by typing part
/// of the name from every user in the account.
pub(crate) async fn ask_iam_user(
    api: &impl Iam,
    prompter: &mut impl Prompter,
    purpose: &str,
) -> Result<String, Error> {
    let users = api.list_users().await.map_err(Error::from_aws)?;
    if users.is_empty() {
        return Err(InputError::new(
            "<USERNAME>",
            format!("the account has no IAM users to {purpose}"),
        )
        .into());
    }
    let chosen = prompter.search(&format!("IAM user to {purpose} (type to filter)"), &users)?;
    Ok(users[chosen].clone())
}

/// The Identity Center person to act on, picked by typing part of the name from every user of
/// the identity store.
pub(crate) async fn ask_sso_person(
    api: &impl crate::aws::Sso,
    instance_arn: Option<&str>,
    prompter: &mut impl Prompter,
    purpose: &str,
) -> Result<String, Error> {
    let instance = crate::sso::instance::choose_instance(api, instance_arn).await?;
    let mut names: Vec<String> = api
        .list_identity_users(&instance.identity_store_id)
        .await
        .map_err(Error::from_aws)?
        .into_iter()
        .map(|(_, name)| name)
        .collect();
    names.sort();
    if names.is_empty() {
        return Err(InputError::new(
            "<USERNAME>",
            format!("the identity store has no users to {purpose}"),
        )
        .into());
    }
    let chosen = prompter.search(
        &format!("Identity Center user to {purpose} (type to filter)"),
        &names,
    )?;
    Ok(names[chosen].clone())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::aws::memory::{MemoryIam, MemoryUser};
    use crate::terminal::prompt::Check;
    use std::collections::VecDeque;

    fn account_with(users: &[&str]) -> MemoryIam {
        let api = MemoryIam::new(0);
        for name in users {
            let user = MemoryUser::default();
            api.state
                .lock()
                .unwrap()
                .users
                .insert(name.to_string(), user);
        }
        api
    }

    /// Answers from a script, in order; records each question and what it was told.
    #[derive(Default)]
    pub(crate) struct Scripted {
        pub(crate) answers: VecDeque<String>,
        pub(crate) asked: Vec<String>,
        pub(crate) told: Vec<String>,
    }

    impl Scripted {
        pub(crate) fn new(answers: &[&str]) -> Self {
            Scripted {
                answers: answers.iter().map(ToString::to_string).collect(),
                ..Scripted::default()
            }
        }

        fn next(&mut self, prompt: &str) -> String {
            self.asked.push(prompt.to_string());
            self.answers
                .pop_front()
                .unwrap_or_else(|| panic!("no answer scripted for {prompt:?}"))
        }
    }

    impl Prompter for Scripted {
        fn text(
            &mut self,
            prompt: &str,
            optional: bool,
            check: Check<'_>,
        ) -> Result<String, Error> {
            loop {
                let answer = self.next(prompt);
                if answer.is_empty() && optional {
                    return Ok(String::new());
                }
                match check(&answer) {
                    Ok(()) => return Ok(answer),
                    Err(reason) => self.told.push(reason),
                }
            }
        }

        fn choose(&mut self, prompt: &str, items: &[String]) -> Result<usize, Error> {
            let answer = self.next(prompt);
            Ok(items
                .iter()
                .position(|item| item.starts_with(&answer))
                .unwrap_or_else(|| panic!("{answer:?} is not among {items:?}")))
        }

        fn choose_or_leave(
            &mut self,
            prompt: &str,
            items: &[String],
        ) -> Result<Option<usize>, Error> {
            if self.answers.front().is_some_and(|a| a == "<Esc>") {
                self.next(prompt);
                return Ok(None);
            }
            self.choose(prompt, items).map(Some)
        }

        fn search(&mut self, prompt: &str, items: &[String]) -> Result<usize, Error> {
            let answer = self.next(prompt);
            Ok(items
                .iter()
                .position(|item| item.contains(&answer))
                .unwrap_or_else(|| panic!("{answer:?} matches none of {items:?}")))
        }

        fn yes_no(&mut self, prompt: &str, _default: bool) -> Result<bool, Error> {
            Ok(self.next(prompt) == "y")
        }

        fn tell(&mut self, line: &str) {
            self.told.push(line.to_string());
        }
    }

    fn bare_new_user() -> NewUserArgs {
        match cli::bare_command(&["new-user"]) {
            Command::NewUser(args) => args,
            other => panic!("{other:?}"),
        }
    }

    fn bare_assign() -> AssignArgs {
        match cli::bare_command(&["assign"]) {
            Command::Assign(args) => args,
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_bad_or_taken_user_name_is_asked_again() {
        let api = account_with(&["taken"]);
        let set = TemplateSet::embedded().unwrap();
        let mut args = bare_new_user();
        let mut prompter = Scripted::new(&[
            "bad name!",
            "taken",
            "newhire",
            "finance",
            "New Hire",
            "not-an-email",
            "new.hire@example.com",
            "CHG-7",
            "n",
        ]);
        ask_new_user(&mut args, &set, &api, &mut prompter)
            .await
            .unwrap();
        assert_eq!(args.username.as_deref(), Some("newhire"));
        assert_eq!(args.template.as_deref(), Some("finance"));
        assert_eq!(args.display_name.as_deref(), Some("New Hire"));
        assert_eq!(args.email.as_deref(), Some("new.hire@example.com"));
        assert_eq!(args.ticket.as_deref(), Some("CHG-7"));
        assert!(args.no_console, "console access was declined");
        assert_eq!(prompter.told.len(), 3, "{:?}", prompter.told);
        assert!(
            prompter.told[0].contains("IAM user names allow only"),
            "{:?}",
            prompter.told
        );
        assert!(prompter.told[1].contains("taken already exists in IAM"));
        assert!(prompter.told[2].contains("not an email address"));
    }

    #[tokio::test]
    async fn values_given_on_the_command_line_are_not_asked() {
        let api = account_with(&[]);
        let set = TemplateSet::embedded().unwrap();
        let mut args = bare_new_user();
        args.username = Some("pat".to_string());
        args.ticket = Some("CHG-1".to_string());
        args.no_console = true;
        let mut prompter = Scripted::new(&["security-auditor", "", ""]);
        ask_new_user(&mut args, &set, &api, &mut prompter)
            .await
            .unwrap();
        assert_eq!(
            prompter.asked,
            [
                "Job function",
                "Display name (optional)",
                "Email (optional)"
            ],
            "no ticket or console question: --ticket and --no-console were given"
        );
        assert_eq!((args.display_name, args.email), (None, None));
    }

    #[tokio::test]
    async fn a_bad_user_name_given_is_refused_before_any_question() {
        let set = TemplateSet::embedded().unwrap();
        let mut args = bare_new_user();
        args.username = Some("bad name".to_string());
        let mut prompter = Scripted::new(&[]);
        let err = ask_new_user(&mut args, &set, &account_with(&[]), &mut prompter)
            .await
            .unwrap_err();
        assert_eq!(err.exit_code(), crate::error::exit::BAD_INPUT);
        let mut args = bare_assign();
        args.username = Some("two words".to_string());
        let err = ask_assign(&mut args, &set, &Config::default(), &mut prompter).unwrap_err();
        assert_eq!(err.exit_code(), crate::error::exit::BAD_INPUT);
        assert!(prompter.asked.is_empty(), "{:?}", prompter.asked);
    }

    #[tokio::test]
    async fn prompts_answer_bad_values_as_flags_and_csv_rows_do() {
        let same = |err: InputError| err.reason;
        let email = same(names::validate_email("--email", "not-an-email").unwrap_err());
        let tab = same(names::validate_tag(DISPLAY_NAME_TAG, "a\tb").unwrap_err());
        let account = same(names::validate_account_id("12345").unwrap_err());
        let set = TemplateSet::embedded().unwrap();
        let mut args = bare_new_user();
        args.username = Some("pat".to_string());
        args.template = Some("finance".to_string());
        args.no_console = true;
        let mut prompter = Scripted::new(&["a\tb", "Pat", "not-an-email", "pat@example.com", ""]);
        ask_new_user(&mut args, &set, &account_with(&[]), &mut prompter)
            .await
            .unwrap();
        assert_eq!(prompter.told, [tab, email]);
        let mut args = bare_assign();
        args.username = Some("pat".to_string());
        args.template = Some("finance".to_string());
        let mut prompter = Scripted::new(&["12345", "111111111111"]);
        ask_assign(&mut args, &set, &Config::default(), &mut prompter).unwrap();
        assert_eq!(prompter.told, [account]);
    }

    #[test]
    fn a_tag_value_that_iam_refuses_is_asked_again() {
        let mut prompter = Scripted::new(&["Doe, Jane", "Jane Doe"]);
        let name = ask_tag(&mut prompter, "Display name (optional)", DISPLAY_NAME_TAG).unwrap();
        assert_eq!(name.as_deref(), Some("Jane Doe"));
        assert!(prompter.told[0].contains("','"), "{:?}", prompter.told);
    }

    #[test]
    fn without_a_terminal_missing_values_are_a_usage_error() {
        let values = [
            ("<USERNAME>", false),
            ("--ticket", true),
            ("--template <NAME>", false),
        ];
        assert!(
            require(true, &["new-user"], &values).unwrap(),
            "asked on a terminal"
        );
        assert!(!require(false, &["new-user"], &[("<USERNAME>", true)]).unwrap());
        let err = require(false, &["new-user"], &values).unwrap_err();
        assert_eq!(err.exit_code(), crate::error::exit::BAD_INPUT);
        let text = err.to_string();
        assert!(text.contains("<USERNAME>, --template <NAME>"), "{text}");
        assert!(text.contains("Usage: iam-onboard new-user"), "{text}");
    }

    #[test]
    fn a_mistyped_name_gets_the_nearest_names() {
        let names: Vec<String> = ["alice", "alicia", "bob"].map(String::from).to_vec();
        assert_eq!(closest("alcie", &names), ["alice"]);
        assert_eq!(closest("alicai", &names)[0], "alicia");
        assert!(closest("zed", &names).is_empty());
    }

    #[test]
    fn the_menu_stands_for_command_lines() {
        let mut prompter = Scripted::new(&["Offboard a person from IAM Identity Center"]);
        match menu(&mut prompter).unwrap() {
            Some(Command::Offboard(args)) => assert!(args.sso && args.username.is_none()),
            other => panic!("{other:?}"),
        }
        for leave in ["Quit", "<Esc>"] {
            assert!(
                menu(&mut Scripted::new(&[leave])).unwrap().is_none(),
                "{leave}"
            );
        }
        for (label, _) in MENU {
            assert!(
                menu(&mut Scripted::new(&[label])).unwrap().is_some(),
                "{label} stands for a command that asks for what it lacks"
            );
        }
    }

    #[test]
    fn assign_asks_for_accounts_only_without_account_sets() {
        let set = TemplateSet::embedded().unwrap();
        let mut args = bare_assign();
        let mut prompter = Scripted::new(&[
            "bob",
            "finance",
            "111111111111 2222",
            "111111111111, 222222222222",
            "y",
            "bob@example.com",
            "Bob",
            "Example",
            "",
        ]);
        ask_assign(&mut args, &set, &Config::default(), &mut prompter).unwrap();
        assert_eq!(args.accounts, ["111111111111", "222222222222"]);
        assert!(prompter.told[0].contains("\"2222\""), "{:?}", prompter.told);
        assert!(args.create_user);
        assert_eq!(args.given_name.as_deref(), Some("Bob"));
        assert_eq!(args.display_name, None);

        let configured =
            Config::of_account_sets(&[("dev", &["111111111111"]), ("prod", &["222222222222"])]);
        let mut args = bare_assign();
        args.username = Some("carol".to_string());
        let mut prompter = Scripted::new(&["developer "]);
        ask_assign(&mut args, &set, &configured, &mut prompter).unwrap();
        assert_eq!(prompter.asked, ["Job function"]);
        assert!(args.accounts.is_empty(), "the account sets decide");
    }

    #[test]
    fn the_batch_file_must_be_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("people.csv");
        std::fs::write(&file, "username\n").unwrap();
        let (folder, missing) = (dir.path().to_str().unwrap(), "/nonexistent/people.csv");
        let mut prompter = Scripted::new(&[folder, missing, file.to_str().unwrap()]);
        assert_eq!(ask_batch_file(&mut prompter).unwrap(), file);
        assert!(
            prompter.told[0].ends_with("is not a file"),
            "{:?}",
            prompter.told
        );
        assert!(prompter.told[1].starts_with(missing), "{:?}", prompter.told);
    }

    #[tokio::test]
    async fn the_user_to_offboard_is_found_by_part_of_the_name() {
        let api = account_with(&["alice", "bob", "carol"]);
        let mut prompter = Scripted::new(&["ro"]);
        assert_eq!(
            ask_iam_user(&api, &mut prompter, "offboard").await.unwrap(),
            "carol"
        );
        let empty = account_with(&[]);
        let err = ask_iam_user(&empty, &mut prompter, "offboard")
            .await
            .unwrap_err();
        assert_eq!(err.exit_code(), crate::error::exit::BAD_INPUT);
    }
}
