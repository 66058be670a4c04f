//! Flows: a changed document becomes a new draft (or overwrites the latest draft), published
//! when the document asks for it.

use super::{ImportOp, Planner, no_duplicates};
use crate::document::FlowDoc;
use crate::{Flow, FlowVersion, FlowVersionState, StoreError, validate};

impl Planner<'_, '_> {
    pub(super) fn plan_flows(&mut self, flows: &[FlowDoc]) -> Result<(), StoreError> {
        no_duplicates("flows", flows.iter().map(|f| &f.name))?;
        for (i, doc) in flows.iter().enumerate() {
            validate::name(&format!("flows[{i}].name"), &doc.name)?;
            self.flows.insert(doc.name.clone());
        }
        for doc in flows {
            self.plan_flow(doc);
        }
        Ok(())
    }

    fn plan_flow(&mut self, doc: &FlowDoc) {
        let existing = self.snap.flows.iter().find(|(f, _)| f.name == doc.name);
        let Some((flow, latest)) = existing else {
            let flow = Flow {
                id: self.flow_id(),
                tenant_id: self.tenant_id,
                name: doc.name.clone(),
                published_version: None,
                created_at: self.now,
            };
            self.ops.push(ImportOp::InsertFlow(flow.clone()));
            self.put_version(&flow, 1, doc);
            self.summary.flows.created += 1;
            return;
        };
        let flow = flow.clone();
        match latest {
            Some(v) if v.document == doc.document => self.maybe_publish(&flow, v, doc.publish),
            Some(v) if v.state == FlowVersionState::Draft => {
                self.put_version(&flow, v.version, doc);
                self.summary.flows.updated += 1;
            }
            other => {
                let next = other.as_ref().map_or(1, |v| v.version.saturating_add(1));
                self.put_version(&flow, next, doc);
                self.summary.flows.updated += 1;
            }
        }
    }

    /// The latest version already has the document: publish it if asked and not yet current.
    fn maybe_publish(&mut self, flow: &Flow, latest: &FlowVersion, publish: bool) {
        if !publish || flow.published_version == Some(latest.version) {
            self.summary.flows.unchanged += 1;
            return;
        }
        let version = FlowVersion {
            state: FlowVersionState::Published,
            published_at: latest.published_at.or(Some(self.now)),
            ..latest.clone()
        };
        self.push_version(version, true);
        self.summary.flows.updated += 1;
    }

    fn put_version(&mut self, flow: &Flow, version: u32, doc: &FlowDoc) {
        let (state, published_at) = if doc.publish {
            (FlowVersionState::Published, Some(self.now))
        } else {
            (FlowVersionState::Draft, None)
        };
        let v = FlowVersion {
            flow_id: flow.id,
            version,
            document: doc.document.clone(),
            state,
            created_at: self.now,
            published_at,
        };
        self.push_version(v, doc.publish);
    }

    fn push_version(&mut self, v: FlowVersion, publish: bool) {
        let (flow, version) = (v.flow_id, v.version);
        self.ops.push(ImportOp::PutFlowVersion(v));
        if publish {
            self.ops.push(ImportOp::SetPublished { flow, version });
        }
    }
}
