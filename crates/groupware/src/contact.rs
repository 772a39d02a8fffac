//! A contact as the field-by-field clients see it (ActiveSync Contacts, and EWS and JMAP
//! ContactCard to come): names, e-mail addresses, telephones by kind, postal addresses by kind,
//! organisation, birthday, web page, notes. Read from a stored vCard ([`ContactFields::from_card`])
//! and written back into one ([`ContactFields::to_vcard`]): the properties these fields map are
//! replaced, every other property of the card is kept, so a client that knows fewer fields
//! loses nothing another client stored.

use calcard::vcard::{VCardEntry, VCardParameterName, VCardParameterValue, VCardProperty, VCardType, VCardValue};

use crate::lines::{fold, unfold};
use crate::vcard::{ContactCard, escape};

/// A telephone's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PhoneKind {
    Work,
    Home,
    Mobile,
    WorkFax,
    HomeFax,
    Pager,
}

/// A postal address's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddressKind {
    Work,
    Home,
    Other,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostalAddress {
    pub street: String,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    pub country: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactFields {
    /// FN: the name as shown.
    pub display_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub middle_name: Option<String>,
    /// Honorific prefix (Mr., Dr.).
    pub title: Option<String>,
    pub suffix: Option<String>,
    pub nickname: Option<String>,
    pub company: Option<String>,
    pub department: Option<String>,
    pub job_title: Option<String>,
    /// `YYYY-MM-DD`.
    pub birthday: Option<String>,
    /// `YYYY-MM-DD`: vCard 4's ANNIVERSARY, written as 3.0's X-ANNIVERSARY.
    pub anniversary: Option<String>,
    pub categories: Vec<String>,
    pub web_page: Option<String>,
    pub notes: Option<String>,
    /// In order of preference; clients show three.
    pub emails: Vec<String>,
    pub phones: Vec<(PhoneKind, String)>,
    pub addresses: Vec<(AddressKind, PostalAddress)>,
}

/// The vCard properties the fields stand for: replaced when the fields are written back.
const MAPPED: &[&str] = &[
    "FN",
    "N",
    "NICKNAME",
    "ORG",
    "TITLE",
    "BDAY",
    "ANNIVERSARY",
    "X-ANNIVERSARY",
    "CATEGORIES",
    "URL",
    "NOTE",
    "EMAIL",
    "TEL",
    "ADR",
];

fn has_type(e: &VCardEntry, t: &VCardType) -> bool {
    e.params.iter().any(|p| {
        p.name == VCardParameterName::Type
            && match &p.value {
                VCardParameterValue::Type(x) => x == t,
                VCardParameterValue::Text(x) => x.eq_ignore_ascii_case(type_name(t)),
                _ => false,
            }
    })
}

fn type_name(t: &VCardType) -> &'static str {
    match t {
        VCardType::Work => "work",
        VCardType::Home => "home",
        VCardType::Cell => "cell",
        VCardType::Fax => "fax",
        VCardType::Pager => "pager",
        _ => "",
    }
}

fn text(e: &VCardEntry) -> Option<String> {
    match e.values.first()? {
        VCardValue::Text(t) => Some(t.clone()),
        VCardValue::Component(parts) => Some(parts.join(" ")),
        VCardValue::PartialDateTime(d) => {
            let (y, m, day) = (d.year?, d.month?, d.day?);
            Some(format!("{y:04}-{m:02}-{day:02}"))
        }
        _ => None,
    }
    .map(|s| s.trim().to_owned())
    .filter(|s| !s.is_empty())
}

/// The `n`th component of a structured value (N, ADR, ORG), whatever form the parser gave it.
fn component(e: &VCardEntry, n: usize) -> Option<String> {
    let v = match e.values.first()? {
        VCardValue::Component(parts) => parts.get(n).cloned(),
        VCardValue::Text(t) if e.values.len() == 1 => t.split(';').nth(n).map(str::to_owned),
        _ => e.values.get(n).and_then(|v| v.as_text()).map(str::to_owned),
    };
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl ContactFields {
    /// The fields of a stored card.
    pub fn from_card(card: &ContactCard) -> ContactFields {
        let c = &card.card;
        let first = |p: VCardProperty| c.property(&p);
        let mut f = ContactFields {
            display_name: first(VCardProperty::Fn).and_then(text),
            nickname: first(VCardProperty::Nickname).and_then(text),
            job_title: first(VCardProperty::Title).and_then(text),
            birthday: first(VCardProperty::Bday).and_then(text).map(|b| normalise_date(&b)),
            web_page: first(VCardProperty::Url).and_then(text),
            notes: first(VCardProperty::Note).and_then(text),
            ..ContactFields::default()
        };
        let anniversary = first(VCardProperty::Anniversary).or_else(|| {
            c.entries
                .iter()
                .find(|e| matches!(&e.name, VCardProperty::Other(n) if n.eq_ignore_ascii_case("X-ANNIVERSARY")))
        });
        f.anniversary = anniversary.and_then(text).map(|a| normalise_date(&a));
        f.categories = c
            .properties(&VCardProperty::Categories)
            .flat_map(|e| e.values.iter().filter_map(|v| v.as_text()))
            .flat_map(|t| t.split(','))
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect();
        if let Some(n) = first(VCardProperty::N) {
            f.last_name = component(n, 0);
            f.first_name = component(n, 1);
            f.middle_name = component(n, 2);
            f.title = component(n, 3);
            f.suffix = component(n, 4);
        }
        if let Some(org) = first(VCardProperty::Org) {
            f.company = component(org, 0);
            f.department = component(org, 1);
        }
        f.emails = c.properties(&VCardProperty::Email).filter_map(text).collect();
        for tel in c.properties(&VCardProperty::Tel) {
            let Some(number) = text(tel) else { continue };
            let (work, home) = (has_type(tel, &VCardType::Work), has_type(tel, &VCardType::Home));
            let kind = if has_type(tel, &VCardType::Cell) {
                PhoneKind::Mobile
            } else if has_type(tel, &VCardType::Pager) {
                PhoneKind::Pager
            } else if has_type(tel, &VCardType::Fax) {
                if home { PhoneKind::HomeFax } else { PhoneKind::WorkFax }
            } else if work {
                PhoneKind::Work
            } else if home {
                PhoneKind::Home
            } else {
                PhoneKind::Mobile
            };
            f.phones.push((kind, number));
        }
        for adr in c.properties(&VCardProperty::Adr) {
            let kind = if has_type(adr, &VCardType::Work) {
                AddressKind::Work
            } else if has_type(adr, &VCardType::Home) {
                AddressKind::Home
            } else {
                AddressKind::Other
            };
            let part = |n| component(adr, n).unwrap_or_default();
            // ADR: post office box; extended address; street; locality; region; code; country.
            let street = [part(1), part(2)].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join("\n");
            f.addresses.push((
                kind,
                PostalAddress { street, city: part(3), region: part(4), postal_code: part(5), country: part(6) },
            ));
        }
        f
    }

    /// The name to show: FN, else the name's parts, else the first address.
    pub fn shown_name(&self) -> String {
        if let Some(d) = &self.display_name {
            return d.clone();
        }
        let parts: Vec<&str> =
            [&self.first_name, &self.middle_name, &self.last_name].into_iter().filter_map(|p| p.as_deref()).collect();
        if !parts.is_empty() {
            return parts.join(" ");
        }
        self.company.clone().or_else(|| self.emails.first().cloned()).unwrap_or_default()
    }

    /// A vCard 3.0 with these fields and `uid`; when `existing` (a stored card's text) is
    /// given, its properties that no field maps are kept as they were.
    pub fn to_vcard(&self, uid: &str, existing: Option<&str>) -> String {
        let mut lines: Vec<String> = vec!["BEGIN:VCARD".into(), "VERSION:3.0".into(), format!("UID:{}", escape(uid))];
        lines.push(format!("FN:{}", escape(&self.shown_name())));
        let n = [&self.last_name, &self.first_name, &self.middle_name, &self.title, &self.suffix]
            .map(|p| escape(p.as_deref().unwrap_or_default()));
        lines.push(format!("N:{}", n.join(";")));
        let single = |lines: &mut Vec<String>, name: &str, v: &Option<String>| {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                lines.push(format!("{name}:{}", escape(v)));
            }
        };
        single(&mut lines, "NICKNAME", &self.nickname);
        if self.company.is_some() || self.department.is_some() {
            let org = [&self.company, &self.department].map(|p| escape(p.as_deref().unwrap_or_default()));
            lines.push(format!("ORG:{}", org.join(";")));
        }
        single(&mut lines, "TITLE", &self.job_title);
        single(&mut lines, "BDAY", &self.birthday);
        single(&mut lines, "X-ANNIVERSARY", &self.anniversary);
        if !self.categories.is_empty() {
            let list: Vec<String> = self.categories.iter().map(|c| escape(c)).collect();
            lines.push(format!("CATEGORIES:{}", list.join(",")));
        }
        single(&mut lines, "URL", &self.web_page);
        single(&mut lines, "NOTE", &self.notes);
        for (i, e) in self.emails.iter().enumerate() {
            let pref = if i == 0 { ",PREF" } else { "" };
            lines.push(format!("EMAIL;TYPE=INTERNET{pref}:{}", escape(e)));
        }
        for (kind, number) in &self.phones {
            let t = match kind {
                PhoneKind::Work => "WORK,VOICE",
                PhoneKind::Home => "HOME,VOICE",
                PhoneKind::Mobile => "CELL",
                PhoneKind::WorkFax => "WORK,FAX",
                PhoneKind::HomeFax => "HOME,FAX",
                PhoneKind::Pager => "PAGER",
            };
            lines.push(format!("TEL;TYPE={t}:{}", escape(number)));
        }
        for (kind, a) in &self.addresses {
            let t = match kind {
                AddressKind::Work => ";TYPE=WORK",
                AddressKind::Home => ";TYPE=HOME",
                AddressKind::Other => "",
            };
            let parts = ["", "", &a.street, &a.city, &a.region, &a.postal_code, &a.country].map(escape);
            lines.push(format!("ADR{t}:{}", parts.join(";")));
        }
        if let Some(old) = existing {
            lines.extend(kept(old));
        }
        lines.push("END:VCARD".into());
        let mut out = String::new();
        for l in lines {
            fold(&l, &mut out);
        }
        out
    }
}

/// A birthday as `YYYY-MM-DD` from the forms vCards write (`19800102`, `1980-01-02`,
/// `1980-01-02T00:00:00Z`).
fn normalise_date(s: &str) -> String {
    let digits: String = s.chars().take_while(|c| *c != 'T').filter(char::is_ascii_digit).collect();
    if digits.len() == 8 { format!("{}-{}-{}", &digits[..4], &digits[4..6], &digits[6..]) } else { s.to_owned() }
}

/// The unfolded lines of a card's text whose property the fields do not map (and that are not
/// the card's frame, version or UID).
fn kept(text: &str) -> Vec<String> {
    let lines = unfold(text);
    lines
        .into_iter()
        .filter(|l| {
            let name = l.split([';', ':']).next().unwrap_or_default();
            let name = name.rsplit('.').next().unwrap_or(name).to_ascii_uppercase();
            !MAPPED.contains(&name.as_str()) && !matches!(name.as_str(), "BEGIN" | "END" | "VERSION" | "UID" | "")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CARD: &str = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:c-1\r\nFN:Dr. Ann B. Example Jr.\r\n\
N:Example;Ann;B.;Dr.;Jr.\r\nNICKNAME:Annie\r\nORG:Example Corp;Research\r\nTITLE:Chief\\, Science\r\n\
BDAY:1980-01-02\r\nURL:https://example.com/ann\r\nNOTE:line one\\nline two\r\n\
EMAIL;TYPE=INTERNET,PREF:ann@example.com\r\nEMAIL;TYPE=INTERNET:ann@home.test\r\n\
TEL;TYPE=WORK,VOICE:+1 555 0100\r\nTEL;TYPE=CELL:+1 555 0101\r\nTEL;TYPE=HOME,FAX:+1 555 0102\r\n\
ADR;TYPE=WORK:;;1 Main St;Springfield;IL;62701;USA\r\nX-CUSTOM;X-PARAM=1:kept as it is\r\n\
CATEGORIES:friends,work\r\nPHOTO;ENCODING=b;TYPE=JPEG:AAAA\r\nEND:VCARD\r\n";

    fn fields() -> ContactFields {
        ContactFields::from_card(&ContactCard::parse(CARD).unwrap())
    }

    #[test]
    fn a_card_read_as_fields() {
        let f = fields();
        assert_eq!(f.display_name.as_deref(), Some("Dr. Ann B. Example Jr."));
        assert_eq!(
            (f.first_name.as_deref(), f.last_name.as_deref(), f.middle_name.as_deref()),
            (Some("Ann"), Some("Example"), Some("B."))
        );
        assert_eq!((f.title.as_deref(), f.suffix.as_deref()), (Some("Dr."), Some("Jr.")));
        assert_eq!((f.company.as_deref(), f.department.as_deref()), (Some("Example Corp"), Some("Research")));
        assert_eq!(f.job_title.as_deref(), Some("Chief, Science"));
        assert_eq!(f.birthday.as_deref(), Some("1980-01-02"));
        assert_eq!(f.categories, ["friends", "work"]);
        assert_eq!(f.notes.as_deref(), Some("line one\nline two"));
        assert_eq!(f.emails, ["ann@example.com", "ann@home.test"]);
        assert_eq!(
            f.phones,
            [
                (PhoneKind::Work, "+1 555 0100".to_owned()),
                (PhoneKind::Mobile, "+1 555 0101".to_owned()),
                (PhoneKind::HomeFax, "+1 555 0102".to_owned())
            ]
        );
        let (kind, a) = &f.addresses[0];
        assert_eq!(*kind, AddressKind::Work);
        assert_eq!((a.street.as_str(), a.city.as_str(), a.postal_code.as_str()), ("1 Main St", "Springfield", "62701"));
    }

    #[test]
    fn fields_written_back_keep_what_they_do_not_map() {
        let mut f = fields();
        f.job_title = Some("Director".into());
        f.phones.push((PhoneKind::Pager, "+1 555 0199".into()));
        let text = f.to_vcard("c-1", Some(CARD));
        let again = ContactCard::parse(&text).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
        assert_eq!(again.uid, "c-1");
        let g = ContactFields::from_card(&again);
        assert_eq!(g.job_title.as_deref(), Some("Director"));
        assert_eq!(g.phones.len(), 4);
        assert_eq!(ContactFields { job_title: f.job_title.clone(), ..g.clone() }, f, "{text}");
        for kept in ["X-CUSTOM;X-PARAM=1:kept as it is", "CATEGORIES:friends,work", "PHOTO;ENCODING=b;TYPE=JPEG:AAAA"] {
            assert!(text.contains(kept), "{kept} in\n{text}");
        }
        assert_eq!(text.matches("TITLE:").count(), 1, "a mapped property is replaced, not repeated");
    }

    /// An anniversary and categories, in the forms vCard 3.0 and 4.0 write, read and written
    /// back (3.0: X-ANNIVERSARY).
    #[test]
    fn anniversaries_and_categories() {
        let card = |lines: &str| format!("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:a\r\nFN:A\r\n{lines}END:VCARD\r\n");
        for (lines, anniversary, categories) in [
            ("X-ANNIVERSARY:2001-06-30\r\n", Some("2001-06-30"), vec![]),
            ("ANNIVERSARY:20010630\r\nCATEGORIES:a,b\r\nCATEGORIES:c\r\n", Some("2001-06-30"), vec!["a", "b", "c"]),
            ("", None, vec![]),
        ] {
            let text = card(lines);
            let categories: Vec<String> = categories.into_iter().map(str::to_owned).collect();
            let f = ContactFields::from_card(&ContactCard::parse(&text).unwrap());
            assert_eq!((f.anniversary.as_deref(), f.categories.clone()), (anniversary, categories.clone()), "{text}");
            let back = f.to_vcard("a", Some(&text));
            let g = ContactFields::from_card(&ContactCard::parse(&back).unwrap());
            assert_eq!((g.anniversary.as_deref(), g.categories), (anniversary, categories), "{back}");
            assert!(!back.contains("\r\nANNIVERSARY"), "{back}");
        }
    }

    #[test]
    fn a_new_card_from_a_few_fields() {
        let f = ContactFields {
            first_name: Some("Bo".into()),
            last_name: Some("Li; Sr".into()),
            emails: vec!["bo@x.test".into()],
            ..ContactFields::default()
        };
        let text = f.to_vcard("new-1", None);
        let g = ContactFields::from_card(&ContactCard::parse(&text).unwrap());
        assert_eq!(g.display_name.as_deref(), Some("Bo Li; Sr"));
        assert_eq!(g.last_name.as_deref(), Some("Li; Sr"));
        assert_eq!(g.emails, ["bo@x.test"]);
    }
}
