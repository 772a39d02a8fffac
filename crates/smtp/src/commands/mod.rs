//! One file per command (or family); `dispatch` is the one place that maps a parsed request to
//! its handler.

pub mod auth;
pub mod data;
pub mod ehlo;
pub mod mail;
pub mod rcpt;
pub mod simple;

use std::borrow::Cow;

use smtp_proto::Request;

use crate::session::{Action, Session};

pub async fn dispatch(s: &mut Session, request: Request<Cow<'_, str>>) -> Action {
    match request {
        Request::Ehlo { host } => ehlo::ehlo(s, &host, true),
        Request::Helo { host } => ehlo::ehlo(s, &host, false),
        Request::Lhlo { .. } => Action::Reply(crate::reply::unknown_command()),
        Request::Mail { from } => mail::mail(s, from).await,
        Request::Rcpt { to } => rcpt::rcpt(s, to).await,
        Request::Data => data::data(s),
        Request::Bdat { chunk_size, is_last } => data::bdat(s, chunk_size, is_last),
        Request::Auth { mechanism, initial_response } => auth::auth(s, mechanism, &initial_response).await,
        Request::StartTls => simple::starttls(s),
        Request::Rset => simple::rset(s),
        Request::Noop { .. } => Action::Reply(crate::reply::ok()),
        Request::Quit => simple::quit(s),
        Request::Vrfy { .. } => simple::vrfy(),
        Request::Expn { .. } => simple::expn(),
        Request::Help { .. } => simple::help(),
        Request::Etrn { .. } | Request::Atrn { .. } | Request::Burl { .. } => {
            Action::Reply(crate::reply::Reply::new(502, "5.5.1", "command not implemented"))
        }
    }
}
