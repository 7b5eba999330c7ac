//! Template sets read from folders: the built-in set complete, and each mistake refused
//! with its file, field and reason.

use super::*;

fn write_set(dir: &Path, template: &str, policies: &[(&str, &str)]) {
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    std::fs::write(dir.join("custom.json"), template).unwrap();
    for (name, text) in policies {
        std::fs::write(dir.join("policies").join(format!("{name}.json")), text).unwrap();
    }
}

const READ: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
const GOOD: &str = r#"{"description":"d","group":"g","policies":["read"],"permissions_boundary":"read","console_access":false,"mfa":"optional"}"#;

#[test]
fn shipped_templates_load_and_are_complete() {
    let set = TemplateSet::embedded().unwrap();
    let names: Vec<_> = set.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "developer",
            "developer-readonly",
            "devops",
            "finance",
            "security-auditor"
        ]
    );
    for template in set.iter() {
        assert_eq!(template.mfa, MfaRequirement::Required, "{}", template.name);
        assert!(template.policies.iter().any(|p| p.name == FORCE_MFA_POLICY));
        assert!(
            !template.tags.is_empty(),
            "{} names its tags",
            template.name
        );
    }
    assert!(!set.get("finance").unwrap().policies.is_empty());
}

#[test]
fn aws_managed_policies_are_read_by_name_path_or_arn_and_checked_for_form_and_quota() {
    let dir = tempfile::tempdir().unwrap();
    let with = |list: &str| {
        GOOD.replace(
            r#""policies":["read"]"#,
            &format!(r#""policies":["read"],"aws_managed_policies":{list}"#),
        )
    };
    write_set(
        dir.path(),
        &with(
            r#"["SecurityAudit","job-function/ViewOnlyAccess","arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess"]"#,
        ),
        &[("read", READ)],
    );
    let set = TemplateSet::from_dir(dir.path()).unwrap();
    let arns: Vec<String> = set
        .get("custom")
        .unwrap()
        .aws_managed_policies
        .iter()
        .map(|p| p.arn("aws-us-gov"))
        .collect();
    assert_eq!(
        arns,
        [
            "arn:aws-us-gov:iam::aws:policy/SecurityAudit",
            "arn:aws-us-gov:iam::aws:policy/job-function/ViewOnlyAccess",
            "arn:aws-us-gov:iam::aws:policy/AWSBillingReadOnlyAccess",
        ]
    );
    let refused = |list: &str| {
        write_set(dir.path(), &with(list), &[("read", READ)]);
        TemplateSet::from_dir(dir.path()).unwrap_err()
    };
    let customer = refused(r#"["arn:aws:iam::123456789012:policy/mine"]"#);
    assert_eq!(customer.field, "aws_managed_policies[0]");
    assert!(
        customer
            .reason
            .contains("not the ARN of an AWS managed policy")
    );
    let partition = refused(r#"["arn:aws-moon:iam::aws:policy/SecurityAudit"]"#);
    assert!(
        partition
            .reason
            .contains("not the ARN of an AWS managed policy"),
        "a partition AWS does not have: {}",
        partition.reason
    );
    let spaced = refused(r#"["ok","Security Audit"]"#);
    assert_eq!(spaced.field, "aws_managed_policies[1]");
    assert!(spaced.reason.contains("character 9"), "{}", spaced.reason);
    let twice = refused(r#"["SecurityAudit","arn:aws:iam::aws:policy/SecurityAudit"]"#);
    assert!(twice.reason.contains("listed twice"), "{}", twice.reason);
    let ten: Vec<String> = (0..10).map(|n| format!("\"P{n}\"")).collect();
    let over = refused(&format!("[{}]", ten.join(",")));
    assert_eq!(over.field, "policies");
    assert!(over.reason.contains("11 policies"), "{}", over.reason);
}

#[test]
fn a_description_aws_would_refuse_is_refused_naming_the_file_and_the_character() {
    let dir = tempfile::tempdir().unwrap();
    let written = GOOD.replace(
        r#""description":"d""#,
        r#""description":"Application developer — reads most services; “dev” writes only""#,
    );
    write_set(dir.path(), &written, &[("read", READ)]);
    let err = TemplateSet::from_dir(dir.path()).unwrap_err();
    assert_eq!(err.field, "description");
    assert!(err.to_string().contains("custom.json"), "{err}");
    assert!(
        err.reason.contains("character 23 ('—', U+2014)")
            && err
                .reason
                .contains("sso-admin CreatePermissionSet.Description"),
        "{}",
        err.reason
    );
    let long = GOOD.replace(
        r#""description":"d""#,
        &format!(r#""description":"{}""#, "a".repeat(690)),
    );
    write_set(dir.path(), &long, &[("read", READ)]);
    let err = TemplateSet::from_dir(dir.path()).unwrap_err();
    assert!(
        err.reason.contains("at most 686"),
        "room for the marker: {}",
        err.reason
    );
}

#[test]
fn a_policy_aws_would_refuse_is_refused_before_any_call() {
    let dir = tempfile::tempdir().unwrap();
    let outside_latin1 = READ.replace("s3:GetObject", "s3:Get—Object");
    write_set(dir.path(), GOOD, &[("read", &outside_latin1)]);
    let err = TemplateSet::from_dir(dir.path()).unwrap_err();
    assert!(err.reason.contains("U+2014"), "{}", err.reason);
    let statement = r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::a-bucket-with-a-long-name/*"}"#;
    let many = format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        vec![statement; 80].join(",")
    );
    write_set(dir.path(), GOOD, &[("read", &many)]);
    let err = TemplateSet::from_dir(dir.path()).unwrap_err();
    assert!(
        err.reason.contains("AWS takes at most 6144"),
        "{}",
        err.reason
    );
}

#[test]
fn a_directory_replaces_the_embedded_set() {
    let dir = tempfile::tempdir().unwrap();
    write_set(dir.path(), GOOD, &[("read", READ)]);
    let set = TemplateSet::from_dir(dir.path()).unwrap();
    let custom = set.get("custom").unwrap();
    assert_eq!(custom.policies[0].iam_name, "iam-onboard-read");
    assert!(set.get("developer").is_err());
}

#[test]
fn unknown_template_lists_the_known_ones() {
    let err = TemplateSet::embedded().unwrap().get("intern").unwrap_err();
    assert_eq!(err.field, "--template");
    assert!(
        err.reason.contains("developer, developer-readonly, devops"),
        "{err}"
    );
}

#[test]
fn allow_star_on_star_names_the_policy_file_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let admin =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    write_set(dir.path(), GOOD, &[("read", admin)]);
    let err = TemplateSet::from_dir(dir.path()).unwrap_err();
    assert!(
        err.file.as_deref().unwrap().ends_with("policies/read.json"),
        "{err}"
    );
    assert_eq!(err.field, "Statement[0].Action");
}

#[test]
fn template_mistakes_name_the_field() {
    for (template, field) in [
        (GOOD.replace("\"read\"]", "\"missing\"]"), "policies[0]"),
        (
            GOOD.replace(
                "\"permissions_boundary\":\"read\"",
                "\"permissions_boundary\":\"nope\"",
            ),
            "permissions_boundary",
        ),
        (
            GOOD.replace("\"group\":\"g\"", "\"group\":\"bad group\""),
            "group",
        ),
        (GOOD.replace("\"optional\"", "\"required\""), "policies"),
        (
            GOOD.replace("\"description\":\"d\"", "\"description\":\" \""),
            "description",
        ),
        (
            GOOD.replace(
                "\"policies\":[\"read\"]",
                "\"policies\":[\"read\",\"read\"]",
            ),
            "policies[1]",
        ),
        (
            GOOD.replace("}", ",\"tags\":{\"aws:x\":\"y\"}}"),
            "tags: tag \"aws:x\"",
        ),
        (
            GOOD.replace("}", ",\"tags\":{\"IAM-Onboard:Offboarded\":\"y\"}}"),
            "tags: tag \"IAM-Onboard:Offboarded\"",
        ),
        (
            GOOD.replace("}", ",\"session_duration\":\"PT13H\"}"),
            "session_duration",
        ),
        (
            GOOD.replace("}", ",\"session_duration\":\"8h\"}"),
            "session_duration",
        ),
        (GOOD.replace("}", ",\"access\":\"role\"}"), "mfa"),
        (
            GOOD.replace("}", ",\"access\":\"users\"}"),
            "line 1 column 137",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        write_set(dir.path(), &template, &[("read", READ)]);
        let err = TemplateSet::from_dir(dir.path()).unwrap_err();
        assert_eq!(err.field, field, "{template}");
        assert!(err.file.as_deref().unwrap().ends_with("custom.json"));
    }
    let dir = tempfile::tempdir().unwrap();
    write_set(
        dir.path(),
        &GOOD.replace("\"mfa\"", "\"mfa_mode\""),
        &[("read", READ)],
    );
    let err = TemplateSet::from_dir(dir.path()).unwrap_err();
    assert!(err.reason.contains("unknown field"), "{err}");
    assert!(err.field.starts_with("line 1 column"), "{err}");
}
