//! Transcripts of JMAP Sharing (RFC 9670) on both backends: the principals capabilities in the
//! session and on each account, Principal/get, /query, /changes and /set, and `shareWith` on
//! Mailbox and AddressBook — read from the access service's grants and set through the same
//! domain operation IMAP SETACL and DAV ACL use (a change is the grant IMAP GETACL reads), with
//! the one rule of who may share, and bad input refused with nothing written.

mod common;

use relais_directory::access::{Actor, Protocol, Rights};
use relais_directory::{Directory, GrantChange};
use relais_jmap::{Jmap, JmapConfig, Origin};
use relais_store::{CollectionId, Principal, PrincipalKind, Role};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;
use serde_json::{Value, json};

const USING: [&str; 5] = [
    "urn:ietf:params:jmap:core",
    "urn:ietf:params:jmap:mail",
    "urn:ietf:params:jmap:contacts",
    "urn:ietf:params:jmap:calendars",
    "urn:ietf:params:jmap:principals",
];
const PRINCIPALS: &str = "urn:ietf:params:jmap:principals";
const OWNER: &str = "urn:ietf:params:jmap:principals:owner";
const CALENDARS: &str = "urn:ietf:params:jmap:calendars";

struct World {
    jmap: Jmap,
    dir: Directory,
    ann: Principal,
    bob: Principal,
    /// In another domain: not seen by Ann or Bob.
    dan: Principal,
}

async fn world(f: &Fresh) -> World {
    let (mailer, ann, bob) = common::ann_and_bob(f).await;
    let dir = mailer.directory().clone();
    dir.add_domain("other.test").await.unwrap();
    let dan = dir.add_principal(PrincipalKind::User, "dan@other.test", "Dan", Some("pw"), Role::User).await.unwrap();
    World { jmap: Jmap::new(mailer, JmapConfig::default()), dir, ann, bob, dan }
}

impl World {
    async fn one(&self, who: &Principal, name: &str, args: Value) -> Value {
        let body = json!({ "using": USING, "methodCalls": [[name, args, "c"]] });
        let r = self.jmap.api(who, body.to_string().as_bytes()).await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        let [answer] = v["methodResponses"].as_array().unwrap().as_slice() else { panic!("{v}") };
        answer[1].clone()
    }

    async fn session(&self, who: &Principal) -> Value {
        let s = self.jmap.session(who, &Origin("https://mail.test".into())).await;
        serde_json::from_slice(&s.body).unwrap()
    }

    /// Bob's rights on a collection, as IMAP MYRIGHTS / DAV read them.
    async fn bobs_rights(&self, c: CollectionId) -> Option<Rights> {
        self.dir.my_rights(&Actor::new(self.bob.id, Protocol::Imap), c).await.ok()
    }
}

fn acc(p: &Principal) -> String {
    format!("a{}", p.id.0)
}

fn pid(p: &Principal) -> String {
    format!("p{}", p.id.0)
}

fn ids(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|i| i.as_str().unwrap().to_owned()).collect()
}

/// RFC 9670 §2: the capabilities; §3: Principal/get, /query, /changes, /set.
/// The Principal state `who` sees now.
async fn r_state(w: &World, who: &Principal, account: &str) -> Value {
    w.one(who, "Principal/get", json!({"accountId": account, "ids": []})).await["state"].clone()
}

async fn principals(f: Fresh) {
    let w = world(&f).await;
    let s = w.session(&w.ann).await;
    assert_eq!(s["capabilities"][PRINCIPALS], json!({}));
    assert_eq!(s["capabilities"][OWNER], json!({}));
    let caps = &s["accounts"][acc(&w.ann)]["accountCapabilities"];
    assert_eq!(caps[PRINCIPALS], json!({"currentUserPrincipalId": pid(&w.ann)}));
    assert_eq!(caps[OWNER], json!({"accountIdForPrincipal": acc(&w.ann), "principalId": pid(&w.ann)}));

    // Every principal Ann sees: her domain's, not Dan's.
    let a = acc(&w.ann);
    let r = w.one(&w.ann, "Principal/get", json!({"accountId": a, "ids": null})).await;
    let list = r["list"].as_array().unwrap();
    let emails: Vec<&str> = list.iter().map(|p| p["email"].as_str().unwrap()).collect();
    assert_eq!(emails, ["ann@example.com", "bob@example.com"], "{r}");
    let bob = list.iter().find(|p| p["id"] == pid(&w.bob)).unwrap();
    assert_eq!((bob["type"].as_str(), bob["name"].as_str()), (Some("individual"), Some("Bob")));
    assert!(bob["accounts"].is_null(), "Bob shares nothing with Ann yet: {bob}");
    let me = list.iter().find(|p| p["id"] == pid(&w.ann)).unwrap();
    assert!(me["accounts"][&a]["isPersonal"] == true, "{me}");
    let r = w
        .one(
            &w.ann,
            "Principal/get",
            json!({"accountId": a, "ids": [pid(&w.dan), "p999999", "x1"], "properties": ["name"]}),
        )
        .await;
    assert_eq!(r["list"], json!([]));
    assert_eq!(ids(&r["notFound"]), [pid(&w.dan), "p999999".into(), "x1".into()]);
    let state = r["state"].as_str().unwrap().to_owned();

    // Principal/query: filters and sorts.
    let q =
        |filter: Value, sort: Value| json!({"accountId": a, "filter": filter, "sort": sort, "calculateTotal": true});
    let r = w.one(&w.ann, "Principal/query", q(json!({"text": "BOB"}), json!([]))).await;
    assert_eq!((ids(&r["ids"]), r["total"].as_u64()), (vec![pid(&w.bob)], Some(1)), "{r}");
    let r = w.one(&w.ann, "Principal/query", q(json!({"email": "dan@"}), json!([]))).await;
    assert_eq!(ids(&r["ids"]), Vec::<String>::new(), "another domain's principals are not listed");
    let desc = json!([{"property": "name", "isAscending": false}]);
    let r = w.one(&w.ann, "Principal/query", q(json!({"type": "individual"}), desc)).await;
    assert_eq!(ids(&r["ids"]), [pid(&w.bob), pid(&w.ann)]);
    let not = json!({"operator": "NOT", "conditions": [{"name": "ann"}]});
    assert_eq!(ids(&w.one(&w.ann, "Principal/query", q(not, json!([]))).await["ids"]), [pid(&w.bob)]);
    let r = w.one(&w.ann, "Principal/query", q(json!({"accountIds": [a]}), json!([]))).await;
    assert_eq!(ids(&r["ids"]), [pid(&w.ann)]);
    let r = w.one(&w.ann, "Principal/query", q(json!({"colour": "red"}), json!([]))).await;
    assert_eq!(r["type"], "unsupportedFilter");
    let r = w.one(&w.ann, "Principal/query", q(json!({}), json!([{"property": "quota"}]))).await;
    assert_eq!(r["type"], "unsupportedSort");

    // Principal/changes from the directory's log: a new colleague is created, Dan's new
    // neighbour is not reported.
    let cat = w.dir.add_principal(PrincipalKind::Room, "cat@example.com", "Boardroom", None, Role::User).await.unwrap();
    w.dir.add_principal(PrincipalKind::User, "eve@other.test", "Eve", None, Role::User).await.unwrap();
    let r = w.one(&w.ann, "Principal/changes", json!({"accountId": a, "sinceState": state})).await;
    assert_eq!(ids(&r["created"]), [pid(&cat)], "{r}");
    assert_ne!(r["newState"], json!(state));
    let r = w.one(&w.ann, "Principal/get", json!({"accountId": a, "ids": [pid(&cat)]})).await;
    assert_eq!(r["list"][0]["type"], "location");
    let r = w.one(&w.ann, "Principal/changes", json!({"accountId": a, "sinceState": "not-a-state"})).await;
    assert_eq!(r["type"], "cannotCalculateChanges");
    // A removal names an id whose domain is gone with it: where users see only their own
    // domain, another's removal must not show, so the client starts over.
    let since = r_state(&w, &w.ann, &a).await;
    w.dir.remove_principal("eve@other.test").await.unwrap();
    let r = w.one(&w.ann, "Principal/changes", json!({"accountId": a, "sinceState": since})).await;
    assert_eq!(r["type"], "cannotCalculateChanges", "{r}");

    // Principal/set: the administrator's, so forbidden; an unseen principal is notFound.
    let r = w
        .one(
            &w.ann,
            "Principal/set",
            json!({"accountId": a, "create": {"k": {"name": "x"}}, "update": {pid(&w.ann): {"name": "Annie"}, pid(&w.dan): {"name": "D"}}, "destroy": [pid(&w.bob)]}),
        )
        .await;
    assert_eq!(r["notCreated"]["k"]["type"], "forbidden");
    assert_eq!(r["notUpdated"][pid(&w.ann)]["type"], "forbidden");
    assert_eq!(r["notUpdated"][pid(&w.dan)]["type"], "notFound");
    assert_eq!(r["notDestroyed"][pid(&w.bob)]["type"], "forbidden");
    assert_eq!(w.dir.principal_by_id(w.ann.id).await.unwrap().unwrap().display_name, "Ann");
    // Without the capability in `using`, the methods are unknown.
    let body =
        json!({"using": ["urn:ietf:params:jmap:core"], "methodCalls": [["Principal/get", {"accountId": a}, "c"]]});
    let r = w.jmap.api(&w.ann, body.to_string().as_bytes()).await;
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v["methodResponses"][0][1]["type"], "unknownMethod");
}
on_both_backends!(principals_on, principals);

const READER: &str = r#"{"mayReadItems": true, "mayAddItems": false, "mayRemoveItems": false, "maySetSeen": true,
 "maySetKeywords": false, "mayCreateChild": false, "mayRename": false, "mayDelete": false, "maySubmit": false,
 "mayShare": false}"#;

/// RFC 9670 §4 on Mailbox: made shared with shareWith, patched, read back over the access
/// service (what IMAP GETACL and MYRIGHTS read), refused without mayShare, bad input refused.
async fn mailbox_share_with(f: Fresh) {
    let w = world(&f).await;
    let (a, reader): (String, Value) = (acc(&w.ann), serde_json::from_str(READER).unwrap());
    let r = w
        .one(
            &w.ann,
            "Mailbox/set",
            json!({"accountId": a, "create": {"k": {"name": "Team", "shareWith": {pid(&w.bob): reader}}}}),
        )
        .await;
    let team = r["created"]["k"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let team_id = CollectionId(team[1..].parse().unwrap());
    assert_eq!(w.bobs_rights(team_id).await, Some(Rights::READ | Rights::KEEP_SEEN));
    let r = w
        .one(&w.ann, "Mailbox/get", json!({"accountId": a, "ids": [team], "properties": ["shareWith", "myRights"]}))
        .await;
    assert_eq!(r["list"][0]["shareWith"], json!({pid(&w.bob): reader}), "{r}");
    assert_eq!(r["list"][0]["myRights"]["mayShare"], true);
    let r = w.one(&w.ann, "Mailbox/get", json!({"accountId": a, "ids": null})).await;
    let inbox = r["list"].as_array().unwrap().iter().find(|m| m["role"] == "inbox").unwrap();
    assert!(inbox["shareWith"].is_null(), "not shared: {inbox}");

    // Bob now reaches Ann's account; he sees the mailbox but not its sharing, and may not share.
    let s = w.session(&w.bob).await;
    assert_eq!(s["accounts"][&a]["isPersonal"], false, "{s}");
    assert_eq!(s["accounts"][&a]["accountCapabilities"][OWNER]["principalId"], pid(&w.ann));
    let r = w.one(&w.bob, "Mailbox/get", json!({"accountId": a, "ids": [team]})).await;
    assert!(r["list"][0]["shareWith"].is_null() && r["list"][0]["myRights"]["mayShare"] == false, "{r}");
    let r = w
        .one(
            &w.bob,
            "Mailbox/set",
            json!({"accountId": a, "update": {team.clone(): {format!("shareWith/{}/mayAddItems", pid(&w.bob)): true}}}),
        )
        .await;
    assert_eq!(r["notUpdated"][&team]["type"], "forbidden", "{r}");
    let r = w.one(&w.ann, "Principal/get", json!({"accountId": a, "ids": [pid(&w.ann)]})).await;
    assert!(r["list"][0]["accounts"][&a].is_object());
    let r = w.one(&w.bob, "Principal/get", json!({"accountId": acc(&w.bob), "ids": [pid(&w.ann)]})).await;
    assert_eq!(r["list"][0]["accounts"][&a]["isPersonal"], false, "Ann's account, as Bob reaches it: {r}");

    // Patched by one right, and by one principal; the change is the grant IMAP reads.
    let patch = |k: String, v: Value| json!({"accountId": a, "update": {team.clone(): {k: v}}});
    let r = w.one(&w.ann, "Mailbox/set", patch(format!("shareWith/{}/mayAddItems", pid(&w.bob)), json!(true))).await;
    assert!(r["updated"].get(&team).is_some(), "{r}");
    assert_eq!(w.bobs_rights(team_id).await, Some(Rights::READ | Rights::KEEP_SEEN | Rights::INSERT));
    // A grant made over IMAP (SETACL bob +a) shows as mayShare.
    let imap = Actor::new(w.ann.id, Protocol::Imap);
    w.dir.change_grant(&imap, team_id, w.bob.id, GrantChange::Add(Rights::ADMIN)).await.unwrap();
    let r = w.one(&w.ann, "Mailbox/get", json!({"accountId": a, "ids": [team], "properties": ["shareWith"]})).await;
    assert_eq!(r["list"][0]["shareWith"][pid(&w.bob)]["mayShare"], true);
    // Bob, holding mayShare now, sees the sharing and may change it.
    let r = w.one(&w.bob, "Mailbox/set", patch(format!("shareWith/{}/mayShare", pid(&w.bob)), json!(false))).await;
    assert!(r["updated"].get(&team).is_some(), "{r}");
    assert_eq!(w.bobs_rights(team_id).await, Some(Rights::READ | Rights::KEEP_SEEN | Rights::INSERT));

    // Bad input: nothing written.
    let before = w.bobs_rights(team_id).await;
    let bad = [
        (format!("shareWith/{}", pid(&w.dan)), reader.clone()),
        ("shareWith/p999999".to_owned(), reader.clone()),
        (format!("shareWith/{}", pid(&w.ann)), reader.clone()),
        (format!("shareWith/{}", pid(&w.bob)), json!({"mayReadItems": "yes"})),
        (format!("shareWith/{}", pid(&w.bob)), json!({"mayFly": true})),
        (format!("shareWith/{}", pid(&w.bob)), json!({"mayRename": true, "mayDelete": false})),
        (format!("shareWith/{}/mayReadItems", pid(&w.bob)), json!(1)),
        (format!("shareWith/{}/a/b", pid(&w.bob)), json!(true)),
        ("shareWith".to_owned(), json!([pid(&w.bob)])),
    ];
    for (k, v) in bad {
        let r = w.one(&w.ann, "Mailbox/set", patch(k.clone(), v)).await;
        assert_eq!(r["notUpdated"][&team]["type"], "invalidProperties", "{k}: {r}");
    }
    assert_eq!(w.bobs_rights(team_id).await, before);
    // Refused whole, not after the create or rename it came with was written.
    let owner = json!({pid(&w.ann): reader});
    let r = w
        .one(&w.ann, "Mailbox/set", json!({"accountId": a, "create": {"o": {"name": "Owned", "shareWith": owner}}}))
        .await;
    assert_eq!(r["notCreated"]["o"]["type"], "invalidProperties", "{r}");
    let r = w.one(&w.ann, "Mailbox/query", json!({"accountId": a, "filter": {"name": "Owned"}})).await;
    assert_eq!(r["ids"], json!([]), "no mailbox made: {r}");
    let rename = json!({"accountId": a, "update": {team.clone(): {"name": "Renamed", "shareWith": owner}}});
    let r = w.one(&w.ann, "Mailbox/set", rename).await;
    assert_eq!(r["notUpdated"][&team]["type"], "invalidProperties", "{r}");
    let r = w.one(&w.ann, "Mailbox/get", json!({"accountId": a, "ids": [team], "properties": ["name"]})).await;
    assert_eq!(r["list"][0]["name"], "Team", "not renamed: {r}");
    // Another account's mailbox id is notFound.
    let r = w
        .one(&w.bob, "Mailbox/set", json!({"accountId": acc(&w.bob), "update": {team.clone(): {"shareWith": null}}}))
        .await;
    assert_eq!(r["notUpdated"][&team]["type"], "notFound", "{r}");

    // The whole map replaces every grant; null shares with nobody.
    let r = w.one(&w.ann, "Mailbox/set", patch("shareWith".into(), Value::Null)).await;
    assert!(r["updated"].get(&team).is_some(), "{r}");
    assert_eq!(w.bobs_rights(team_id).await, None);
    let s = w.session(&w.bob).await;
    assert!(s["accounts"].get(&a).is_none(), "nothing shared any more: {s}");
}
on_both_backends!(mailbox_share_with_on, mailbox_share_with);

/// RFC 9670 §4 on AddressBook (RFC 9610 §2 rights): shared by JMAP, seen by the sharee (its
/// contacts capability on the owner's account), refused without mayShare.
async fn address_book_share_with(f: Fresh) {
    let w = world(&f).await;
    let a = acc(&w.ann);
    let r = w.one(&w.ann, "AddressBook/get", json!({"accountId": a, "ids": null})).await;
    let book = r["list"][0]["id"].as_str().unwrap().to_owned();
    assert!(r["list"][0]["shareWith"].is_null());
    let book_id = CollectionId(book[2..].parse().unwrap());
    let rights = json!({"mayRead": true, "mayWrite": true, "mayShare": false, "mayDelete": false});
    let r = w
        .one(
            &w.ann,
            "AddressBook/set",
            json!({"accountId": a, "update": {book.clone(): {format!("shareWith/{}", pid(&w.bob)): rights}}}),
        )
        .await;
    assert!(r["updated"].get(&book).is_some(), "{r}");
    assert_eq!(w.bobs_rights(book_id).await, Some(Rights::READ | Rights::WRITE));
    let r = w.one(&w.ann, "AddressBook/get", json!({"accountId": a, "ids": [book]})).await;
    assert_eq!(r["list"][0]["shareWith"], json!({pid(&w.bob): rights}), "{r}");

    let s = w.session(&w.bob).await;
    let cap = &s["accounts"][&a]["accountCapabilities"]["urn:ietf:params:jmap:contacts"];
    assert_eq!(cap["mayCreateAddressBook"], false, "{s}");
    assert_eq!(s["accounts"][&a]["isReadOnly"], false);
    let r = w.one(&w.bob, "AddressBook/get", json!({"accountId": a, "ids": [book]})).await;
    assert!(r["list"][0]["shareWith"].is_null(), "{r}");
    assert_eq!(
        r["list"][0]["myRights"],
        json!({"mayRead": true, "mayWrite": true, "mayShare": false, "mayDelete": false})
    );
    let r =
        w.one(&w.bob, "AddressBook/set", json!({"accountId": a, "update": {book.clone(): {"shareWith": {}}}})).await;
    assert_eq!(r["notUpdated"][&book]["type"], "forbidden", "{r}");
    assert_eq!(w.bobs_rights(book_id).await, Some(Rights::READ | Rights::WRITE));
    // A whole object with a wrong type, and a name change with it: nothing written.
    let r = w
        .one(&w.ann, "AddressBook/set", json!({"accountId": a, "update": {book.clone(): {"name": "Renamed", "shareWith": {pid(&w.bob): {"mayRead": 1}}}}}))
        .await;
    assert_eq!(r["notUpdated"][&book]["type"], "invalidProperties", "{r}");
    let r = w.one(&w.ann, "AddressBook/get", json!({"accountId": a, "ids": [book], "properties": ["name"]})).await;
    assert_ne!(r["list"][0]["name"], "Renamed");
    // A new address book made shared at once.
    let reader = json!({"mayRead": true, "mayWrite": false, "mayShare": false, "mayDelete": false});
    let r = w
        .one(
            &w.ann,
            "AddressBook/set",
            json!({"accountId": a, "create": {"k": {"name": "Team", "shareWith": {pid(&w.bob): reader}}}}),
        )
        .await;
    let team = r["created"]["k"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    assert_eq!(w.bobs_rights(CollectionId(team[2..].parse().unwrap())).await, Some(Rights::READ));
    let r =
        w.one(&w.ann, "AddressBook/set", json!({"accountId": a, "update": {book.clone(): {"shareWith": null}}})).await;
    assert!(r["updated"].get(&book).is_some(), "{r}");
    assert_eq!(w.bobs_rights(book_id).await, None);
}
on_both_backends!(address_book_share_with_on, address_book_share_with);

/// RFC 9670 §4 on Calendar (draft-ietf-jmap-calendars §4 CalendarRights): shared by JMAP, read
/// back as the grant DAV and IMAP read, seen by the sharee (the calendars capability on the
/// owner's account), keys that are one right refused when given unlike, refused without
/// mayShare, nothing written on bad input.
async fn calendar_share_with(f: Fresh) {
    let w = world(&f).await;
    let a = acc(&w.ann);
    let r = w.one(&w.ann, "Calendar/get", json!({"accountId": a, "ids": null})).await;
    let cal = r["list"][0]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    assert!(r["list"][0]["shareWith"].is_null());
    let cal_id = CollectionId(cal[3..].parse().unwrap());
    let writer = json!({"mayReadFreeBusy": true, "mayReadItems": true, "mayWriteAll": true, "mayWriteOwn": true,
        "mayUpdatePrivate": true, "mayRSVP": true, "mayShare": false, "mayDelete": false});
    let path = format!("shareWith/{}", pid(&w.bob));
    let r =
        w.one(&w.ann, "Calendar/set", json!({"accountId": a, "update": {cal.clone(): {path.clone(): writer}}})).await;
    assert!(r["updated"].get(&cal).is_some(), "{r}");
    assert_eq!(w.bobs_rights(cal_id).await, Some(Rights::READ | Rights::WRITE));
    let r = w.one(&w.ann, "Calendar/get", json!({"accountId": a, "ids": [cal], "properties": ["shareWith"]})).await;
    assert_eq!(r["list"][0]["shareWith"], json!({pid(&w.bob): writer}), "{r}");

    let s = w.session(&w.bob).await;
    assert_eq!(s["accounts"][&a]["accountCapabilities"][CALENDARS]["mayCreateCalendar"], false, "{s}");
    assert_eq!(s["accounts"][&a]["isReadOnly"], false);
    let r = w.one(&w.bob, "Calendar/get", json!({"accountId": a, "ids": [cal]})).await;
    assert!(r["list"][0]["shareWith"].is_null(), "no mayShare: {r}");
    assert_eq!(r["list"][0]["myRights"], writer);
    let r = w.one(&w.bob, "Calendar/set", json!({"accountId": a, "update": {cal.clone(): {"shareWith": {}}}})).await;
    assert_eq!(r["notUpdated"][&cal]["type"], "forbidden", "{r}");

    // One right under two keys, given unlike; a key given false that another includes; an
    // unknown key; a rename with them: nothing written.
    for bad in [
        json!({"mayReadItems": true, "mayWriteAll": true, "mayWriteOwn": false}),
        json!({"mayReadItems": true, "mayUpdatePrivate": true, "mayRSVP": false}),
        json!({"mayReadItems": true, "mayReadFreeBusy": false}),
        json!({"mayReadItems": true, "mayWriteAll": true, "mayWriteOwn": true, "mayRSVP": false, "mayUpdatePrivate": false}),
        json!({"mayRead": true}),
    ] {
        let patch = json!({"name": "Renamed", path.clone(): bad});
        let r = w.one(&w.ann, "Calendar/set", json!({"accountId": a, "update": {cal.clone(): patch}})).await;
        assert_eq!(r["notUpdated"][&cal]["properties"], json!(["shareWith"]), "{bad}: {r}");
        assert_eq!(r["oldState"], r["newState"], "nothing written");
    }
    assert_eq!(w.bobs_rights(cal_id).await, Some(Rights::READ | Rights::WRITE));

    // By right: free/busy only, then nothing.
    let fb = format!("{path}/mayReadFreeBusy");
    let r = w
        .one(&w.ann, "Calendar/set", json!({"accountId": a, "update": {cal.clone(): {"shareWith": {pid(&w.bob): {}}}}}))
        .await;
    assert!(r["updated"].get(&cal).is_some(), "{r}");
    let r = w.one(&w.ann, "Calendar/set", json!({"accountId": a, "update": {cal.clone(): {fb: true}}})).await;
    assert!(r["updated"].get(&cal).is_some(), "{r}");
    assert_eq!(w.bobs_rights(cal_id).await, Some(Rights::FREE_BUSY));
    let r = w.one(&w.ann, "Calendar/get", json!({"accountId": a, "ids": [cal], "properties": ["shareWith"]})).await;
    let bobs = &r["list"][0]["shareWith"][pid(&w.bob)];
    assert_eq!((bobs["mayReadFreeBusy"].as_bool(), bobs["mayReadItems"].as_bool()), (Some(true), Some(false)), "{r}");
    // Free/busy alone shows Bob no calendar of Ann's to read.
    let r = w.one(&w.bob, "Calendar/get", json!({"accountId": a, "ids": [cal]})).await;
    assert_eq!(r["type"], "accountNotFound", "{r}");

    // A new calendar shared at once; then shareWith null removes every grant.
    let reader = json!({"mayReadFreeBusy": true, "mayReadItems": true});
    let r = w
        .one(
            &w.ann,
            "Calendar/set",
            json!({"accountId": a, "create": {"k": {"name": "Team", "shareWith": {pid(&w.bob): reader}}}}),
        )
        .await;
    let team = r["created"]["k"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let team_id = CollectionId(team[3..].parse().unwrap());
    assert_eq!(w.bobs_rights(team_id).await, Some(Rights::READ), "read-free-busy is part of DAV:read");
    let r = w.one(&w.ann, "Calendar/set", json!({"accountId": a, "update": {cal.clone(): {"shareWith": null}}})).await;
    assert!(r["updated"].get(&cal).is_some(), "{r}");
    assert_eq!(w.bobs_rights(cal_id).await, None);
    // The owner is never a sharee; a principal of another domain is not seen.
    for who in [&w.ann, &w.dan] {
        let patch = json!({format!("shareWith/{}", pid(who)): reader});
        let r = w.one(&w.ann, "Calendar/set", json!({"accountId": a, "update": {cal.clone(): patch}})).await;
        assert_eq!(r["notUpdated"][&cal]["type"], "invalidProperties", "{r}");
    }
}
on_both_backends!(calendar_share_with_on, calendar_share_with);
