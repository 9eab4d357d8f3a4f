#!/usr/bin/env python3
"""Benchmark (not a test): the web UI's flags page with 10,000 flags.

Starts the release `flagstaff serve` on loopback (SQLite, or PostgreSQL with
--postgres URL: a fresh database is made there), imports 10,000 flags in one
call, signs in as the INIT_ADMIN_USER, then requests the first page, a page in
the middle, and a name search, each 50 times, and prints the server time the
page reports in its `Server-Timing` header (min / median / p95, in ms) and the
client time. Standard library only.

Usage: scripts/bench-ui-flags-page.py [--postgres postgres://postgres@127.0.0.1:5432/postgres]
                                      [--binary PATH]
--binary runs that build (e.g. a debug one) instead of building and running the
release binary; its figures are only comparable with other runs of the same build.
"""

import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

FLAGS = 10_000
RUNS = 50
ADMIN_TOKEN = "*:*.bench-ui-admin"
USER, PASSWORD = "bench", "bench password 123"


def start(binary, database_url):
    env = dict(os.environ, INIT_ADMIN_API_TOKENS=ADMIN_TOKEN, MAX_IMPORT_FLAGS=str(FLAGS), HEADER_TIMEOUT="1800", INIT_ADMIN_USER=USER,
               INIT_ADMIN_PASSWORD=PASSWORD, RUST_LOG="warn,flagstaff_server=info,flagstaff_domain=info", NO_COLOR="1")
    server = subprocess.Popen(
        [binary, "serve", "--host", "127.0.0.1", "--port", "0",
         "--database-url", database_url],
        env=env, stdout=subprocess.PIPE, text=True)
    for line in server.stdout:
        found = re.search(r"listening on (\S+)", line)
        if found:
            return server, found.group(1).strip('"')
    raise SystemExit("the server never said where it listens")


def call(address, method, path, body=None, headers=None, timeout=120):
    host, port = address.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response, data


def import_flags(address):
    features = [{"name": f"flag-{i:05}", "type": "release", "project": "default",
                 "description": f"benchmark flag {i}"} for i in range(FLAGS)]
    data = {"features": features, "featureStrategies": [], "featureEnvironments": [],
            "contextFields": [], "segments": [], "tagTypes": [], "featureTags": [],
            "dependencies": []}
    body = json.dumps({"project": "default", "environment": "development", "data": data})
    started = time.perf_counter()
    response, text = call(address, "POST", "/api/admin/features-batch/import", body,
                          {"Authorization": ADMIN_TOKEN, "Content-Type": "application/json"},
                          timeout=1800)
    if response.status >= 300:
        raise SystemExit(f"import answered {response.status}: {text[:300]!r}")
    print(f"imported {FLAGS:,} flags in {time.perf_counter() - started:.2f} s")


def sign_in(address):
    form = urllib.parse.urlencode({"login": USER, "password": PASSWORD})
    response, _ = call(address, "POST", "/login", form,
                       {"Content-Type": "application/x-www-form-urlencoded"})
    cookie = response.getheader("Set-Cookie", "").split(";")[0]
    if response.status != 303 or not cookie:
        raise SystemExit(f"sign-in answered {response.status}")
    return cookie


def measure(address, cookie, path):
    server_ms, client_ms = [], []
    for _ in range(RUNS):
        started = time.perf_counter()
        response, body = call(address, "GET", path, headers={"Cookie": cookie})
        client_ms.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            raise SystemExit(f"{path} answered {response.status}")
        timing = re.search(r"dur=([0-9.]+)", response.getheader("Server-Timing", ""))
        if timing:
            server_ms.append(float(timing.group(1)))
    def summary(values):
        ordered = sorted(values)
        return (f"min {ordered[0]:.1f}  median {statistics.median(ordered):.1f}  "
                f"p95 {ordered[int(len(ordered) * 0.95) - 1]:.1f}")
    print(f"{path}\n  server ms: {summary(server_ms)}\n  client ms: {summary(client_ms)}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a fresh database is made)")
    parser.add_argument("--binary", help="run this flagstaff binary instead of building the release one")
    args = parser.parse_args()
    binary = os.path.abspath(args.binary) if args.binary else None
    os.chdir(os.path.join(os.path.dirname(__file__), ".."))
    if binary is None:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "flagstaff"], check=True)
        binary = "target/release/flagstaff"
    work = tempfile.mkdtemp()
    if args.postgres:
        name = f"flagstaff_bench_ui_{os.getpid()}"
        subprocess.run(["psql", args.postgres, "-qc", f"CREATE DATABASE {name}"], check=True)
        database_url = args.postgres.rsplit("/", 1)[0] + "/" + name
    else:
        database_url = f"sqlite://{work}/flagstaff.db"
    server, address = start(binary, database_url)
    try:
        import_flags(address)
        cookie = sign_in(address)
        print(f"{'PostgreSQL' if args.postgres else 'SQLite'}, {FLAGS:,} flags, {RUNS} requests each")
        for path in ["/projects/default/features", "/projects/default/features?page=50",
                     "/projects/default/features?q=flag-0999"]:
            measure(address, cookie, path)
    finally:
        server.terminate()
        server.wait()
        if args.postgres:
            subprocess.run(["psql", args.postgres, "-qc", f"DROP DATABASE {name}"], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
