//! What every CSV the tool writes (batch reports, audit, list) does to its cells: a value a
//! spreadsheet would run as a formula is written so it stays text.

/// A value a spreadsheet would run as a formula gets a leading apostrophe.
pub(crate) fn escape_formula(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_escaped_for_spreadsheets() {
        assert_eq!(escape_formula("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        for risky in ["+1", "-1", "@SUM(A1)", "\tx"] {
            assert!(escape_formula(risky).starts_with('\''), "{risky}");
        }
        assert_eq!(escape_formula("alice"), "alice");
    }
}
