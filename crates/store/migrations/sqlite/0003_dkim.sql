-- DKIM signing keys per domain (RFC 6376). Keep in step with ../postgres/0003_dkim.sql.
CREATE TABLE dkim_keys (
    domain TEXT NOT NULL,
    selector TEXT NOT NULL,
    -- "rsa-sha256"
    algorithm TEXT NOT NULL,
    -- PKCS#1 DER private key.
    private_key BLOB NOT NULL,
    created INTEGER NOT NULL,
    PRIMARY KEY (domain, selector)
);
