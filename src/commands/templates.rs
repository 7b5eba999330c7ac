//! `templates list` and `templates show` (with `--config`, the accounts each of the template's
//! account sets holds, resolved through Organizations for sets given by OU or tag).

use super::with_resolved_sets;
use crate::cli::{OutputFormat, TemplatesCommand};
use crate::error::{Error, InputError};
use crate::report;
use crate::settings::Settings;
use crate::template::{Template, TemplateSet};
use crate::terminal::helpdesk;
use crate::terminal::prompt::Dialogue;

pub(super) async fn templates(which: TemplatesCommand, settings: &Settings) -> Result<(), Error> {
    let set = &settings.templates;
    let shown = match which {
        TemplatesCommand::Export { dir } => {
            let written = TemplateSet::export_built_in(&dir)?;
            report::print_err(&format!(
                "wrote {} files into {}: edit them, then run with --templates {}\n",
                written.len(),
                dir.display(),
                dir.display()
            ));
            return Ok(());
        }
        TemplatesCommand::Lint { name } => return lint(name.as_deref(), settings),
        TemplatesCommand::Rightsize { name, days, write } => {
            return super::rightsize::rightsize(&name, days, write.as_deref(), settings).await;
        }
        TemplatesCommand::List => None,
        TemplatesCommand::Show { name: Some(name) } => {
            Some(set.get(&name).map_err(|err| InputError {
                field: "<NAME>".to_string(),
                ..err
            })?)
        }
        TemplatesCommand::Show { name: None } => {
            helpdesk::require(
                settings.terminal.interactive,
                &["templates", "show"],
                &[("<NAME>", false)],
            )?;
            Some(helpdesk::choose_template(
                set,
                &mut Dialogue::new(settings.terminal.look),
            )?)
        }
    };
    let accounts = match (shown, &settings.config.source) {
        (Some(template), Some(_)) if !template.account_sets.is_empty() => {
            let config = &settings.config;
            let (config, _) = with_resolved_sets(config.clone(), &settings.aws).await?;
            template
                .account_sets
                .keys()
                .map(|set| {
                    let held = config
                        .accounts_of(set)
                        .map(<[String]>::to_vec)
                        .unwrap_or_default();
                    (set.clone(), held)
                })
                .collect()
        }
        _ => std::collections::BTreeMap::new(),
    };
    let text = match (shown, settings.output) {
        (None, OutputFormat::Json) => {
            let list: Vec<_> = set.iter().map(template_json).collect();
            report::to_json(&list)
        }
        (None, OutputFormat::Human | OutputFormat::Csv) => set
            .iter()
            .map(|t| format!("{:<18} {}\n", t.name, t.description))
            .collect(),
        (Some(template), OutputFormat::Json) => {
            let mut json = template_json(template);
            if !accounts.is_empty() {
                json["accounts"] = serde_json::json!(accounts);
            }
            report::to_json(&json)
        }
        (Some(template), OutputFormat::Human | OutputFormat::Csv) => {
            template_text(template, &accounts)
        }
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
        "session_duration": template.session_duration,
        "access": template.access,
        "role": template.role_name().map(|name| {
            let caller = placeholder_caller();
            let arn = crate::iam::role::role_arn(&caller, &name);
            serde_json::json!({
                "name": name,
                "path": crate::template::IAM_PATH,
                "max_session_seconds": template.session_secs(),
                "trust_policy": crate::iam::role::trust_policy(template, &caller),
                "group_policy": {
                    "name": crate::iam::role::ASSUME_POLICY,
                    "document": crate::iam::role::assume_policy(&arn),
                },
            })
        }),
        "account_sets": template.account_sets,
        "tags": template.tags.iter().cloned().collect::<std::collections::BTreeMap<_, _>>(),
        "policies": template.policies.iter().map(policy).collect::<Vec<_>>(),
        "aws_managed_policies": template
            .aws_managed_policies
            .iter()
            .map(|p| p.arn("aws"))
            .collect::<Vec<_>>(),
        "permissions_boundary": policy(&template.permissions_boundary),
        "source": template.source,
    })
}

/// A template for people; `accounts`: what each of its account sets holds, when known.
fn template_text(
    template: &Template,
    accounts: &std::collections::BTreeMap<String, Vec<String>>,
) -> String {
    let pretty = |value: &serde_json::Value| {
        serde_json::to_string_pretty(value)
            .expect("documents serialise")
            .lines()
            .map(|line| format!("    {line}\n"))
            .collect::<String>()
    };
    let mut out = format!(
        "{}: {}\n  group           {}\n  console access  {}\n  MFA             {}\n  session         {} (Identity Center{})\n  tags            {}\n  source          {}\n",
        template.name,
        template.description,
        template.group,
        if template.console_access { "yes" } else { "no" },
        template.mfa.as_str(),
        template.session_duration,
        if template.role_name().is_some() {
            "; the role's maximum session"
        } else {
            ""
        },
        template
            .tags
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", "),
        template.source,
    );
    for (set, given) in &template.account_sets {
        let held = match accounts.get(set) {
            Some(held) if !held.is_empty() => format!(": {}", held.join(", ")),
            _ => String::new(),
        };
        out.push_str(&format!("  account set     {set} gives {given}{held}\n"));
    }
    let role = template.role_name();
    if let Some(name) = &role {
        out.push_str(&format!(
            "  access          role {name} (path {}), assumed with MFA as oneself, sessions up to {} s; the group {} allows only MFA self-service and assuming it\n",
            crate::template::IAM_PATH,
            template.session_secs(),
            template.group
        ));
    } else {
        out.push_str("  access          through the group\n");
    }
    let role_policies: Vec<&str> = template
        .permission_policies()
        .map(|p| p.name.as_str())
        .collect();
    for policy in &template.policies {
        let on = match &role {
            Some(name) if role_policies.contains(&policy.name.as_str()) => format!("role {name}"),
            _ => "group".to_string(),
        };
        out.push_str(&format!(
            "\nPolicy {} (attached to the {on}):\n",
            policy.iam_name
        ));
        out.push_str(&pretty(&policy.document));
    }
    if !template.aws_managed_policies.is_empty() {
        let on = match &role {
            Some(name) => format!("role {name}"),
            None => "group".to_string(),
        };
        out.push_str(&format!(
            "\nAWS managed policies (attached to the {on}; AWS writes and updates their documents):\n"
        ));
        for policy in &template.aws_managed_policies {
            out.push_str(&format!("    {}\n", policy.arn("aws")));
        }
    }
    if let Some(name) = &role {
        let caller = placeholder_caller();
        out.push_str(&format!(
            "\nTrust policy of role {name} (ACCOUNT is the account's id):\n"
        ));
        out.push_str(&pretty(&crate::iam::role::trust_policy(template, &caller)));
        out.push_str(&format!(
            "\nInline policy {} of group {}:\n",
            crate::iam::role::ASSUME_POLICY,
            template.group
        ));
        out.push_str(&pretty(&crate::iam::role::assume_policy(
            &crate::iam::role::role_arn(&caller, name),
        )));
    }
    let boundary = &template.permissions_boundary;
    let on = if role.is_some() {
        "of the users and the role"
    } else {
        "of the users"
    };
    out.push_str(&format!(
        "\nPermissions boundary {} ({on}):\n",
        boundary.iam_name
    ));
    out.push_str(&pretty(&boundary.document));
    out
}

/// Who the documents of `templates show` are written for: no account is read, so the account
/// id is the word ACCOUNT.
fn placeholder_caller() -> crate::aws::CallerIdentity {
    crate::aws::CallerIdentity {
        account: "ACCOUNT".to_string(),
        arn: "arn:aws:iam::ACCOUNT:root".to_string(),
        user_id: String::new(),
    }
}

/// `templates lint [NAME]`: the findings of one template or the set, as text or JSON; exit 5
/// when one is not accepted.
fn lint(name: Option<&str>, settings: &Settings) -> Result<(), Error> {
    let set = &settings.templates;
    let templates: Vec<&Template> = match name {
        Some(name) => vec![set.get(name).map_err(|err| InputError {
            field: "<NAME>".to_string(),
            ..err
        })?],
        None => set.iter().collect(),
    };
    let findings: Vec<crate::lint::LintFinding> = templates
        .iter()
        .flat_map(|t| crate::lint::lint(t))
        .collect();
    let open = findings.iter().filter(|f| f.accepted.is_none()).count();
    let text = match settings.output {
        OutputFormat::Json => report::to_json(&serde_json::json!({
            "templates": templates.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
            "findings": findings,
            "not_accepted": open,
            "not_read": templates
                .iter()
                .filter(|t| !t.aws_managed_policies.is_empty())
                .map(|t| (t.name.clone(), t.aws_managed_policies.iter().map(|p| p.arn("aws")).collect::<Vec<_>>()))
                .collect::<std::collections::BTreeMap<_, _>>(),
        })),
        OutputFormat::Human | OutputFormat::Csv => lint_text(&templates, &findings),
    };
    report::print(&text);
    if open > 0 {
        return Err(Error::LintFindings { count: open });
    }
    Ok(())
}

fn lint_text(templates: &[&Template], findings: &[crate::lint::LintFinding]) -> String {
    let mut out = String::new();
    for template in templates {
        let own: Vec<_> = findings
            .iter()
            .filter(|f| f.template == template.name)
            .collect();
        let not_read = if template.aws_managed_policies.is_empty() {
            String::new()
        } else {
            format!(
                "  not read: {} (AWS managed: their documents are AWS's, outside the set; the boundary still caps them)\n",
                template
                    .aws_managed_policies
                    .iter()
                    .map(|p| p.path_and_name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        if own.is_empty() {
            out.push_str(&format!("{}: no finding\n{not_read}", template.name));
            continue;
        }
        out.push_str(&format!("{}: {} finding(s)\n", template.name, own.len()));
        out.push_str(&not_read);
        for finding in own {
            let accepted = finding
                .accepted
                .as_deref()
                .map_or(String::new(), |why| format!(" (accepted: {why})"));
            out.push_str(&format!(
                "  {} {}{accepted}\n    {}\n",
                finding.kind, finding.finding, finding.why
            ));
            for allowed in &finding.allowed_by {
                out.push_str(&format!("    allowed by {allowed}\n"));
            }
            out.push_str(&format!(
                "    fix: {}\n    source: {}\n",
                finding.fix, finding.source
            ));
        }
    }
    out
}
