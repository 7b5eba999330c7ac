//! Every SDK error converted, once, into the tool's own `AwsError`: the operation, AWS's error
//! code and message, and the kind the tool acts on. Used by the IAM and Identity Center clients.

use crate::aws::{AwsError, AwsErrorKind, AwsResult};
use aws_sdk_iam::config::http::HttpResponse;
use aws_sdk_iam::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// Converts an SDK error into the tool's own, classifying it by AWS's error code.
pub(crate) fn convert<E>(operation: &'static str, err: SdkError<E, HttpResponse>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match &err {
        SdkError::ServiceError(context) => {
            let status = format!("HTTP {}", context.raw().status().as_u16());
            let code = context.err().code().unwrap_or(&status);
            let message = context.err().message().unwrap_or_default();
            let kind = match kind_of_code(code) {
                AwsErrorKind::Other if context.raw().status().is_server_error() => {
                    AwsErrorKind::Uncertain
                }
                kind => kind,
            };
            AwsError::new(operation, kind, code, message)
        }
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            let (kind, message) = plainly(&DisplayErrorContext(&err).to_string());
            let kind = kind.unwrap_or(AwsErrorKind::Uncertain);
            tracing::debug!(error = %DisplayErrorContext(&err), "no answer");
            AwsError::new(operation, kind, "NoAnswer", &message)
        }
        _ => {
            let (kind, message) = plainly(&DisplayErrorContext(&err).to_string());
            let kind = kind.unwrap_or(AwsErrorKind::Other);
            tracing::debug!(error = %DisplayErrorContext(&err), "request not sent");
            AwsError::new(operation, kind, "RequestNotSent", &message)
        }
    }
}

/// The SDK's account of a call that got no answer (a long chain of nested errors) as a line
/// that says what happened and what to do; the whole chain is logged with `-vv`.
fn plainly(chain: &str) -> (Option<AwsErrorKind>, String) {
    let lower = chain.to_ascii_lowercase();
    if lower.contains("credential") {
        return (
            Some(AwsErrorKind::Credentials),
            "no AWS credentials were found (environment, profile, SSO or instance role); with a profile, pass --profile NAME".to_string(),
        );
    }
    if lower.contains("connection refused") || lower.contains("tcp connect error") {
        return (
            None,
            "could not connect to AWS (connection refused): is the endpoint running? Check --endpoint-url or AWS_ENDPOINT_URL, and the network".to_string(),
        );
    }
    if lower.contains("dns error") || lower.contains("failed to lookup address") {
        return (
            None,
            "could not resolve the AWS endpoint's host name: check --region, --endpoint-url or AWS_ENDPOINT_URL, and the network".to_string(),
        );
    }
    if lower.contains("timeout") || lower.contains("timed out") {
        return (
            None,
            "AWS did not answer in time (--call-timeout): check the network, then run it again"
                .to_string(),
        );
    }
    if [
        "client error",
        "connection reset",
        "connection closed",
        "broken pipe",
        "incomplete message",
        "incompletemessage",
    ]
    .iter()
    .any(|lost| lower.contains(lost))
    {
        return (
            None,
            "the connection to AWS was lost before it answered: the request may have reached AWS, so a change may or may not have been made".to_string(),
        );
    }
    let first = chain.split(" (").next().unwrap_or(chain);
    (None, first.chars().take(300).collect())
}

fn kind_of_code(code: &str) -> AwsErrorKind {
    match code {
        "NoSuchEntity" | "NoSuchEntityException" | "ResourceNotFoundException" => {
            AwsErrorKind::NotFound
        }
        "ConflictException" => AwsErrorKind::Conflict,
        "EntityAlreadyExists" | "EntityAlreadyExistsException" => AwsErrorKind::AlreadyExists,
        "DeleteConflict" | "DeleteConflictException" => AwsErrorKind::DeleteConflict,
        "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" => {
            AwsErrorKind::AccessDenied
        }
        "InvalidClientTokenId"
        | "ExpiredToken"
        | "ExpiredTokenException"
        | "SignatureDoesNotMatch"
        | "InvalidAccessKeyId"
        | "MissingAuthenticationToken"
        | "UnrecognizedClientException" => AwsErrorKind::Credentials,
        "LimitExceeded" | "LimitExceededException" => AwsErrorKind::LimitExceeded,
        "ConcurrentModification" | "ConcurrentModificationException" => {
            AwsErrorKind::ConcurrentModification
        }
        "EntityTemporarilyUnmodifiable" | "EntityTemporarilyUnmodifiableException" => {
            AwsErrorKind::TemporarilyUnmodifiable
        }
        "Throttling" | "ThrottlingException" | "RequestLimitExceeded" => AwsErrorKind::Throttled,
        "InvalidInput"
        | "MalformedPolicyDocument"
        | "PasswordPolicyViolation"
        | "InvalidAuthenticationCode"
        | "ValidationError"
        | "ValidationException" => AwsErrorKind::Invalid,
        _ => AwsErrorKind::Other,
    }
}

/// `Ok(None)` for NoSuchEntity, the converted error otherwise.
pub(super) fn absent_if_not_found<T>(result: Result<T, AwsError>) -> AwsResult<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(err) if err.is(AwsErrorKind::NotFound) => Ok(None),
        Err(err) => Err(err),
    }
}

/// Policy documents come back URL-encoded from AWS (and plain from some emulators).
pub(super) fn parse_policy_document(
    operation: &'static str,
    text: &str,
) -> AwsResult<serde_json::Value> {
    serde_json::from_str(text)
        .or_else(|_| {
            let decoded = percent_encoding::percent_decode_str(text).decode_utf8_lossy();
            serde_json::from_str(&decoded)
        })
        .map_err(|err| {
            AwsError::new(
                operation,
                AwsErrorKind::Other,
                "BadDocument",
                &err.to_string(),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_map_to_the_kinds_the_tool_acts_on() {
        assert_eq!(kind_of_code("NoSuchEntity"), AwsErrorKind::NotFound);
        assert_eq!(kind_of_code("DeleteConflict"), AwsErrorKind::DeleteConflict);
        assert_eq!(kind_of_code("AccessDenied"), AwsErrorKind::AccessDenied);
        assert_eq!(kind_of_code("ExpiredToken"), AwsErrorKind::Credentials);
        assert_eq!(kind_of_code("LimitExceeded"), AwsErrorKind::LimitExceeded);
        assert_eq!(
            kind_of_code("ConcurrentModification"),
            AwsErrorKind::ConcurrentModification
        );
        assert_eq!(kind_of_code("ServiceFailure"), AwsErrorKind::Other);
    }

    #[test]
    fn policy_documents_are_read_encoded_or_plain() {
        let plain = r#"{"Version":"2012-10-17"}"#;
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%7D";
        assert_eq!(
            parse_policy_document("op", plain).unwrap(),
            parse_policy_document("op", encoded).unwrap()
        );
    }

    #[test]
    fn a_call_without_an_answer_says_what_to_do_in_a_line() {
        let (kind, message) = plainly(
            "dispatch failure: other: no credentials in the property bag (CredentialsNotLoaded(...))",
        );
        assert_eq!(kind, Some(AwsErrorKind::Credentials));
        assert!(message.contains("--profile NAME"), "{message}");
        let (kind, message) = plainly(
            "dispatch failure: io error: client error (Connect): tcp connect error: Connection refused (os error 111) (DispatchFailure(DispatchFailure { source: ConnectorError { kind: Io } }))",
        );
        assert_eq!(kind, None);
        assert!(message.contains("is the endpoint running"), "{message}");
        let (kind, message) = plainly("dispatch failure: other: client error (SendRequest)");
        assert_eq!(kind, None, "stays uncertain");
        assert!(
            message.contains("may or may not have been made"),
            "{message}"
        );
        let (_, message) = plainly("something new (Wrapped { lots: of, detail: here })");
        assert_eq!(message, "something new");
    }
}
