//! Where and as whom to call AWS: the SDK configuration from the global options (profile first,
//! region, endpoint), with the retry mode and a timeout for every attempt and every operation.

use aws_config::default_provider::region::DefaultRegionChain;
use aws_config::meta::region::RegionProviderChain;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_iam::config::ProvideCredentials;
use std::path::Path;
use std::time::Duration;

/// Where and as whom to call AWS, from the global options. `None` means the SDK's own chain
/// decides (environment, profile, SSO); `AWS_ENDPOINT_URL` is honoured by the SDK.
#[derive(Debug, Clone)]
pub(crate) struct AwsTarget {
    /// A named profile: its credentials are used even when `AWS_ACCESS_KEY_ID` is set, as the
    /// AWS CLI does with `--profile`.
    pub(crate) profile: Option<String>,
    pub(crate) region: Option<String>,
    pub(crate) endpoint_url: Option<String>,
    /// Adaptive retry mode with more attempts, for many calls in a row (`batch`): the client
    /// slows itself down when throttled instead of failing.
    pub(crate) adaptive_retries: bool,
    /// How long one attempt of a call may take; the whole call, retries included, gets as
    /// many of these as it has attempts, plus the waits between them.
    pub(crate) call_timeout: Duration,
}

/// Attempts per call in standard mode (the SDK's default).
const STANDARD_MAX_ATTEMPTS: u32 = 3;
/// The longest wait between two attempts in standard mode (the SDK's default).
const STANDARD_MAX_BACKOFF: Duration = Duration::from_secs(20);
/// Attempts per call in adaptive mode: with 15% of calls throttled, ten attempts leave about
/// one call in ten million failing.
const ADAPTIVE_MAX_ATTEMPTS: u32 = 10;
/// The longest wait between two attempts in adaptive mode: its client-side rate limiter does
/// the slowing down, so ten attempts do not add up to minutes.
const ADAPTIVE_MAX_BACKOFF: Duration = Duration::from_secs(2);
/// How long opening a connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Why the SDK configuration could not be loaded: a `--profile` that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProfileProblem {
    pub(crate) profile: String,
    /// The files the profile was looked for in.
    pub(crate) files: Vec<String>,
    pub(crate) cause: String,
}

impl std::fmt::Display for ProfileProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "AWS profile {:?} cannot be used (looked in {}): {}",
            self.profile,
            self.files.join(" and "),
            self.cause
        )
    }
}

impl std::error::Error for ProfileProblem {}

/// An error and its sources, each once, without the SDK's debug dump.
fn causes(err: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(current) = next {
        let text = current.to_string();
        if !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        next = current.source();
    }
    parts.join(": ")
}

/// The files the SDK reads profiles from: `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE`,
/// else `~/.aws/config` and `~/.aws/credentials`.
fn profile_files() -> Vec<String> {
    let home = std::env::var("HOME").unwrap_or_else(|_| "~".to_string());
    [
        ("AWS_CONFIG_FILE", "config"),
        ("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
    ]
    .into_iter()
    .map(|(variable, name)| {
        std::env::var(variable).unwrap_or_else(|_| format!("{home}/.aws/{name}"))
    })
    .collect()
}

/// Loads the SDK configuration. IAM is global, so a missing region falls back to us-east-1.
/// Retries are the SDK's: standard mode, 3 attempts with exponential backoff and jitter for
/// throttling, 5xx and dropped connections, tunable with `AWS_MAX_ATTEMPTS`, `AWS_RETRY_MODE`
/// or the profile's `max_attempts` and `retry_mode`. With a profile, its credentials are
/// resolved once here, so a profile that does not exist or cannot give credentials is named
/// before anything else happens, and no other credentials are ever tried in its place.
pub(crate) async fn load_config(target: &AwsTarget) -> Result<SdkConfig, ProfileProblem> {
    let mut region_chain = DefaultRegionChain::builder();
    if let Some(profile) = &target.profile {
        region_chain = region_chain.profile_name(profile);
    }
    let region = RegionProviderChain::first_try(target.region.clone().map(Region::new))
        .or_else(region_chain.build())
        .or_else(Region::from_static("us-east-1"));
    let (attempts, backoff) = if target.adaptive_retries {
        (ADAPTIVE_MAX_ATTEMPTS, ADAPTIVE_MAX_BACKOFF)
    } else {
        (STANDARD_MAX_ATTEMPTS, STANDARD_MAX_BACKOFF)
    };
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(target.call_timeout)
        .operation_timeout((target.call_timeout + backoff) * attempts)
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::v2026_01_12())
        .region(region)
        .timeout_config(timeouts);
    if target.adaptive_retries {
        loader = loader.retry_config(
            aws_config::retry::RetryConfig::adaptive()
                .with_max_attempts(ADAPTIVE_MAX_ATTEMPTS)
                .with_max_backoff(ADAPTIVE_MAX_BACKOFF),
        );
    }
    if let Some(profile) = &target.profile {
        let credentials = ProfileFileCredentialsProvider::builder()
            .profile_name(profile)
            .build();
        if let Err(err) = credentials.provide_credentials().await {
            let files = profile_files();
            let cause = if files.iter().any(|file| Path::new(file).exists()) {
                causes(&err)
            } else {
                "neither file exists".to_string()
            };
            return Err(ProfileProblem {
                profile: profile.clone(),
                files,
                cause,
            });
        }
        loader = loader
            .profile_name(profile)
            .credentials_provider(credentials);
    }
    if let Some(endpoint) = &target.endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    Ok(loader.load().await)
}

/// The MFA device the caller's profile names (`mfa_serial`: `--profile`, else `AWS_PROFILE`,
/// else `default`), when it names one: the profile asks for MFA before roles are assumed.
pub(crate) async fn profile_mfa_serial(target: &AwsTarget) -> Option<String> {
    use aws_types::os_shim_internal::{Env, Fs};
    let chosen = target.profile.clone().map(std::borrow::Cow::Owned);
    let profiles =
        aws_config::profile::load(&Fs::real(), &Env::real(), &Default::default(), chosen)
            .await
            .ok()?;
    profiles
        .get_profile(profiles.selected_profile())
        .and_then(|profile| profile.get("mfa_serial"))
        .map(str::to_string)
}
