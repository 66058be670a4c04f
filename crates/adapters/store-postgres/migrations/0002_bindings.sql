-- SIP registrar bindings: one row per (tenant, AOR, contact). path is a JSON array of strings.
CREATE TABLE bindings (
    tenant_id   UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    aor         TEXT NOT NULL,
    contact     TEXT NOT NULL,
    expires_at  BIGINT NOT NULL,
    call_id     TEXT NOT NULL,
    cseq        BIGINT NOT NULL,
    path        JSONB NOT NULL,
    source      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, aor, contact)
);
CREATE INDEX bindings_expiry ON bindings (expires_at);
