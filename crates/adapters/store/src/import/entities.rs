//! Queues, points of contact, trunks and channel accounts: matched by name (or kind and
//! address), compared field by field.

use super::{ImportOp, Planner, changed, no_duplicates};
use crate::document::{ChannelDoc, PointOfContactDoc, QueueDoc, TrunkDoc};
use crate::{ChannelConfig, PointOfContact, Queue, StoreError, Trunk, validate};

impl Planner<'_, '_> {
    pub(super) fn plan_queues(&mut self, queues: &[QueueDoc]) -> Result<(), StoreError> {
        no_duplicates("queues", queues.iter().map(|q| &q.name))?;
        for (i, doc) in queues.iter().enumerate() {
            validate::name(&format!("queues[{i}].name"), &doc.name)?;
            let old = self.snap.queues.iter().find(|q| q.name == doc.name);
            let new = Queue {
                id: old.map_or_else(|| self.queue_id(), |q| q.id),
                tenant_id: self.tenant_id,
                name: doc.name.clone(),
                channel: doc.channel,
                settings: doc.settings.clone(),
            };
            let change = self.upsert(old, new, ImportOp::InsertQueue, ImportOp::UpdateQueue);
            self.summary.queues.count(change);
        }
        Ok(())
    }

    pub(super) fn plan_points_of_contact(
        &mut self,
        pocs: &[PointOfContactDoc],
    ) -> Result<(), StoreError> {
        no_duplicates(
            "points_of_contact",
            pocs.iter().map(|p| (p.kind, &p.address)),
        )?;
        for (i, doc) in pocs.iter().enumerate() {
            let at = format!("points_of_contact[{i}]");
            validate::name(&format!("{at}.address"), &doc.address)?;
            if !self.flows.contains(&doc.flow) {
                let reason = format!("no flow {:?}", doc.flow);
                return Err(StoreError::invalid(format!("{at}.flow"), reason));
            }
            let snap = self.snap;
            let old = snap
                .points_of_contact
                .iter()
                .find(|p| p.kind == doc.kind && p.address == doc.address);
            let new = PointOfContact {
                id: old.map_or_else(|| self.poc_id(), |p| p.id),
                tenant_id: self.tenant_id,
                kind: doc.kind,
                address: doc.address.clone(),
                flow: doc.flow.clone(),
                settings: doc.settings.clone(),
            };
            let change = self.upsert(
                old,
                new,
                ImportOp::InsertPointOfContact,
                ImportOp::UpdatePointOfContact,
            );
            self.summary.points_of_contact.count(change);
        }
        Ok(())
    }

    pub(super) fn plan_trunks(&mut self, trunks: &[TrunkDoc]) -> Result<(), StoreError> {
        no_duplicates("trunks", trunks.iter().map(|t| &t.name))?;
        for (i, doc) in trunks.iter().enumerate() {
            validate::name(&format!("trunks[{i}].name"), &doc.name)?;
            let old = self.snap.trunks.iter().find(|t| t.name == doc.name);
            let new = Trunk {
                id: old.map_or_else(|| self.trunk_id(), |t| t.id),
                tenant_id: self.tenant_id,
                name: doc.name.clone(),
                settings: doc.settings.clone(),
            };
            let change = self.upsert(old, new, ImportOp::InsertTrunk, ImportOp::UpdateTrunk);
            self.summary.trunks.count(change);
        }
        Ok(())
    }

    pub(super) fn plan_channels(&mut self, channels: &[ChannelDoc]) -> Result<(), StoreError> {
        no_duplicates("channels", channels.iter().map(|c| (c.kind, &c.name)))?;
        for (i, doc) in channels.iter().enumerate() {
            validate::name(&format!("channels[{i}].name"), &doc.name)?;
            let snap = self.snap;
            let old = snap
                .channels
                .iter()
                .find(|c| c.kind == doc.kind && c.name == doc.name);
            let new = ChannelConfig {
                id: old.map_or_else(|| self.channel_id(), |c| c.id),
                tenant_id: self.tenant_id,
                kind: doc.kind,
                name: doc.name.clone(),
                settings: doc.settings.clone(),
            };
            let change = self.upsert(old, new, ImportOp::InsertChannel, ImportOp::UpdateChannel);
            self.summary.channels.count(change);
        }
        Ok(())
    }

    /// Pushes an insert, an update, or nothing, and says which.
    fn upsert<T: PartialEq>(
        &mut self,
        old: Option<&T>,
        new: T,
        insert: fn(T) -> ImportOp,
        update: fn(T) -> ImportOp,
    ) -> super::Change {
        match old {
            None => {
                self.ops.push(insert(new));
                super::Change::Created
            }
            Some(old) if *old == new => changed(false),
            Some(_) => {
                self.ops.push(update(new));
                changed(true)
            }
        }
    }
}
