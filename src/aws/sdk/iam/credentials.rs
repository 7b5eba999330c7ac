//! `IamCredentials` with the SDK: login profiles, MFA devices, access keys, certificates,
//! SSH keys and service-specific credentials.

use super::*;

impl IamCredentials for SdkIam {
    async fn has_login_profile(&self, user: &str) -> AwsResult<bool> {
        const OP: &str = "iam:GetLoginProfile";
        let result = sent!(OP, self.iam.get_login_profile().user_name(user));
        Ok(absent_if_not_found(result)?.is_some())
    }

    async fn create_login_profile(
        &self,
        user: &str,
        password: &Secret,
        password_reset_required: bool,
    ) -> AwsResult<()> {
        const OP: &str = "iam:CreateLoginProfile";
        sent!(
            OP,
            self.iam
                .create_login_profile()
                .user_name(user)
                .password(password.expose())
                .password_reset_required(password_reset_required)
        )?;
        Ok(())
    }

    async fn update_login_profile(
        &self,
        user: &str,
        password: &Secret,
        password_reset_required: bool,
    ) -> AwsResult<()> {
        const OP: &str = "iam:UpdateLoginProfile";
        sent!(
            OP,
            self.iam
                .update_login_profile()
                .user_name(user)
                .password(password.expose())
                .password_reset_required(password_reset_required)
        )?;
        Ok(())
    }

    async fn delete_login_profile(&self, user: &str) -> AwsResult<()> {
        const OP: &str = "iam:DeleteLoginProfile";
        sent!(OP, self.iam.delete_login_profile().user_name(user))?;
        Ok(())
    }

    async fn list_mfa_devices(&self, user: &str) -> AwsResult<Vec<String>> {
        const OP: &str = "iam:ListMFADevices";
        let devices = every!(OP, self.iam.list_mfa_devices().user_name(user))?;
        Ok(devices
            .iter()
            .map(|d| d.serial_number().to_string())
            .collect())
    }

    async fn list_unassigned_virtual_mfa_devices(&self) -> AwsResult<Vec<String>> {
        const OP: &str = "iam:ListVirtualMFADevices";
        let devices = every!(
            OP,
            self.iam
                .list_virtual_mfa_devices()
                .assignment_status(AssignmentStatusType::Unassigned)
        )?;
        Ok(devices
            .iter()
            .map(|d| d.serial_number().to_string())
            .collect())
    }

    async fn create_virtual_mfa_device(
        &self,
        name: &str,
        path: &str,
    ) -> AwsResult<VirtualMfaDevice> {
        const OP: &str = "iam:CreateVirtualMFADevice";
        let out = sent!(
            OP,
            self.iam
                .create_virtual_mfa_device()
                .virtual_mfa_device_name(name)
                .path(path)
        )?;
        let device = out.virtual_mfa_device().ok_or_else(|| {
            AwsError::new(
                OP,
                AwsErrorKind::Other,
                "NoDevice",
                "the answer held no device",
            )
        })?;
        let seed = device
            .base32_string_seed()
            .map(|blob| String::from_utf8_lossy(blob.as_ref()).into_owned())
            .unwrap_or_default();
        Ok(VirtualMfaDevice {
            serial: device.serial_number().to_string(),
            base32_seed: Secret::new(seed),
        })
    }

    async fn enable_mfa_device(
        &self,
        user: &str,
        serial: &str,
        code1: &str,
        code2: &str,
    ) -> AwsResult<()> {
        const OP: &str = "iam:EnableMFADevice";
        sent!(
            OP,
            self.iam
                .enable_mfa_device()
                .user_name(user)
                .serial_number(serial)
                .authentication_code1(code1)
                .authentication_code2(code2)
        )?;
        Ok(())
    }

    async fn deactivate_mfa_device(&self, user: &str, serial: &str) -> AwsResult<()> {
        const OP: &str = "iam:DeactivateMFADevice";
        sent!(
            OP,
            self.iam
                .deactivate_mfa_device()
                .user_name(user)
                .serial_number(serial)
        )?;
        Ok(())
    }

    async fn delete_virtual_mfa_device(&self, serial: &str) -> AwsResult<()> {
        const OP: &str = "iam:DeleteVirtualMFADevice";
        sent!(
            OP,
            self.iam.delete_virtual_mfa_device().serial_number(serial)
        )?;
        Ok(())
    }

    async fn list_access_keys(&self, user: &str) -> AwsResult<Vec<AccessKey>> {
        const OP: &str = "iam:ListAccessKeys";
        let keys = every!(OP, self.iam.list_access_keys().user_name(user))?;
        Ok(keys
            .iter()
            .map(|k| AccessKey {
                id: k.access_key_id().unwrap_or_default().to_string(),
                active: k.status() == Some(&StatusType::Active),
                created: date(k.create_date()),
            })
            .collect())
    }

    async fn get_access_key_last_used(&self, key_id: &str) -> AwsResult<Option<String>> {
        const OP: &str = "iam:GetAccessKeyLastUsed";
        let out = sent!(
            OP,
            self.iam.get_access_key_last_used().access_key_id(key_id)
        )?;
        Ok(out
            .access_key_last_used()
            .and_then(|used| used.last_used_date())
            .and_then(|date| date.fmt(DateTimeFormat::DateTime).ok()))
    }

    async fn update_access_key_status(
        &self,
        user: &str,
        key_id: &str,
        active: bool,
    ) -> AwsResult<()> {
        const OP: &str = "iam:UpdateAccessKey";
        let status = if active {
            StatusType::Active
        } else {
            StatusType::Inactive
        };
        sent!(
            OP,
            self.iam
                .update_access_key()
                .user_name(user)
                .access_key_id(key_id)
                .status(status)
        )?;
        Ok(())
    }

    async fn create_access_key(&self, user: &str) -> AwsResult<(String, Secret)> {
        const OP: &str = "iam:CreateAccessKey";
        let out = sent!(OP, self.iam.create_access_key().user_name(user))?;
        let key = out.access_key().ok_or_else(|| {
            AwsError::new(
                OP,
                AwsErrorKind::Uncertain,
                "NoAccessKey",
                "no key in the answer",
            )
        })?;
        Ok((
            key.access_key_id().to_string(),
            Secret::new(key.secret_access_key()),
        ))
    }

    async fn delete_access_key(&self, user: &str, key_id: &str) -> AwsResult<()> {
        const OP: &str = "iam:DeleteAccessKey";
        sent!(
            OP,
            self.iam
                .delete_access_key()
                .user_name(user)
                .access_key_id(key_id)
        )?;
        Ok(())
    }

    async fn list_signing_certificates(&self, user: &str) -> AwsResult<Vec<String>> {
        const OP: &str = "iam:ListSigningCertificates";
        let certificates = every!(OP, self.iam.list_signing_certificates().user_name(user))?;
        Ok(certificates
            .iter()
            .map(|c| c.certificate_id().to_string())
            .collect())
    }

    async fn delete_signing_certificate(&self, user: &str, certificate_id: &str) -> AwsResult<()> {
        const OP: &str = "iam:DeleteSigningCertificate";
        sent!(
            OP,
            self.iam
                .delete_signing_certificate()
                .user_name(user)
                .certificate_id(certificate_id)
        )?;
        Ok(())
    }

    async fn list_ssh_public_keys(&self, user: &str) -> AwsResult<Vec<String>> {
        const OP: &str = "iam:ListSSHPublicKeys";
        let keys = every!(OP, self.iam.list_ssh_public_keys().user_name(user))?;
        Ok(keys
            .iter()
            .map(|k| k.ssh_public_key_id().to_string())
            .collect())
    }

    async fn delete_ssh_public_key(&self, user: &str, key_id: &str) -> AwsResult<()> {
        const OP: &str = "iam:DeleteSSHPublicKey";
        sent!(
            OP,
            self.iam
                .delete_ssh_public_key()
                .user_name(user)
                .ssh_public_key_id(key_id)
        )?;
        Ok(())
    }

    async fn list_service_specific_credentials(
        &self,
        user: &str,
    ) -> AwsResult<Vec<ServiceCredential>> {
        const OP: &str = "iam:ListServiceSpecificCredentials";
        // The SDK generates no paginator for this call: follow the marker by hand. Offboarding
        // only warns when it fails, and some endpoints lack it (HTTP 500), so each page is one
        // attempt, with throttling alone waited out.
        let mut credentials = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let page = || async {
                sent!(
                    OP,
                    self.iam
                        .list_service_specific_credentials()
                        .user_name(user)
                        .set_marker(marker.clone())
                        .customize()
                        .config_override(
                            aws_sdk_iam::config::Builder::default()
                                .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
                        )
                )
            };
            let out = crate::aws::sdk::throttling_waited_out(page).await?;
            credentials.extend(out.service_specific_credentials().iter().map(|c| {
                ServiceCredential {
                    id: c.service_specific_credential_id().to_string(),
                    service: c.service_name().to_string(),
                }
            }));
            match out.marker() {
                Some(next) if out.is_truncated() => marker = Some(next.to_string()),
                _ => return Ok(credentials),
            }
        }
    }

    async fn delete_service_specific_credential(
        &self,
        user: &str,
        credential_id: &str,
    ) -> AwsResult<()> {
        const OP: &str = "iam:DeleteServiceSpecificCredential";
        sent!(
            OP,
            self.iam
                .delete_service_specific_credential()
                .user_name(user)
                .service_specific_credential_id(credential_id)
        )?;
        Ok(())
    }

    async fn list_mfa_devices_enabled(&self, user: &str) -> AwsResult<Vec<MfaDevice>> {
        const OP: &str = "iam:ListMFADevices";
        let devices = every!(OP, self.iam.list_mfa_devices().user_name(user))?;
        Ok(devices
            .iter()
            .map(|d| MfaDevice {
                serial: d.serial_number().to_string(),
                enabled: date(Some(d.enable_date())),
            })
            .collect())
    }

    async fn login_profile_created(&self, user: &str) -> AwsResult<Option<Option<String>>> {
        const OP: &str = "iam:GetLoginProfile";
        let result = sent!(OP, self.iam.get_login_profile().user_name(user));
        Ok(absent_if_not_found(result)?
            .map(|out| date(out.login_profile().map(|profile| profile.create_date()))))
    }
}
