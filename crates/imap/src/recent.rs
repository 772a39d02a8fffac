//! A session's \Recent messages (RFC 3501 §2.3.2), settled when it SELECTs or EXAMINEs a
//! mailbox and whenever it learns of new messages: a SELECTed IMAP4rev1 session claims them
//! through `relais_mail::recent::claim` (so exactly one session sees each as recent); an
//! EXAMINEd one only looks at the watermark. IMAP4rev2 sessions have no \Recent (RFC 9051).

use relais_store::{Store, Uid};

use crate::view::View;

/// Settles the recentness of the view's messages not yet settled; returns how many became
/// recent. A claim that fails leaves them not recent (the flag is advisory) and is logged.
pub async fn settle(store: &Store, view: &mut View, rev2: bool) -> u32 {
    let upto = Uid(view.max_uid());
    if rev2 || upto <= view.recent_checked {
        return 0;
    }
    let before = if view.claims {
        match relais_mail::recent::claim(store, view.mailbox, upto, view.recent_uid).await {
            Ok(before) => before,
            Err(e) => {
                tracing::warn!(error = %e, "imap: cannot claim \\Recent");
                upto
            }
        }
    } else {
        view.recent_uid
    };
    view.mark_recent(before)
}
