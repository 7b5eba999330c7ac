//! The `new-user` request, validated: the user name, template, tags and files, checked against
//! IAM's rules before any call, and the tags that mark what this tool made.

use crate::error::InputError;
use crate::names;
use crate::tags::{
    CREATED_BY_TAG, DISPLAY_NAME_TAG, EMAIL_TAG, MANAGED_BY_TAG, MANAGED_BY_VALUE,
    PASSWORD_PENDING, PASSWORD_TAG, TEMPLATE_TAG, TICKET_TAG,
};
use crate::template::{Template, TemplateSet};
use std::path::{Path, PathBuf};

/// How the new user's MFA device is set up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum MfaMode {
    /// QR code on the terminal, codes typed at a prompt.
    Prompt,
    /// The otpauth URI (and optionally a PNG) written to new 0600 files, codes read from stdin.
    Export {
        secret_file: PathBuf,
        qr_png: Option<PathBuf>,
    },
    /// No device now: the force-MFA policy keeps the user to MFA self-service until they enrol.
    #[default]
    Deferred,
}

impl MfaMode {
    pub(crate) fn creates_device(&self) -> bool {
        *self != MfaMode::Deferred
    }

    pub(crate) fn name(&self) -> &'static str {
        match self {
            MfaMode::Prompt => "prompt",
            MfaMode::Export { .. } => "export",
            MfaMode::Deferred => "deferred",
        }
    }
}

/// What is said of a person besides their name and template, as an edge received it (flags, a
/// prompt, a batch row, an HR export row), not yet checked: what new-user tags and sets.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct PersonDetails {
    pub(crate) display_name: Option<String>,
    pub(crate) email: Option<String>,
    pub(crate) ticket: Option<String>,
    /// Extra tags, `KEY=VALUE` each.
    pub(crate) tags: Vec<String>,
    /// Whether console access is asked for; the template may still allow none.
    pub(crate) console: bool,
    /// The last day of the person's access (`YYYY-MM-DD`).
    pub(crate) until: Option<String>,
}

/// `new-user`'s values as an edge received them (flags, prompts, a CSV row), not yet checked.
#[derive(Debug, Clone, Default)]
pub(crate) struct NewUserInput {
    pub(crate) user_name: String,
    pub(crate) template: String,
    pub(crate) details: PersonDetails,
    pub(crate) mfa: MfaMode,
    pub(crate) password_file: Option<PathBuf>,
    /// A new file for the AWS CLI profile that assumes a role template's role.
    pub(crate) profile_file: Option<PathBuf>,
}

/// A `new-user` request, validated: every field here is known to be acceptable to IAM.
#[derive(Debug, Clone)]
pub(crate) struct NewUserRequest {
    pub(crate) user_name: String,
    pub(crate) template: Template,
    pub(crate) display_name: Option<String>,
    pub(crate) email: Option<String>,
    pub(crate) ticket: Option<String>,
    pub(crate) extra_tags: Vec<(String, String)>,
    pub(crate) console: bool,
    pub(crate) mfa: MfaMode,
    pub(crate) password_file: Option<PathBuf>,
    /// `--aws-profile-out`: a new file for the role's AWS CLI profile.
    pub(crate) profile_file: Option<PathBuf>,
    /// The last day of the person's access, kept in the `iam-onboard:until` tag.
    pub(crate) until: Option<String>,
}

/// The flag that names the AWS CLI profile's file.
pub(crate) const PROFILE_FILE_FLAG: &str = "--aws-profile-out";

impl NewUserRequest {
    /// The one constructor every edge calls, so the same value gets the same answer whether it
    /// came from a flag, a prompt or a CSV row. Checks everything that does not need AWS.
    pub(crate) fn new(input: NewUserInput, templates: &TemplateSet) -> Result<Self, InputError> {
        let details = input.details;
        names::validate_user_name(&input.user_name)?;
        let template = templates.get(&input.template)?.clone();
        template.admits(&input.user_name)?;
        if let Some(email) = &details.email {
            names::validate_email("--email", email)?;
        }
        let extra_tags = details
            .tags
            .iter()
            .map(|text| names::parse_tag(text))
            .collect::<Result<Vec<_>, _>>()?;
        let console = details.console && template.console_access;
        if !console && input.password_file.is_some() {
            return Err(InputError::new(
                "--password-file",
                "no console password is made (--no-console, or the template allows no console)",
            ));
        }
        let until = details
            .until
            .as_deref()
            .map(|date| crate::iam::end_date::parse_date("--until", date))
            .transpose()?;
        if input.profile_file.is_some() && template.role_name().is_none() {
            return Err(InputError::new(
                PROFILE_FILE_FLAG,
                format!(
                    "template {} gives access through its group, not a role: there is no role profile to write",
                    template.name
                ),
            ));
        }
        NewUserRequest {
            user_name: input.user_name,
            template,
            display_name: details.display_name,
            email: details.email,
            ticket: details.ticket,
            extra_tags,
            console,
            mfa: input.mfa,
            password_file: input.password_file,
            profile_file: input.profile_file,
            until,
        }
        .validate()
    }

    /// Checks what the fields must satisfy together: tag rules and the tag count, and that the
    /// folders of the files to write exist.
    fn validate(self) -> Result<Self, InputError> {
        names::validate_user_name(&self.user_name)?;
        for (key, _) in &self.extra_tags {
            if crate::tags::is_reserved(key) {
                return Err(InputError::new(
                    format!("tag {key:?}"),
                    format!(
                        "{}; use --ticket, --display-name or --email",
                        crate::tags::RESERVED_REASON
                    ),
                ));
            }
        }
        for (flag, key, value) in self.flag_tags() {
            if let Some(value) = value {
                names::validate_tag(key, value).map_err(|err| InputError {
                    field: flag.to_string(),
                    ..err
                })?;
            }
        }
        let tags = self.user_tags("arn:aws:iam::000000000000:user/placeholder");
        names::validate_tag_set(&tags)?;
        for file in self.secret_files() {
            check_folder(file.flag, file.path)?;
        }
        if let Some(path) = &self.profile_file {
            check_folder(PROFILE_FILE_FLAG, path)?;
        }
        Ok(self)
    }

    /// The files a run may write secrets to, and what writes each.
    pub(crate) fn secret_files(&self) -> Vec<SecretFile<'_>> {
        let (secret_file, qr_png) = self.export_files();
        [
            (
                "--password-file",
                self.password_file.as_deref(),
                WrittenWith::Password,
            ),
            ("--mfa-secret-file", secret_file, WrittenWith::MfaDevice),
            ("--mfa-qr-png", qr_png, WrittenWith::MfaDevice),
        ]
        .into_iter()
        .filter_map(|(flag, path, written_with)| {
            path.map(|path| SecretFile {
                flag,
                path,
                written_with,
            })
        })
        .collect()
    }

    fn export_files(&self) -> (Option<&Path>, Option<&Path>) {
        match &self.mfa {
            MfaMode::Export {
                secret_file,
                qr_png,
            } => (Some(secret_file), qr_png.as_deref()),
            _ => (None, None),
        }
    }

    /// Whether a one-time password this run makes reaches someone only after its login profile
    /// exists (on the terminal, or in a batch report), so it is `pending` until then. A
    /// `--password-file` is written before the login profile is made.
    pub(crate) fn delivers_password_later(&self) -> bool {
        self.console && self.password_file.is_none()
    }

    /// The new user's tags: who made it, from what and why, then the template's, then `--tag`.
    pub(crate) fn user_tags(&self, created_by: &str) -> Vec<(String, String)> {
        let mut tags = vec![
            (MANAGED_BY_TAG.to_string(), MANAGED_BY_VALUE.to_string()),
            (TEMPLATE_TAG.to_string(), self.template.name.clone()),
            (CREATED_BY_TAG.to_string(), tag_safe(created_by)),
        ];
        for (_, key, value) in self.flag_tags() {
            if let Some(value) = value {
                tags.push((key.to_string(), value.clone()));
            }
        }
        if self.delivers_password_later() {
            tags.push((PASSWORD_TAG.to_string(), PASSWORD_PENDING.to_string()));
        }
        if let Some(until) = &self.until {
            tags.push((crate::iam::end_date::UNTIL_TAG.to_string(), until.clone()));
        }
        tags.extend(self.template.tags.iter().cloned());
        tags.extend(self.extra_tags.iter().cloned());
        tags
    }

    /// The tags given by a flag of their own: the flag (a batch row's column), the tag, the
    /// value. A value that breaks a tag rule is named by its flag, not by the tag it is kept in.
    fn flag_tags(&self) -> [(&'static str, &'static str, &Option<String>); 3] {
        [
            ("--ticket", TICKET_TAG, &self.ticket),
            ("--display-name", DISPLAY_NAME_TAG, &self.display_name),
            ("--email", EMAIL_TAG, &self.email),
        ]
    }
}

/// Refuses, before anything changes, a secret file (`flag`'s) that could not be created new:
/// one that exists already (a dangling symbolic link included: opening it would follow the
/// link), a missing or unusable folder, or a name longer than the file system takes. Secrets are
/// only ever written to new files, and a file that cannot be written must not be found out only
/// after AWS was changed.
pub(crate) fn must_be_new(flag: &str, path: &Path) -> Result<(), InputError> {
    let shown = crate::names::shown(&path.display().to_string());
    let refuse = |why: String| Err(InputError::new(flag, why));
    if path.as_os_str().len() > MAX_PATH_BYTES {
        return refuse(format!(
            "the path is {} bytes long; the file system takes at most {MAX_PATH_BYTES}",
            path.as_os_str().len()
        ));
    }
    let Some(name) = path.file_name() else {
        return refuse(format!("{shown} names no file"));
    };
    if name.len() > MAX_FILE_NAME_BYTES {
        return refuse(format!(
            "the file name is {} bytes long; the file system takes at most {MAX_FILE_NAME_BYTES}",
            name.len()
        ));
    }
    if std::fs::symlink_metadata(path).is_ok() {
        return refuse(format!(
            "{shown} exists already (or is a link); secrets are only written to new files"
        ));
    }
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    match std::fs::metadata(folder) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => refuse(format!("{} is not a folder", folder.display())),
        Err(err) => refuse(format!(
            "the folder {} cannot be used: {err}",
            folder.display()
        )),
    }
}

/// The longest path Linux takes (PATH_MAX, with its terminating NUL).
const MAX_PATH_BYTES: usize = 4095;
/// The longest file name common file systems take (NAME_MAX).
const MAX_FILE_NAME_BYTES: usize = 255;

/// A file a run may write a secret to: its flag, its path, and what writes it.
pub(crate) struct SecretFile<'a> {
    pub(crate) flag: &'static str,
    pub(crate) path: &'a Path,
    pub(crate) written_with: WrittenWith,
}

/// The change that writes a secret file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WrittenWith {
    /// A one-time password made (a login profile created, or an undelivered password replaced).
    Password,
    /// A virtual MFA device created.
    MfaDevice,
}

/// An ARN as a tag value: characters tags do not allow become `_`, and it is cut to 256.
fn tag_safe(value: &str) -> String {
    value
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "_.:/=+-@ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(256)
        .collect()
}

fn check_folder(flag: &str, path: &Path) -> Result<(), InputError> {
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    if parent.is_some_and(|p| !p.is_dir()) {
        return Err(InputError::new(
            flag,
            format!("the folder of {} does not exist", path.display()),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> NewUserInput {
        NewUserInput {
            user_name: "alice".to_string(),
            template: "developer".to_string(),
            details: PersonDetails {
                email: Some("alice@example.com".to_string()),
                tags: vec!["cost-center=CC-7".to_string()],
                ..PersonDetails::default()
            },
            ..NewUserInput::default()
        }
    }

    /// `input()` with its details changed.
    fn detailed(change: impl FnOnce(&mut PersonDetails)) -> NewUserInput {
        let mut changed = input();
        change(&mut changed.details);
        changed
    }

    fn refused(input: NewUserInput) -> InputError {
        NewUserRequest::new(input, &TemplateSet::embedded().unwrap()).unwrap_err()
    }

    #[test]
    fn a_good_request_takes_the_templates_console_rule() {
        let set = TemplateSet::embedded().unwrap();
        let request = NewUserRequest::new(detailed(|d| d.console = true), &set).unwrap();
        assert!(request.console);
        assert_eq!(
            request.extra_tags,
            [("cost-center".to_string(), "CC-7".to_string())]
        );
    }

    #[test]
    fn reserved_tags_long_names_bad_emails_and_missing_folders_are_refused() {
        let tagged = detailed(|d| d.tags = vec!["Managed-By=me".to_string()]);
        assert_eq!(refused(tagged).field, "tag \"Managed-By\"");
        let own_record =
            detailed(|d| d.tags = vec!["iam-onboard:offboarded=2026-12-01".to_string()]);
        let err = refused(own_record);
        assert_eq!(err.field, "tag \"iam-onboard:offboarded\"");
        assert!(
            err.reason.contains("every key under iam-onboard:"),
            "{}",
            err.reason
        );
        let dir = tempfile::tempdir().unwrap();
        let nowhere = NewUserInput {
            password_file: Some(dir.path().join("no/such/dir/p")),
            ..detailed(|d| d.console = true)
        };
        assert_eq!(refused(nowhere).field, "--password-file");
        let long_name = NewUserInput {
            user_name: "x".repeat(65),
            ..input()
        };
        assert_eq!(refused(long_name).field, "username");
        let email = detailed(|d| d.email = Some("not-an-email".to_string()));
        assert_eq!(refused(email).field, "--email");
        let tab = detailed(|d| d.tags = vec!["team=a\tb".to_string()]);
        assert_eq!(refused(tab).field, "tag \"team\"");
        let long = "x".repeat(257);
        for (flag, given) in [
            (
                "--display-name",
                detailed(|d| d.display_name = Some(long.clone())),
            ),
            ("--ticket", detailed(|d| d.ticket = Some(long.clone()))),
        ] {
            let err = refused(given);
            assert_eq!(
                (err.field.as_str(), err.reason.as_str()),
                (flag, "tag values are at most 256 characters"),
                "a value given by a flag of its own is named by that flag"
            );
        }
        let no_console = NewUserInput {
            password_file: Some(dir.path().join("p")),
            ..detailed(|d| d.console = false)
        };
        assert_eq!(refused(no_console).field, "--password-file");
    }

    #[test]
    fn a_secret_file_that_could_not_be_created_new_is_refused_up_front() {
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("seed.uri");
        assert!(must_be_new("--mfa-secret-file", &fresh).is_ok());
        assert!(
            must_be_new("--password-file", Path::new("pw")).is_ok(),
            "the current folder"
        );
        std::fs::write(&fresh, "x").unwrap();
        let refused = |path: &Path| must_be_new("--mfa-secret-file", path).unwrap_err();
        assert!(refused(&fresh).reason.contains("exists already"));
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
        assert!(refused(&dangling).reason.contains("is a link"));
        let missing = dir.path().join("no-such-folder").join("seed.uri");
        assert!(refused(&missing).reason.contains("cannot be used"));
        let under_a_file = fresh.join("seed.uri");
        assert!(refused(&under_a_file).reason.contains("not a folder"));
        let long_name = dir.path().join("x".repeat(300));
        assert!(refused(&long_name).reason.contains("300 bytes"));
        let long_path = dir.path().join("d/".repeat(60_000)).join("f");
        let err = refused(&long_path);
        assert_eq!(err.field, "--mfa-secret-file");
        assert!(
            err.reason.contains("bytes long") && err.to_string().len() < 300,
            "{err}"
        );
    }
}
