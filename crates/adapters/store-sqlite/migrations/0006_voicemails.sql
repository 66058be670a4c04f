-- Voicemail messages: the metadata of the WAV files the media server writes (and syncs) under
-- the recordings folder before the row is added; file is the path relative to that folder. A
-- log like the interaction history: removed with the tenant, not exported. handled_by is a
-- plain user id (no foreign key): the message outlives the user who closed it.
CREATE TABLE voicemails (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    call_id      TEXT NOT NULL,
    mailbox      TEXT NOT NULL,
    caller       TEXT NOT NULL,
    called       TEXT NOT NULL,
    file         TEXT NOT NULL,
    duration_ms  INTEGER NOT NULL CHECK (duration_ms >= 0),
    bytes        INTEGER NOT NULL CHECK (bytes >= 0),
    received_at  INTEGER NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('new', 'done')),
    handled_by   TEXT,
    handled_at   INTEGER
);
-- The list: a tenant's messages newest first (mailbox and state are filtered along the way).
CREATE INDEX voicemails_newest
    ON voicemails (tenant_id, received_at DESC, id DESC);
