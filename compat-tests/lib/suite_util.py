"""Helpers shared by the suite runners (kafka, curator, c-client): installing the Debian
packages a suite needs, killing a process tree on our own timeouts, and the closing report."""

import os
import shutil
import subprocess
import sys
import time

LIB = os.path.dirname(os.path.abspath(__file__))


def ensure_debs(suite, wanted, log_path):
    """Installs the Debian packages whose files are missing (apt runs only then)."""
    missing = []
    for what, pkg in wanted.items():
        present = os.path.exists(what) if what.startswith("/") else shutil.which(what)
        if not present and pkg not in missing:
            missing.append(pkg)
    if not missing:
        return
    print("%s: installing Debian packages: %s" % (suite, " ".join(missing)), flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    with open(log_path, "ab") as log:
        for args in (["update"], ["install", "-y", "--no-install-recommends"] + missing):
            deadline = time.monotonic() + 900
            while True:
                r = subprocess.run(sudo + ["apt-get", "-q", "-o", "DPkg::Lock::Timeout=60"] + args,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
                log.write(r.stdout)
                if r.returncode == 0:
                    break
                locked = b"Could not get lock" in r.stdout or b"Unable to lock" in r.stdout
                if locked and time.monotonic() < deadline:
                    time.sleep(5)  # polling for another apt run to finish
                    continue
                raise SystemExit("%s: apt-get %s failed; see %s" % (suite, " ".join(args), log_path))


def kill_tree(pid):
    """SIGKILL a process and its descendants (found through /proc, by pid).

    Children stay in our process group, so that whoever bounds this runner with
    timeout(1) and reaps its group takes them down too; this is for our own timeouts."""
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            for tid in os.listdir("/proc/%d/task" % p):
                with open("/proc/%d/task/%s/children" % (p, tid)) as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    for p in pids:
        try:
            os.kill(p, 9)
        except OSError:
            pass


def report(suite, suite_dir, outcomes, counts, broken=None, reference=False):
    """Runs report.py on a suite's outcomes against its known-failures.txt (prints the
    `<suite>: N passed, N failed` line, writes the counts); returns its exit status."""
    cmd = [sys.executable, os.path.join(LIB, "report.py"), "--suite", suite,
           "--outcomes", outcomes, "--known", os.path.join(suite_dir, "known-failures.txt"),
           "--counts", counts]
    if broken:
        cmd += ["--broken", broken]
    if reference:
        cmd += ["--reference-run"]
    return subprocess.call(cmd)
