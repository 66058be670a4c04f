-- Where agents chose to take calls when it is not their registered phone: their desk phone
-- (kind 'desk', no number) or a number dialled through the trunk (kind 'pstn'). No row: the
-- registered phone. Kept so that a restarted node rings the same device; removed with the user.
CREATE TABLE agent_devices (
    user_id    TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('desk', 'pstn')),
    number     TEXT,
    CHECK ((kind = 'pstn') = (number IS NOT NULL))
);
