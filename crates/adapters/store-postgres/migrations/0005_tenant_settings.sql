-- The tenant's settings document (reason codes…): one JSON object per tenant, kept apart from
-- the tenants row so that the app can add keys without a migration. No row reads as `{}`.
-- Exported with the tenant document (tenant.settings), removed with the tenant. No updated_at:
-- the port's set_tenant_settings is given no time, and backends never read the clock.
CREATE TABLE tenant_settings (
    tenant_id  UUID PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    settings   JSONB NOT NULL
);
