-- Mobile device policies (ActiveSync Provision): one per domain, and one per account whose
-- settings override the domain's. The settings are a JSON object of the MS-ASPROV element
-- names an administrator set (relais-directory's `policy` gives them meaning). Keep in step
-- with the other backend.
CREATE TABLE device_policies (
    -- 1: a domain's (owner = domains.id), 2: an account's (owner = principals.id).
    scope BIGINT NOT NULL,
    owner BIGINT NOT NULL,
    settings TEXT NOT NULL,
    PRIMARY KEY (scope, owner)
);
