-- SIP registrar bindings: one row per (tenant, AOR, contact). path is a JSON array of strings.
CREATE TABLE bindings (
    tenant_id   TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    aor         TEXT NOT NULL,
    contact     TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    call_id     TEXT NOT NULL,
    cseq        INTEGER NOT NULL,
    path        TEXT NOT NULL,
    source      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, aor, contact)
);
CREATE INDEX bindings_expiry ON bindings (expires_at);
