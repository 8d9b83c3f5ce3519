"""Known zkrs differences from Apache ZooKeeper 3.8.0 that are bugs (reported, not fixed yet).

Unlike the intentional differences (difftest.Rules, intentional-differences.md), these
still make a seed fail: the seed's test id gets the bug's id (`seed-7:known:K9`), and
known-failures.txt lists the ids, so a run whose only failures are known bugs exits 0.

Two ways to keep one known bug from hiding others:
* a TOLERANCE normalises the observable difference and lets the comparison go on, when the
  bug leaves both servers in the same state (the seed still fails with the bug's id);
* an EXCLUSION stops the generator producing the operation, when the bug makes the two
  servers' states diverge (nothing after it could be compared). Excluded kinds are
  printed at the start of every run; `--no-default-exclude` generates them again, which is
  how to check whether the bug is fixed.

Remove an entry once zkrs is fixed.
"""


class Exclusion:
    def __init__(self, kid, kinds, what):
        self.id = kid
        self.kinds = kinds
        self.what = what


EXCLUSIONS = [
    # K1 (wrong password keeps the live connection), K2 (a null path), K4 (createSession
    # opcode from a client), K5 (requests pipelined behind the ConnectRequest) and K6 (null
    # auth buffer) are fixed.
]

DEFAULT_EXCLUDE = [k for e in EXCLUSIONS for k in e.kinds]


class Tolerance:
    id = None
    what = None

    def applies(self, op, ref, cand):
        raise NotImplementedError


# K3 (closeSession deleted a session's ephemerals in sorted order, ZooKeeper in the order of
# its HashSet<String>) is fixed: zkrs reproduces Java's HashSet orders (datatree::java_set).
# K7 (events about znodes the session may not READ) and K8 (getAllChildrenNumber("") did
# not count the root's "/" key) are fixed too. A tolerance that drops extra frames must come
# before any that needs the same events on both sides.
TOLERANCES = []

ALL = {e.id: e.what for e in EXCLUSIONS}
ALL.update({t.id: t.what for t in TOLERANCES})
