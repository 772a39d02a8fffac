//! What the JMAP transcripts share: a fresh store with the domain example.com and two users,
//! Ann and Bob (password `pw`), and the mailer on it.

use std::time::Duration;

use relais_directory::{AuthConfig, Directory};
use relais_mail::Mailer;
use relais_store::{Principal, PrincipalKind, Role};
use relais_testkit::backends::Fresh;

pub async fn ann_and_bob(f: &Fresh) -> (Mailer, Principal, Principal) {
    let dir = Directory::new(f.store.clone(), AuthConfig::default());
    dir.add_domain("example.com").await.unwrap();
    let ann = dir.add_principal(PrincipalKind::User, "ann@example.com", "Ann", Some("pw"), Role::User).await.unwrap();
    let bob = dir.add_principal(PrincipalKind::User, "bob@example.com", "Bob", Some("pw"), Role::User).await.unwrap();
    (Mailer::new(f.store.clone(), dir, "mail.test", Duration::from_secs(60)), ann, bob)
}
