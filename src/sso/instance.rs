//! Which IAM Identity Center instance a command acts on: the only one in Identity Center's home
//! region, or the one `--instance-arn` names; with an error that says where it looked and how
//! to choose when there is none or several.

use crate::aws::{Sso, SsoInstance};
use crate::error::{Error, InputError};

/// The instance to use: the only one, or the one named by `--instance-arn`.
pub(crate) async fn choose_instance(
    api: &impl Sso,
    wanted: Option<&str>,
) -> Result<SsoInstance, Error> {
    let instances = api.list_instances().await.map_err(Error::from_aws)?;
    match (wanted, instances.as_slice()) {
        (Some(arn), _) => instances
            .iter()
            .find(|i| i.arn == arn)
            .cloned()
            .ok_or_else(|| {
                InputError::new(
                    "--instance-arn",
                    format!("no Identity Center instance {arn}"),
                )
                .into()
            }),
        (None, [only]) => Ok(only.clone()),
        (None, []) => Err(InputError::new(
            "--sso-region",
            format!(
                "no IAM Identity Center instance in region {}: Identity Center lives in one region, its home region (the IAM Identity Center console shows it under Settings); give --sso-region REGION or \"sso_region\" in the configuration file",
                api.region()
            ),
        )
        .into()),
        (None, several) => Err(InputError::new(
            "--instance-arn",
            format!(
                "there are {} Identity Center instances; name one: {}",
                several.len(),
                several
                    .iter()
                    .map(|i| i.arn.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .into()),
    }
}
