//! The ActiveSync commands (MS-ASCMD §2.2.1) with their names and base64 codes.

use std::fmt;

/// A command named by a request's `Cmd` parameter or its base64 command code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Command {
    Sync,
    SendMail,
    SmartForward,
    SmartReply,
    GetAttachment,
    FolderSync,
    FolderCreate,
    FolderDelete,
    FolderUpdate,
    MoveItems,
    GetItemEstimate,
    MeetingResponse,
    Search,
    Settings,
    Ping,
    ItemOperations,
    Provision,
    ResolveRecipients,
    ValidateCert,
    Find,
}

/// (command, name, base64 code). MS-ASHTTP §2.2.1.1.1.1.2 gives codes 0–4 and 9–22; Find (16.1)
/// has none there, so it is only reachable by the plain query.
const COMMANDS: &[(Command, &str, Option<u8>)] = &[
    (Command::Sync, "Sync", Some(0)),
    (Command::SendMail, "SendMail", Some(1)),
    (Command::SmartForward, "SmartForward", Some(2)),
    (Command::SmartReply, "SmartReply", Some(3)),
    (Command::GetAttachment, "GetAttachment", Some(4)),
    (Command::FolderSync, "FolderSync", Some(9)),
    (Command::FolderCreate, "FolderCreate", Some(10)),
    (Command::FolderDelete, "FolderDelete", Some(11)),
    (Command::FolderUpdate, "FolderUpdate", Some(12)),
    (Command::MoveItems, "MoveItems", Some(13)),
    (Command::GetItemEstimate, "GetItemEstimate", Some(14)),
    (Command::MeetingResponse, "MeetingResponse", Some(15)),
    (Command::Search, "Search", Some(16)),
    (Command::Settings, "Settings", Some(17)),
    (Command::Ping, "Ping", Some(18)),
    (Command::ItemOperations, "ItemOperations", Some(19)),
    (Command::Provision, "Provision", Some(20)),
    (Command::ResolveRecipients, "ResolveRecipients", Some(21)),
    (Command::ValidateCert, "ValidateCert", Some(22)),
    (Command::Find, "Find", None),
];

impl Command {
    /// Every command, in code order (what OPTIONS lists in `MS-ASProtocolCommands`).
    pub fn all() -> impl Iterator<Item = Command> {
        COMMANDS.iter().map(|&(c, _, _)| c)
    }

    /// The command named `name` (MS-ASHTTP §2.2.1.1.1.2.1: `command-name = 1*ALPHA`), exactly.
    pub fn from_name(name: &str) -> Option<Command> {
        COMMANDS.iter().find(|(_, n, _)| *n == name).map(|&(c, _, _)| c)
    }

    /// The command with this base64 command code (MS-ASHTTP §2.2.1.1.1.1.2).
    pub fn from_code(code: u8) -> Option<Command> {
        COMMANDS.iter().find(|(_, _, c)| *c == Some(code)).map(|&(c, _, _)| c)
    }

    pub fn name(self) -> &'static str {
        COMMANDS.iter().find(|(c, _, _)| *c == self).map_or("?", |&(_, n, _)| n)
    }

    /// The base64 command code, if the command has one.
    pub fn code(self) -> Option<u8> {
        COMMANDS.iter().find(|(c, _, _)| *c == self).and_then(|&(_, _, code)| code)
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
