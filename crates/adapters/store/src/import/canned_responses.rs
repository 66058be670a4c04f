//! Canned responses: matched by name; a changed subject or body replaces them (with the
//! import's time as `updated_at`), an identical one is left as it is.

use super::{ImportOp, Planner, changed, no_duplicates};
use crate::document::{CannedResponseDoc, Change};
use crate::{CannedResponse, CannedResponseSpec, StoreError};

impl Planner<'_, '_> {
    pub(super) fn plan_canned_responses(
        &mut self,
        docs: &[CannedResponseDoc],
    ) -> Result<(), StoreError> {
        no_duplicates("canned_responses", docs.iter().map(|r| &r.name))?;
        for (i, doc) in docs.iter().enumerate() {
            let spec = CannedResponseSpec {
                name: doc.name.clone(),
                subject: doc.subject.clone(),
                body: doc.body.clone(),
            };
            spec.validate()
                .map_err(|e| e.within(&format!("canned_responses[{i}]")))?;
            let change = self.put_canned_response(spec);
            self.summary.canned_responses.count(change);
        }
        Ok(())
    }

    /// Pushes the write of `spec` unless the stored response says the same, and says which.
    fn put_canned_response(&mut self, spec: CannedResponseSpec) -> Change {
        let snap = self.snap;
        let old = snap.canned_responses.iter().find(|r| r.name == spec.name);
        if let Some(old) = old
            && old.subject == spec.subject
            && old.body == spec.body
        {
            return changed(false);
        }
        let response = CannedResponse {
            id: old.map_or_else(|| self.id(), |r| r.id),
            tenant_id: self.tenant_id,
            name: spec.name,
            subject: spec.subject,
            body: spec.body,
            updated_at: self.now,
        };
        self.ops.push(ImportOp::PutCannedResponse(response));
        if old.is_some() {
            changed(true)
        } else {
            Change::Created
        }
    }
}
