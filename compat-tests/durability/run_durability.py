#!/usr/bin/env python3
"""Round trips of one data directory between Apache ZooKeeper 3.8.0 and zkrs.

Each case lets one server write (GenFixture.java: every znode kind, ACLs, sessions with
ephemerals, a failed multi, an error txn; snapCount=10 so there are many log files and
snapshots), dumps the tree it serves (TreeDump.java: every znode's Stat, ACL and data),
stops it, starts the other server on the same directory and requires the identical dump.
Both servers share the directory in turn; the writers' sessions stay open (long timeout),
so their ephemerals must survive every switch.

Cases, in order (each continues the previous one's directory):
  zk-to-zkrs          ZooKeeper writes, zkrs recovers and serves it
  zkrs-to-zk          zkrs writes more, ZooKeeper recovers and serves it
  zkrs-snappy-to-zk   zkrs writes snappy snapshots, ZooKeeper reads them
  zk-gz-to-zkrs       ZooKeeper writes gzip snapshots, zkrs reads them
  tools               zkrs check-datadir accepts the directory; ZooKeeper's TxnLogToolkit
                      reads every log file (both servers' logs) without a CRC error
  txnlog-dump         `zkrs txnlog-dump` prints every log file (both servers') exactly as
                      ZooKeeper's TxnLogToolkit does
  digests             every txn but errors carries a TxnDigest, and each equals the digest
                      ZooKeeper's own DataTree computes when it replays the whole history
                      (DigestCheck.java); each reader found no digest mismatch when it
                      loaded the other's snapshot and logs (mntr zk_digest_mismatches_count)

Prints `durability: N passed, N failed`; exit status 1 on any failure.
Usage: run_durability.py --zkrs target/release/zkrs [--work DIR]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
import servers  # noqa: E402

CFG = (
    "snapCount=10\n"
    "preAllocSize=64\n"
    "extendedTypesEnabled=true\n"
    "maxSessionTimeout=600000\n"
    "4lw.commands.whitelist=*\n"
    "admin.enableServer=false\n"
)
SESSION_MS = "600000"


class Java:
    def __init__(self, work):
        self.classes = os.path.join(work, "classes")
        os.makedirs(self.classes, exist_ok=True)
        self.cp = servers.reference_classpath()
        subprocess.run(
            ["javac", "-proc:none", "-d", self.classes, "-cp", self.cp,
             os.path.join(HERE, "GenFixture.java"), os.path.join(HERE, "TreeDump.java"),
             os.path.join(HERE, "LogCheck.java"), os.path.join(HERE, "DigestCheck.java")],
            check=True)

    def run(self, cls, *args, timeout=120):
        r = subprocess.run(
            ["java", "-cp", self.classes + ":" + self.cp,
             "-Dlog4j.configuration=file:/dev/null", "-Dzookeeper.extendedTypesEnabled=true",
             "-Duser.timezone=UTC", cls] + list(args),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        if r.returncode != 0:
            raise RuntimeError("%s %s failed (%d):\n%s" % (
                cls, " ".join(args), r.returncode, r.stderr.decode(errors="replace")[-3000:]))
        return r.stdout.decode()


def first_difference(a, b):
    al, bl = a.splitlines(), b.splitlines()
    for i, (x, y) in enumerate(zip(al, bl)):
        if x != y:
            return "line %d:\n  before: %s\n  after:  %s" % (i + 1, x, y)
    return "lengths differ: %d vs %d lines" % (len(al), len(bl))


class Suite:
    def __init__(self, zkrs, work):
        self.zkrs = zkrs
        self.work = work
        self.java = Java(work)
        self.port = servers.free_port()
        self.passed = 0
        self.failed = 0
        self.outcomes = []
        self.digest_failures = []

    def server(self, kind, props=()):
        return servers.Server(kind, self.work, self.port, zoo_cfg_extra=CFG, props=props,
                              zkrs_bin=self.zkrs)

    def hp(self):
        return "127.0.0.1:%d" % self.port

    def switch(self, writer_kind, reader_kind, prefix, writer_props=(), reader_props=()):
        """`writer_kind` writes under `prefix`; `reader_kind` must serve the same tree."""
        w = self.server(writer_kind, writer_props)
        w.start()
        try:
            self.java.run("GenFixture", self.hp(), prefix, SESSION_MS, "200")
            before = self.java.run("TreeDump", self.hp())
        finally:
            rc = w.stop()
        if writer_kind == "zkrs" and rc != 0:
            raise RuntimeError("zkrs exited with %s on SIGTERM" % rc)
        r = self.server(reader_kind, reader_props)
        r.start()
        try:
            after = self.java.run("TreeDump", self.hp())
            mntr = servers.four_letter(self.port, "mntr").decode()
        finally:
            r.stop()
        if "zk_digest_mismatches_count\t0\n" not in mntr:
            self.digest_failures.append("%s reading %s's files: %s" % (
                reader_kind, writer_kind,
                [l for l in mntr.splitlines() if "digest" in l] or mntr[-500:]))
        if before != after:
            raise RuntimeError("%s serves a different tree than %s wrote: %s"
                               % (reader_kind, writer_kind, first_difference(before, after)))
        if prefix + "/a/eph " not in after:
            raise RuntimeError("the open session's ephemeral %s/a/eph is missing" % prefix)

    def tools(self):
        data = os.path.join(self.work, "data")
        r = subprocess.run([self.zkrs, "check-datadir", data, "--extended-types"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out = r.stdout.decode(errors="replace")
        if r.returncode != 0 or "recovery: OK" not in out:
            raise RuntimeError("zkrs check-datadir failed:\n" + out[-3000:])
        v2 = os.path.join(data, "version-2")
        logs = [f for f in os.listdir(v2) if f.startswith("log.")]
        if len(logs) < 4:
            raise RuntimeError("expected several log files, found %s" % logs)
        # Every txn of every log, both servers' files, through ZooKeeper's own iterator.
        out = self.java.run("LogCheck", v2)
        if not out.startswith("txns "):
            raise RuntimeError("LogCheck: " + out)
        # And zkrs's last log through the dump tool operators use.
        newest = max(logs, key=lambda f: int(f.split(".")[1], 16))
        out = self.java.run("org.apache.zookeeper.server.persistence.TxnLogToolkit",
                            os.path.join(v2, newest))
        if "CRC ERROR" in out or "EOF reached after" not in out:
            raise RuntimeError("TxnLogToolkit on %s:\n%s" % (newest, out[-2000:]))

    def txnlog_dump(self):
        v2 = os.path.join(self.work, "data", "version-2")
        logs = sorted(f for f in os.listdir(v2) if f.startswith("log."))
        for name in logs:
            path = os.path.join(v2, name)
            ref = self.java.run("org.apache.zookeeper.server.persistence.TxnLogToolkit", path)
            r = subprocess.run([self.zkrs, "txnlog-dump", path], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
            ours = r.stdout.decode(errors="replace")
            if r.returncode != 0 or ours != ref:
                raise RuntimeError("%s: zkrs txnlog-dump differs from TxnLogToolkit: %s"
                                   % (name, first_difference(ref, ours)))
        print("  %d log files dumped identically" % len(logs), flush=True)

    def digests(self):
        if self.digest_failures:
            raise RuntimeError("digest mismatches on load: %s" % self.digest_failures)
        v2 = os.path.join(self.work, "data", "version-2")
        out = self.java.run("DigestCheck", v2).strip()
        f = out.split()
        if len(f) < 8 or f[0] != "txns" or int(f[3]) == 0 or f[3] != f[5] or f[7] != "0" \
                or "first-mismatch" in out:
            raise RuntimeError("DigestCheck: " + out)
        print("  " + out, flush=True)

    def case(self, name, fn, *args, **kwargs):
        t0 = time.monotonic()
        try:
            fn(*args, **kwargs)
            self.passed += 1
            self.outcomes.append("PASS durability:" + name)
            print("PASS %s (%.1fs)" % (name, time.monotonic() - t0), flush=True)
        except Exception as e:  # a failed case is reported, the next one still runs
            self.failed += 1
            self.outcomes.append("FAIL durability:" + name)
            print("FAIL %s: %s" % (name, e), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--zkrs", required=True)
    ap.add_argument("--work")
    args = ap.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="zkrs-durability-")
    if os.path.exists(work):
        shutil.rmtree(work)
    os.makedirs(work)
    s = Suite(os.path.abspath(args.zkrs), work)
    s.case("zk-to-zkrs", s.switch, "reference", "zkrs", "/zk")
    s.case("zkrs-to-zk", s.switch, "zkrs", "reference", "/rs")
    s.case("zkrs-snappy-to-zk", s.switch, "zkrs", "reference", "/sn",
           writer_props=["-Dzookeeper.snapshot.compression.method=snappy"])
    s.case("zk-gz-to-zkrs", s.switch, "reference", "zkrs", "/gz",
           writer_props=["-Dzookeeper.snapshot.compression.method=gz"])
    s.case("tools", s.tools)
    s.case("txnlog-dump", s.txnlog_dump)
    s.case("digests", s.digests)
    with open(os.path.join(work, "outcomes.txt"), "w", encoding="utf-8") as f:
        f.write("".join(line + "\n" for line in s.outcomes))
    print("durability: %d passed, %d failed" % (s.passed, s.failed), flush=True)
    sys.exit(1 if s.failed else 0)


if __name__ == "__main__":
    main()
