//! A method's arguments, read with the standard errors: a wrong type is invalidArguments, an
//! unknown account accountNotFound (RFC 8620 §3.6.2), too many ids requestTooLarge (§5.1).

use serde_json::{Map, Value};

use crate::account::{self, Account};
use crate::error::MethodError;
use crate::ids;
use crate::methods::Ctx;

pub(crate) struct Args(Map<String, Value>);

impl Args {
    pub fn new(map: Map<String, Value>) -> Args {
        Args(map)
    }

    pub fn into_map(self) -> Map<String, Value> {
        self.0
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    pub fn take(&mut self, name: &str) -> Option<Value> {
        self.0.remove(name).filter(|v| !v.is_null())
    }

    pub fn str(&self, name: &str) -> Result<Option<&str>, MethodError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(MethodError::invalid(format!("{name} must be a string"))),
        }
    }

    pub fn bool(&self, name: &str) -> Result<bool, MethodError> {
        match self.get(name) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(MethodError::invalid(format!("{name} must be a boolean"))),
        }
    }

    /// An UnsignedInt argument (RFC 8620 §1.3: 0 to 2^53-1).
    pub fn uint(&self, name: &str) -> Result<Option<u64>, MethodError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .filter(|n| *n < (1 << 53))
                .map(Some)
                .ok_or_else(|| MethodError::invalid(format!("{name} must be an unsigned integer"))),
        }
    }

    /// An Int argument (RFC 8620 §1.3).
    pub fn int(&self, name: &str) -> Result<Option<i64>, MethodError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .filter(|n| n.unsigned_abs() < (1 << 53))
                .map(Some)
                .ok_or_else(|| MethodError::invalid(format!("{name} must be an integer"))),
        }
    }

    /// A list of strings, or `None` when absent or null.
    pub fn strings(&self, name: &str) -> Result<Option<Vec<String>>, MethodError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .map(Some)
                .ok_or_else(|| MethodError::invalid(format!("{name} must be a list of strings"))),
            Some(_) => Err(MethodError::invalid(format!("{name} must be a list of strings"))),
        }
    }

    /// The `ids` of a /get, within maxObjectsInGet; `None` means every object.
    pub fn get_ids(&self, ctx: &Ctx<'_>) -> Result<Option<Vec<String>>, MethodError> {
        let ids = self.strings("ids")?;
        if ids.as_ref().is_some_and(|l| l.len() > ctx.jmap.config.max_objects_in_get) {
            return Err(MethodError::RequestTooLarge);
        }
        // RFC 8620 §5.1: an id asked twice is answered once.
        Ok(ids.map(|l| {
            let mut seen = std::collections::HashSet::new();
            l.into_iter().map(|id| ctx.id(&id).unwrap_or(&id).to_owned()).filter(|id| seen.insert(id.clone())).collect()
        }))
    }

    /// The `properties` of a /get, each one of `known`; `None` means the default set.
    pub fn properties(&self, known: &[&str]) -> Result<Option<Vec<String>>, MethodError> {
        let Some(list) = self.strings("properties")? else { return Ok(None) };
        if let Some(bad) = list.iter().find(|p| !known.contains(&p.as_str()) && !p.starts_with("header:")) {
            return Err(MethodError::invalid(format!("unknown property {bad}")));
        }
        Ok(Some(list))
    }

    /// The account named by `accountId` as the actor sees it.
    pub async fn account(&self, ctx: &Ctx<'_>) -> Result<Account, MethodError> {
        self.account_named(ctx, "accountId", MethodError::AccountNotFound).await
    }

    /// The account the argument `name` names (`fromAccountId` of a /copy), or `missing`.
    pub async fn account_named(&self, ctx: &Ctx<'_>, name: &str, missing: MethodError) -> Result<Account, MethodError> {
        let id = self.str(name)?.ok_or_else(|| MethodError::invalid(format!("{name} is required")))?;
        let Some(id) = ids::parse_account(id) else { return Err(missing) };
        let actor = ctx.actor.clone();
        ctx.jmap.store().read(move |r| account::account(r, &actor, id)).await?.ok_or(missing)
    }

    /// The account, which must be the actor's own (submission, vacation, identities).
    pub async fn own_account(&self, ctx: &Ctx<'_>) -> Result<Account, MethodError> {
        let a = self.account(ctx).await?;
        if a.personal { Ok(a) } else { Err(MethodError::AccountNotSupportedByMethod) }
    }
}

/// Whether `property` is wanted, given the client's list (`None`: the default list).
pub(crate) fn wanted(properties: &Option<Vec<String>>, defaults: &[&str], property: &str) -> bool {
    match properties {
        Some(list) => list.iter().any(|p| p == property),
        None => defaults.contains(&property),
    }
}
