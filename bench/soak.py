#!/usr/bin/env python3
"""A soak test of a served Marquee store: mixed traffic at a bounded rate for a set time,
sampling the server's memory and every answer.

Started by bench/soak.sh (see it and bench/README.md). The traffic, per second of the run:
public pages (some asked again with If-None-Match), searches (words that match and words that
do not), the three feeds, API reads, API writes (a diary entry logged, then deleted), sign-in
attempts (wrong passwords from many addresses, and now and then the owner's right one) and, every
minute, a Markdown import of a few hundred reviews through the command line.

It passes when no request fails that should not (no 5xx but the 503 a busy sign-in may get, no
unexpected status, no broken connection) and the server's resident memory, after the warm-up,
grows by no more than 10% to the end.
"""

import argparse
import http.client
import json
import os
import queue
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

PASSWORD = "soak test password long enough"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory_kib(pid):
    """The process's resident memory: (all, anonymous, file-backed) in KiB."""
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile"):
                values[key] = int(rest.split()[0])
    return values.get("VmRSS", 0), values.get("RssAnon", 0), values.get("RssFile", 0)


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}
        self.failures = []
        self.total = 0
        # Requests the rate called for that could not be sent in time.
        self.behind = 0

    def record(self, kind, status, expected, detail=""):
        with self.lock:
            self.total += 1
            key = (kind, status)
            self.counts[key] = self.counts.get(key, 0) + 1
            if status not in expected:
                if len(self.failures) < 50:
                    self.failures.append(f"{kind}: {status} {detail}")
                self.counts[("failed", kind)] = self.counts.get(("failed", kind), 0) + 1

    def failed(self):
        return sum(n for (a, _), n in self.counts.items() if a == "failed")


class Client:
    """One keep-alive connection, reopened when the server closes it."""

    def __init__(self, port):
        self.port = port
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                data = response.read()
                if response.getheader("connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return response.status, dict(response.getheaders()), data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A kept-alive connection the server closed while idle: open another once.
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    raise
        raise RuntimeError("unreachable")


def write_import(folder, round_number, count):
    os.makedirs(folder, exist_ok=True)
    words = "The camera waits at the door while the light moves across the floor and the actors".split()
    for i in range(count):
        body = " ".join(random.choice(words) for _ in range(300))
        text = (
            f'+++\ntitle = "Soak Film {i}"\nyear = {1950 + i % 70}\ndirectors = ["Director {i % 40}"]\n'
            f'genres = ["Drama"]\nscore = {i % 10}.5\ntags = ["soak"]\ndate = 2020-01-01\n+++\n'
            f"## Round {round_number}\n\n{body}\n"
        )
        with open(os.path.join(folder, f"soak-{i}.md"), "w") as f:
            f.write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", required=True)
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--rate", type=int, default=100, help="requests a second")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--import-every", type=int, default=60, help="seconds between imports")
    parser.add_argument("--import-reviews", type=int, default=300)
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="marquee-soak-")
    data = os.path.join(work, "data")
    port = free_port()
    env = dict(os.environ, MARQUEE_TRUSTED_PROXIES="127.0.0.1", MARQUEE_LOG=os.environ.get("SOAK_LOG", "warn"))
    for key in ("DATABASE_URL", "MARQUEE_CONFIG", "MARQUEE_DATA", "MARQUEE_LISTEN"):
        env.pop(key, None)
    log = open(os.path.join(work, "server.log"), "w")
    server = subprocess.Popen(
        [args.bin, "serve", "--demo", "--data", data, "--listen", f"127.0.0.1:{port}"], env=env, stdout=log, stderr=log
    )
    try:
        return run(args, work, data, port, env, server)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        if os.environ.get("SOAK_KEEP"):
            print(f"soak: kept {work} (server.log, the data directory)")
        else:
            shutil.rmtree(work, ignore_errors=True)


def run(args, work, data, port, env, server):
    probe = Client(port)
    started = time.time()
    while True:
        try:
            if probe.request("GET", "/healthz")[0] == 200:
                break
        except OSError:
            probe.conn = None
        if time.time() - started > 120:
            print("soak: the server did not start", file=sys.stderr)
            return 2
        time.sleep(0.2)
    cli = lambda *a, stdin=None: subprocess.run(  # noqa: E731
        [args.bin, *a, "--data", data], env=env, input=stdin, capture_output=True, text=True, check=True
    )
    cli("user", "add", "--email", "owner@soak.example", "--name", "Soak Owner", "--role", "owner", "--password-stdin",
        stdin=PASSWORD + "\n")
    token = re.search(r"mq_[0-9a-f]+", cli("user", "token", "owner@soak.example", "--name", "soak", "--scope", "write").stdout).group(0)

    # The pages to read: the home page's links, and the indexes.
    home = probe.request("GET", "/")[2].decode()
    pages = sorted({p for p in re.findall(r'href="(/[^"#?]*)"', home) if not p.startswith(("/admin", "/static", "/media"))})
    pages += ["/films", "/years", "/genres", "/tags", "/scores", "/lists", "/?page=2", "/sitemap.xml", "/robots.txt"]
    words = ["film", "night", "the", "love", "city", "zzqxv", "kubrik", "a", "year", "light", "nosuchword"]

    stats = Stats()
    tasks = queue.Queue(maxsize=args.rate * 2)
    stop = threading.Event()
    etags = {}

    def form_token():
        return "".join(random.choice("0123456789abcdef") for _ in range(64))

    def one(client, kind):
        if kind == "page":
            path = random.choice(pages)
            headers = {}
            if path in etags and random.random() < 0.3:
                headers["If-None-Match"] = etags[path]
            status, got, _ = client.request("GET", path, headers=headers)
            if "etag" in {k.lower() for k in got}:
                etags[path] = next(v for k, v in got.items() if k.lower() == "etag")
            stats.record(kind, status, {200, 304}, path)
        elif kind == "search":
            q = urllib.parse.quote(" ".join(random.sample(words, random.randint(1, 3))))
            path = random.choice([f"/search?q={q}", f"/search/suggest?q={q}", f"/api/v1/search?q={q}"])
            status, _, _ = client.request("GET", path)
            stats.record(kind, status, {200}, path)
        elif kind == "feed":
            path = random.choice(["/feed.xml", "/rss.xml", "/feed.json"])
            stats.record(kind, client.request("GET", path)[0], {200}, path)
        elif kind == "api-read":
            path = random.choice(["/api/v1/reviews", "/api/v1/films", "/api/v1/people", "/api/v1/lists"])
            stats.record(kind, client.request("GET", path)[0], {200}, path)
        elif kind == "api-write":
            auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            entry = {"film_title": f"Soak Entry {random.randint(1, 50)}", "watched_on": "2025-05-01", "rating": 3.5}
            status, _, body = client.request("POST", "/api/v1/diary", body=json.dumps(entry), headers=auth)
            stats.record(kind, status, {201}, body[:200])
            if status == 201:
                entry_id = json.loads(body)["id"]
                status, _, body = client.request("DELETE", f"/api/v1/diary/{entry_id}", headers=auth)
                stats.record(kind, status, {204}, body[:200])
        elif kind == "sign-in":
            # Most attempts are an attacker's (wrong passwords, many addresses, the owner's email
            # or made-up ones); now and then a member signs in from their own address, and when
            # told the site is busy, tries again after the time it says, as a person would.
            right = random.random() < 0.05
            address = f"192.0.2.{random.randint(1, 50)}" if right else f"198.51.100.{random.randint(1, 60)}"
            email = "owner@soak.example" if right or random.random() < 0.5 else f"x{random.randint(1, 999)}@soak.example"
            for attempt in range(4):
                token_value = form_token()
                fields = {
                    "csrf": token_value,
                    "email": email,
                    "password": PASSWORD if right else "not the password",
                    "next": "/admin",
                }
                headers = {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": f"marquee_form={token_value}",
                    "X-Forwarded-For": address,
                }
                status, got, _ = client.request("POST", "/admin/login", body=urllib.parse.urlencode(fields), headers=headers)
                retry = {k.lower(): v for k, v in got.items()}.get("retry-after")
                if not right or status != 503 or attempt == 3:
                    break
                time.sleep(min(float(retry or 1), 3))
            stats.record(kind, status, {303} if right else {401, 429, 503}, f"{email} from {address}")

    def worker():
        client = Client(port)
        while not stop.is_set():
            try:
                kind = tasks.get(timeout=0.5)
            except queue.Empty:
                continue
            try:
                one(client, kind)
            except Exception as e:  # a broken connection or a read timeout is a failure
                stats.record(kind, f"error {type(e).__name__}", set(), str(e)[:200])
                client.conn = None

    weights = [("page", 45), ("search", 15), ("feed", 10), ("api-read", 10), ("api-write", 12), ("sign-in", 8)]
    kinds = [k for k, w in weights for _ in range(w)]

    def scheduler():
        interval = 1.0 / args.rate
        next_at = time.time()
        while not stop.is_set():
            next_at += interval
            try:
                tasks.put(random.choice(kinds), timeout=1)
            except queue.Full:
                # The server (or this driver) cannot keep the rate: reported, not a failed request.
                with stats.lock:
                    stats.behind += 1
            delay = next_at - time.time()
            if delay > 0:
                time.sleep(delay)

    samples = []

    def sampler():
        while not stop.is_set():
            samples.append((time.time() - begun, *memory_kib(server.pid)))
            time.sleep(2)

    imports = []

    def importer():
        round_number = 0
        while not stop.wait(args.import_every):
            round_number += 1
            folder = os.path.join(work, "import")
            write_import(folder, round_number, args.import_reviews)
            t = time.time()
            done = subprocess.run([args.bin, "import", "markdown", folder, "--data", data], env=env, capture_output=True, text=True)
            imports.append((round_number, done.returncode, time.time() - t))
            if done.returncode != 0:
                stats.record("import", f"exit {done.returncode}", set(), done.stderr[-300:])

    begun = time.time()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.workers)]
    threads += [threading.Thread(target=f, daemon=True) for f in (scheduler, sampler, importer)]
    for t in threads:
        t.start()
    while time.time() - begun < args.seconds:
        time.sleep(1)
        if server.poll() is not None:
            print(f"soak: the server exited with {server.returncode}", file=sys.stderr)
            stop.set()
            return 1
    stop.set()
    for t in threads:
        t.join(timeout=40)

    elapsed = time.time() - begun
    warm = args.seconds * 0.25

    def median(values):
        return sorted(values)[len(values) // 2] if values else 0

    def growth_of(column):
        """The level just after the warm-up and in the last quarter (medians of the samples, so
        a passing allocation such as an import's does not count), and the growth between."""
        after_warm = [s[column] for s in samples if warm <= s[0] < warm + max(20, args.seconds * 0.1)]
        last = [s[column] for s in samples if s[0] >= args.seconds * 0.75]
        baseline, late = median(after_warm), median(last)
        return baseline, late, ((late / baseline - 1) * 100 if baseline else 0.0), max(last, default=0)

    baseline, late, growth, peak = growth_of(1)
    anonymous = growth_of(2)
    print(f"soak: {stats.total} requests in {elapsed:.0f} s ({stats.total / elapsed:.0f}/s), {len(imports)} imports")
    for (kind, status), n in sorted(stats.counts.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1]))):
        if kind != "failed":
            print(f"  {kind:10} {status!s:>22}  {n}")
    print(f"  imports: {', '.join(f'#{r} exit {c} in {s:.1f} s' for r, c, s in imports) or 'none'}")
    if stats.behind:
        print(f"  {stats.behind} requests not sent in time: the rate was more than this machine could keep")
    print(f"memory (resident): {samples[0][1] // 1024} MiB at start, {baseline // 1024} MiB after warm-up, "
          f"{late // 1024} MiB in the last quarter ({growth:+.1f}%; {peak // 1024} MiB at most)")
    print(f"memory (anonymous, the heap): {anonymous[0] // 1024} MiB after warm-up, {anonymous[1] // 1024} MiB "
          f"in the last quarter ({anonymous[2]:+.1f}%; {anonymous[3] // 1024} MiB at most); the rest is the database "
          f"file mapped in, which the kernel takes back when it needs")
    step = max(1, len(samples) // 20)
    curve = ", ".join(f"{int(t)}s {rss // 1024}/{anon // 1024}" for t, rss, anon, _ in samples[::step])
    print(f"memory over time (s resident/anonymous MiB): {curve}")
    failed = stats.failed()
    for failure in stats.failures[:20]:
        print(f"  failed: {failure}")
    ok = failed == 0 and growth <= 10.0 and anonymous[2] <= 10.0
    print(f"soak: {'PASS' if ok else 'FAIL'} ({failed} failed requests; memory after warm-up {growth:+.1f}% resident, "
          f"{anonymous[2]:+.1f}% heap; limit 10%)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
