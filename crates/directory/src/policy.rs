//! Mobile device policies (MS-ASPROV §2.2.2.28, the settings an ActiveSync Provision sends): one
//! per domain, and one per account whose settings override its domain's key by key. Set by an
//! administrator (`relais admin policy set`); the account's devices then provision again
//! (the store withdraws their policy keys in the same transaction). A setting left unset is
//! the permissive default: the device is asked for nothing.
//!
//! Settings are named by their MS-ASPROV element names, so the administrator, the stored JSON
//! and the policy document a phone reads use one vocabulary.

use relais_store::{AccountId, PolicyScope};
use serde::{Deserialize, Serialize};

use crate::access::{Actor, Protocol};
use crate::{Directory, DirectoryError, Result};

/// The settings of one policy; `None` is "not set here".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DevicePolicy {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub device_password_enabled: Option<bool>,
    /// 1–16 characters.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub min_device_password_length: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub alphanumeric_device_password_required: Option<bool>,
    /// Seconds of inactivity before the device locks (1–9998; 9999 or unset: no limit).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub max_inactivity_time_device_lock: Option<u32>,
    /// 4–16 failed attempts before the device wipes itself.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub max_device_password_failed_attempts: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub require_device_encryption: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub allow_simple_device_password: Option<bool>,
    /// The oldest calendar window a device may sync, as a FilterType: 0 all, 4 two weeks,
    /// 5 a month, 6 three months, 7 six months (MS-ASPROV §2.2.2.31).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub max_calendar_age_filter: Option<u8>,
    /// The oldest mail window, as a FilterType: 0 all, 1 a day, 2 three days, 3 a week,
    /// 4 two weeks, 5 a month (MS-ASPROV §2.2.2.32).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub max_email_age_filter: Option<u8>,
    /// The largest attachment sent to a device, in bytes.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub max_attachment_size: Option<u64>,
}

/// The setting names, as `relais admin policy` takes them.
pub const SETTINGS: [&str; 10] = [
    "DevicePasswordEnabled",
    "MinDevicePasswordLength",
    "AlphanumericDevicePasswordRequired",
    "MaxInactivityTimeDeviceLock",
    "MaxDevicePasswordFailedAttempts",
    "RequireDeviceEncryption",
    "AllowSimpleDevicePassword",
    "MaxCalendarAgeFilter",
    "MaxEmailAgeFilter",
    "MaxAttachmentSize",
];

fn boolean(v: &str) -> std::result::Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(format!("{v:?} is not 1 or 0")),
    }
}

fn number<T: std::str::FromStr + PartialOrd + std::fmt::Display>(
    v: &str,
    min: T,
    max: T,
) -> std::result::Result<T, String> {
    match v.parse::<T>() {
        Ok(n) if n >= min && n <= max => Ok(n),
        _ => Err(format!("{v:?} is not a number from {min} to {max}")),
    }
}

impl DevicePolicy {
    /// Sets one setting from the administrator's `name=value`; an empty value unsets it.
    pub fn set(&mut self, name: &str, value: &str) -> std::result::Result<(), String> {
        let v = value.trim();
        let unset = v.is_empty();
        macro_rules! put {
            ($field:ident, $parse:expr) => {
                self.$field = if unset { None } else { Some($parse?) }
            };
        }
        match SETTINGS.iter().find(|s| s.eq_ignore_ascii_case(name.trim())).copied() {
            Some("DevicePasswordEnabled") => put!(device_password_enabled, boolean(v)),
            Some("MinDevicePasswordLength") => put!(min_device_password_length, number(v, 1u32, 16)),
            Some("AlphanumericDevicePasswordRequired") => put!(alphanumeric_device_password_required, boolean(v)),
            Some("MaxInactivityTimeDeviceLock") => put!(max_inactivity_time_device_lock, number(v, 1u32, 9999)),
            Some("MaxDevicePasswordFailedAttempts") => put!(max_device_password_failed_attempts, number(v, 4u32, 16)),
            Some("RequireDeviceEncryption") => put!(require_device_encryption, boolean(v)),
            Some("AllowSimpleDevicePassword") => put!(allow_simple_device_password, boolean(v)),
            Some("MaxCalendarAgeFilter") => {
                put!(
                    max_calendar_age_filter,
                    number(v, 0u8, 7).and_then(|f| match f {
                        0 | 4..=7 => Ok(f),
                        _ => Err(format!("{v:?} is not 0, 4, 5, 6 or 7")),
                    })
                )
            }
            Some("MaxEmailAgeFilter") => put!(max_email_age_filter, number(v, 0u8, 5)),
            Some("MaxAttachmentSize") => put!(max_attachment_size, number(v, 1u64, u64::from(u32::MAX))),
            _ => return Err(format!("unknown setting {name:?}; the settings are {}", SETTINGS.join(", "))),
        }
        Ok(())
    }

    /// This policy's settings over `base`'s: the account's over its domain's.
    pub fn over(&self, base: &DevicePolicy) -> DevicePolicy {
        DevicePolicy {
            device_password_enabled: self.device_password_enabled.or(base.device_password_enabled),
            min_device_password_length: self.min_device_password_length.or(base.min_device_password_length),
            alphanumeric_device_password_required: self
                .alphanumeric_device_password_required
                .or(base.alphanumeric_device_password_required),
            max_inactivity_time_device_lock: self
                .max_inactivity_time_device_lock
                .or(base.max_inactivity_time_device_lock),
            max_device_password_failed_attempts: self
                .max_device_password_failed_attempts
                .or(base.max_device_password_failed_attempts),
            require_device_encryption: self.require_device_encryption.or(base.require_device_encryption),
            allow_simple_device_password: self.allow_simple_device_password.or(base.allow_simple_device_password),
            max_calendar_age_filter: self.max_calendar_age_filter.or(base.max_calendar_age_filter),
            max_email_age_filter: self.max_email_age_filter.or(base.max_email_age_filter),
            max_attachment_size: self.max_attachment_size.or(base.max_attachment_size),
        }
    }

    /// The settings that are set, by name, as JSON values (what `relais admin policy show` prints).
    pub fn entries(&self) -> Vec<(String, String)> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(map)) => map.into_iter().map(|(k, v)| (k, v.to_string())).collect(),
            _ => Vec::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == DevicePolicy::default()
    }

    fn from_stored(text: Option<String>) -> DevicePolicy {
        text.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default()
    }
}

/// Whose policy: a domain's, by name, or an account's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyFor {
    Domain(String),
    Account(AccountId),
}

/// Only an administrator sets or reads a scope's policy.
fn administrator(actor: &Actor) -> Result<()> {
    if matches!(actor.protocol, Protocol::Admin | Protocol::Internal) {
        Ok(())
    } else {
        Err(DirectoryError::Invalid("device policies are an administrator's".into()))
    }
}

impl Directory {
    async fn policy_scope(&self, of: PolicyFor) -> Result<PolicyScope> {
        Ok(match of {
            PolicyFor::Account(a) => PolicyScope::Account(a),
            PolicyFor::Domain(name) => PolicyScope::Domain(self.domain(&name).await?.id),
        })
    }

    /// The policy set for a domain or an account (its own settings only).
    pub async fn device_policy(&self, actor: &Actor, of: PolicyFor) -> Result<DevicePolicy> {
        administrator(actor)?;
        let scope = self.policy_scope(of).await?;
        let text = self.store.read(move |r| r.device_policy(scope)).await?;
        Ok(DevicePolicy::from_stored(text))
    }

    /// Sets a domain's or an account's policy (an empty one removes it); every device it
    /// applies to provisions again. Returns how many devices must.
    pub async fn set_device_policy(&self, actor: &Actor, of: PolicyFor, policy: &DevicePolicy) -> Result<u64> {
        administrator(actor)?;
        let scope = self.policy_scope(of).await?;
        let text = if policy.is_empty() {
            None
        } else {
            Some(serde_json::to_string(policy).map_err(|e| DirectoryError::Invalid(e.to_string()))?)
        };
        Ok(self.store.write(move |tx| tx.set_device_policy(scope, text.as_deref())).await?)
    }

    /// The policy in force for `account`'s devices: its domain's, with the account's own over it.
    /// Read by the account itself (its Provision) or an administrator.
    pub async fn effective_device_policy(&self, actor: &Actor, account: AccountId) -> Result<DevicePolicy> {
        if actor.principal != account {
            administrator(actor)?;
        }
        let (domain, own) = self
            .store
            .read(move |r| {
                let Some(p) = r.principal(account)? else { return Ok((None, None)) };
                let domain = match r.domain(&p.domain)? {
                    Some(d) => r.device_policy(PolicyScope::Domain(d.id))?,
                    None => None,
                };
                Ok((domain, r.device_policy(PolicyScope::Account(account))?))
            })
            .await?;
        Ok(DevicePolicy::from_stored(own).over(&DevicePolicy::from_stored(domain)))
    }
}
