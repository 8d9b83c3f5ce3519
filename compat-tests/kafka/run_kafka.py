#!/usr/bin/env python3
"""The kafka suite: Kafka 3.8's ZooKeeper traffic replayed with the ZooKeeper 3.8 Java client.

KafkaReplay.java (compiled here with javac) replays the plan of
/work/shared/reference/kafka-zk-usage.md section 9: three brokers, their authorizers and an
admin tool, from first startup through controller election, topic creation, config / ISR /
log-dir notifications, a network blip (setWatches), the controller's session expiring for
real, re-election, topic deletion, ACL changes and shutdown; then connection-level checks.
Each assertion group is one test (`kafka:<group>`).

The replay runs against a fresh Apache ZooKeeper 3.8.0 and against the candidate (zkrs, or a
second fresh reference with --candidate reference). Besides the candidate's groups, two
tests compare the runs:

* `kafka:reference-run`: every group passed on the reference (the harness is sound);
* `kafka:trace-identical-to-reference`: the normalised trace of every request and result
  (zxids, stats, children, multi results, events; session ids as names, times as T) is
  identical on both servers. The diff goes to <out>/trace.diff.

Usage: run_kafka.py [--candidate zkrs|reference] --out DIR [--counts FILE]
Env:   ZKRS_BIN (required for --candidate zkrs), KAFKA_REPLAY_TIMEOUT (seconds per replay,
       default 200; two replays + two server starts stay under run.sh's 600 s).
Prints `kafka: N passed, N failed`; exit status 1 on a failure not in known-failures.txt.
"""

import argparse
import difflib
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
COMPAT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(COMPAT, "lib"))
import servers  # noqa: E402
import suite_util  # noqa: E402

SUITE = "kafka"
ZOO_CFG_EXTRA = """\
maxClientCnxns=0
4lw.commands.whitelist=*
admin.enableServer=false
"""
DEBS = {
    # what must exist -> the Debian package that provides it
    "/usr/share/java/zookeeper.jar": "zookeeper",
    "javac": "default-jdk-headless",
}


# --- one replay --------------------------------------------------------------------------


def run_replay(kind, out, classes, label):
    """Start a fresh server of `kind`, run the replay, stop it. Returns (rc, outcomes, trace)."""
    work = os.path.join(out, label)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    server = servers.Server(kind, work, servers.free_port(), ZOO_CFG_EXTRA,
                            zkrs_bin=os.environ.get("ZKRS_BIN"))
    outcomes = os.path.join(work, "outcomes.txt")
    trace = os.path.join(work, "trace.txt")
    open(outcomes, "w").close()
    open(trace, "w").close()
    try:
        server.start()
    except RuntimeError as e:
        print("%s: %s server did not start: %s" % (SUITE, label, e), flush=True)
        return None, outcomes, trace
    cmd = ["java", "-cp", classes + ":" + servers.reference_classpath(),
           "-Dzookeeper.sasl.client=false",
           "-Dlog4j.configuration=file:" + os.path.join(HERE, "log4j-client.properties"),
           "KafkaReplay", "127.0.0.1:%d" % server.port, outcomes, trace]
    timeout = int(os.environ.get("KAFKA_REPLAY_TIMEOUT", "200"))
    t0 = time.monotonic()
    with open(os.path.join(work, "replay.out"), "wb") as so, \
            open(os.path.join(work, "client.log"), "wb") as se:
        proc = subprocess.Popen(cmd, stdout=so, stderr=se)
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            suite_util.kill_tree(proc.pid)
            proc.wait()
            rc = None
            print("%s: %s replay timed out after %ds" % (SUITE, label, timeout), flush=True)
    server.stop()
    print("%s: %s replay: exit %s in %.0fs" % (SUITE, label, rc, time.monotonic() - t0), flush=True)
    return rc, outcomes, trace


def read_lines(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--candidate", choices=["zkrs", "reference"], default="zkrs")
    ap.add_argument("--out", required=True)
    ap.add_argument("--counts")
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    suite_util.ensure_debs(SUITE, DEBS, os.path.join(out, "apt.log"))

    broken = None
    if args.candidate == "zkrs":
        zkrs = os.environ.get("ZKRS_BIN")
        if not zkrs or not os.access(zkrs, os.X_OK):
            broken = "ZKRS_BIN is not set or not executable: %r" % zkrs

    classes = os.path.join(out, "classes")
    os.makedirs(classes)
    r = subprocess.run(["javac", "-nowarn", "-d", classes, "-cp", servers.reference_classpath(),
                        os.path.join(HERE, "KafkaReplay.java")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        sys.stdout.write(r.stdout.decode("utf-8", "replace"))
        broken = "javac failed"

    final = os.path.join(out, "outcomes.txt")
    lines = []
    if not broken:
        ref_rc, ref_out, ref_trace = run_replay("reference", out, classes, "reference")
        cand_kind = "zkrs" if args.candidate == "zkrs" else "reference"
        cand_rc, cand_out, cand_trace = run_replay(cand_kind, out, classes, "candidate")
        lines = read_lines(cand_out)
        ref_lines = read_lines(ref_out)
        ref_ok = ref_rc == 0 and ref_lines and not any(l.startswith("FAIL") for l in ref_lines)
        lines.append(("PASS" if ref_ok else "FAIL") + " kafka:reference-run")
        if not ref_ok:
            print("%s: the replay fails on the reference itself: see %s/reference/replay.out"
                  % (SUITE, out), flush=True)
        a, b = read_lines(ref_trace), read_lines(cand_trace)
        diff = list(difflib.unified_diff(a, b, "reference", args.candidate, lineterm="", n=2))
        with open(os.path.join(out, "trace.diff"), "w") as f:
            f.write("\n".join(diff) + ("\n" if diff else ""))
        same = bool(a) and not diff
        lines.append(("PASS" if same else "FAIL") + " kafka:trace-identical-to-reference")
        if diff:
            print("%s: traces differ (%d diff lines): %s/trace.diff" % (SUITE, len(diff), out), flush=True)
        if cand_rc is None and not broken:
            broken = "the candidate replay did not finish (timeout or server start failure)"
    with open(final, "w") as f:
        f.write("\n".join(lines) + ("\n" if lines else ""))
    for l in lines:
        if l.startswith("FAIL"):
            print("%s: failed: %s (details: %s/candidate/replay.out)" % (SUITE, l[5:], out))
    return suite_util.report(SUITE, HERE, final, args.counts or os.path.join(out, SUITE + ".counts"),
                             broken, args.candidate == "reference")


if __name__ == "__main__":
    sys.exit(main())
