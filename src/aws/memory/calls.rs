//! What the tests read from the calls a model records: the order they were made in.

/// Asserts that every call starting with `earlier` was made before any call starting with
/// `later`, and that both were made; `why` says what the order keeps.
#[track_caller]
pub(crate) fn assert_before(calls: &[String], earlier: &str, later: &str, why: &str) {
    let made =
        |prefix: &str, at: Option<usize>| at.unwrap_or_else(|| panic!("no {prefix} in {calls:?}"));
    let last_earlier = made(earlier, calls.iter().rposition(|c| c.starts_with(earlier)));
    let first_later = made(later, calls.iter().position(|c| c.starts_with(later)));
    assert!(
        last_earlier < first_later,
        "{why}: every {earlier} before any {later}, in {calls:?}"
    );
}

#[cfg(test)]
mod tests {
    use super::assert_before;

    fn calls() -> Vec<String> {
        [
            "iam:CreateUser bob",
            "iam:TagUser bob",
            "iam:CreateUser carol",
        ]
        .map(String::from)
        .to_vec()
    }

    #[test]
    #[should_panic(expected = "every iam:CreateUser before any iam:TagUser")]
    fn a_later_call_of_the_earlier_kind_breaks_the_order() {
        assert_before(&calls(), "iam:CreateUser", "iam:TagUser", "users first");
    }

    #[test]
    #[should_panic(expected = "no iam:DeleteUser in")]
    fn a_call_never_made_breaks_the_order() {
        assert_before(&calls(), "iam:DeleteUser", "iam:TagUser", "never");
    }

    #[test]
    fn calls_in_order_pass() {
        assert_before(&calls(), "iam:CreateUser bob", "iam:TagUser", "bob first");
    }
}
