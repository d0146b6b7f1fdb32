#!/usr/bin/env python3
"""Marquee's ActivityPub interoperability test: the other server.

"pasture" is a small fediverse server of its own, built on bovine (another project's ActivityPub
library, from PyPI). Its keys, its documents (actor, Follow, Note, Create), the HTTP signatures it
sends and the checking of the signatures Marquee sends all come from bovine, so Marquee's
federation is checked against code Marquee did not write. scripts/federation-interop.sh starts a
Marquee server and runs this against it; the steps:

  0. publish a first review through the JSON API, and read the writer's slug (that of their
     /writers page) from it: the writer then has a public page whatever rule makes them followable;
  a. WebFinger the writer; b. fetch and check their actor document;
  c. follow them with a signed Follow; d. receive Marquee's signed Accept and verify it, and see
     Marquee refuse an unsigned Follow and one signed with the wrong key;
  e. publish a review through the API and receive the signed Create of its Article (with its
     NeoDB-style Rating);
  f. reply to the Article with a signed Create of a Note;
  g. see the reply held back from the review's page, approve it through the API, and see it there.

    peer.py --marquee http://127.0.0.1:8080 --peer-port 8090 --writer-name "Pasture Tester"
            (the API token, scope write, in MARQUEE_INTEROP_TOKEN)
    peer.py --self-test      the peer's own signing and verifying, with no Marquee

Exit status: 0 when every step passed, 1 at the first failure (named), 2 for bad arguments.
"""

import argparse
import asyncio
import json
import logging
import os
import socket
import sys
import time
import uuid
from dataclasses import dataclass, field
from importlib.metadata import version
from urllib.parse import quote, urlsplit

import aiohttp
from aiohttp import web

from bovine.activitystreams import Actor, factories_for_actor_object
from bovine.clients.signed_http import legacy_digest_method_uppercase
from bovine.clients.signed_http_methods import signed_post
from bovine.clients.utils import BOVINE_CLIENT_NAME, host_target_from_url
from bovine.crypto import build_validate_http_signature_raw, generate_rsa_public_private_key
from bovine.crypto.helper import content_digest_sha256
from bovine.crypto.http_signature import build_signature
from bovine.crypto.signature import Signature
from bovine.crypto.types import CryptographicIdentifier, CryptographicSecret
from bovine.types import Visibility
from bovine.utils import get_gmt_now

AP_JSON = "application/activity+json"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
REPLY_TEXT = "Lovely review from the pasture"
REPLY_HTML = f"<p>{REPLY_TEXT}</p>"
DELIVERY_WAIT = 20.0  # seconds Marquee has to deliver an Accept or a Create
TIMEOUT = aiohttp.ClientTimeout(total=15)

# The review whose Create the test waits for. The JSON API has no field for an IMDb id
# (FilmInput refuses unknown fields), so the film is named by title and year only.
FILM_TITLE = "The Shawshank Redemption"
SCORE = 9.5
REVIEW = {
    "film": {
        "title": FILM_TITLE,
        "year": 1994,
        "runtime_minutes": 142,
        "directors": ["Frank Darabont"],
        "cast": ["Tim Robbins", "Morgan Freeman"],
        "genres": ["Drama"],
    },
    "headline": "Hope, measured in decades",
    "summary": "Patient, generous and built to last: a prison film about keeping time.",
    "body": (
        "Frank Darabont's film takes its time, and that is its point. Andy Dufresne arrives at "
        "Shawshank with a life sentence and a quiet manner, and the film lets nineteen years pass "
        "the way they pass inside: in routines, small bargains and the slow work of a rock hammer.\n\n"
        "Morgan Freeman's Red narrates with the weariness of a man who has stopped expecting parole "
        "boards to listen. His voice carries the film through its long middle, where the library, "
        "the rooftop beer and the opera on the loudspeakers become the only freedoms the men have.\n\n"
        "What lifts it above a well-made prison drama is its faith in patience. The escape lands "
        "because we have lived through the waiting, and the last shot on the Pacific beach feels "
        "earned rather than given.\n"
    ),
    "score": SCORE,
    "tags": ["prison films"],
    "status": "published",
}

# Published before the Follow, so that the writer has a public page and the test can read their
# slug from the API; no follower hears of it, and its Create is not the one the test waits for.
OPENING_REVIEW = {
    "film": {"title": "Paths of Glory", "year": 1957, "directors": ["Stanley Kubrick"]},
    "headline": "Orders from the chateau",
    "body": "Kubrick's trench war is fought as much in the generals' ballroom as in the mud.\n",
    "score": 8.0,
    "status": "published",
}


class Failure(Exception):
    """A step that did not go as Marquee's federation contract says."""


def step(label, text):
    print(f"[{label}] {text}", flush=True)


def ok(text):
    print(f"    ok: {text}", flush=True)


def say(text):
    print(f"    {text}", flush=True)


def short(value, limit=600):
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + "…"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def id_of(value):
    """The id of an object given inline or as a bare URI."""
    if isinstance(value, dict):
        return value.get("id")
    return value


def has_type(obj, name):
    kind = obj.get("type") if isinstance(obj, dict) else None
    return kind == name or (isinstance(kind, list) and name in kind)


def urls_in(value):
    """Every URL a `url` property holds: a string, a Link (href) or a list of those."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [value["href"]] if isinstance(value.get("href"), str) else []
    if isinstance(value, list):
        return [u for item in value for u in urls_in(item)]
    return []


def find_ratings(value, where):
    """(place, Rating) for every object of type Rating in `value`, however deeply nested."""
    found = []
    if isinstance(value, dict):
        if has_type(value, "Rating"):
            found.append((where, value))
        for key, inner in value.items():
            found += find_ratings(inner, f"{where}.{key}")
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            found += find_ratings(inner, f"{where}[{i}]")
    return found


def number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


@dataclass
class Delivery:
    """One POST to the peer's inbox, and what the peer made of it."""

    path: str
    activity: dict | None = None
    signer: str | None = None
    key_id: str | None = None
    signed_headers: str | None = None
    problem: str | None = None
    status: int = 202


@dataclass
class Peer:
    """The pasture actor: its documents, its inbox, and its HTTP client."""

    port: int
    actor: dict = field(init=False)
    received: list = field(default_factory=list)
    served: dict = field(default_factory=dict)
    keys_fetched: list = field(default_factory=list)

    def __post_init__(self):
        self.base = f"http://127.0.0.1:{self.port}"
        self.actor_id = f"{self.base}/actor"
        self.key_id = f"{self.actor_id}#main-key"
        public_pem, private_pem = generate_rsa_public_private_key()
        self.secret = CryptographicSecret.from_pem(self.key_id, private_pem)
        # No sharedInbox: Marquee must deliver to /inbox.
        self.actor = Actor(
            id=self.actor_id,
            type="Person",
            name="Pasture",
            preferred_username="pasture",
            summary="A bovine-based peer in Marquee's federation interoperability test.",
            inbox=f"{self.base}/inbox",
            outbox=f"{self.base}/outbox",
            followers=f"{self.base}/followers",
            following=f"{self.base}/following",
            url=self.actor_id,
            public_key=public_pem,
            public_key_name="main-key",
        ).build(visibility=Visibility.OWNER)
        self.activities, self.objects = factories_for_actor_object(self.actor, id_generator=self.new_id)
        self.verify = build_validate_http_signature_raw(self.retrieve_key)
        self.arrived = asyncio.Condition()
        self.session = None
        self.runner = None

    def new_id(self):
        return f"{self.base}/objects/{uuid.uuid4()}"

    def keep(self, document):
        """Serves `document` at its id, as a real server would, and returns it."""
        self.served[urlsplit(document["id"]).path] = document
        return document

    # -- the peer's server -------------------------------------------------------------------

    async def start(self):
        self.session = aiohttp.ClientSession(timeout=TIMEOUT, headers={"user-agent": BOVINE_CLIENT_NAME})
        app = web.Application()
        app.router.add_get("/actor", self.serve_actor)
        app.router.add_get("/.well-known/webfinger", self.serve_webfinger)
        app.router.add_get("/outbox", self.serve_collection)
        app.router.add_get("/followers", self.serve_collection)
        app.router.add_get("/following", self.serve_collection)
        app.router.add_get("/objects/{id}", self.serve_object)
        app.router.add_post("/inbox", self.inbox)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self):
        if self.session:
            await self.session.close()
        if self.runner:
            await self.runner.cleanup()

    def activity_json(self, document):
        return web.Response(text=json.dumps(document), content_type=AP_JSON)

    async def serve_actor(self, request):
        return self.activity_json(self.actor)

    async def serve_webfinger(self, request):
        resource = request.query.get("resource", "")
        if resource not in (f"acct:pasture@127.0.0.1:{self.port}", self.actor_id):
            return web.Response(status=404)
        jrd = {
            "subject": f"acct:pasture@127.0.0.1:{self.port}",
            "aliases": [self.actor_id],
            "links": [{"rel": "self", "type": AP_JSON, "href": self.actor_id}],
        }
        return web.Response(text=json.dumps(jrd), content_type="application/jrd+json")

    async def serve_collection(self, request):
        collection = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{self.base}{request.path}",
            "type": "OrderedCollection",
            "totalItems": 0,
            "orderedItems": [],
        }
        return self.activity_json(collection)

    async def serve_object(self, request):
        document = self.served.get(request.path)
        return self.activity_json(document) if document else web.Response(status=404)

    async def retrieve_key(self, key_id):
        """bovine's key retriever: the public key named by a signature's keyId, from the actor
        document at the keyId without its fragment (an unsigned GET)."""
        document_url = key_id.split("#", 1)[0]
        self.keys_fetched.append(key_id)
        async with self.session.get(document_url, headers={"accept": AP_JSON}) as response:
            if response.status != 200:
                logging.warning("key %s: GET %s answered %s", key_id, document_url, response.status)
                return None
            document = await response.json(content_type=None)
        keys = document.get("publicKey")
        keys = keys if isinstance(keys, list) else [keys]
        for key in keys:
            if isinstance(key, dict) and key.get("id") == key_id:
                return CryptographicIdentifier.from_public_key(key)
        logging.warning("key %s: not among the publicKey of %s: %s", key_id, document_url, short(keys, 300))
        return None

    async def inbox(self, request):
        """Accepts an activity only when bovine verifies its signature and the key's owner is the
        activity's actor; anything else is refused with 401, and every POST is recorded."""
        body = await request.read()
        delivery = Delivery(path=request.path)
        if "signature" in request.headers:
            try:
                parsed = Signature.from_signature_header(request.headers["signature"])
                delivery.key_id, delivery.signed_headers = parsed.key_id, parsed.headers
            except Exception as error:  # bovine raises ValueError and KeyError alike here
                delivery.problem = f"the Signature header cannot be read: {error!r}"
        try:
            delivery.activity = json.loads(body)
        except ValueError:
            delivery.problem = "the body is not JSON"

        async def read_body():
            return body

        if delivery.problem is None:
            delivery.signer = await self.verify(request.method, str(request.url), request.headers, read_body)
            actor = id_of((delivery.activity or {}).get("actor"))
            if "signature" not in request.headers:
                delivery.problem = "the POST is not signed"
            elif delivery.signer is None:
                delivery.problem = (
                    f"bovine's SignatureChecker refused the signature (keyId {delivery.key_id}, "
                    f'headers "{delivery.signed_headers}")'
                )
            elif delivery.signer != actor:
                delivery.problem = f"signed with a key of {delivery.signer}, but the activity's actor is {actor}"
        delivery.status = 401 if delivery.problem else 202
        async with self.arrived:
            self.received.append(delivery)
            self.arrived.notify_all()
        return web.Response(status=delivery.status, text=delivery.problem or "")

    async def wait_for(self, matches, timeout=DELIVERY_WAIT):
        """The first delivery whose activity `matches`, or None after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        async with self.arrived:
            while True:
                for delivery in self.received:
                    if isinstance(delivery.activity, dict) and matches(delivery.activity):
                        return delivery
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                try:
                    await asyncio.wait_for(self.arrived.wait(), remaining)
                except asyncio.TimeoutError:
                    pass

    def deliveries_so_far(self):
        if not self.received:
            return "nothing has arrived at the peer's inbox"
        return "; ".join(
            f"{(d.activity or {}).get('type', '?')} → {d.status}{' (' + d.problem + ')' if d.problem else ''}"
            for d in self.received
        )

    # -- the peer's client -------------------------------------------------------------------

    async def post_signed(self, url, activity, secret=None):
        """POSTs `activity` signed draft-cavage style with rsa-sha256 over
        "(request-target) host date digest", signature built by bovine."""
        body = json.dumps(activity).encode("utf-8")
        host, target = host_target_from_url(url)
        signature = (
            build_signature(host, "post", target)
            .with_field("date", get_gmt_now())
            .with_field("digest", content_digest_sha256(body, prefix="SHA-256"))
        )
        headers = {
            **signature.headers,
            "content-type": AP_JSON,
            "signature": signature.sign_for_http_draft(secret or self.secret),
        }
        async with self.session.post(url, data=body, headers=headers) as response:
            return response.status, await response.text()

    async def post_with_bovine_client(self, url, activity):
        """POSTs `activity` with bovine's own client function, which also signs content-type."""
        response = await signed_post(
            self.session, self.secret, url, json.dumps(activity), digest_method=legacy_digest_method_uppercase
        )
        async with response:
            return response.status, await response.text()

    async def post_tampered(self, url, activity):
        """POSTs `activity` correctly signed, then changed on the way: its Digest no longer fits."""
        body = json.dumps(activity).encode("utf-8")
        host, target = host_target_from_url(url)
        signature = (
            build_signature(host, "post", target)
            .with_field("date", get_gmt_now())
            .with_field("digest", content_digest_sha256(body, prefix="SHA-256"))
        )
        headers = {
            **signature.headers,
            "content-type": AP_JSON,
            "signature": signature.sign_for_http_draft(self.secret),
        }
        tampered = json.dumps(activity | {"summary": "changed on the way"}).encode("utf-8")
        async with self.session.post(url, data=tampered, headers=headers) as response:
            return response.status, await response.text()

    async def post_unsigned(self, url, activity):
        body = json.dumps(activity).encode("utf-8")
        headers = {
            "content-type": AP_JSON,
            "date": get_gmt_now(),
            "digest": content_digest_sha256(body, prefix="SHA-256"),
        }
        async with self.session.post(url, data=body, headers=headers) as response:
            return response.status, await response.text()

    def wrong_key(self):
        """A key the peer never published, presented under the peer's real keyId."""
        _, private_pem = generate_rsa_public_private_key()
        return CryptographicSecret.from_pem(self.key_id, private_pem)

    def follow(self, actor_id):
        return self.keep(self.activities.follow(actor_id).build())


# -- talking to Marquee ----------------------------------------------------------------------


class Marquee:
    def __init__(self, session, base, token):
        self.session, self.base, self.token = session, base.rstrip("/"), token

    def auth(self):
        return {"authorization": f"Bearer {self.token}"}

    async def get(self, url, accept):
        async with self.session.get(url, headers={"accept": accept}) as response:
            return response.status, response.headers.get("content-type", ""), await response.text()

    async def get_json(self, url, accept, what):
        status, content_type, text = await self.get(url, accept)
        if status != 200:
            raise Failure(f"{what}: GET {url} answered {status}: {short(text)}")
        try:
            return json.loads(text)
        except ValueError:
            raise Failure(f"{what}: GET {url} is not JSON ({content_type}): {short(text)}") from None

    async def api(self, method, path, body=None):
        headers = self.auth()
        if body is not None:
            headers["content-type"] = "application/json"
        data = json.dumps(body) if body is not None else None
        async with self.session.request(method, self.base + path, data=data, headers=headers) as response:
            text = await response.text()
            try:
                return response.status, json.loads(text) if text else None
            except ValueError:
                return response.status, text

    async def publish(self, review):
        status, saved = await self.api("POST", "/api/v1/reviews", review)
        if status != 201 or not isinstance(saved, dict):
            raise Failure(f"POST /api/v1/reviews answered {status}: {short(saved)}")
        if saved.get("status") != "published" or not saved.get("url"):
            raise Failure(f"the review was saved but not published: {short(saved)}")
        return saved

    async def page(self, url):
        status, _, html = await self.get(url, "text/html")
        if status != 200:
            raise Failure(f"GET {url} answered {status}")
        return html


# -- the steps -------------------------------------------------------------------------------


async def verified(peer, delivery, what, writer):
    """Fails unless `delivery` was accepted by the peer (bovine verified its signature) and is
    signed by the writer's key."""
    if delivery.problem:
        raise Failure(f"the {what} arrived but the peer refused it: {delivery.problem}")
    if delivery.signer != writer["id"]:
        raise Failure(f"the {what} is signed by {delivery.signer}, not by the writer {writer['id']}")
    if delivery.path != urlsplit(peer.actor["inbox"]).path:
        raise Failure(f"the {what} was posted to {delivery.path}, not to the peer's inbox")
    ok(
        f'{what} verified by bovine: keyId {delivery.key_id}, signed headers "{delivery.signed_headers}", '
        f"owner {delivery.signer}"
    )


async def run(args):
    token = os.environ.get("MARQUEE_INTEROP_TOKEN", "")
    if not token:
        print("peer.py: MARQUEE_INTEROP_TOKEN (an API token with scope write) is not set", file=sys.stderr)
        return 2
    base = args.marquee.rstrip("/")
    host = urlsplit(base).netloc
    peer = Peer(args.peer_port)
    await peer.start()
    try:
        marquee = Marquee(peer.session, base, token)
        await steps(peer, marquee, base, host, args.writer_name)
    except Failure as failure:
        print(f"FAIL: {failure}", flush=True)
        return 1
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        print(f"FAIL: a request went wrong: {error!r}", flush=True)
        return 1
    finally:
        await peer.stop()
    print("every step passed", flush=True)
    return 0


async def steps(peer, marquee, base, host, writer_name):
    print(f"peer: {peer.actor_id} (bovine {version('bovine')}, aiohttp {version('aiohttp')}); Marquee: {base}")

    step("0", "publish a first review, and read the writer's slug from it")
    opening = await marquee.publish(OPENING_REVIEW)
    status, review = await marquee.api("GET", f"/api/v1/reviews/{quote(opening['slug'])}")
    if status != 200 or not isinstance(review, dict) or not isinstance(review.get("author"), dict):
        raise Failure(f"GET /api/v1/reviews/{opening['slug']} answered {status} without an author: {short(review)}")
    slug = review["author"]["slug"]
    ok(f"{opening['url']} by {review['author'].get('name')}, writer page {review['author'].get('url')}")
    expected_slug = "-".join("".join(c if c.isalnum() else " " for c in writer_name.lower()).split())
    if slug != expected_slug:
        say(f"note: the writer's slug is {slug!r}, not {expected_slug!r} as derived from {writer_name!r}")

    step("a", f"WebFinger acct:{slug}@{host}")
    resource = f"acct:{slug}@{host}"
    jrd = await marquee.get_json(
        f"{base}/.well-known/webfinger?resource={quote(resource, safe='')}", "application/jrd+json", "WebFinger"
    )
    if jrd.get("subject") != resource:
        raise Failure(f"WebFinger's subject is {jrd.get('subject')!r}, not {resource!r}: {short(jrd)}")
    links = [link for link in jrd.get("links", []) if link.get("rel") == "self" and link.get("type") == AP_JSON]
    if not links or not links[0].get("href"):
        raise Failure(f"WebFinger has no self link of type {AP_JSON}: {short(jrd)}")
    actor_url = links[0]["href"]
    ok(f"self → {actor_url}")
    if not actor_url.startswith(f"{base}/ap/"):
        raise Failure(f"the actor id {actor_url} is not on the site ({base}/ap/…)")

    step("b", f"fetch the actor document {actor_url}")
    writer = await marquee.get_json(actor_url, AP_JSON, "the actor document")
    if not isinstance(writer.get("publicKey"), dict):
        raise Failure(f"the actor document's publicKey is not one key object: {short(writer.get('publicKey'))}")
    missing = [
        name
        for name, value in [
            ("inbox", writer.get("inbox")),
            ("outbox", writer.get("outbox")),
            ("followers", writer.get("followers")),
            ("publicKey.publicKeyPem", (writer.get("publicKey") or {}).get("publicKeyPem")),
            ("endpoints.sharedInbox", (writer.get("endpoints") or {}).get("sharedInbox")),
            ("url", writer.get("url")),
        ]
        if not value
    ]
    if missing:
        raise Failure(f"the actor document lacks {', '.join(missing)}: {short(writer)}")
    if writer.get("id") != actor_url:
        raise Failure(f"the actor document's id is {writer.get('id')!r}, not {actor_url}")
    if writer["publicKey"].get("owner") != actor_url:
        raise Failure(f"the actor's publicKey.owner is {writer['publicKey'].get('owner')!r}, not {actor_url}")
    CryptographicIdentifier.from_public_key(writer["publicKey"])  # a PEM bovine can load
    ok(
        f"{writer.get('type')} {writer.get('preferredUsername')!r}: inbox {writer['inbox']}, "
        f"sharedInbox {writer['endpoints']['sharedInbox']}, key {writer['publicKey'].get('id')}"
    )

    step("c", f"POST a signed Follow to {writer['inbox']}")
    follow = peer.follow(actor_url)
    status, text = await peer.post_signed(writer["inbox"], follow)
    if status not in (200, 202):
        raise Failure(f"the Follow was answered {status}, not 202: {short(text)}")
    ok(f"{status} for Follow {follow['id']}")

    step("d", f"wait up to {DELIVERY_WAIT:.0f} s for a signed Accept of the Follow")
    accept = await peer.wait_for(lambda a: has_type(a, "Accept") and id_of(a.get("object")) == follow["id"])
    if accept is None:
        raise Failure(f"no Accept of the Follow within {DELIVERY_WAIT:.0f} s ({peer.deliveries_so_far()})")
    await verified(peer, accept, "Accept", writer)
    if id_of(accept.activity.get("actor")) != actor_url:
        raise Failure(f"the Accept's actor is {accept.activity.get('actor')!r}, not {actor_url}")
    say("Marquee must refuse what it cannot verify:")
    status, text = await peer.post_unsigned(writer["inbox"], peer.follow(actor_url))
    if status != 401:
        raise Failure(f"an unsigned Follow was answered {status}, not 401: {short(text)}")
    ok("an unsigned Follow: 401")
    status, text = await peer.post_signed(writer["inbox"], peer.follow(actor_url), secret=peer.wrong_key())
    if status != 401:
        raise Failure(
            f"a Follow signed with a key the peer never published was answered {status}, not 401: {short(text)}"
        )
    ok("a Follow signed with the wrong key under the peer's keyId: 401")

    step("e", f"publish a review of {FILM_TITLE} ({SCORE}/10) through the API, and wait for its Create")
    saved = await marquee.publish(REVIEW)
    ok(f"published {saved['url']} (review {saved['id']})")
    create = await peer.wait_for(
        lambda a: has_type(a, "Create") and FILM_TITLE in json.dumps(a.get("object"), ensure_ascii=False)
    )
    if create is None:
        raise Failure(f"no Create of the review within {DELIVERY_WAIT:.0f} s ({peer.deliveries_so_far()})")
    await verified(peer, create, "Create", writer)
    article = create.activity.get("object")
    if isinstance(article, str):
        say(f"the Create names its object by id only; fetching {article}")
        article = await marquee.get_json(article, AP_JSON, "the Article")
    check_article(article, actor_url, saved["url"])

    step("f", f"POST a signed Create of a Note replying to {article['id']} (with bovine's own client)")
    reply = peer.keep(
        peer.objects.note(content=REPLY_HTML, in_reply_to=article["id"], to={PUBLIC}, cc={actor_url}).build()
    )
    create_reply = peer.keep(peer.activities.create(reply).build())
    status, text = await peer.post_with_bovine_client(writer["inbox"], create_reply)
    if status not in (200, 202):
        raise Failure(f"the reply was answered {status}, not 202: {short(text)}")
    ok(f"{status} for Create {create_reply['id']}")

    step("g", "the reply is held until approved")
    held = await held_reply(marquee)
    ok(f"held as comment {held['id']}: {short(held, 300)}")
    await asyncio.sleep(1.5)  # longer than the page cache takes to see a write
    if REPLY_TEXT in await marquee.page(saved["url"]):
        raise Failure(f"the held reply is shown on {saved['url']} before approval")
    ok(f"not on {saved['url']}")
    status, answer = await marquee.api("POST", f"/api/v1/comments/{held['id']}/approve")
    if status not in (200, 204):
        raise Failure(f"POST /api/v1/comments/{held['id']}/approve answered {status}: {short(answer)}")
    ok(f"approved: {status}")
    deadline = time.monotonic() + 3
    while REPLY_TEXT not in await marquee.page(saved["url"]):
        if time.monotonic() > deadline:
            raise Failure(f"the approved reply is not on {saved['url']} after 3 s")
        await asyncio.sleep(0.25)
    ok(f"on {saved['url']}")


def check_article(article, actor_url, review_url):
    """The Article of a review: its name, author, page, content and NeoDB-style Rating."""
    if not isinstance(article, dict) or not has_type(article, "Article"):
        raise Failure(f"the Create's object is not an Article: {short(article)}")
    say(f"Article: {short({k: v for k, v in article.items() if k != 'content'}, 1500)}")
    problems = []
    name = article.get("name") or ""
    if FILM_TITLE not in name or f"{SCORE}/10" not in name:
        problems.append(f"name {name!r} should hold {FILM_TITLE!r} and '{SCORE}/10'")
    if id_of(article.get("attributedTo")) != actor_url:
        problems.append(f"attributedTo is {article.get('attributedTo')!r}, not {actor_url}")
    if review_url not in urls_in(article.get("url")):
        problems.append(f"url is {article.get('url')!r}, not the review's page {review_url}")
    if not article.get("content"):
        problems.append("content is missing")
    if not article.get("id"):
        problems.append("id is missing")
    ratings = find_ratings(article.get("relatedWith"), "relatedWith") + find_ratings(article.get("tag"), "tag")
    good = [
        (where, rating)
        for where, rating in ratings
        if number(rating.get("value")) == SCORE
        and number(rating.get("best")) == 10
        and number(rating.get("worst")) == 0
    ]
    if ratings:
        for where, rating in ratings:
            say(f"Rating at {where}: {short(rating, 400)}")
    if not good:
        problems.append(
            f"no Rating with value {SCORE}, best 10, worst 0 in relatedWith or tag "
            f"(relatedWith: {short(article.get('relatedWith'), 400)}; tag: {short(article.get('tag'), 400)})"
        )
    if problems:
        raise Failure("the Article is not as expected: " + "; ".join(problems))
    ok(f"Article {article['id']}: {name!r}, by {actor_url}, at {review_url}, Rating at {good[0][0]}")


async def held_reply(marquee, timeout=10.0):
    """The held comment holding the reply, polling while Marquee files it."""
    deadline = time.monotonic() + timeout
    while True:
        status, listed = await marquee.api("GET", "/api/v1/comments?status=held")
        if status != 200 or not isinstance(listed, dict) or not isinstance(listed.get("items"), list):
            raise Failure(f"GET /api/v1/comments?status=held answered {status}: {short(listed)}")
        for item in listed["items"]:
            if REPLY_TEXT in (item.get("content_html") or ""):
                return item
        if time.monotonic() > deadline:
            raise Failure(f"the reply is not among the held comments after {timeout:.0f} s: {short(listed)}")
        await asyncio.sleep(0.25)


# -- the peer checking itself ----------------------------------------------------------------


async def self_test():
    """The peer's own round trip, with no Marquee: what it signs, its inbox verifies (fetching the
    key from its own actor document), and what is forged or unsigned, its inbox refuses."""
    peer = Peer(free_port())
    await peer.start()
    checks = []
    try:
        inbox = peer.actor["inbox"]
        status, _ = await peer.post_signed(inbox, peer.follow(peer.actor_id))
        checks.append(("signed over (request-target) host date digest", status, 202))
        reply = peer.objects.note(content=REPLY_HTML, to={PUBLIC}).build()
        status, _ = await peer.post_with_bovine_client(inbox, peer.activities.create(reply).build())
        checks.append(("signed by bovine's signed_post", status, 202))
        status, _ = await peer.post_signed(inbox, peer.follow(peer.actor_id), secret=peer.wrong_key())
        checks.append(("signed with the wrong key", status, 401))
        status, _ = await peer.post_unsigned(inbox, peer.follow(peer.actor_id))
        checks.append(("unsigned", status, 401))
        status, _ = await peer.post_tampered(inbox, peer.follow(peer.actor_id))
        checks.append(("a body that no longer fits its Digest", status, 401))
        # Signed with the peer's own key, but claiming to come from someone else.
        forged = peer.follow(peer.actor_id) | {"actor": "http://127.0.0.1:1/someone-else"}
        status, _ = await peer.post_signed(inbox, forged)
        checks.append(("an actor other than the key's owner", status, 401))
    finally:
        await peer.stop()
    failed = False
    for (what, status, expected), delivery in zip(checks, peer.received):
        mark = "ok" if status == expected else "WRONG"
        failed |= status != expected
        why = f": {delivery.problem}" if delivery.problem else ""
        print(f"    self-test {mark}: {what}: {status} (expected {expected}){why}", flush=True)
    if len(peer.received) != len(checks):
        print(f"    self-test WRONG: {len(peer.received)} deliveries for {len(checks)} requests", flush=True)
        failed = True
    if peer.keys_fetched != [peer.key_id] * len(peer.keys_fetched) or not peer.keys_fetched:
        print(f"    self-test WRONG: keys fetched {peer.keys_fetched}", flush=True)
        failed = True
    return 1 if failed else 0


def main():
    parser = argparse.ArgumentParser(description="Marquee's ActivityPub interoperability peer (bovine).")
    parser.add_argument("--marquee", help="Marquee's base URL, e.g. http://127.0.0.1:8080")
    parser.add_argument("--peer-port", type=int, help="the port the peer's actor is served on")
    parser.add_argument("--writer-name", default="Pasture Tester", help="the Marquee account's name")
    parser.add_argument("--self-test", action="store_true", help="check the peer's own signing and verifying")
    args = parser.parse_args()
    # bovine says why it refuses a signature through logging (the self-test's refusals are meant).
    level = logging.ERROR if args.self_test else logging.WARNING
    logging.basicConfig(level=level, stream=sys.stdout, format="    (%(name)s) %(message)s")
    if args.self_test:
        sys.exit(asyncio.run(self_test()))
    if not args.marquee or not args.peer_port:
        parser.error("--marquee and --peer-port are required (or --self-test)")
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
