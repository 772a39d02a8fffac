//! Provision (MS-ASPROV §3.2.5.1): two round trips. The first sends the policy with a key for
//! the device to acknowledge (and records what the device says of itself); the second, carrying
//! that key, gets the device its final key, which every later command sends in
//! `X-MS-PolicyKey`. A device asked to wipe is told so instead, and its confirmation recorded.

use relais_directory::devices::Provisioned;
use relais_directory::policy::DevicePolicy;
use relais_store::Wipe;
use relais_wbxml::Element;
use relais_wbxml::tag::{provision as p, settings as s};

use crate::{Answer, Ctx, text_of};

/// The only policy type of 12.0 and later (MS-ASPROV §2.2.2.42).
const POLICY_TYPE: &str = "MS-EAS-Provisioning-WBXML";

/// The policy document a device gets (MS-ASPROV §2.2.2.28): the administrator's policy
/// (`relais_directory::policy`, the domain's with the account's over it); a setting not set
/// asks nothing of the device.
pub struct Policy<'a>(pub &'a DevicePolicy);

fn flag(b: bool) -> &'static str {
    if b { "1" } else { "0" }
}

impl Policy<'_> {
    /// The EASProvisionDoc, its settings in token order.
    fn document(&self) -> Element {
        let set = self.0;
        let alphanumeric = set.alphanumeric_device_password_required.unwrap_or(false);
        let number = |doc: Element, tag, n: Option<u64>| match n {
            Some(n) => doc.with_leaf(tag, n.to_string()),
            None => doc.with_empty(tag),
        };
        let mut doc = Element::new(p::EAS_PROVISION_DOC)
            .with_leaf(p::DEVICE_PASSWORD_ENABLED, flag(set.device_password_enabled.unwrap_or(false)))
            .with_leaf(p::ALPHANUMERIC_DEVICE_PASSWORD_REQUIRED, flag(alphanumeric))
            .with_leaf(p::REQUIRE_STORAGE_CARD_ENCRYPTION, flag(set.require_device_encryption.unwrap_or(false)))
            .with_leaf(p::PASSWORD_RECOVERY_ENABLED, "0")
            .with_leaf(p::ATTACHMENTS_ENABLED, "1");
        doc = number(doc, p::MIN_DEVICE_PASSWORD_LENGTH, set.min_device_password_length.map(u64::from));
        // 9999: no inactivity limit (§2.2.2.35).
        doc = doc.with_leaf(
            p::MAX_INACTIVITY_TIME_DEVICE_LOCK,
            set.max_inactivity_time_device_lock.unwrap_or(9999).to_string(),
        );
        doc =
            number(doc, p::MAX_DEVICE_PASSWORD_FAILED_ATTEMPTS, set.max_device_password_failed_attempts.map(u64::from));
        doc = number(doc, p::MAX_ATTACHMENT_SIZE, set.max_attachment_size);
        doc.with_leaf(p::ALLOW_SIMPLE_DEVICE_PASSWORD, flag(set.allow_simple_device_password.unwrap_or(!alphanumeric)))
            .with_empty(p::DEVICE_PASSWORD_EXPIRATION)
            .with_leaf(p::DEVICE_PASSWORD_HISTORY, "0")
            .with_leaf(p::ALLOW_STORAGE_CARD, "1")
            .with_leaf(p::ALLOW_CAMERA, "1")
            .with_leaf(p::REQUIRE_DEVICE_ENCRYPTION, flag(set.require_device_encryption.unwrap_or(false)))
            .with_leaf(p::ALLOW_UNSIGNED_APPLICATIONS, "1")
            .with_leaf(p::ALLOW_UNSIGNED_INSTALLATION_PACKAGES, "1")
            .with_leaf(p::MIN_DEVICE_PASSWORD_COMPLEX_CHARACTERS, "1")
            .with_leaf(p::ALLOW_WI_FI, "1")
            .with_leaf(p::ALLOW_TEXT_MESSAGING, "1")
            .with_leaf(p::ALLOW_POPIMAP_EMAIL, "1")
            .with_leaf(p::ALLOW_BLUETOOTH, "2")
            .with_leaf(p::ALLOW_IR_DA, "1")
            .with_leaf(p::REQUIRE_MANUAL_SYNC_WHEN_ROAMING, "0")
            .with_leaf(p::ALLOW_DESKTOP_SYNC, "1")
            .with_leaf(p::MAX_CALENDAR_AGE_FILTER, set.max_calendar_age_filter.unwrap_or(0).to_string())
            .with_leaf(p::ALLOW_HTML_EMAIL, "1")
            .with_leaf(p::MAX_EMAIL_AGE_FILTER, set.max_email_age_filter.unwrap_or(0).to_string())
            .with_leaf(p::MAX_EMAIL_BODY_TRUNCATION_SIZE, "-1")
            .with_leaf(p::MAX_EMAIL_HTML_BODY_TRUNCATION_SIZE, "-1")
            .with_leaf(p::REQUIRE_SIGNED_SMIME_MESSAGES, "0")
            .with_leaf(p::REQUIRE_ENCRYPTED_SMIME_MESSAGES, "0")
            .with_leaf(p::REQUIRE_SIGNED_SMIME_ALGORITHM, "0")
            .with_leaf(p::REQUIRE_ENCRYPTION_SMIME_ALGORITHM, "0")
            .with_leaf(p::ALLOW_SMIME_ENCRYPTION_ALGORITHM_NEGOTIATION, "2")
            .with_leaf(p::ALLOW_SMIME_SOFT_CERTS, "1")
            .with_leaf(p::ALLOW_BROWSER, "1")
            .with_leaf(p::ALLOW_CONSUMER_EMAIL, "1")
            .with_leaf(p::ALLOW_REMOTE_DESKTOP, "1")
            .with_leaf(p::ALLOW_INTERNET_SHARING, "1")
            .with_empty(p::UNAPPROVED_IN_ROM_APPLICATION_LIST)
            .with_empty(p::APPROVED_APPLICATION_LIST)
    }
}

/// What the device said of itself in `settings:DeviceInformation/Set`, as a JSON object.
pub(crate) fn device_info(info: &Element) -> Option<String> {
    let set = info.child(s::SET)?;
    let fields = [
        (s::MODEL, "model"),
        (s::IMEI, "imei"),
        (s::FRIENDLY_NAME, "friendly_name"),
        (s::OS, "os"),
        (s::OS_LANGUAGE, "os_language"),
        (s::PHONE_NUMBER, "phone_number"),
        (s::USER_AGENT, "user_agent"),
        (s::MOBILE_OPERATOR, "mobile_operator"),
    ];
    let mut map = serde_json::Map::new();
    for (tag, name) in fields {
        if let Some(v) = text_of(set, tag) {
            // Bounded: a description is for an administrator to read, not a store for anything.
            map.insert(name.into(), v.chars().take(256).collect::<String>().into());
        }
    }
    Some(serde_json::Value::Object(map).to_string())
}

fn status(code: u32) -> Answer {
    Answer::Doc(Element::new(p::PROVISION).with_leaf(p::STATUS, code.to_string()))
}

pub(crate) async fn provision(ctx: &Ctx<'_>, body: Option<Element>) -> Answer {
    let Some(req) = body.filter(|b| b.tag == p::PROVISION) else { return status(2) };
    let dir = &ctx.eas.directory;
    let device = &ctx.query.device_id;
    // The device confirms a wipe (§3.1.5.1.2.2): recorded, then it is refused.
    if let Some(wipe) = req.child(p::REMOTE_WIPE).or_else(|| req.child(p::ACCOUNT_ONLY_REMOTE_WIPE)) {
        if text_of(wipe, p::STATUS).as_deref() == Some("1")
            && let Err(e) = dir.confirm_wipe(&ctx.actor, device).await
        {
            tracing::warn!(error = %e, "eas: wipe confirmation not recorded");
            return status(3);
        }
        return status(1);
    }
    let info = req.child(s::DEVICE_INFORMATION);
    if let Some(info) = info.and_then(device_info)
        && let Err(e) = dir.device_seen(&ctx.actor, device, &ctx.query.device_type, Some(info)).await
    {
        tracing::warn!(error = %e, "eas: device information not recorded");
    }
    // A wipe waits: the answer to any Provision says so (§3.2.5.1.2.1).
    match ctx.device.wipe {
        Wipe::Requested => {
            return Answer::Doc(Element::new(p::PROVISION).with_leaf(p::STATUS, "1").with_empty(p::REMOTE_WIPE));
        }
        Wipe::AccountOnlyRequested if ctx.version.as_str() == "16.1" => {
            return Answer::Doc(
                Element::new(p::PROVISION).with_leaf(p::STATUS, "1").with_empty(p::ACCOUNT_ONLY_REMOTE_WIPE),
            );
        }
        Wipe::AccountOnlyRequested => {
            return Answer::Doc(Element::new(p::PROVISION).with_leaf(p::STATUS, "1").with_empty(p::REMOTE_WIPE));
        }
        _ => {}
    }
    let Some(policy) = req.path(&[p::POLICIES, p::POLICY]) else { return status(2) };
    let kind = text_of(policy, p::POLICY_TYPE).unwrap_or_default();
    let device_status = info.map(|_| Element::new(s::DEVICE_INFORMATION).with_leaf(s::STATUS, "1"));
    let answer = |policy_status: &str, key: Option<u32>, data: Option<Element>| {
        let mut policy =
            Element::new(p::POLICY).with_leaf(p::POLICY_TYPE, POLICY_TYPE).with_leaf(p::STATUS, policy_status);
        if let Some(key) = key {
            policy = policy.with_leaf(p::POLICY_KEY, key.to_string());
        }
        let policy = policy.with_opt(data.map(|d| Element::new(p::DATA).with(d)));
        Answer::Doc(
            Element::new(p::PROVISION)
                .with_opt(device_status.clone())
                .with_leaf(p::STATUS, "1")
                .with(Element::new(p::POLICIES).with(policy)),
        )
    };
    if kind != POLICY_TYPE {
        return answer("3", None, None);
    }
    match text_of(policy, p::POLICY_KEY) {
        // Round trip 2: the acknowledgement of the key handed out.
        Some(key) => {
            let key = key.parse::<u32>().unwrap_or(0);
            match dir.acknowledge_policy_key(&ctx.actor, device, key).await {
                Ok(Provisioned::Acknowledged(fin)) => answer("1", Some(fin), None),
                Ok(_) => answer("5", None, None),
                Err(e) => {
                    tracing::warn!(error = %e, "eas: policy acknowledgement not recorded");
                    status(3)
                }
            }
        }
        // Round trip 1. 14.1 and later describe the device in it (§3.1.5.1.1).
        None => {
            if info.is_none() && !matches!(ctx.version.as_str(), "12.1" | "14.0") {
                return status(165);
            }
            match dir.offer_policy_key(&ctx.actor, device).await {
                Ok(key) => answer("1", Some(key), Some(Policy(ctx.policy().await).document())),
                Err(e) => {
                    tracing::warn!(error = %e, "eas: policy key not recorded");
                    status(3)
                }
            }
        }
    }
}
