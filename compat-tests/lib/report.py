#!/usr/bin/env python3
"""Summarise one suite's outcomes against its known-failures list.

Input: an outcomes file with `PASS <id>`, `FAIL <id>` or `SKIP <id>` lines (a test with
several lines counts as failed if any of them is FAIL), and a known-failures file with
`<id or glob>  # reason` lines. Prints

    <suite>: N passed, N failed

then notes on known failures, known failures that now pass, and unexpected failures.
Writes `<passed> <failed>` to --counts. A run marked --broken counts one extra failure. Exit status 1 when a failure is not in the
known-failures list (or the run itself was marked broken with --broken), else 0.
"""

import argparse
import fnmatch
import sys


def load_known(path):
    known = []
    if not path:
        return known
    try:
        f = open(path, encoding="utf-8")
    except FileNotFoundError:
        return known
    with f:
        for n, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            pattern, _, reason = line.partition("#")
            pattern = pattern.strip()
            if not reason.strip():
                print("warning: %s:%d: known failure %s has no '# reason'"
                      % (path, n, pattern), file=sys.stderr)
            known.append((pattern, reason.strip()))
    return known


def load_outcomes(path):
    """`({test id: PASS|FAIL|SKIP}, [test ids in file order])`; a test with several lines is
    FAIL if any is, else PASS if any is. A missing file is an empty run."""
    status = {}
    order = []
    try:
        with open(path, encoding="utf-8") as f:
            for raw in f:
                word, _, test_id = raw.strip().partition(" ")
                if not test_id:
                    continue
                if test_id not in status:
                    order.append(test_id)
                    status[test_id] = word
                elif word == "FAIL" or (word == "PASS" and status[test_id] == "SKIP"):
                    status[test_id] = word
    except FileNotFoundError:
        pass
    return status, order


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--suite", required=True)
    ap.add_argument("--outcomes", required=True)
    ap.add_argument("--known", help="known-failures file")
    ap.add_argument("--counts", help="write '<passed> <failed>' here")
    ap.add_argument("--broken", help="the run itself failed (timeout, setup): reason")
    ap.add_argument("--reference-run", action="store_true",
                    help="the suite ran against the reference, not zkrs: zkrs-specific "
                         "known failures are expected to pass")
    args = ap.parse_args()

    status, order = load_outcomes(args.outcomes)
    known = load_known(args.known)

    def known_reason(test_id):
        for pattern, reason in known:
            if test_id == pattern or fnmatch.fnmatchcase(test_id, pattern):
                return pattern, reason
        return None

    passed = [t for t in order if status[t] == "PASS"]
    failed = [t for t in order if status[t] == "FAIL"]
    skipped = [t for t in order if status[t] == "SKIP"]
    unexpected = [t for t in failed if not known_reason(t)]
    expected = [t for t in failed if known_reason(t)]
    fixed = [t for t in passed if known_reason(t)]
    used = {known_reason(t)[0] for t in failed + passed if known_reason(t)}
    unused = [p for p, _ in known if p not in used]

    # A run that broke (timeout, could not start) counts as one more failure, so the
    # totals never look green when a suite did not really run.
    n_failed = len(failed) + (1 if args.broken else 0)
    print("%s: %d passed, %d failed" % (args.suite, len(passed), n_failed))
    if skipped:
        print("%s: (%d skipped, not counted)" % (args.suite, len(skipped)))
    if expected:
        print("%s: %d known failures (listed in %s)" % (args.suite, len(expected), args.known))
    for t in fixed:
        if args.reference_run:
            print("%s: note: known failure passes on the reference: %s (fine if it is a "
                  "deliberate zkrs difference)" % (args.suite, t))
        else:
            print("%s: NOTE: known failure now passes: %s (remove it from %s)"
                  % (args.suite, t, args.known))
    if unused and order:
        print("%s: NOTE: %d known-failures entries match no test that ran: %s"
              % (args.suite, len(unused), ", ".join(unused)))
    for t in unexpected[:40]:
        print("%s: UNEXPECTED FAILURE: %s" % (args.suite, t))
    if len(unexpected) > 40:
        print("%s: ... and %d more unexpected failures" % (args.suite, len(unexpected) - 40))
    if args.broken:
        print("%s: ERROR: %s" % (args.suite, args.broken))
    if args.counts:
        with open(args.counts, "w") as f:
            f.write("%d %d\n" % (len(passed), n_failed))
    return 1 if unexpected or args.broken else 0


if __name__ == "__main__":
    sys.exit(main())
