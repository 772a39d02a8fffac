//! GetItemEstimate (MS-ASCMD §2.2.1.9): per folder, how many items the device's next Syncs
//! would bring, counted by the mail domain without reading the messages.

use relais_wbxml::Element;
use relais_wbxml::tag::{airsync as a, getitemestimate as g};

use crate::{Answer, Ctx, text_of};

/// Most folders estimated in one request.
const MAX_COLLECTIONS: usize = 300;

pub(crate) async fn get_item_estimate(ctx: &Ctx<'_>, body: Option<Element>) -> Answer {
    let Some(collections) =
        body.filter(|b| b.tag == g::GET_ITEM_ESTIMATE).and_then(|b| b.child(g::COLLECTIONS).cloned())
    else {
        return Answer::Doc(
            Element::new(g::GET_ITEM_ESTIMATE).with(Element::new(g::RESPONSE).with_leaf(g::STATUS, "2")),
        );
    };
    let mut out = Element::new(g::GET_ITEM_ESTIMATE);
    for c in collections.children_with(g::COLLECTION).take(MAX_COLLECTIONS) {
        let id = text_of(c, g::COLLECTION_ID).unwrap_or_default();
        let key = text_of(c, a::SYNC_KEY).unwrap_or_default();
        let response = match crate::sync::estimate(ctx, &id, &key).await {
            Ok(n) => Element::new(g::RESPONSE).with_leaf(g::STATUS, "1").with(
                Element::new(g::COLLECTION)
                    .with_leaf(g::COLLECTION_ID, id.as_str())
                    .with_leaf(g::ESTIMATE, n.to_string()),
            ),
            Err(status) => Element::new(g::RESPONSE)
                .with_leaf(g::STATUS, status.to_string())
                .with(Element::new(g::COLLECTION).with_leaf(g::COLLECTION_ID, id.as_str())),
        };
        out.push(response);
    }
    Answer::Doc(out)
}
