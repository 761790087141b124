#!/usr/bin/env python3
"""Load benchmark of a running `persona serve`, or of a static server holding `persona publish` output.

    python3 scripts/load/store_load.py --url http://127.0.0.1:PORT --write-token T [options]
    python3 scripts/load/store_load.py --url http://127.0.0.1:PORT --published DIR [options]

`scripts/bench-store.sh` starts a store on SQLite and on PostgreSQL, and nginx on the published files, and
runs this against each. The load comes from wrk (with the Lua scripts beside this file); seeding and the
first reads go through Python's `http.client`, a keep-alive connection per worker thread.

Phases against a store, in order:
1. seed: `--subjects` customers get `--seed-events` events each through batched `POST /v1/events`, every
   `--put-every`th one a `PUT /v1/profiles/{subject}`, and all their read tokens come from `POST /v1/tokens`.
2. prime: every customer's snapshot is read once (the store signs and stores it: the cold path); the ETags
   are kept.
3. read: `GET /v1/profiles/{subject}/snapshot` of random customers on `--connections` keep-alive
   connections, no `If-None-Match`: every answer must be a 200 (wrk, read.lua).
4. etag: the same with `If-None-Match` set to the customer's ETag from the prime phase: the answers are
   304s; a 200 (the snapshot changed) is a miss, not an error (wrk, read.lua).
5. ingest: batches of `--batch` random events over all customers, on `--ingest-connections` connections
   (wrk, ingest.lua).
With `--published DIR` (a static server whose root is DIR), the targets are `DIR/profiles/*.snap`: the prime
phase collects the server's ETags, then the read and etag phases run as above. Nothing is seeded.

Each wrk phase runs `--warmup` seconds unmeasured (a separate wrk run), then `--seconds` measured. A request
counts when it completes inside the measured run with the expected status; any other status or socket error
is an error. Latency is wrk's, from writing the request to reading the whole answer. With `--server-pid`
(Linux) the CPU seconds of the server and of wrk are shown per phase, which tells whether the generator,
rather than the server, is the limit. Output: a table, then one JSON line with every number. Exit status 2
when any request failed.
"""

import argparse
import concurrent.futures
import http.client
import json
import math
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
CATEGORIES = ["running", "camping", "cycling", "hiking", "swimming", "yoga"]
TIMEOUT_S = 30
TOKENS_PER_REQUEST = 1000
PRIME_WORKERS = 16


def options():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--url", required=True, help="the server, e.g. http://127.0.0.1:8787")
    p.add_argument("--write-token", help="the store's write token (a store run)")
    p.add_argument("--published", help="the folder the static server serves (a `persona publish` run)")
    p.add_argument("--subjects", type=int, default=10_000, help="customers to seed and read")
    p.add_argument("--seed-events", type=int, default=5, help="events per customer while seeding")
    p.add_argument("--put-every", type=int, default=10, help="every Nth customer also gets a PUT (0: none)")
    p.add_argument("--connections", type=int, default=64, help="connections of the read phases")
    p.add_argument("--ingest-connections", type=int, default=4, help="connections of ingest and seeding")
    p.add_argument("--batch", type=int, default=1000, help="events per POST /v1/events")
    p.add_argument("--events-per-subject", type=int, default=1,
                   help="ingest: consecutive events of one customer in a batch (1: all random)")
    p.add_argument("--event-ids", action="store_true",
                   help="ingest: every event carries a unique id (the store de-duplicates by it)")
    p.add_argument("--seconds", type=int, default=10, help="measured seconds per timed phase")
    p.add_argument("--warmup", type=int, default=2, help="unmeasured seconds before each timed phase")
    p.add_argument("--threads", type=int, default=1, help="wrk threads")
    p.add_argument("--phases", default="read,etag,ingest",
                   help="timed phases: login (first, when given), read, etag, ingest")
    p.add_argument("--label", default="", help="a name for this run in the output")
    p.add_argument("--server-pid", type=int, action="append", default=[],
                   help="a server process id, for the server's CPU use per phase (repeat for several)")
    o = p.parse_args()
    o.phases = [x for x in o.phases.split(",") if x]
    for phase in o.phases:
        if phase not in ("login", "read", "etag", "ingest"):
            p.error(f"--phases: unknown phase {phase!r} (login, read, etag, ingest)")
    if (o.write_token is None) == (o.published is None):
        p.error("give either --write-token (a store) or --published (a static server)")
    if o.published:
        o.phases = [x for x in o.phases if x not in ("ingest", "login")]
    if o.subjects < 1 or o.batch < 1 or o.seconds < 1 or o.warmup < 0 or o.threads < 1:
        p.error("--subjects, --batch, --seconds and --threads must be at least 1, --warmup at least 0")
    url = urllib.parse.urlsplit(o.url)
    if url.scheme != "http" or not url.hostname:
        p.error("--url: only http:// URLs are supported")
    o.host, o.port = url.hostname, url.port or 80
    o.url = o.url.rstrip("/")
    return o


class Phase:
    """The results of one phase."""

    def __init__(self, key, name, seconds, requests, errors, latencies_ms=None, items=0, misses=0,
                 cpu=None):
        self.key, self.name, self.seconds = key, name, seconds
        self.requests, self.errors, self.items, self.misses = requests, errors, items, misses
        self.latencies_ms, self.cpu = latencies_ms, cpu


# ---------------------------------------------------------------------------------------------------------
# Seeding and priming, through http.client.

_local = threading.local()


def connection(o):
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = http.client.HTTPConnection(o.host, o.port, timeout=TIMEOUT_S)
        _local.conn = conn
    return conn


def exchange(o, method, path, headers, body=None):
    """One request on this thread's keep-alive connection: (status, headers, body bytes)."""
    conn = connection(o)
    try:
        conn.request(method, path, body=body, headers=headers)
        reply = conn.getresponse()
        return reply.status, reply, reply.read()
    except (OSError, http.client.HTTPException):
        conn.close()
        _local.conn = None
        raise


def write(o, method, path, body):
    headers = {"authorization": f"Bearer {o.write_token}", "content-type": "application/json"}
    status, _, data = exchange(o, method, path, headers, json.dumps(body, separators=(",", ":")))
    if status != 200:
        raise RuntimeError(f"{method} {path}: HTTP {status}: {data[:300].decode(errors='replace')}")
    return json.loads(data)


def in_parallel(workers, count, make):
    """Runs make(i) for i in 0..count on `workers` threads; the results in order."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, min(workers, count))) as pool:
        return list(pool.map(make, range(count)))


def seed_event(rng, i, now, tag, orders):
    at = now - rng.randrange(7 * 86400)
    category = rng.choice(CATEGORIES)
    value = 5 + rng.randrange(200)
    kind = rng.randrange(100)
    subject = f"c_{i}"
    if kind < 55:
        return {"subject": subject, "type": "page_view", "category": category, "at": at}
    if kind < 75:
        return {"subject": subject, "type": "add_to_cart", "category": category, "value": value + 0.5,
                "at": at}
    if kind < 85:
        orders[0] += 1
        return {"subject": subject, "type": "purchase", "order_id": f"o_{tag}_{orders[0]}",
                "value": value + 0.9, "items": 1 + rng.randrange(3), "category": category, "at": at}
    return {"subject": subject, "type": "message_opened", "channel": "email", "at": at}


def profile_body(rng):
    country, zone = rng.choice([("DE", "Europe/Berlin"), ("FR", "Europe/Paris"),
                                ("US", "America/New_York"), ("JP", "Asia/Tokyo")])
    return {
        "traits": {"country": country, "time_zone": zone, "loyalty_tier": rng.choice(["bronze", "silver", "gold"])},
        "consent": {"channels": {"email": "granted", "sms": rng.choice(["granted", "denied"])}},
        "preferences": {"preferred_channel": "email", "interests": [rng.choice(CATEGORIES)]},
    }


def seed(o):
    """Seeds the store; returns the phases and every customer's (path, authorization)."""
    n, phases, now = o.subjects, [], int(time.time())
    total = n * o.seed_events
    batches = -(-total // o.batch)

    def batch(b):
        rng, orders = random.Random(b + 1), [0]
        events = [seed_event(rng, e % n, now, f"seed{b}", orders)
                  for e in range(b * o.batch, min((b + 1) * o.batch, total))]
        return write(o, "POST", "/v1/events", {"events": events})["accepted"]

    started = time.perf_counter()
    accepted = sum(in_parallel(o.ingest_connections, batches, batch))
    phases.append(Phase("seed_events", f"seed: {batches} event batches", time.perf_counter() - started,
                        batches, {}, items=accepted))

    if o.put_every > 0:
        puts = -(-n // o.put_every)
        started = time.perf_counter()
        in_parallel(o.ingest_connections, puts, lambda k: write(
            o, "PUT", f"/v1/profiles/c_{k * o.put_every}", profile_body(random.Random(k + 7))))
        phases.append(Phase("seed_puts", "seed: profile PUTs", time.perf_counter() - started, puts, {}))

    if "login" in o.phases:
        # Anonymous visitors a_0 .. a_{n-1}, each with a page view and a cart: the logins fold them.
        def visitors(b):
            events = []
            for i in range(b * (o.batch // 2), min((b + 1) * (o.batch // 2), n)):
                category = CATEGORIES[i % len(CATEGORIES)]
                events.append({"subject": f"a_{i}", "type": "page_view", "category": category, "at": now - 600})
                events.append({"subject": f"a_{i}", "type": "add_to_cart", "category": category,
                               "value": 149.0, "at": now - 300})
            return write(o, "POST", "/v1/events", {"events": events})["accepted"]

        started = time.perf_counter()
        count = -(-n // max(1, o.batch // 2))
        accepted = sum(in_parallel(o.ingest_connections, count, visitors))
        phases.append(Phase("seed_visitors", "seed: anonymous visitors with a cart",
                            time.perf_counter() - started, count, {}, items=accepted))

    tokens = {}
    for reply in in_parallel(2, -(-n // TOKENS_PER_REQUEST), lambda k: write(
            o, "POST", "/v1/tokens",
            {"subjects": [f"c_{i}" for i in range(k * TOKENS_PER_REQUEST, min((k + 1) * TOKENS_PER_REQUEST, n))]})):
        tokens.update(reply["tokens"])
    targets = []
    for i in range(n):
        token = tokens.get(f"c_{i}")
        if not token:
            raise RuntimeError(f"POST /v1/tokens gave no token for c_{i}")
        targets.append((f"/v1/profiles/c_{i}/snapshot", f"Bearer {token}"))
    return phases, targets


def published_targets(o):
    folder = os.path.join(o.published, "profiles")
    names = sorted(f for f in os.listdir(folder) if f.endswith(".snap"))
    if not names:
        raise RuntimeError(f"{folder}: no .snap files (run `persona publish` first)")
    return [(f"/profiles/{name}", None) for name in names]


def prime(o, targets):
    """Reads every target once; returns the phase and the ETags (None where the answer had none)."""
    errors, lock = {}, threading.Lock()

    def read(i):
        path, auth = targets[i]
        headers = {"authorization": auth} if auth else {}
        t0 = time.perf_counter()
        try:
            status, reply, _ = exchange(o, "GET", path, headers)
        except (OSError, http.client.HTTPException) as e:
            kind = type(e).__name__
        else:
            if status == 200:
                return (time.perf_counter() - t0) * 1000, reply.getheader("etag")
            kind = f"HTTP {status}"
        with lock:
            errors[kind] = errors.get(kind, 0) + 1
        return None, None

    started, cpu0 = time.perf_counter(), (cpu_seconds(o.server_pid), own_cpu())
    results = in_parallel(PRIME_WORKERS, len(targets), read)
    seconds = time.perf_counter() - started
    cpu = cpu_between(cpu0, (cpu_seconds(o.server_pid), own_cpu()))
    latencies = [ms for ms, _ in results if ms is not None]
    phase = Phase("prime", "prime: first read (sign + store)" if o.write_token else "prime: first read",
                  seconds, len(latencies), errors, latencies_ms=latencies, cpu=cpu)
    return phase, [etag for _, etag in results]


# ---------------------------------------------------------------------------------------------------------
# The timed phases, through wrk.

def cpu_seconds(pids):
    """User + system CPU seconds of these processes so far (Linux /proc), or None."""
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            return None
        fields = stat[stat.rfind(")") + 2:].split(" ")
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total if pids else None


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def own_cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cpu_between(start, end):
    """(server, generator) CPU seconds between two (server, generator) readings; None without a server."""
    if start[0] is None or end[0] is None:
        return None
    return end[0] - start[0], end[1] - start[1]


def wrk(o, script, connections, seconds, script_args):
    """One wrk run; returns its TALLY (see tally.lua) and the CPU seconds of the server and of wrk."""
    command = ["wrk", "-t", str(min(o.threads, connections)), "-c", str(connections), "-d", f"{seconds}s",
               "--timeout", f"{TIMEOUT_S}s", "-s", os.path.join(HERE, script), o.url, "--", *script_args]
    start = (cpu_seconds(o.server_pid), children_cpu())
    run = subprocess.run(command, capture_output=True, text=True)
    cpu = cpu_between(start, (cpu_seconds(o.server_pid), children_cpu()))
    line = next((x for x in run.stdout.splitlines() if x.startswith("TALLY ")), None)
    if run.returncode != 0 or line is None:
        raise RuntimeError(f"{' '.join(command)} exited with {run.returncode}:\n{run.stdout}{run.stderr}")
    return json.loads(line[len("TALLY "):]), cpu


def timed(o, key, name, script, connections, script_args):
    """A warm-up run, then the measured run, of one wrk phase."""
    if o.warmup > 0:
        wrk(o, script, connections, o.warmup, script_args("warmup"))
    tally, cpu = wrk(o, script, connections, o.seconds, script_args("measured"))
    latency = {k: v / 1000 for k, v in tally["latency_us"].items()}
    return Phase(key, name, tally["duration_us"] / 1e6, tally["ok"], tally["unexpected"],
                 latencies_ms=latency, items=tally["items"], misses=tally["misses"], cpu=cpu)


def write_targets(folder, targets, etags):
    path = os.path.join(folder, "targets.tsv")
    with open(path, "w") as f:
        for (target, auth), etag in zip(targets, etags):
            f.write(f"{target}\t{auth or '-'}\t{etag or '-'}\n")
    return path


# ---------------------------------------------------------------------------------------------------------
# The report.

def percentiles(phase):
    """mean, p50, p90, p99, max in milliseconds (exact over the samples, or wrk's), or None."""
    v = phase.latencies_ms
    if not v:
        return None
    if isinstance(v, dict):
        return v
    v = sorted(v)
    at = lambda q: v[min(len(v), max(1, math.ceil(q * len(v)))) - 1]
    return {"mean": sum(v) / len(v), "p50": at(0.5), "p90": at(0.9), "p99": at(0.99), "max": v[-1]}


def report(o, label, phases):
    print()
    print(f"{'phase':<38} {'requests':>9} {'req/s':>10} {'events/s':>11} {'errors':>6} {'p50 ms':>8} "
          f"{'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}  cpu s (server/load)  server cpu µs/req")
    out, errors = {}, 0
    for phase in phases:
        p = percentiles(phase)
        rate = phase.requests / phase.seconds if phase.seconds else 0.0
        error_count = sum(phase.errors.values())
        errors += error_count
        lat = lambda k: f"{p[k]:.3f}" if p else "-"
        events = f"{phase.items / phase.seconds:.0f}" if phase.items else "-"
        per_request = phase.cpu[0] / phase.requests * 1e6 if phase.cpu and phase.requests else None
        cpu = f"{phase.cpu[0]:.1f} / {phase.cpu[1]:.1f}" if phase.cpu else ""
        cpu += f"  {per_request:>17.1f}" if per_request is not None else ""
        print(f"{phase.name:<38} {phase.requests:>9} {rate:>10.0f} {events:>11} {error_count:>6} "
              f"{lat('p50'):>8} {lat('p90'):>8} {lat('p99'):>8} {lat('max'):>8}  {cpu}")
        if phase.misses:
            print(f"{'':<38} {phase.misses} of them answered 200 (the ETag had changed)")
        for kind, n in sorted(phase.errors.items()):
            print(f"{'':<38} error {kind}: {n}")
        entry = {"name": phase.name, "requests": phase.requests, "seconds": round(phase.seconds, 3),
                 "requests_per_s": round(rate, 1), "errors": error_count, "error_kinds": phase.errors}
        if phase.items:
            entry["events"] = phase.items
            entry["events_per_s"] = round(phase.items / phase.seconds, 1)
        if phase.misses:
            entry["etag_misses"] = phase.misses
        if p:
            entry["latency_ms"] = {k: round(p[k], 4) for k in ("mean", "p50", "p90", "p99", "max")}
        if phase.cpu:
            entry["cpu_seconds"] = {"server": round(phase.cpu[0], 2), "load": round(phase.cpu[1], 2)}
        if per_request is not None:
            entry["server_cpu_us_per_request"] = round(per_request, 2)
        out[phase.key] = entry
    line = {
        "bench": "persona-store-load", "label": label, "url": o.url, "subjects": o.subjects,
        "connections": o.connections, "ingest_connections": o.ingest_connections, "batch": o.batch,
        "events_per_subject": o.events_per_subject, "event_ids": o.event_ids, "seconds": o.seconds, "warmup": o.warmup,
        "generator": wrk_version(), "generator_threads": o.threads, "cpus": os.cpu_count(), "phases": out,
    }
    print()
    print(json.dumps(line, separators=(",", ":")))
    return errors


def wrk_version():
    run = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    match = re.search(r"wrk (\S+)", run.stdout + run.stderr)
    return f"wrk {match.group(1)}" if match else "wrk"


def main():
    o = options()
    if shutil.which("wrk") is None:
        sys.exit("store_load.py: wrk not found (bash scripts/setup.sh bench installs it)")
    label = o.label or ("static" if o.published else "store")
    status, _, _ = exchange(o, "GET", "/healthz" if o.write_token else "/keys.json", {})
    if status != 200:
        sys.exit(f"store_load.py: {o.url}: HTTP {status} to the health check")
    print(f"persona-store load [{label}]: {o.subjects if o.write_token else 'published'} subjects, "
          f"{o.connections} read connections, {o.ingest_connections} ingest connections, batches of {o.batch}, "
          f"{o.seconds} s measured after {o.warmup} s warm-up, generator: {wrk_version()}, {o.threads} thread(s)",
          flush=True)
    if o.write_token:
        phases, targets = seed(o)
    else:
        phases, targets = [], published_targets(o)
        o.subjects = len(targets)
    primed, etags = prime(o, targets)
    phases.append(primed)
    with tempfile.TemporaryDirectory(prefix="persona-load.") as work:
        targets_file = write_targets(work, targets, etags)
        if "login" in o.phases:
            phases.append(timed(
                o, "login", "logins: anonymous -> customer, folded", "login.lua", o.ingest_connections,
                lambda run: [o.write_token, str(o.subjects), run, str(min(o.threads, o.ingest_connections))]))
        if "read" in o.phases:
            phases.append(timed(o, "snapshot_200", "snapshot reads (200)", "read.lua", o.connections,
                                lambda _: [targets_file]))
        if "etag" in o.phases:
            phases.append(timed(o, "snapshot_304", "snapshot reads, If-None-Match (304)", "read.lua",
                                o.connections, lambda _: [targets_file, "etag"]))
        if "ingest" in o.phases:
            tag = f"load{int(time.time())}"
            phases.append(timed(
                o, "ingest",
                f"ingest: batches of {o.batch} events, {max(1, o.events_per_subject)} per customer"
                + (", with ids" if o.event_ids else ""),
                "ingest.lua", o.ingest_connections,
                lambda run: [o.write_token, str(o.subjects), str(o.batch), str(o.events_per_subject),
                             f"{tag}{run[0]}", "ids" if o.event_ids else "-"]))
    errors = report(o, label, phases)
    if errors:
        print(f"store_load.py: {errors} request(s) failed (see above)", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
