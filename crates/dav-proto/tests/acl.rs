//! ACL method bodies (RFC 3744 §8.1).

use relais_dav_proto::*;

#[test]
fn rfc3744_8_1_5_example_and_sharing() {
    let body = br#"<?xml version="1.0" encoding="utf-8" ?>
       <D:acl xmlns:D="DAV:">
         <D:ace>
           <D:principal><D:href>http://www.example.com/users/esedumi</D:href></D:principal>
           <D:grant><D:privilege><D:read/></D:privilege></D:grant>
         </D:ace>
         <D:ace>
           <D:principal><D:href>/principals/bob/</D:href></D:principal>
           <D:grant><D:privilege><D:read/></D:privilege><D:privilege><D:write/></D:privilege>
             <D:privilege><C:read-free-busy xmlns:C="urn:ietf:params:xml:ns:caldav"/></D:privilege></D:grant>
         </D:ace>
         <D:ace><D:invert><D:principal><D:property><D:owner/></D:property></D:principal></D:invert>
           <D:deny><D:privilege><D:write-acl/></D:privilege></D:deny></D:ace>
         <D:ace><D:principal><D:authenticated/></D:principal><D:grant><D:privilege><D:read-current-user-privilege-set/></D:privilege></D:grant>
           <D:protected/><D:inherited><D:href>/</D:href></D:inherited></D:ace>
         <D:ace><D:principal><D:all/></D:principal><D:deny><D:privilege><D:all/></D:privilege></D:deny></D:ace>
         <D:ace><D:principal><D:self/></D:principal><D:grant><D:privilege><D:all/></D:privilege></D:grant></D:ace>
         <D:ace><D:principal><D:unauthenticated/></D:principal><D:deny><D:privilege><D:read/></D:privilege></D:deny></D:ace>
       </D:acl>"#;
    let acl = parse_acl(body).unwrap();
    let ace = |principal, invert, grant: Vec<QName>, deny: Vec<QName>| Ace {
        principal,
        invert,
        grant,
        deny,
        protected: false,
        inherited: None,
    };
    assert_eq!(
        acl.aces,
        [
            ace(
                AcePrincipal::Href("http://www.example.com/users/esedumi".into()),
                false,
                vec![names::PRIV_READ],
                vec![]
            ),
            ace(
                AcePrincipal::Href("/principals/bob/".into()),
                false,
                vec![names::PRIV_READ, names::PRIV_WRITE, names::PRIV_READ_FREE_BUSY],
                vec![]
            ),
            ace(AcePrincipal::Property(names::OWNER), true, vec![], vec![names::PRIV_WRITE_ACL]),
            Ace {
                protected: true,
                inherited: Some("/".into()),
                ..ace(AcePrincipal::Authenticated, false, vec![names::PRIV_READ_CURRENT_USER_PRIVILEGE_SET], vec![])
            },
            ace(AcePrincipal::All, false, vec![], vec![names::PRIV_ALL]),
            ace(AcePrincipal::SelfPrincipal, false, vec![names::PRIV_ALL], vec![]),
            ace(AcePrincipal::Unauthenticated, false, vec![], vec![names::PRIV_READ]),
        ]
    );
    assert_eq!(parse_acl(br#"<D:acl xmlns:D="DAV:"/>"#), Ok(Acl::default()));
}

#[test]
fn acl_errors() {
    for body in [
        &b""[..],
        br#"<D:acl xmlns:D="DAV:"><D:ace><D:grant><D:privilege><D:read/></D:privilege></D:grant></D:ace></D:acl>"#,
        br#"<D:acl xmlns:D="DAV:"><D:ace><D:principal><D:all/></D:principal></D:ace></D:acl>"#,
        br#"<D:acl xmlns:D="DAV:"><D:ace><D:principal><D:all/></D:principal><D:grant><D:privilege/></D:grant></D:ace></D:acl>"#,
        br#"<D:acl xmlns:D="DAV:"><D:ace><D:principal><D:nobody/></D:principal><D:grant><D:privilege><D:read/></D:privilege></D:grant></D:ace></D:acl>"#,
        br#"<D:acl xmlns:D="DAV:"><D:ace><D:principal/><D:grant><D:privilege><D:read/></D:privilege></D:grant></D:ace></D:acl>"#,
        br#"<D:propfind xmlns:D="DAV:"/>"#,
    ] {
        assert!(parse_acl(body).is_err(), "{}", String::from_utf8_lossy(body));
    }
}
