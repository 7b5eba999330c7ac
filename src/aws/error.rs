//! AWS errors as the tool acts on them: converted once at the boundary (see `convert`) into
//! the operation, AWS's code and message, and the kind that decides what happens next.

use std::fmt;

/// What the tool needs to know about an AWS error to decide what to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AwsErrorKind {
    /// NoSuchEntity: for an undo or a delete, already done.
    NotFound,
    /// EntityAlreadyExists.
    AlreadyExists,
    /// DeleteConflict: something is still attached.
    DeleteConflict,
    /// AccessDenied and friends.
    AccessDenied,
    /// No credentials, or expired or invalid ones.
    Credentials,
    /// LimitExceeded: a quota; retrying will not help.
    LimitExceeded,
    /// ConcurrentModification: another change is in flight; the SDK does not retry it.
    ConcurrentModification,
    /// EntityTemporarilyUnmodifiable: AWS is still settling a recent change to the entity
    /// (DeleteLoginProfile right after CreateLoginProfile); it passes within minutes.
    TemporarilyUnmodifiable,
    /// Throttling left after the SDK's retries.
    Throttled,
    /// ConflictException: Identity Center is busy with another change to the same account.
    Conflict,
    /// The request may or may not have reached AWS (timeout, dropped connection, a 5xx after
    /// the request was sent): a create may have happened.
    Uncertain,
    /// The request was refused as invalid (bad parameter, malformed policy, password policy).
    Invalid,
    /// Anything else.
    Other,
}

/// An AWS call that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AwsError {
    pub(crate) operation: &'static str,
    pub(crate) kind: AwsErrorKind,
    pub(crate) code: String,
    pub(crate) message: String,
}

impl AwsError {
    pub(crate) fn new(
        operation: &'static str,
        kind: AwsErrorKind,
        code: &str,
        message: &str,
    ) -> Self {
        AwsError {
            operation,
            kind,
            code: code.to_string(),
            message: message.to_string(),
        }
    }

    pub(crate) fn is(&self, kind: AwsErrorKind) -> bool {
        self.kind == kind
    }

    /// Credentials missing or permission denied: exit code 3 when nothing has changed yet.
    pub(crate) fn is_denied(&self) -> bool {
        matches!(
            self.kind,
            AwsErrorKind::AccessDenied | AwsErrorKind::Credentials
        )
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed: {}", self.operation, self.code)?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        match self.kind {
            AwsErrorKind::LimitExceeded => write!(f, " (an account quota; raise it or free some)"),
            AwsErrorKind::ConcurrentModification => {
                write!(
                    f,
                    " (another change to this entity was in flight; run again)"
                )
            }
            AwsErrorKind::Credentials => write!(
                f,
                " (check AWS_PROFILE, `aws sso login`, or the AWS_* environment variables)"
            ),
            _ => Ok(()),
        }
    }
}

impl std::error::Error for AwsError {}

pub(crate) type AwsResult<T> = Result<T, AwsError>;
