//! `relais admin device …`: the devices that sync an account (ActiveSync phones), through the
//! directory's device operations (`relais_directory::devices`): list them, show one, ask for a
//! remote wipe (the whole device, or with `--account-only` this account's data, carried by the
//! device's next Provision), and remove one (it starts over if it comes back; a wiped device
//! stays refused until removed).

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use relais_directory::{Actor, Directory, Protocol};
use relais_store::{Device, Wipe};

#[derive(Subcommand)]
pub enum DeviceCommand {
    /// An account's devices, most recently seen first: id, type, model, last sync, state.
    List { address: String },
    /// One device in full.
    Show { address: String, device_id: String },
    /// Wipe the device at its next request (the whole device, or only this account's data).
    Wipe {
        address: String,
        device_id: String,
        #[arg(long)]
        account_only: bool,
    },
    /// Forget the device, its policy key and sync states.
    Remove { address: String, device_id: String },
}

fn when(t: i64) -> String {
    let d = relais_civil::DateTime::from_unix(t);
    format!("{:04}-{:02}-{:02} {:02}:{:02}Z", d.year, d.month, d.day, d.hour, d.minute)
}

fn state(d: &Device) -> &'static str {
    match d.wipe {
        Wipe::Requested => "wipe requested",
        Wipe::AccountOnlyRequested => "account wipe requested",
        Wipe::Wiped => "wiped (refused)",
        Wipe::AccountWiped => "account wiped (refused)",
        Wipe::None if d.policy_key != 0 => "provisioned",
        Wipe::None => "not provisioned",
    }
}

fn info(d: &Device, key: &str) -> String {
    serde_json::from_str::<serde_json::Value>(&d.info)
        .ok()
        .and_then(|v| v.get(key).and_then(|s| s.as_str()).map(str::to_owned))
        .unwrap_or_default()
}

pub async fn run(dir: &Directory, c: DeviceCommand) -> Result<()> {
    let address = match &c {
        DeviceCommand::List { address }
        | DeviceCommand::Show { address, .. }
        | DeviceCommand::Wipe { address, .. }
        | DeviceCommand::Remove { address, .. } => address.clone(),
    };
    let p = dir.principal(&address).await?.with_context(|| format!("no principal {address}"))?;
    let admin = Actor::new(p.id, Protocol::Admin);
    match c {
        DeviceCommand::List { .. } => {
            for d in dir.devices(&admin, p.id).await? {
                println!(
                    "{}\t{}\t{}\tlast {}\t{}",
                    d.device_id,
                    d.device_type,
                    info(&d, "model"),
                    when(d.last_seen),
                    state(&d)
                );
            }
        }
        DeviceCommand::Show { device_id, .. } => {
            let Some(d) = dir.device(&admin, p.id, &device_id).await? else {
                bail!("{address} has no device {device_id}")
            };
            println!("device:      {}", d.device_id);
            println!("type:        {}", d.device_type);
            for key in
                ["model", "friendly_name", "os", "os_language", "user_agent", "imei", "phone_number", "mobile_operator"]
            {
                let v = info(&d, key);
                if !v.is_empty() {
                    println!("{:<12} {v}", format!("{key}:"));
                }
            }
            println!("first seen:  {}", when(d.first_seen));
            println!("last seen:   {}", when(d.last_seen));
            println!("state:       {}", state(&d));
        }
        DeviceCommand::Wipe { device_id, account_only, .. } => {
            if !dir.request_wipe(&admin, p.id, &device_id, account_only).await? {
                bail!("{address} has no device {device_id}");
            }
            println!(
                "{device_id} will be {} at its next request",
                if account_only { "cleared of this account" } else { "wiped" }
            );
        }
        DeviceCommand::Remove { device_id, .. } => {
            if !dir.remove_device(&admin, p.id, &device_id).await? {
                bail!("{address} has no device {device_id}");
            }
            println!("{device_id} removed");
        }
    }
    Ok(())
}
