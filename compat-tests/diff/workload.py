"""Seeded workload generator for the differential test, and the operation format.

An operation is a JSON-friendly dict. It never depends on any server's replies, so the list
of operations is a pure function of (seed, number of operations) and a shrunk list can be
replayed as it is. Values the generator cannot know are symbolic and are resolved by each
server run from its own replies:

* sessions are slots `S0..Sn` (`"s": 2`); a slot's real session id is whatever that
  server handed out;
* `"@17"` at the start of a path means "the path that operation #17 created" (sequential
  nodes); `"@17/a"` is a child of it. If #17 created nothing, it resolves to
  `/@missing17...`, a valid path that never exists;
* `relZxid` of setWatches is `"last"` (the session's last seen zxid, what real clients
  send), an integer, or `"op:17"` (the reply zxid of operation #17).

The generator keeps a rough model (which paths probably exist, their versions) only to
aim operations at interesting targets; it is deliberately not exact.
"""

import base64
import hashlib
import random

# ---- constants shared with the runner -------------------------------------------------------

SUPER_PASSWORD = "superpw"
USERS = {"user1": "pw1", "user2": "pw2", "super": SUPER_PASSWORD}

PERSISTENT, EPHEMERAL, PERSISTENT_SEQ, EPHEMERAL_SEQ = 0, 1, 2, 3
CONTAINER, TTL, TTL_SEQ = 4, 5, 6
FLAG_NAME = {0: "PERSISTENT", 1: "EPHEMERAL", 2: "PERSISTENT_SEQUENTIAL",
             3: "EPHEMERAL_SEQUENTIAL", 4: "CONTAINER", 5: "PERSISTENT_WITH_TTL",
             6: "PERSISTENT_SEQUENTIAL_WITH_TTL"}


def digest(user_pw):
    """DigestAuthenticationProvider.generateDigest: user:base64(sha1(user:password))."""
    user = user_pw.split(":", 1)[0]
    return "%s:%s" % (user, base64.b64encode(hashlib.sha1(user_pw.encode()).digest()).decode())


def super_digest_property():
    return ("-Dzookeeper.DigestAuthenticationProvider.superDigest="
            + digest("super:" + SUPER_PASSWORD))


ACLS = {
    "OPEN": [[31, "world", "anyone"]],
    "READ": [[1, "world", "anyone"]],
    "CREATOR": [[31, "auth", ""]],
    "U1": [[31, "digest", digest("user1:pw1")]],
    "U2READ": [[1, "world", "anyone"], [31, "digest", digest("user2:pw2")]],
    "IP": [[31, "ip", "127.0.0.1"]],
}
# Interesting ACL lists, including invalid ones (InvalidACL, or accepted oddities).
EXTRA_ACLS = [
    [[15, "world", "anyone"]],                       # no ADMIN
    [[29, "world", "anyone"]],                       # no WRITE
    [[27, "world", "anyone"]],                       # no CREATE
    [[23, "world", "anyone"]],                       # no DELETE
    [[30, "world", "anyone"]],                       # no READ
    [[0, "world", "anyone"]],
    [[31, "world", "anyone"], [31, "world", "anyone"]],  # duplicate
    [[1, "world", "anyone"], [31, "auth", ""]],
    [[31, "auth", "ignored"]],
    [[31, "ip", "10.0.0.0/8"]],
    [[31, "ip", "127.0.0.1/32"], [1, "world", "anyone"]],
    [[31, "ip", "999.1.1.1"]],
    [[31, "ip", "127.0.0.1/33"]],
    [[31, "ip", "not-an-ip"]],
    [[31, "digest", "user1"]],                       # no ':'
    [[31, "digest", digest("super:" + SUPER_PASSWORD)]],
    [[31, "digest", digest("user1:pw1")], [31, "digest", digest("user2:pw2")]],
    [[31, "world", "nobody"]],
    [[31, "foo", "bar"]],
    [[31, "sasl", "someone"]],
    [[31, "x509", "CN=x"]],
    [[63, "world", "anyone"]],
    [[-1, "world", "anyone"]],
    [],
    None,
]

AUTHS = [
    ("digest", "user1:pw1"), ("digest", "user2:pw2"), ("digest", "super:" + SUPER_PASSWORD),
    ("digest", "user1:wrong"), ("digest", "super:wrong"), ("digest", "nocolon"),
    ("digest", ""), ("digest", "a:b:c"), ("ip", "127.0.0.1"), ("world", "anyone"),
    ("foo", "x"), ("", "x"), ("digest", None),
]

NAMES = ["a", "b", "c", "d", "e"]
ODD_NAMES = ["zookeeper", "é", "x y", "n-0000000001", "1", "\u4e2d"]
SYSTEM_PATHS = ["/zookeeper", "/zookeeper/quota", "/zookeeper/config"]
INVALID_PATHS = ["", "a", "/a/", "//a", "/a//b", "/a/./b", "/a/../b", "/.", "/..", "/a/.",
                 "/a\x00b", "/a\x01", "/a\u007f", "/\ud800", "/\ufff0", "/zookeeper/",
                 None]

MAX_BUFFER = 0xfffff


def enc_data(b):
    """Data as stored in an operation: None, a hex string, or [byte, count] for large runs."""
    if b is None:
        return None
    if len(b) > 64 and len(set(b)) == 1:
        return [b[0], len(b)]
    return b.hex()


def dec_data(d):
    if d is None:
        return None
    if isinstance(d, list):
        return bytes([d[0]]) * d[1]
    return bytes.fromhex(d)


# ---- pretty printing ------------------------------------------------------------------------

def fmt_data(d):
    if d is None:
        return "null"
    if isinstance(d, list):
        return "%d*%r" % (d[1], bytes([d[0]]))
    b = bytes.fromhex(d)
    if len(b) > 40:
        return "%r...(%d bytes)" % (b[:24], len(b))
    return repr(b)


def fmt_acl(acl):
    if acl is None:
        return "null"
    for name, v in ACLS.items():
        if v == acl:
            return name
    return "[" + ", ".join("%s:%s:%d" % (s, i, p) for p, s, i in acl) + "]"


def fmt_path(p):
    return repr(p) if p is None or any(ord(c) < 32 or ord(c) > 126 or c == " " for c in p) \
        or p == "" else p


def fmt_sub(o):
    k = o["k"]
    p = fmt_path(o.get("path"))
    if k == "create":
        s = "%s %s data=%s acl=%s flags=%s" % (o["op"], p, fmt_data(o["data"]),
                                              fmt_acl(o["acl"]),
                                              FLAG_NAME.get(o["flags"], o["flags"]))
        if o["op"] == "createTTL" or o.get("ttl") is not None:
            s += " ttl=%s" % o.get("ttl")
        return s
    if k == "delete":
        return "delete %s v=%d" % (p, o["version"])
    if k == "setData":
        return "setData %s data=%s v=%d" % (p, fmt_data(o["data"]), o["version"])
    if k == "check":
        return "check %s v=%d" % (p, o["version"])
    if k in ("getData", "getChildren", "getChildren2", "exists"):
        return "%s %s%s" % (k, p, " watch" if o.get("watch") else "")
    if k == "setACL":
        return "setACL %s acl=%s v=%d" % (p, fmt_acl(o["acl"]), o["version"])
    if k in ("checkWatches", "removeWatches"):
        return "%s %s type=%s" % (k, p, {1: "CHILDREN", 2: "DATA", 3: "ANY"}.get(o["type"],
                                                                                 o["type"]))
    if k == "addWatch":
        return "addWatch %s mode=%s" % (p, {0: "PERSISTENT", 1: "PERSISTENT_RECURSIVE"}.get(
            o["mode"], o["mode"]))
    if k in ("setWatches", "setWatches2"):
        parts = ["relZxid=%s" % o["relZxid"]]
        for key in ("data", "exist", "child", "persistent", "recursive"):
            if o.get(key):
                parts.append("%s=%s" % (key, ",".join(fmt_path(x) for x in o[key])))
        return "%s %s" % (k, " ".join(parts))
    if k == "getEphemerals":
        return "getEphemerals prefix=%s" % fmt_path(o["path"])
    if k == "auth":
        return "addauth %s %r" % (o["scheme"], o["auth"])
    if k == "multi" or k == "multiRead":
        return "%s [%s]" % (k, "; ".join(fmt_sub(x) for x in o["ops"]))
    if k == "connect":
        s = "connect timeout=%d" % o["timeout"]
        if o.get("pipelined"):
            s += " then at once: " + "; ".join(fmt_sub(x) for x in o["pipelined"])
        return s
    if k == "reconnect":
        s = ("reconnect (new TCP connection, old one left open; connect with session "
             "id+password)" if o.get("steal") else
             "reconnect (drop TCP, connect with session id+password)")
        if o.get("lastZxid") is not None:
            s += " lastZxidSeen=%s" % o["lastZxid"]
        extra = []
        if o.get("reauth"):
            extra.append("re-send auth")
        if o.get("watches"):
            extra.append(fmt_sub(o["watches"]))
        if extra:
            s += " then at once: " + "; ".join(extra)
        return s
    if k == "probe":
        return "probe %s" % " ".join("%s=%s" % (a, b) for a, b in sorted(o.items())
                                     if a not in ("k", "id", "s"))
    if k == "pipeline":
        return "pipeline [%s]" % "; ".join(fmt_sub(x) for x in o["ops"])
    if k == "raw":
        return "raw opcode=%d body=%s" % (o["opcode"], o["body"])
    if k in ("getAllChildrenNumber", "getACL", "sync"):
        return "%s %s" % (k, p)
    return k + (" " + p if "path" in o else "")


def fmt_op(o):
    return "#%d S%d %s" % (o["id"], o["s"], fmt_sub(o))


# ---- the generator --------------------------------------------------------------------------

INVALID_ACLS = [a for a in EXTRA_ACLS if a is None or a == [] or any(
    s in ("foo", "sasl", "x509") or (s == "world" and i != "anyone")
    or (s == "ip" and i in ("999.1.1.1", "127.0.0.1/33", "not-an-ip"))
    or (s == "digest" and ":" not in i) for _, s, i in a)]
TTL_MAX = (1 << 40) - 1


class Model:
    """The generator's rough picture of the tree: enough to aim most operations at nodes
    that exist and to make most writes succeed. Never consulted by the comparison."""

    def __init__(self):
        # path -> {"ver", "aver", "eph": slot or None, "parent", "depth", "acl", "kind"}
        self.nodes = {}
        self.auth = {}       # slot -> set of digest ids (and "super")

    def exists(self, p):
        return p == "/" or p in self.nodes

    def kids(self, p):
        return [q for q, n in self.nodes.items() if n["parent"] == p]

    def depth(self, p):
        return 0 if p == "/" else self.nodes[p]["depth"] if p in self.nodes else p.count("/")

    def acl_of(self, p):
        return ACLS["OPEN"] if p not in self.nodes else self.nodes[p]["acl"]

    def allows(self, slot, p, perm):
        ids = self.auth.get(slot, set())
        if "super" in ids:
            return True
        acl = self.acl_of(p)
        for perms, scheme, ident in acl:
            if not perms & perm:
                continue
            if scheme == "world" and ident == "anyone":
                return True
            if scheme == "ip" and ident in ("127.0.0.1", "127.0.0.1/32"):
                return True
            if scheme == "digest" and ident in ids:
                return True
        return False


class Generator:
    """Produces `n` operations for `seed`. Pure: no server is consulted."""

    def __init__(self, seed, nsessions=None, exclude=()):
        self.exclude = set(exclude)
        self.rng = random.Random(seed)
        self.seed = seed
        self.nsessions = nsessions or self.rng.randint(2, 5)
        self.model = Model()
        self.session_open = [False] * self.nsessions
        self.next_id = 0
        self.ops = []
        self.slot = 0            # the slot the operation being built is for

    # -- helpers --
    def chance(self, p):
        return self.rng.random() < p

    def pick(self, seq):
        return seq[self.rng.randrange(len(seq))]

    def existing(self):
        return sorted(self.model.nodes)

    def new_name(self):
        if self.chance(0.03):
            return self.pick(ODD_NAMES)
        return self.pick(NAMES)

    def child_of(self, parent):
        return ("" if parent == "/" else parent) + "/" + self.new_name()

    def odd_path(self):
        r = self.rng.random()
        if r < 0.4:
            p = self.pick(INVALID_PATHS)
            if p is None and "nullpath" in self.exclude:
                return "/a/"
            return p
        if r < 0.7:
            return self.pick(SYSTEM_PATHS)
        return "/"

    def path(self, for_create=False):
        """A path: mostly a node the model believes exists (a new child of one for
        creates), sometimes a missing, system or invalid one."""
        r = self.rng.random()
        ex = self.existing()
        if r < 0.07:
            return self.odd_path()
        if for_create:
            if r < 0.80:
                parents = ["/"] + [p for p in ex if self.model.nodes[p]["eph"] is None
                                   and self.model.depth(p) < 4]
                if self.chance(0.97):
                    parents = [p for p in parents if p == "/" or
                               self.model.nodes[p]["kind"] != "eph"]
                return self.child_of(self.pick(parents))
            if ex and r < 0.9:
                return self.pick(ex)
            return self.child_of(self.child_of("/"))
        if ex and r < 0.88:
            return self.pick(ex)
        if ex and r < 0.95:
            return self.child_of(self.pick(ex))
        return self.child_of("/")

    def version(self, p, key="ver"):
        r = self.rng.random()
        if r < 0.4:
            return -1
        if r < 0.85 and p in self.model.nodes:
            return self.model.nodes[p][key]
        return self.rng.choice([0, 1, 2, 5, -2])

    def data(self):
        r = self.rng.random()
        if r < 0.08:
            return None
        if r < 0.16:
            return ""
        if r < 0.55:
            return ("v%d" % self.rng.randrange(1000)).encode().hex()
        if r < 0.975:
            return bytes(self.rng.randrange(256)
                         for _ in range(self.rng.randrange(1, 24))).hex()
        if r < 0.998:
            return enc_data(b"m" * self.rng.randrange(65, 5000))
        # Around jute.maxbuffer (0xfffff): the request frame holds a header, the path, the
        # ACL and flags as well, so these straddle the limit.
        return enc_data(b"L" * self.pick([MAX_BUFFER - 200, MAX_BUFFER - 60, MAX_BUFFER - 40,
                                           MAX_BUFFER - 20, MAX_BUFFER + 1, MAX_BUFFER + 100]))

    def acl(self):
        r = self.rng.random()
        if r < 0.75:
            return ACLS["OPEN"]
        if r < 0.92:
            return ACLS[self.pick(sorted(ACLS))]
        return self.pick(EXTRA_ACLS)

    def open_slot(self):
        open_slots = [i for i, o in enumerate(self.session_open) if o]
        return self.pick(open_slots) if open_slots else None

    def excluded(self, op):
        """--exclude: operation kinds (e.g. `probe:bad_password`, `createTTL`, `raw:102`,
        `reconnect`) the generator must not produce, to look past a known difference."""
        if not self.exclude:
            return False
        keys = {op["k"]}
        if op["k"] == "probe":
            keys.add("probe:" + op["kind"])
        if op["k"] == "create":
            keys.add(op["op"])
        if op["k"] == "raw":
            keys.add("raw:%d" % op["opcode"])
        if op["k"] == "connect" and op.get("pipelined"):
            keys.add("connect:pipelined")
        if op["k"] == "auth" and op["auth"] is None:
            keys.add("auth:null")
        if keys & self.exclude:
            return True
        return any(self.excluded(x) for x in op.get("ops", []) + op.get("pipelined", []))

    def emit(self, s, op):
        if self.excluded(op):
            return None
        op["id"] = self.next_id
        op["s"] = s
        self.next_id += 1
        self.ops.append(op)
        self.apply(s, op)
        return op

    # -- the model's guess of each operation's effect --
    def valid_path(self, p):
        return isinstance(p, str) and p.startswith("/") and p not in INVALID_PATHS \
            and not p.startswith("/zookeeper") and p != "/"

    def parent_of(self, p):
        if p.startswith("@"):
            return None
        i = p.rindex("/")
        return "/" if i == 0 else p[:i]

    def create_ok(self, s, o, nodes):
        m = self.model
        p = o["path"]
        if not self.valid_path(p) or p.startswith("@") and "/" not in p:
            return False
        parent = self.parent_of(p) if not p.startswith("@") else p.rsplit("/", 1)[0]
        if parent is None or (parent != "/" and parent not in nodes) or p in nodes:
            return False
        if parent != "/" and nodes[parent]["eph"] is not None:
            return False
        flags, kind = o["flags"], o["op"]
        if kind in ("create", "create2") and flags not in (0, 1, 2, 3):
            return False
        if kind == "createContainer" and flags != 4:
            return False
        if kind == "createTTL" and (flags not in (5, 6) or not 0 < o.get("ttl", 0) <= TTL_MAX):
            return False
        if o["acl"] in INVALID_ACLS:
            return False
        if o["acl"] and any(sc == "auth" for _, sc, _ in o["acl"]) and not m.auth.get(s):
            return False
        d = o["data"]
        if isinstance(d, list) and d[1] >= MAX_BUFFER - 200:
            return False
        return parent == "/" or m.allows(s, parent, 4)

    def new_node(self, s, o, path, nodes):
        parent = path.rsplit("/", 1)[0] or "/"
        if path.startswith("@"):
            parent = None
        acl = [list(a) for a in o["acl"]]
        if any(sc == "auth" for _, sc, _ in acl):
            ids = sorted(x for x in self.model.auth.get(s, ()) if x != "super")
            acl = [[pm, "digest", i] for pm, sc, _ in acl if sc == "auth" for i in ids] + \
                [a for a in acl if a[1] != "auth"]
        kind = {0: "pers", 2: "pers", 1: "eph", 3: "eph", 4: "container", 5: "ttl", 6: "ttl"}
        nodes[path] = {"ver": 0, "aver": 0, "eph": s if o["flags"] in (1, 3) else None,
                       "parent": parent, "depth": path.count("/"), "acl": acl,
                       "kind": kind.get(o["flags"], "pers")}

    def predict(self, s, o, nodes, top_id=None):
        """Apply `o` to `nodes` if the model thinks it succeeds; returns success."""
        k = o["k"]
        p = o.get("path")
        m = self.model
        if k == "create":
            if not self.create_ok(s, o, nodes):
                return False
            if o["flags"] in (2, 3, 6):
                if top_id is not None:
                    ref = "@%d" % top_id
                    self.new_node(s, o, ref, nodes)
                    nodes[ref]["parent"] = self.parent_of(p) if not p.startswith("@") \
                        else p.rsplit("/", 1)[0]
                    nodes[ref]["depth"] = p.count("/") + (1 if p.startswith("@") else 0)
                return True
            self.new_node(s, o, p, nodes)
            return True
        if k == "delete":
            if p not in nodes or any(n["parent"] == p for n in nodes.values()):
                return False
            if o["version"] not in (-1, nodes[p]["ver"]):
                return False
            parent = nodes[p]["parent"]
            if parent not in (None, "/") and not m.allows(s, parent, 8):
                return False
            del nodes[p]
            return True
        if k == "setData":
            if p not in nodes or o["version"] not in (-1, nodes[p]["ver"]):
                return False
            if not m.allows(s, p, 2):
                return False
            nodes[p]["ver"] += 1
            return True
        if k == "check":
            return p in nodes and o["version"] in (-1, nodes[p]["ver"])
        if k == "setACL":
            if p not in nodes or o["version"] not in (-1, nodes[p]["aver"]) \
                    or o["acl"] in INVALID_ACLS or not m.allows(s, p, 16):
                return False
            nodes[p]["aver"] += 1
            nodes[p]["acl"] = [list(a) for a in o["acl"]]
            return True
        return k in ("getData", "getChildren")

    def apply(self, s, op):
        m = self.model
        k = op["k"]
        if k == "multi":
            trial = {q: dict(n) for q, n in m.nodes.items()}
            if all(self.predict(s, x, trial) for x in op["ops"]):
                m.nodes = trial
        elif k == "pipeline":
            for x in op["ops"]:
                self.apply(s, x)
        elif k == "close":
            for q in [q for q, n in m.nodes.items() if n["eph"] == s]:
                del m.nodes[q]
            m.auth[s] = set()
        elif k == "connect":
            m.auth[s] = set()
        elif k == "reconnect" and not op.get("reauth"):
            m.auth[s] = set()
        elif k == "auth":
            if op["scheme"] == "digest" and op["auth"] is not None:
                d = digest(op["auth"])
                m.auth.setdefault(s, set()).add(d)
                if d == digest("super:" + SUPER_PASSWORD):
                    m.auth[s].add("super")
        elif k in ("create", "delete", "setData", "setACL"):
            self.predict(s, op, m.nodes, top_id=op.get("id"))

    # -- operation builders (sub-operations have no id/slot) --
    def op_create(self, in_multi=False):
        p = self.path(for_create=True)
        r = self.rng.random()
        if r < 0.3:
            kind = "create"
        elif r < 0.75:
            kind = "create2"
        elif r < 0.87:
            kind = "createContainer"
        else:
            kind = "createTTL"
        if kind == "createContainer":
            flags = CONTAINER if self.chance(0.9) else self.pick([0, 1, 2, 5])
        elif kind == "createTTL":
            flags = self.pick([TTL, TTL_SEQ]) if self.chance(0.85) else self.pick([0, 1, 3, 4])
        else:
            flags = self.pick([0, 0, 0, 1, 1, 2, 3]) if self.chance(0.95) else \
                self.pick([4, 5, 6, 7, -1, 8])
        op = {"k": "create", "op": kind, "path": p, "data": self.data(), "acl": self.acl(),
              "flags": flags}
        if kind == "createTTL":
            op["ttl"] = self.pick([1, 1000, 3600000, 3600000, 3600000, 0, -1, TTL_MAX,
                                   TTL_MAX + 1])
            if flags not in (TTL, TTL_SEQ) and op["ttl"] < 0:
                # Not generated: 3.8.0 accepts it into a txn whose apply throws and stops
                # the server (see intentional-differences.md).
                op["ttl"] = 1000
        return op

    def op_delete(self):
        # Prefer leaves: deleting is how the tree stays small.
        leaves = [p for p in self.existing()
                  if not any(n["parent"] == p for n in self.model.nodes.values())]
        p = self.pick(leaves) if leaves and self.chance(0.8) else self.path()
        return {"k": "delete", "path": p, "version": self.version(p)}

    def op_set(self):
        p = self.path()
        return {"k": "setData", "path": p, "data": self.data(), "version": self.version(p)}

    def op_check(self):
        p = self.path()
        return {"k": "check", "path": p, "version": self.version(p)}

    def op_read(self, kind):
        op = {"k": kind, "path": self.path()}
        if kind in ("getData", "exists", "getChildren", "getChildren2"):
            op["watch"] = self.chance(0.5)
        return op

    def op_multi(self):
        n = self.pick([0, 1, 2, 2, 3, 3, 4, 5, 6])
        ops = []
        for _ in range(n):
            r = self.rng.random()
            if r < 0.4:
                o = self.op_create(in_multi=True)
                # Not generated: a createContainer / createTTL op whose flags name another
                # mode. 3.8.0 creates what the flags name (an ephemeral node, say), 3.9 and
                # zkrs what the opcode names (a container): intentional-differences.md.
                if o["op"] == "createContainer":
                    o["flags"] = CONTAINER
                elif o["op"] == "createTTL" and o["flags"] not in (TTL, TTL_SEQ):
                    o["flags"] = TTL
                ops.append(o)
            elif r < 0.6:
                ops.append(self.op_delete())
            elif r < 0.8:
                ops.append(self.op_set())
            elif r < 0.98:
                ops.append(self.op_check())
            else:
                ops.append(self.op_read(self.pick(["getData", "getChildren"])))
        return {"k": "multi", "ops": ops}

    def op_multi_read(self):
        n = self.pick([0, 1, 2, 3, 4, 5])
        ops = []
        for _ in range(n):
            if self.chance(0.97):
                o = self.op_read(self.pick(["getData", "getChildren"]))
                o["watch"] = False
                ops.append(o)
            else:
                ops.append(self.op_set())
        return {"k": "multiRead", "ops": ops}

    def watch_lists(self, v2):
        def some():
            if self.chance(0.4):
                return []
            return sorted({self.path() for _ in range(self.rng.randint(1, 3))} - {None})
        w = {"k": "setWatches2" if v2 else "setWatches",
             "relZxid": self.pick(["last", "last", "last", 0]),
             "data": some(), "exist": some(), "child": some()}
        if v2:
            w["persistent"] = some()
            w["recursive"] = some()
        if self.ops and self.chance(0.2):
            w["relZxid"] = "op:%d" % self.pick(self.ops)["id"]
        return w

    def op_one(self, top=True):
        """One request for an open session (also used inside pipelines)."""
        size = len(self.model.nodes)
        # Keep the tree between roughly 10 and 60 nodes: creates and deletes balance.
        c = 0.26 if size < 10 else 0.20 if size < 60 else 0.10
        d = c + (0.05 if size < 10 else 0.08 if size < 60 else 0.16)
        r = self.rng.random()
        table = [
            (c, lambda: self.op_create(in_multi=not top)),
            (d, lambda: self.op_delete()),
            (d + 0.06, lambda: self.op_read("exists")),
            (d + 0.14, lambda: self.op_read("getData")),
            (d + 0.23, lambda: self.op_set()),
            (d + 0.26, lambda: self.op_read("getACL")),
            (d + 0.29, lambda: (lambda p: {"k": "setACL", "path": p, "acl": self.acl(),
                                           "version": self.version(p, "aver")})(self.path())),
            (d + 0.34, lambda: self.op_read("getChildren")),
            (d + 0.38, lambda: self.op_read("getChildren2")),
            (d + 0.40, lambda: {"k": "sync", "path": self.path()}),
            (d + 0.47, lambda: self.op_multi()),
            (d + 0.50, lambda: self.op_multi_read()),
            (d + 0.52, lambda: {"k": "checkWatches", "path": self.path(),
                                "type": self.pick([1, 2, 3, 3, 0, 6])}),
            (d + 0.55, lambda: {"k": "removeWatches", "path": self.path(),
                                "type": self.pick([1, 2, 3, 3, 0, 6])}),
            (d + 0.59, lambda: {"k": "addWatch", "path": self.path(),
                                "mode": self.pick([0, 1, 1, 0, 2, -1]) if self.chance(0.1)
                                else self.pick([0, 1])}),
            (d + 0.60, lambda: self.watch_lists(self.chance(0.5))),
            (d + 0.62, lambda: {"k": "getEphemerals",
                                "path": self.pick(["/", "", None, "/a", "/a/b", "/b", "/x"])
                                if self.chance(0.5) else self.path()}),
            (d + 0.64, lambda: self.op_read("getAllChildrenNumber")),
            (d + 0.65, lambda: {"k": "whoAmI"}),
            (d + 0.68, lambda: dict(zip(("k", "scheme", "auth"), ("auth",) + (
                self.pick(AUTHS[:3]) if self.chance(0.7) else self.pick(AUTHS))))),
            (d + 0.695, lambda: self.op_quota()),
            (1.0, lambda: self.op_odd()),
        ]
        # Whatever is left above the table's last real entry goes to getData.
        for limit, fn in table[:-1]:
            if r < limit:
                return fn()
        if r < d + 0.705:
            return table[-1][1]()
        return self.op_read("getData")

    def op_quota(self):
        """Quota nodes (what zkCli's setquota writes), then normal writes under them."""
        ex = [p for p in self.existing() if not p.startswith("@")]
        target = self.pick(ex) if ex else "/a"
        if self.chance(0.5):
            path = "/zookeeper/quota" + target + "/zookeeper_limits"
            data = self.pick(["count=3,bytes=-1", "count=-1,bytes=20", "count=2,bytes=10",
                              "garbage", ""]).encode().hex()
        else:
            path = "/zookeeper/quota" + target
            data = ""
        if self.chance(0.5):
            return {"k": "create", "op": "create", "path": path, "data": data,
                    "acl": ACLS["OPEN"], "flags": 0}
        if self.chance(0.5):
            return {"k": "getData", "path": "/zookeeper/quota" + target + "/zookeeper_stats",
                    "watch": False}
        return {"k": "setData", "path": path, "data": data, "version": -1}

    def op_odd(self):
        r = self.rng.random()
        if r < 0.25:
            # sasl with an empty or a 3-byte token (a null token: intentional-differences.md)
            return {"k": "raw", "opcode": 102, "body": self.pick(["00000000", "00000003616263"])}
        if r < 0.4:
            return {"k": "raw", "opcode": 16,                                  # reconfig
                    "body": "ffffffff" "ffffffff" "ffffffff" + "ffffffffffffffff"}
        if r < 0.5:
            return {"k": "raw", "opcode": self.pick([999, 10, 20, -10]), "body": ""}
        if r < 0.75:
            # Truncated bodies: a path length larger than the body.
            return {"k": "raw", "opcode": self.pick([1, 2, 3, 4, 5, 7, 8, 12, 15, 104, 106]),
                    "body": self.pick(["", "00000010", "0000000161"])}
        # Requests from an old client: setWatches with odd relZxid values.
        w = self.watch_lists(False)
        w["relZxid"] = self.pick([-1, 1 << 40])
        return w

    def op_pipeline(self):
        return {"k": "pipeline", "ops": self.pipelined_ops(self.rng.randint(2, 5))}

    def pipelined_ops(self, n):
        ops = [self.pipelined_op() for _ in range(n)]
        # A setACL only last: its pending change record keeps the node's old ACL (in
        # ZooKeeper's Prep, and in zkrs's), so whether a request right behind it is checked
        # against the old or the new ACL depends on whether the setACL was applied first —
        # timing, in both servers.
        for i, o in enumerate(ops[:-1]):
            if o["k"] == "setACL":
                ops[i] = {"k": "getACL", "path": o["path"]}
        return ops

    def pipelined_op(self):
        """A request sent behind others without waiting (in a pipeline, or right behind a
        ConnectRequest), limited to what ZooKeeper itself answers deterministically."""
        # No auth, sasl or unknown opcodes: ZooKeeper answers auth and sasl at once, ahead
        # of earlier requests still in its pipeline, and closes the connection after an
        # unknown opcode at a moment that races with the requests behind it.
        o = self.op_one(top=False)
        while o["k"] in ("auth", "raw"):
            o = self.op_one(top=False)
        for x in [o] + o.get("ops", []):
            # No frame over jute.maxbuffer either: the server closes the connection when it
            # reads it, and which replies to the requests before it got out is a race.
            if x["k"] in ("create", "setData") and isinstance(x["data"], list) \
                    and x["data"][1] >= MAX_BUFFER - 200:
                x["data"] = "00"
            # No multi that 3.8.0's Prep fails with an exception rather than a
            # KeeperException (a TTL mode without a valid TTL, flags naming no mode): it
            # answers MARSHALLINGERROR but leaves the earlier ops' pending changes in place
            # until the error txn commits, so a request right behind it sees them or not,
            # by timing (a ZooKeeper bug; seen as a wrong version).
            if o["k"] == "multi" and x["k"] == "create":
                if x["op"] == "createTTL":
                    x["flags"] = self.pick([TTL, TTL_SEQ])
                    x["ttl"] = 3600000
                elif x["flags"] not in (0, 1, 2, 3, 4):
                    x["flags"] = 0
        return o

    def op_connect(self, s):
        # Long timeouts only: a session left without a connection must not expire during
        # the run (an expiry is a closeSession txn at an arbitrary moment). Probes test
        # the negotiation of other values.
        op = {"k": "connect", "timeout": self.pick([3600000, 10 ** 8])}
        if self.chance(0.05):
            op["pipelined"] = self.pipelined_ops(self.rng.randint(1, 2))
        if self.emit(s, op) is not None:
            self.session_open[s] = True

    def op_probe(self):
        r = self.rng.random()
        if r < 0.3:
            return {"k": "probe", "kind": "timeout",
                    "timeout": self.pick([0, 1, 3999, 4000, 4001, 30000, 10 ** 9, -5])}
        if r < 0.5:
            return {"k": "probe", "kind": "future_zxid"}
        if r < 0.65:
            return {"k": "probe", "kind": "bad_password"}
        if r < 0.72:
            return {"k": "probe", "kind": "unknown_session"}
        if r < 0.8:
            return {"k": "probe", "kind": "closed_session"}
        if r < 0.85:
            return {"k": "probe", "kind": "request_before_connect"}
        if r < 0.9:
            return {"k": "probe", "kind": self.pick(["old_client", "read_only"])}
        return {"k": "probe", "kind": "protocol_version", "version": self.pick([1, -1, 99])}

    def generate(self, n):
        for s in range(self.nsessions):
            self.op_connect(s)
        while self.next_id < n:
            s = self.open_slot()
            r = self.rng.random()
            if s is None or r < 0.012:
                closed = [i for i, o in enumerate(self.session_open) if not o]
                if closed:
                    self.op_connect(self.pick(closed))
                    continue
                s = self.open_slot()
            self.slot = s
            if r < 0.02:
                if self.emit(s, {"k": "close"}) is not None:
                    self.session_open[s] = False
            elif r < 0.03:
                op = {"k": "reconnect", "reauth": self.chance(0.8)}
                if self.chance(0.3):
                    op["steal"] = True
                if self.chance(0.7):
                    op["watches"] = self.watch_lists(self.chance(0.4))
                self.emit(s, op)
            elif r < 0.037:
                self.emit(s, {"k": "disconnect"})
            elif r < 0.042:
                self.emit(s, self.op_probe())
            elif r < 0.08:
                self.emit(s, self.op_pipeline())
            else:
                self.emit(s, self.op_one())
        # Close every session at the end: ephemeral cleanup and its watch events.
        for s in range(self.nsessions):
            if self.session_open[s]:
                self.emit(s, {"k": "close"})
        return self.ops


def generate(seed, n, exclude=()):
    return Generator(seed, exclude=exclude).generate(n)
