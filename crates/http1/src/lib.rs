//! HTTP/1.1 framing for the requests the server answers without hyper — ActiveSync's long polls
//! and JMAP's EventSource streams, whose connections would otherwise keep hyper's read and write
//! buffers (16 KiB) while they wait.
//! Pure: bytes in, decisions and bytes out; the connection loop is the binary's
//! (`crates/relais/src/http_longpoll.rs`).
//!
//! [`head::parse`] reads a request head strictly (RFC 9112 §2–§6, through `httparse`) and
//! refuses what two HTTP implementations could read differently — the shapes of request
//! smuggling — instead of guessing; [`head::Head::simple`] says whether a head is simple enough
//! to be served here at all (anything else goes to hyper with the bytes already read);
//! [`answer`] writes a status line and headers with the framing this crate owns.

pub mod answer;
pub mod head;

pub use answer::{CONTINUE, LAST_CHUNK, Length, answer_head, chunk, reason};
pub use head::{Head, HeadError, Simple, parse};

#[cfg(test)]
mod tests;
