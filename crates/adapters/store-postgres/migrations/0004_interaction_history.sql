-- The history of interactions per contact: one row per (tenant, interaction id), the call side
-- written by the call task, disposition and notes by the agent's wrap-up. A wrap-up that arrives
-- before the call side creates the row with contact, channel and direction '' (it belongs to no
-- contact until the call side fills them in). A log like events: removed with the tenant, not
-- exported. agent is a plain user id (no foreign key): the history outlives the user. ids
-- compare bytewise ("C"), so ties on started_at order the same as in SQLite.
CREATE TABLE interaction_history (
    tenant_id    UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id           TEXT COLLATE "C" NOT NULL,
    channel      TEXT NOT NULL,
    direction    TEXT NOT NULL,
    contact      TEXT NOT NULL,
    started_at   BIGINT NOT NULL,
    ended_at     BIGINT,
    queue        TEXT,
    agent        UUID,
    outcome      TEXT,
    disposition  TEXT,
    notes        TEXT,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX interaction_history_contact
    ON interaction_history (tenant_id, contact, started_at DESC);
