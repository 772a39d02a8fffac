//! Method dispatch (RFC 8620 §3.4–3.6): one table of every method with the capability that
//! enables it, one file per data type (contacts: `address_book`, `contact_card` with
//! `contact_filter`, `contact_set`; calendars: `calendar`, `calendar_event` with
//! `event_filter`, `calendar_event_set`, `participant_identity`, `calendar_event_notification`; tasks: `task_list`, `task`
//! with `task_filter`, `task_set`; sharing: `principal`, and
//! `share_with` for the types that have `shareWith`, `collections` for what calendars' and task
//! lists' methods share; Relais's own `security`: password, app
//! passwords, devices). Calls run in order; each one's `#` arguments are
//! resolved against the responses before it; an error answers that call only.

mod address_book;
mod args;
mod availability;
mod blob;
mod calendar;
mod calendar_event;
mod calendar_event_notification;
mod calendar_event_set;
mod changes;
mod collections;
mod contact_card;
mod contact_filter;
mod contact_set;
mod email;
mod email_copy;
mod email_get;
mod email_parse;
mod email_query;
mod email_query_changes;
mod email_set;
mod event_filter;
mod identity;
mod mailbox;
mod participant_identity;
mod principal;
mod push_subscription;
mod query;
mod quota;
mod search_snippet;
mod security;
mod set;
mod share_notification;
mod share_with;
mod submission;
mod submission_get;
mod task;
mod task_filter;
mod task_list;
mod task_set;
mod thread;
mod vacation;

use std::collections::HashMap;
use std::net::IpAddr;

use relais_directory::access::Actor;
use relais_store::Principal;
use serde_json::{Map, Value, json};

pub(crate) use address_book::account_capability as contacts_capability;
pub(crate) use args::Args;
pub(crate) use calendar::account_capability as calendars_capability;
pub(crate) use principal::account_capabilities as principals_capabilities;
pub(crate) use task_list::account_capability as tasks_capability;

use crate::error::MethodError;
use crate::request::{Made, Request, resolve_references};
use crate::{CALENDARS, CONTACTS, CORE, Jmap, MAIL, PRINCIPALS, QUOTA, SECURITY, SUBMISSION, TASKS, VACATION};

/// Every method served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    CoreEcho,
    BlobCopy,
    MailboxGet,
    MailboxChanges,
    MailboxQuery,
    MailboxSet,
    ThreadGet,
    ThreadChanges,
    EmailGet,
    EmailChanges,
    EmailQuery,
    EmailQueryChanges,
    EmailSet,
    EmailImport,
    EmailCopy,
    EmailParse,
    QueryChanges,
    EmailSubmissionGet,
    EmailSubmissionChanges,
    EmailSubmissionQuery,
    SearchSnippetGet,
    IdentityGet,
    IdentityChanges,
    IdentitySet,
    EmailSubmissionSet,
    VacationResponseGet,
    VacationResponseSet,
    QuotaGet,
    QuotaChanges,
    QuotaQuery,
    AddressBookGet,
    AddressBookChanges,
    AddressBookSet,
    ContactCardGet,
    ContactCardChanges,
    ContactCardQuery,
    ContactCardQueryChanges,
    ContactCardSet,
    ContactCardCopy,
    CalendarGet,
    CalendarChanges,
    CalendarSet,
    CalendarEventGet,
    CalendarEventChanges,
    CalendarEventQuery,
    CalendarEventQueryChanges,
    CalendarEventSet,
    CalendarEventCopy,
    ParticipantIdentityGet,
    ParticipantIdentityChanges,
    CalendarEventNotificationGet,
    CalendarEventNotificationChanges,
    CalendarEventNotificationSet,
    CalendarEventNotificationQuery,
    CalendarEventNotificationQueryChanges,
    TaskListGet,
    TaskListChanges,
    TaskListSet,
    TaskGet,
    TaskChanges,
    TaskQuery,
    TaskQueryChanges,
    TaskSet,
    TaskCopy,
    PrincipalGet,
    ShareNotificationGet,
    ShareNotificationChanges,
    ShareNotificationQuery,
    ShareNotificationSet,
    PrincipalChanges,
    PrincipalQuery,
    PrincipalSet,
    PrincipalGetAvailability,
    PasswordChange,
    AppPasswordGet,
    AppPasswordSet,
    ApiTokenGet,
    ApiTokenSet,
    DeviceGet,
    DeviceSet,
    PushSubscriptionGet,
    PushSubscriptionSet,
}

/// The dispatch table: name, method, the capability `using` must name.
const TABLE: [(&str, Method, &str); 86] = [
    ("Core/echo", Method::CoreEcho, CORE),
    ("Blob/copy", Method::BlobCopy, CORE),
    ("Mailbox/get", Method::MailboxGet, MAIL),
    ("Mailbox/changes", Method::MailboxChanges, MAIL),
    ("Mailbox/query", Method::MailboxQuery, MAIL),
    ("Mailbox/set", Method::MailboxSet, MAIL),
    ("Thread/get", Method::ThreadGet, MAIL),
    ("Thread/changes", Method::ThreadChanges, MAIL),
    ("Email/get", Method::EmailGet, MAIL),
    ("Email/changes", Method::EmailChanges, MAIL),
    ("Email/query", Method::EmailQuery, MAIL),
    ("Email/set", Method::EmailSet, MAIL),
    ("Email/import", Method::EmailImport, MAIL),
    ("Email/copy", Method::EmailCopy, MAIL),
    ("Email/parse", Method::EmailParse, MAIL),
    ("Email/queryChanges", Method::EmailQueryChanges, MAIL),
    ("Mailbox/queryChanges", Method::QueryChanges, MAIL),
    ("EmailSubmission/get", Method::EmailSubmissionGet, SUBMISSION),
    ("EmailSubmission/changes", Method::EmailSubmissionChanges, SUBMISSION),
    ("EmailSubmission/query", Method::EmailSubmissionQuery, SUBMISSION),
    ("EmailSubmission/queryChanges", Method::QueryChanges, SUBMISSION),
    ("SearchSnippet/get", Method::SearchSnippetGet, MAIL),
    ("Identity/get", Method::IdentityGet, SUBMISSION),
    ("Identity/changes", Method::IdentityChanges, SUBMISSION),
    ("Identity/set", Method::IdentitySet, SUBMISSION),
    ("EmailSubmission/set", Method::EmailSubmissionSet, SUBMISSION),
    ("VacationResponse/get", Method::VacationResponseGet, VACATION),
    ("VacationResponse/set", Method::VacationResponseSet, VACATION),
    ("Quota/get", Method::QuotaGet, QUOTA),
    ("Quota/changes", Method::QuotaChanges, QUOTA),
    ("Quota/query", Method::QuotaQuery, QUOTA),
    ("Quota/queryChanges", Method::QueryChanges, QUOTA),
    ("AddressBook/get", Method::AddressBookGet, CONTACTS),
    ("AddressBook/changes", Method::AddressBookChanges, CONTACTS),
    ("AddressBook/set", Method::AddressBookSet, CONTACTS),
    ("ContactCard/get", Method::ContactCardGet, CONTACTS),
    ("ContactCard/changes", Method::ContactCardChanges, CONTACTS),
    ("ContactCard/query", Method::ContactCardQuery, CONTACTS),
    ("ContactCard/queryChanges", Method::ContactCardQueryChanges, CONTACTS),
    ("ContactCard/set", Method::ContactCardSet, CONTACTS),
    ("ContactCard/copy", Method::ContactCardCopy, CONTACTS),
    ("Calendar/get", Method::CalendarGet, CALENDARS),
    ("Calendar/changes", Method::CalendarChanges, CALENDARS),
    ("Calendar/set", Method::CalendarSet, CALENDARS),
    ("CalendarEvent/get", Method::CalendarEventGet, CALENDARS),
    ("CalendarEvent/changes", Method::CalendarEventChanges, CALENDARS),
    ("CalendarEvent/query", Method::CalendarEventQuery, CALENDARS),
    ("CalendarEvent/queryChanges", Method::CalendarEventQueryChanges, CALENDARS),
    ("CalendarEvent/set", Method::CalendarEventSet, CALENDARS),
    ("CalendarEvent/copy", Method::CalendarEventCopy, CALENDARS),
    ("ParticipantIdentity/get", Method::ParticipantIdentityGet, CALENDARS),
    ("ParticipantIdentity/changes", Method::ParticipantIdentityChanges, CALENDARS),
    ("CalendarEventNotification/get", Method::CalendarEventNotificationGet, CALENDARS),
    ("CalendarEventNotification/changes", Method::CalendarEventNotificationChanges, CALENDARS),
    ("CalendarEventNotification/set", Method::CalendarEventNotificationSet, CALENDARS),
    ("CalendarEventNotification/query", Method::CalendarEventNotificationQuery, CALENDARS),
    ("CalendarEventNotification/queryChanges", Method::CalendarEventNotificationQueryChanges, CALENDARS),
    ("TaskList/get", Method::TaskListGet, TASKS),
    ("TaskList/changes", Method::TaskListChanges, TASKS),
    ("TaskList/set", Method::TaskListSet, TASKS),
    ("Task/get", Method::TaskGet, TASKS),
    ("Task/changes", Method::TaskChanges, TASKS),
    ("Task/query", Method::TaskQuery, TASKS),
    ("Task/queryChanges", Method::TaskQueryChanges, TASKS),
    ("Task/set", Method::TaskSet, TASKS),
    ("Task/copy", Method::TaskCopy, TASKS),
    ("Principal/get", Method::PrincipalGet, PRINCIPALS),
    ("ShareNotification/get", Method::ShareNotificationGet, PRINCIPALS),
    ("ShareNotification/changes", Method::ShareNotificationChanges, PRINCIPALS),
    ("ShareNotification/query", Method::ShareNotificationQuery, PRINCIPALS),
    ("ShareNotification/set", Method::ShareNotificationSet, PRINCIPALS),
    ("ShareNotification/queryChanges", Method::QueryChanges, PRINCIPALS),
    ("Principal/changes", Method::PrincipalChanges, PRINCIPALS),
    ("Principal/query", Method::PrincipalQuery, PRINCIPALS),
    ("Principal/queryChanges", Method::QueryChanges, PRINCIPALS),
    ("Principal/set", Method::PrincipalSet, PRINCIPALS),
    ("Principal/getAvailability", Method::PrincipalGetAvailability, CALENDARS),
    ("Password/change", Method::PasswordChange, SECURITY),
    ("AppPassword/get", Method::AppPasswordGet, SECURITY),
    ("AppPassword/set", Method::AppPasswordSet, SECURITY),
    ("ApiToken/get", Method::ApiTokenGet, SECURITY),
    ("ApiToken/set", Method::ApiTokenSet, SECURITY),
    ("Device/get", Method::DeviceGet, SECURITY),
    ("Device/set", Method::DeviceSet, SECURITY),
    // RFC 8620 §7.2: the principal's, not an account's (no accountId).
    ("PushSubscription/get", Method::PushSubscriptionGet, CORE),
    ("PushSubscription/set", Method::PushSubscriptionSet, CORE),
];

/// One request's context, shared by its calls.
pub(crate) struct Ctx<'a> {
    pub jmap: &'a Jmap,
    pub principal: &'a Principal,
    pub actor: Actor,
    /// The client's address, when the transport knows it.
    pub remote: Option<IpAddr>,
    /// What the request's login stood on (push subscriptions live as long as it).
    pub login: &'a crate::Login,
    /// Creation ids of this request (and the client's `createdIds`) → the ids made.
    pub created: HashMap<String, String>,
    /// Responses a method adds after its own (RFC 8621 §7.5 onSuccessUpdateEmail).
    pub implicit: Vec<(String, Value)>,
}

impl Ctx<'_> {
    /// Adds the response of an implicit call (`name`, or `error` when it failed) after the
    /// current one's (RFC 8620 §5.4 onSuccessDestroyOriginal, RFC 8621 §7.5).
    pub fn push_implicit(&mut self, name: &str, result: Result<Value, MethodError>) {
        match result {
            Ok(v) => self.implicit.push((name.to_owned(), v)),
            Err(e) => self.implicit.push(("error".to_owned(), e.to_json())),
        }
    }

    /// An id argument, a `#creationId` resolved (RFC 8620 §5.3).
    pub fn id<'s>(&'s self, s: &'s str) -> Option<&'s str> {
        match s.strip_prefix('#') {
            Some(creation) => self.created.get(creation).map(String::as_str),
            None => Some(s),
        }
    }
}

pub(crate) async fn run(
    jmap: &Jmap,
    principal: &Principal,
    (remote, login): (Option<IpAddr>, &crate::Login),
    request: Request,
) -> Value {
    let actor = Jmap::actor(principal);
    let mut ctx = Ctx { jmap, principal, actor, remote, login, created: HashMap::new(), implicit: Vec::new() };
    let echo_created = request.created_ids.is_some();
    for (k, v) in request.created_ids.into_iter().flatten() {
        if let Value::String(id) = v {
            ctx.created.insert(k, id);
        }
    }
    let mut made: Vec<Made> = Vec::with_capacity(request.calls.len());
    for call in request.calls {
        let mut arguments = call.arguments;
        let result = match resolve_references(&mut arguments, &made) {
            Ok(()) => dispatch(&mut ctx, &request.using, &call.name, arguments).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(v) => made.push((call.name, v, call.call_id.clone())),
            Err(e) => made.push(("error".to_owned(), e.to_json(), call.call_id.clone())),
        }
        for (name, v) in ctx.implicit.drain(..) {
            made.push((name, v, call.call_id.clone()));
        }
    }
    let responses: Vec<Value> = made.into_iter().map(|(n, v, id)| json!([n, v, id])).collect();
    let session_state = session_state(&ctx).await.unwrap_or_default();
    let mut out = json!({ "methodResponses": responses, "sessionState": session_state });
    if echo_created && let Some(map) = out.as_object_mut() {
        let created: Map<String, Value> = ctx.created.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
        map.insert("createdIds".into(), Value::Object(created));
    }
    out
}

/// The session's state (RFC 8620 §3.4 `sessionState`), computed without the session object.
async fn session_state(ctx: &Ctx<'_>) -> Result<String, MethodError> {
    crate::session::state(ctx.jmap, ctx.principal).await
}

async fn dispatch(
    ctx: &mut Ctx<'_>,
    using: &[String],
    name: &str,
    arguments: Map<String, Value>,
) -> Result<Value, MethodError> {
    let Some((_, method, capability)) = TABLE.iter().find(|(n, ..)| *n == name) else {
        return Err(MethodError::UnknownMethod(name.to_owned()));
    };
    // RFC 8620 §3.3: a method of a capability the request does not use is unknown.
    if !using.iter().any(|u| u == capability) {
        return Err(MethodError::UnknownMethod(name.to_owned()));
    }
    let args = Args::new(arguments);
    // Each boxed: a request's future is as large as its largest method otherwise.
    match method {
        Method::CoreEcho => Ok(Value::Object(args.into_map())),
        Method::BlobCopy => Box::pin(blob::copy(ctx, args)).await,
        Method::MailboxGet => Box::pin(mailbox::get(ctx, args)).await,
        Method::MailboxChanges => Box::pin(mailbox::changes(ctx, args)).await,
        Method::MailboxQuery => Box::pin(mailbox::query(ctx, args)).await,
        Method::MailboxSet => Box::pin(mailbox::set(ctx, args)).await,
        Method::ThreadGet => Box::pin(thread::get(ctx, args)).await,
        Method::ThreadChanges => Box::pin(thread::changes(ctx, args)).await,
        Method::EmailGet => Box::pin(email_get::get(ctx, args)).await,
        Method::EmailChanges => Box::pin(email::changes(ctx, args)).await,
        Method::EmailQuery => Box::pin(email_query::query(ctx, args)).await,
        Method::EmailSet => Box::pin(email_set::set(ctx, args)).await,
        Method::EmailImport => Box::pin(email_set::import(ctx, args)).await,
        Method::EmailCopy => Box::pin(email_copy::copy(ctx, args)).await,
        Method::EmailParse => Box::pin(email_parse::parse(ctx, args)).await,
        Method::EmailQueryChanges => Box::pin(email_query_changes::query_changes(ctx, args)).await,
        // Mailbox, Quota and Principal queries are not followed (canCalculateChanges is false):
        // RFC 8620 §5.6.
        Method::QueryChanges => {
            args.account(ctx).await?;
            Err(MethodError::CannotCalculateChanges)
        }
        Method::EmailSubmissionGet => Box::pin(submission_get::get(ctx, args)).await,
        Method::EmailSubmissionChanges => Box::pin(submission_get::changes(ctx, args)).await,
        Method::EmailSubmissionQuery => Box::pin(submission_get::query(ctx, args)).await,
        Method::SearchSnippetGet => Box::pin(search_snippet::get(ctx, args)).await,
        Method::IdentityGet => Box::pin(identity::get(ctx, args)).await,
        Method::IdentityChanges => Box::pin(identity::changes(ctx, args)).await,
        Method::IdentitySet => Box::pin(identity::set(ctx, args)).await,
        Method::EmailSubmissionSet => Box::pin(submission::set(ctx, args)).await,
        Method::VacationResponseGet => Box::pin(vacation::get(ctx, args)).await,
        Method::VacationResponseSet => Box::pin(vacation::set(ctx, args)).await,
        Method::QuotaGet => Box::pin(quota::get(ctx, args)).await,
        Method::QuotaChanges => Box::pin(quota::changes(ctx, args)).await,
        Method::QuotaQuery => Box::pin(quota::query(ctx, args)).await,
        Method::AddressBookGet => Box::pin(address_book::get(ctx, args)).await,
        Method::AddressBookChanges => Box::pin(address_book::changes(ctx, args)).await,
        Method::AddressBookSet => Box::pin(address_book::set(ctx, args)).await,
        Method::ContactCardGet => Box::pin(contact_card::get(ctx, args)).await,
        Method::ContactCardChanges => Box::pin(contact_card::changes(ctx, args)).await,
        Method::ContactCardQuery => Box::pin(contact_card::query(ctx, args)).await,
        Method::ContactCardQueryChanges => Box::pin(contact_card::query_changes(ctx, args)).await,
        Method::ContactCardSet => Box::pin(contact_set::set(ctx, args)).await,
        Method::ContactCardCopy => Box::pin(contact_set::copy(ctx, args)).await,
        Method::CalendarGet => Box::pin(calendar::get(ctx, args)).await,
        Method::CalendarChanges => Box::pin(calendar::changes(ctx, args)).await,
        Method::CalendarSet => Box::pin(calendar::set(ctx, args)).await,
        Method::CalendarEventGet => Box::pin(calendar_event::get(ctx, args)).await,
        Method::CalendarEventChanges => Box::pin(calendar_event::changes(ctx, args)).await,
        Method::CalendarEventQuery => Box::pin(calendar_event::query(ctx, args)).await,
        Method::CalendarEventQueryChanges => Box::pin(calendar_event::query_changes(ctx, args)).await,
        Method::CalendarEventSet => Box::pin(calendar_event_set::set(ctx, args)).await,
        Method::CalendarEventCopy => Box::pin(calendar_event_set::copy(ctx, args)).await,
        Method::ParticipantIdentityGet => Box::pin(participant_identity::get(ctx, args)).await,
        Method::ParticipantIdentityChanges => Box::pin(participant_identity::changes(ctx, args)).await,
        Method::CalendarEventNotificationGet => Box::pin(calendar_event_notification::get(ctx, args)).await,
        Method::CalendarEventNotificationChanges => Box::pin(calendar_event_notification::changes(ctx, args)).await,
        Method::CalendarEventNotificationSet => Box::pin(calendar_event_notification::set(ctx, args)).await,
        Method::CalendarEventNotificationQuery => Box::pin(calendar_event_notification::query(ctx, args)).await,
        Method::CalendarEventNotificationQueryChanges => {
            Box::pin(calendar_event_notification::query_changes(ctx, args)).await
        }
        Method::TaskListGet => Box::pin(task_list::get(ctx, args)).await,
        Method::TaskListChanges => Box::pin(task_list::changes(ctx, args)).await,
        Method::TaskListSet => Box::pin(task_list::set(ctx, args)).await,
        Method::TaskGet => Box::pin(task::get(ctx, args)).await,
        Method::TaskChanges => Box::pin(task::changes(ctx, args)).await,
        Method::TaskQuery => Box::pin(task::query(ctx, args)).await,
        Method::TaskQueryChanges => Box::pin(task::query_changes(ctx, args)).await,
        Method::TaskSet => Box::pin(task_set::set(ctx, args)).await,
        Method::TaskCopy => Box::pin(task_set::copy(ctx, args)).await,
        Method::PrincipalGet => Box::pin(principal::get(ctx, args)).await,
        Method::ShareNotificationGet => Box::pin(share_notification::get(ctx, args)).await,
        Method::ShareNotificationChanges => Box::pin(share_notification::changes(ctx, args)).await,
        Method::ShareNotificationQuery => Box::pin(share_notification::query(ctx, args)).await,
        Method::ShareNotificationSet => Box::pin(share_notification::set(ctx, args)).await,
        Method::PrincipalChanges => Box::pin(principal::changes(ctx, args)).await,
        Method::PrincipalQuery => Box::pin(principal::query(ctx, args)).await,
        Method::PrincipalSet => Box::pin(principal::set(ctx, args)).await,
        Method::PrincipalGetAvailability => Box::pin(availability::get(ctx, args)).await,
        Method::PasswordChange => Box::pin(security::change_password(ctx, args)).await,
        Method::AppPasswordGet => Box::pin(security::app_get(ctx, args)).await,
        Method::AppPasswordSet => Box::pin(security::app_set(ctx, args)).await,
        Method::ApiTokenGet => Box::pin(security::token_get(ctx, args)).await,
        Method::ApiTokenSet => Box::pin(security::token_set(ctx, args)).await,
        Method::DeviceGet => Box::pin(security::device_get(ctx, args)).await,
        Method::DeviceSet => Box::pin(security::device_set(ctx, args)).await,
        Method::PushSubscriptionGet => Box::pin(push_subscription::get(ctx, args)).await,
        Method::PushSubscriptionSet => Box::pin(push_subscription::set(ctx, args)).await,
    }
}
