//! What `templates rightsize` prints for people: the period and entities read, the services
//! used and not, each unused grant with where it stands, and the narrowed copy.

use crate::rightsize::Rightsizing;
use std::path::PathBuf;

pub(crate) fn text(found: &Rightsizing, written: &[PathBuf], asked_to_write: bool) -> String {
    let mut out = format!(
        "Right-sizing {} from IAM's last-accessed data of {}, the last {} days:\n",
        found.template,
        found.entities.join(" and "),
        found.days
    );
    for (service, at) in &found.used_services {
        out.push_str(&format!("  used          {service} (last {at})\n"));
    }
    if !found.unused_services.is_empty() {
        out.push_str(&format!(
            "  unused        {}: granted, not used in {} days\n",
            found.unused_services.join(", "),
            found.days
        ));
    }
    if !found.not_reported.is_empty() {
        out.push_str(&format!(
            "  not reported  {}: IAM said nothing of them, so they are kept\n",
            found.not_reported.join(", ")
        ));
    }
    if found.unused.is_empty() {
        out.push_str(&format!(
            "Nothing to narrow: everything judged was used in the last {} days.\n",
            found.days
        ));
        return out;
    }
    out.push_str("\nGranted and not used:\n");
    let width = found
        .unused
        .iter()
        .map(|u| u.action.len())
        .max()
        .unwrap_or(0);
    for unused in &found.unused {
        out.push_str(&format!(
            "  {:<width$}  {}  ({})\n",
            unused.action, unused.granted_by, unused.why
        ));
    }
    out.push('\n');
    for narrowed in &found.narrowed {
        if narrowed.document.is_none() {
            out.push_str(&format!(
                "Policy {}: nothing of it was used; drop it from the template.\n",
                narrowed.policy
            ));
        }
    }
    if asked_to_write {
        for path in written {
            out.push_str(&format!(
                "Wrote {} (review it, then copy it into the set).\n",
                path.display()
            ));
        }
    } else {
        out.push_str("--write DIR writes the narrowed policies, for review.\n");
    }
    out
}
