-- iMIP (RFC 6047): how SMTP authenticated the sender of a pending calendar message (the typed
-- verdict of relais_mail::SenderAuth, as text: '' unverified, 'aligned:<domain>' DMARC pass,
-- 'not-aligned', 'submitted:<account>'), so a replay after a restart applies the same rules as
-- the first attempt without verifying again. Keep in step with the other backend.
ALTER TABLE calendar_pending ADD COLUMN auth TEXT NOT NULL DEFAULT '';
