-- Switchboard schema, PostgreSQL flavour. uuids are UUID, timestamps BIGINT milliseconds since
-- the Unix epoch (the same values as in SQLite), JSON is JSONB. Tenant-owned rows reference
-- their parents through (tenant_id, id) pairs, so a row can never point into another tenant.

CREATE TABLE tenants (
    id            UUID PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    cluster       TEXT NOT NULL,
    ip_allowlist  JSONB NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE users (
    id             UUID PRIMARY KEY,
    tenant_id      UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    username       TEXT NOT NULL,
    display_name   TEXT NOT NULL,
    role           TEXT NOT NULL,
    password_hash  TEXT,
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins  BIGINT NOT NULL DEFAULT 0,
    locked_until   BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (tenant_id, username),
    UNIQUE (tenant_id, id)
);

CREATE TABLE skills (
    id         UUID PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    UNIQUE (tenant_id, name),
    UNIQUE (tenant_id, id)
);

CREATE TABLE user_skills (
    tenant_id    UUID NOT NULL,
    user_id      UUID NOT NULL,
    skill_id     UUID NOT NULL,
    proficiency  BIGINT NOT NULL CHECK (proficiency BETWEEN 1 AND 10),
    PRIMARY KEY (user_id, skill_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, skill_id) REFERENCES skills (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX user_skills_skill ON user_skills (skill_id);

CREATE TABLE teams (
    id         UUID PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    UNIQUE (tenant_id, name),
    UNIQUE (tenant_id, id)
);

CREATE TABLE team_members (
    tenant_id  UUID NOT NULL,
    team_id    UUID NOT NULL,
    user_id    UUID NOT NULL,
    PRIMARY KEY (team_id, user_id),
    FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX team_members_user ON team_members (user_id);

CREATE TABLE queues (
    id         UUID PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    channel    TEXT NOT NULL,
    settings   JSONB NOT NULL,
    UNIQUE (tenant_id, name)
);

-- (kind, address) is unique across ALL tenants: inbound routing finds the tenant by it.
CREATE TABLE points_of_contact (
    id         UUID PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    address    TEXT NOT NULL,
    flow       TEXT NOT NULL,
    settings   JSONB NOT NULL,
    UNIQUE (kind, address)
);
CREATE INDEX points_of_contact_tenant ON points_of_contact (tenant_id);

CREATE TABLE flows (
    id                 UUID PRIMARY KEY,
    tenant_id          UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name               TEXT NOT NULL,
    published_version  BIGINT,
    created_at         BIGINT NOT NULL,
    UNIQUE (tenant_id, name),
    UNIQUE (tenant_id, id)
);

CREATE TABLE flow_versions (
    flow_id       UUID NOT NULL REFERENCES flows (id) ON DELETE CASCADE,
    version       BIGINT NOT NULL,
    document      JSONB NOT NULL,
    state         TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    published_at  BIGINT,
    PRIMARY KEY (flow_id, version)
);

CREATE TABLE trunks (
    id         UUID PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    settings   JSONB NOT NULL,
    UNIQUE (tenant_id, name)
);

CREATE TABLE channel_configs (
    id         UUID PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    settings   JSONB NOT NULL,
    UNIQUE (tenant_id, kind, name)
);

CREATE TABLE sessions (
    id          TEXT PRIMARY KEY,
    tenant_id   UUID NOT NULL,
    user_id     UUID NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    ip          TEXT,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id          UUID PRIMARY KEY,
    tenant_id   UUID NOT NULL,
    user_id     UUID NOT NULL,
    name        TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT,
    UNIQUE (user_id, name),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX api_tokens_tenant ON api_tokens (tenant_id);

-- Identity: a seq is never reused. Appends serialise on an advisory lock (see events.rs), so
-- seq order is commit order and a reader paging with after_seq never skips a late commit.
CREATE TABLE events (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    at         BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    subject    TEXT NOT NULL,
    payload    JSONB NOT NULL
);
CREATE INDEX events_tenant_seq ON events (tenant_id, seq);

CREATE TABLE audit_log (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    at         BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    ip         TEXT,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL,
    details    JSONB NOT NULL
);
CREATE INDEX audit_log_tenant_id ON audit_log (tenant_id, id);
