//! IAM's credential report through the SDK: asked for, waited for while AWS generates it (a
//! few seconds, polled with backoff), fetched and read by column name.

use super::convert::convert;
use crate::aws::{AwsError, AwsErrorKind, AwsResult, CredentialRow};
use aws_sdk_iam::types::ReportStateType;
use backon::{ExponentialBuilder, Retryable};

/// Generates the account's credential report, waits until it is complete and reads its rows.
pub(super) async fn generate_and_read(iam: &aws_sdk_iam::Client) -> AwsResult<Vec<CredentialRow>> {
    const GENERATE: &str = "iam:GenerateCredentialReport";
    const GET: &str = "iam:GetCredentialReport";
    /// What asking for the report answered: ready, still being made, or a failure.
    enum Generating {
        InProgress,
        Failed(AwsError),
    }
    let generate = || async {
        let out = iam
            .generate_credential_report()
            .send()
            .await
            .map_err(|e| Generating::Failed(convert(GENERATE, e)))?;
        match out.state() {
            Some(ReportStateType::Complete) => Ok(()),
            _ => Err(Generating::InProgress),
        }
    };
    let waited = generate
        .retry(
            ExponentialBuilder::default()
                .with_min_delay(std::time::Duration::from_millis(500))
                .with_max_delay(std::time::Duration::from_secs(5))
                .with_max_times(20),
        )
        .sleep(tokio::time::sleep)
        .when(|seen| matches!(seen, Generating::InProgress))
        .await;
    match waited {
        Ok(()) => {}
        Err(Generating::Failed(err)) => return Err(err),
        Err(Generating::InProgress) => {
            return Err(AwsError::new(
                GENERATE,
                AwsErrorKind::Other,
                "ReportNotReady",
                "the credential report was still being generated after a minute",
            ));
        }
    }
    let out = sent!(GET, iam.get_credential_report())?;
    let content = out.content().map(|blob| blob.as_ref()).unwrap_or_default();
    parse_credential_report(content)
        .map_err(|why| AwsError::new(GET, AwsErrorKind::Other, "BadReport", &why))
}

/// The credential report's CSV (one row a user, `<root_account>` left out) as rows. Dates are
/// kept as written; `N/A`, `no_information` and `not_supported` mean none.
fn parse_credential_report(content: &[u8]) -> Result<Vec<CredentialRow>, String> {
    let mut reader = csv::Reader::from_reader(content);
    let header = reader.headers().map_err(|err| err.to_string())?.clone();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("the credential report has no {name} column"))
    };
    let [user, password_enabled, password_last_used, mfa_active] = [
        "user",
        "password_enabled",
        "password_last_used",
        "mfa_active",
    ]
    .map(column);
    let (user, password_enabled, password_last_used, mfa_active) =
        (user?, password_enabled?, password_last_used?, mfa_active?);
    let created = column("user_creation_time").ok();
    let keys: Vec<[Option<usize>; 3]> = (1..=2)
        .map(|n| {
            [
                format!("access_key_{n}_active"),
                format!("access_key_{n}_last_used_date"),
                format!("access_key_{n}_last_rotated"),
            ]
            .map(|name| column(&name).ok())
        })
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|err| err.to_string())?;
        let field = |index: usize| record.get(index).unwrap_or_default();
        let when = |index: usize| {
            Some(field(index))
                .filter(|v| !matches!(*v, "" | "N/A" | "no_information" | "not_supported"))
                .map(str::to_string)
        };
        if field(user) == "<root_account>" {
            continue;
        }
        rows.push(CredentialRow {
            user: field(user).to_string(),
            created: created.and_then(when),
            password_enabled: field(password_enabled) == "true",
            password_last_used: when(password_last_used),
            mfa_active: field(mfa_active) == "true",
            access_keys_active: keys
                .iter()
                .map(|[active, _, _]| active.is_some_and(|i| field(i) == "true"))
                .collect(),
            access_keys_last_used: keys
                .iter()
                .map(|[_, used, _]| used.and_then(when))
                .collect(),
            access_keys_last_rotated: keys
                .iter()
                .map(|[_, _, rotated]| rotated.and_then(when))
                .collect(),
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_credential_report_is_read_by_column_name() {
        let csv = "user,arn,user_creation_time,password_enabled,password_last_used,mfa_active,access_key_1_active,access_key_1_last_used_date,access_key_2_active,access_key_2_last_used_date\n\
<root_account>,arn:aws:iam::1:root,2026-01-01T00:00:00+00:00,not_supported,2026-11-01T00:00:00+00:00,true,false,N/A,false,N/A\n\
alice,arn:aws:iam::1:user/alice,2026-01-01T00:00:00+00:00,true,no_information,false,true,2026-11-20T08:00:00+00:00,false,N/A\n";
        let rows = parse_credential_report(csv.as_bytes()).unwrap();
        assert_eq!(rows.len(), 1, "the root account is left out");
        let alice = &rows[0];
        assert_eq!(alice.user, "alice");
        assert!(alice.password_enabled && !alice.mfa_active);
        assert_eq!(alice.password_last_used, None);
        assert_eq!(alice.access_keys_active, [true, false]);
        assert_eq!(
            alice.access_keys_last_used,
            [Some("2026-11-20T08:00:00+00:00".to_string()), None]
        );
        assert!(
            parse_credential_report(b"name\nx\n")
                .unwrap_err()
                .contains("user")
        );
    }
}
