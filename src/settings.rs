//! The settings of a run: the global options as typed (`cli::GlobalArgs`) turned, once and
//! before any command runs, into checked values that every command, batch row and the menu use:
//! where AWS is and Identity Center's home region, the templates, the configuration file, who is
//! protected, the output format, whether to ask, and how long to wait for AWS to settle. Nothing
//! after this reads the raw options again, so the same option always gets the same answer.

use crate::aws::config::{AwsTarget, load_config};
use crate::aws::sdk::SdkIam;
use crate::aws::sdk::SdkSso;
use crate::aws::settling::Settling;
use crate::cli::{GlobalArgs, OutputFormat};
use crate::config::Config;
use crate::error::{Error, InputError};
use crate::names;
use crate::protect::Protected;
use crate::template::TemplateSet;
use crate::terminal::look::Look;
use aws_config::SdkConfig;
use std::io::IsTerminal;
use std::time::Duration;

/// Whether a person is there (prompts need stdin and stderr on a terminal), and what the
/// terminal can show.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Terminal {
    pub(crate) interactive: bool,
    pub(crate) look: Look,
}

impl Terminal {
    pub(crate) fn detect() -> Self {
        Terminal {
            interactive: std::io::stdin().is_terminal() && std::io::stderr().is_terminal(),
            look: Look::detect(),
        }
    }
}

/// The checked settings of one run.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// Where AWS calls go: profile, region, endpoint, timeouts.
    pub(crate) aws: AwsTarget,
    /// Identity Center's home region: `--sso-region`, else the configuration's `sso_region`;
    /// `None`: the region of everything else.
    pub(crate) sso_region: Option<String>,
    pub(crate) templates: TemplateSet,
    pub(crate) config: Config,
    /// `--protect`, `IAM_ONBOARD_PROTECTED` and the configuration's `protected_users`.
    pub(crate) protected: Protected,
    pub(crate) output: OutputFormat,
    pub(crate) dry_run: bool,
    pub(crate) yes: bool,
    /// `-q`: errors only.
    pub(crate) quiet: bool,
    /// How long to keep asking about what the run just made (`--propagation-timeout`).
    pub(crate) propagation: Duration,
    pub(crate) terminal: Terminal,
}

impl Settings {
    /// Checks the global options: the endpoint URL and regions, the templates, the
    /// configuration file. Exit 2, before any call, when one is wrong.
    pub(crate) fn from_globals(global: &GlobalArgs, terminal: Terminal) -> Result<Self, Error> {
        let aws = aws_target(global)?;
        if let Some(region) = &global.sso_region {
            names::validate_region(region)
                .map_err(|err| InputError::new("--sso-region", err.reason))?;
        }
        let templates = match &global.templates {
            Some(dir) => TemplateSet::from_dir(dir)?,
            None => TemplateSet::embedded()?,
        };
        let config = Config::load(global.config.as_deref())?;
        let protected = Protected::gather(&global.protect, &config);
        Ok(Settings {
            sso_region: global
                .sso_region
                .clone()
                .or_else(|| config.sso_region.clone()),
            aws,
            templates,
            config,
            protected,
            output: global.output,
            dry_run: global.dry_run,
            yes: global.yes,
            quiet: global.quiet,
            propagation: Duration::from_secs(global.propagation_timeout),
            terminal,
        })
    }

    /// The SDK's configuration for these settings: credentials, region, endpoint, retries.
    pub(crate) async fn sdk_config(&self) -> Result<SdkConfig, Error> {
        Ok(load_config(&self.aws).await?)
    }

    /// IAM and STS, waiting out eventual consistency for what the run makes.
    pub(crate) fn iam(&self, sdk_config: &SdkConfig) -> Settling<SdkIam> {
        Settling::new(SdkIam::new(sdk_config), self.propagation)
    }

    /// Identity Center in its home region, waiting out eventual consistency likewise.
    pub(crate) fn sso(&self, sdk_config: &SdkConfig) -> Settling<SdkSso> {
        Settling::new(
            SdkSso::new(sdk_config, self.sso_region.as_deref()),
            self.propagation,
        )
    }

    /// IAM alone, from a fresh SDK configuration.
    pub(crate) async fn iam_api(&self) -> Result<Settling<SdkIam>, Error> {
        Ok(self.iam(&self.sdk_config().await?))
    }

    /// The settings with adaptive retries, for many calls in a row (`batch`).
    pub(crate) fn with_adaptive_retries(&self) -> Self {
        let mut settings = self.clone();
        settings.aws.adaptive_retries = true;
        settings
    }
}

/// Where to send AWS calls. An endpoint URL, from `--endpoint-url` or `AWS_ENDPOINT_URL`,
/// must be an http(s) URL with a host (the SDK panics on an empty one), and a region a valid
/// host label.
fn aws_target(global: &GlobalArgs) -> Result<AwsTarget, InputError> {
    let from_env = std::env::var("AWS_ENDPOINT_URL").ok();
    let sources = [
        ("--endpoint-url", global.endpoint_url.as_deref()),
        ("AWS_ENDPOINT_URL", from_env.as_deref()),
    ];
    for (source, url) in sources {
        if let Some(url) = url {
            names::validate_endpoint_url(url).map_err(|reason| InputError::new(source, reason))?;
        }
    }
    if let Some(region) = &global.region {
        names::validate_region(region)?;
    }
    Ok(AwsTarget {
        profile: global.profile.clone(),
        region: global.region.clone(),
        endpoint_url: global.endpoint_url.clone(),
        adaptive_retries: false,
        call_timeout: Duration::from_secs(global.call_timeout),
    })
}

/// A warning on standard error for each template holding `templates lint` findings it does not
/// accept (the built-in set holds none).
pub(crate) fn warn_of_lint_findings(templates: &TemplateSet) {
    for template in templates.iter() {
        let open = crate::lint::lint(template)
            .iter()
            .filter(|finding| finding.accepted.is_none())
            .count();
        if open > 0 {
            crate::terminal::output::print_err(&format!(
                "iam-onboard: warning: template {} holds {open} privilege path(s) it does not accept: iam-onboard templates lint {} shows them\n",
                template.name, template.name
            ));
        }
    }
}
