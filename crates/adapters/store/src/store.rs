use crate::{
    AgentDeviceRepo, ApiTokenRepo, AuditLog, BindingRepo, CannedResponseRepo, ChannelConfigRepo,
    ConversationRepo, EventLog, ExportOptions, FlowRepo, ImportSummary, InteractionHistory,
    PointOfContactRepo, QueueRepo, SessionRepo, SipSecretRepo, SkillRepo, StoreResult, TeamRepo,
    TenantDocument, TenantRepo, TenantSettingsRepo, Timestamp, TrunkRepo, UserRepo, VoicemailRepo,
};
use sb_types::TenantId;

/// Whole-tenant import and export of the configuration document.
#[async_trait::async_trait]
pub trait TenantDocuments: Send + Sync {
    /// Creates or updates the document's tenant and everything in it, in ONE transaction:
    /// matched by name, idempotent, users and objects absent from the document left alone, an
    /// existing password hash kept when the document has none, references validated before
    /// anything is written (errors name the field path), an audit entry `tenant.import` by
    /// `actor` appended.
    async fn import_tenant_document(
        &self,
        doc: &TenantDocument,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<ImportSummary>;
    /// The tenant's configuration as a document (read in one transaction).
    async fn export_tenant_document(
        &self,
        tenant: TenantId,
        options: ExportOptions,
    ) -> StoreResult<TenantDocument>;
}

/// The whole storage port. The app holds an `Arc<dyn Store>`; only the composition root names a
/// backend.
#[async_trait::async_trait]
pub trait Store:
    TenantRepo
    + UserRepo
    + SkillRepo
    + TeamRepo
    + QueueRepo
    + PointOfContactRepo
    + FlowRepo
    + TrunkRepo
    + ChannelConfigRepo
    + SessionRepo
    + ApiTokenRepo
    + EventLog
    + AuditLog
    + BindingRepo
    + SipSecretRepo
    + InteractionHistory
    + VoicemailRepo
    + ConversationRepo
    + TenantSettingsRepo
    + CannedResponseRepo
    + AgentDeviceRepo
    + TenantDocuments
    + Send
    + Sync
{
    /// The backend's name, `sqlite` or `postgres`, for logs and `/health`.
    fn backend(&self) -> &'static str;
    /// Applies pending schema migrations (idempotent; `open`/`connect` already ran it).
    async fn migrate(&self) -> StoreResult<()>;
    /// Checks that the database answers.
    async fn ping(&self) -> StoreResult<()>;
}
