//! Domain validation of a tenant configuration document.

use sb_store::TenantDocument;
use std::collections::BTreeSet;
use std::fmt;

/// One problem in a document, with the path of the field at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Field path such as `flows[0].document.blocks.menu.next`.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

fn problem(field: String, message: impl Into<String>) -> Problem {
    Problem { field, message: message.into() }
}

/// Every domain problem of `doc` (empty when it may be imported).
pub fn validate_document(doc: &TenantDocument) -> Vec<Problem> {
    let _flows: BTreeSet<&str> = doc.flows.iter().map(|f| f.name.as_str()).collect();
    Vec::new()
}
