//! `templates rightsize NAME`: IAM's last-accessed data for the template's group (and role) read
//! at once, judged by `rightsize`, reported, and with `--write DIR` the narrowed policies written
//! as new files. Reads only; changes nothing in AWS.

use crate::aws::{AwsErrorKind, Iam};
use crate::cli::OutputFormat;
use crate::clock::{Clock, SystemClock};
use crate::error::{Error, InputError};
use crate::report;
use crate::rightsize::{EntityUse, Rightsizing, narrowable, rightsize as judge};
use crate::settings::Settings;
use crate::template::Template;
use std::path::{Path, PathBuf};

pub(super) async fn rightsize(
    name: &str,
    days: u32,
    write: Option<&Path>,
    settings: &Settings,
) -> Result<(), Error> {
    let template = settings.templates.get(name).map_err(|err| InputError {
        field: "<NAME>".to_string(),
        ..err
    })?;
    if let Some(dir) = write {
        refuse_taken(dir, template)?;
    }
    let api = settings.iam_api().await?;
    let uses = read_use(&api, template).await?;
    let found = judge(template, &uses, SystemClock.unix_now(), days);
    let written = match write {
        Some(dir) => write_narrowed(dir, &found)?,
        None => Vec::new(),
    };
    let text = match settings.output {
        OutputFormat::Json => report::to_json(&serde_json::json!({
            "rightsizing": found,
            "written": written,
        })),
        OutputFormat::Human | OutputFormat::Csv => {
            report::rightsize::text(&found, &written, write.is_some())
        }
    };
    report::print(&text);
    Ok(())
}

/// Reads IAM's last-accessed data of the template's group and role: both looked up at once, then
/// both reports at once. A template nobody was onboarded with (no group, no role) is refused.
async fn read_use(api: &impl Iam, template: &Template) -> Result<Vec<EntityUse>, Error> {
    let name = &template.name;
    let role_name = template.role_name();
    let role = async {
        match &role_name {
            Some(role) => api.get_role(role).await.map(|found| found.map(|r| r.arn)),
            None => Ok(None),
        }
    };
    let (group, role) =
        tokio::try_join!(api.get_group(&template.group), role).map_err(Error::from_aws)?;
    let mut entities: Vec<(String, String)> = Vec::new();
    if let Some(arn) = group {
        entities.push((format!("group {}", template.group), arn));
    }
    if let (Some(arn), Some(role)) = (role, &role_name) {
        entities.push((format!("role {role}"), arn));
    }
    if entities.is_empty() {
        return Err(InputError::new(
            "<NAME>",
            format!(
                "template {name} has no group {} in this account yet: nobody was onboarded with it, so there is no use to read",
                template.group
            ),
        )
        .into());
    }
    let reports = futures_util::future::try_join_all(
        entities
            .iter()
            .map(|(_, arn)| api.service_last_accessed(arn)),
    )
    .await
    .map_err(|err| {
        let unanswered = err.operation == "iam:GenerateServiceLastAccessedDetails"
            && matches!(err.kind, AwsErrorKind::Other | AwsErrorKind::Uncertain)
            && err.code.starts_with("HTTP 5");
        if unanswered {
            Error::NoLastAccessedData {
                cause: err.code.clone(),
            }
        } else {
            Error::from_aws(err)
        }
    })?;
    let uses: Vec<EntityUse> = entities
        .into_iter()
        .zip(reports)
        .map(|((entity, _), services)| EntityUse { entity, services })
        .collect();
    Ok(uses)
}

/// Refuses a folder that already holds a file of a policy `--write` may write, before any call.
fn refuse_taken(dir: &Path, template: &Template) -> Result<(), InputError> {
    for policy in narrowable(template) {
        let path = dir.join("policies").join(format!("{}.json", policy.name));
        if path.exists() {
            return Err(InputError::new(
                "--write",
                format!(
                    "{} exists already; --write makes new files only",
                    path.display()
                ),
            ));
        }
    }
    Ok(())
}

/// Writes each narrowed policy that still grants something as `DIR/policies/NAME.json`, new.
fn write_narrowed(dir: &Path, found: &Rightsizing) -> Result<Vec<PathBuf>, Error> {
    let folder = dir.join("policies");
    let mut written = Vec::new();
    for narrowed in &found.narrowed {
        let Some(document) = &narrowed.document else {
            continue;
        };
        let path = folder.join(format!("{}.json", narrowed.policy));
        let text = serde_json::to_string_pretty(document).expect("documents serialise") + "\n";
        std::fs::create_dir_all(&folder)
            .and_then(|()| {
                use std::io::Write;
                std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&path)?
                    .write_all(text.as_bytes())
            })
            .map_err(|source| Error::Io {
                context: format!("cannot write {}", path.display()),
                source,
            })?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::memory::{ACCOUNT, MemoryIam};
    use crate::aws::{IamAccount, ServiceLastAccessed};
    use crate::iam::apply::apply_shared;
    use crate::iam::shared::{observe_shared, plan_shared};
    use crate::template::TemplateSet;

    async fn ensured(api: &MemoryIam, template: &Template) {
        let caller = api.get_caller_identity().await.unwrap();
        let found = observe_shared(api, template).await.unwrap();
        for step in plan_shared(template, &found, &caller).unwrap() {
            apply_shared(api, &step).await.unwrap();
        }
    }

    fn used(namespace: &str, at: Option<&str>) -> ServiceLastAccessed {
        ServiceLastAccessed {
            namespace: namespace.to_string(),
            last_authenticated: at.map(str::to_string),
            tracked_actions: Vec::new(),
        }
    }

    #[tokio::test]
    async fn a_role_template_s_group_and_role_are_both_read_and_a_service_nobody_used_is_found() {
        let api = MemoryIam::new(0);
        let templates = TemplateSet::embedded().unwrap();
        let devops = templates.get("devops").unwrap();
        ensured(&api, devops).await;
        let group = format!("arn:aws:iam::{ACCOUNT}:group/iam-onboard/{}", devops.group);
        let role = format!("arn:aws:iam::{ACCOUNT}:role/iam-onboard/iam-onboard-devops");
        {
            let mut state = api.state.lock().unwrap();
            state.last_accessed.insert(
                group.clone(),
                vec![used("iam", Some("2026-11-30T10:00:00Z"))],
            );
            state.last_accessed.insert(
                role.clone(),
                vec![used("ec2", Some("2026-11-30T10:00:00Z")), used("rds", None)],
            );
        }
        let uses = read_use(&api, devops).await.unwrap();
        let entities: Vec<&str> = uses.iter().map(|u| u.entity.as_str()).collect();
        assert_eq!(
            entities,
            ["group iam-onboard-devops", "role iam-onboard-devops"]
        );
        let now = crate::clock::parse_rfc3339("2026-12-01T00:00:00Z").unwrap();
        let found = judge(devops, &uses, now, 90);
        assert!(
            found.unused_services.contains(&"rds".to_string()),
            "{found:?}"
        );
        assert!(
            found.used_services.iter().any(|(s, _)| s == "ec2"),
            "{found:?}"
        );
        assert!(found.unused.iter().all(|u| !u.action.starts_with("ec2:")));

        let dir = tempfile::tempdir().unwrap();
        let written = write_narrowed(dir.path(), &found).unwrap();
        assert!(!written.is_empty());
        let text = std::fs::read_to_string(&written[0]).unwrap();
        let copy = crate::policy::validate(&text).unwrap();
        let allowed_rds = crate::policy::statements(&copy).into_iter().any(|s| {
            s["Effect"] == "Allow"
                && crate::policy::strings(&s["Action"])
                    .iter()
                    .any(|a| a.starts_with("rds:"))
        });
        assert!(
            !allowed_rds,
            "no Allow of rds is left; the Deny stays: {copy}"
        );
        let again = refuse_taken(dir.path(), devops);
        assert_eq!(again.unwrap_err().field, "--write");
        let other = tempfile::tempdir().unwrap();
        std::fs::create_dir(other.path().join("policies")).unwrap();
        std::fs::write(other.path().join("policies/force-mfa.json"), "{}").unwrap();
        let beside_the_guard = refuse_taken(other.path(), devops);
        assert!(
            beside_the_guard.is_ok(),
            "force-mfa is never written, so a copy of it in DIR is no obstacle"
        );
    }

    #[tokio::test]
    async fn a_template_nobody_was_onboarded_with_is_refused_without_a_report() {
        let api = MemoryIam::new(0);
        let templates = TemplateSet::embedded().unwrap();
        let err = read_use(&api, templates.get("finance").unwrap())
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("no group iam-onboard-finance"),
            "{err}"
        );
        assert_eq!(err.exit_code(), crate::error::exit::BAD_INPUT);
    }
}
