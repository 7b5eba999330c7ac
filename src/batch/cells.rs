//! Reading a CSV file of people (a batch file, a sync export, review decisions): the header's
//! columns checked, then each record's cells read by column, with the rules every such file's
//! cells keep (a required value, yes or no, a `;` list) and the file, line and column on
//! every error; and what a file held (`Contents`), to tell whether it changed between two
//! reads.

use crate::error::InputError;
use crate::iam::request::PersonDetails;
use crate::names;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::hash::Hasher;
use std::io::{Read, Seek};
use std::path::Path;

/// The column positions of a file.
pub(crate) struct Header {
    columns: HashMap<String, usize>,
}

impl Header {
    fn get<'r>(&self, record: &'r csv::StringRecord, column: &str) -> &'r str {
        self.columns
            .get(column)
            .and_then(|index| record.get(*index))
            .unwrap_or("")
    }
}

/// One record's cells, read by column name: each error names the file, the line and the
/// column, and the columns read are remembered, so a value in any other can be said to be
/// ignored.
pub(crate) struct Cells<'a> {
    header: &'a Header,
    record: &'a csv::StringRecord,
    file: &'a str,
    /// The line the record starts on.
    pub(crate) line: u64,
    read: RefCell<BTreeSet<&'static str>>,
}

impl<'a> Cells<'a> {
    pub(crate) fn new(header: &'a Header, record: &'a csv::StringRecord, file: &'a str) -> Self {
        Cells {
            header,
            record,
            file,
            line: record.position().map_or(0, csv::Position::line),
            read: RefCell::default(),
        }
    }

    /// A bad value in `column` of this record.
    pub(crate) fn error(&self, column: &str, reason: impl Into<String>) -> InputError {
        InputError::new(column, reason)
            .in_file(self.file)
            .at_line(self.line)
    }

    /// An error of a request built from this record, in the column its field came from; a
    /// tag's or an account set's error keeps naming which.
    pub(crate) fn relocated(&self, err: InputError) -> InputError {
        let detail = if err.field.starts_with("tag ") || err.field.starts_with("account_sets") {
            format!("{}: {}", err.field, err.reason)
        } else {
            err.reason
        };
        self.error(&column_of(&err.field), detail)
    }

    /// The cell's text (empty when the file has no such column).
    pub(crate) fn get(&self, column: &'static str) -> String {
        self.read.borrow_mut().insert(column);
        self.header.get(self.record, column).to_string()
    }

    /// The cell's text, `None` when empty.
    pub(crate) fn optional(&self, column: &'static str) -> Option<String> {
        Some(self.get(column)).filter(|value| !value.is_empty())
    }

    /// The cell's text, which must not be empty.
    pub(crate) fn required(&self, column: &'static str) -> Result<String, InputError> {
        self.optional(column)
            .ok_or_else(|| self.error(column, "is missing"))
    }

    /// `yes` or `no` (any case); empty is no.
    pub(crate) fn yes_or_no(&self, column: &'static str) -> Result<bool, InputError> {
        match self.get(column).to_ascii_lowercase().as_str() {
            "" | "no" => Ok(false),
            "yes" => Ok(true),
            other => Err(self.error(column, format!("{} is not yes or no", names::shown(other)))),
        }
    }

    /// `a;b;c`, each trimmed, empty ones left out: tags (`k=v;k=v`) and accounts.
    pub(crate) fn list(&self, column: &'static str) -> Vec<String> {
        self.get(column)
            .split(';')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// The person's details, from the columns a batch file and an HR export both name them in:
    /// display_name, email, ticket, tags, console and until.
    pub(crate) fn person_details(&self) -> Result<PersonDetails, InputError> {
        Ok(PersonDetails {
            display_name: self.optional("display_name"),
            email: self.optional("email"),
            ticket: self.optional("ticket"),
            tags: self.list("tags"),
            console: self.yes_or_no("console")?,
            until: self.optional("until"),
        })
    }

    /// Those of `columns` that hold a value but were not read.
    pub(crate) fn unread(&self, columns: &[&'static str]) -> Vec<&'static str> {
        let read = self.read.borrow();
        columns
            .iter()
            .copied()
            .filter(|column| !read.contains(column))
            .filter(|column| !self.header.get(self.record, column).trim().is_empty())
            .collect()
    }
}

/// What a file held when it was read: its length and a hash of its bytes, so that a later
/// read in the same run can tell whether it still holds the same.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Contents {
    len: u64,
    hash: u64,
}

impl Contents {
    /// Reads `handle` to its end, then rewinds it.
    pub(crate) fn of(handle: &mut File) -> std::io::Result<Self> {
        let mut hasher = std::hash::DefaultHasher::new();
        let mut chunk = vec![0; 64 * 1024];
        let mut len = 0;
        loop {
            let read = handle.read(&mut chunk)?;
            if read == 0 {
                break;
            }
            hasher.write(&chunk[..read]);
            len += read as u64;
        }
        handle.rewind()?;
        Ok(Contents {
            len,
            hash: hasher.finish(),
        })
    }
}

/// Opens the file at `path` for reading; `file` names it in the error.
pub(crate) fn open_file(path: &Path, file: &str) -> Result<File, InputError> {
    File::open(path).map_err(|err| unreadable(file, &err))
}

/// `file` could not be opened or read.
pub(crate) fn unreadable(file: &str, err: &std::io::Error) -> InputError {
    InputError::new("file", format!("cannot read it: {err}")).in_file(file)
}

/// Reads the header of the CSV file open in `handle`: it may name `known` columns (in any
/// order) and must name `username`.
pub(crate) fn read_header(
    handle: File,
    file: &str,
    known: &[&str],
) -> Result<(csv::Reader<File>, Header), InputError> {
    // Lines end at \n: the \r of a CRLF file is trimmed with the field's white space. (With
    // the default CRLF terminator, the csv crate counts the lines of CRLF files one short.)
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(handle);
    let names = reader
        .headers()
        .map_err(|err| {
            InputError::new("header", err.to_string())
                .in_file(file)
                .at_line(1)
        })?
        .clone();
    let mut columns = HashMap::new();
    for (index, name) in names.iter().enumerate() {
        let name = name.to_ascii_lowercase();
        if !known.contains(&name.as_str()) {
            return Err(InputError::new(
                format!("column {name:?}"),
                format!("unknown column; the columns are {}", known.join(", ")),
            )
            .in_file(file)
            .at_line(1));
        }
        if columns.insert(name.clone(), index).is_some() {
            return Err(InputError::new(format!("column {name:?}"), "appears twice")
                .in_file(file)
                .at_line(1));
        }
    }
    if !columns.contains_key("username") {
        return Err(InputError::new("header", "there is no username column")
            .in_file(file)
            .at_line(1));
    }
    Ok((reader, Header { columns }))
}

/// The column an error of the single commands' checks belongs to.
pub(crate) fn column_of(field: &str) -> String {
    let field = field.trim_start_matches("--");
    if field.starts_with("tag") {
        "tags".to_string()
    } else if field.starts_with("account") {
        "accounts".to_string()
    } else {
        field.replace('-', "_")
    }
}

/// Reads each row of the CSV file at `path` (its header checked as [`read_header`] checks it),
/// giving `each` its cells. Every problem goes to `problems`, in the
/// file's order, and the reading goes on: the file's own, a row that cannot be read (more
/// fields than the header, bytes that are not UTF-8), named by file and line, and what `each`
/// finds.
pub(crate) fn for_each_record(
    path: &Path,
    file: &str,
    known: &[&str],
    problems: &mut Vec<InputError>,
    each: impl FnMut(&Cells) -> Result<(), InputError>,
) {
    match open_file(path, file) {
        Ok(handle) => for_each_record_in(handle, file, known, problems, each),
        Err(problem) => problems.push(problem),
    }
}

/// [`for_each_record`] of the file open in `handle`.
pub(crate) fn for_each_record_in(
    handle: File,
    file: &str,
    known: &[&str],
    problems: &mut Vec<InputError>,
    mut each: impl FnMut(&Cells) -> Result<(), InputError>,
) {
    let (mut reader, header) = match read_header(handle, file, known) {
        Ok(opened) => opened,
        Err(problem) => return problems.push(problem),
    };
    for record in reader.records() {
        let outcome = record
            .map_err(|err| {
                let line = err.position().map_or(0, csv::Position::line);
                InputError::new("row", err.to_string())
                    .in_file(file)
                    .at_line(line)
            })
            .and_then(|record| each(&Cells::new(&header, &record, file)));
        if let Err(problem) = outcome {
            problems.push(problem);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[&str] = &["username", "template", "console", "tags", "email"];

    /// Each record of `text` (a file named `people.csv`) given to `each`; the problems found.
    fn read(text: &str, mut each: impl FnMut(&Cells) -> Result<(), InputError>) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("people.csv");
        std::fs::write(&path, text).unwrap();
        let mut problems = Vec::new();
        for_each_record(&path, "people.csv", KNOWN, &mut problems, |cells| {
            each(cells)
        });
        problems.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn each_error_names_the_file_the_line_and_the_column() {
        let problems = read(
            "username,template,console\nalice,,yes\nbob,developer,maybe\ncarol,developer,No\n",
            |cells| {
                cells.required("username")?;
                cells.required("template")?;
                cells.yes_or_no("console")?;
                Ok(())
            },
        );
        assert_eq!(
            problems,
            [
                "people.csv:2: template: is missing",
                "people.csv:3: console: \"maybe\" is not yes or no",
            ]
        );
    }

    #[test]
    fn lists_drop_blank_items_and_unread_values_are_found() {
        let mut seen = Vec::new();
        read(
            "username,tags,email\nalice, team=a ;; cost=b ;,alice@example.com\nbob,,\n",
            |cells| {
                seen.push((cells.list("tags"), cells.unread(KNOWN)));
                Ok(())
            },
        );
        assert_eq!(
            seen,
            [
                (
                    vec!["team=a".to_string(), "cost=b".to_string()],
                    vec!["username", "email"]
                ),
                (vec![], vec!["username"]),
            ]
        );
    }

    #[test]
    fn a_requests_error_goes_to_the_column_its_field_came_from() {
        let problems = read("username,tags\nalice,x\n", |cells| {
            Err(cells.relocated(InputError::new("tag \"x\"", "must be KEY=VALUE")))
        });
        assert_eq!(
            problems,
            ["people.csv:2: tags: tag \"x\": must be KEY=VALUE"]
        );
    }

    #[test]
    fn an_unknown_column_is_refused_on_line_one() {
        let problems = read("username,shoe_size\nalice,9\n", |_| Ok(()));
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].starts_with("people.csv:1: column \"shoe_size\": unknown column"),
            "{problems:?}"
        );
    }
}
