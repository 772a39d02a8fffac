//! The mail domain: what every protocol does with messages, written once.
//!
//! - `summary`: MIME analysis done once at delivery and stored with the message (envelope,
//!   body structure with byte offsets, preview, search text), so no front-end re-parses MIME.
//! - `binary`: binary MIME parts stored base64-encoded (an IMAP literal8 APPEND).
//! - `deliver`: the one entry point that takes a message from any protocol (SMTP inbound and
//!   submission now; ActiveSync SendMail, EWS, JMAP, iMIP later), stores it for local
//!   recipients and queues it for remote ones, in one durable transaction.
//! - `headers`: trace and identity headers (Received, Return-Path, Message-ID, Date).
//! - `mbox`: mbox files (mboxrd, flags in Status/X-Status/X-Keywords) for export and import.
//! - `mailbox`: mailbox operations every front-end shares (append, …), one transaction each.
//! - `search`: one query type for every front-end, evaluated by the store's index in SQL.
//! - `recent`: IMAP's \Recent, claimed by one session per message (RFC 3501 §2.3.2).
//! - `sender_auth`: SMTP's verdict on who sent a message, typed, for iMIP.
//! - `compose`: the one MIME builder for messages Relais writes (DSNs, iMIP, vacation replies),
//!   RFC 2047-encoded headers included.
//! - `dsn`: delivery status notifications (RFC 3464).
//! - `thread`: the thread a message joins, decided when it is stored.
//! - `identity`: the identities a user sends as (JMAP Identity), within the send-as rules.
//! - `vacation`: the out-of-office setting and the replies it sends at delivery (RFC 3834).
//! - `submission`: `Mailer::submit`, the one entry point for a message a user sends (envelope
//!   and originator checked against send-as / send-on-behalf, Message-ID and Date, delivery and
//!   the queue, the Sent copy).
//!
//! The outbound queue's rows live in the store; the SMTP crate runs the queue.

pub mod binary;
pub mod compose;
pub mod deliver;
pub mod dsn;
pub mod email_submission;
pub mod headers;
pub mod identity;
pub mod indexer;
pub mod mailbox;
pub mod mbox;
pub mod outbound;
pub mod recent;
pub mod search;
pub mod sender_auth;
pub mod submission;
pub mod summary;
pub mod thread;
pub mod vacation;
pub mod view;

pub use deliver::{CalendarMail, Destination, Envelope, EnvelopeRecipient, MailError, Mailer};
pub use sender_auth::SenderAuth;
pub use submission::{SentCopy, SubmitError, SubmitOptions, Submitted};
