-- Canned responses: a tenant's reusable email answers, kept by name (a slug, unique in the
-- tenant). subject is NULL when the response keeps the conversation's subject. Configuration:
-- exported with the tenant document (canned_responses), removed with the tenant.
CREATE TABLE canned_responses (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    subject     TEXT,
    body        TEXT NOT NULL,
    updated_at  INTEGER NOT NULL,
    -- Also the list's order: a tenant's responses by name.
    UNIQUE (tenant_id, name)
);
