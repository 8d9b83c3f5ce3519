"""Runs a list of operations against one server and records everything a client observes.

One `ServerRun` per server. Operations run one at a time, in the list's order; after each
one every live session is pinged and read up to its ping reply, so all watch events the
operation caused have arrived (a server writes a session's events before any later reply
on that session) and are attributed to that operation. The result is one observation per
operation, already normalised (session ids -> slot labels, times -> "T"), made of plain
tuples so two runs compare with `==`.

Frames (tuples; the last element of "R" and "E" frames is a `Note`, which `==` ignores):
  ("R", op, err, zxid, body, note)         a reply; body None, a value, or with TRAILING bytes
  ("E", type, state, path, zxid, note)     a watch event
  ("P", zxid)                              the idle-phase ping's reply
  ("C", protocolVersion, timeOut, session, passwdLen, readOnly, trailing)  connect response
  ("CLOSED",) ("TIMEOUT",) ("NOTCONN",) ("NOTCLOSED",) ("OLD-CONNECTION", frames...)
  ("RECONNECT",)                           the client reconnected before the operation
  ("REWRITE", why)                         the request was changed (guards, below)

Leader and follower. The reference run leads: before each operation it decides, from its
own state, what a real client would send, and the follower (the candidate run) sends
exactly that. Decisions:
  * auto-reconnect: an operation for a session whose connection is gone (closed by the
    server after an auth failure, an oversized frame, a `disconnect` operation...) first
    reconnects with the session id and password, re-sends the auth data and sets the
    watches the client still holds (setWatches/setWatches2), as the Java client does;
  * guards, where ZooKeeper 3.8.0 and 3.9 semantics (zkrs implements 3.9's) would leave
    different watches behind and make everything after them differ
    (intentional-differences.md): exists(watch) on a node the session may not READ is sent
    with watch=false; a one-shot watch on a path with a persistent watch of the same
    session, check/removeWatches of type CHILDREN/DATA there, and an addWatch on a path
    with a watch of another mode are changed, as are setWatches lists that mix modes.
The notes (`Note`) carry what the leader knew (shadow ACL verdicts, which watches a
session holds) to the comparison rules in difftest.py.

Shadow ACLs: an aux session, authenticated as the super user and never compared, reads
the ACL of every node an operation created or changed, so the rules can tell whether a
session may READ a node (zkrs checks READ for exists as 3.8.4+ do, the reference does not;
and both check READ before delivering an event: Debian's 3.8.0 has the CVE-2024-23944 fix).
"""

import ipaddress
import socket
import time

import workload
import zkwire as w

REPLY_TIMEOUT_S = 15.0
CLOSE_TIMEOUT_S = 5.0
CONTAINER_OWNER = -(1 << 63)
DAY_MS = 86400 * 1000
SUPER_DIGEST = workload.digest("super:" + workload.SUPER_PASSWORD)
CREATES = ("create", "create2", "createContainer", "createTTL")
class Closed(Exception):
    pass


class Note(tuple):
    """What this run knew when it recorded a frame (shadow ACL verdict, which watches the
    session holds), carried at the end of a frame for the comparison rules. `==` ignores
    it, so two runs' frames compare on what the servers sent alone."""

    def __new__(cls, items=()):
        return tuple.__new__(cls, items)

    def __eq__(self, other):
        return isinstance(other, Note)

    def __ne__(self, other):
        return not isinstance(other, Note)

    __hash__ = tuple.__hash__

    def get(self, key, default=None):
        return dict(self).get(key, default)


def note(**kw):
    return Note(tuple(sorted(kw.items())))


class Conn:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=REPLY_TIMEOUT_S)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.alive = True
        self.xid = 0
        self.local_port = self.sock.getsockname()[1]

    def next_xid(self):
        self.xid += 1
        return self.xid

    def send(self, payload):
        """False when the server closed the connection; frames it sent before that stay
        readable (read_frame ends with Closed)."""
        try:
            self.sock.sendall(w.frame(payload))
            return True
        except OSError:
            self.send_failed = True
            return False

    send_failed = False

    def read_frame(self, timeout=REPLY_TIMEOUT_S):
        """The next frame's payload; raises Closed on EOF, TimeoutError on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            if len(self.buf) >= 4:
                n = int.from_bytes(self.buf[:4], "big", signed=True)
                if n < 0:
                    raise Closed("negative frame length")
                if len(self.buf) >= 4 + n:
                    payload = bytes(self.buf[4:4 + n])
                    del self.buf[:4 + n]
                    return payload
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError()
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(1 << 20)
            except socket.timeout:
                raise TimeoutError()
            except OSError:
                data = b""
            if not data:
                self.alive = False
                raise Closed("EOF")
            self.buf += data

    def close(self):
        self.alive = False
        try:
            self.sock.close()
        except OSError:
            pass


class Session:
    """A session as the client sees it: id, password, auth data, and the watches it holds
    (its client-side registry, kept over connection losses and set again on reconnect;
    updated the way ZooKeeper 3.8.0 keeps watches)."""

    def __init__(self, sid, passwd, label, timeout):
        self.sid = sid
        self.passwd = passwd
        self.label = label
        self.timeout = timeout
        self.conn = None
        self.last_zxid = 0
        self.auths = []          # (scheme, data) answered OK; re-sent on reconnect
        self.ids = set()         # the connection's auth ids, for the shadow ACL check
        self.w_data = set()      # getData / exists(existing node) watches
        self.w_exist = set()     # exists(missing node) watches
        self.w_child = set()     # getChildren watches
        self.w_mode = {}         # addWatch: path -> 0 PERSISTENT / 1 PERSISTENT_RECURSIVE
        self.recent = []         # events since the last setWatches was sent
        self.outstanding = []    # opnames of the requests sent and not answered yet
        self.leaks = False       # the connection holds a null-path watch (see Orphan)

    def alive(self):
        return self.conn is not None and self.conn.alive

    def clear_watches(self):
        self.w_data, self.w_exist, self.w_child, self.w_mode = set(), set(), set(), {}

    def holds(self, path, typ):
        """Whether checkWatches(path, type) matches a watch of this session (3.8.0)."""
        if path in self.w_mode:
            return True
        if typ == 1:
            return path in self.w_child
        if typ == 2:
            return path in self.w_data or path in self.w_exist
        return path in self.w_child or path in self.w_data or path in self.w_exist

    def std(self, path):
        return path in self.w_data or path in self.w_exist or path in self.w_child

    def watch_lists(self):
        """The setWatches request the Java client sends on reconnect, or None."""
        lists = {"data": sorted(self.w_data), "exist": sorted(self.w_exist),
                 "child": sorted(self.w_child),
                 "persistent": sorted(p for p, m in self.w_mode.items() if m == 0),
                 "recursive": sorted(p for p, m in self.w_mode.items() if m == 1)}
        if not any(lists.values()):
            return None
        if lists["persistent"] or lists["recursive"]:
            lists["k"] = "setWatches2"
        else:
            lists["k"] = "setWatches"
            del lists["persistent"], lists["recursive"]
        lists["relZxid"] = "last"
        return lists


class Orphan:
    """The watches a connection held when it went away while holding a null-path watch
    (addWatch with a null path). ZooKeeper 3.8.0's close of such a connection throws inside
    WatchManager.removeWatcher (WatcherModeManager.Key.equals on the null path) and leaves
    some or all of its watches registered, where its checkWatches (R4) still sees them;
    zkrs removes them. Over-approximated: every watch the session held then."""

    def __init__(self, sess):
        self.w_data, self.w_exist = set(sess.w_data), set(sess.w_exist)
        self.w_child, self.w_mode = set(sess.w_child), dict(sess.w_mode)

    holds = Session.holds


def ip_matches(client, expr):
    """IPAuthenticationProvider.matches for an IPv4 client address."""
    parts = expr.split("/", 1)
    try:
        acl_addr = ipaddress.IPv4Address(parts[0])
    except ValueError:
        return False
    bits = 32
    if len(parts) == 2:
        try:
            bits = int(parts[1])
        except ValueError:
            return False
        if bits < 0 or bits > 32:
            return False
    mask = ((1 << bits) - 1) << (32 - bits) if bits else 0
    return (int(acl_addr) & mask) == (int(ipaddress.IPv4Address(client)) & mask)


def may_read(acl, ids):
    """ZooKeeperServer.checkACL(READ) on a shadow ACL; None (unknown) counts as readable."""
    if not acl:
        return True
    if any(s == "super" for s, _ in ids):
        return True
    for perms, scheme, ident in acl:
        if not perms & 1:
            continue
        if scheme == "world" and ident == "anyone":
            return True
        for s, i in ids:
            if s != scheme:
                continue
            if scheme == "digest" and i == ident:
                return True
            if scheme == "ip" and ip_matches(i, ident):
                return True
    return False


class ServerRun:
    def __init__(self, port, leader=True):
        self.port = port
        self.leader = leader
        self.sessions = {}        # slot -> Session (the slot's current session)
        self.gen = {}             # slot -> number of sessions the slot has had
        self.labels = {}          # session id -> label
        self.closed = []          # (sid, passwd) of sessions closed by the workload
        self.orphans = []         # Orphan: watches left behind by failing closes
        self.created = {}         # op id -> path it created
        self.op_zxid = {}         # op id -> zxid of its reply
        self.acl = {}             # shadow: path -> ACL, as the aux session last read it
        self.t0_ms = int(time.time() * 1000)
        self.ops_sent = 0
        self.aux = None
        self.aux_ok = True

    # ---- normalisation -------------------------------------------------------------------
    def norm_time(self, t):
        if t == 0:
            return 0
        if self.t0_ms - DAY_MS < t < int(time.time() * 1000) + DAY_MS:
            return "T"
        return t

    def norm_owner(self, owner):
        if owner == 0:
            return 0
        if owner == CONTAINER_OWNER:
            return "CONTAINER"
        if (owner >> 56) & 0xFF == 0xFF:
            return ("TTL", owner & ((1 << 56) - 1))
        return self.labels.get(owner, "?%x" % (owner & (1 << 64) - 1))

    def stat(self, r):
        s = w.read_stat(r)
        return ("stat", s["czxid"], s["mzxid"], self.norm_time(s["ctime"]),
                self.norm_time(s["mtime"]), s["version"], s["cversion"], s["aversion"],
                self.norm_owner(s["ephemeralOwner"]), s["dataLength"], s["numChildren"],
                s["pzxid"])

    def data(self, b):
        if b is None:
            return None
        if len(b) > 64:
            return ("bytes", len(b), hash(b))
        return b.hex()

    def decode_body(self, opname, r):
        if opname == "create":
            return r.ustring()
        if opname in ("create2", "createContainer", "createTTL"):
            return (r.ustring(), self.stat(r))
        if opname in ("exists", "setData", "setACL"):
            return self.stat(r)
        if opname == "getData":
            return (self.data(r.buffer()), self.stat(r))
        if opname == "getACL":
            return (tuple(r.vector(w.read_acl) or ()), self.stat(r))
        if opname == "getChildren":
            c = r.vector(lambda x: x.ustring())
            return None if c is None else tuple(c)
        if opname == "getChildren2":
            c = r.vector(lambda x: x.ustring())
            return (None if c is None else tuple(c), self.stat(r))
        if opname == "sync":
            return r.ustring()
        if opname in ("multi", "multiRead"):
            return self.multi_response(r)
        if opname == "getEphemerals":
            c = r.vector(lambda x: x.ustring())
            return None if c is None else tuple(c)
        if opname == "getAllChildrenNumber":
            return r.i32()
        if opname == "whoAmI":
            return tuple(r.vector(lambda x: (x.ustring(), x.ustring())) or ())
        if opname == "addWatch":
            return ("errresp", r.i32())
        if opname == "sasl":
            return ("token", self.data(r.buffer()))
        if opname == "reconfig":
            return (self.data(r.buffer()), self.stat(r))
        return None

    def multi_response(self, r):
        out = []
        while True:
            typ, done, err = r.i32(), r.boolean(), r.i32()
            if done:
                out.append(("done", typ, err))
                return tuple(out)
            name = w.OP_NAME.get(typ, str(typ))
            if typ == 1:
                out.append((name, err, r.ustring()))
            elif typ == 15:
                out.append((name, err, r.ustring(), self.stat(r)))
            elif typ in (2, 13):
                out.append((name, err))
            elif typ == 5:
                out.append((name, err, self.stat(r)))
            elif typ == 8:
                c = r.vector(lambda x: x.ustring())
                out.append((name, err, None if c is None else tuple(c)))
            elif typ == 4:
                out.append((name, err, self.data(r.buffer()), self.stat(r)))
            elif typ == -1:
                out.append((name, err, r.i32()))
            else:
                out.append((name, err, ("UNDECODED", r.rest().hex())))
                return tuple(out)

    # ---- frames --------------------------------------------------------------------------
    def decode_frame(self, sess, payload, pending):
        """Turn one received frame into a normalised tuple. `pending`: xid -> (opname, op)."""
        r = w.Reader(payload)
        try:
            xid, zxid, err = w.read_reply_header(r)
        except w.DecodeError:
            return ("BADFRAME", payload.hex()), None
        if xid == w.NOTIFICATION_XID:
            try:
                typ, state, path = r.i32(), r.i32(), r.ustring()
            except w.DecodeError:
                return ("E", "UNDECODED", payload.hex(), None, None, note()), xid
            ev = ("E", w.EVENT_TYPE.get(typ, typ), w.KEEPER_STATE.get(state, state), path,
                  zxid)
            if r.remaining():
                ev = ev[:4] + ((zxid, ("TRAILING", r.rest().hex())),)
            self.track_event(sess, ev[1], path)
            return ev + (note(),), xid
        if xid == w.PING_XID and xid not in pending:
            if r.remaining():
                return ("P", zxid, ("TRAILING", r.rest().hex())), xid
            return ("P", zxid), xid
        opname, op = pending.get(xid, ("?xid%d" % xid, None))
        if opname in sess.outstanding:
            sess.outstanding.remove(opname)
        if zxid > sess.last_zxid and opname != "auth":
            sess.last_zxid = zxid
        body = None
        # A failed multi or multiRead may still carry the MultiResponse built so far (a null
        # path: K2); decode it, so that its Stats are normalised like any other.
        multi_err = opname in ("multi", "multiRead") and r.remaining() > 0
        if (err == 0 or multi_err) and op is not None:
            try:
                body = self.decode_body(opname, r)
            except w.DecodeError as e:
                body = ("UNDECODED", str(e), payload[16:].hex()[:200])
        if r.remaining():
            body = (body, ("TRAILING", r.rest().hex()[:200]))
        extra = {}
        if op is not None:
            if op.get("id") is not None:
                self.op_zxid[op["id"]] = zxid
                if err == 0 and opname in CREATES and isinstance(body, (str, tuple)):
                    self.created[op["id"]] = body if isinstance(body, str) else body[0]
            extra = self.reply_note(sess, opname, op)
            self.track_reply(sess, opname, op, err)
        return ("R", opname, w.err_name(err), zxid, body, note(**extra)), xid

    def reply_note(self, sess, opname, op):
        p = op.get("_path")
        if opname == "exists":
            return {"noread": not self.can_read(sess, p)}
        if opname == "checkWatches":
            return {"held": sess.holds(p, op["type"]),
                    "relative": isinstance(p, str) and p != "" and not p.startswith("/"),
                    "others": any(x is not sess and x.alive() and x.holds(p, op["type"])
                                  for x in self.sessions.values())
                    or any(x.holds(p, op["type"]) for x in self.orphans)}
        return {}

    def read_until(self, sess, want_xids, pending, out):
        """Read sess's frames into `out` until every xid in want_xids was answered."""
        want = set(want_xids)
        conn = sess.conn
        while want:
            try:
                payload = conn.read_frame()
            except Closed:
                out.append(("CLOSED",))
                conn.close()
                return False
            except TimeoutError:
                out.append(("TIMEOUT",))
                conn.close()
                return False
            frame, xid = self.decode_frame(sess, payload, pending)
            out.append(frame)
            want.discard(xid)
        return True

    # ---- the watch registry (ZooKeeper 3.8.0 semantics) ----------------------------------
    def track_event(self, sess, typ, path):
        sess.recent.append((typ, path))
        if sess.outstanding and sess.outstanding[0] in ("setWatches", "setWatches2"):
            # An event setWatches sends itself (the node changed since relZxid): no watch
            # fired, the session's registrations stay as they were.
            return
        if typ == "NodeCreated":
            sess.w_exist.discard(path)
            sess.w_data.discard(path)
        elif typ == "NodeDataChanged":
            sess.w_data.discard(path)
        elif typ == "NodeDeleted":
            sess.w_data.discard(path)
            sess.w_exist.discard(path)
            sess.w_child.discard(path)
        elif typ == "NodeChildrenChanged":
            sess.w_child.discard(path)

    def track_reply(self, sess, opname, op, err):
        p = op.get("_path")
        # A watch added with a null path (addWatch) matches nothing, and no client could
        # re-send it on a reconnect; only set-watch lists carry no path of their own.
        ok = err == 0 and (p is not None or opname in ("setWatches", "setWatches2"))
        if opname == "getData" and op.get("watch") and ok:
            sess.w_data.add(p)
        elif opname == "exists" and op.get("watch") and ok:
            sess.w_data.add(p)
        elif opname == "exists" and op.get("watch") and err == -101:
            sess.w_exist.add(p)
        elif opname in ("getChildren", "getChildren2") and op.get("watch") and ok:
            sess.w_child.add(p)
        elif opname == "addWatch" and err == 0 and p is None and op.get("mode") in (0, 1):
            sess.leaks = True
        elif opname == "addWatch" and ok and op.get("mode") in (0, 1):
            sess.w_mode[p] = op["mode"]
        elif opname == "removeWatches" and ok:
            if op["type"] in (1, 3):
                sess.w_child.discard(p)
            if op["type"] in (2, 3):
                sess.w_data.discard(p)
                sess.w_exist.discard(p)
            if op["type"] == 3:
                sess.w_mode.pop(p, None)
        elif opname in ("setWatches", "setWatches2") and ok:
            fired = set(sess.recent)
            for x in op.get("data", []):
                x = self.resolve(x)
                if ("NodeDeleted", x) not in fired and ("NodeDataChanged", x) not in fired:
                    sess.w_data.add(x)
            for x in op.get("exist", []):
                x = self.resolve(x)
                if ("NodeCreated", x) not in fired:
                    sess.w_exist.add(x)
            for x in op.get("child", []):
                x = self.resolve(x)
                if ("NodeDeleted", x) not in fired and ("NodeChildrenChanged", x) not in fired:
                    sess.w_child.add(x)
            for x in op.get("persistent", []):
                sess.w_mode[self.resolve(x)] = 0
            for x in op.get("recursive", []):
                sess.w_mode[self.resolve(x)] = 1

    # ---- request encoding ----------------------------------------------------------------
    def resolve(self, p):
        if isinstance(p, str) and p.startswith("@"):
            ref, _, rest = p[1:].partition("/")
            base = self.created.get(int(ref))
            if base is None:
                base = "/@missing" + ref
            return base + ("/" + rest if rest else "")
        return p

    def zxid_ref(self, sess, v):
        if v == "last":
            return sess.last_zxid
        if isinstance(v, str) and v.startswith("op:"):
            return self.op_zxid.get(int(v[3:]), 0)
        return v

    def encode(self, sess, o):
        """(opname, opcode, body bytes) of a request; also sets o["_path"]."""
        k = o["k"]
        p = self.resolve(o.get("path"))
        o["_path"] = p
        if k == "create":
            opname = o["op"]
            body = (w.ustring(p) + w.buffer(workload.dec_data(o["data"]))
                    + w.acl_list(o["acl"]) + w.i32(o["flags"]))
            if opname == "createTTL":
                body += w.i64(o["ttl"])
            return opname, w.OP[opname], body
        if k == "delete":
            return k, w.OP[k], w.ustring(p) + w.i32(o["version"])
        if k in ("exists", "getData", "getChildren", "getChildren2"):
            return k, w.OP[k], w.ustring(p) + w.boolean(o.get("watch", False))
        if k == "setData":
            return k, w.OP[k], (w.ustring(p) + w.buffer(workload.dec_data(o["data"]))
                                + w.i32(o["version"]))
        if k == "check":
            return k, w.OP[k], w.ustring(p) + w.i32(o["version"])
        if k in ("getACL", "sync", "getAllChildrenNumber", "getEphemerals"):
            return k, w.OP[k], w.ustring(p)
        if k == "setACL":
            return k, w.OP[k], w.ustring(p) + w.acl_list(o["acl"]) + w.i32(o["version"])
        if k in ("checkWatches", "removeWatches"):
            return k, w.OP[k], w.ustring(p) + w.i32(o["type"])
        if k == "addWatch":
            return k, w.OP[k], w.ustring(p) + w.i32(o["mode"])
        if k in ("setWatches", "setWatches2"):
            lists = ["data", "exist", "child"] + (["persistent", "recursive"]
                                                  if k == "setWatches2" else [])
            body = w.i64(self.zxid_ref(sess, o["relZxid"]))
            for key in lists:
                body += w.vector([self.resolve(x) for x in o.get(key, [])], w.ustring)
            return k, w.OP[k], body
        if k == "whoAmI":
            return k, w.OP[k], b""
        if k == "auth":
            auth = o["auth"]
            return k, w.OP[k], (w.i32(0) + w.ustring(o["scheme"])
                                + w.buffer(None if auth is None else auth.encode()))
        if k in ("multi", "multiRead"):
            body = b""
            for sub in o["ops"]:
                name, code, sb = self.encode(sess, sub)
                body += w.i32(code) + w.boolean(False) + w.i32(-1) + sb
            body += w.i32(-1) + w.boolean(True) + w.i32(-1)
            return k, w.OP[k], body
        if k == "raw":
            return w.OP_NAME.get(o["opcode"], "op%d" % o["opcode"]), o["opcode"], \
                bytes.fromhex(o["body"])
        raise ValueError("cannot encode %r" % k)

    def can_read(self, sess, path):
        return may_read(self.acl.get("/" if path == "" else path), sess.ids)

    def aux_refresh(self, paths):
        """Read the current ACL of `paths` through the aux (super) session."""
        if not self.aux_ok or not paths:
            return
        conn = self.aux
        xids = {}
        for p in paths:
            x = conn.next_xid()
            xids[x] = p
            conn.send(w.request_header(x, w.OP["getACL"]) + w.ustring(p))
        while xids:
            try:
                payload = conn.read_frame()
            except (Closed, TimeoutError):
                self.aux_ok = False
                return
            r = w.Reader(payload)
            xid, _, err = w.read_reply_header(r)
            p = xids.pop(xid, None)
            if p is not None and err == 0:
                self.acl[p] = [tuple(a) for a in r.vector(w.read_acl)]

    # ---- the leader's decisions ----------------------------------------------------------
    def guard(self, sess, o, top_level):
        """Rewrites `o` in place where 3.8.0 and 3.9 would keep different watches (module
        doc); records why in o["_notes"]."""
        k = o["k"]
        p = self.resolve(o.get("path"))
        notes = []

        def pers(x):
            return x in sess.w_mode

        if k in ("getData", "exists", "getChildren", "getChildren2") and o.get("watch"):
            if pers(p):
                o["watch"] = False
                notes.append(("REWRITE", "%s %s watch=false: persistent watch held" % (k, p)))
            elif k == "exists" and (not top_level or not self.can_read(sess, p)):
                o["watch"] = False
                notes.append(("REWRITE", "exists %s watch=false: %s" % (
                    p, "no READ" if top_level else "in a pipeline")))
        if k in ("checkWatches", "removeWatches") and o["type"] in (1, 2) and pers(p):
            notes.append(("REWRITE", "%s %s type=%d -> checkWatches type=ANY: persistent "
                          "watch held" % (k, p, o["type"])))
            o["k"] = "checkWatches"
            o["type"] = 3
        if k == "addWatch" and o["mode"] in (0, 1) and (
                sess.std(p) or (p in sess.w_mode and sess.w_mode[p] != o["mode"])):
            notes.append(("REWRITE", "addWatch %s mode=%d -> checkWatches type=ANY: another "
                          "watch mode held" % (p, o["mode"])))
            for key in list(o):
                if key not in ("id", "s"):
                    del o[key]
            o.update({"k": "checkWatches", "path": p, "type": 3})
        if k in ("setWatches", "setWatches2"):
            lists = {key: [self.resolve(x) for x in o.get(key, [])]
                     for key in ("data", "exist", "child", "persistent", "recursive")}
            mine = set(lists["persistent"]) | set(lists["recursive"])
            dropped = []
            for key in ("data", "exist", "child"):
                keep = [x for x in lists[key] if not pers(x) and x not in mine]
                dropped += [(key, x) for x in lists[key] if x not in keep]
                lists[key] = keep
            for key, mode in (("persistent", 0), ("recursive", 1)):
                keep = [x for x in lists[key]
                        if not sess.std(x) and not (pers(x) and sess.w_mode[x] != mode)
                        and not (key == "persistent" and x in lists["recursive"])]
                dropped += [(key, x) for x in lists[key] if x not in keep]
                lists[key] = keep
            if dropped:
                notes.append(("REWRITE", "%s without %s: mixed watch modes" % (
                    k, ", ".join("%s=%s" % d for d in dropped))))
                for key in lists:
                    if key in o:
                        o[key] = lists[key]
        if notes:
            o["_notes"] = notes

    def plan(self, o):
        """The leader's concrete version of operation `o` (a copy)."""
        o = _copy(o)
        k = o["k"]
        sess = self.sessions.get(o["s"])
        if sess is None or k in ("connect", "probe"):
            return o
        needs_conn = k not in ("reconnect", "disconnect")
        if needs_conn and not sess.alive():
            o["_reconnect"] = {"watches": sess.watch_lists()}
            # The guards see the watches as they will be once re-set.
        if k == "pipeline":
            # Each request is guarded against the watches the earlier ones will leave (a
            # copy of the registry, updated as if each registration succeeds).
            tmp = Session(sess.sid, sess.passwd, sess.label, sess.timeout)
            tmp.ids = set(sess.ids)
            tmp.w_data, tmp.w_exist = set(sess.w_data), set(sess.w_exist)
            tmp.w_child, tmp.w_mode = set(sess.w_child), dict(sess.w_mode)
            for sub in o["ops"]:
                self.guard(tmp, sub, top_level=False)
                p = self.resolve(sub.get("path"))
                if sub["k"] == "addWatch" and sub["mode"] in (0, 1):
                    tmp.w_mode[p] = sub["mode"]
                elif sub["k"] in ("getData", "exists") and sub.get("watch"):
                    tmp.w_data.add(p)
                elif sub["k"] in ("getChildren", "getChildren2") and sub.get("watch"):
                    tmp.w_child.add(p)
                elif sub["k"] in ("setWatches", "setWatches2"):
                    for key, target in (("data", tmp.w_data), ("exist", tmp.w_exist),
                                        ("child", tmp.w_child)):
                        target.update(self.resolve(x) for x in sub.get(key, []))
                    for key, mode in (("persistent", 0), ("recursive", 1)):
                        for x in sub.get(key, []):
                            tmp.w_mode[self.resolve(x)] = mode
        elif k == "reconnect":
            if o.get("watches"):
                # An explicit reconnect replaces the client's registry with its own lists.
                saved = (sess.w_data, sess.w_exist, sess.w_child, sess.w_mode)
                sess.clear_watches()
                self.guard(sess, o["watches"], top_level=True)
                sess.w_data, sess.w_exist, sess.w_child, sess.w_mode = saved
        elif k != "disconnect":
            self.guard(sess, o, top_level=True)
        if o.get("_reconnect") and o["_reconnect"]["watches"]:
            self.guard(sess, o["_reconnect"]["watches"], top_level=True)
        return o

    # ---- sessions ------------------------------------------------------------------------
    def label(self, slot):
        g = self.gen.get(slot, 0)
        self.gen[slot] = g + 1
        return "S%d.%d" % (slot, g)

    def connect_response(self, payload, label):
        r = w.Reader(payload)
        try:
            c = w.read_connect_response(r)
        except w.DecodeError:
            return ("C", "UNDECODED", payload.hex()), None
        sid = c["sessionId"]
        if sid != 0 and sid not in self.labels:
            self.labels[sid] = label
        name = self.labels.get(sid, 0 if sid == 0 else "?%x" % sid)
        return ("C", c["protocolVersion"], c["timeOut"], name, len(c["passwd"] or b""),
                c.get("readOnly"), c["trailing"]), c

    def handshake(self, conn, protocol, last_zxid, timeout, sid, passwd, label, out,
                  pipelined=()):
        conn.send(w.connect_request(protocol, last_zxid, timeout, sid, passwd))
        for payload in pipelined:
            conn.send(payload)
        try:
            payload = conn.read_frame()
        except Closed:
            out.append(("CLOSED",))
            conn.close()
            return None
        except TimeoutError:
            out.append(("TIMEOUT",))
            conn.close()
            return None
        frame, c = self.connect_response(payload, label)
        out.append(frame)
        return c

    def new_conn(self, out):
        try:
            return Conn(self.port)
        except OSError as e:
            out.append(("CONNECTFAIL", type(e).__name__))
            return None

    # ---- operations ----------------------------------------------------------------------
    def run_op(self, o):
        """Runs one operation; returns (observation, the concrete operation run)."""
        if self.leader:
            o = self.plan(o)
        k = o["k"]
        out = []
        acl_before = dict(self.acl)   # a NodeDeleted event is about the node's last ACL
        sess = self.sessions.get(o["s"])
        if o.get("_reconnect") and sess is not None:
            out.append(("RECONNECT",))
            if sess.alive():
                out.append(("WAS-CONNECTED",))  # the leader's connection was gone, ours not
            self.reconnect_session(sess, o["_reconnect"]["watches"], True, out)
        if k == "connect":
            self.op_connect(o, o["s"], out)
        elif k == "probe":
            self.op_probe(o, sess, out)
        elif k == "reconnect" and sess is not None:
            self.op_reconnect(o, sess, out)
        elif sess is None or not sess.alive():
            if k != "disconnect":
                out.append(("NOTCONN",))
        elif k == "disconnect":
            self.orphan_watches(sess)
            sess.conn.close()
            self.wait_server_closed(sess.conn)
        elif k == "close":
            self.op_close(o, sess, out)
        elif k == "auth":
            self.op_auth(o, sess, out)
        elif k == "pipeline":
            self.op_requests(sess, o["ops"], out)
        else:
            self.op_requests(sess, [o], out)
        idle = self.idle()
        self.after(o, out)
        # Shadow verdicts for events, once the op's new nodes have their ACLs.
        by_label = {x.label: x for x in self.sessions.values()}
        idle = tuple((lbl, tuple(self.mark_event(by_label.get(lbl), f, acl_before)
                                 for f in fr)) for lbl, fr in idle)
        # `sess` as it was before the operation (a closed session is gone from the map).
        out = [self.mark_event(sess, f, acl_before) for f in out]
        return {"op": tuple(out), "idle": idle}, o

    def mark_event(self, sess, f, acl_before):
        if f[0] != "E":
            return f
        acl = self.acl.get("/" if f[3] == "" else f[3])
        if f[1] == "NodeDeleted" and f[3] in acl_before:
            acl = acl_before[f[3]]
        noread = sess is not None and not may_read(acl, sess.ids)
        return f[:5] + (note(noread=noread),)

    def op_requests(self, sess, ops, out):
        pending = {}
        xids = []
        watch_xid_used = False
        for o in ops:
            out.extend(o.get("_notes", ()))
            opname, code, body = self.encode(sess, o)
            if o["k"] in ("setWatches", "setWatches2") and not watch_xid_used:
                xid = w.SET_WATCHES_XID
                watch_xid_used = True
                sess.recent = []
            else:
                xid = sess.conn.next_xid()
            pending[xid] = (opname, o)
            xids.append(xid)
            self.ops_sent += 1
            sess.outstanding.append(opname)
            if not sess.conn.send(w.request_header(xid, code) + body):
                # The server closed the connection while we were still sending (it does
                # so on an oversized frame): read what it sent before closing.
                break
        if xids:
            n = len(out)
            ok = self.read_until(sess, xids, pending, out)
            sess.outstanding = []
            if ok and any(f[0] == "R" and f[2] == "UNIMPLEMENTED" for f in out[n:]):
                # ZooKeeper closes the connection after answering an unknown opcode
                # (UnimplementedRequestProcessor: sendCloseSession) but keeps reading until
                # then: a ping sent now may or may not be answered. Wait for the close.
                self.await_close(sess.conn, out, CLOSE_TIMEOUT_S)

    def op_auth(self, o, sess, out):
        opname, code, body = self.encode(sess, o)
        sess.conn.send(w.request_header(w.AUTH_XID, code) + body)
        self.ops_sent += 1
        n = len(out)
        self.read_until(sess, [w.AUTH_XID], {w.AUTH_XID: ("auth", o)}, out)
        if any(f[0] == "R" and f[1] == "auth" and f[2] == "OK" for f in out[n:]):
            sess.auths.append((o["scheme"], o["auth"]))
            self.add_ids(sess, o["scheme"], o["auth"])

    def add_ids(self, sess, scheme, auth):
        if scheme == "digest" and auth is not None:
            d = workload.digest(auth)
            if d == SUPER_DIGEST:
                sess.ids.add(("super", ""))
            sess.ids.add(("digest", d))
        elif scheme == "ip":
            sess.ids.add(("ip", "127.0.0.1"))

    def op_connect(self, o, s, out):
        old = self.sessions.get(s)
        if old is not None and old.conn is not None and old.conn.alive:
            self.orphan_watches(old)
            old.conn.close()
            self.wait_server_closed(old.conn)
        conn = self.new_conn(out)
        if conn is None:
            return
        label = self.label(s)
        pipelined = []
        pending = {}
        tmp = Session(0, b"", label, o["timeout"])
        tmp.conn = conn
        for sub in o.get("pipelined", []):
            opname, code, body = self.encode(tmp, sub)
            xid = conn.next_xid()
            pending[xid] = (opname, sub)
            pipelined.append(w.request_header(xid, code) + body)
        self.ops_sent += 1 + len(pipelined)
        c = self.handshake(conn, 0, 0, o["timeout"], 0, b"\0" * 16, label, out, pipelined)
        if c is None or c["sessionId"] == 0:
            conn.close()
            self.sessions.pop(s, None)
            return
        sess = Session(c["sessionId"], c["passwd"], label, o["timeout"])
        sess.conn = conn
        sess.ids = {("ip", "127.0.0.1")}
        self.sessions[s] = sess
        if pending:
            self.read_until(sess, list(pending), pending, out)

    def op_reconnect(self, o, sess, out):
        """An explicit reconnect with the operation's own setWatches lists."""
        if o.get("steal") and sess.alive():
            # The client moved on without closing its old connection (it thought it dead):
            # the server must close the old one.
            old = sess.conn
            self.reconnect_session(sess, o.get("watches"), o.get("reauth"), out, keep_old=True)
            old_frames = []
            self.await_close(old, old_frames, REPLY_TIMEOUT_S)
            out.append(("OLD-CONNECTION",) + tuple(old_frames))
            return
        self.reconnect_session(sess, o.get("watches"), o.get("reauth"), out)

    def orphan_watches(self, sess):
        """sess's connection goes away: keep its watches as an Orphan if it leaks them."""
        if sess.leaks:
            self.orphans.append(Orphan(sess))
            sess.leaks = False

    def reconnect_session(self, sess, watches, reauth, out, keep_old=False):
        self.orphan_watches(sess)
        if sess.conn is not None and not keep_old:
            was_alive = sess.conn.alive
            sess.conn.close()
            if was_alive:
                # ZooKeeper unmaps a session from its connection by session id alone
                # (removeCnxnFromSessionMap): an old connection's close processed after the
                # new connection registered would unmap the new one, and a later
                # reconnect could not close it. Let the close land first.
                self.wait_server_closed(sess.conn)
        conn = self.new_conn(out)
        if conn is None:
            return
        sess.conn = conn
        sess.ids = {("ip", "127.0.0.1")}
        sess.clear_watches()
        self.ops_sent += 1
        c = self.handshake(conn, 0, sess.last_zxid, sess.timeout, sess.sid, sess.passwd,
                           sess.label, out)
        if c is None or c["sessionId"] == 0:
            conn.close()
            return
        # Then what the Java client's primeConnection queues: auth packets, then setWatches.
        auths, sess.auths = sess.auths, []
        if reauth:
            for scheme, auth in auths:
                self.op_auth({"k": "auth", "scheme": scheme, "auth": auth}, sess, out)
                if not conn.alive:
                    return
        if watches:
            self.op_requests(sess, [dict(watches)], out)

    def op_close(self, o, sess, out):
        self.orphan_watches(sess)
        xid = sess.conn.next_xid()
        self.ops_sent += 1
        sess.conn.send(w.request_header(xid, w.OP["closeSession"]))
        if self.read_until(sess, [xid], {xid: ("closeSession", o)}, out):
            self.await_close(sess.conn, out)
        self.closed.append((sess.sid, sess.passwd))
        sess.conn.close()
        self.sessions.pop(o["s"], None)

    def wait_server_closed(self, conn, timeout=5.0):
        """After the client closed `conn`: wait until the server has processed the close
        (its `cons` no longer lists the connection). ZooKeeper drops the connection's
        watches then; until it does, they still count (3.8.0's checkWatches sees other
        sessions' watches), so the next operation must not race with it."""
        needle = (":%d[" % conn.local_port).encode()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                    s.sendall(b"cons")
                    s.shutdown(socket.SHUT_WR)
                    data = b""
                    while True:
                        chunk = s.recv(65536)
                        if not chunk:
                            break
                        data += chunk
            except OSError:
                data = b""
            if needle not in data:
                return
            time.sleep(0.005)

    def await_close(self, conn, out, timeout=CLOSE_TIMEOUT_S):
        try:
            payload = conn.read_frame(timeout)
            out.append(("AFTERCLOSE", payload.hex()[:100]))
        except Closed:
            out.append(("CLOSED",))
        except TimeoutError:
            out.append(("NOTCLOSED",))
        conn.close()

    def op_probe(self, o, sess, out):
        kind = o["kind"]
        conn = self.new_conn(out)
        if conn is None:
            return
        label = "P%d" % o["id"]
        self.ops_sent += 1
        if kind == "request_before_connect":
            conn.send(w.request_header(1, w.OP["getData"]))
            self.await_close(conn, out)
            return
        sid, passwd, last, timeout, proto = 0, b"\0" * 16, 0, 30000, 0
        if kind == "timeout":
            timeout = o["timeout"]
        elif kind == "future_zxid":
            last = 1 << 40
        elif kind == "bad_password":
            if sess is None:
                out.append(("NOSESSION",))
                conn.close()
                return
            sid, passwd = sess.sid, b"\x01" * 16
        elif kind == "unknown_session":
            sid = 0x1234567890
        elif kind == "closed_session":
            if not self.closed:
                out.append(("NOSESSION",))
                conn.close()
                return
            sid, passwd = self.closed[-1]
        elif kind == "protocol_version":
            proto = o["version"]
        if kind in ("old_client", "read_only"):
            # A ConnectRequest without the trailing readOnly byte (clients before 3.4: the
            # response has none either), or with readOnly=true (a client that accepts a
            # read-only server; this server is not one).
            req = w.connect_request(0, 0, timeout, 0, passwd, read_only=kind == "read_only")
            if kind == "old_client":
                req = req[:-1]
            conn.send(req)
            try:
                frame, c = self.connect_response(conn.read_frame(), label)
                out.append(frame)
            except (Closed, TimeoutError) as e:
                out.append(("CLOSED",) if isinstance(e, Closed) else ("TIMEOUT",))
                conn.close()
                return
        else:
            c = self.handshake(conn, proto, last, timeout, sid, passwd, label, out)
        if c is None:
            return
        if c["sessionId"] == 0 or kind in ("bad_password", "closed_session"):
            self.await_close(conn, out)
            return
        xid = conn.next_xid()
        conn.send(w.request_header(xid, w.OP["closeSession"]))
        tmp = Session(c["sessionId"], c["passwd"], label, timeout)
        tmp.conn = conn
        if self.read_until(tmp, [xid], {xid: ("closeSession", {"k": "close"})}, out):
            self.await_close(conn, out)

    def idle(self):
        """Ping every live session and read it up to the ping's reply."""
        live = [sess for _, sess in sorted(self.sessions.items()) if sess.alive()]
        for sess in live:
            sess.conn.send(w.request_header(w.PING_XID, w.OP["ping"]))
        result = []
        for sess in live:
            frames = []
            conn = sess.conn
            while True:
                try:
                    payload = conn.read_frame()
                except Closed:
                    frames.append(("CLOSED",))
                    conn.close()
                    break
                except TimeoutError:
                    frames.append(("TIMEOUT",))
                    conn.close()
                    break
                frame, xid = self.decode_frame(sess, payload, {})
                frames.append(frame)
                if xid == w.PING_XID:
                    break
            result.append((sess.label, tuple(frames)))
        return tuple(result)

    def after(self, o, out):
        """Refresh the shadow ACLs of nodes the operation may have created or changed."""
        paths = set()
        for sub in [o] + o.get("ops", []) + o.get("pipelined", []):
            if sub.get("k") == "setACL":
                p = sub.get("_path")
                if isinstance(p, str) and p.startswith("/") and "\0" not in p:
                    paths.add(p)
        for f in out:
            if f[0] != "R" or f[2] != "OK":
                continue
            if f[1] in CREATES:
                body = f[4]
                p = body if isinstance(body, str) else body[0] if isinstance(body, tuple) \
                    else None
                if isinstance(p, str):
                    paths.add(p)
            elif f[1] == "multi" and isinstance(f[4], tuple):
                for res in f[4]:
                    if res[0] in ("create", "create2") and res[1] == 0:
                        paths.add(res[2])
        self.aux_refresh(sorted(paths))

    # ---- the whole run -------------------------------------------------------------------
    def start_aux(self):
        """The aux session (super digest): reads ACLs for the shadow; never compared."""
        # Retried: a server may answer ruok a moment before it accepts sessions (ZooKeeper
        # closes connections until its ZooKeeperServer runs). Nothing else ran yet.
        deadline = time.monotonic() + 30
        while True:
            conn = Conn(self.port)
            out = []
            c = self.handshake(conn, 0, 0, 3600000, 0, b"\0" * 16, "AUX", out)
            if c is not None and c["sessionId"] != 0:
                break
            conn.close()
            if time.monotonic() > deadline:
                raise RuntimeError("aux session failed: %r" % (out,))
            time.sleep(0.1)
        conn.send(w.request_header(w.AUTH_XID, w.OP["auth"]) + w.i32(0) + w.ustring("digest")
                  + w.buffer(("super:" + workload.SUPER_PASSWORD).encode()))
        payload = conn.read_frame()
        _, _, err = w.read_reply_header(w.Reader(payload))
        if err != 0:
            raise RuntimeError("aux super auth failed: %d" % err)
        self.aux = conn
        self.aux_refresh(["/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"])

    def finish(self):
        for sess in self.sessions.values():
            if sess.conn is not None:
                sess.conn.close()
        if self.aux:
            self.aux.close()


def run_leader(port, ops, follower_pipe=None):
    """Run `ops` against the server on `port`, leading: every concrete operation goes to
    `follower_pipe` (then None). Returns (observations, requests sent)."""
    run = ServerRun(port, leader=True)
    obs = []
    try:
        run.start_aux()
        for o in ops:
            ob, concrete = run.run_op(o)
            obs.append(ob)
            if follower_pipe is not None:
                follower_pipe.send(concrete)
    finally:
        if follower_pipe is not None:
            follower_pipe.send(None)
        run.finish()
    return obs, run.ops_sent


def run_follower(port, leader_pipe):
    """Run the leader's concrete operations against the server on `port`."""
    run = ServerRun(port, leader=False)
    obs = []
    try:
        run.start_aux()
        while True:
            o = leader_pipe.recv()
            if o is None:
                break
            obs.append(run.run_op(o)[0])
    finally:
        run.finish()
    return obs, run.ops_sent


def _copy(o):
    if isinstance(o, dict):
        return {k: _copy(v) for k, v in o.items()}
    if isinstance(o, list):
        return [_copy(v) for v in o]
    return o
