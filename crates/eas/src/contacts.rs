//! Sync of address books (MS-ASCNTC over MS-ASCMD Sync): the objects of a CardDAV address book
//! as the Contacts class, read and written through the groupware domain
//! (`Groupware::delta`/`object`/`put`/`delete` with the actor) and its contact fields
//! (`relais_groupware::contact`), so a contact changed on the phone is the same vCard a CardDAV
//! client reads, with every property the phone does not know kept. ServerIds are
//! `<folder>:<item id>`; the state behind a key is what the device holds (every object up to an
//! item id, as of a modseq) and the device's own changes, which are not told back to it.

use relais_groupware::contact::{AddressKind, ContactFields, PhoneKind, PostalAddress};
use relais_groupware::resources::Condition;
use relais_groupware::sync::Held;
use relais_groupware::{ContactCard, Error as GwError};
use relais_store::{Collection, ItemId, Modseq, SyncState};
use relais_wbxml::Element;
use relais_wbxml::tag::{airsync as a, airsyncbase as base, contacts as c, contacts2 as c2};
use serde::{Deserialize, Serialize};

use crate::sync::collection_status as status;
use crate::{Ctx, text_of};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct State {
    modseq: u64,
    item: i64,
    /// The device's own writes (item, modseq they made) and deletions, not told back.
    #[serde(default)]
    own: Vec<(i64, u64)>,
    #[serde(default)]
    gone: Vec<i64>,
}

fn server_id(folder: &str, id: ItemId) -> String {
    format!("{folder}:{}", id.0)
}

fn item_in(folder: &str, sid: &str) -> Option<ItemId> {
    let (f, id) = sid.split_once(':')?;
    (f == folder).then(|| id.parse::<i64>().ok()).flatten().filter(|i| *i > 0).map(ItemId)
}

const PHONES: [(PhoneKind, relais_wbxml::Tag); 6] = [
    (PhoneKind::Work, c::BUSINESS_PHONE_NUMBER),
    (PhoneKind::Home, c::HOME_PHONE_NUMBER),
    (PhoneKind::Mobile, c::MOBILE_PHONE_NUMBER),
    (PhoneKind::WorkFax, c::BUSINESS_FAX_NUMBER),
    (PhoneKind::HomeFax, c::HOME_FAX_NUMBER),
    (PhoneKind::Pager, c::PAGER_NUMBER),
];

/// (kind, street, city, state, postal code, country) tags.
type AddressTags = (AddressKind, [relais_wbxml::Tag; 5]);
const ADDRESSES: [AddressTags; 3] = [
    (
        AddressKind::Work,
        [
            c::BUSINESS_ADDRESS_STREET,
            c::BUSINESS_ADDRESS_CITY,
            c::BUSINESS_ADDRESS_STATE,
            c::BUSINESS_ADDRESS_POSTAL_CODE,
            c::BUSINESS_ADDRESS_COUNTRY,
        ],
    ),
    (
        AddressKind::Home,
        [
            c::HOME_ADDRESS_STREET,
            c::HOME_ADDRESS_CITY,
            c::HOME_ADDRESS_STATE,
            c::HOME_ADDRESS_POSTAL_CODE,
            c::HOME_ADDRESS_COUNTRY,
        ],
    ),
    (
        AddressKind::Other,
        [
            c::OTHER_ADDRESS_STREET,
            c::OTHER_ADDRESS_CITY,
            c::OTHER_ADDRESS_STATE,
            c::OTHER_ADDRESS_POSTAL_CODE,
            c::OTHER_ADDRESS_COUNTRY,
        ],
    ),
];

const EMAILS: [relais_wbxml::Tag; 3] = [c::EMAIL1_ADDRESS, c::EMAIL2_ADDRESS, c::EMAIL3_ADDRESS];

/// The Contacts ApplicationData of a vCard.
fn application_data(vcard: &[u8]) -> Element {
    let f = std::str::from_utf8(vcard)
        .ok()
        .and_then(|t| ContactCard::parse(t).ok())
        .map(|card| ContactFields::from_card(&card));
    let f = f.unwrap_or_default();
    let mut d = Element::new(a::APPLICATION_DATA);
    let mut leaf = |tag, v: &Option<String>| {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            d.push(Element::leaf(tag, v));
        }
    };
    leaf(c::FILE_AS, &Some(f.shown_name()));
    leaf(c::FIRST_NAME, &f.first_name);
    leaf(c::LAST_NAME, &f.last_name);
    leaf(c::MIDDLE_NAME, &f.middle_name);
    leaf(c::TITLE, &f.title);
    leaf(c::SUFFIX, &f.suffix);
    leaf(c::COMPANY_NAME, &f.company);
    leaf(c::DEPARTMENT, &f.department);
    leaf(c::JOB_TITLE, &f.job_title);
    leaf(c::WEB_PAGE, &f.web_page);
    leaf(c::BIRTHDAY, &f.birthday.as_ref().map(|b| format!("{b}T00:00:00.000Z")));
    for (tag, e) in EMAILS.iter().zip(&f.emails) {
        d.push(Element::leaf(*tag, e.as_str()));
    }
    for (kind, tag) in PHONES {
        if let Some((_, n)) = f.phones.iter().find(|(k, _)| *k == kind) {
            d.push(Element::leaf(tag, n.as_str()));
        }
    }
    for (kind, tags) in ADDRESSES {
        if let Some((_, p)) = f.addresses.iter().find(|(k, _)| *k == kind) {
            for (tag, v) in tags.iter().zip([&p.street, &p.city, &p.region, &p.postal_code, &p.country]) {
                if !v.is_empty() {
                    d.push(Element::leaf(*tag, v.as_str()));
                }
            }
        }
    }
    if let Some(n) = f.nickname.as_deref() {
        d.push(Element::leaf(c2::NICK_NAME, n));
    }
    if let Some(notes) = f.notes.as_deref() {
        d.push(
            Element::new(base::BODY)
                .with_leaf(base::TYPE, "1")
                .with_leaf(base::ESTIMATED_DATA_SIZE, notes.len().to_string())
                .with_leaf(base::DATA, notes),
        );
    }
    d
}

/// The fields of a device's ApplicationData, over what the contact had (`before`): a field the
/// device sends replaces the old one; with 14.x, a field it leaves out is cleared (MS-ASCMD: a
/// Change carries the whole item), except the ones no phone shows, which are kept.
fn fields_from(data: &Element, before: ContactFields) -> ContactFields {
    let get = |tag| text_of(data, tag).filter(|v| !v.is_empty());
    let mut f = ContactFields {
        display_name: None,
        first_name: get(c::FIRST_NAME),
        last_name: get(c::LAST_NAME),
        middle_name: get(c::MIDDLE_NAME),
        title: get(c::TITLE),
        suffix: get(c::SUFFIX),
        nickname: get(c2::NICK_NAME),
        company: get(c::COMPANY_NAME),
        department: get(c::DEPARTMENT),
        job_title: get(c::JOB_TITLE),
        birthday: get(c::BIRTHDAY).map(|b| b.chars().take(10).collect()),
        web_page: get(c::WEB_PAGE),
        notes: data.child(base::BODY).and_then(|b| text_of(b, base::DATA)).or(before.notes.clone()),
        emails: EMAILS
            .iter()
            .filter_map(|t| get(*t))
            .map(|e| {
                // Phones send `"Name" <addr>`: the address is what the card keeps.
                match (e.find('<'), e.rfind('>')) {
                    (Some(s), Some(end)) if s < end => e[s + 1..end].trim().to_owned(),
                    _ => e,
                }
            })
            .collect(),
        phones: PHONES.iter().filter_map(|(k, t)| get(*t).map(|n| (*k, n))).collect(),
        addresses: Vec::new(),
    };
    for (kind, tags) in ADDRESSES {
        let [street, city, region, code, country] = tags.map(|t| get(t).unwrap_or_default());
        let p = PostalAddress { street, city, region, postal_code: code, country };
        if p != PostalAddress::default() {
            f.addresses.push((kind, p));
        }
    }
    // FileAs the device may show as the name; kept as the display name when it differs from
    // what the parts make.
    if let Some(file_as) = get(c::FILE_AS) {
        let parts = ContactFields { display_name: None, ..f.clone() }.shown_name();
        if file_as != parts {
            f.display_name = Some(file_as);
        }
    }
    f
}

/// A new resource name and UID for a contact made on a device.
fn new_name() -> (String, String) {
    let uid = format!("{:032x}", rand::random::<u128>());
    (format!("{uid}.vcf"), uid)
}

/// One Sync Collection element for an address book.
pub(crate) async fn collection(ctx: &Ctx<'_>, book: &Collection, req: &Element, window: usize) -> Element {
    let id = book.id.0.to_string();
    let key_text = text_of(req, a::SYNC_KEY).unwrap_or_default();
    let Ok(key) = key_text.parse::<u32>() else { return status("0", &id, 3) };
    let dir = &ctx.eas.directory;
    let device = &ctx.query.device_id;
    let Ok(stored) = dir.sync_state(&ctx.actor, device, &id).await else { return status(&key_text, &id, 16) };
    let stored = stored.unwrap_or_default();
    let base: Option<State> = match key {
        0 => None,
        k if k == stored.key => serde_json::from_str(&stored.state).ok(),
        k if k == stored.prev_key => serde_json::from_str(&stored.prev_state).ok(),
        _ => return status("0", &id, 3),
    };
    let gw = ctx.eas.groupware();
    let save = |state: &State, next: &State, body: Element| {
        let new_key = stored.key.max(key).wrapping_add(1).max(1);
        let s = SyncState {
            key: new_key,
            state: serde_json::to_string(next).unwrap_or_default(),
            prev_key: key,
            prev_state: if key == 0 { String::new() } else { serde_json::to_string(state).unwrap_or_default() },
        };
        (new_key, s, body)
    };
    let Some(state) = base else {
        if req.has(a::COMMANDS) {
            return status("0", &id, 4);
        }
        let (k, s, _) = save(&State::default(), &State::default(), Element::new(a::COLLECTION));
        if dir.save_sync_state(&ctx.actor, device, &id, s).await.is_err() {
            return status("0", &id, 16);
        }
        return status(&k.to_string(), &id, 1);
    };
    let mut responses = Vec::new();
    let mut own: Vec<(i64, u64)> = Vec::new();
    let mut gone: Vec<i64> = Vec::new();
    if let Some(commands) = req.child(a::COMMANDS) {
        if commands.elements().count() > crate::sync::MAX_COMMANDS {
            return status(&key_text, &id, 4);
        }
        for cmd in commands.elements() {
            if let Some(r) = command(ctx, book, &id, cmd, &mut own, &mut gone).await {
                responses.push(r);
            }
        }
    }
    let get_changes = req.child(a::GET_CHANGES).is_none_or(|g| g.text().trim() != "0");
    let mut next = state.clone();
    let mut commands = Vec::new();
    let mut more = false;
    if get_changes {
        let held = Held { modseq: Modseq(state.modseq), item: state.item };
        let delta = match gw.delta(&ctx.actor, book.id, held, window).await {
            Ok(d) => d,
            Err(GwError::Store(relais_store::Error::ChangesTooOld { .. })) => return status("0", &id, 3),
            Err(_) => return status(&key_text, &id, 12),
        };
        let mine = |i: i64, m: u64| state.own.iter().chain(&own).any(|&(x, y)| x == i && y == m);
        for r in delta.removed.iter().filter(|r| !state.gone.contains(&r.0) && !gone.contains(&r.0)) {
            commands.push(Element::new(a::DELETE).with_leaf(a::SERVER_ID, server_id(&id, *r)));
        }
        for o in delta.changed.iter().filter(|o| !mine(o.id.0, o.modseq.0)) {
            commands.push(
                Element::new(a::CHANGE)
                    .with_leaf(a::SERVER_ID, server_id(&id, o.id))
                    .with(application_data(&o.content)),
            );
        }
        for o in delta.added.iter().filter(|o| !mine(o.id.0, o.modseq.0)) {
            commands.push(
                Element::new(a::ADD).with_leaf(a::SERVER_ID, server_id(&id, o.id)).with(application_data(&o.content)),
            );
        }
        more = delta.more;
        next = State { modseq: delta.held.modseq.0, item: delta.held.item, own: Vec::new(), gone: Vec::new() };
    } else {
        next.own.extend(own);
        next.gone.extend(gone);
    }
    let mut body = Element::new(a::COLLECTION);
    if !commands.is_empty() {
        body = body.with(Element::new(a::COMMANDS).with_all(commands));
    }
    if !responses.is_empty() {
        body = body.with(Element::new(a::RESPONSES).with_all(responses));
    }
    if more {
        body = body.with_empty(a::MORE_AVAILABLE);
    }
    let (k, s, body) = save(&state, &next, body);
    if dir.save_sync_state(&ctx.actor, device, &id, s).await.is_err() {
        return status(&key_text, &id, 16);
    }
    let mut el = status(&k.to_string(), &id, 1);
    el.children.extend(body.children);
    el
}

/// One command of the device: Add, Change, Delete or Fetch of a contact.
async fn command(
    ctx: &Ctx<'_>,
    book: &Collection,
    id: &str,
    cmd: &Element,
    own: &mut Vec<(i64, u64)>,
    gone: &mut Vec<i64>,
) -> Option<Element> {
    let gw = ctx.eas.groupware();
    let sid = text_of(cmd, a::SERVER_ID).unwrap_or_default();
    let response =
        |tag, code: u32| Element::new(tag).with_leaf(a::SERVER_ID, sid.as_str()).with_leaf(a::STATUS, code.to_string());
    if cmd.tag == a::ADD {
        let client = text_of(cmd, a::CLIENT_ID).unwrap_or_default();
        let data = cmd.child(a::APPLICATION_DATA)?;
        let (name, uid) = new_name();
        let vcard = fields_from(data, ContactFields::default()).to_vcard(&uid, None);
        let answer = Element::new(a::ADD).with_leaf(a::CLIENT_ID, client.as_str());
        let cond = Condition { if_match: None, if_none_match: Some(vec!["*".into()]) };
        return Some(match gw.put(&ctx.actor, book, &name, vcard.into_bytes(), cond).await {
            Ok(_) => match gw.object_named(&ctx.actor, book.id, &name).await {
                Ok(Some(o)) => {
                    own.push((o.id.0, o.modseq.0));
                    answer.with_leaf(a::SERVER_ID, server_id(id, o.id)).with_leaf(a::STATUS, "1")
                }
                _ => answer.with_leaf(a::STATUS, "5"),
            },
            Err(e) => {
                tracing::debug!(error = %e, "eas: contact refused");
                answer.with_leaf(a::STATUS, "6")
            }
        });
    }
    let item = item_in(id, &sid)?;
    let Ok(Some(object)) = gw.object(&ctx.actor, book.id, item).await else { return Some(response(cmd.tag, 8)) };
    match cmd.tag {
        t if t == a::FETCH => Some(response(a::FETCH, 1).with(application_data(&object.content))),
        t if t == a::CHANGE => {
            let data = cmd.child(a::APPLICATION_DATA)?;
            let text = String::from_utf8_lossy(&object.content).into_owned();
            let Ok(card) = ContactCard::parse(&text) else { return Some(response(a::CHANGE, 6)) };
            let before = ContactFields::from_card(&card);
            let vcard = fields_from(data, before).to_vcard(&card.uid, Some(&text));
            let cond = Condition { if_match: Some(vec![relais_groupware::etag(object.modseq)]), if_none_match: None };
            match gw.put(&ctx.actor, book, &object.name, vcard.into_bytes(), cond).await {
                Ok(_) => {
                    if let Ok(Some(o)) = gw.object_named(&ctx.actor, book.id, &object.name).await {
                        own.push((o.id.0, o.modseq.0));
                    }
                    None
                }
                Err(GwError::PreconditionFailed) => Some(response(a::CHANGE, 7)),
                Err(_) => Some(response(a::CHANGE, 6)),
            }
        }
        t if t == a::DELETE => match gw.delete(&ctx.actor, book, &object.name, Condition::default()).await {
            Ok(()) => {
                gone.push(item.0);
                None
            }
            Err(_) => Some(response(a::DELETE, 6)),
        },
        _ => Some(response(cmd.tag, 4)),
    }
}
