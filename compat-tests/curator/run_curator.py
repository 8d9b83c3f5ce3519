#!/usr/bin/env python3
"""The curator suite: Apache Curator 5.4 recipes (Debian's libcurator-*-java) against a server.

CuratorTests.java, compiled here with javac, runs 18 tests against one fresh server:
InterProcessMutex contended across threads and across JVM processes (mutual exclusion
checked with a read-modify-write counter and an enter/exit log), re-entrancy and timeouts,
the container parents the lock recipe creates being reaped, TTL nodes expiring, LeaderLatch
election and failover (on close and on session loss), DistributedAtomicLong (optimistic and
promoted to a lock), CuratorCache (persistent recursive watches) and PathChildrenCache event
delivery, across a dropped connection too, PersistentNode surviving session loss, and
transactions that commit or fail (per-op results, nothing applied). Sessions are ended for
real: the client is cut off by its proxy and a second handle with its id/password closes
the session.

Both servers run with -Dznode.container.checkIntervalMs=1000 (containers and TTL nodes are
reaped within seconds) and extendedTypesEnabled=true (TTL nodes).

Usage: run_curator.py [--candidate zkrs|reference] --out DIR [--counts FILE]
Env:   ZKRS_BIN (required for --candidate zkrs), CURATOR_TIMEOUT (seconds, default 400).
Prints `curator: N passed, N failed`; exit status 1 on a failure not in known-failures.txt.
"""

import argparse
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

SUITE = "curator"
ZOO_CFG_EXTRA = """\
maxClientCnxns=0
4lw.commands.whitelist=*
admin.enableServer=false
extendedTypesEnabled=true
"""
SERVER_PROPS = ["-Dznode.container.checkIntervalMs=1000", "-Dzookeeper.extendedTypesEnabled=true"]
CURATOR_JARS = ["/usr/share/java/curator-client.jar", "/usr/share/java/curator-framework.jar",
                "/usr/share/java/curator-recipes.jar", "/usr/share/java/guava.jar"]
DEBS = {
    # what must exist -> the Debian package that provides it
    "/usr/share/java/zookeeper.jar": "zookeeper",
    "javac": "default-jdk-headless",
    "/usr/share/java/curator-client.jar": "libcurator-client-java",
    "/usr/share/java/curator-framework.jar": "libcurator-framework-java",
    "/usr/share/java/curator-recipes.jar": "libcurator-recipes-java",
}


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
    open(outcomes, "w").close()

    broken = None
    zkrs = os.environ.get("ZKRS_BIN")
    if args.candidate == "zkrs" and (not zkrs or not os.access(zkrs, os.X_OK)):
        broken = "ZKRS_BIN is not set or not executable: %r" % zkrs

    classes = os.path.join(out, "classes")
    os.makedirs(classes)
    classpath = ":".join([servers.reference_classpath()] + CURATOR_JARS)
    if not broken:
        r = subprocess.run(["javac", "-nowarn", "-d", classes, "-cp", classpath,
                            os.path.join(HERE, "CuratorTests.java")],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            sys.stdout.write(r.stdout.decode("utf-8", "replace"))
            broken = "javac failed"

    if not broken:
        server = servers.Server(args.candidate, os.path.join(out, "server"), servers.free_port(),
                                ZOO_CFG_EXTRA, props=SERVER_PROPS, zkrs_bin=zkrs)
        try:
            server.start()
        except RuntimeError as e:
            broken = "server did not start: %s" % e
    if not broken:
        cmd = ["java", "-cp", classes + ":" + classpath, "-Dzookeeper.sasl.client=false",
               "-Dlog4j.configuration=file:" + os.path.join(HERE, "log4j-client.properties"),
               "CuratorTests", "127.0.0.1:%d" % server.port, outcomes]
        timeout = int(os.environ.get("CURATOR_TIMEOUT", "400"))
        t0 = time.monotonic()
        with open(os.path.join(out, "tests.out"), "wb") as so, \
                open(os.path.join(out, "client.log"), "wb") as se:
            proc = subprocess.Popen(cmd, stdout=so, stderr=se)
            try:
                rc = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                suite_util.kill_tree(proc.pid)
                proc.wait()
                rc = None
                broken = "the tests timed out after %ds (CURATOR_TIMEOUT)" % timeout
        server.stop()
        print("%s: tests exit %s in %.0fs against %s" % (SUITE, rc, time.monotonic() - t0, args.candidate),
              flush=True)
        with open(os.path.join(out, "tests.out"), encoding="utf-8", errors="replace") as f:
            fails = [l.rstrip() for l in f if l.startswith("   FAIL ")]
        for l in fails[:40]:
            print("%s: %s" % (SUITE, l.strip()))
    return suite_util.report(SUITE, HERE, outcomes, args.counts or os.path.join(out, SUITE + ".counts"),
                             broken, args.candidate == "reference")


if __name__ == "__main__":
    sys.exit(main())
