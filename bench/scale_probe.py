#!/usr/bin/env python3
"""Latencies of a served store, for bench/scale.sh: review pages on a cold cache and a warm one,
search, the home page, a year page and the sitemap, and review pages while a review is
published every second (through the JSON API), against the same pages at rest.

Requests are sequential on one kept-alive connection, so each figure is the server's answer time
plus a loopback round trip. Prints one `name value` line per figure (milliseconds, or counts).

    scale_probe.py BASE SLUGS_FILE WORDS_FILE YEAR TOKEN
"""
import http.client
import json
import random
import statistics
import sys
import threading
import time
import urllib.parse


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


class Client:
    def __init__(self, base):
        url = urllib.parse.urlparse(base)
        self.host, self.port = url.hostname, url.port
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def get(self, path):
        started = time.perf_counter()
        try:
            self.conn.request("GET", path)
            response = self.conn.getresponse()
            response.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            self.conn.request("GET", path)
            response = self.conn.getresponse()
            response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200:
            raise SystemExit(f"scale_probe: GET {path} answered {response.status}")
        return elapsed

    def post_json(self, path, body, token):
        self.conn.request(
            "POST",
            path,
            body=json.dumps(body),
            headers={"content-type": "application/json", "authorization": f"Bearer {token}"},
        )
        response = self.conn.getresponse()
        text = response.read()
        if response.status not in (200, 201):
            raise SystemExit(f"scale_probe: POST {path} answered {response.status}: {text[:300]!r}")


def report(name, value, unit="ms"):
    print(f"{name} {value:.2f} {unit}" if isinstance(value, float) else f"{name} {value} {unit}", flush=True)


def main():
    base, slugs_file, words_file, year, token = sys.argv[1:6]
    slugs = [s.strip() for s in open(slugs_file) if s.strip()]
    words = [w.strip() for w in open(words_file) if w.strip()]
    client = Client(base)

    cold = [client.get(f"/reviews/{slug}") for slug in slugs]
    report("review_cold_p50", statistics.median(cold))
    report("review_cold_p99", percentile(cold, 99))
    warm = [client.get(f"/reviews/{slug}") for slug in slugs]
    report("review_warm_p50", statistics.median(warm))
    report("review_warm_p99", percentile(warm, 99))

    rng = random.Random(7)
    searches = [client.get("/search?q=" + urllib.parse.quote(rng.choice(words))) for _ in range(200)]
    report("search_p50", statistics.median(searches))
    report("search_p95", percentile(searches, 95))

    for name, path in (("home", "/"), ("year", f"/years/{year}"), ("sitemap", "/sitemap.xml")):
        first = client.get(path)
        again = [client.get(path) for _ in range(10)]
        report(f"{name}_first", first)
        report(f"{name}_cached_median", statistics.median(again))

    # Review pages for a while at rest, then for as long while a review is published each second.
    seconds = float(os_env("BENCH_PUBLISH_SECONDS", "30"))

    def read_for(duration):
        times, until = [], time.monotonic() + duration
        while time.monotonic() < until:
            times.append(client.get(f"/reviews/{rng.choice(slugs)}"))
        return times

    rest = read_for(seconds)
    report("rest_p99", percentile(rest, 99))
    report("rest_requests", len(rest), "requests")
    stop = threading.Event()
    published = []

    def publish():
        writer = Client(base)
        n = 0
        while not stop.is_set():
            started = time.monotonic()
            n += 1
            writer.post_json(
                "/api/v1/reviews",
                {
                    "film": {"title": f"Scale Bench Premiere {n} {int(time.time())}", "year": 2026},
                    "body": "A film seen for the bench, published while readers read.\n\n" * 20,
                    "score": 7.0,
                    "status": "published",
                },
                token,
            )
            published.append(n)
            stop.wait(max(0.0, 1.0 - (time.monotonic() - started)))

    thread = threading.Thread(target=publish)
    thread.start()
    during = read_for(seconds)
    stop.set()
    thread.join()
    report("publishing_p99", percentile(during, 99))
    report("publishing_requests", len(during), "requests")
    report("published", len(published), "reviews")
    report("publishing_vs_rest_p99", percentile(during, 99) / percentile(rest, 99), "x")


def os_env(name, default):
    import os

    return os.environ.get(name, default)


if __name__ == "__main__":
    main()
