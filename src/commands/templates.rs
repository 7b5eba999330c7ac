//! `templates list` and `templates show`.

use super::{Terminal, load_templates};
use crate::cli::{GlobalArgs, OutputFormat, TemplatesCommand};
use crate::error::Error;
use crate::helpdesk::{self, Dialogue};
use crate::report::{self};
use crate::template::Template;

pub(super) fn templates(
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
        (None, OutputFormat::Human | OutputFormat::Csv) => set
            .iter()
            .map(|t| format!("{:<18} {}\n", t.name, t.description))
            .collect(),
        (Some(template), OutputFormat::Json) => report::to_json(&template_json(template)),
        (Some(template), OutputFormat::Human | OutputFormat::Csv) => template_text(template),
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
