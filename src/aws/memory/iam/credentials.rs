//! The in-memory IAM's credentials: login profiles, MFA devices (codes checked against the
//! seed), access keys, certificates, SSH keys and service-specific credentials.

use super::*;

impl IamCredentials for MemoryIam {
    async fn has_login_profile(&self, user: &str) -> AwsResult<bool> {
        self.wait().await;
        self.read(|s| {
            s.users
                .get(user)
                .map(|u| u.login_profile.is_some())
                .ok_or_else(|| not_found("iam:GetLoginProfile", user))
        })
    }

    async fn create_login_profile(
        &self,
        user: &str,
        password: &Secret,
        password_reset_required: bool,
    ) -> AwsResult<()> {
        self.wait().await;
        let profile = (password, password_reset_required);
        self.set_login_profile("iam:CreateLoginProfile", user, profile, false)
    }

    async fn update_login_profile(
        &self,
        user: &str,
        password: &Secret,
        password_reset_required: bool,
    ) -> AwsResult<()> {
        self.wait().await;
        let profile = (password, password_reset_required);
        self.set_login_profile("iam:UpdateLoginProfile", user, profile, true)
    }

    async fn delete_login_profile(&self, user: &str) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:DeleteLoginProfile";
        self.mutate(OP, user, |s| {
            user_mut(s, OP, user)?
                .login_profile
                .take()
                .map(|_| ())
                .ok_or_else(|| not_found(OP, "login profile"))
        })
    }

    async fn list_mfa_devices(&self, user: &str) -> AwsResult<Vec<String>> {
        self.wait().await;
        self.read(|s| {
            s.users
                .get(user)
                .map(|u| u.mfa_devices.clone())
                .ok_or_else(|| not_found("iam:ListMFADevices", user))
        })
    }

    async fn list_unassigned_virtual_mfa_devices(&self) -> AwsResult<Vec<String>> {
        self.wait().await;
        self.read(|s| {
            Ok(s.devices
                .iter()
                .filter(|(_, d)| d.user.is_none())
                .map(|(serial, _)| serial.clone())
                .collect())
        })
    }

    async fn create_virtual_mfa_device(
        &self,
        name: &str,
        path: &str,
    ) -> AwsResult<VirtualMfaDevice> {
        self.wait().await;
        const OP: &str = "iam:CreateVirtualMFADevice";
        let serial = format!("arn:aws:iam::{ACCOUNT}:mfa{path}{name}");
        self.mutate(OP, name, |s| {
            if s.devices.contains_key(&serial) {
                return Err(err(OP, AwsErrorKind::AlreadyExists, &serial));
            }
            s.devices_made += 1;
            let seed: Vec<u8> = (0..40u8)
                .map(|i| i.wrapping_mul(7) ^ s.devices_made)
                .collect();
            let base32_seed = base32::encode(base32::Alphabet::Rfc4648 { padding: false }, &seed);
            s.devices
                .insert(serial.clone(), MemoryDevice { seed, user: None });
            s.made(&serial);
            Ok(VirtualMfaDevice {
                serial: serial.clone(),
                base32_seed: Secret::new(base32_seed),
            })
        })
    }

    async fn enable_mfa_device(
        &self,
        user: &str,
        serial: &str,
        code1: &str,
        code2: &str,
    ) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:EnableMFADevice";
        let now = self.now;
        self.mutate(OP, &format!("{user} {serial}"), |s| {
            let device = s.devices.get(serial).ok_or_else(|| not_found(OP, serial))?;
            if device.user.is_some() {
                return Err(err(OP, AwsErrorKind::AlreadyExists, "device in use"));
            }
            if !codes_valid(&device.seed, code1, code2, now) {
                return Err(err(OP, AwsErrorKind::Invalid, "InvalidAuthenticationCode"));
            }
            let devices = &mut user_mut(s, OP, user)?.mfa_devices;
            if devices.len() >= crate::quotas::MFA_DEVICES_A_USER {
                return Err(err(OP, AwsErrorKind::LimitExceeded, "eight MFA devices"));
            }
            devices.push(serial.to_string());
            s.devices.get_mut(serial).expect("checked above").user = Some(user.to_string());
            Ok(())
        })
    }

    async fn deactivate_mfa_device(&self, user: &str, serial: &str) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:DeactivateMFADevice";
        self.mutate(OP, &format!("{user} {serial}"), |s| {
            let entry = user_mut(s, OP, user)?;
            let index = entry
                .mfa_devices
                .iter()
                .position(|d| d == serial)
                .ok_or_else(|| not_found(OP, serial))?;
            entry.mfa_devices.remove(index);
            if let Some(device) = s.devices.get_mut(serial) {
                device.user = None;
            }
            Ok(())
        })
    }

    async fn delete_virtual_mfa_device(&self, serial: &str) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:DeleteVirtualMFADevice";
        self.mutate(OP, serial, |s| {
            let device = s.devices.get(serial).ok_or_else(|| not_found(OP, serial))?;
            if device.user.is_some() {
                return Err(err(OP, AwsErrorKind::DeleteConflict, "device is assigned"));
            }
            s.devices.remove(serial);
            Ok(())
        })
    }

    async fn list_access_keys(&self, user: &str) -> AwsResult<Vec<AccessKey>> {
        self.wait().await;
        const OP: &str = "iam:ListAccessKeys";
        self.read_op(OP, |s| Ok(user_ref(s, OP, user)?.access_keys.clone()))
    }

    async fn get_access_key_last_used(&self, key_id: &str) -> AwsResult<Option<String>> {
        self.wait().await;
        self.read_op("iam:GetAccessKeyLastUsed", |s| {
            Ok(s.key_last_used
                .get(key_id)
                .cloned()
                .or_else(|| (key_id == "AKIA1").then(|| "2026-11-01T09:30:00Z".to_string())))
        })
    }

    async fn update_access_key_status(
        &self,
        user: &str,
        key_id: &str,
        active: bool,
    ) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:UpdateAccessKey";
        self.mutate(OP, &format!("{user} {key_id}"), |s| {
            let key = user_mut(s, OP, user)?
                .access_keys
                .iter_mut()
                .find(|k| k.id == key_id)
                .ok_or_else(|| not_found(OP, key_id))?;
            key.active = active;
            Ok(())
        })
    }

    async fn create_access_key(&self, user: &str) -> AwsResult<(String, Secret)> {
        self.wait().await;
        const OP: &str = "iam:CreateAccessKey";
        let now = crate::clock::rfc3339(self.now);
        self.mutate(OP, user, |s| {
            s.keys_made += 1;
            let id = format!("AKIAMADE{:04}", s.keys_made);
            let keys = &mut user_mut(s, OP, user)?.access_keys;
            if keys.len() >= 2 {
                return Err(err(
                    OP,
                    AwsErrorKind::LimitExceeded,
                    "a user has at most two access keys",
                ));
            }
            keys.push(AccessKey {
                id: id.clone(),
                active: true,
                created: Some(now.clone()),
            });
            Ok((id.clone(), Secret::new(format!("secret-of-{id}"))))
        })
    }

    async fn delete_access_key(&self, user: &str, key_id: &str) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:DeleteAccessKey";
        self.mutate(OP, &format!("{user} {key_id}"), |s| {
            remove_where(
                &mut user_mut(s, OP, user)?.access_keys,
                |k| k.id == key_id,
                OP,
            )
        })
    }

    async fn list_signing_certificates(&self, user: &str) -> AwsResult<Vec<String>> {
        self.wait().await;
        const OP: &str = "iam:ListSigningCertificates";
        self.read_op(OP, |s| {
            Ok(user_ref(s, OP, user)?.signing_certificates.clone())
        })
    }

    async fn delete_signing_certificate(&self, user: &str, certificate_id: &str) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:DeleteSigningCertificate";
        self.mutate(OP, &format!("{user} {certificate_id}"), |s| {
            let certificates = &mut user_mut(s, OP, user)?.signing_certificates;
            remove_where(certificates, |c| c == certificate_id, OP)
        })
    }

    async fn list_ssh_public_keys(&self, user: &str) -> AwsResult<Vec<String>> {
        self.wait().await;
        const OP: &str = "iam:ListSSHPublicKeys";
        self.read_op(OP, |s| Ok(user_ref(s, OP, user)?.ssh_public_keys.clone()))
    }

    async fn delete_ssh_public_key(&self, user: &str, key_id: &str) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:DeleteSSHPublicKey";
        self.mutate(OP, &format!("{user} {key_id}"), |s| {
            remove_where(
                &mut user_mut(s, OP, user)?.ssh_public_keys,
                |k| k == key_id,
                OP,
            )
        })
    }

    async fn list_service_specific_credentials(
        &self,
        user: &str,
    ) -> AwsResult<Vec<ServiceCredential>> {
        self.wait().await;
        const OP: &str = "iam:ListServiceSpecificCredentials";
        self.read_op(OP, |s| {
            Ok(user_ref(s, OP, user)?.service_credentials.clone())
        })
    }

    async fn delete_service_specific_credential(
        &self,
        user: &str,
        credential_id: &str,
    ) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:DeleteServiceSpecificCredential";
        self.mutate(OP, &format!("{user} {credential_id}"), |s| {
            let credentials = &mut user_mut(s, OP, user)?.service_credentials;
            remove_where(credentials, |c| c.id == credential_id, OP)
        })
    }

    async fn list_mfa_devices_enabled(&self, user: &str) -> AwsResult<Vec<MfaDevice>> {
        self.wait().await;
        const OP: &str = "iam:ListMFADevices";
        self.read_op(OP, |s| {
            Ok(user_ref(s, OP, user)?
                .mfa_devices
                .iter()
                .map(|serial| MfaDevice {
                    serial: serial.clone(),
                    enabled: Some(MEMORY_CREATED.to_string()),
                })
                .collect())
        })
    }

    async fn login_profile_created(&self, user: &str) -> AwsResult<Option<Option<String>>> {
        self.wait().await;
        const OP: &str = "iam:GetLoginProfile";
        self.read_op(OP, |s| {
            Ok(user_ref(s, OP, user)?
                .login_profile
                .as_ref()
                .map(|_| Some(MEMORY_CREATED.to_string())))
        })
    }
}

impl MemoryIam {
    /// CreateLoginProfile (`replacing` false: no profile may exist yet) and UpdateLoginProfile
    /// (`replacing` true: one must): the password (and whether it must be reset at sign-in)
    /// checked against the account's policy, then set.
    fn set_login_profile(
        &self,
        operation: &'static str,
        user: &str,
        (password, password_reset_required): (&Secret, bool),
        replacing: bool,
    ) -> AwsResult<()> {
        self.mutate(operation, user, |s| {
            check_password_policy(s, operation, password)?;
            let profile = &mut user_mut(s, operation, user)?.login_profile;
            match (replacing, profile.is_some()) {
                (false, true) => return Err(err(operation, AwsErrorKind::AlreadyExists, user)),
                (true, false) => return Err(not_found(operation, "login profile")),
                _ => {}
            }
            *profile = Some((password.clone(), password_reset_required));
            Ok(())
        })
    }
}
