"""pytest plugin (loaded with `-p compat_outcomes`): append one line per test outcome to
$COMPAT_OUTCOMES as it happens, so a run cut short by the suite timeout still counts.

    PASS <nodeid>   the call phase passed
    FAIL <nodeid>   any phase (setup, call, teardown) failed or errored
    SKIP <nodeid>   skipped

Node ids are relative to the kazoo/tests package: `test_client.py::TestClient::test_sync`.
"""

import os

_PATH = os.environ.get("COMPAT_OUTCOMES")


def _short(nodeid):
    marker = "kazoo/tests/"
    i = nodeid.find(marker)
    return nodeid[i + len(marker):] if i >= 0 else nodeid


def pytest_runtest_logreport(report):
    if not _PATH:
        return
    word = None
    if report.failed:
        word = "FAIL"
    elif report.skipped:
        word = "SKIP"
    elif report.when == "call" and report.passed:
        word = "PASS"
    if word:
        with open(_PATH, "a", encoding="utf-8") as f:
            f.write("%s %s\n" % (word, _short(report.nodeid)))
