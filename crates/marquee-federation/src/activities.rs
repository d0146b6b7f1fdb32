//! The JSON Marquee sends and serves: actor documents, WebFinger and NodeInfo answers, a review
//! or article as an `Article` (with NeoDB's `Rating` and `Review` and a `preview` Note for
//! Mastodon), and the activities that carry them.

use serde_json::{json, Value};

pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
pub const AS_CONTEXT: &str = "https://www.w3.org/ns/activitystreams";

/// The JSON-LD context of everything Marquee sends: ActivityStreams, security (keys), and the
/// terms Mastodon reads beyond them (NeoDB reads `relatedWith` and its `Rating` and `Review` as
/// plain JSON).
pub fn context() -> Value {
    json!([
        AS_CONTEXT,
        "https://w3id.org/security/v1",
        {
            "Hashtag": "as:Hashtag",
            "sensitive": "as:sensitive",
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "toot": "http://joinmastodon.org/ns#",
            "discoverable": "toot:discoverable",
            "indexable": "toot:indexable",
            "preview": "as:preview",
            "schema": "http://schema.org#",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value"
        }
    ])
}

/// A local actor as its document shows it.
#[derive(Clone, Debug)]
pub struct ActorDoc {
    pub id: String,
    pub username: String,
    pub name: String,
    pub summary: String,
    /// The HTML page (`/writers/slug`, or the home page for the site).
    pub url: String,
    pub shared_inbox: String,
    pub public_pem: String,
    pub icon: Option<String>,
    pub published: Option<i64>,
}

pub fn actor(doc: &ActorDoc) -> Value {
    let mut value = json!({
        "@context": context(),
        "id": doc.id,
        "type": "Person",
        "preferredUsername": doc.username,
        "name": doc.name,
        "summary": doc.summary,
        "url": doc.url,
        "inbox": format!("{}/inbox", doc.id),
        "outbox": format!("{}/outbox", doc.id),
        "followers": format!("{}/followers", doc.id),
        "endpoints": { "sharedInbox": doc.shared_inbox },
        "manuallyApprovesFollowers": false,
        "discoverable": true,
        "indexable": true,
        "publicKey": {
            "id": format!("{}#main-key", doc.id),
            "owner": doc.id,
            "publicKeyPem": doc.public_pem,
        },
    });
    if let Some(icon) = &doc.icon {
        value["icon"] = json!({ "type": "Image", "url": icon });
    }
    if let Some(published) = doc.published {
        value["published"] = json!(rfc3339(published));
    }
    value
}

/// A WebFinger answer (RFC 7033) for `acct:user@host`.
pub fn webfinger(subject: &str, actor_id: &str, profile: &str) -> Value {
    json!({
        "subject": subject,
        "aliases": [actor_id, profile],
        "links": [
            { "rel": "self", "type": "application/activity+json", "href": actor_id },
            { "rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": profile },
        ],
    })
}

/// NodeInfo 2.1: what software this is and how many people write here.
pub fn nodeinfo(users: i64, posts: i64, name: &str, open: bool) -> Value {
    json!({
        "version": "2.1",
        "software": {
            "name": "marquee",
            "version": env!("CARGO_PKG_VERSION"),
            "repository": "https://github.com/marquee-reviews/marquee",
        },
        "protocols": ["activitypub"],
        "services": { "inbound": [], "outbound": ["atom1.0", "rss2.0"] },
        "openRegistrations": false,
        "usage": { "users": { "total": users, "activeMonth": users, "activeHalfyear": users }, "localPosts": posts },
        "metadata": { "nodeName": name, "federation": { "enabled": open } },
    })
}

/// A review as an `Article`: what Mastodon shows (name, summary, link, preview) and what NeoDB
/// turns into a rating and a review of the film (matched by its IMDb link).
#[derive(Clone, Debug)]
pub struct ReviewObject {
    pub id: String,
    pub url: String,
    pub actor: String,
    pub followers: String,
    pub film_title: String,
    pub film_year: Option<i32>,
    pub headline: Option<String>,
    /// `9.5`.
    pub score: Option<f64>,
    pub verdict: Option<String>,
    pub summary: String,
    pub content_html: String,
    pub published: i64,
    pub updated: Option<i64>,
    pub poster: Option<String>,
    /// (name, page) of each tag.
    pub tags: Vec<(String, String)>,
    pub imdb_id: Option<String>,
    /// The film's own page here, its item when it has no IMDb id.
    pub film_page: String,
    pub spoilers: bool,
}

/// A score as a critic writes it: `9.5`, `8`.
pub fn score_text(score: f64) -> String {
    let text = format!("{score:.1}");
    text.strip_suffix(".0").map(str::to_string).unwrap_or(text)
}

/// "Sound of Metal (2019) — 9.5/10".
pub fn review_name(review: &ReviewObject) -> String {
    let film = match review.film_year {
        Some(year) => format!("{} ({year})", review.film_title),
        None => review.film_title.clone(),
    };
    match review.score {
        Some(score) => format!("{film} — {}/10", score_text(score)),
        None => film,
    }
}

/// A tag's name as a hashtag: "Body horror" → `#BodyHorror`.
pub fn hashtag(name: &str) -> String {
    let mut tag = String::from("#");
    for word in name.split(|c: char| !c.is_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            tag.extend(first.to_uppercase());
            tag.push_str(chars.as_str());
        }
    }
    tag
}

pub fn review_article(review: &ReviewObject) -> Value {
    let name = review_name(review);
    let item = match &review.imdb_id {
        Some(imdb) => format!("https://www.imdb.com/title/{imdb}/"),
        None => review.film_page.clone(),
    };
    let mut tags: Vec<Value> = review
        .tags
        .iter()
        .map(|(name, href)| json!({ "type": "Hashtag", "name": hashtag(name), "href": href }))
        .collect();
    tags.push(json!({ "type": "Movie", "name": review.film_title, "href": item }));
    let mut related = vec![json!({
        "type": "Review",
        "name": review.headline.clone().unwrap_or_else(|| name.clone()),
        "content": review.content_html,
        "withRegardTo": item,
    })];
    if let Some(score) = review.score {
        related.push(json!({ "type": "Rating", "value": score, "best": 10, "worst": 0, "withRegardTo": item }));
    }
    let verdict = review.verdict.as_deref().map(|v| format!(" {v}.")).unwrap_or_default();
    let preview = format!(
        "<p><strong>{}</strong>{}</p><p>{}</p><p><a href=\"{}\">{}</a></p>",
        marquee_core::html::escape(&name),
        marquee_core::html::escape(&verdict),
        marquee_core::html::escape(&review.summary),
        marquee_core::html::escape(&review.url),
        marquee_core::html::escape(&review.url)
    );
    let mut value = json!({
        "@context": context(),
        "id": review.id,
        "type": "Article",
        "name": name,
        "summary": review.summary,
        "content": review.content_html,
        "url": review.url,
        "published": rfc3339(review.published),
        "attributedTo": review.actor,
        "to": [PUBLIC],
        "cc": [review.followers],
        "sensitive": review.spoilers,
        "tag": tags,
        "relatedWith": related,
        "preview": { "type": "Note", "attributedTo": review.actor, "content": preview },
    });
    if let Some(updated) = review.updated.filter(|u| *u > review.published) {
        value["updated"] = json!(rfc3339(updated));
    }
    if let Some(poster) = &review.poster {
        value["image"] = json!({ "type": "Image", "url": poster });
        value["attachment"] =
            json!([{ "type": "Image", "url": poster, "name": format!("Poster of {}", review.film_title) }]);
    }
    value
}

/// An article (an essay, a feature) as an `Article`.
#[derive(Clone, Debug)]
pub struct ArticleObject {
    pub id: String,
    pub url: String,
    pub actor: String,
    pub followers: String,
    pub title: String,
    pub summary: String,
    pub content_html: String,
    pub published: i64,
    pub updated: Option<i64>,
    pub tags: Vec<(String, String)>,
}

pub fn article(article: &ArticleObject) -> Value {
    let tags: Vec<Value> = article
        .tags
        .iter()
        .map(|(name, href)| json!({ "type": "Hashtag", "name": hashtag(name), "href": href }))
        .collect();
    let preview = format!(
        "<p><strong>{}</strong></p><p>{}</p><p><a href=\"{}\">{}</a></p>",
        marquee_core::html::escape(&article.title),
        marquee_core::html::escape(&article.summary),
        marquee_core::html::escape(&article.url),
        marquee_core::html::escape(&article.url)
    );
    let mut value = json!({
        "@context": context(),
        "id": article.id,
        "type": "Article",
        "name": article.title,
        "summary": article.summary,
        "content": article.content_html,
        "url": article.url,
        "published": rfc3339(article.published),
        "attributedTo": article.actor,
        "to": [PUBLIC],
        "cc": [article.followers],
        "tag": tags,
        "preview": { "type": "Note", "attributedTo": article.actor, "content": preview },
    });
    if let Some(updated) = article.updated.filter(|u| *u > article.published) {
        value["updated"] = json!(rfc3339(updated));
    }
    value
}

/// An activity by `actor` about `object` (a document or an id), addressed to the public and
/// the actor's followers.
pub fn activity(kind: &str, id: &str, actor: &str, followers: &str, object: Value) -> Value {
    let mut object = object;
    if let Some(map) = object.as_object_mut() {
        map.remove("@context");
    }
    json!({
        "@context": context(),
        "id": id,
        "type": kind,
        "actor": actor,
        "published": rfc3339(time::OffsetDateTime::now_utc().unix_timestamp()),
        "to": [PUBLIC],
        "cc": [followers],
        "object": object,
    })
}

/// `Accept` of a follow request, sent to the follower.
pub fn accept(id: &str, actor: &str, follow: &Value) -> Value {
    let mut follow = follow.clone();
    if let Some(map) = follow.as_object_mut() {
        map.remove("@context");
    }
    json!({ "@context": AS_CONTEXT, "id": id, "type": "Accept", "actor": actor, "object": follow })
}

/// A tombstone for an object withdrawn.
pub fn tombstone(id: &str) -> Value {
    json!({ "id": id, "type": "Tombstone" })
}

/// An `OrderedCollection` of `total` items, with its first page when there is one.
pub fn collection(id: &str, total: i64, first: Option<&str>) -> Value {
    let mut value = json!({ "@context": AS_CONTEXT, "id": id, "type": "OrderedCollection", "totalItems": total });
    if let Some(first) = first {
        value["first"] = json!(first);
    }
    value
}

/// One page of an `OrderedCollection`.
pub fn collection_page(id: &str, part_of: &str, items: Vec<Value>, next: Option<&str>) -> Value {
    let mut value = json!({
        "@context": context(),
        "id": id,
        "type": "OrderedCollectionPage",
        "partOf": part_of,
        "orderedItems": items,
    });
    if let Some(next) = next {
        value["next"] = json!(next);
    }
    value
}

/// Unix seconds as RFC 3339 (`2026-12-03T19:05:44Z`).
pub fn rfc3339(at: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(at)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// RFC 3339 as Unix seconds.
pub fn parse_time(text: &str) -> Option<i64> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok().map(|t| t.unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ReviewObject {
        ReviewObject {
            id: "https://critic.example/ap/reviews/1".into(),
            url: "https://critic.example/reviews/sound-of-metal".into(),
            actor: "https://critic.example/ap/users/2".into(),
            followers: "https://critic.example/ap/users/2/followers".into(),
            film_title: "Sound of Metal".into(),
            film_year: Some(2019),
            headline: None,
            score: Some(9.5),
            verdict: Some("Masterpiece".into()),
            summary: "A drummer loses his hearing.".into(),
            content_html: "<p>Riz Ahmed <em>listens</em>.</p>".into(),
            published: 1_700_000_000,
            updated: None,
            poster: Some("https://critic.example/media/abc/poster-480.jpg".into()),
            tags: vec![("body horror".into(), "https://critic.example/tags/body-horror".into())],
            imdb_id: Some("tt5363618".into()),
            film_page: "https://critic.example/films/sound-of-metal".into(),
            spoilers: false,
        }
    }

    #[test]
    fn a_review_goes_as_an_article_neodb_rates_and_mastodon_previews() {
        let article = review_article(&sample());
        assert_eq!(article["type"], "Article");
        assert_eq!(article["name"], "Sound of Metal (2019) — 9.5/10");
        let rating = article["relatedWith"].as_array().unwrap().iter().find(|r| r["type"] == "Rating").unwrap();
        assert_eq!(rating["value"], 9.5);
        assert_eq!(rating["best"], 10);
        assert_eq!(rating["worst"], 0);
        assert_eq!(rating["withRegardTo"], "https://www.imdb.com/title/tt5363618/");
        let movie = article["tag"].as_array().unwrap().iter().find(|t| t["type"] == "Movie").unwrap();
        assert_eq!(movie["href"], "https://www.imdb.com/title/tt5363618/");
        let hashtag = article["tag"].as_array().unwrap().iter().find(|t| t["type"] == "Hashtag").unwrap();
        assert_eq!(hashtag["name"], "#BodyHorror");
        assert_eq!(article["image"]["url"], "https://critic.example/media/abc/poster-480.jpg");
        assert!(article["preview"]["content"].as_str().unwrap().contains("Masterpiece"));
        assert_eq!(article["to"][0], PUBLIC);
    }

    #[test]
    fn a_score_of_a_whole_number_reads_as_one() {
        let mut review = sample();
        review.score = Some(8.0);
        assert_eq!(review_name(&review), "Sound of Metal (2019) — 8/10");
        review.score = None;
        review.film_year = None;
        assert_eq!(review_name(&review), "Sound of Metal");
    }
}
