-- Users' SIP digest secrets: HA1 values per RFC 8760 hash family, for one realm. Removed with
-- the user.
CREATE TABLE sip_secrets (
    user_id         TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL,
    realm           TEXT NOT NULL,
    ha1_md5         TEXT NOT NULL,
    ha1_sha256      TEXT NOT NULL,
    ha1_sha512_256  TEXT NOT NULL,
    updated_at      INTEGER NOT NULL,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
