#!/usr/bin/env python3
"""Differential zkCli.sh suite: the same scripted sessions against Apache ZooKeeper 3.8 and
against the candidate server (zkrs, or the reference itself for validation), each started
fresh from the same zoo.cfg; outputs are normalised and compared block by block.

Each case file in cases/ is one zkCli.sh process (one session, commands piped on stdin).
A line `## name` starts a block; each block is one test, passed when its normalised output
is identical on both servers. stdout and stderr are captured separately (each is ordered;
their interleaving is not). Before every block the runner sends:

* `sync /`: its callback runs on the client's event thread, after every watch event
  already received, so WATCHER:: text lands in the right block;
* `ls -Z_block_<name>`: its error "Unrecognized option: -Z_block_<name>" delimits
  blocks on stderr (needs a live session);
* `history`: its dump, ending in that `ls` line, delimits blocks on stdout.

Outcomes go to <out>/outcomes.txt as `PASS|FAIL <case>:<block>` lines; the normalised
outputs (reference.txt, candidate.txt), the per-block diffs (diff.txt), the raw outputs
and the server logs are kept under <out>.
"""

import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import servers  # noqa: E402

ZKCLI = "/usr/share/zookeeper/bin/zkCli.sh"
CASES_DIR = os.path.join(HERE, "cases")
EXPECTED = os.path.join(HERE, "expected.txt")

# zoo.cfg shared by both servers (clientPort and dataDir are added per server).
ZOO_CFG_EXTRA = """\
maxClientCnxns=0
4lw.commands.whitelist=*
admin.enableServer=false
extendedTypesEnabled=true
"""
SERVER_PROPS = ["-Dzookeeper.extendedTypesEnabled=true"]

MARKER_RE = re.compile(
    r"^(?:org\.apache\.commons\.cli\.UnrecognizedOptionException: )?"
    r"Unrecognized option: -Z_block_(\S+)$")
PREAMBLE = "startup"
CASE_TIMEOUT_S = 120


def parse_case(path):
    """Return (directives, [(block, [commands])]) for one case file."""
    directives = {}
    blocks = []
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.startswith("#! "):
                key, _, value = line[3:].partition(":")
                directives[key.strip()] = value.strip()
            elif line.startswith("## "):
                name = line[3:].strip()
                if not re.fullmatch(r"[A-Za-z0-9._-]+", name):
                    raise SystemExit("%s: bad block name %r" % (path, name))
                if name in (PREAMBLE, "end") or any(b == name for b, _ in blocks):
                    raise SystemExit("%s: duplicate or reserved block name %r" % (path, name))
                blocks.append((name, []))
            elif line.startswith("#") or not line.strip():
                continue
            else:
                if not blocks:
                    raise SystemExit("%s: command before the first ## block" % path)
                blocks[-1][1].append(line)
    return directives, blocks


def script_for(blocks, port):
    lines = []
    for name, commands in blocks + [("end", [])]:
        lines.append("sync /")
        lines.append("ls -Z_block_%s" % name)
        lines.append("history")
        for c in commands:
            if c.split()[:1] in (["close"], ["connect"]):
                # Flush the old client's events: its "Closed" event (printed by its own
                # event thread) then only races with the new client's, see order_events.
                lines.append("sync /")
            lines.append(c.replace("@PORT@", str(port)))
    lines.append("quit")
    return "\n".join(lines) + "\n"


def run_zkcli(case_path, port, workdir):
    """Run one case through zkCli.sh; return its raw (stdout, stderr) texts."""
    directives, blocks = parse_case(case_path)
    server_arg = "127.0.0.1:%d%s" % (port, directives.get("chroot", ""))
    script = script_for(blocks, port)
    env = dict(os.environ)
    env.update({
        "TZ": "UTC",
        "LC_ALL": "C.UTF-8",
        "ZOO_LOG_DIR": workdir,
        # The client logs through slf4j-nop; make stdin/stdout UTF-8 whatever the locale.
        "CLIENT_JVMFLAGS": "-Dfile.encoding=UTF-8 -Dstdout.encoding=UTF-8 "
                           "-Dstderr.encoding=UTF-8 -Dsun.stdout.encoding=UTF-8 "
                           "-Dsun.stderr.encoding=UTF-8 -Duser.timezone=UTC",
    })
    proc = subprocess.Popen([ZKCLI, "-server", server_arg], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            cwd=workdir, start_new_session=True)
    try:
        out, err = proc.communicate(script.encode(), timeout=CASE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        out, err = proc.communicate()
        err += b"\n[compat-tests: zkCli.sh timed out after %ds]\n" % CASE_TIMEOUT_S
    finally:
        if proc.poll() is None:  # interrupted (SIGTERM/SIGINT): take zkCli down with us
            os.killpg(proc.pid, 9)
            proc.wait()
    return out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


DATE_RE = re.compile(r"^([cm]time = )(?!Thu Jan 01 00:00:00 UTC 1970$).*$")
OWNER_RE = re.compile(r"^ephemeralOwner = 0x([0-9a-f]+)$")
PATH_LIST_RE = re.compile(r"^\[(/[^\]]*)\]$")
NOISE_RES = [
    re.compile(r"^SLF4J: "),                       # no slf4j binding on the client side
    re.compile(r"^(OpenJDK|Java HotSpot\(TM\)) .*VM warning: "),
    re.compile(r"^Picked up (JAVA_TOOL_OPTIONS|_JAVA_OPTIONS): "),
]
HISTORY_RE = re.compile(r"^(\d+) - (.*)$")
EVENT_RE = re.compile(r"^(WATCHER::|WatchedEvent state:.*)$")
# Printed by the main thread once the sync callback ran on the event thread, hence
# ordered after every event received before the sync reply.
EVENT_THREAD_BARRIERS = ("Sync is OK", "Sync has failed. rc=")  # after normalise_line


def normalise_line(line, port):
    if line == "Sync has failed. rc=-115":
        # AUTHFAILED: a command sent while the AuthFailed reply is in flight fails with
        # -115; one issued after it finds the session dead. Which one happens is a race.
        return "Not connected"
    line = line.replace("127.0.0.1:%d" % port, "127.0.0.1:PORT")
    line = DATE_RE.sub(r"\1<date>", line)
    m = OWNER_RE.match(line)
    if m:
        value = int(m.group(1), 16)
        # Keep 0x0, containers (0x8000000000000000) and TTL nodes (top byte 0xff);
        # anything else is a session id, which is time-derived.
        if value != 0 and (value >> 56) not in (0x80, 0xff):
            line = "ephemeralOwner = <session id>"
    m = PATH_LIST_RE.match(line)
    if m:
        # getEphemerals: the server returns a set (a HashSet in Java), order is free.
        line = "[" + ", ".join(sorted(m.group(1).split(", "))) + "]"
    return line


def order_events(events):
    """Canonical order for the watch events of one barrier-delimited stretch.

    * `state:Closed` comes from a client that `close`/`connect` just shut down; its
      event thread races with the new client's, so it goes first.
    * Consecutive `*WatchRemoved` events for one `removewatches` are generated by the
      client from a HashMap keyed by event type: their order is arbitrary, sort them.
    Server-generated events keep their order.
    """
    pairs, pending = [], None
    for line in events:
        if line == "WATCHER::":
            pending = line
        else:
            pairs.append((pending, line))
            pending = None
    if pending:
        pairs.append((pending, None))
    closed = [p for p in pairs if p[1] and " state:Closed " in p[1]]
    rest = [p for p in pairs if p not in closed]
    ordered, run = [], []
    for p in rest + [None]:
        if p is not None and p[1] and re.search(r" type:\w+WatchRemoved ", p[1]):
            run.append(p)
            continue
        ordered.extend(sorted(run, key=lambda q: q[1]))
        run = []
        if p is not None:
            ordered.append(p)
    return [ln for p in closed + ordered for ln in p if ln is not None]


def canonical_events(lines):
    """Move watch-event text after the main thread's output of the same stretch.

    The event thread prints `println("\\nWATCHER::")` and `println("\\n" + event)` while
    the main thread prints command output. Each println is atomic (System.out is
    synchronized) but their interleaving is not. Up to the next line that is ordered
    after the event thread (the barrier's "Sync is OK"), the canonical order is:
    main-thread lines, then events (see order_events). The blank line that each event
    println starts with is dropped.
    """
    out, events = [], []
    for line in lines:
        if EVENT_RE.match(line):
            if out and out[-1] == "":
                out.pop()
            events.append(line)
            continue
        if line.startswith(EVENT_THREAD_BARRIERS):
            out.extend(order_events(events))
            events = []
        out.append(line)
    out.extend(order_events(events))
    return out


def _history_dumps(lines):
    """Yield (kind, payload): ("line", text) or ("dump", [history lines]).

    A `history` dump is a run of `N - command` lines with consecutive N, ending in
    `N - history`; a new dump starts where the numbering does not continue."""
    run = []

    def flush():
        dumps, cur = [], []
        for num, text in run:
            if cur and num != cur[-1][0] + 1:
                dumps.append(cur)
                cur = []
            cur.append((num, text))
        if cur:
            dumps.append(cur)
        for d in dumps:
            if d[-1][1] == "history":
                yield ("dump", [t for _, t in d])
            else:
                for n, t in d:
                    yield ("line", "%d - %s" % (n, t))

    for line in lines:
        m = HISTORY_RE.match(line)
        if m:
            run.append((int(m.group(1)), m.group(2)))
            continue
        if run:
            yield from flush()
            run = []
        yield ("line", line)
    if run:
        yield from flush()


def split_stdout(text, port):
    """{block: [lines]} from stdout; a block starts at a `history` dump that ends in
    `ls -Z_block_<name>`, `history` (history works even when disconnected)."""
    blocks = [(PREAMBLE, [])]
    for kind, payload in _history_dumps(text.splitlines()):
        if kind == "dump":
            marker = len(payload) >= 2 and re.match(r"^ls -Z_block_(\S+)$", payload[-2])
            if marker:
                blocks.append((marker.group(1), []))
            else:
                blocks[-1][1].extend("<history> " + t for t in payload)
        else:
            blocks[-1][1].append(payload)
    result = {}
    for name, lines in blocks:
        lines = [normalise_line(ln, port) for ln in lines
                 if not any(r.search(ln) for r in NOISE_RES)]
        result[name] = canonical_events(lines)
    return result


def split_stderr(text, port):
    """{block: [lines]} from stderr, split at `Unrecognized option: -Z_block_<name>`.

    (The marker needs a live session: a block must leave the session connected.)"""
    blocks = [(PREAMBLE, [])]
    for line in text.splitlines():
        m = MARKER_RE.match(line)
        if m:
            blocks.append((m.group(1), []))
        elif not any(r.search(line) for r in NOISE_RES):
            blocks[-1][1].append(normalise_line(line, port))
    return dict(blocks)


def merge_streams(out_blocks, err_blocks):
    result = {}
    for name in list(out_blocks) + [n for n in err_blocks if n not in out_blocks]:
        lines = []
        if name in out_blocks:
            lines += ["[out] " + ln for ln in out_blocks[name]]
        else:
            lines += ["[out] <block marker missing>"]
        if name in err_blocks:
            lines += ["[err] " + ln for ln in err_blocks[name]]
        else:
            lines += ["[err] <block marker missing: the session was not connected>"]
        result[name] = lines
    return result


def run_side(kind, zkrs_bin, case_files, root, out_dir, label):
    """Start one fresh server, run every case against it, stop it.

    Returns {case: {block: [normalised lines]}} and the server log path.
    """
    workdir = tempfile.mkdtemp(prefix="zkcli-%s-" % kind, dir=root)
    port = servers.free_port()
    server = servers.Server(kind, workdir, port, ZOO_CFG_EXTRA, SERVER_PROPS, zkrs_bin)
    results = {}
    t0 = time.monotonic()
    raw_dir = os.path.join(out_dir, "raw-" + label)
    os.makedirs(raw_dir, exist_ok=True)
    try:
        try:
            server.start(deadline_s=60)
        except RuntimeError as e:
            if kind == "reference":
                raise
            print("zkcli: %s server failed to start (log: %s/%s-server.log): %s"
                  % (kind, out_dir, label, str(e).split(";")[0]), flush=True)
            return results, server.log_path
        for case in case_files:
            name = os.path.splitext(os.path.basename(case))[0]
            out, err = run_zkcli(case, port, workdir)
            with open(os.path.join(raw_dir, name + ".stdout"), "w") as f:
                f.write(out)
            with open(os.path.join(raw_dir, name + ".stderr"), "w") as f:
                f.write(err)
            results[name] = merge_streams(split_stdout(out, port), split_stderr(err, port))
            if server.proc.poll() is not None:
                print("zkcli: %s server exited (code %s) during case %s"
                      % (kind, server.proc.returncode, name), flush=True)
                break
    finally:
        code = server.stop()
        print("zkcli: %s (%s): %.1fs" % (label, kind, time.monotonic() - t0), flush=True)
        if code not in (0, None, -15, 143):
            print("zkcli: note: %s server exit code %s on SIGTERM" % (kind, code))
    return results, server.log_path


def render(case_files, results):
    out = []
    for case in case_files:
        name = os.path.splitext(os.path.basename(case))[0]
        _, blocks = parse_case(case)
        # ("end", after the last block, only holds the racy Closed event of `quit`.)
        for block in [PREAMBLE] + [b for b, _ in blocks]:
            out.append("=== %s:%s" % (name, block))
            out.extend(results.get(name, {}).get(block, ["<missing>"]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--candidate", default="zkrs", choices=["zkrs", "reference"],
                    help="server under test (reference: validate the suite itself)")
    ap.add_argument("--zkrs-bin", default=os.environ.get("ZKRS_BIN"))
    ap.add_argument("--out", required=True, help="directory for outcomes and diffs")
    ap.add_argument("--write-expected", action="store_true",
                    help="only run the reference and rewrite zkcli/expected.txt")
    ap.add_argument("cases", nargs="*", help="case files (default: cases/*.zk)")
    args = ap.parse_args()

    case_files = args.cases or sorted(
        os.path.join(CASES_DIR, f) for f in os.listdir(CASES_DIR) if f.endswith(".zk"))
    os.makedirs(args.out, exist_ok=True)
    root = tempfile.mkdtemp(prefix="zkcli-")
    t0 = time.monotonic()
    try:
        ref, ref_log = run_side("reference", None, case_files, root, args.out, "reference")
        ref_lines = render(case_files, ref)
        if args.write_expected:
            with open(EXPECTED, "w") as f:
                f.write("# Normalised zkCli.sh output from Apache ZooKeeper 3.8.0, per block.\n"
                        "# Regenerate: compat-tests/run.sh --write-zkcli-expected\n")
                f.write("\n".join(ref_lines) + "\n")
            print("zkcli: wrote %s" % EXPECTED)
            return 0
        cand, cand_log = run_side(args.candidate, args.zkrs_bin, case_files, root, args.out,
                                  "candidate")
        cand_lines = render(case_files, cand)
        with open(os.path.join(args.out, "reference.txt"), "w") as f:
            f.write("\n".join(ref_lines) + "\n")
        with open(os.path.join(args.out, "candidate.txt"), "w") as f:
            f.write("\n".join(cand_lines) + "\n")
        for src, dst in ((ref_log, "reference-server.log"), (cand_log, "candidate-server.log")):
            if os.path.exists(src):
                shutil.copy(src, os.path.join(args.out, dst))

        outcomes = []
        diffs = []
        for case in case_files:
            name = os.path.splitext(os.path.basename(case))[0]
            _, blocks = parse_case(case)
            for block in [PREAMBLE] + [b for b, _ in blocks]:
                want = ref.get(name, {}).get(block)
                got = cand.get(name, {}).get(block)
                test_id = "%s:%s" % (name, block)
                if want is None:
                    outcomes.append(("FAIL", test_id))
                    diffs.append("--- %s: block missing from the REFERENCE output "
                                 "(suite bug)\n" % test_id)
                elif got == want:
                    outcomes.append(("PASS", test_id))
                else:
                    outcomes.append(("FAIL", test_id))
                    diff = difflib.unified_diff(
                        want, got or ["<block missing: session died or marker lost>"],
                        "reference/" + test_id, args.candidate + "/" + test_id, lineterm="")
                    diffs.append("\n".join(diff) + "\n")
        with open(os.path.join(args.out, "outcomes.txt"), "w") as f:
            for status, test_id in outcomes:
                f.write("%s %s\n" % (status, test_id))
        with open(os.path.join(args.out, "diff.txt"), "w") as f:
            f.write("\n".join(diffs))

        # A stale committed expected.txt is worth a note, never a failure.
        if os.path.exists(EXPECTED):
            with open(EXPECTED) as f:
                committed = [ln for ln in f.read().splitlines() if not ln.startswith("# ")]
            if committed != ref_lines:
                print("zkcli: note: compat-tests/zkcli/expected.txt differs from the live "
                      "reference output (%s/reference.txt); regenerate it with "
                      "compat-tests/run.sh --write-zkcli-expected" % args.out)
        print("zkcli: %d blocks compared in %.1fs; diffs in %s/diff.txt"
              % (len(outcomes), time.monotonic() - t0, args.out))
        return 0
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
