#!/usr/bin/env python3
"""The c-client suite: the ZooKeeper 3.8 C client (Debian's libzookeeper-mt-dev) and its shell
cli_mt (zookeeper-bin) against a server.

Two parts:

* `zkc_tests.c`, built here with the Makefile, runs against the candidate: the sync and
  async APIs, watches (including removal), multi (committed/failed, sync/async), ACLs and
  digest auth, a dropped connection with SetWatches, a session moved to a second handle and
  closed there, and a session expiring while its client is cut off. Test ids
  `c-client:<test>`.
* `cli_mt` is driven by the scripts in cases/*.cli against a fresh reference server and a
  fresh candidate; each `## block` of normalised output must be identical. Test ids
  `c-client:cli/<case>:<block>`; diffs in <out>/cli-diff.txt.

Both servers run with extendedTypesEnabled=true (TTL nodes).

Usage: run_c_client.py [--candidate zkrs|reference] --out DIR [--counts FILE]
Env:   ZKRS_BIN (required for --candidate zkrs), C_CLIENT_TIMEOUT (seconds for zkc_tests,
       default 180), C_CLI_TIMEOUT (seconds for all cli_mt runs, default 180; each command
       waits at most 30 s for its completion).
Prints `c-client: N passed, N failed`; exit status 1 on a failure not in known-failures.txt.
"""

import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
COMPAT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(COMPAT, "lib"))
import servers  # noqa: E402
import suite_util  # noqa: E402

SUITE = "c-client"
CLI_MT = "/usr/lib/zookeeper/bin/cli_mt"
ZOO_CFG_EXTRA = """\
maxClientCnxns=0
4lw.commands.whitelist=*
admin.enableServer=false
extendedTypesEnabled=true
"""
SERVER_PROPS = ["-Dzookeeper.extendedTypesEnabled=true"]
DEBS = {
    # what must exist -> the Debian package that provides it
    "/usr/share/java/zookeeper.jar": "zookeeper",
    "/usr/include/zookeeper/zookeeper.h": "libzookeeper-mt-dev",
    CLI_MT: "zookeeper-bin",
    "cc": "gcc",
    "make": "make",
    "/usr/include/stdio.h": "libc6-dev",
}
MARKER_CMD = "sync /zookeeper"
MARKER = "[/zookeeper]: rc = "
CMD_TIMEOUT_S = 30
# Bound on all cli_mt runs together (C_CLI_TIMEOUT); commands past it are not sent.
CLI_DEADLINE = [None]


# --- cli_mt driver ---------------------------------------------------------------------


def parse_case(path):
    """(directives, [(block, [(command, expect_regex or None)])])."""
    directives = {"setup": []}
    blocks = []
    expect = None
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.startswith("#! "):
                key, _, value = line[3:].partition(":")
                key, value = key.strip(), value.strip()
                if key == "expect":
                    expect = value
                elif key == "setup":
                    directives["setup"].append(value)
                else:
                    directives[key] = value
            elif line.startswith("## "):
                blocks.append((line[3:].strip(), []))
            elif not line.strip() or line.startswith("#"):
                continue
            else:
                if not blocks:
                    raise SystemExit("%s: command before the first ## block" % path)
                blocks[-1][1].append((line, expect))
                expect = None
    return directives, blocks


class Pipe(threading.Thread):
    """Collects a stream into a string, notifying a condition on every chunk."""

    def __init__(self, stream, cond):
        super().__init__(daemon=True)
        self.stream, self.cond, self.text = stream, cond, ""

    def run(self):
        while True:
            chunk = os.read(self.stream.fileno(), 65536)
            with self.cond:
                if not chunk:
                    self.cond.notify_all()
                    return
                self.text += chunk.decode("utf-8", "replace")
                self.cond.notify_all()


def run_cli_case(port, case_path, raw_dir):
    """Run one case against the server on `port`: {block: raw stderr text}, stdout text."""
    directives, blocks = parse_case(case_path)
    env = dict(os.environ, TZ="UTC")
    for cmd in directives["setup"]:
        subprocess.run([CLI_MT, "127.0.0.1:%d" % port, "cmd:" + cmd], env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    target = "127.0.0.1:%d%s" % (port, directives.get("chroot", ""))
    proc = subprocess.Popen([CLI_MT, target], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    cond = threading.Condition()
    err, out = Pipe(proc.stderr, cond), Pipe(proc.stdout, cond)
    err.start()
    out.start()

    def wait_for(pred, timeout=CMD_TIMEOUT_S):
        deadline = min(time.monotonic() + timeout, CLI_DEADLINE[0])
        with cond:
            while not pred(err.text):
                left = deadline - time.monotonic()
                if left <= 0 or proc.poll() is not None and not err.is_alive():
                    return pred(err.text)
                cond.wait(min(left, 0.5))
            return True

    result = {}
    notes = []
    ok = wait_for(lambda t: "Got a new session id" in t or "Shutting down" in t)
    result["startup"] = err.text
    if not ok:
        notes.append("cli_mt did not connect")
    markers = 0
    pos = len(err.text)
    alive = ok
    for name, commands in blocks:
        for cmd, expect in commands:
            if not alive or proc.poll() is not None:
                alive = False
                break
            if time.monotonic() >= CLI_DEADLINE[0]:
                notes.append("%s: C_CLI_TIMEOUT reached, %r not sent" % (name, cmd))
                alive = False
                break
            try:
                proc.stdin.write((cmd + "\n" + MARKER_CMD + "\n").encode())
                proc.stdin.flush()
            except BrokenPipeError:
                alive = False
                break
            markers += 1
            n = markers

            def done(t, n=n, expect=expect, start=pos):
                if t.count(MARKER) < n:
                    return False
                # the marker's second line ("\tname = /zookeeper") when rc = 0
                last = t.rfind(MARKER)
                tail = t[last:]
                if tail.startswith(MARKER + "0") and "\tname = /zookeeper\n" not in tail:
                    return False
                return expect is None or re.search(expect, t[start:]) is not None

            if not wait_for(done):
                if proc.poll() is not None and "Shutting down" in err.text[pos:]:
                    # cli_mt shut itself down (session expired, auth failed). Whether it
                    # read the marker command before that is a race inside cli_mt, on any
                    # server; the block's output is still compared.
                    alive = False
                    break
                notes.append("%s: no completion for %r within %ds" % (name, cmd, CMD_TIMEOUT_S))
                if proc.poll() is not None:
                    alive = False
        with cond:
            result[name] = err.text[pos:]
            pos = len(err.text)
    try:
        if proc.poll() is None:
            proc.stdin.write(b"quit\n")
            proc.stdin.flush()
        proc.stdin.close()
    except BrokenPipeError:
        pass
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        suite_util.kill_tree(proc.pid)
        proc.wait()
    err.join(5)
    out.join(5)
    with cond:
        if pos < len(err.text) and blocks:
            result[blocks[-1][0]] += err.text[pos:]
    os.makedirs(raw_dir, exist_ok=True)
    base = os.path.join(raw_dir, os.path.basename(case_path))
    with open(base + ".stderr", "w") as f:
        f.write(err.text)
    with open(base + ".stdout", "w") as f:
        f.write(out.text)
    return [b for b, _ in blocks], result, out.text, notes


LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+:\d+\(0x[0-9a-f]+\):ZOO_[A-Z]+@")
EPOCH = "Thu Jan  1 00:00:00 1970"


LISTING_HEAD = re.compile(r"^/\S*: rc = 0$")


def sort_listings(lines):
    """Sorts the children cli_mt prints after `<path>: rc = 0` (ls, ls2).

    ZooKeeper returns children in its HashSet's iteration order, which no client may rely
    on; the raw order is compared separately (the `children-order` test)."""
    out, i = [], 0
    while i < len(lines):
        out.append(lines[i])
        if LISTING_HEAD.match(lines[i]):
            j = i + 1
            while j < len(lines) and lines[j].startswith("\t"):
                j += 1
            out.extend(sorted(lines[i + 1:j]))
            i = j
        else:
            i += 1
    return out


def has_multi_child_listing(text):
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if LISTING_HEAD.match(line) and i + 2 < len(lines) and lines[i + 1].startswith("\t") \
                and lines[i + 2].startswith("\t"):
            return True
    return False


def normalise(text, port, sort_children=True):
    lines = []
    skip_name = False
    raw = text.split("\n")
    if sort_children:
        raw = sort_listings(raw)
    for line in raw:
        if LOG_LINE.match(line):
            continue
        if line.endswith(". Shutting down..."):
            # What cli_mt prints after it closed its own handle (the marker's completion,
            # "Quitting...") is a race inside cli_mt, not the server's doing.
            lines.append(line)
            break
        if line.startswith(MARKER):
            skip_name = True
            continue
        if skip_name and line == "\tname = /zookeeper":
            skip_name = False
            continue
        skip_name = False
        if re.fullmatch(r"time = -?\d+ msec", line):
            continue
        line = re.sub(r"(Got a new session id: )0x[0-9a-f]+", r"\g<1>0xSESSION", line)
        line = re.sub(r"(session Id = )[0-9a-f]+", r"\g<1>SESSION", line)
        line = re.sub(r"(ephemeralOwner = )(?!0$)[0-9a-f]+", r"\g<1>SESSION", line)
        m = re.fullmatch(r"(\tctime = |\tmtime=)(.*)", line)
        if m and m.group(2) != EPOCH:
            line = m.group(1) + "T"
        line = line.replace(":%d" % port, ":PORT")
        lines.append(line)
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


def run_cli_suite(ref_port, cand_port, out, candidate):
    """Run every case on both servers; return outcome lines."""
    outcomes, diffs, ref_all, cand_all = [], [], [], []
    for case in sorted(os.listdir(os.path.join(HERE, "cases"))):
        if not case.endswith(".cli"):
            continue
        path = os.path.join(HERE, "cases", case)
        cname = case[:-4]
        names, ref, ref_out, ref_notes = run_cli_case(ref_port, path, os.path.join(out, "cli-raw-reference"))
        _, cand, cand_out, cand_notes = run_cli_case(cand_port, path, os.path.join(out, "cli-raw-" + candidate))
        for n in ref_notes:
            print("%s: cli/%s on the reference: %s" % (SUITE, cname, n), flush=True)
        for n in cand_notes:
            print("%s: cli/%s on %s: %s" % (SUITE, cname, candidate, n), flush=True)
        # Children come back in the server's order; blocks compare them sorted, and this
        # test compares the raw order (only for cases that list several children).
        ref_raw = "".join(ref.get(b, "") for b in ["startup"] + names)
        cand_raw = "".join(cand.get(b, "") for b in ["startup"] + names)
        if has_multi_child_listing(ref_raw):
            tid = "c-client:cli/%s:children-order" % cname
            a = normalise(ref_raw, ref_port, sort_children=False)
            b = normalise(cand_raw, cand_port, sort_children=False)
            outcomes.append(("PASS " if a == b else "FAIL ") + tid)
            if a != b:
                diffs.append("\n".join(difflib.unified_diff(a.split("\n"), b.split("\n"), "reference " + tid,
                                                            candidate + " " + tid, lineterm="")))
        for block in ["startup"] + names + ["stdout"]:
            if block == "stdout":
                a, b = normalise(ref_out, ref_port), normalise(cand_out, cand_port)
            else:
                a, b = normalise(ref.get(block, ""), ref_port), normalise(cand.get(block, ""), cand_port)
            tid = "c-client:cli/%s:%s" % (cname, block)
            ref_all.append("## %s\n%s" % (tid, a))
            cand_all.append("## %s\n%s" % (tid, b))
            if a == b:
                outcomes.append("PASS " + tid)
            else:
                outcomes.append("FAIL " + tid)
                diffs.append("\n".join(difflib.unified_diff(a.split("\n"), b.split("\n"), "reference " + tid,
                                                            candidate + " " + tid, lineterm="")))
    with open(os.path.join(out, "cli-reference.txt"), "w") as f:
        f.write("".join(ref_all))
    with open(os.path.join(out, "cli-candidate.txt"), "w") as f:
        f.write("".join(cand_all))
    with open(os.path.join(out, "cli-diff.txt"), "w") as f:
        f.write("\n\n".join(diffs) + ("\n" if diffs else ""))
    if diffs:
        print("%s: cli_mt output differs in %d blocks: %s/cli-diff.txt" % (SUITE, len(diffs), out), flush=True)
    return outcomes


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
    outcomes = os.path.join(out, "outcomes.txt")
    lines = []

    broken = None
    zkrs = os.environ.get("ZKRS_BIN")
    if args.candidate == "zkrs" and (not zkrs or not os.access(zkrs, os.X_OK)):
        broken = "ZKRS_BIN is not set or not executable: %r" % zkrs
    build = os.path.join(out, "build")
    os.makedirs(build)
    if not broken:
        r = subprocess.run(["make", "-s", "-C", HERE, "OUT=" + build], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        if r.returncode != 0:
            sys.stdout.write(r.stdout.decode("utf-8", "replace"))
            broken = "make failed"

    ref = cand = None
    if not broken:
        try:
            ref = servers.Server("reference", os.path.join(out, "reference-server"), servers.free_port(),
                                 ZOO_CFG_EXTRA, props=SERVER_PROPS)
            ref.start()
            cand = servers.Server(args.candidate, os.path.join(out, "candidate-server"), servers.free_port(),
                                  ZOO_CFG_EXTRA, props=SERVER_PROPS, zkrs_bin=zkrs)
            cand.start()
        except RuntimeError as e:
            broken = "server did not start: %s" % e

    if not broken:
        # cli_mt first: every case on fresh servers (the C tests use their own paths).
        CLI_DEADLINE[0] = time.monotonic() + int(os.environ.get("C_CLI_TIMEOUT", "180"))
        lines += run_cli_suite(ref.port, cand.port, out, args.candidate)
        ref.stop()
        timeout = int(os.environ.get("C_CLIENT_TIMEOUT", "180"))
        t0 = time.monotonic()
        tests_out = os.path.join(out, "zkc_tests.out")
        api_outcomes = os.path.join(out, "zkc-outcomes.txt")
        with open(tests_out, "wb") as so, open(os.path.join(out, "zkc_tests.log"), "wb") as se:
            proc = subprocess.Popen([os.path.join(build, "zkc_tests"), "127.0.0.1:%d" % cand.port, api_outcomes],
                                    stdout=so, stderr=se)
            try:
                rc = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                suite_util.kill_tree(proc.pid)
                proc.wait()
                rc = None
                broken = "zkc_tests timed out after %ds (C_CLIENT_TIMEOUT)" % timeout
        print("%s: zkc_tests exit %s in %.0fs against %s" % (SUITE, rc, time.monotonic() - t0, args.candidate),
              flush=True)
        try:
            with open(api_outcomes) as f:
                lines += [l.strip() for l in f if l.strip()]
        except FileNotFoundError:
            pass
        with open(tests_out, encoding="utf-8", errors="replace") as f:
            for l in f:
                if l.startswith("   FAIL "):
                    print("%s: %s" % (SUITE, l.strip()))
        cand.stop()
    with open(outcomes, "w") as f:
        f.write("\n".join(lines) + ("\n" if lines else ""))
    return suite_util.report(SUITE, HERE, outcomes, args.counts or os.path.join(out, SUITE + ".counts"),
                             broken, args.candidate == "reference")


if __name__ == "__main__":
    sys.exit(main())
