-- The history of interactions per contact: one row per (tenant, interaction id), the call side
-- written by the call task, disposition and notes by the agent's wrap-up. A wrap-up that arrives
-- before the call side creates the row with contact, channel and direction '' (it belongs to no
-- contact until the call side fills them in). A log like events: removed with the tenant, not
-- exported. agent is a plain user id (no foreign key): the history outlives the user.
CREATE TABLE interaction_history (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    channel      TEXT NOT NULL,
    direction    TEXT NOT NULL,
    contact      TEXT NOT NULL,
    started_at   INTEGER NOT NULL,
    ended_at     INTEGER,
    queue        TEXT,
    agent        TEXT,
    outcome      TEXT,
    disposition  TEXT,
    notes        TEXT,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX interaction_history_contact
    ON interaction_history (tenant_id, contact, started_at DESC);
