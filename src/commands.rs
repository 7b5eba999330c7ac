//! Each subcommand from raw arguments to printed result: validation at the edge (turning
//! `cli` values into requests), then the AWS work, then the report.

use crate::assign::{self, AssignRequest, Patience};
use crate::aws::Iam;
use crate::aws::NewPerson;
use crate::aws::sdk::{AwsTarget, SdkIam, load_config};
use crate::aws::sdk_sso::SdkSso;
use crate::batch;
use crate::cli::{
    AssignArgs, BatchArgs, Command, GlobalArgs, MfaArg, NewUserArgs, OffboardArgs, OutputFormat,
    TemplatesCommand,
};
use crate::codes::{AnyCodes, StdinCodes, TerminalCodes};
use crate::config::Config;
use crate::error::{Error, InputError};
use crate::helpdesk::{self, Dialogue, Prompter};
use crate::interrupt::Interrupts;
use crate::look::Look;
use crate::names;
use crate::offboard::{self, OFFBOARD_REASON_TAG, OffboardMode};
use crate::onboard::{self, Clock, Effects, MfaMode, NewUserRequest, SystemClock};
use crate::plan;
use crate::protect::{Person, Protected};
use crate::report::{self, Acting, AssignReport, NewUserReport, OffboardReport};
use crate::template::{Template, TemplateSet};
use std::io::IsTerminal;
use std::sync::Arc;

/// Whether a person is there (prompts need stdin and stderr on a terminal), and what the
/// terminal can show.
#[derive(Debug, Clone, Copy)]
pub struct Terminal {
    pub interactive: bool,
    pub look: Look,
}

impl Terminal {
    pub fn detect() -> Self {
        Terminal {
            interactive: std::io::stdin().is_terminal() && std::io::stderr().is_terminal(),
            look: Look::detect(),
        }
    }
}

/// Runs `command`; without one, opens the menu on a terminal, else it is a usage error.
pub async fn dispatch(
    command: Option<Command>,
    global: &GlobalArgs,
    interrupts: &Interrupts,
) -> Result<(), Error> {
    let terminal = Terminal::detect();
    let command = match command {
        Some(command) => command,
        None if terminal.interactive => helpdesk::menu(&mut Dialogue::new(terminal.look))?,
        None => return Err(crate::cli::usage_error(&[], &["a command"])),
    };
    match command {
        Command::NewUser(args) => new_user(args, global, terminal, interrupts).await,
        Command::Assign(args) => assign_person(args, global, terminal, interrupts).await,
        Command::Batch(args) => run_batch(args, global, terminal, interrupts).await,
        Command::Offboard(args) if args.sso => {
            offboard_sso(args, global, terminal, interrupts).await
        }
        Command::Offboard(args) => offboard_user(args, global, terminal, interrupts).await,
        Command::Templates(which) => templates(which, global, terminal),
    }
}

fn load_templates(global: &GlobalArgs) -> Result<TemplateSet, InputError> {
    match &global.templates {
        Some(dir) => TemplateSet::from_dir(dir),
        None => TemplateSet::embedded(),
    }
}

/// Turns `new-user` arguments into a validated request. Nothing here talks to AWS.
pub fn new_user_request(
    args: NewUserArgs,
    set: &TemplateSet,
    terminal: Terminal,
) -> Result<NewUserRequest, InputError> {
    let (Some(user_name), Some(template)) = (&args.username, &args.template) else {
        return Err(InputError::new(
            "<USERNAME> and --template",
            "both are required",
        ));
    };
    names::validate_user_name(user_name)?;
    let template = set.get(template)?.clone();
    let mfa = mfa_mode(&args, terminal)?;
    let console = !args.no_console && template.console_access;
    if !console && args.password_file.is_some() {
        return Err(InputError::new(
            "--password-file",
            "no console password is made (--no-console, or the template allows no console)",
        ));
    }
    if console && args.password_file.is_none() && !terminal.interactive {
        return Err(InputError::new(
            "--password-file",
            "the one-time console password is only shown on a terminal; give --password-file FILE or --no-console",
        ));
    }
    let extra_tags = args
        .tags
        .iter()
        .map(|text| names::parse_tag(text))
        .collect::<Result<Vec<_>, _>>()?;
    NewUserRequest {
        user_name: user_name.clone(),
        template,
        display_name: args.display_name,
        email: args.email,
        ticket: args.ticket,
        extra_tags,
        console,
        mfa,
        password_file: args.password_file,
    }
    .validate()
}

fn mfa_mode(args: &NewUserArgs, terminal: Terminal) -> Result<MfaMode, InputError> {
    let chosen = args.mfa.unwrap_or(if terminal.interactive {
        MfaArg::Prompt
    } else {
        MfaArg::Deferred
    });
    if chosen != MfaArg::Export {
        for (flag, given) in [
            ("--mfa-secret-file", args.mfa_secret_file.is_some()),
            ("--mfa-qr-png", args.mfa_qr_png.is_some()),
        ] {
            if given {
                return Err(InputError::new(flag, "goes with --mfa export"));
            }
        }
    }
    match chosen {
        MfaArg::Prompt if !terminal.interactive => Err(InputError::new(
            "--mfa",
            "prompt needs a terminal; use --mfa export (codes on standard input) or --mfa deferred",
        )),
        MfaArg::Prompt => Ok(MfaMode::Prompt),
        MfaArg::Deferred => Ok(MfaMode::Deferred),
        MfaArg::Export => match &args.mfa_secret_file {
            Some(secret_file) => Ok(MfaMode::Export {
                secret_file: secret_file.clone(),
                qr_png: args.mfa_qr_png.clone(),
            }),
            None => Err(InputError::new(
                "--mfa-secret-file",
                "--mfa export needs --mfa-secret-file FILE for the otpauth URI",
            )),
        },
    }
}

/// Where to send AWS calls. An endpoint URL, from `--endpoint-url` or `AWS_ENDPOINT_URL`,
/// must be an http(s) URL with a host (the SDK panics on an empty one), and a region a valid
/// host label.
fn aws_target(global: &GlobalArgs) -> Result<AwsTarget, InputError> {
    let from_env = std::env::var("AWS_ENDPOINT_URL").ok();
    let sources = [
        ("--endpoint-url", global.endpoint_url.as_deref()),
        ("AWS_ENDPOINT_URL", from_env.as_deref()),
    ];
    for (source, url) in sources {
        if let Some(url) = url {
            names::validate_endpoint_url(url).map_err(|reason| InputError::new(source, reason))?;
        }
    }
    if let Some(region) = &global.region {
        names::validate_region(region)?;
    }
    Ok(AwsTarget {
        profile: global.profile.clone(),
        region: global.region.clone(),
        endpoint_url: global.endpoint_url.clone(),
        adaptive_retries: false,
        call_timeout: std::time::Duration::from_secs(global.call_timeout),
    })
}

async fn new_user(
    mut args: NewUserArgs,
    global: &GlobalArgs,
    terminal: Terminal,
    interrupts: &Interrupts,
) -> Result<(), Error> {
    let set = load_templates(global)?;
    let missing = helpdesk::missing(&[
        ("<USERNAME>", args.username.is_some()),
        ("--template <NAME>", args.template.is_some()),
    ]);
    helpdesk::usage_unless_asked(terminal.interactive, &["new-user"], &missing)?;
    let target = aws_target(global)?;
    let protected = Protected::gather(&global.protect, &Config::load(global.config.as_deref())?);
    let mut prompter = Dialogue::new(terminal.look);
    let api = SdkIam::new(&load_config(&target).await?);
    if !missing.is_empty() {
        helpdesk::ask_new_user(&mut args, &set, &api, &mut prompter).await?;
    }
    let request = new_user_request(args, &set, terminal)?;

    let observed = plan::observe(&api, &request)
        .await
        .map_err(Error::from_aws)?;
    protected
        .guard(observed.caller.clone())
        .check(Person::IamUser {
            name: &request.user_name,
            found: observed.user.as_ref().map(|user| &user.info),
        })?;
    let plan = plan::plan_new_user(&request, &observed)?;
    request.check_files_are_new(&plan)?;
    if global.dry_run || plan.is_empty() {
        let outcome = (!global.dry_run).then_some(onboard::Onboarded {
            password_to_show: None,
            mfa_enabled: None,
        });
        let report = NewUserReport::new(&request, &observed, &plan, outcome.as_ref());
        report::print(&report.render(global.output));
        return Ok(());
    }
    let acting = Acting::of(&observed.caller);
    if terminal.interactive && !global.yes && !confirm(&mut prompter, &acting, &request, &plan)? {
        return Err(Error::Declined);
    }

    let mut codes = match request.mfa {
        MfaMode::Prompt => {
            AnyCodes::Terminal(TerminalCodes::new(&request.user_name, terminal.look))
        }
        _ => AnyCodes::Stdin(StdinCodes::new()),
    };
    let effects = Effects {
        codes: &mut codes,
        clock: &SystemClock,
        rng: &mut rand::rng(),
    };
    let interrupted = interrupts.during_changes();
    let onboarded =
        onboard::apply_or_roll_back(&api, &request, &observed, &plan, effects, interrupted).await?;
    let delivered = match &onboarded.password_to_show {
        Some(password) => show_password(&request.user_name, password),
        None => true,
    };
    if plan.makes_password()
        && delivered
        && let Err(err) = onboard::record_password_delivered(&api, &request.user_name).await
    {
        tracing::warn!(%err, "could not record that the password was delivered; a re-run will make a new one");
    }
    let report = NewUserReport::new(&request, &observed, &plan, Some(&onboarded));
    report::print(&report.render(global.output));
    if terminal.interactive && global.output == OutputFormat::Human {
        eprintln!("\n{}", report.handover(terminal.look));
    }
    Ok(())
}

/// Shows the one-time password once, on the terminal; whether it got there.
fn show_password(user_name: &str, password: &crate::secret::Secret) -> bool {
    use std::io::Write;
    let text = format!(
        "\nOne-time console password for {user_name} (shown once, not stored; it must be changed at first sign-in):\n\n    {}\n\n",
        password.expose()
    );
    let mut stderr = std::io::stderr().lock();
    stderr
        .write_all(text.as_bytes())
        .and_then(|()| stderr.flush())
        .is_ok()
}

/// Shows the plan and asks before changing anything.
fn confirm(
    prompter: &mut impl Prompter,
    acting: &Acting,
    request: &NewUserRequest,
    plan: &plan::Plan,
) -> Result<bool, Error> {
    eprintln!("{}", acting.heading());
    eprintln!(
        "About to onboard {} as {}, in this order:",
        request.user_name, request.template.name
    );
    for step in &plan.steps {
        eprintln!("  {step}");
    }
    prompter.yes_no("Proceed?", false)
}

async fn offboard_user(
    args: OffboardArgs,
    global: &GlobalArgs,
    terminal: Terminal,
    interrupts: &Interrupts,
) -> Result<(), Error> {
    let missing = helpdesk::missing(&[("<USERNAME>", args.username.is_some())]);
    helpdesk::usage_unless_asked(terminal.interactive, &["offboard"], &missing)?;
    if let Some(name) = &args.username {
        names::validate_user_name(name)?;
    }
    if let Some(reason) = &args.reason {
        names::validate_tag(OFFBOARD_REASON_TAG, reason)
            .map_err(|err| InputError::new("--reason", err.reason))?;
    }
    confirmable(global, terminal)?;
    let protected = Protected::gather(&global.protect, &Config::load(global.config.as_deref())?);
    let mut prompter = Dialogue::new(terminal.look);
    let api = Arc::new(SdkIam::new(&load_config(&aws_target(global)?).await?));
    let user_name = match args.username.clone() {
        Some(name) => name,
        None => helpdesk::ask_user_to_offboard(api.as_ref(), &mut prompter).await?,
    };
    let caller = api.get_caller_identity().await.map_err(Error::from_aws)?;
    let acting = Acting::of(&caller);
    let found = offboard::discover(api.as_ref(), &user_name, None)
        .await
        .map_err(Error::from_aws)?;
    protected.guard(caller).check(Person::IamUser {
        name: &user_name,
        found: found.as_ref().map(|inventory| &inventory.user),
    })?;
    let Some(inventory) = found else {
        let report = OffboardReport::not_found(&acting, &user_name);
        report::print(&report.render(global.output));
        return Ok(());
    };
    let mode = if args.disable_only {
        OffboardMode::DisableOnly
    } else {
        OffboardMode::Delete
    };
    let plan = offboard::plan_offboard(
        &inventory,
        mode,
        &timestamp(&SystemClock),
        args.reason.as_deref(),
    );
    if global.dry_run {
        let report = OffboardReport::planned(&acting, &plan, args.reason.as_deref());
        report::print(&report.render(global.output));
        return Ok(());
    }
    if terminal.interactive && !global.yes && !confirm_offboard(&mut prompter, &acting, &plan)? {
        return Err(Error::Declined);
    }
    let interrupted = interrupts.during_changes();
    let removed = tokio::select! {
        result = offboard::execute(api, &plan) => result?,
        () = interrupted => {
            return Err(Error::OffboardInterrupted { user_arn: plan.user_arn.clone() });
        }
    };
    let report = OffboardReport::done(&acting, &plan, mode, args.reason.as_deref(), removed);
    report::print(&report.render(global.output));
    Ok(())
}

/// Turns `assign` arguments into a validated request.
pub fn assign_request(
    args: AssignArgs,
    set: &TemplateSet,
    config: &Config,
) -> Result<AssignRequest, InputError> {
    let (Some(user_name), Some(template)) = (args.username, &args.template) else {
        return Err(InputError::new(
            "<USERNAME> and --template",
            "both are required",
        ));
    };
    assign::validate_identity_user_name(&user_name)?;
    let template = set.get(template)?.clone();
    for account in &args.accounts {
        assign::validate_account_id(account)?;
    }
    let targets = assign::resolve_targets(&template, &args.accounts, set, config)?;
    let create = match (
        args.create_user,
        args.email,
        args.given_name,
        args.family_name,
    ) {
        (false, ..) => None,
        (true, Some(email), Some(given_name), Some(family_name)) => {
            if !email.contains('@') {
                return Err(InputError::new(
                    "--email",
                    format!("{} is not an email address", names::shown(&email)),
                ));
            }
            Some(NewPerson {
                user_name: user_name.clone(),
                display_name: args
                    .display_name
                    .unwrap_or_else(|| format!("{given_name} {family_name}")),
                given_name,
                family_name,
                email,
            })
        }
        (true, ..) => {
            return Err(InputError::new(
                "--create-user",
                "needs --email, --given-name and --family-name",
            ));
        }
    };
    Ok(AssignRequest {
        user_name,
        template,
        targets,
        create,
        instance_arn: args.instance_arn,
    })
}

async fn assign_person(
    mut args: AssignArgs,
    global: &GlobalArgs,
    terminal: Terminal,
    interrupts: &Interrupts,
) -> Result<(), Error> {
    let patience = Patience {
        timeout: std::time::Duration::from_secs(args.timeout),
        ..Patience::default()
    };
    let set = load_templates(global)?;
    let config = Config::load(global.config.as_deref())?;
    let missing = helpdesk::missing(&[
        ("<USERNAME>", args.username.is_some()),
        ("--template <NAME>", args.template.is_some()),
    ]);
    helpdesk::usage_unless_asked(terminal.interactive, &["assign"], &missing)?;
    let mut prompter = Dialogue::new(terminal.look);
    if !missing.is_empty() {
        helpdesk::ask_assign(&mut args, &set, &config, &mut prompter)?;
    }
    let request = assign_request(args, &set, &config)?;
    let sdk_config = load_config(&aws_target(global)?).await?;
    let caller = SdkIam::new(&sdk_config)
        .get_caller_identity()
        .await
        .map_err(Error::from_aws)?;
    let acting = Acting::of(&caller);
    Protected::gather(&global.protect, &config)
        .guard(caller)
        .check(Person::Identity {
            name: &request.user_name,
        })?;
    let api = Arc::new(SdkSso::new(&sdk_config));
    let planned = assign::preview(api.as_ref(), &request).await?;
    if global.dry_run {
        report::print(&AssignReport::planned(&acting, &request, planned).render(global.output));
        return Ok(());
    }
    if terminal.interactive
        && !global.yes
        && !confirm_steps(&mut prompter, &acting, &request.user_name, &planned)?
    {
        return Err(Error::Declined);
    }
    let assigned = assign::assign(api, &request, patience, interrupts.during_changes()).await?;
    report::print(&AssignReport::done(&acting, &request, &assigned).render(global.output));
    Ok(())
}

/// Shows what will be done and asks before doing it.
fn confirm_steps(
    prompter: &mut impl Prompter,
    acting: &Acting,
    user_name: &str,
    planned: &[String],
) -> Result<bool, Error> {
    eprintln!("{}", acting.heading());
    eprintln!("About to give {user_name} access, in this order:");
    for step in planned {
        eprintln!("  {step}");
    }
    prompter.yes_no("Proceed?", false)
}

async fn offboard_sso(
    args: OffboardArgs,
    global: &GlobalArgs,
    terminal: Terminal,
    interrupts: &Interrupts,
) -> Result<(), Error> {
    let missing = helpdesk::missing(&[("<USERNAME>", args.username.is_some())]);
    helpdesk::usage_unless_asked(terminal.interactive, &["offboard"], &missing)?;
    if let Some(name) = &args.username {
        assign::validate_identity_user_name(name)?;
    }
    confirmable(global, terminal)?;
    let protected = Protected::gather(&global.protect, &Config::load(global.config.as_deref())?);
    let mut prompter = Dialogue::new(terminal.look);
    let user_name = match args.username.clone() {
        Some(name) => name,
        None => helpdesk::ask_person_to_offboard(&mut prompter)?,
    };
    let sdk_config = load_config(&aws_target(global)?).await?;
    let caller = SdkIam::new(&sdk_config)
        .get_caller_identity()
        .await
        .map_err(Error::from_aws)?;
    let acting = Acting::of(&caller);
    protected
        .guard(caller)
        .check(Person::Identity { name: &user_name })?;
    let api = Arc::new(SdkSso::new(&sdk_config));
    let found = assign::plan_sso_offboard(
        api.as_ref(),
        &user_name,
        args.instance_arn.as_deref(),
        args.keep_identity,
    )
    .await?;
    let Some(plan) = found else {
        report::print(&OffboardReport::not_found(&acting, &user_name).render(global.output));
        return Ok(());
    };
    let mut report = OffboardReport::not_found(&acting, &plan.user_name);
    report.user_arn = Some(format!(
        "{}/{}",
        plan.instance.identity_store_id, plan.user_id
    ));
    report.reason = args.reason.clone();
    if args.keep_identity {
        report.kept.push(format!(
            "identity-store user {} (--keep-identity)",
            plan.user_id
        ));
    }
    if global.dry_run {
        report.status = "planned";
        report.planned = plan.removals();
        report::print(&report.render(global.output));
        return Ok(());
    }
    if terminal.interactive
        && !global.yes
        && !confirm_typed(&mut prompter, &acting, &plan.user_name, &plan.removals())?
    {
        return Err(Error::Declined);
    }
    let interrupted = interrupts.during_changes();
    report.removed = tokio::select! {
        removed = assign::offboard_sso(api, &plan, Patience::default()) => removed?,
        () = interrupted => {
            return Err(Error::OffboardInterrupted { user_arn: plan.user_id.clone() });
        }
    };
    report.status = "offboarded";
    report::print(&report.render(global.output));
    Ok(())
}

async fn run_batch(
    args: BatchArgs,
    global: &GlobalArgs,
    terminal: Terminal,
    interrupts: &Interrupts,
) -> Result<(), Error> {
    let set = load_templates(global)?;
    let config = Config::load(global.config.as_deref())?;
    let missing = helpdesk::missing(&[("<FILE>", args.file.is_some())]);
    helpdesk::usage_unless_asked(terminal.interactive, &["batch"], &missing)?;
    let path = match args.file.clone() {
        Some(path) => path,
        None => helpdesk::ask_batch_file(&mut Dialogue::new(terminal.look))?,
    };
    let file = path.display().to_string();
    let protected = Protected::gather(&global.protect, &config);
    let checking = batch::Checking {
        file: &file,
        templates: &set,
        config: &config,
        protected: &protected,
    };
    let checked = batch::check_file(&path, &checking).map_err(Error::BadRows)?;
    if checked.makes_passwords && args.report.is_none() && !global.dry_run {
        return Err(InputError::new(
            "--report",
            "rows with console=yes make one-time passwords, which go only to the report: give --report FILE",
        )
        .into());
    }
    if args.concurrency == 0 {
        return Err(InputError::new("--concurrency", "must be at least 1").into());
    }
    let target = AwsTarget {
        adaptive_retries: true,
        ..aws_target(global)?
    };
    let sdk_config = load_config(&target).await?;
    let iam = Arc::new(SdkIam::new(&sdk_config));
    let sso = Arc::new(SdkSso::new(&sdk_config));
    let sink =
        batch::ReportSink::open(args.report.as_deref(), global.output == OutputFormat::Json)?;
    let settings = batch::Settings {
        concurrency: args.concurrency,
        continue_on_error: args.continue_on_error,
        dry_run: global.dry_run,
        patience: Patience {
            timeout: std::time::Duration::from_secs(args.timeout),
            ..Patience::default()
        },
        log_rows: !global.quiet,
        unicode: terminal.look.unicode,
    };
    let (cancel, cancelled) = tokio::sync::watch::channel(false);
    let running = batch::run(
        iam, sso, &path, &checking, &checked, settings, sink, cancelled,
    );
    tokio::pin!(running);
    let mut interrupted = std::pin::pin!(interrupts.during_changes());
    let summary = loop {
        tokio::select! {
            summary = &mut running => break summary?,
            () = &mut interrupted, if !*cancel.borrow() => {
                report::print_err("\niam-onboard: interrupted; undoing the rows in flight, starting no more\n");
                let _ = cancel.send(true);
            }
        }
    };
    report::print_err(&format!("iam-onboard: batch {file}: {summary}\n"));
    summary.outcome()
}

/// Now, as RFC 3339 (`2026-11-22T14:05:00Z`).
fn timestamp(clock: &dyn Clock) -> String {
    let seconds = i64::try_from(clock.unix_now()).unwrap_or_default();
    aws_sdk_iam::primitives::DateTime::from_secs(seconds)
        .fmt(aws_sdk_iam::primitives::DateTimeFormat::DateTime)
        .unwrap_or_default()
}

/// Offboarding asks before removing anything: without a terminal to ask on, `--yes` must say
/// so up front (a dry run removes nothing).
fn confirmable(global: &GlobalArgs, terminal: Terminal) -> Result<(), InputError> {
    if terminal.interactive || global.yes || global.dry_run {
        Ok(())
    } else {
        Err(InputError::new(
            "--yes",
            "offboarding deletes access for good; without a terminal to confirm on, pass --yes",
        ))
    }
}

/// Shows the plan and asks for the user name, typed, before removing anything.
fn confirm_offboard(
    prompter: &mut impl Prompter,
    acting: &Acting,
    plan: &offboard::OffboardPlan,
) -> Result<bool, Error> {
    let mut lines: Vec<String> = plan.removals().map(ToString::to_string).collect();
    lines.extend(plan.warnings.iter().map(|w| format!("warning: {w}")));
    confirm_typed(prompter, acting, &plan.user_name, &lines)
}

/// Shows `lines` under the account and caller, and asks for `user_name`, typed.
fn confirm_typed(
    prompter: &mut impl Prompter,
    acting: &Acting,
    user_name: &str,
    lines: &[String],
) -> Result<bool, Error> {
    eprintln!("{}", acting.heading());
    eprintln!("About to offboard {user_name}, in this order:");
    for line in lines {
        eprintln!("  {line}");
    }
    let typed = prompter.text(&format!("Type {user_name} to confirm"), true, &|_| Ok(()))?;
    Ok(typed == user_name)
}

fn templates(
    which: TemplatesCommand,
    global: &GlobalArgs,
    terminal: Terminal,
) -> Result<(), Error> {
    let set = load_templates(global)?;
    let shown = match which {
        TemplatesCommand::List => None,
        TemplatesCommand::Show { name: Some(name) } => Some(set.get(&name)?),
        TemplatesCommand::Show { name: None } => {
            helpdesk::usage_unless_asked(
                terminal.interactive,
                &["templates", "show"],
                &["<NAME>"],
            )?;
            Some(helpdesk::choose_template(
                &set,
                &mut Dialogue::new(terminal.look),
            )?)
        }
    };
    let text = match (shown, global.output) {
        (None, OutputFormat::Json) => {
            let list: Vec<_> = set.iter().map(template_json).collect();
            report::to_json(&list)
        }
        (None, OutputFormat::Human) => set
            .iter()
            .map(|t| format!("{:<18} {}\n", t.name, t.description))
            .collect(),
        (Some(template), OutputFormat::Json) => report::to_json(&template_json(template)),
        (Some(template), OutputFormat::Human) => template_text(template),
    };
    report::print(&text);
    Ok(())
}

fn template_json(template: &Template) -> serde_json::Value {
    let policy = |p: &crate::template::PolicyDocument| serde_json::json!({ "name": p.name, "iam_name": p.iam_name, "document": p.document });
    serde_json::json!({
        "name": template.name,
        "description": template.description,
        "group": template.group,
        "console_access": template.console_access,
        "mfa": template.mfa,
        "tags": template.tags.iter().cloned().collect::<std::collections::BTreeMap<_, _>>(),
        "policies": template.policies.iter().map(policy).collect::<Vec<_>>(),
        "permissions_boundary": policy(&template.permissions_boundary),
        "source": template.source,
    })
}

fn template_text(template: &Template) -> String {
    let pretty = |value: &serde_json::Value| {
        serde_json::to_string_pretty(value)
            .expect("documents serialise")
            .lines()
            .map(|line| format!("    {line}\n"))
            .collect::<String>()
    };
    let mut out = format!(
        "{}: {}\n  group           {}\n  console access  {}\n  MFA             {:?}\n  tags            {}\n  source          {}\n",
        template.name,
        template.description,
        template.group,
        if template.console_access { "yes" } else { "no" },
        template.mfa,
        template
            .tags
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", "),
        template.source,
    );
    for policy in &template.policies {
        out.push_str(&format!(
            "\nPolicy {} (attached to the group):\n",
            policy.iam_name
        ));
        out.push_str(&pretty(&policy.document));
    }
    let boundary = &template.permissions_boundary;
    out.push_str(&format!("\nPermissions boundary {}:\n", boundary.iam_name));
    out.push_str(&pretty(&boundary.document));
    out
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
        }
    }

    fn config(sets: &[(&str, &[&str])]) -> Config {
        Config {
            account_sets: sets
                .iter()
                .map(|(name, accounts)| {
                    (
                        name.to_string(),
                        accounts.iter().map(ToString::to_string).collect(),
                    )
                })
                .collect(),
            protected_users: Vec::new(),
            source: Some("config.json".to_string()),
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
