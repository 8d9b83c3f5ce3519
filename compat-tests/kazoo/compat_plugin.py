"""pytest plugin for the kazoo suite (loaded with `-p compat_plugin`).

1. Outcomes: appends one line per test to $COMPAT_OUTCOMES as soon as it finishes, so a
   run cut short by the suite timeout still counts:

       PASS <nodeid>   the call phase passed
       FAIL <nodeid>   any phase (setup, call, teardown) failed or errored
       SKIP <nodeid>   skipped

   Node ids are relative to the kazoo/tests package: `test_client.py::TestClient::test_sync`.
   $COMPAT_DURATIONS, if set, gets `<seconds> <nodeid>` per test (all phases).

2. Per-test timeout ($COMPAT_TEST_TIMEOUT seconds, 0 = off), used instead of
   pytest-timeout. kazoo's tests are unittest classes: their tearDown runs inside the call
   phase, and after a timeout it usually hangs too, for example in `client.stop()` when
   the connection thread is stuck. pytest-timeout's signal method fires only once, so
   one hung test would stall the whole suite. Here SIGALRM raises in the main thread at
   the deadline, and again every 5 s until the test's protocol (setup, call, teardown)
   is over. At the first one, every thread's stack goes to the test's captured stderr.
"""

import os
import signal
import sys
import threading
import time
import traceback

import pytest

_OUTCOMES = os.environ.get("COMPAT_OUTCOMES")
_DURATIONS = os.environ.get("COMPAT_DURATIONS")
_TIMEOUT = float(os.environ.get("COMPAT_TEST_TIMEOUT") or 0)
_REFIRE_S = 5.0


def _short(nodeid):
    marker = "kazoo/tests/"
    i = nodeid.find(marker)
    return nodeid[i + len(marker):] if i >= 0 else nodeid


def _append(path, line):
    with open(path, "a", encoding="utf-8") as f:
        f.write(line + "\n")


def _dump_threads():
    """Print every thread's stack to stderr (captured into the test's report).

    Done in Python from the main thread: faulthandler's dump_traceback_later reads other
    threads' frames without a lock, and it crashed the interpreter here (kazoo's
    connection thread was running).
    """
    names = {t.ident: t.name for t in threading.enumerate()}
    out = ["compat-tests: test timed out; thread stacks:"]
    for ident, frame in sys._current_frames().items():
        out.append("--- thread %s (%s)" % (names.get(ident, "?"), ident))
        out.extend(line.rstrip("\n") for line in traceback.format_stack(frame))
    sys.stderr.write("\n".join(out) + "\n")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    started = time.monotonic()
    fired = []

    def on_alarm(signum, frame):
        fired.append(time.monotonic())
        signal.setitimer(signal.ITIMER_REAL, _REFIRE_S)
        if len(fired) == 1:
            _dump_threads()
            msg = "Timeout (>%.0fs) from compat-tests" % _TIMEOUT
        else:
            msg = "Timeout (>%.0fs) from compat-tests: still running %.0fs later (teardown?)" % (
                _TIMEOUT, fired[-1] - fired[0])
        pytest.fail(msg, pytrace=True)

    previous = None
    if _TIMEOUT > 0:
        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, _TIMEOUT)
    try:
        yield
    finally:
        if _TIMEOUT > 0:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        if _DURATIONS:
            _append(_DURATIONS, "%.2f %s%s" % (time.monotonic() - started, _short(item.nodeid),
                                               " (timed out)" if fired else ""))


def pytest_runtest_logreport(report):
    if not _OUTCOMES:
        return
    word = None
    if report.failed:
        word = "FAIL"
    elif report.skipped:
        word = "SKIP"
    elif report.when == "call" and report.passed:
        word = "PASS"
    if word:
        _append(_OUTCOMES, "%s %s" % (word, _short(report.nodeid)))
