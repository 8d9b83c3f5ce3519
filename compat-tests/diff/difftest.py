#!/usr/bin/env python3
"""Differential test: seeded random client workloads against Apache ZooKeeper 3.8.0 and zkrs.

For each seed, a workload (workload.py) runs against a fresh reference server and a fresh
candidate server started from the same zoo.cfg; every reply, watch event, connect response
and connection close is recorded (worker.py) and compared operation by operation. The
only normalisations are times, session ids, and the narrow rules of
intentional-differences.md (class Rules). A seed passes when nothing differs.

On a difference the operations are shrunk (delta debugging: drop operations while a
difference of the same kind remains, both servers restarted fresh for every try) and the
minimal script, both servers' observations, and a command to re-run it are printed; the
script is also saved as JSON under --out. Known zkrs bugs (known.py) are tolerated or not
generated, and fail their seed with the bug's id.

Usage:
  difftest.py                          CI run: 10 seeds x 2000 operations
  difftest.py --seeds 40 --ops 2500    longer run by hand (100,000 operations)
  difftest.py --seed 7 --ops 1500      one seed
  difftest.py --replay FILE.json       re-run a saved (shrunk) script
  difftest.py --candidate reference    the reference against itself (harness check)

Prints `diff: N passed, N failed` (one test per seed) and the operations executed; exits 1
when a seed has a difference that known-failures.txt does not list.
"""

import argparse
import difflib
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

import servers  # noqa: E402
import workload  # noqa: E402
import known  # noqa: E402
import worker  # noqa: E402

ZOO_CFG_EXTRA = """\
maxClientCnxns=0
4lw.commands.whitelist=*
admin.enableServer=false
extendedTypesEnabled=true
forceSync=no
maxSessionTimeout=3600000
"""
# Containers and TTL nodes are swept on a timer: a sweep at an arbitrary moment would
# shift every later zxid, so the sweep is pushed beyond any run.
SERVER_PROPS = [
    "-Dzookeeper.extendedTypesEnabled=true",
    workload.super_digest_property(),
    "-Dznode.container.checkIntervalMs=86400000",
]

DEFAULT_SEEDS = 10
DEFAULT_OPS = 2000


# ---- servers ------------------------------------------------------------------------------

class Pair:
    """A fresh reference server and a fresh candidate server, started concurrently."""

    def __init__(self, candidate, zkrs_bin, root):
        self.dir = tempfile.mkdtemp(prefix="pair-", dir=root)
        self.servers = []
        self.error = None
        kinds = [("reference", "ref"), (candidate, "cand")]
        for kind, name in kinds:
            d = os.path.join(self.dir, name)
            os.makedirs(d)
            self.servers.append(servers.Server(kind, d, servers.free_port(), ZOO_CFG_EXTRA,
                                               SERVER_PROPS, zkrs_bin=zkrs_bin))
        self.ready = threading.Event()
        threading.Thread(target=self._start, daemon=True).start()

    def _start(self):
        errors = []

        def one(s):
            try:
                s.start()
            except Exception as e:  # reported by wait()
                errors.append(e)
        ts = [threading.Thread(target=one, args=(s,)) for s in self.servers]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.error = errors[0] if errors else None
        self.ready.set()

    def wait(self):
        self.ready.wait()
        if self.error:
            self.stop()
            raise self.error
        return [s.port for s in self.servers]

    def alive(self):
        return [s.proc is not None and s.proc.poll() is None for s in self.servers]

    def stop(self, keep_logs_in=None):
        for s in self.servers:
            s.stop(grace_s=10.0)
        if keep_logs_in:
            os.makedirs(keep_logs_in, exist_ok=True)
            for s, name in zip(self.servers, ("reference", "candidate")):
                try:
                    shutil.copy(s.log_path, os.path.join(keep_logs_in, name + "-server.log"))
                except OSError:
                    pass
        shutil.rmtree(self.dir, ignore_errors=True)


class PairPool:
    """Hands out fresh pairs, starting the next one while the current one is in use."""

    def __init__(self, candidate, zkrs_bin, root):
        self.args = (candidate, zkrs_bin, root)
        self.next = None

    def get(self):
        pair = self.next or Pair(*self.args)
        self.next = Pair(*self.args)
        pair.wait()
        return pair

    def close(self):
        if self.next:
            self.next.ready.wait()
            self.next.stop()
            self.next = None


# ---- one execution --------------------------------------------------------------------------

def _child(fn, args, result_pipe):
    try:
        obs, sent = fn(*args)
        result_pipe.send((obs, sent, None))
    except BaseException:
        import traceback
        result_pipe.send((None, 0, traceback.format_exc()))


class Executor:
    """Runs an operation list on a fresh pair: the reference run leads, the candidate run
    follows the leader's concrete operations (worker.py), in parallel."""

    def __init__(self, candidate, zkrs_bin, root):
        self.pool = PairPool(candidate, zkrs_bin, root)
        self.ctx = multiprocessing.get_context("fork")
        self.runs = 0

    def run(self, ops, keep_logs_in=None):
        """Both servers fresh; returns (obs_ref, obs_cand, requests_sent, alive)."""
        pair = self.pool.get()
        self.runs += 1
        try:
            ports = [s.port for s in pair.servers]
            ops_r, ops_w = self.ctx.Pipe(duplex=False)
            res = [self.ctx.Pipe(duplex=False) for _ in range(2)]
            procs = [
                self.ctx.Process(target=_child, args=(worker.run_leader, (ports[0], ops, ops_w),
                                                      res[0][1])),
                self.ctx.Process(target=_child, args=(worker.run_follower, (ports[1], ops_r),
                                                      res[1][1])),
            ]
            # A forked child flushes the stdio buffers it inherited when it ends: flush
            # first, or pending output is printed twice.
            sys.stdout.flush()
            sys.stderr.flush()
            for p in procs:
                p.start()
            ops_w.close()
            ops_r.close()
            results = []
            for r, _ in res:
                try:
                    results.append(r.recv())
                except EOFError:
                    results.append((None, 0, "worker died without a result"))
            for p in procs:
                p.join()
            alive = pair.alive()
        finally:
            pair.stop(keep_logs_in)
        for (obs, _, err), name in zip(results, ("reference", "candidate")):
            if err:
                raise RuntimeError("%s run crashed:\n%s" % (name, err))
        return results[0][0], results[1][0], results[0][1] + results[1][1], alive

    def close(self):
        self.pool.close()


# ---- intentional differences ----------------------------------------------------------------

class Rules:
    """Narrow normalisations, one per entry of intentional-differences.md. Each applies to
    one observation pair and counts its uses."""

    tolerate = True   # --no-tolerance: show known zkrs bugs as differences

    def __init__(self):
        self.used = {}
        self.known = {}

    def hit(self, name):
        self.used[name] = self.used.get(name, 0) + 1

    def apply(self, op, ref, cand):
        ref = {"op": list(ref["op"]), "idle": [(l, list(f)) for l, f in ref["idle"]]}
        cand = {"op": list(cand["op"]), "idle": [(l, list(f)) for l, f in cand["idle"]]}
        # Known zkrs bugs with a tolerance (known.py) first, so that their extra frames do
        # not shift what the rules below look at: counted, the comparison goes on.
        for k in known.TOLERANCES if self.tolerate else ():
            if k.applies(op, ref, cand):
                self.known[k.id] = self.known.get(k.id, 0) + 1
        # R1 ZOOKEEPER-2590: exists() checks READ on an existing node in 3.8.4+/zkrs.
        for i, j in self.pairs(ref, cand, "exists"):
            a, b = ref["op"][i], cand["op"][j]
            if (a[2] == "OK" and b[2] == "NOAUTH" and a[5].get("noread")
                    and a[3] == b[3] and b[4] is None):
                ref["op"][i] = cand["op"][j] = ("R", "exists", "<READ-CHECK>", a[3])
                self.hit("R1 exists READ check (ZOOKEEPER-2590)")
        # R4 3.8.0's checkWatches answers OK when *any* session watches the exact path.
        for i, j in self.pairs(ref, cand, "checkWatches"):
            a, b = ref["op"][i], cand["op"][j]
            if (a[2] == "OK" and b[2] == "NOWATCHER" and a[3] == b[3]
                    and not a[5].get("held") and a[5].get("others")):
                ref["op"][i] = cand["op"][j] = ("R", "checkWatches", "<3.8.0-BUG>", a[3])
                self.hit("R4 checkWatches sees other sessions' watches (3.8.0 bug)")
        # R6 3.8.0's checkWatches throws on a path without a leading '/' once any recursive
        # watch exists (PathParentIterator.next computes the parent eagerly); zkrs answers
        # NOWATCHER, or OK when the session does watch that path.
        # (Any operation: the guards turn some requests into checkWatches.)
        for i, j in self.pairs(ref, cand, "checkWatches"):
            a, b = ref["op"][i], cand["op"][j]
            if (a[2] == "MARSHALLINGERROR" and b[2] in ("NOWATCHER", "OK")
                    and a[3] == b[3] and a[5].get("relative")):
                ref["op"][i] = cand["op"][j] = ("R", "checkWatches", "<3.8.0-BUG>", a[3])
                self.hit("R6 checkWatches on a relative path throws (3.8.0 bug)")
        # R3 ZOOKEEPER-4026: a create2 (or createContainer/createTTL whose flags name
        # another mode) op inside a multi keeps its opcode and answers with path and stat
        # (3.9); 3.8.0 takes the type from the flags and answers as for a plain create.
        multis = [op] if op["k"] == "multi" else \
            [o for o in op.get("ops", []) if o["k"] == "multi"] if op["k"] == "pipeline" else \
            [o for o in op.get("pipelined", []) if o["k"] == "multi"]
        if multis:
            self.multi_create2(multis, ref, cand)
            self.multi_bad_flags(multis, ref, cand)
        return ref, cand

    @classmethod
    def pairs(cls, ref, cand, name):
        """(i, j): the n-th reply named `name` in each side's operation frames."""
        return list(zip(cls._replies(ref, name), cls._replies(cand, name)))

    @staticmethod
    def _replies(obs, name):
        return [i for i, f in enumerate(obs["op"]) if f[0] == "R" and f[1] == name]

    def multi_bad_flags(self, multis, ref, cand):
        """R5: a create op inside a multi whose flags name no CreateMode (or a TTL mode
        without a TTL) fails the multi's decoding in 3.9 (MarshallingError for the whole
        multi, the zxid still consumed); 3.8.0 decodes it and fails the op in Prep."""
        ia, ib = self._replies(ref, "multi"), self._replies(cand, "multi")
        for sub, i, j in zip(multis, ia, ib):
            bad = any(o["k"] == "create" and o["op"] != "createTTL"
                      and o["flags"] not in (0, 1, 2, 3, 4) for o in sub["ops"])
            a, b = ref["op"][i], cand["op"][j]
            if (bad and a[2] == "OK" and isinstance(a[4], tuple)
                    and all(x[0] in ("error", "done") for x in a[4])
                    and b[2] == "MARSHALLINGERROR" and b[4] is None and a[3] == b[3]):
                ref["op"][i] = cand["op"][j] = ("R", "multi", "<FAILED:BAD-FLAGS>", a[3])
                self.hit("R5 multi create with invalid flags fails decoding (3.9)")


    def multi_create2(self, subs, ref, cand):
        ia, ib = self._replies(ref, "multi"), self._replies(cand, "multi")
        for sub, i, j in zip(subs, ia, ib):
            a, b = ref["op"][i], cand["op"][j]
            ra, rb = a[4], b[4]
            if not (isinstance(ra, tuple) and isinstance(rb, tuple) and len(ra) == len(rb)):
                continue
            ra, changed = list(ra), False
            for n, (x, y) in enumerate(zip(ra, rb)):
                if (n < len(sub["ops"]) and sub["ops"][n]["k"] == "create"
                        and sub["ops"][n]["op"] != "create" and x[:2] == ("create", 0)
                        and y[:2] == ("create2", 0) and x[2] == y[2]):
                    ra[n] = y
                    changed = True
            if changed:
                ref["op"][i] = a[:4] + (tuple(ra),) + a[5:]
                self.hit("R3 create2 result inside multi (ZOOKEEPER-4026)")


def first_difference(ops, obs_ref, obs_cand, rules):
    """Index of the first operation whose observations differ (after the rules), or None."""
    for i, (op, a, b) in enumerate(zip(ops, obs_ref, obs_cand)):
        if a == b:
            continue
        a2, b2 = rules.apply(op, a, b)
        if a2 != b2:
            return i, a2, b2
    if len(obs_ref) != len(obs_cand):
        return min(len(obs_ref), len(obs_cand)), None, None
    return None


def signature(op, a, b):
    """What kind of difference: the operation kind and the first frame kinds that differ."""
    kind = op["k"] if op["k"] != "create" else op["op"]
    if a is None or b is None:
        return kind + ":length"
    where = "op"
    fa, fb = a["op"], b["op"]
    if fa == fb:
        where = "idle"
        fa = [x for _, fl in a["idle"] for x in fl]
        fb = [x for _, fl in b["idle"] for x in fl]
    for x, y in zip(fa, fb):
        if x != y:
            if x[0] != y[0]:
                return "%s:%s:%s/%s" % (kind, where, x[0], y[0])
            if x[0] == "R":
                field = "err" if x[2] != y[2] else "zxid" if x[3] != y[3] else "body"
                return "%s:%s:%s:%s" % (kind, where, x[1], field)
            return "%s:%s:%s" % (kind, where, x[0])
    return "%s:%s:count" % (kind, where)


# ---- rendering ------------------------------------------------------------------------------

def fmt_value(v):
    if isinstance(v, tuple) and v and v[0] == "stat":
        names = ("czxid", "mzxid", "ctime", "mtime", "version", "cversion", "aversion",
                 "ephemeralOwner", "dataLength", "numChildren", "pzxid")
        parts = []
        for n, x in zip(names, v[1:]):
            if n in ("czxid", "mzxid", "pzxid") and isinstance(x, int):
                x = hex(x)
            parts.append("%s=%s" % (n, x))
        return "Stat(" + " ".join(parts) + ")"
    if isinstance(v, tuple):
        return "(" + ", ".join(fmt_value(x) for x in v) + ")"
    return repr(v)


def fmt_frame(f):
    if f[0] == "R":
        s = "reply %s %s zxid=%s" % (f[1], f[2], hex(f[3]) if f[3] >= 0 else f[3])
        if len(f) > 4 and f[4] is not None:
            s += " " + fmt_value(f[4])
        if len(f) > 5 and f[5]:
            s += " %s" % dict(f[5])
        return s
    if f[0] == "E":
        s = "event %s %s path=%r zxid=%s" % (f[1], f[2], f[3], f[4])
        if len(f) > 5 and f[5].get("noread"):
            s += " [shadow: no READ]"
        return s
    if f[0] == "P":
        return "ping zxid=%s" % hex(f[1])
    if f[0] == "C":
        return ("connected protocolVersion=%s timeOut=%s session=%s passwd=%s bytes "
                "readOnly=%s trailing=%s" % f[1:]) if len(f) == 7 else repr(f)
    if f[0] == "REWRITE":
        return "(harness: %s)" % f[1]
    return " ".join(str(x) for x in f)


def render(ob):
    lines = ["  op session:"]
    lines += ["    " + fmt_frame(f) for f in ob["op"]]
    for label, frames in ob["idle"]:
        if not frames:
            continue
        lines.append("  %s after the op:" % label)
        lines += ["    " + fmt_frame(f) for f in frames]
    return lines


def report_difference(ops, idx, a, b, out=sys.stdout):
    op = ops[idx]
    print("  difference at %s" % workload.fmt_op(op), file=out)
    if a is None or b is None:
        print("  (runs ended at different lengths)", file=out)
        return
    ra, rb = render(a), render(b)
    if ra == rb:
        ra, rb = [repr(a)], [repr(b)]
    print("  reference (Apache ZooKeeper 3.8.0):", file=out)
    print("\n".join("  " + x for x in ra), file=out)
    print("  candidate:", file=out)
    print("\n".join("  " + x for x in rb), file=out)
    print("  diff (- reference, + candidate):", file=out)
    for line in difflib.unified_diff(ra, rb, lineterm="", n=1):
        if line.startswith(("---", "+++")):
            continue
        print("    " + line, file=out)


# ---- shrinking ------------------------------------------------------------------------------

def shrink(ex, ops, sig, deadline, log):
    """ddmin over `ops`: the smallest list found whose first difference has signature `sig`.
    Every try restarts both servers."""
    rules = Rules()

    def fails(candidate_ops):
        if time.monotonic() > deadline:
            return None
        try:
            ra, rb, _, _ = ex.run(candidate_ops)
        except RuntimeError:
            return None
        d = first_difference(candidate_ops, ra, rb, rules)
        if d is None:
            return None
        i, a, b = d
        if signature(candidate_ops[i], a, b) != sig:
            return None
        return candidate_ops[:i + 1]

    cur = ops
    n = 2
    tries = 0
    while len(cur) >= 2 and time.monotonic() < deadline:
        chunk = max(1, len(cur) // n)
        reduced = False
        for start in range(0, len(cur), chunk):
            attempt = cur[:start] + cur[start + chunk:]
            if not attempt:
                continue
            tries += 1
            res = fails(attempt)
            if res is not None:
                cur = res
                n = max(n - 1, 2)
                reduced = True
                log("    shrink: %d operations (try %d)" % (len(cur), tries))
                break
        if not reduced:
            if chunk == 1:
                break
            n = min(len(cur), n * 2)
    return cur, time.monotonic() < deadline


# ---- main -----------------------------------------------------------------------------------

def collect_stats(stats, observations):
    for ob in observations:
        frames = list(ob["op"]) + [f for _, fl in ob["idle"] for f in fl]
        for f in frames:
            if f[0] == "R":
                key = ("reply", f[1], f[2])
                if f[1] == "multi" and isinstance(f[4], tuple):
                    for r in f[4]:
                        if r[0] != "done":
                            k2 = ("multi op", r[0], w_err(r[1]))
                            stats[k2] = stats.get(k2, 0) + 1
            elif f[0] == "E":
                key = ("event", f[1], f[2])
            elif f[0] in ("C", "P"):
                continue
            else:
                key = ("other", f[0], "")
            stats[key] = stats.get(key, 0) + 1


def w_err(code):
    import zkwire
    return zkwire.err_name(code)


def print_stats(stats):
    print("diff: coverage (reference side):")
    for (kind, name, what), n in sorted(stats.items()):
        print("  %-9s %-22s %-28s %7d" % (kind, name, what, n))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=DEFAULT_SEEDS, help="number of seeds")
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--seed", type=int, help="run this one seed")
    ap.add_argument("--ops", type=int, default=DEFAULT_OPS, help="operations per seed")
    ap.add_argument("--replay", help="run the operations saved in this JSON file")
    ap.add_argument("--keep", help="with --seed: keep only these operation ids (a,b,c)")
    ap.add_argument("--candidate", default="zkrs", choices=["zkrs", "reference"])
    ap.add_argument("--zkrs-bin", default=os.environ.get("ZKRS_BIN") or
                    os.path.join(REPO, "target", "release", "zkrs"))
    ap.add_argument("--out", default=os.path.join(HERE, "..", ".work", "results", "diff"))
    ap.add_argument("--counts", help="also write '<passed> <failed>' here (run.sh's "
                    "add_counts); default <out>/diff.counts")
    ap.add_argument("--no-shrink", action="store_true")
    ap.add_argument("--shrink-time", type=float, default=120.0,
                    help="seconds to spend shrinking, in all (each kind of difference is "
                         "shrunk once)")
    ap.add_argument("--exclude", default="",
                    help="comma-separated operation kinds not to generate (e.g. "
                         "probe:bad_password,createTTL,raw:102), to look past a difference")
    ap.add_argument("--no-default-exclude", action="store_true",
                    help="also generate what known.py excludes (to check whether a known "
                         "bug is fixed)")
    ap.add_argument("--stats", action="store_true",
                    help="print what the workload exercised: replies by request type and "
                         "error code, events by type (reference side)")
    ap.add_argument("--no-tolerance", action="store_true",
                    help="report the known zkrs bugs that have a tolerance (known.py) as "
                         "differences")
    ap.add_argument("--print-ops", action="store_true", help="print the workload and exit")
    args = ap.parse_args()

    Rules.tolerate = not args.no_tolerance
    out_dir = os.path.abspath(args.out)
    os.makedirs(out_dir, exist_ok=True)

    if args.replay:
        with open(args.replay, encoding="utf-8") as f:
            saved = json.load(f)
        jobs = [(saved.get("name", os.path.basename(args.replay)), saved["ops"])]
    else:
        seeds = [args.seed] if args.seed is not None else \
            list(range(args.first_seed, args.first_seed + args.seeds))
        jobs = []
        exclude = [x for x in args.exclude.split(",") if x]
        if not args.no_default_exclude:
            exclude += known.DEFAULT_EXCLUDE
        for s in seeds:
            ops = workload.generate(s, args.ops, exclude)
            if args.keep:
                keep = {int(x) for x in args.keep.split(",")}
                ops = [o for o in ops if o["id"] in keep]
            jobs.append(("seed-%d" % s, ops))
    if args.print_ops:
        for name, ops in jobs:
            print("## %s" % name)
            for o in ops:
                print(workload.fmt_op(o))
        return 0

    if args.candidate == "zkrs" and not os.access(args.zkrs_bin, os.X_OK):
        print("difftest: zkrs binary not found: %s (build: cargo build --release -p server)"
              % args.zkrs_bin)
        print("diff: 0 passed, 1 failed")
        return 1

    if not args.replay and not args.no_default_exclude and known.EXCLUSIONS:
        print("diff: not generated (known differences, known.py): %s"
              % "; ".join("%s %s" % (e.id, ",".join(e.kinds)) for e in known.EXCLUSIONS))
    root = tempfile.mkdtemp(prefix="zkrs-difftest-", dir="/dev/shm" if os.path.isdir(
        "/dev/shm") else None)
    ex = Executor(args.candidate, args.zkrs_bin, root)
    outcomes = []
    stats = {}
    shrunk_sigs = {}
    shrink_left = args.shrink_time
    total_requests = 0
    total_ops = 0
    t_start = time.monotonic()
    try:
        for name, ops in jobs:
            t0 = time.monotonic()
            try:
                ra, rb, sent, alive = ex.run(ops, keep_logs_in=os.path.join(out_dir, name))
            except RuntimeError as e:
                print("%s: ERROR %s" % (name, e))
                outcomes.append(("FAIL", name + ":error"))
                continue
            total_requests += sent
            total_ops += len(ops)
            if args.stats:
                collect_stats(stats, ra)
            rules = Rules()
            d = first_difference(ops, ra, rb, rules)
            if d is None and all(alive):
                shutil.rmtree(os.path.join(out_dir, name), ignore_errors=True)
                used = ", ".join("%s: %d" % kv for kv in sorted(rules.used.items()))
                line = "%s: %s (%d operations, %d requests, %.1fs)%s" % (
                    name, "PASS" if not rules.known else "FAIL (known differences only)",
                    len(ops), sent, time.monotonic() - t0,
                    "; normalised " + used if used else "")
                print(line)
                if rules.known:
                    for kid, n in sorted(rules.known.items()):
                        print("  known difference %s (%d times): %s" % (kid, n, known.ALL[kid]))
                    outcomes.append(("FAIL", "%s:known:%s" % (name, ",".join(sorted(rules.known)))))
                else:
                    outcomes.append(("PASS", name))
                continue
            if d is None:
                print("%s: FAIL: a server exited during the run (alive: reference=%s, "
                      "candidate=%s); logs in %s" % (name, alive[0], alive[1],
                                                     os.path.join(out_dir, name)))
                outcomes.append(("FAIL", name + ":server-exited"))
                continue
            idx, a, b = d
            sig = signature(ops[idx], a, b)
            print("%s: FAIL at operation %d of %d: %s" % (name, idx, len(ops), sig))
            for kid, n in sorted(rules.known.items()):
                print("  (before it, known difference %s %d times)" % (kid, n))
            report_difference(ops, idx, a, b)
            minimal = ops[:idx + 1]
            shrunk = False
            if sig in shrunk_sigs:
                print("  same kind of difference as %s (shrunk there)" % shrunk_sigs[sig])
            elif args.no_shrink or shrink_left <= 0:
                print("  (not shrunk: %s)" % ("--no-shrink" if args.no_shrink
                                              else "shrink time budget spent"))
            else:
                print("  shrinking (each try restarts both servers)...", flush=True)
                t_shrink = time.monotonic()
                minimal, finished = shrink(ex, minimal, sig, t_shrink + shrink_left,
                                           lambda m: print(m, flush=True))
                shrink_left -= time.monotonic() - t_shrink
                shrunk = True
                shrunk_sigs[sig] = name
                if not finished:
                    print("  (shrink time budget reached; the list may not be minimal)")
            repro = os.path.join(out_dir, "repro-%s.json" % name)
            with open(repro, "w", encoding="utf-8") as f:
                json.dump({"name": name + ("-shrunk" if shrunk else "-prefix"),
                           "signature": sig, "ops": minimal}, f, indent=1)
            if len(minimal) <= 60:
                print("  %s script (%d operations):" % ("minimal" if shrunk else "failing",
                                                        len(minimal)))
                for o in minimal:
                    print("    " + workload.fmt_op(o))
            else:
                print("  failing script: %d operations, saved in the file below"
                      % len(minimal))
            if shrunk:
                ra2, rb2, _, _ = ex.run(minimal)
                d2 = first_difference(minimal, ra2, rb2, Rules())
                if d2 is not None:
                    print("  the minimal script's difference:")
                    report_difference(minimal, *d2)
            print("  re-run: python3 %s --replay %s" % (os.path.relpath(__file__), repro))
            if name.startswith("seed-"):
                print("  original: python3 %s --seed %s --ops %d%s"
                      % (os.path.relpath(__file__), name.split("-")[-1], args.ops,
                         " --exclude " + args.exclude if args.exclude else ""))
            outcomes.append(("FAIL", "%s:%s" % (name, sig)))
            sys.stdout.flush()
    finally:
        ex.close()
        shutil.rmtree(root, ignore_errors=True)

    if args.stats:
        print_stats(stats)
    outcomes_path = os.path.join(out_dir, "outcomes.txt")
    with open(outcomes_path, "w") as f:
        for word, test_id in outcomes:
            f.write("%s %s\n" % (word, test_id))
    print("diff: %d operations (%d requests) in %d server-pair runs, %.0fs"
          % (total_ops, total_requests, ex.runs, time.monotonic() - t_start))
    # The repo's common summary: `diff: N passed, N failed`, known failures, exit status.
    return subprocess.call([sys.executable, os.path.join(HERE, "..", "lib", "report.py"),
                            "--suite", "diff", "--outcomes", outcomes_path,
                            "--known", os.path.join(HERE, "known-failures.txt"),
                            "--counts", args.counts or os.path.join(out_dir, "diff.counts")])


if __name__ == "__main__":
    sys.exit(main())
