-- Devices that sync an account (ActiveSync today): who they are, the policy key they hold, a
-- wipe asked for by an administrator, and each collection's sync state (the key the device
-- must send next, what it has been sent, and the state before it so that a response lost on
-- the way can be asked for again). Keep in step with the other backend.
CREATE TABLE devices (
    account_id INTEGER NOT NULL,
    device_id TEXT NOT NULL,
    device_type TEXT NOT NULL,
    -- Model, OS, friendly name, user agent, ... as the device described itself (JSON).
    info TEXT NOT NULL,
    -- The policy key the device acknowledged (0: none), and the one handed out for it to
    -- acknowledge (0: none outstanding).
    policy_key INTEGER NOT NULL,
    pending_key INTEGER NOT NULL,
    -- 0 none, 1 wipe asked for, 2 account-only wipe asked for, 3 wiped, 4 account wiped.
    wipe INTEGER NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    PRIMARY KEY (account_id, device_id)
);
CREATE TABLE device_sync (
    account_id INTEGER NOT NULL,
    device_id TEXT NOT NULL,
    -- A collection's id, or a name such as 'hierarchy' for the folder list.
    collection TEXT NOT NULL,
    sync_key INTEGER NOT NULL,
    state TEXT NOT NULL,
    prev_key INTEGER NOT NULL,
    prev_state TEXT NOT NULL,
    PRIMARY KEY (account_id, device_id, collection)
);
