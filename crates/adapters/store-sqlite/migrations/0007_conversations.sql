-- Digital conversations (email threads; chat and SMS later), their messages, and the cursor of
-- each polled mailbox. Data, not configuration: removed with the tenant, not exported.
--
-- A conversation references its channel account through (tenant_id, channel_id) with NO ACTION:
-- deleting a channel account that holds conversations fails (the port reports Conflict), so
-- customer mail is never lost with its mailbox; deleting the tenant removes both (the check runs
-- at the end of the statement). queue_id, agent_id and author are plain ids (no foreign key):
-- the conversation outlives the queue or user. Messages reference their conversation through
-- (tenant_id, channel_id, conversation_id), so a message can never sit in another tenant's or
-- another channel's conversation.

-- Lets tenant-owned rows reference a channel account through (tenant_id, id).
CREATE UNIQUE INDEX channel_configs_tenant_id ON channel_configs (tenant_id, id);

CREATE TABLE conversations (
    id             TEXT PRIMARY KEY,
    tenant_id      TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    channel_id     TEXT NOT NULL,
    kind           TEXT NOT NULL,
    customer       TEXT NOT NULL,
    customer_name  TEXT NOT NULL,
    subject        TEXT NOT NULL,
    token          TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('open', 'closed')),
    queue_id       TEXT,
    agent_id       TEXT,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    message_count  INTEGER NOT NULL CHECK (message_count >= 0),
    UNIQUE (tenant_id, token),
    -- The messages' parent key; also serves the deletion check of a channel account.
    UNIQUE (tenant_id, channel_id, id),
    FOREIGN KEY (tenant_id, channel_id) REFERENCES channel_configs (tenant_id, id)
);
-- The lists: a tenant's conversations most recently updated first, all or in one state.
CREATE INDEX conversations_newest
    ON conversations (tenant_id, updated_at DESC, id DESC);
CREATE INDEX conversations_state_newest
    ON conversations (tenant_id, state, updated_at DESC, id DESC);

CREATE TABLE conversation_messages (
    id               TEXT PRIMARY KEY,
    conversation_id  TEXT NOT NULL,
    tenant_id        TEXT NOT NULL,
    channel_id       TEXT NOT NULL,
    direction        TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound', 'note')),
    mailbox_key      TEXT,
    message_id       TEXT,
    sender           TEXT NOT NULL,
    recipients       TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body_text        TEXT NOT NULL,
    raw_file         TEXT,
    attachments      TEXT NOT NULL,
    too_large        BOOLEAN NOT NULL,
    malformed        BOOLEAN NOT NULL,
    author           TEXT,
    created_at       INTEGER NOT NULL,
    acknowledged     BOOLEAN NOT NULL DEFAULT FALSE,
    FOREIGN KEY (tenant_id, channel_id, conversation_id)
        REFERENCES conversations (tenant_id, channel_id, id) ON DELETE CASCADE
);
-- A message fetched from a mailbox is stored once.
CREATE UNIQUE INDEX conversation_messages_mailbox_key
    ON conversation_messages (channel_id, mailbox_key) WHERE mailbox_key IS NOT NULL;
-- Threading (In-Reply-To, References) and duplicates by Message-ID.
CREATE INDEX conversation_messages_message_id
    ON conversation_messages (tenant_id, message_id);
-- A conversation's messages, oldest first (and the foreign key's child side).
CREATE INDEX conversation_messages_oldest
    ON conversation_messages (conversation_id, created_at, id);
-- What is still to be acknowledged on the mail server.
CREATE INDEX conversation_messages_unacknowledged
    ON conversation_messages (channel_id, created_at, id)
    WHERE mailbox_key IS NOT NULL AND NOT acknowledged;

-- Where each polled mailbox's poller resumes (opaque to the store: IMAP UIDVALIDITY and last
-- UID, POP3 UIDLs…), written in the transaction that stores the batch fetched up to it.
CREATE TABLE mailbox_cursors (
    channel_id  TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    cursor      TEXT NOT NULL,
    updated_at  INTEGER NOT NULL,
    FOREIGN KEY (tenant_id, channel_id) REFERENCES channel_configs (tenant_id, id)
        ON DELETE CASCADE
);
