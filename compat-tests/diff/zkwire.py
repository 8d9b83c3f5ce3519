"""ZooKeeper client wire protocol, written from zookeeper.jute with `struct` only.

Deliberately independent of zkrs's `jute-codec` crate, so a codec bug cannot hide on both
sides of the differential test. Records follow
`zookeeper-jute/src/main/resources/zookeeper.jute` (ZooKeeper 3.8): big-endian ints, an i32
length before buffers, strings and vectors, -1 = null, booleans as one byte. Framing: every
packet is preceded by its i32 length.

Encoders return bytes; decoders take a `Reader` and raise `DecodeError` on short input.
"""

import struct

# ZooDefs.OpCode
OP = {
    "notification": 0, "create": 1, "delete": 2, "exists": 3, "getData": 4, "setData": 5,
    "getACL": 6, "setACL": 7, "getChildren": 8, "sync": 9, "ping": 11, "getChildren2": 12,
    "check": 13, "multi": 14, "create2": 15, "reconfig": 16, "checkWatches": 17,
    "removeWatches": 18, "createContainer": 19, "deleteContainer": 20, "createTTL": 21,
    "multiRead": 22, "auth": 100, "setWatches": 101, "sasl": 102, "getEphemerals": 103,
    "getAllChildrenNumber": 104, "setWatches2": 105, "addWatch": 106, "whoAmI": 107,
    "createSession": -10, "closeSession": -11, "error": -1,
}
OP_NAME = {v: k for k, v in OP.items()}

# KeeperException.Code
ERR_NAME = {
    0: "OK", -1: "SYSTEMERROR", -2: "RUNTIMEINCONSISTENCY", -3: "DATAINCONSISTENCY",
    -4: "CONNECTIONLOSS", -5: "MARSHALLINGERROR", -6: "UNIMPLEMENTED",
    -7: "OPERATIONTIMEOUT", -8: "BADARGUMENTS", -12: "UNKNOWNSESSION",
    -13: "NEWCONFIGNOQUORUM", -14: "RECONFIGINPROGRESS", -100: "APIERROR", -101: "NONODE",
    -102: "NOAUTH", -103: "BADVERSION", -108: "NOCHILDRENFOREPHEMERALS", -110: "NODEEXISTS",
    -111: "NOTEMPTY", -112: "SESSIONEXPIRED", -113: "INVALIDCALLBACK", -114: "INVALIDACL",
    -115: "AUTHFAILED", -118: "SESSIONMOVED", -119: "NOTREADONLY",
    -120: "EPHEMERALONLOCALSESSION", -121: "NOWATCHER", -122: "REQUESTTIMEOUT",
    -123: "RECONFIGDISABLED", -124: "SESSIONCLOSEDREQUIRESASLAUTH", -125: "QUOTAEXCEEDED",
    -127: "THROTTLEDOP",
}

EVENT_TYPE = {-1: "None", 1: "NodeCreated", 2: "NodeDeleted", 3: "NodeDataChanged",
              4: "NodeChildrenChanged", 5: "DataWatchRemoved", 6: "ChildWatchRemoved",
              7: "PersistentWatchRemoved"}
KEEPER_STATE = {-1: "Unknown", 0: "Disconnected", 1: "NoSyncConnected", 3: "SyncConnected",
                4: "AuthFailed", 5: "ConnectedReadOnly", 6: "SaslAuthenticated",
                -112: "Expired", 7: "Closed"}

NOTIFICATION_XID = -1
PING_XID = -2
AUTH_XID = -4
SET_WATCHES_XID = -8


def err_name(code):
    return ERR_NAME.get(code, str(code))


class DecodeError(Exception):
    pass


# ---- encoding -------------------------------------------------------------------------------

def i32(v):
    return struct.pack(">i", v)


def i64(v):
    return struct.pack(">q", v)


def boolean(v):
    return b"\x01" if v else b"\x00"


def buffer(b):
    if b is None:
        return i32(-1)
    return i32(len(b)) + b


def ustring(s):
    """A Jute ustring: UTF-8 bytes behind an i32 length; None is length -1.

    `bytes` are sent as they are (to send paths that are not valid UTF-8)."""
    if s is None:
        return i32(-1)
    b = s if isinstance(s, bytes) else s.encode("utf-8", "surrogatepass")
    return i32(len(b)) + b


def vector(items, enc):
    if items is None:
        return i32(-1)
    return i32(len(items)) + b"".join(enc(x) for x in items)


def acl(a):
    perms, scheme, ident = a
    return i32(perms) + ustring(scheme) + ustring(ident)


def acl_list(acls):
    return vector(acls, acl)


def frame(payload):
    return i32(len(payload)) + payload


def request_header(xid, op):
    return i32(xid) + i32(op)


def connect_request(protocol_version, last_zxid, timeout_ms, session_id, passwd,
                    read_only=False):
    return (i32(protocol_version) + i64(last_zxid) + i32(timeout_ms) + i64(session_id)
            + buffer(passwd) + boolean(read_only))


# ---- decoding -------------------------------------------------------------------------------

class Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def remaining(self):
        return len(self.data) - self.pos

    def take(self, n):
        if n < 0 or self.pos + n > len(self.data):
            raise DecodeError("need %d bytes at %d, have %d" % (n, self.pos, self.remaining()))
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def i32(self):
        return struct.unpack(">i", self.take(4))[0]

    def i64(self):
        return struct.unpack(">q", self.take(8))[0]

    def boolean(self):
        return self.take(1) != b"\x00"

    def buffer(self):
        n = self.i32()
        if n == -1:
            return None
        if n < -1:
            raise DecodeError("bad buffer length %d" % n)
        return self.take(n)

    def ustring(self):
        b = self.buffer()
        if b is None:
            return None
        return b.decode("utf-8", "surrogateescape")

    def vector(self, dec):
        n = self.i32()
        if n == -1:
            return None
        if n < -1:
            raise DecodeError("bad vector length %d" % n)
        return [dec(self) for _ in range(n)]

    def rest(self):
        return self.take(self.remaining())


STAT_FIELDS = ("czxid", "mzxid", "ctime", "mtime", "version", "cversion", "aversion",
               "ephemeralOwner", "dataLength", "numChildren", "pzxid")


def read_stat(r):
    return {
        "czxid": r.i64(), "mzxid": r.i64(), "ctime": r.i64(), "mtime": r.i64(),
        "version": r.i32(), "cversion": r.i32(), "aversion": r.i32(),
        "ephemeralOwner": r.i64(), "dataLength": r.i32(), "numChildren": r.i32(),
        "pzxid": r.i64(),
    }


def read_acl(r):
    perms = r.i32()
    return (perms, r.ustring(), r.ustring())


def read_reply_header(r):
    return r.i32(), r.i64(), r.i32()


def read_connect_response(r):
    resp = {"protocolVersion": r.i32(), "timeOut": r.i32(), "sessionId": r.i64(),
            "passwd": r.buffer()}
    if r.remaining() >= 1:
        resp["readOnly"] = r.boolean()
    resp["trailing"] = r.remaining()
    return resp
