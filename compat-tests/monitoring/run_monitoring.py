"""Monitoring differential suite: the same workload on Apache ZooKeeper 3.8.0 and on zkrs,
then every four-letter word and every AdminServer command fetched from both and compared:
structure (keys, their order, line formats, value types) and the values that must match
(znode, watch and ephemeral counts, Mode, per-namespace byte counts, ...). A second zkrs,
started with the Prometheus metrics provider, serves /metrics; its text is parsed and its
families checked against the names and types ZooKeeper 3.8.0 registers (read from its
source into zk-3.8.0-prometheus-metrics.txt: Debian's ZooKeeper has no Prometheus provider);
its `mntr` and admin `monitor` must list exactly the samples PrometheusMetricsProvider.dump
would (buildKeyForDump keys, double values). Two more fresh servers of each kind are taken
past zxid 0x100 to compare the digest log (`hash`, admin `hash`) and the digest checks.

Usage: python run_monitoring.py --out DIR [--zkrs-bin PATH]   (kazoo must be importable)
Prints one line per check and `monitoring: N passed, N failed`; writes DIR/outcomes.txt.
"""

import argparse
import json
import os
import re
import socket
import struct
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
import servers  # noqa: E402

from kazoo.client import KazooClient  # noqa: E402

RESULTS = []


def check(name, ok, detail=""):
    RESULTS.append((name, bool(ok), detail))
    print("%s %s%s" % ("PASS" if ok else "FAIL", name, "" if ok else ": " + detail), flush=True)


def four(port, word, extra=b""):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(word.encode() + extra)
        s.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            d = s.recv(65536)
            if not d:
                break
            chunks.append(d)
    return b"".join(chunks).decode("utf-8", "replace")


def http(port, path, method="GET"):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode()


class Run:
    """One server with the workload applied and its sessions kept open."""

    def __init__(self, kind, zkrs_bin, workdir, extra_cfg=""):
        self.port = servers.free_port()
        self.admin_port = servers.free_port()
        cfg = ("4lw.commands.whitelist=*\nadmin.enableServer=true\nadmin.serverPort=%d\n"
               % self.admin_port) + extra_cfg
        self.server = servers.Server(kind, workdir, self.port, zoo_cfg_extra=cfg,
                                     zkrs_bin=zkrs_bin)
        self.clients = []
        self.sessions = []

    def start(self):
        self.server.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if http(self.admin_port, "/commands/ruok")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)

    def workload(self):
        for _ in range(3):
            zk = KazooClient(hosts="127.0.0.1:%d" % self.port, timeout=30)
            zk.start(timeout=30)
            self.clients.append(zk)
            self.sessions.append(zk.client_id[0])
        a, b, c = self.clients
        a.create("/app", b"root")
        a.create("/app/cfg", b"x" * 10)
        a.create("/app/e1", b"eph", ephemeral=True)
        b.create("/app/e2", b"", ephemeral=True)
        b.create("/other", b"o")
        a.get("/app/cfg", watch=lambda e: None)
        b.get("/app/cfg", watch=lambda e: None)
        b.get_children("/app", watch=lambda e: None)
        c.exists("/nonexist", watch=lambda e: None)
        c.get("/other", watch=lambda e: None)
        for _ in range(5):
            a.get("/app")
        a.set("/other", b"new")
        c.sync("/")

    def stop(self):
        for zk in self.clients:
            try:
                zk.stop()
                zk.close()
            except Exception:  # noqa: BLE001 - best effort at teardown
                pass
        self.server.stop()

    def sid_names(self):
        return {s: "S%d" % i for i, s in enumerate(self.sessions)}


# ----- helpers --------------------------------------------------------------------------

def lines_kv(text, sep):
    out = []
    for ln in text.splitlines():
        if sep in ln:
            k, v = ln.split(sep, 1)
            out.append((k, v))
    return out


def value_shape(v):
    if re.fullmatch(r"-?\d+", v):
        return "int"
    if re.fullmatch(r"-?\d+\.\d+(E-?\d+)?|NaN|-?Infinity", v):
        return "double"
    return "str"


def json_shape(v):
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "double"
    if isinstance(v, str):
        return "str"
    if v is None:
        return "null"
    if isinstance(v, list):
        return "list"
    return "object"


SERVER_LINE = re.compile(r"^Zookeeper version: 3\.8\.0-.*, built on .*$")
BRIEF = re.compile(r"^ /[0-9a-f.:]+:\d+\[[01]\]\(queued=\d+,recved=\d+,sent=\d+\)$")
FULL = re.compile(r"^ /[0-9a-f.:]+:\d+\[1\]\(queued=\d+,recved=\d+,sent=\d+,sid=0x[0-9a-f]+,"
                  r"lop=[A-Z]+,est=\d+,to=\d+(,lcxid=0x[0-9a-f]+)?,lzxid=0x[0-9a-f]+,lresp=\d+,"
                  r"llat=\d+,minlat=\d+,avglat=\d+,maxlat=\d+\)$")
EXPIRE = re.compile(r"^\d+ expire at \w{3} \w{3} \d\d \d\d:\d\d:\d\d \w+ \d{4}:$")


def srvr_fields(text):
    return [k for k, _ in lines_kv(text, ": ")]


# ----- four-letter words ----------------------------------------------------------------

def compare_4lw(ref, zk):
    r = {w: four(ref.port, w) for w in ["ruok", "isro", "gtmk", "conf", "envi", "dirs", "wchs",
                                         "wchc", "wchp", "dump", "hash", "cons", "stat", "srvr",
                                         "mntr"]}
    z = {w: four(zk.port, w) for w in r}
    check("4lw ruok", r["ruok"] == z["ruok"] == "imok", repr((r["ruok"], z["ruok"])))
    check("4lw isro", r["isro"] == z["isro"] == "rw", repr((r["isro"], z["isro"])))
    check("4lw gtmk", r["gtmk"] == z["gtmk"] == "306", repr((r["gtmk"], z["gtmk"])))

    for w in ("srvr", "stat"):
        rf, zf = srvr_fields(r[w]), srvr_fields(z[w])
        ok = rf == zf and SERVER_LINE.match(z[w].splitlines()[0])
        rv, zv = dict(lines_kv(r[w], ": ")), dict(lines_kv(z[w], ": "))
        for k in ("Mode", "Node count", "Zxid", "Outstanding", "Connections"):
            ok = ok and rv.get(k) == zv.get(k)
        ok = ok and re.fullmatch(r"\d+/\d+\.\d+(E-?\d+)?/\d+", zv.get("Latency min/avg/max", ""))
        check("4lw " + w, ok, "ref %r\nzkrs %r" % (r[w], z[w]))
    rc = [ln for ln in r["stat"].splitlines() if ln.startswith(" /")]
    zc = [ln for ln in z["stat"].splitlines() if ln.startswith(" /")]
    check("4lw stat client lines", len(rc) == len(zc) and all(BRIEF.match(ln) for ln in zc),
          "%r vs %r" % (rc, zc))

    rconf, zconf = lines_kv(r["conf"], "="), lines_kv(z["conf"], "=")
    ok = [k for k, _ in rconf] == [k for k, _ in zconf]
    rd, zd = dict(rconf), dict(zconf)
    for k in ("secureClientPort", "tickTime", "maxClientCnxns", "minSessionTimeout",
              "maxSessionTimeout", "clientPortListenBacklog", "serverId"):
        ok = ok and rd.get(k) == zd.get(k)
    ok = ok and zd.get("dataDir", "").endswith("/version-2") and zd.get("clientPort") == str(zk.port)
    ok = ok and all(value_shape(rd[k]) == value_shape(zd[k]) for k in rd if k in zd)
    check("4lw conf", ok, "ref %r\nzkrs %r" % (r["conf"], z["conf"]))

    rk = [k for k, _ in lines_kv(r["envi"], "=")]
    zk_ = [k for k, _ in lines_kv(z["envi"], "=")]
    check("4lw envi keys", r["envi"].startswith("Environment:\n") and rk == zk_, "%r vs %r" % (rk, zk_))

    rk = [(k, value_shape(v)) for k, v in lines_kv(r["dirs"], ": ")]
    zk_ = [(k, value_shape(v)) for k, v in lines_kv(z["dirs"], ": ")]
    check("4lw dirs", rk == zk_ == [("datadir_size", "int"), ("logdir_size", "int")], "%r vs %r" % (rk, zk_))

    check("4lw wchs", r["wchs"] == z["wchs"], "%r vs %r" % (r["wchs"], z["wchs"]))
    check("4lw wchc", watch_map(r["wchc"], ref, False) == watch_map(z["wchc"], zk, False)
          and z["wchc"].endswith("\n\n"), "%r vs %r" % (r["wchc"], z["wchc"]))
    check("4lw wchp", watch_map(r["wchp"], ref, True) == watch_map(z["wchp"], zk, True)
          and z["wchp"].endswith("\n\n"), "%r vs %r" % (r["wchp"], z["wchp"]))
    check("4lw hash (digest log empty before zxid 0x80)", r["hash"] == z["hash"] == "",
          "%r vs %r" % (r["hash"], z["hash"]))

    check("4lw dump", dump_shape(r["dump"], ref) == dump_shape(z["dump"], zk),
          "\n%s\nvs\n%s" % (r["dump"], z["dump"]))

    rl = [ln for ln in r["cons"].splitlines() if ln]
    zl = [ln for ln in z["cons"].splitlines() if ln]
    ok = len(rl) == len(zl) and z["cons"].endswith("\n\n")
    ok = ok and sum(bool(FULL.match(ln)) for ln in rl) == sum(bool(FULL.match(ln)) for ln in zl) == 3
    ok = ok and all(FULL.match(ln) or BRIEF.match(ln) for ln in zl)
    to_r = sorted(re.findall(r",to=(\d+)", r["cons"]))
    to_z = sorted(re.findall(r",to=(\d+)", z["cons"]))
    check("4lw cons", ok and to_r == to_z, "\n%s\nvs\n%s" % (r["cons"], z["cons"]))

    compare_mntr(r["mntr"], z["mntr"])

    # Trace mask: stmk takes an 8-byte mask and echoes it; gtmk then reads it back.
    mask = struct.pack(">q", 0x1f2)
    rs, zs = four(ref.port, "stmk", mask), four(zk.port, "stmk", mask)
    rg, zg = four(ref.port, "gtmk"), four(zk.port, "gtmk")
    check("4lw stmk", rs == zs == "498" and rg == zg == "498", repr((rs, zs, rg, zg)))
    four(ref.port, "stmk", struct.pack(">q", 306))
    four(zk.port, "stmk", struct.pack(">q", 306))

    rs, zs = four(ref.port, "crst"), four(zk.port, "crst")
    rcons, zcons = four(ref.port, "cons"), four(zk.port, "cons")
    ok = rs == zs == "Connection stats reset.\n"
    ok = ok and all(re.search(r"lop=NA", ln) for ln in zcons.splitlines() if "sid=" in ln and "lop=PING" not in ln)
    check("4lw crst", ok and rcons.count("lop=") == zcons.count("lop="), "%r %r\n%s\n%s" % (rs, zs, rcons, zcons))

    rs, zs = four(ref.port, "srst"), four(zk.port, "srst")
    rv = dict(lines_kv(four(ref.port, "srvr"), ": "))
    zv = dict(lines_kv(four(zk.port, "srvr"), ": "))
    ok = rs == zs == "Server stats reset.\n"
    ok = ok and rv["Received"] == zv["Received"] == "1" and rv["Sent"] == zv["Sent"] == "1"
    rm = dict(lines_kv(four(ref.port, "mntr"), "\t"))
    zm = dict(lines_kv(four(zk.port, "mntr"), "\t"))
    ok = ok and rm["zk_cnt_app_read_per_namespace"] == zm["zk_cnt_app_read_per_namespace"] == "0"
    check("4lw srst", ok, "%r %r %r %r" % (rs, zs, rv, zv))


def watch_map(text, run, by_path):
    names = run.sid_names()
    out, cur = {}, None
    for ln in text.splitlines():
        if not ln:
            continue
        if ln.startswith("\t"):
            v = ln[1:]
            if by_path:
                v = names.get(int(v, 16), v)
            out[cur].append(v)
        else:
            cur = ln if by_path else names.get(int(ln, 16), ln)
            out[cur] = []
    return {k: sorted(v) for k, v in out.items()}


def dump_shape(text, run):
    names = run.sid_names()
    shape, section = [], None
    for ln in text.splitlines():
        if ln in ("SessionTracker dump:", "ephemeral nodes dump:", "Connections dump:"):
            section = ln
            shape.append(ln)
        elif re.fullmatch(r"(Session|Connections) Sets \(\d+\)/\((\d+)\):", ln):
            # The number of buckets depends on timing; the element count does not.
            shape.append(re.sub(r"\(\d+\)/", "(N)/", ln))
        elif EXPIRE.match(ln):
            continue
        elif ln.startswith("\tip: "):
            m = re.fullmatch(r"\tip: /[0-9a-f.:]+:\d+ sessionId: 0x([0-9a-f]+)", ln)
            shape.append("conn " + (names.get(int(m.group(1), 16), "0x0") if m else "BAD " + ln))
        elif ln.startswith("\t0x") and section == "SessionTracker dump:":
            shape.append("session " + names.get(int(ln[3:], 16), ln))
        elif re.fullmatch(r"0x[0-9a-f]+:", ln):
            shape.append("owner " + names.get(int(ln[2:-1], 16), ln))
        else:
            shape.append(ln)
    # Bucket membership depends on timing: compare sorted within each section.
    return sorted(shape)


def compare_mntr(rtext, ztext):
    r, z = lines_kv(rtext, "\t"), lines_kv(ztext, "\t")
    check("4lw mntr keys and order", [k for k, _ in r] == [k for k, _ in z],
          "first difference: %r" % next(((a, b) for a, b in zip([k for k, _ in r], [k for k, _ in z]) if a != b), None))
    rd, zd = dict(r), dict(z)
    bad = [k for k in rd if k in zd and value_shape(rd[k]) != value_shape(zd[k])
           and k != "zk_version"]
    check("4lw mntr value formats", not bad, repr([(k, rd[k], zd[k]) for k in bad]))
    same = ["zk_server_state", "zk_ephemerals_count", "zk_znode_count", "zk_watch_count",
            "zk_approximate_data_size", "zk_global_sessions", "zk_local_sessions",
            "zk_outstanding_requests", "zk_num_alive_connections", "zk_watch_bytes",
            "zk_connection_request_count", "zk_max_client_response_size",
            "zk_min_client_response_size", "zk_connection_drop_probability",
            "zk_cnt_node_changed_watch_count"]
    same += [k for k in rd if "_per_namespace" in k]
    diff = [(k, rd.get(k), zd.get(k)) for k in same if rd.get(k) != zd.get(k)]
    check("4lw mntr values", not diff, repr(diff))
    # The log path's summaries: how often each was fed (their values are timings).
    fed = ["zk_cnt_" + k for k in (
        "snapshottime", "dbinittime", "startup_snap_load_time", "startup_txns_loaded",
        "startup_txns_load_time", "sync_processor_queue_size", "sync_processor_queue_time_ms",
        "sync_process_time", "sync_processor_batch_size", "sync_processor_queue_flush_time_ms",
        "sync_processor_queue_and_flush_time_ms", "fsynctime")]
    fed += ["zk_sum_sync_processor_batch_size", "zk_sync_processor_request_queued"]
    diff = [(k, rd.get(k), zd.get(k)) for k in fed if rd.get(k) != zd.get(k) or rd.get(k) is None]
    check("4lw mntr log-path metrics fed", not diff, repr(diff))
    ok = int(zd.get("zk_open_file_descriptor_count", "-1")) > 0
    ok = ok and int(zd.get("zk_max_file_descriptor_count", "-1")) >= int(zd["zk_open_file_descriptor_count"])
    check("4lw mntr file descriptors", ok, repr((zd.get("zk_open_file_descriptor_count"),
                                                  zd.get("zk_max_file_descriptor_count"))))


# ----- AdminServer ----------------------------------------------------------------------

def json_keys(v, prefix=""):
    """Keys and value shapes, recursively through objects and the first list element."""
    out = []
    if isinstance(v, dict):
        for k, x in v.items():
            out.append((prefix + k, json_shape(x)))
            if isinstance(x, dict) and not re.fullmatch(r"[/\d].*", next(iter(x), "a")):
                out += json_keys(x, prefix + k + ".")
            if isinstance(x, list) and x and isinstance(x[0], dict):
                out += json_keys(x[0], prefix + k + "[].")
    return out


def compare_admin(ref, zk):
    rs, _, rlist = http(ref.admin_port, "/commands")
    zs, _, zlist = http(zk.admin_port, "/commands")
    rnames = re.findall(r'<a href="/commands/(\w+)">', rlist)
    znames = re.findall(r'<a href="/commands/(\w+)">', zlist)
    # 3.9 adds snapshot and restore; everything 3.8 lists must be there, sorted the same.
    check("admin /commands", rs == zs == 200 and [n for n in znames if n not in ("snapshot", "restore")] == rnames
          and znames == sorted(znames), "%r vs %r" % (rnames, znames))
    skip_values = {"environment", "system_properties"}
    must_match = {
        "configuration": ["tick_time", "max_client_cnxns", "min_session_timeout",
                          "max_session_timeout", "server_id", "client_port_listen_backlog"],
        "is_read_only": ["read_only"],
        "watch_summary": ["num_connections", "num_paths", "num_total_watches"],
        "get_trace_mask": ["tracemask"],
        "leader": ["error"],
        "observers": ["synced_observers", "observers"],
        "voting_view": ["current_config"],
        "zabstate": ["voting", "zabstate"],
        "hash": ["digests"],
    }
    for name in rnames:
        rs, rct, rb = http(ref.admin_port, "/commands/" + name)
        zs, zct, zb = http(zk.admin_port, "/commands/" + name)
        try:
            rj, zj = json.loads(rb), json.loads(zb)
        except ValueError as e:
            check("admin " + name, False, "bad JSON: %s\n%s" % (e, zb))
            continue
        rk, zk_ = json_keys(rj), json_keys(zj)
        if name in skip_values:
            rk = [k for k in rk if not k[0].startswith(("java.", "user.", "os.", "sun.", "jdk.", "file.", "line.", "path.", "native."))]
            zk_ = [k for k in zk_ if k in rk or not k[0].startswith(("java.", "user.", "os.", "sun.", "jdk.", "file.", "line.", "path.", "native.", "zookeeper."))]
            rk = [k for k in rk if k in zk_ or k[0] in ("command", "error")]
        if name in ("server_stats", "stats"):
            # Jackson orders the ServerStats bean's properties by reflection order, which
            # differs between JVM runs of ZooKeeper itself: compare that object as a set.
            rk = [k for k in rk if not k[0].startswith("server_stats.")] + sorted(
                k for k in rk if k[0].startswith("server_stats."))
            zk_ = [k for k in zk_ if not k[0].startswith("server_stats.")] + sorted(
                k for k in zk_ if k[0].startswith("server_stats."))
        ok = rs == zs and rk == zk_ and "application/json" in zct
        ok = ok and zb.startswith("{\n  \"") and " : " in zb
        diff = [(k, rj.get(k), zj.get(k)) for k in must_match.get(name, []) if rj.get(k) != zj.get(k)]
        check("admin " + name, ok and not diff, "%s vs %s\nkeys %r\nvs   %r\n%r" % (rs, zs, rk, zk_, diff))
    # last_snapshot (lsnp): both took their startup snapshot of zxid 0 just now.
    rl = json.loads(http(ref.admin_port, "/commands/lsnp")[2])
    zl = json.loads(http(zk.admin_port, "/commands/lsnp")[2])
    now = time.time()
    ok = rl.get("zxid") == zl.get("zxid") == "0" and list(rl) == list(zl)
    ok = ok and all(abs(now - j.get("timestamp", 0)) < 600 for j in (rl, zl))
    check("admin last_snapshot", ok, "%r vs %r" % (rl, zl))
    # Aliases and errors.
    _, _, a = http(zk.admin_port, "/commands/mntr")
    check("admin alias mntr", json.loads(a).get("command") == "monitor", a[:200])
    rs, _, rb = http(ref.admin_port, "/commands/nosuch")
    zs, _, zb = http(zk.admin_port, "/commands/nosuch")
    check("admin unknown command", rs == zs == 200 and rb == zb, "%r vs %r" % (rb, zb))
    for q in ("", "?traceMask=abc", "?traceMask=306"):
        rs, _, rb = http(ref.admin_port, "/commands/stmk" + q)
        zs, _, zb = http(zk.admin_port, "/commands/stmk" + q)
        check("admin set_trace_mask%s" % q, rs == zs and rb == zb, "%r vs %r" % (rb, zb))
    rs, _, rb = http(ref.admin_port, "/commands/dump")
    zs, _, zb = http(zk.admin_port, "/commands/dump")
    reph = {ref.sid_names()[int(k)]: v for k, v in json.loads(rb)["session_id_to_ephemeral_paths"].items()}
    zeph = {zk.sid_names()[int(k)]: v for k, v in json.loads(zb)["session_id_to_ephemeral_paths"].items()}
    check("admin dump ephemerals", reph == zeph, "%r vs %r" % (reph, zeph))
    rs, _, rb = http(ref.admin_port, "/commands/monitor")
    zs, _, zb = http(zk.admin_port, "/commands/monitor")
    rm, zm = json.loads(rb), json.loads(zb)
    check("admin monitor keys and order", list(rm) == list(zm), "")
    same = ["znode_count", "watch_count", "ephemerals_count", "approximate_data_size", "server_state",
            "global_sessions"] + [k for k in rm if "_per_namespace" in k]
    diff = [(k, rm.get(k), zm.get(k)) for k in same if rm.get(k) != zm.get(k)]
    check("admin monitor values", not diff, repr(diff))


# ----- digest log (hash) ----------------------------------------------------------------

HASH_LINE = re.compile(r"^([0-9a-f]+): (-?\d+)$")


def hash_run(kind, zkrs_bin, workdir):
    """A fresh server taken past zxid 0x100 (the digest log keeps every 128th zxid); returns
    the `hash` text, the admin `hash` JSON, and the `mntr` digest mismatch count."""
    run = Run(kind, zkrs_bin, workdir)
    try:
        run.start()
        zk = KazooClient(hosts="127.0.0.1:%d" % run.port, timeout=30)
        zk.start(timeout=30)
        run.clients.append(zk)
        zk.create("/h", b"")
        for i in range(300):
            zk.create("/h/n%d" % i, b"d" * (i % 7), ephemeral=(i % 3 == 0))
        zk.set("/h", b"last")
        zk.sync("/")
        text = four(run.port, "hash")
        _, _, body = http(run.admin_port, "/commands/hash")
        mntr = dict(lines_kv(four(run.port, "mntr"), "\t"))
        return text, json.loads(body), mntr.get("zk_digest_mismatches_count")
    finally:
        run.stop()


def compare_hash(zkrs_bin, workdir):
    rtext, rjson, rmis = hash_run("reference", None, os.path.join(workdir, "ref"))
    ztext, zjson, zmis = hash_run("zkrs", zkrs_bin, os.path.join(workdir, "zkrs"))
    # The digests differ (ctime/mtime are covered), the zxids they are logged at must not.
    rz = [HASH_LINE.match(ln) for ln in rtext.splitlines()]
    zz = [HASH_LINE.match(ln) for ln in ztext.splitlines()]
    ok = all(rz) and all(zz) and rtext.endswith("\n") and ztext.endswith("\n")
    ok = ok and [m.group(1) for m in rz] == [m.group(1) for m in zz] == ["80", "100"]
    check("4lw hash", ok, "%r vs %r" % (rtext, ztext))
    rd, zd = rjson.get("digests", []), zjson.get("digests", [])
    ok = [list(d) for d in rd] == [list(d) for d in zd] and len(zd) == 2
    ok = ok and [(d["zxid"], d["digest_version"]) for d in rd] == \
        [(d["zxid"], d["digest_version"]) for d in zd] == [(128, 2), (256, 2)]
    ok = ok and [str(d["digest"]) for d in zd] == [m.group(2) for m in zz]
    check("admin hash digests", ok, "%r vs %r" % (rjson, zjson))
    check("mntr digest_mismatches_count", rmis == zmis == "0", repr((rmis, zmis)))


# ----- Prometheus -----------------------------------------------------------------------

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')


def parse_exposition(text):
    """Text format 0.0.4: {family: (type, help, [(sample name, labels, value)])}."""
    fams, types, helps = {}, {}, {}
    for ln in text.splitlines():
        if not ln:
            continue
        if ln.startswith("# HELP "):
            name, _, h = ln[7:].partition(" ")
            helps[name] = h
            continue
        if ln.startswith("# TYPE "):
            name, _, t = ln[7:].partition(" ")
            types[name] = t
            fams.setdefault(name, [])
            continue
        if ln.startswith("#"):
            continue
        m = SAMPLE.match(ln)
        if not m:
            raise ValueError("bad sample line %r" % ln)
        sname, labels, value = m.group(1), m.group(3) or "", m.group(4)
        float(value.replace("+Inf", "inf").replace("-Inf", "-inf"))
        labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', labels))
        fam = sname
        for suffix in ("_count", "_sum"):
            if sname.endswith(suffix) and sname[: -len(suffix)] in types:
                fam = sname[: -len(suffix)]
        if fam not in types:
            raise ValueError("sample %r outside a family" % sname)
        fams[fam].append((sname, labels, value))
    return {f: (types[f], helps.get(f), s) for f, s in fams.items()}


JAVA_DOUBLE = re.compile(r"-?\d+\.\d+(E-?\d+)?|NaN|-?Infinity")


def prometheus_mntr_keys(registered):
    """The keys `mntr` must list with the Prometheus provider (PrometheusMetricsProvider.dump,
    buildKeyForDump), for the unlabelled families ZooKeeper 3.8.0 registers."""
    keys = set()
    for name, (typ, how) in registered.items():
        if how in ("Gauge", "Counter"):
            keys.add("zk_" + name)
        elif how in ("Basic", "Advanced"):
            qs = ["0.5"] if how == "Basic" else ["0.5", "0.9", "0.99"]
            keys |= {'zk_%s{quantile="%s"}' % (name, q) for q in qs}
            keys |= {"zk_%s_count" % name, "zk_%s_sum" % name}
    return keys


def check_prometheus_mntr(run, registered, fams):
    text = four(run.port, "mntr")
    kv = lines_kv(text, "\t")
    keys = [k for k, _ in kv]
    check("prometheus mntr starts with version and state",
          keys[:2] == ["zk_version", "zk_server_state"], repr(keys[:3]))
    metric_kv = kv[2:]
    unlabelled = {k for k, _ in metric_kv if "{key=" not in k and not k.startswith("zk_process_")}
    want = prometheus_mntr_keys(registered)
    check("prometheus mntr keys are the provider's samples", unlabelled == want,
          "missing %r extra %r" % (sorted(want - unlabelled)[:10], sorted(unlabelled - want)[:10]))
    bad = [(k, v) for k, v in metric_kv if not JAVA_DOUBLE.fullmatch(v)]
    check("prometheus mntr values are doubles", not bad, repr(bad[:5]))
    d = dict(metric_kv)
    sets = sorted(k for k in d if k.startswith("zk_write_per_namespace") and "{key=" in k)
    expect_sets = sorted('zk_write_per_namespace%s{key="%s"%s}' % (sfx, ns, q)
                         for ns in ("app", "other")
                         for sfx, q in (("", ',quantile="0.5"'), ("_count", ""), ("_sum", "")))
    check("prometheus mntr summary set keys", sets == expect_sets, "%r" % sets)
    # Same values as the exposition, sample by sample (what does not move between the two).
    exp = {}
    for f, (_, _, samples) in fams.items():
        for sname, labels, value in samples:
            lab = ",".join('%s="%s"' % kv_ for kv_ in labels.items())
            exp["zk_" + sname + ("{%s}" % lab if lab else "")] = float(value.replace("+Inf", "inf"))
    steady = ["zk_znode_count", "zk_ephemerals_count", "zk_watch_count", "zk_global_sessions",
              "zk_approximate_data_size", 'zk_write_per_namespace_count{key="app"}',
              'zk_write_per_namespace_sum{key="app"}', "zk_readlatency_count"]
    diff = [(k, d.get(k), exp.get(k)) for k in steady
            if d.get(k) is None or float(d[k]) != exp.get(k)]
    check("prometheus mntr values match /metrics", not diff, repr(diff))
    _, _, body = http(run.admin_port, "/commands/monitor")
    mj = json.loads(body)
    ok = [k for k in mj if k not in ("command", "error")] == [k[3:] for k in keys]
    ok = ok and all(isinstance(mj[k[3:]], float) or mj[k[3:]] in ("NaN",)
                    for k, _ in metric_kv)
    check("prometheus admin monitor has the same samples", ok, body[:300])


def compare_prometheus(zkrs_bin, workdir):
    expected = {}
    registered = {}
    with open(os.path.join(HERE, "zk-3.8.0-prometheus-metrics.txt")) as f:
        for ln in f:
            if ln.strip() and not ln.startswith("#"):
                name, typ, how = ln.split()
                expected[name] = typ
                registered[name] = (typ, how)
    mport = servers.free_port()
    run = Run("zkrs", zkrs_bin, workdir,
              "metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider\n"
              "metricsProvider.httpPort=%d\nmetricsProvider.httpHost=127.0.0.1\n" % mport)
    try:
        run.start()
        run.workload()
        status, ctype, text = http(mport, "/metrics")
        check("prometheus /metrics", status == 200 and ctype.startswith("text/plain; version=0.0.4"),
              "%s %s" % (status, ctype))
        try:
            fams = parse_exposition(text)
            check("prometheus parses", True)
        except ValueError as e:
            check("prometheus parses", False, str(e))
            return
        zk_fams = {f: t for f, (t, _, _) in fams.items() if not f.startswith("process_")}
        missing = sorted(set(expected) - set(zk_fams))
        extra = sorted(set(zk_fams) - set(expected))
        check("prometheus names match ZooKeeper's", not missing and not extra,
              "missing %r extra %r" % (missing, extra))
        wrong = sorted((f, t, expected[f]) for f, t in zk_fams.items() if f in expected and expected[f] != t)
        check("prometheus types match ZooKeeper's", not wrong, repr(wrong))
        helps = [f for f, (_, h, _) in fams.items() if not f.startswith("process_") and h != f]
        check("prometheus help is the name", not helps, repr(helps[:5]))
        proc = {"process_cpu_seconds_total", "process_start_time_seconds", "process_open_fds",
                "process_max_fds", "process_resident_memory_bytes", "process_virtual_memory_bytes"}
        check("prometheus process_* present, jvm_* absent", proc <= set(fams)
              and not [f for f in fams if f.startswith("jvm_") and f != "jvm_pause_time_ms"],
              repr(sorted(f for f in fams if f.startswith(("process_", "jvm_")))))
        val = {s[0]: float(s[2]) for f in ("znode_count", "ephemerals_count", "watch_count")
               for s in fams[f][2]}
        check("prometheus gauge values", val == {"znode_count": 10.0, "ephemerals_count": 2.0,
                                                 "watch_count": 4.0}, repr(val))
        wp = [(s[1].get("key"), s[1].get("quantile")) for s in fams["write_per_namespace"][2]
              if s[0] == "write_per_namespace"]
        check("prometheus summary set labels", sorted(wp) == [("app", "0.5"), ("other", "0.5")], repr(wp))
        rl = sorted(s[1].get("quantile") for s in fams["readlatency"][2] if s[0] == "readlatency")
        check("prometheus advanced summary quantiles", rl == ["0.5", "0.9", "0.99"], repr(rl))
        check_prometheus_mntr(run, registered, fams)
    finally:
        run.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--zkrs-bin", default=os.environ.get("ZKRS_BIN"))
    args = ap.parse_args()
    if args.zkrs_bin:
        args.zkrs_bin = os.path.abspath(args.zkrs_bin)
    os.makedirs(args.out, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="monitoring-")
    ref = Run("reference", None, os.path.join(tmp, "ref"))
    zk = Run("zkrs", args.zkrs_bin, os.path.join(tmp, "zkrs"))
    try:
        for run in (ref, zk):
            run.start()
            run.workload()
        compare_4lw(ref, zk)
        compare_admin(ref, zk)
    except Exception as e:  # noqa: BLE001 - a crash is one failure, reported
        check("suite ran", False, "%s: %s" % (type(e).__name__, e))
    finally:
        ref.stop()
        zk.stop()
    try:
        compare_hash(args.zkrs_bin, os.path.join(tmp, "hash"))
    except Exception as e:  # noqa: BLE001
        check("hash suite ran", False, "%s: %s" % (type(e).__name__, e))
    try:
        compare_prometheus(args.zkrs_bin, os.path.join(tmp, "prom"))
    except Exception as e:  # noqa: BLE001
        check("prometheus suite ran", False, "%s: %s" % (type(e).__name__, e))
    with open(os.path.join(args.out, "outcomes.txt"), "w") as f:
        for name, ok, _ in RESULTS:
            f.write("%s %s\n" % ("PASS" if ok else "FAIL", name))
    passed = sum(ok for _, ok, _ in RESULTS)
    print("monitoring: %d passed, %d failed" % (passed, len(RESULTS) - passed))
    return 0 if passed == len(RESULTS) else 1


if __name__ == "__main__":
    sys.exit(main())
