//! `relais admin policy …`: the mobile device policy of a domain, or of one account over its
//! domain's (`relais_directory::policy`): `set` changes the settings named (`Name=value`, an
//! empty value unsets one) and every device it applies to provisions again; `show` prints the
//! settings set there and, for an account, the policy in force.

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use relais_directory::policy::{DevicePolicy, PolicyFor, SETTINGS};
use relais_directory::{Actor, Directory, Protocol};

#[derive(Args)]
pub struct Scope {
    /// A domain's policy.
    #[arg(long, conflicts_with = "user", required_unless_present = "user")]
    domain: Option<String>,
    /// An account's policy, over its domain's.
    #[arg(long)]
    user: Option<String>,
}

#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Set settings: `Name=value` (MS-ASPROV names, e.g. DevicePasswordEnabled=1
    /// MinDevicePasswordLength=6 MaxEmailAgeFilter=3 MaxAttachmentSize=10485760); `Name=` unsets.
    Set {
        #[command(flatten)]
        scope: Scope,
        #[arg(required = true, value_name = "NAME=VALUE")]
        settings: Vec<String>,
    },
    /// The settings set for the domain or account (and, for an account, the policy in force).
    Show {
        #[command(flatten)]
        scope: Scope,
    },
}

fn print(policy: &DevicePolicy, indent: &str) {
    let entries = policy.entries();
    if entries.is_empty() {
        println!("{indent}(nothing set: devices are asked for nothing)");
    }
    for (name, value) in entries {
        println!("{indent}{name}={value}");
    }
}

pub async fn run(dir: &Directory, c: PolicyCommand) -> Result<()> {
    let scope = match &c {
        PolicyCommand::Set { scope, .. } | PolicyCommand::Show { scope } => scope,
    };
    let (of, label, account) = match (&scope.domain, &scope.user) {
        (Some(d), None) => (PolicyFor::Domain(d.clone()), format!("domain {d}"), None),
        (None, Some(u)) => {
            let p = dir.principal(u).await?.with_context(|| format!("no principal {u}"))?;
            (PolicyFor::Account(p.id), u.clone(), Some(p.id))
        }
        _ => bail!("name one of --domain or --user"),
    };
    // The administrator acting: the account itself for --user, else the directory's own.
    let admin = Actor::new(account.unwrap_or(relais_store::AccountId(0)), Protocol::Admin);
    match c {
        PolicyCommand::Set { settings, .. } => {
            let mut policy = dir.device_policy(&admin, of.clone()).await?;
            for s in &settings {
                let Some((name, value)) = s.split_once('=') else {
                    bail!("{s:?} is not NAME=VALUE; the settings are {}", SETTINGS.join(", "))
                };
                policy.set(name, value).map_err(anyhow::Error::msg)?;
            }
            let devices = dir.set_device_policy(&admin, of, &policy).await?;
            println!("policy of {label} set; {devices} device(s) will provision again");
            print(&policy, "  ");
        }
        PolicyCommand::Show { .. } => {
            println!("policy of {label}:");
            print(&dir.device_policy(&admin, of).await?, "  ");
            if let Some(a) = account {
                println!("in force for {label}:");
                print(&dir.effective_device_policy(&admin, a).await?, "  ");
            }
        }
    }
    Ok(())
}
