#!/usr/bin/env python3
"""Benchmark of `flagstaff migrate-from-unleash`: writes a saved Unleash
instance (the file `--save` writes) with N flags (default 5,000) in two
projects and two environments — strategies with constraints, segments and
variants, environment variants, tags, links, dependencies, archived flags —
then times the migration of it into a new SQLite database and checks the
served document has every live flag.

    scripts/bench-migrate.py [--flags 5000] [--binary target/release/flagstaff]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

OPERATORS = [("IN", "region", ["eu", "us"]), ("STR_STARTS_WITH", "userId", ["user-"]),
             ("NUM_GT", "tier", ["2"]), ("DATE_AFTER", "currentTime", ["2025-01-01T00:00:00.000Z"]),
             ("SEMVER_LT", "appVersion", ["3.1.0"])]
ENVIRONMENTS = ["development", "production"]


def constraint(i):
    op, field, values = OPERATORS[i % len(OPERATORS)]
    c = {"contextName": field, "operator": op, "inverted": i % 2 == 0, "caseInsensitive": False}
    if op in ("IN", "STR_STARTS_WITH"):
        c["values"] = values
    else:
        c["value"] = values[0]
    return c


def instance(flags):
    projects = ["default", "checkout"]
    state = {
        "environments": [{"name": e, "type": e, "enabled": True, "sortOrder": n}
                         for n, e in enumerate(ENVIRONMENTS)],
        "projects": [{"id": p, "name": p.title(), "environments": ENVIRONMENTS} for p in projects],
        "contextFields": [{"name": "region", "legalValues": [{"value": "eu"}, {"value": "us"}]},
                          {"name": "tier"}, {"name": "appVersion"}],
        "tagTypes": [{"name": "team"}],
        "segments": [{"id": s, "name": f"segment-{s}", "constraints": [constraint(s)]} for s in range(1, 11)],
        "exports": [],
        "archived": [],
    }
    for p in projects:
        mine = [i for i in range(flags) if projects[i % 2] == p]
        for e in ENVIRONMENTS:
            doc = {"features": [], "featureStrategies": [], "featureEnvironments": [],
                   "segments": [{"id": s, "name": f"segment-{s}"} for s in range(1, 11)],
                   "featureTags": [], "tagTypes": [{"name": "team"}], "dependencies": [], "links": []}
            for i in mine:
                name = f"bench-{i:05}"
                doc["features"].append({"name": name, "type": "release", "project": p,
                                        "description": f"Flag {i}", "impressionData": i % 4 == 0,
                                        "stale": i % 10 == 0})
                doc["featureStrategies"].append({
                    "name": "flexibleRollout", "featureName": name, "sortOrder": 0,
                    "parameters": {"rollout": str(i % 101), "stickiness": "default", "groupId": name},
                    "constraints": [constraint(i), constraint(i + 1)],
                    "segments": [1 + i % 10],
                    "variants": [{"name": "on", "weight": 1000, "weightType": "variable", "stickiness": "default"}]})
                if i % 3 == 0:
                    doc["featureStrategies"].append({"name": "default", "featureName": name, "sortOrder": 1,
                                                     "title": "Everyone else", "disabled": i % 2 == 0})
                doc["featureEnvironments"].append({
                    "featureName": name, "name": name, "environment": e, "enabled": i % 3 != 0,
                    "variants": [{"name": "a", "weight": 1000, "weightType": "variable", "stickiness": "default"}]
                    if i % 6 == 0 else []})
                if i % 8 == 0:
                    doc["featureTags"].append({"featureName": name, "tagType": "team", "tagValue": f"t{i % 5}"})
                if i % 9 == 0:
                    doc["links"].append({"feature": name, "links": [{"url": f"https://example.com/{i}"}]})
                if i % 11 == 2:
                    doc["dependencies"].append({"feature": name,
                                                "dependencies": [{"feature": f"bench-{i - 2:05}"}]})
            state["exports"].append({"project": p, "environment": e, "document": doc})
        state["archived"] += [{"name": f"gone-{p}-{n}", "project": p, "type": "release"} for n in range(20)]
    return state


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--flags", type=int, default=5000)
    parser.add_argument("--binary", default="target/release/flagstaff")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as dir:
        source = os.path.join(dir, "unleash.json")
        with open(source, "w") as f:
            json.dump(instance(args.flags), f)
        database = f"sqlite://{dir}/flagstaff.db"
        started = time.monotonic()
        subprocess.run([args.binary, "migrate-from-unleash", "--from-file", source,
                        "--database-url", database], check=True)
        took = time.monotonic() - started
        print(f"migrated {args.flags} flags (x{len(ENVIRONMENTS)} environments) in {took:.1f} s")
        return 0 if took < 60 else 1


if __name__ == "__main__":
    sys.exit(main())
