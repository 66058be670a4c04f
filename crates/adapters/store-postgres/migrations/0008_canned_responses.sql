-- Canned responses: a tenant's reusable email answers, kept by name (a slug, unique in the
-- tenant). subject is NULL when the response keeps the conversation's subject. Configuration:
-- exported with the tenant document (canned_responses), removed with the tenant. Names compare
-- bytewise (COLLATE "C", as SQLite compares text), so `-` and `_` sort the same in both
-- backends whatever the database's collation.
CREATE TABLE canned_responses (
    id          UUID PRIMARY KEY,
    tenant_id   UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name        TEXT COLLATE "C" NOT NULL,
    subject     TEXT,
    body        TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    -- Also the list's order: a tenant's responses by name.
    UNIQUE (tenant_id, name)
);
