#!/usr/bin/env python3
"""Write compat-tests/RESULTS.md, the compatibility matrix, from test-run results.

Reads the results directories that `compat-tests/run.sh` writes: the zkrs run
(`.work/results`) and, when there is one, the last run against Apache ZooKeeper 3.8.0
(`run.sh --reference`, `.work/results-reference`). Each directory holds `<suite>.counts`
(`<passed> <failed>`), the suite's outcomes file and `run-info.txt`. A suite missing from a
directory shows as "not run".

Usage: results_md.py --zkrs DIR [--reference DIR] --write FILE
"""

import argparse
import fnmatch
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402  (load_known: the known-failures format)

COMPAT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# suite, client or tool, what it exercises, outcomes file (relative to the results dir),
# how the reference column is obtained: "run" (the suite runs against the reference with
# `run.sh --reference`) or "pair" (the suite compares both servers in every run).
SUITES = [
    ("cargo", "zkrs's own tests (Rust)",
     "unit, golden-bytes (fixtures from ZooKeeper's jute classes), model and crash tests",
     None, None),
    ("zkcli", "zkCli.sh (Java client 3.8.0)",
     "every zkCli command; output compared block by block with ZooKeeper's",
     "zkcli/outcomes.txt", "run"),
    ("kazoo", "kazoo 2.11 (Python)", "kazoo's own test suite (`kazoo/tests`)",
     "kazoo/kazoo-outcomes.txt", "run"),
    ("monitoring", "nc / HTTP / Prometheus scraper",
     "every 4lw, AdminServer command and /metrics, compared with ZooKeeper's",
     "monitoring/outcomes.txt", "pair"),
    ("durability", "zkrs and ZooKeeper on one dataDir",
     "dataDir round trips in both directions (plain, gz, snappy snapshots); ZooKeeper's log tools read zkrs's files",
     "durability-work/outcomes.txt", "pair"),
    ("diff", "raw wire protocol (Python)",
     "seeded random workloads, every reply, Stat, zxid and event compared",
     "diff/outcomes.txt", "pair"),
    ("kafka", "Java client 3.8.0 (Kafka's traffic)",
     "Kafka's ZooKeeper-mode traffic replayed, results Kafka relies on asserted",
     "kafka/outcomes.txt", "run"),
    ("curator", "Curator 5.4 (Java)",
     "mutex, leader latch, atomic long, caches, persistent node, transactions",
     "curator/outcomes.txt", "run"),
    ("c-client", "libzookeeper-mt 3.8.0 (C) and cli_mt",
     "sync and async API, watches, multi, session expiry; cli_mt output compared",
     "c-client/outcomes.txt", "run"),
]


def read_info(results):
    info = {}
    try:
        with open(os.path.join(results, "run-info.txt"), encoding="utf-8") as f:
            for line in f:
                key, _, value = line.rstrip("\n").partition("=")
                info[key] = value
    except (FileNotFoundError, TypeError):
        pass
    return info


def read_counts(results, suite):
    try:
        with open(os.path.join(results, suite + ".counts"), encoding="utf-8") as f:
            passed, failed = f.read().split()
            return int(passed), int(failed)
    except (FileNotFoundError, TypeError, ValueError):
        return None


def failures(results, outcomes):
    """Failed test ids of a suite, in file order (a test fails if any of its lines fails)."""
    if not results or not outcomes:
        return []
    status, order = {}, []
    try:
        with open(os.path.join(results, outcomes), encoding="utf-8") as f:
            for raw in f:
                word, _, test_id = raw.strip().partition(" ")
                if not test_id:
                    continue
                if test_id not in status:
                    order.append(test_id)
                    status[test_id] = word
                elif word == "FAIL":
                    status[test_id] = word
    except FileNotFoundError:
        return []
    return [t for t in order if status[t] == "FAIL"]


def known_reason(known, test_id):
    for pattern, reason in known:
        if fnmatch.fnmatchcase(test_id, pattern):
            return reason
    return None


def cell(counts, failed_ids, known):
    if counts is None:
        return "not run"
    passed, failed = counts
    text = "%d passed, %d failed" % (passed, failed)
    if failed:
        n_known = sum(1 for t in failed_ids if known_reason(known, t) is not None)
        if n_known == failed:
            text += " (all known)"
        elif n_known:
            text += " (%d known)" % n_known
    return text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--zkrs", required=True, help="results directory of a run against zkrs")
    ap.add_argument("--reference", help="results directory of a run.sh --reference run")
    ap.add_argument("--write", required=True)
    args = ap.parse_args()
    ref = args.reference if args.reference and os.path.isdir(args.reference) else None
    zinfo, rinfo = read_info(args.zkrs), read_info(ref)

    lines = [
        "# Compatibility matrix",
        "",
        "Generated by `compat-tests/run.sh` (compat-tests/lib/results_md.py) from its results;",
        "do not edit by hand. Mode: standalone (the only mode zkrs has so far; ensemble rows",
        "come with the ensemble). The reference is Apache ZooKeeper 3.8.0 from Debian.",
        "",
        "- zkrs column: run of %s at %s (zkrs %s)." % (
            zinfo.get("date", "?"), zinfo.get("commit", "?"), zinfo.get("zkrs", "?")),
    ]
    if ref:
        lines.append("- ZooKeeper column: `run.sh --reference` of %s at %s; suites marked"
                     " *compared* run both servers side by side in every zkrs run." % (
                         rinfo.get("date", "?"), rinfo.get("commit", "?")))
    else:
        lines.append("- ZooKeeper column: no `run.sh --reference` results here; suites marked"
                     " *compared* run both servers side by side in every zkrs run.")
    lines += [
        "- A failure is *known* when the suite's known-failures.txt lists it with its reason",
        "  (below); any other failure fails the test command.",
        "",
        "| Suite | Client or tool | Exercises | Mode | zkrs | Apache ZooKeeper 3.8.0 |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    details = []
    for suite, client, what, outcomes, ref_kind in SUITES:
        known = report.load_known(os.path.join(COMPAT, suite, "known-failures.txt"))
        zfail = failures(args.zkrs, outcomes)
        zcell = cell(read_counts(args.zkrs, suite), zfail, known)
        if ref_kind is None:
            rcell = "n/a"
        elif ref_kind == "pair":
            rcell = "compared" if read_counts(args.zkrs, suite) else "not run"
        else:
            rfail = failures(ref, outcomes)
            rcell = cell(read_counts(ref, suite), rfail, known) if ref else "not run"
            for t in rfail:
                details.append((suite, "ZooKeeper", t, known_reason(known, t)))
        lines.append("| %s | %s | %s | standalone | %s | %s |" % (
            suite, client, what, zcell, rcell))
        for t in zfail:
            details.append((suite, "zkrs", t, known_reason(known, t)))
    lines += ["", "## Failures", ""]
    if not details:
        lines.append("None.")
    else:
        lines += ["| Suite | Server | Test | Reason (from known-failures.txt) |",
                  "| --- | --- | --- | --- |"]
        for suite, server, t, reason in details:
            lines.append("| %s | %s | `%s` | %s |" % (
                suite, server, t.replace("|", "\\|"),
                (reason or "**unexpected**").replace("|", "\\|")))
    text = "\n".join(lines) + "\n"
    with open(args.write, "w", encoding="utf-8") as f:
        f.write(text)
    print("results: wrote %s" % args.write)


if __name__ == "__main__":
    main()
