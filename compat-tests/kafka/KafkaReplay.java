/*
 * Kafka 3.8 (ZooKeeper mode) traffic, replayed with the ZooKeeper 3.8 Java client.
 *
 * The plan is /work/shared/reference/kafka-zk-usage.md section 9 (phases A-I); the
 * assertions are its section 7: multi result shapes, error codes, Stat fields,
 * sequential names and watch events. Every request is made with the same asynchronous
 * call Kafka's ZooKeeperClient makes, so the opcodes are Kafka's: create(StringCallback)
 * = 1, getChildren(Children2Callback) = 12, multi(MultiCallback) = 14 with
 * create/delete/setData/check sub-ops, exists = 3, getData = 4, setData = 5, delete = 2.
 *
 * Sessions: B1 B2 B3 (brokers), A1 A2 A3 (their authorizers), ADM (kafka-configs). Each
 * connects through its own in-process TCP proxy, so the replay can drop a connection
 * (the session survives: reconnect + setWatches) or partition a client until the server
 * expires its session for real.
 *
 * Usage: java KafkaReplay HOST:PORT OUTCOMES_FILE TRACE_FILE
 *   OUTCOMES_FILE gets `PASS kafka:<group>` / `FAIL kafka:<group>` lines (one per
 *   assertion group); TRACE_FILE gets every request and its normalised result (session
 *   ids as names, times as T), for a differential comparison between two servers.
 * Exit status 0 when every group passed, 1 otherwise.
 */

import java.io.*;
import java.net.*;
import java.nio.charset.StandardCharsets;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;

import org.apache.zookeeper.*;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Watcher.Event.EventType;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.data.*;

public class KafkaReplay {
    static final long OP_TIMEOUT_MS = 30_000;
    static final List<ACL> OPEN = ZooDefs.Ids.OPEN_ACL_UNSAFE;
    static final CreateMode P = CreateMode.PERSISTENT, E = CreateMode.EPHEMERAL,
            PS = CreateMode.PERSISTENT_SEQUENTIAL;

    static String serverHost;
    static int serverPort;
    static PrintWriter outcomes, trace;
    static final Map<Long, String> sessionNames = new ConcurrentHashMap<>();
    static int failedGroups = 0;

    // ------------------------------------------------------------------------------------
    // Test groups
    // ------------------------------------------------------------------------------------

    static String group;
    static List<String> problems = new ArrayList<>();

    interface Body { void run() throws Exception; }

    static void test(String name, Body body) {
        group = name;
        problems = new ArrayList<>();
        trace("## " + name);
        long started = System.currentTimeMillis();
        try {
            body.run();
        } catch (Throwable t) {
            StringWriter sw = new StringWriter();
            t.printStackTrace(new PrintWriter(sw));
            problems.add("exception: " + sw.toString().trim());
        }
        System.out.println("-- " + name + " (" + (System.currentTimeMillis() - started) + " ms)");
        if (problems.isEmpty()) {
            outcomes.println("PASS kafka:" + name);
        } else {
            failedGroups++;
            outcomes.println("FAIL kafka:" + name);
            for (String p : problems) System.out.println("   FAIL " + name + ": " + p);
        }
        outcomes.flush();
        trace.flush();
        System.out.flush();
    }

    static void check(boolean ok, String what) {
        if (!ok) problems.add(what);
    }

    static void checkEq(Object want, Object got, String what) {
        if (!Objects.equals(want, got)) problems.add(what + ": want <" + want + "> got <" + got + ">");
    }

    static void trace(String line) {
        synchronized (trace) { trace.println(line); }
    }

    // ------------------------------------------------------------------------------------
    // A TCP proxy per session: lets the replay drop connections and partition a client.
    // ------------------------------------------------------------------------------------

    static final class Proxy {
        final ServerSocket listener;
        volatile boolean refusing = false;
        final List<Socket> open = Collections.synchronizedList(new ArrayList<>());

        Proxy() throws IOException {
            listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread t = new Thread(this::acceptLoop, "proxy-accept-" + listener.getLocalPort());
            t.setDaemon(true);
            t.start();
        }

        int port() { return listener.getLocalPort(); }

        void acceptLoop() {
            while (!listener.isClosed()) {
                Socket client;
                try { client = listener.accept(); } catch (IOException e) { return; }
                if (refusing) { closeQuietly(client); continue; }
                try {
                    Socket server = new Socket(serverHost, serverPort);
                    client.setTcpNoDelay(true);
                    server.setTcpNoDelay(true);
                    open.add(client);
                    open.add(server);
                    pump(client, server);
                    pump(server, client);
                } catch (IOException e) {
                    closeQuietly(client);
                }
            }
        }

        void pump(Socket from, Socket to) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[65536];
                try {
                    InputStream in = from.getInputStream();
                    OutputStream out = to.getOutputStream();
                    int n;
                    while ((n = in.read(buf)) > 0) { out.write(buf, 0, n); out.flush(); }
                } catch (IOException ignored) {
                } finally {
                    closeQuietly(from);
                    closeQuietly(to);
                    open.remove(from);
                    open.remove(to);
                }
            }, "proxy-pump");
            t.setDaemon(true);
            t.start();
        }

        /** New connections are accepted and closed at once; open ones stay. */
        void refuse() { refusing = true; }

        void allow() { refusing = false; }

        /** Close every open connection (the client sees the connection drop). */
        void cut() {
            List<Socket> copy;
            synchronized (open) { copy = new ArrayList<>(open); }
            for (Socket s : copy) closeQuietly(s);
        }

        void close() { refuse(); closeQuietly(listener); cut(); }
    }

    static void closeQuietly(Closeable c) {
        try { c.close(); } catch (IOException ignored) { }
    }

    // ------------------------------------------------------------------------------------
    // Sessions
    // ------------------------------------------------------------------------------------

    static final class Sess implements Watcher {
        final String name;
        final Proxy proxy;
        final ZooKeeper zk;
        final LinkedBlockingQueue<WatchedEvent> events = new LinkedBlockingQueue<>();
        final LinkedBlockingQueue<KeeperState> states = new LinkedBlockingQueue<>();
        final int requestedTimeout;

        /** A new session through a new proxy. */
        Sess(String name, int timeoutMs) throws Exception {
            this(name, timeoutMs, new Proxy(), 0, null);
        }

        /** A handle with an explicit session id/password (0/null: new session). */
        Sess(String name, int timeoutMs, Proxy proxy, long id, byte[] pw) throws Exception {
            this.name = name;
            this.proxy = proxy;
            this.requestedTimeout = timeoutMs;
            String connect = proxy != null ? "127.0.0.1:" + proxy.port() : serverHost + ":" + serverPort;
            this.zk = id == 0 ? new ZooKeeper(connect, timeoutMs, this)
                    : new ZooKeeper(connect, timeoutMs, this, id, pw);
        }

        @Override
        public void process(WatchedEvent e) {
            if (e.getType() == EventType.None) states.add(e.getState());
            else events.add(e);
        }

        KeeperState awaitState(long ms, KeeperState... wanted) throws InterruptedException {
            long deadline = System.currentTimeMillis() + ms;
            List<KeeperState> want = Arrays.asList(wanted);
            while (true) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) return null;
                KeeperState s = states.poll(left, TimeUnit.MILLISECONDS);
                if (s == null) return null;
                if (want.contains(s)) return s;
            }
        }

        void connected() throws Exception {
            KeeperState s = awaitState(OP_TIMEOUT_MS, KeeperState.SyncConnected, KeeperState.Expired,
                    KeeperState.AuthFailed);
            if (s != KeeperState.SyncConnected)
                throw new IllegalStateException(name + ": not connected (" + s + ")");
            sessionNames.put(zk.getSessionId(), name);
        }

        long id() { return zk.getSessionId(); }

        void close() throws InterruptedException {
            zk.close();
            if (proxy != null) proxy.close();
        }
    }

    static Sess connect(String name, int timeoutMs) throws Exception {
        Sess s = new Sess(name, timeoutMs);
        s.connected();
        trace(name + " connect timeout=" + timeoutMs + " -> negotiated=" + s.zk.getSessionTimeout());
        checkEq(timeoutMs, s.zk.getSessionTimeout(), name + " negotiated session timeout");
        check(s.id() != 0, name + " session id is 0");
        check(s.zk.getSessionPasswd() != null && s.zk.getSessionPasswd().length == 16,
                name + " password is not 16 bytes");
        return s;
    }

    // ------------------------------------------------------------------------------------
    // Requests: Kafka's asynchronous calls, with results and a normalised trace
    // ------------------------------------------------------------------------------------

    static final class R {
        int rc;
        String name;          // create: the created path
        byte[] data;          // getData
        Stat stat;            // exists/getData/setData/getChildren2
        List<String> children;
        List<OpResult> results; // multi
        String desc;

        boolean ok() { return rc == 0; }

        String dataStr() { return data == null ? null : new String(data, StandardCharsets.UTF_8); }
    }

    static final class Pending {
        final Sess s;
        final String desc;
        final CompletableFuture<R> f = new CompletableFuture<>();
        final int seq;
        volatile int doneOrder = -1;

        Pending(Sess s, String desc, int seq) { this.s = s; this.desc = desc; this.seq = seq; }
    }

    static final AtomicInteger completionCounter = new AtomicInteger();

    static Pending start(Sess s, String desc) {
        return new Pending(s, desc, 0);
    }

    static void complete(Pending p, R r) {
        p.doneOrder = completionCounter.incrementAndGet();
        r.desc = p.desc;
        p.f.complete(r);
    }

    static R await(Pending p) throws Exception {
        R r;
        try {
            r = p.f.get(OP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            trace(p.s.name + " " + p.desc + " -> TIMEOUT");
            throw new IllegalStateException(p.s.name + " " + p.desc + ": no reply in " + OP_TIMEOUT_MS + " ms");
        }
        trace(p.s.name + " " + p.desc + " -> " + fmt(r));
        return r;
    }

    static Pending createA(Sess s, String path, byte[] data, CreateMode mode) {
        Pending p = start(s, "create " + path + " " + mode + " " + dataDesc(data));
        s.zk.create(path, data, OPEN, mode, (rc, path1, ctx, name) -> {
            R r = new R(); r.rc = rc; r.name = name; complete(p, r);
        }, null);
        return p;
    }

    static Pending getDataA(Sess s, String path, boolean watch) {
        Pending p = start(s, "getData " + path + (watch ? " w" : ""));
        s.zk.getData(path, watch, (rc, path1, ctx, data, stat) -> {
            R r = new R(); r.rc = rc; r.data = data; r.stat = stat; complete(p, r);
        }, null);
        return p;
    }

    static Pending existsA(Sess s, String path, boolean watch) {
        Pending p = start(s, "exists " + path + (watch ? " w" : ""));
        s.zk.exists(path, watch, (rc, path1, ctx, stat) -> {
            R r = new R(); r.rc = rc; r.stat = stat; complete(p, r);
        }, null);
        return p;
    }

    static Pending childrenA(Sess s, String path, boolean watch) {
        Pending p = start(s, "getChildren2 " + path + (watch ? " w" : ""));
        s.zk.getChildren(path, watch, (AsyncCallback.Children2Callback) (rc, path1, ctx, children, stat) -> {
            R r = new R(); r.rc = rc; r.children = children; r.stat = stat; complete(p, r);
        }, null);
        return p;
    }

    static Pending setDataA(Sess s, String path, byte[] data, int version) {
        Pending p = start(s, "setData " + path + " v=" + version + " " + dataDesc(data));
        s.zk.setData(path, data, version, (rc, path1, ctx, stat) -> {
            R r = new R(); r.rc = rc; r.stat = stat; complete(p, r);
        }, null);
        return p;
    }

    static Pending deleteA(Sess s, String path, int version) {
        Pending p = start(s, "delete " + path + " v=" + version);
        s.zk.delete(path, version, (rc, path1, ctx) -> {
            R r = new R(); r.rc = rc; complete(p, r);
        }, null);
        return p;
    }

    static Pending multiA(Sess s, Op... ops) {
        StringBuilder d = new StringBuilder("multi [");
        for (int i = 0; i < ops.length; i++) {
            if (i > 0) d.append("; ");
            d.append(opDesc(ops[i]));
        }
        d.append("]");
        Pending p = start(s, d.toString());
        s.zk.multi(Arrays.asList(ops), (rc, path, ctx, results) -> {
            R r = new R(); r.rc = rc; r.results = results; complete(p, r);
        }, null);
        return p;
    }

    static R create(Sess s, String path, byte[] data, CreateMode mode) throws Exception {
        return await(createA(s, path, data, mode));
    }

    static R getData(Sess s, String path, boolean watch) throws Exception { return await(getDataA(s, path, watch)); }

    static R exists(Sess s, String path, boolean watch) throws Exception { return await(existsA(s, path, watch)); }

    static R children(Sess s, String path, boolean watch) throws Exception { return await(childrenA(s, path, watch)); }

    static R setData(Sess s, String path, byte[] data, int version) throws Exception {
        return await(setDataA(s, path, data, version));
    }

    static R delete(Sess s, String path, int version) throws Exception { return await(deleteA(s, path, version)); }

    static R multi(Sess s, Op... ops) throws Exception { return await(multiA(s, ops)); }

    interface Issue { Pending issue(); }

    /**
     * Kafka's handleRequests: up to 10 requests in flight on one session, each sent after
     * a permit is taken, permits released by the callbacks. Replies must come back in
     * request order.
     */
    static List<R> pipeline(Sess s, List<Issue> reqs) throws Exception {
        Semaphore permits = new Semaphore(10);
        List<Pending> ps = new ArrayList<>();
        for (Issue i : reqs) {
            if (!permits.tryAcquire(OP_TIMEOUT_MS, TimeUnit.MILLISECONDS))
                throw new IllegalStateException("pipeline: no permit in time");
            Pending p = i.issue();
            p.f.whenComplete((r, t) -> permits.release());
            ps.add(p);
        }
        List<R> rs = new ArrayList<>();
        for (Pending p : ps) rs.add(await(p));
        for (int i = 1; i < ps.size(); i++)
            check(ps.get(i - 1).doneOrder < ps.get(i).doneOrder,
                    s.name + " pipelined replies out of order at " + ps.get(i).desc);
        return rs;
    }

    /** A round trip on the session: every event queued before it has been delivered. */
    static void barrier(Sess s) throws Exception {
        Pending p = start(s, "barrier");
        s.zk.exists("/", false, (rc, path, ctx, stat) -> { R r = new R(); r.rc = rc; complete(p, r); }, null);
        p.f.get(OP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    // ------------------------------------------------------------------------------------
    // Formatting
    // ------------------------------------------------------------------------------------

    static byte[] b(String s) { return s == null ? null : s.getBytes(StandardCharsets.UTF_8); }

    static String dataDesc(byte[] d) {
        if (d == null) return "null";
        String s = new String(d, StandardCharsets.UTF_8);
        return s.length() > 60 ? "'" + s.substring(0, 57) + "...'(" + d.length + ")" : "'" + s + "'";
    }

    static String opDesc(Op op) {
        org.apache.jute.Record r = op.toRequestRecord();
        if (r instanceof org.apache.zookeeper.proto.CheckVersionRequest)
            return "check " + op.getPath() + " v=" + ((org.apache.zookeeper.proto.CheckVersionRequest) r).getVersion();
        if (r instanceof org.apache.zookeeper.proto.SetDataRequest) {
            org.apache.zookeeper.proto.SetDataRequest s = (org.apache.zookeeper.proto.SetDataRequest) r;
            return "setData " + op.getPath() + " v=" + s.getVersion() + " " + dataDesc(s.getData());
        }
        if (r instanceof org.apache.zookeeper.proto.DeleteRequest)
            return "delete " + op.getPath() + " v=" + ((org.apache.zookeeper.proto.DeleteRequest) r).getVersion();
        if (r instanceof org.apache.zookeeper.proto.CreateRequest) {
            org.apache.zookeeper.proto.CreateRequest c = (org.apache.zookeeper.proto.CreateRequest) r;
            return "create(" + op.getType() + ") " + op.getPath() + " flags=" + c.getFlags() + " " + dataDesc(c.getData());
        }
        return op.getClass().getSimpleName() + " " + op.getPath();
    }

    static String sess(long id) {
        if (id == 0) return "0";
        String n = sessionNames.get(id);
        return n != null ? "<" + n + ">" : "<session?>";
    }

    static String time(long t) { return t == 0 ? "0" : "T"; }

    static String fmtStat(Stat s) {
        if (s == null) return "stat=null";
        return String.format("stat{czxid=%x mzxid=%x pzxid=%x ctime=%s mtime=%s version=%d cversion=%d aversion=%d "
                        + "owner=%s dataLength=%d numChildren=%d}",
                s.getCzxid(), s.getMzxid(), s.getPzxid(), time(s.getCtime()), time(s.getMtime()), s.getVersion(),
                s.getCversion(), s.getAversion(), sess(s.getEphemeralOwner()), s.getDataLength(),
                s.getNumChildren());
    }

    static String fmtResult(OpResult o) {
        if (o instanceof OpResult.ErrorResult) return "Error(" + ((OpResult.ErrorResult) o).getErr() + ")";
        if (o instanceof OpResult.CreateResult) {
            OpResult.CreateResult c = (OpResult.CreateResult) o;
            return "Create(" + c.getPath() + (c.getStat() != null ? " " + fmtStat(c.getStat()) : "") + ")";
        }
        if (o instanceof OpResult.SetDataResult) return "SetData(" + fmtStat(((OpResult.SetDataResult) o).getStat()) + ")";
        if (o instanceof OpResult.DeleteResult) return "Delete";
        if (o instanceof OpResult.CheckResult) return "Check";
        return o.getClass().getSimpleName();
    }

    static String fmt(R r) {
        StringBuilder sb = new StringBuilder("rc=" + r.rc);
        if (r.name != null) sb.append(" name=").append(r.name);
        if (r.data != null || r.stat != null && r.children == null && r.results == null && r.desc.startsWith("getData"))
            sb.append(" data=").append(dataDesc(r.data));
        if (r.children != null) {
            List<String> c = new ArrayList<>(r.children);
            Collections.sort(c);
            sb.append(" children=").append(c);
        }
        if (r.stat != null) sb.append(" ").append(fmtStat(r.stat));
        if (r.results != null) {
            sb.append(" results=[");
            for (int i = 0; i < r.results.size(); i++) {
                if (i > 0) sb.append(", ");
                sb.append(fmtResult(r.results.get(i)));
            }
            sb.append("]");
        }
        return sb.toString();
    }

    static String ev(WatchedEvent e) { return e.getType() + " " + e.getPath(); }

    // ------------------------------------------------------------------------------------
    // Assertions on results
    // ------------------------------------------------------------------------------------

    static void expectRc(R r, Code want) {
        checkEq(want.intValue(), r.rc, r.desc + " rc");
    }

    static void expectOk(R r) { expectRc(r, Code.OK); }

    static void expectCreated(R r, String path) {
        expectOk(r);
        checkEq(path, r.name, r.desc + " created path");
    }

    /** A successful multi: result classes in order. */
    static void expectMultiOk(R r, Class<?>... types) {
        checkEq(0, r.rc, r.desc + " rc");
        if (r.results == null) { problems.add(r.desc + ": no results"); return; }
        checkEq(types.length, r.results.size(), r.desc + " number of results");
        for (int i = 0; i < Math.min(types.length, r.results.size()); i++)
            check(types[i].isInstance(r.results.get(i)),
                    r.desc + " result " + i + ": want " + types[i].getSimpleName() + " got " + fmtResult(r.results.get(i)));
        for (OpResult o : r.results) {
            if (o instanceof OpResult.CreateResult)
                check(((OpResult.CreateResult) o).getStat() == null,
                        r.desc + ": CreateResult carries a stat (create2 reply to a create op?)");
        }
    }

    /** A failed multi: rc = first non-zero error, ErrorResult per op with these codes. */
    static void expectMultiErr(R r, int... errs) {
        int first = 0;
        for (int e : errs) if (e != 0) { first = e; break; }
        checkEq(first, r.rc, r.desc + " rc");
        if (r.results == null) { problems.add(r.desc + ": no per-op results (null list)"); return; }
        List<Integer> got = new ArrayList<>();
        for (OpResult o : r.results)
            got.add(o instanceof OpResult.ErrorResult ? ((OpResult.ErrorResult) o).getErr() : 999);
        List<Integer> want = new ArrayList<>();
        for (int e : errs) want.add(e);
        checkEq(want, got, r.desc + " per-op ErrorResult codes (999 = not an ErrorResult)");
    }

    static Stat setDataStat(R r, int i) {
        if (r.results == null || r.results.size() <= i || !(r.results.get(i) instanceof OpResult.SetDataResult))
            return null;
        return ((OpResult.SetDataResult) r.results.get(i)).getStat();
    }

    static void expectChildren(R r, String... names) {
        expectOk(r);
        List<String> want = new ArrayList<>(Arrays.asList(names));
        Collections.sort(want);
        List<String> got = r.children == null ? null : new ArrayList<>(r.children);
        if (got != null) Collections.sort(got);
        checkEq(want, got, r.desc + " children");
        if (r.stat != null) checkEq(names.length, r.stat.getNumChildren(), r.desc + " stat.numChildren");
        else problems.add(r.desc + ": getChildren2 without a stat");
    }

    static void expectData(R r, String data, int version) {
        expectOk(r);
        checkEq(data, r.dataStr(), r.desc + " data");
        if (r.stat != null) {
            checkEq(version, r.stat.getVersion(), r.desc + " stat.version");
            checkEq(data == null ? 0 : b(data).length, r.stat.getDataLength(), r.desc + " stat.dataLength");
        } else problems.add(r.desc + ": no stat");
    }

    static void expectRecentCtime(R r) {
        if (r.stat == null) return;
        long now = System.currentTimeMillis();
        check(Math.abs(now - r.stat.getCtime()) < 60_000,
                r.desc + " ctime " + r.stat.getCtime() + " is not wall-clock ms (now " + now + ")");
        check(Math.abs(now - r.stat.getMtime()) < 60_000,
                r.desc + " mtime " + r.stat.getMtime() + " is not wall-clock ms (now " + now + ")");
    }

    /**
     * The watch events the session has received up to now (a round trip first), compared
     * with `want` as a multiset; they are traced in sorted order.
     */
    static void expectEvents(Sess s, String... want) throws Exception {
        barrier(s);
        List<String> got = new ArrayList<>();
        WatchedEvent e;
        while ((e = s.events.poll()) != null) {
            got.add(ev(e));
            check(e.getState() == KeeperState.SyncConnected,
                    s.name + " event " + ev(e) + " has state " + e.getState());
        }
        Collections.sort(got);
        List<String> w = new ArrayList<>(Arrays.asList(want));
        Collections.sort(w);
        trace(s.name + " events " + got);
        checkEq(w, got, s.name + " watch events");
    }

    /** Wait (bounded) until the session has received `want` (server-initiated events). */
    static void awaitEvents(Sess s, long ms, String... want) throws Exception {
        List<String> w = new ArrayList<>(Arrays.asList(want));
        Collections.sort(w);
        List<String> got = new ArrayList<>();
        long deadline = System.currentTimeMillis() + ms;
        while (got.size() < w.size()) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) break;
            WatchedEvent e = s.events.poll(left, TimeUnit.MILLISECONDS);
            if (e != null) got.add(ev(e));
        }
        barrier(s);
        WatchedEvent e;
        while ((e = s.events.poll()) != null) got.add(ev(e));
        Collections.sort(got);
        trace(s.name + " events " + got);
        checkEq(w, got, s.name + " watch events (waited up to " + ms + " ms)");
    }

    // ------------------------------------------------------------------------------------
    // Kafka's znode contents (opaque to the server; fixed timestamps keep the trace stable)
    // ------------------------------------------------------------------------------------

    static final String TS = "1717000000000";
    static final String CLUSTER_ID = "{\"version\":\"1\",\"id\":\"q1Sh-9_ISia_zwGINzRvyQ\"}";
    static final String FEATURE = "{\"features\":{\"metadata.version\":{\"max_version_level\":20}},\"version\":2,\"status\":1}";
    static final String FEATURE2 = "{\"features\":{\"metadata.version\":{\"max_version_level\":21}},\"version\":2,\"status\":1}";
    static final int[][] ASSIGNMENT = {{1, 2, 3}, {2, 3, 1}, {3, 1, 2}, {1, 3, 2}, {2, 1, 3}, {3, 2, 1}};
    static final String[] TOPICS = {"t1", "t2", "t3"};
    static final String[] ACL_TYPES = {"Cluster", "DelegationToken", "Group", "Topic", "TransactionalId", "User"};

    static String brk(int n) {
        return "{\"features\":{\"metadata.version\":{\"min_version\":1,\"max_version\":20}},"
                + "\"listener_security_protocol_map\":{\"PLAINTEXT\":\"PLAINTEXT\"},\"endpoints\":[\"PLAINTEXT://host"
                + n + ":9092\"],\"jmx_port\":-1,\"port\":9092,\"host\":\"host" + n + "\",\"version\":5,\"timestamp\":\""
                + TS + "\"}";
    }

    static String ctl(int n) {
        return "{\"version\":2,\"brokerid\":" + n + ",\"timestamp\":\"" + TS + "\",\"kraftControllerEpoch\":-1}";
    }

    static String cfg(String m) { return "{\"version\":1,\"config\":{" + m + "}}"; }

    static String chg(String p) { return "{\"version\":2,\"entity_path\":\"" + p + "\"}"; }

    static String asg(String t) {
        StringBuilder sb = new StringBuilder("{\"partitions\":{");
        for (int p = 0; p < 6; p++) {
            if (p > 0) sb.append(',');
            sb.append('"').append(p).append("\":").append(list(ASSIGNMENT[p]));
        }
        return sb + "},\"topic_id\":\"id-" + t + "-AAAAAAAAAAAAA\",\"adding_replicas\":{},\"removing_replicas\":{},\"version\":3}";
    }

    static String list(int[] a) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < a.length; i++) { if (i > 0) sb.append(','); sb.append(a[i]); }
        return sb.append(']').toString();
    }

    static String aclJson(String... ops) {
        StringBuilder sb = new StringBuilder("{\"version\":1,\"acls\":[");
        for (int i = 0; i < ops.length; i++) {
            if (i > 0) sb.append(',');
            sb.append("{\"principal\":\"User:alice\",\"permissionType\":\"Allow\",\"operation\":\"").append(ops[i])
                    .append("\",\"host\":\"*\"}");
        }
        return sb.append("]}").toString();
    }

    /** Partition state, mirrored locally: the replay computes what the controller writes. */
    static final class PState {
        int leader, leaderEpoch, ctlEpoch, version;
        List<Integer> isr = new ArrayList<>();

        String json() {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < isr.size(); i++) { if (i > 0) sb.append(','); sb.append(isr.get(i)); }
            return "{\"controller_epoch\":" + ctlEpoch + ",\"leader\":" + leader + ",\"version\":1,\"leader_epoch\":"
                    + leaderEpoch + ",\"isr\":" + sb + "]}";
        }
    }

    static final Map<String, PState> states = new TreeMap<>();

    static String statePath(String tp) {
        String[] a = tp.split("/");
        return "/brokers/topics/" + a[0] + "/partitions/" + a[1] + "/state";
    }

    static List<String> partitions(String... topics) {
        List<String> l = new ArrayList<>();
        for (String t : topics) for (int p = 0; p < 6; p++) l.add(t + "/" + p);
        return l;
    }

    /** multi [check /controller_epoch v; setData state v=current] for each changed partition. */
    static void writeStates(Sess s, int epochZkVersion, Map<String, PState> changes) throws Exception {
        List<String> keys = new ArrayList<>(changes.keySet());
        List<Issue> reqs = new ArrayList<>();
        for (String tp : keys) {
            PState cur = states.get(tp), next = changes.get(tp);
            reqs.add(() -> multiA(s, Op.check("/controller_epoch", epochZkVersion),
                    Op.setData(statePath(tp), b(next.json()), cur.version)));
        }
        List<R> rs = pipeline(s, reqs);
        for (int i = 0; i < keys.size(); i++) {
            R r = rs.get(i);
            expectMultiOk(r, OpResult.CheckResult.class, OpResult.SetDataResult.class);
            PState cur = states.get(keys.get(i)), next = changes.get(keys.get(i));
            Stat st = setDataStat(r, 1);
            if (st != null) checkEq(cur.version + 1, st.getVersion(), r.desc + " partition epoch (state version)");
            next.version = cur.version + 1;
            states.put(keys.get(i), next);
        }
    }

    /** Read states (pipelined, no watch) and compare with the local mirror. */
    static void readStates(Sess s, List<String> tps) throws Exception {
        List<Issue> reqs = new ArrayList<>();
        for (String tp : tps) reqs.add(() -> getDataA(s, statePath(tp), false));
        List<R> rs = pipeline(s, reqs);
        for (int i = 0; i < tps.size(); i++) {
            PState st = states.get(tps.get(i));
            expectData(rs.get(i), st.json(), st.version);
        }
    }

    static PState copy(PState s) {
        PState n = new PState();
        n.leader = s.leader; n.leaderEpoch = s.leaderEpoch; n.ctlEpoch = s.ctlEpoch; n.version = s.version;
        n.isr = new ArrayList<>(s.isr);
        return n;
    }

    // ------------------------------------------------------------------------------------
    // The replay
    // ------------------------------------------------------------------------------------

    static Sess b1, b2, b3, a1, a2, a3, adm;
    static long epochB1, epochB2, epochB3;
    static int V;                      // controller epoch zkVersion of the active controller
    static int aclVersionA2;           // the authorizer cache's version of /kafka-acl/Topic/t1

    static final String[] TOP_LEVEL = {"/consumers", "/brokers/ids", "/brokers/topics", "/config/changes",
            "/admin/delete_topics", "/brokers/seqid", "/isr_change_notification", "/latest_producer_id_block",
            "/log_dir_event_notification", "/config/topics", "/config/clients", "/config/users", "/config/brokers",
            "/config/ips"};

    /** Kafka's createTopLevelPaths on a later broker: every create answers NODEEXISTS. */
    static void createTopLevelPathsExisting(Sess s) throws Exception {
        for (String p : TOP_LEVEL) expectRc(create(s, p, null, P), Code.NODEEXISTS);
    }

    /** Broker registration (CheckedEphemeral): multi [create E null; setData v=0]. */
    static long register(Sess s, int id) throws Exception {
        String path = "/brokers/ids/" + id;
        R r = multi(s, Op.create(path, null, OPEN, E), Op.setData(path, b(brk(id)), 0));
        expectMultiOk(r, OpResult.CreateResult.class, OpResult.SetDataResult.class);
        if (r.results != null && r.results.size() == 2 && r.results.get(0) instanceof OpResult.CreateResult)
            checkEq(path, ((OpResult.CreateResult) r.results.get(0)).getPath(), r.desc + " CreateResult path");
        Stat st = setDataStat(r, 1);
        if (st == null) return -1;
        checkEq(1, st.getVersion(), r.desc + " SetDataResult version (create then setData in one multi)");
        checkEq(st.getCzxid(), st.getMzxid(), r.desc + " czxid == mzxid (one txn)");
        checkEq(s.id(), st.getEphemeralOwner(), r.desc + " ephemeralOwner == session id");
        checkEq(b(brk(id)).length, st.getDataLength(), r.desc + " dataLength");
        R reg = new R();
        reg.stat = st;
        reg.desc = "registration stat";
        expectRecentCtime(reg);
        return st.getCzxid();
    }

    /** A42-A44: an AclAuthorizer's startup (createAclPaths, change listeners, loadCache). */
    static void authorizerStartup(Sess a, boolean first) throws Exception {
        Code c = first ? Code.OK : Code.NODEEXISTS;
        expectRc(create(a, "/kafka-acl", null, P), c);
        for (String t : ACL_TYPES) expectRc(create(a, "/kafka-acl/" + t, null, P), c);
        if (first) {
            expectRc(create(a, "/kafka-acl-extended/prefixed", null, P), Code.NONODE);
            expectRc(create(a, "/kafka-acl-extended", null, P), Code.OK);
        }
        expectRc(create(a, "/kafka-acl-extended/prefixed", null, P), c);
        for (String t : ACL_TYPES) expectRc(create(a, "/kafka-acl-extended/prefixed/" + t, null, P), c);
        expectRc(create(a, "/kafka-acl-changes", null, P), c);
        expectRc(create(a, "/kafka-acl-extended-changes", null, P), c);
        expectChildren(children(a, "/kafka-acl-changes", true));
        expectChildren(children(a, "/kafka-acl-extended-changes", true));
        expectChildren(children(a, "/kafka-acl", false), ACL_TYPES);
        for (String t : ACL_TYPES) expectChildren(children(a, "/kafka-acl/" + t, false));
        expectChildren(children(a, "/kafka-acl-extended/prefixed", false), ACL_TYPES);
        for (String t : ACL_TYPES) expectChildren(children(a, "/kafka-acl-extended/prefixed/" + t, false));
    }

    /** A39-A41: coordinators and ZkConfigManager startup reads. */
    static void brokerStartupReads(Sess s) throws Exception {
        expectRc(getData(s, "/brokers/topics/__consumer_offsets", false), Code.NONODE);
        expectRc(getData(s, "/brokers/topics/__transaction_state", false), Code.NONODE);
        expectChildren(children(s, "/config/changes", true));
        for (String t : new String[]{"topics", "clients", "users", "brokers", "ips"})
            expectOk(children(s, "/config/" + t, false));
    }

    /** A ZkNodeChangeNotificationListener reacting to its child event (read, with watch). */
    static void readNotifications(Sess s, String dir, String prefix, int... seqs) throws Exception {
        String[] names = new String[seqs.length];
        for (int i = 0; i < seqs.length; i++) names[i] = String.format("%s%010d", prefix, seqs[i]);
        R r = children(s, dir, true);
        expectChildren(r, names);
        if (r.children != null) {
            List<String> sorted = new ArrayList<>(r.children);
            Collections.sort(sorted);
            for (String n : sorted) {
                long seq = Long.parseLong(n.substring(n.lastIndexOf(prefix) + prefix.length()));
                check(seq >= 0, "sequence suffix of " + n);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: KafkaReplay HOST:PORT OUTCOMES TRACE");
            System.exit(2);
        }
        String[] hp = args[0].split(":");
        serverHost = hp[0];
        serverPort = Integer.parseInt(hp[1]);
        outcomes = new PrintWriter(new FileWriter(args[1]));
        trace = new PrintWriter(new FileWriter(args[2]));
        long t0 = System.currentTimeMillis();
        try {
            phaseA();
            phaseB();
            phaseC();
            phaseD();
            phaseE();
            phaseBlip();
            phaseF();
            phaseG();
            phaseH();
            phaseI();
            phaseR();
            phaseR2();
            phaseS();
        } finally {
            trace.flush();
            outcomes.flush();
        }
        System.out.println("kafka replay finished in " + (System.currentTimeMillis() - t0) + " ms, "
                + failedGroups + " failed groups");
        System.exit(failedGroups == 0 ? 0 : 1);
    }

    // Phase A ---------------------------------------------------------------------------

    static void phaseA() {
        test("A01-broker1-connect", () -> b1 = connect("B1", 6000));
        test("A02-top-level-paths", () -> {
            expectCreated(create(b1, "/consumers", null, P), "/consumers");
            expectRc(create(b1, "/brokers/ids", null, P), Code.NONODE);
            expectCreated(create(b1, "/brokers", null, P), "/brokers");
            expectCreated(create(b1, "/brokers/ids", null, P), "/brokers/ids");
            expectCreated(create(b1, "/brokers/topics", null, P), "/brokers/topics");
            expectRc(create(b1, "/config/changes", null, P), Code.NONODE);
            expectCreated(create(b1, "/config", null, P), "/config");
            expectCreated(create(b1, "/config/changes", null, P), "/config/changes");
            expectRc(create(b1, "/admin/delete_topics", null, P), Code.NONODE);
            expectCreated(create(b1, "/admin", null, P), "/admin");
            expectCreated(create(b1, "/admin/delete_topics", null, P), "/admin/delete_topics");
            for (String p : new String[]{"/brokers/seqid", "/isr_change_notification", "/latest_producer_id_block",
                    "/log_dir_event_notification", "/config/topics", "/config/clients", "/config/users",
                    "/config/brokers", "/config/ips"})
                expectCreated(create(b1, p, null, P), p);
        });
        test("A03-null-data-and-empty-data", () -> {
            // §7.4: a node created with null data returns null, not an empty array.
            R r = getData(b1, "/latest_producer_id_block", false);
            expectData(r, null, 0);
            check(r.data == null, "getData /latest_producer_id_block: data must be null, got "
                    + (r.data == null ? "null" : r.data.length + " bytes"));
            expectRecentCtime(r);
            // Producer id block (IBP < 3.0 path / AllocateProducerIds): setData v=0, then stale v=0.
            String blk = "{\"version\":1,\"broker\":1,\"block_start\":\"0\",\"block_end\":\"999\"}";
            R s1 = setData(b1, "/latest_producer_id_block", b(blk), 0);
            expectOk(s1);
            if (s1.stat != null) checkEq(1, s1.stat.getVersion(), "producer id block version");
            expectRc(setData(b1, "/latest_producer_id_block", b(blk), 0), Code.BADVERSION);
            // /brokers/seqid: setData(empty array, -1) => broker id from stat.version.
            R q = setData(b1, "/brokers/seqid", new byte[0], -1);
            expectOk(q);
            if (q.stat != null) {
                checkEq(1, q.stat.getVersion(), "seqid version after one setData");
                checkEq(0, q.stat.getDataLength(), "seqid dataLength");
            }
            R q2 = getData(b1, "/brokers/seqid", false);
            expectOk(q2);
            check(q2.data != null && q2.data.length == 0, "/brokers/seqid: empty data must stay empty, not null");
            R q3 = setData(b1, "/brokers/seqid", new byte[0], -1);
            if (q3.stat != null) checkEq(2, q3.stat.getVersion(), "setData with identical data still bumps version");
        });
        test("A04-cluster-id", () -> {
            expectRc(getData(b1, "/cluster/id", false), Code.NONODE);
            expectRc(create(b1, "/cluster/id", b(CLUSTER_ID), P), Code.NONODE);
            expectCreated(create(b1, "/cluster", null, P), "/cluster");
            expectCreated(create(b1, "/cluster/id", b(CLUSTER_ID), P), "/cluster/id");
            expectData(getData(b1, "/cluster/id", false), CLUSTER_ID, 0);
        });
        test("A05-startup-reads-and-feature-watch", () -> {
            expectRc(getData(b1, "/config/brokers/<default>", false), Code.NONODE);
            expectRc(getData(b1, "/config/brokers/1", false), Code.NONODE);
            expectChildren(children(b1, "/brokers/topics", false));
            expectRc(exists(b1, "/feature", true), Code.NONODE);   // exists-watch on a missing node
            expectRc(getData(b1, "/feature", true), Code.NONODE);  // registers nothing
            expectChildren(children(b1, "/brokers/ids", false));
        });
        test("A06-broker1-registration-multi", () -> epochB1 = register(b1, 1));
        test("A07-controller-election", () -> {
            expectRc(exists(b1, "/controller", true), Code.NONODE);
            expectRc(getData(b1, "/controller", true), Code.NONODE);
            expectRc(getData(b1, "/controller_epoch", false), Code.NONODE);
            expectCreated(create(b1, "/controller_epoch", b("0"), P), "/controller_epoch");
            R r = multi(b1, Op.create("/controller", b(ctl(1)), OPEN, E),
                    Op.setData("/controller_epoch", b("1"), 0));
            expectMultiOk(r, OpResult.CreateResult.class, OpResult.SetDataResult.class);
            Stat st = setDataStat(r, 1);
            V = st == null ? -1 : st.getVersion();
            checkEq(1, V, "controller epoch zkVersion after election");
            R c = getData(b1, "/controller", false);
            expectData(c, ctl(1), 0);
            if (c.stat != null) {
                checkEq(b1.id(), c.stat.getEphemeralOwner(), "/controller ephemeralOwner");
                if (st != null) checkEq(st.getMzxid(), c.stat.getCzxid(), "/controller czxid == election multi zxid");
            }
            // The exists-watch of the election fires for the controller's own create.
            expectEvents(b1, "NodeCreated /controller");
        });
        test("A08-feature-versioning", () -> {
            expectRc(getData(b1, "/feature", true), Code.NONODE);
            expectCreated(create(b1, "/feature", b(FEATURE), P), "/feature");
            // §3.4 step 20: the controller waits for its own exists-watch (A15) to fire.
            expectEvents(b1, "NodeCreated /feature");
            expectData(getData(b1, "/feature", true), FEATURE, 0);
            expectData(getData(b1, "/feature", true), FEATURE, 0);
        });
        test("A09-controller-failover-reads", () -> {
            expectRc(exists(b1, "/admin/preferred_replica_election", true), Code.NONODE);
            expectRc(exists(b1, "/admin/reassign_partitions", true), Code.NONODE);
            expectChildren(children(b1, "/log_dir_event_notification", true));
            expectChildren(children(b1, "/isr_change_notification", true));
            expectChildren(children(b1, "/brokers/ids", true), "1");
            R r = getData(b1, "/brokers/ids/1", false);
            expectData(r, brk(1), 1);
            if (r.stat != null) {
                checkEq(epochB1, r.stat.getCzxid(), "broker epoch (czxid) of /brokers/ids/1");
                checkEq(b1.id(), r.stat.getEphemeralOwner(), "/brokers/ids/1 ephemeralOwner");
            }
            expectChildren(children(b1, "/brokers/topics", true));
            expectOk(exists(b1, "/brokers/ids/1", true));
            expectChildren(children(b1, "/admin/delete_topics", true));
            expectRc(exists(b1, "/admin/reassign_partitions", true), Code.NONODE);
            expectRc(getData(b1, "/admin/preferred_replica_election", true), Code.NONODE);
        });
        test("A10-fenced-delete-of-absent-node", () -> {
            // §3.4 step 32: always sent; must be [ErrorResult(0), ErrorResult(-101)], header OK.
            R r = multi(b1, Op.check("/controller_epoch", V), Op.delete("/admin/preferred_replica_election", -1));
            expectMultiErr(r, 0, Code.NONODE.intValue());
            expectRc(exists(b1, "/admin/preferred_replica_election", true), Code.NONODE);
        });
        test("A11-broker1-startup-reads", () -> {
            brokerStartupReads(b1);
            expectEvents(b1);
        });
        test("A12-authorizer1-startup", () -> {
            a1 = connect("A1", 18000);
            authorizerStartup(a1, true);
            expectEvents(a1);
        });
    }

    // Phase B ---------------------------------------------------------------------------

    static Sess brokerJoins(String name, int id) throws Exception {
        Sess s = connect(name, 18000);
        createTopLevelPathsExisting(s);
        expectData(getData(s, "/cluster/id", false), CLUSTER_ID, 0);
        expectRc(getData(s, "/config/brokers/<default>", false), Code.NONODE);
        expectRc(getData(s, "/config/brokers/" + id, false), Code.NONODE);
        expectChildren(children(s, "/brokers/topics", false));
        R f = exists(s, "/feature", true);
        expectOk(f);
        if (f.stat != null) checkEq(0, f.stat.getVersion(), "/feature version");
        expectData(getData(s, "/feature", true), FEATURE, 0);
        return s;
    }

    static void phaseB() {
        test("B01-broker2-startup", () -> {
            b2 = brokerJoins("B2", 2);
            expectChildren(children(b2, "/brokers/ids", false), "1");
            expectOk(getData(b2, "/brokers/ids/1", false));
        });
        test("B02-broker2-registration", () -> {
            epochB2 = register(b2, 2);
            check(epochB2 > epochB1, "broker epochs increase: epoch(B2)=" + epochB2 + " epoch(B1)=" + epochB1);
        });
        test("B03-controller-sees-broker2", () -> {
            expectEvents(b1, "NodeChildrenChanged /brokers/ids");
            expectChildren(children(b1, "/brokers/ids", true), "1", "2");
            expectOk(getData(b1, "/brokers/ids/1", true));
            R r = getData(b1, "/brokers/ids/2", false);
            expectData(r, brk(2), 1);
            if (r.stat != null) checkEq(epochB2, r.stat.getCzxid(), "broker 2 epoch");
            expectOk(exists(b1, "/brokers/ids/2", true));
        });
        test("B04-broker2-not-controller", () -> {
            expectOk(exists(b2, "/controller", true));
            expectData(getData(b2, "/controller", true), ctl(1), 0);
            brokerStartupReads(b2);
            a2 = connect("A2", 18000);
            authorizerStartup(a2, false);
            expectEvents(b2);
            expectEvents(a2);
        });
        test("B05-broker3-startup", () -> {
            b3 = brokerJoins("B3", 3);
            expectChildren(children(b3, "/brokers/ids", false), "1", "2");
            epochB3 = register(b3, 3);
            check(epochB3 > epochB2, "broker epochs increase: epoch(B3) > epoch(B2)");
            expectEvents(b1, "NodeChildrenChanged /brokers/ids");
            expectChildren(children(b1, "/brokers/ids", true), "1", "2", "3");
            expectOk(getData(b1, "/brokers/ids/3", false));
            expectOk(exists(b1, "/brokers/ids/3", true));
            expectOk(exists(b3, "/controller", true));
            expectData(getData(b3, "/controller", true), ctl(1), 0);
            brokerStartupReads(b3);
            a3 = connect("A3", 18000);
            authorizerStartup(a3, false);
            expectEvents(b2);
            expectEvents(b3);
            expectEvents(a3);
        });
    }

    // Phase C ---------------------------------------------------------------------------

    static void phaseC() {
        for (String t : TOPICS) {
            test("C-" + t + "-create-topic", () -> {
                expectRc(exists(b1, "/admin/delete_topics/" + t, false), Code.NONODE);
                expectRc(exists(b1, "/brokers/topics/" + t, false), Code.NONODE);
                R c = getData(b1, "/controller", true);
                expectData(c, ctl(1), 0);
                int vc = c.stat == null ? 0 : c.stat.getVersion();
                // 3.7.1+: multi [check /controller; setData config] -> [0, NONODE] -> create
                R m = multi(b1, Op.check("/controller", vc), Op.setData("/config/topics/" + t, b(cfg("")), -1));
                expectMultiErr(m, 0, Code.NONODE.intValue());
                expectCreated(create(b1, "/config/topics/" + t, b(cfg("")), P), "/config/topics/" + t);
                expectCreated(create(b1, "/brokers/topics/" + t, b(asg(t)), P), "/brokers/topics/" + t);
                expectData(getData(b1, "/brokers/topics/" + t, false), asg(t), 0);
            });
            test("C-" + t + "-controller-creates-partitions", () -> {
                expectEvents(b1, "NodeChildrenChanged /brokers/topics");
                List<String> want = new ArrayList<>();
                for (String x : TOPICS) { want.add(x); if (x.equals(t)) break; }
                expectChildren(children(b1, "/brokers/topics", true), want.toArray(new String[0]));
                expectData(getData(b1, "/brokers/topics/" + t, true), asg(t), 0);
                String base = "/brokers/topics/" + t + "/partitions";
                R r = multi(b1, Op.check("/controller_epoch", V), Op.create(base, null, OPEN, P));
                expectMultiOk(r, OpResult.CheckResult.class, OpResult.CreateResult.class);
                List<Issue> reqs = new ArrayList<>();
                for (int p = 0; p < 6; p++) {
                    String path = base + "/" + p;
                    reqs.add(() -> multiA(b1, Op.check("/controller_epoch", V), Op.create(path, null, OPEN, P)));
                }
                for (R x : pipeline(b1, reqs)) expectMultiOk(x, OpResult.CheckResult.class, OpResult.CreateResult.class);
                reqs.clear();
                for (int p = 0; p < 6; p++) {
                    PState st = new PState();
                    st.leader = ASSIGNMENT[p][0];
                    st.leaderEpoch = 0;
                    st.ctlEpoch = 1;
                    st.version = 0;
                    for (int x : ASSIGNMENT[p]) st.isr.add(x);
                    states.put(t + "/" + p, st);
                    String path = base + "/" + p + "/state";
                    reqs.add(() -> multiA(b1, Op.check("/controller_epoch", V),
                            Op.create(path, b(st.json()), OPEN, P)));
                }
                List<R> rs = pipeline(b1, reqs);
                for (int p = 0; p < 6; p++) {
                    expectMultiOk(rs.get(p), OpResult.CheckResult.class, OpResult.CreateResult.class);
                    OpResult o = rs.get(p).results == null ? null : rs.get(p).results.get(1);
                    if (o instanceof OpResult.CreateResult)
                        checkEq(base + "/" + p + "/state", ((OpResult.CreateResult) o).getPath(), "state CreateResult path");
                }
                readStates(b1, partitions(t));
                expectChildren(children(b1, base, false), "0", "1", "2", "3", "4", "5");
            });
            test("C-" + t + "-replicas-read-topic-config", () -> {
                for (Sess s : new Sess[]{b1, b2, b3}) {
                    List<Issue> reqs = new ArrayList<>();
                    for (int i = 0; i < 6; i++) reqs.add(() -> getDataA(s, "/config/topics/" + t, false));
                    for (R r : pipeline(s, reqs)) expectData(r, cfg(""), 0);
                }
                expectEvents(b1);
                expectEvents(b2);
                expectEvents(b3);
            });
        }
        test("C-topic-exists", () -> expectRc(create(b1, "/brokers/topics/t1", b(asg("t1")), P), Code.NODEEXISTS));
    }

    // Phase D ---------------------------------------------------------------------------

    static void phaseD() {
        test("D01-alter-topic-config", () -> {
            expectData(getData(b2, "/config/topics/t1", false), cfg(""), 0);
            expectOk(exists(b2, "/brokers/topics/t1", false));
            expectOk(exists(b2, "/brokers/topics/t1", false));
            R c = getData(b2, "/controller", true);
            expectOk(c);
            R m = multi(b2, Op.check("/controller", c.stat == null ? 0 : c.stat.getVersion()),
                    Op.setData("/config/topics/t1", b(cfg("\"retention.ms\":\"3600000\"")), -1));
            expectMultiOk(m, OpResult.CheckResult.class, OpResult.SetDataResult.class);
            Stat st = setDataStat(m, 1);
            if (st != null) checkEq(1, st.getVersion(), "topic config version after update");
            expectRc(create(b2, "/config/changes", null, P), Code.NODEEXISTS);
            R n = create(b2, "/config/changes/config_change_", b(chg("topics/t1")), PS);
            expectCreated(n, "/config/changes/config_change_0000000000");
        });
        test("D02-config-change-notification", () -> {
            for (Sess s : new Sess[]{b1, b2, b3}) {
                expectEvents(s, "NodeChildrenChanged /config/changes");
                readNotifications(s, "/config/changes", "config_change_", 0);
                R n = getData(s, "/config/changes/config_change_0000000000", false);
                expectData(n, chg("topics/t1"), 0);
                expectRecentCtime(n);
                if (n.stat != null) checkEq(0L, n.stat.getEphemeralOwner(), "PS node ephemeralOwner");
                expectData(getData(s, "/config/topics/t1", false), cfg("\"retention.ms\":\"3600000\""), 1);
                expectRecentCtime(getData(s, "/config/changes/config_change_0000000000", false));
            }
        });
        test("D03-kafka-configs-scram-user", () -> {
            adm = connect("ADM", 30000);
            String scram = cfg("\"SCRAM-SHA-256\":\"salt=c2FsdA==,stored_key=a2V5,server_key=c2s=,iterations=4096\"");
            expectRc(getData(adm, "/config/users/alice", false), Code.NONODE);
            expectRc(setData(adm, "/config/users/alice", b(scram), -1), Code.NONODE);
            expectCreated(create(adm, "/config/users/alice", b(scram), P), "/config/users/alice");
            expectRc(create(adm, "/config/changes", null, P), Code.NODEEXISTS);
            expectCreated(create(adm, "/config/changes/config_change_", b(chg("users/alice")), PS),
                    "/config/changes/config_change_0000000001");
            adm.close();
            adm = null;
            for (Sess s : new Sess[]{b1, b2, b3}) {
                expectEvents(s, "NodeChildrenChanged /config/changes");
                readNotifications(s, "/config/changes", "config_change_", 0, 1);
                expectData(getData(s, "/config/changes/config_change_0000000001", false), chg("users/alice"), 0);
                expectData(getData(s, "/config/users/alice", false), scram, 0);
            }
        });
        test("D04-default-broker-config", () -> {
            String path = "/config/brokers/<default>";
            String conf = cfg("\"log.cleaner.threads\":\"2\"");
            R c = getData(b1, "/controller", true);
            expectOk(c);
            R m = multi(b1, Op.check("/controller", c.stat == null ? 0 : c.stat.getVersion()),
                    Op.setData(path, b(conf), -1));
            expectMultiErr(m, 0, Code.NONODE.intValue());
            expectCreated(create(b1, path, b(conf), P), path);
            expectRc(create(b1, "/config/changes", null, P), Code.NODEEXISTS);
            expectCreated(create(b1, "/config/changes/config_change_", b(chg("brokers/<default>")), PS),
                    "/config/changes/config_change_0000000002");
            for (Sess s : new Sess[]{b1, b2, b3}) {
                expectEvents(s, "NodeChildrenChanged /config/changes");
                readNotifications(s, "/config/changes", "config_change_", 0, 1, 2);
                expectData(getData(s, path, false), conf, 0);
            }
            R parent = exists(b1, "/config/changes", false);
            expectOk(parent);
            if (parent.stat != null) {
                checkEq(3, parent.stat.getNumChildren(), "/config/changes numChildren");
                checkEq(3, parent.stat.getCversion(), "/config/changes cversion after 3 creates");
            }
        });
    }

    // Phase E ---------------------------------------------------------------------------

    static void phaseE() {
        test("E01-alter-partition-shrink", () -> {
            PState n = copy(states.get("t1/0"));
            n.isr = new ArrayList<>(Arrays.asList(1, 2));
            Map<String, PState> ch = new LinkedHashMap<>();
            ch.put("t1/0", n);
            writeStates(b1, V, ch);
            // Stale partition epoch: [ErrorResult(0), ErrorResult(BADVERSION)].
            R r = multi(b1, Op.check("/controller_epoch", V), Op.setData(statePath("t1/0"), b(n.json()), 0));
            expectMultiErr(r, 0, Code.BADVERSION.intValue());
            readStates(b1, Arrays.asList("t1/0"));
        });
        test("E02-legacy-isr-change-notification", () -> {
            PState n = copy(states.get("t1/1"));
            n.leader = 2;
            n.isr = new ArrayList<>(Arrays.asList(2, 3));
            R s = setData(b2, statePath("t1/1"), b(n.json()), 0);
            expectOk(s);
            if (s.stat != null) checkEq(1, s.stat.getVersion(), "legacy ISR write version");
            n.version = 1;
            states.put("t1/1", n);
            // Retried write after a connection loss: BADVERSION, then Kafka compares data.
            expectRc(setData(b2, statePath("t1/1"), b(n.json()), 0), Code.BADVERSION);
            expectData(getData(b2, statePath("t1/1"), false), n.json(), 1);
            String body = "{\"version\":1,\"partitions\":[{\"topic\":\"t1\",\"partition\":1}]}";
            expectCreated(create(b2, "/isr_change_notification/isr_change_", b(body), PS),
                    "/isr_change_notification/isr_change_0000000000");
            expectEvents(b1, "NodeChildrenChanged /isr_change_notification");
            readNotifications(b1, "/isr_change_notification", "isr_change_", 0);
            expectData(getData(b1, "/isr_change_notification/isr_change_0000000000", false), body, 0);
            readStates(b1, Arrays.asList("t1/1"));
            R d = multi(b1, Op.check("/controller_epoch", V),
                    Op.delete("/isr_change_notification/isr_change_0000000000", -1));
            expectMultiOk(d, OpResult.CheckResult.class, OpResult.DeleteResult.class);
            expectEvents(b1, "NodeChildrenChanged /isr_change_notification");
            expectChildren(children(b1, "/isr_change_notification", true));
        });
        test("E03-log-dir-event-notification", () -> {
            String body = "{\"version\":1,\"broker\":3,\"event\":1}";
            expectCreated(create(b3, "/log_dir_event_notification/log_dir_event_", b(body), PS),
                    "/log_dir_event_notification/log_dir_event_0000000000");
            expectEvents(b1, "NodeChildrenChanged /log_dir_event_notification");
            readNotifications(b1, "/log_dir_event_notification", "log_dir_event_", 0);
            expectData(getData(b1, "/log_dir_event_notification/log_dir_event_0000000000", false), body, 0);
            R d = multi(b1, Op.check("/controller_epoch", V),
                    Op.delete("/log_dir_event_notification/log_dir_event_0000000000", -1));
            expectMultiOk(d, OpResult.CheckResult.class, OpResult.DeleteResult.class);
            expectEvents(b1, "NodeChildrenChanged /log_dir_event_notification");
            expectChildren(children(b1, "/log_dir_event_notification", true));
            // Sequence numbers continue from the parent's creation counter (§7.5).
            expectCreated(create(b3, "/log_dir_event_notification/log_dir_event_", b(body), PS),
                    "/log_dir_event_notification/log_dir_event_0000000001");
            expectEvents(b1, "NodeChildrenChanged /log_dir_event_notification");
            readNotifications(b1, "/log_dir_event_notification", "log_dir_event_", 1);
            expectMultiOk(multi(b1, Op.check("/controller_epoch", V),
                    Op.delete("/log_dir_event_notification/log_dir_event_0000000001", -1)),
                    OpResult.CheckResult.class, OpResult.DeleteResult.class);
            expectEvents(b1, "NodeChildrenChanged /log_dir_event_notification");
            R p = children(b1, "/log_dir_event_notification", true);
            expectChildren(p);
            if (p.stat != null) checkEq(4, p.stat.getCversion(), "cversion after 2 creates + 2 deletes");
            expectEvents(b2);
            expectEvents(b3);
        });
    }

    // F1' — a network blip: same session, setWatches on reconnect ---------------------------

    static void phaseBlip() {
        test("F00-controller-blip-setwatches", () -> {
            b1.states.clear();
            b1.proxy.refuse();
            b1.proxy.cut();
            KeeperState s = b1.awaitState(10_000, KeeperState.Disconnected);
            checkEq(KeeperState.Disconnected, s, "B1 state after its connection drops");
            // While B1 is away (its session lives on the server):
            adm = connect("ADM", 30000);
            String pre = "{\"version\":1,\"partitions\":[{\"topic\":\"t1\",\"partition\":0}]}";
            // exist watch -> NodeCreated
            expectCreated(create(adm, "/admin/preferred_replica_election", b(pre), P), "/admin/preferred_replica_election");
            // child watch -> NodeChildrenChanged (B2 and B3 get it live)
            expectCreated(create(adm, "/config/changes/config_change_", b(chg("topics/t2")), PS),
                    "/config/changes/config_change_0000000003");
            // data watch -> NodeDataChanged (dynamic listener change of broker 2)
            R d = setData(b2, "/brokers/ids/2", b(brk(2).replace("9092", "9093")), -1);
            expectOk(d);
            adm.close();
            adm = null;
            b1.proxy.allow();
            s = b1.awaitState(20_000, KeeperState.SyncConnected, KeeperState.Expired);
            checkEq(KeeperState.SyncConnected, s, "B1 reconnects to the same session");
            trace("B1 reconnected (same session)");
            // setWatches (101) with relativeZxid = last zxid B1 saw: events for what changed.
            expectEvents(b1, "NodeChildrenChanged /config/changes", "NodeCreated /admin/preferred_replica_election",
                    "NodeDataChanged /brokers/ids/2");
            for (Sess x : new Sess[]{b2, b3}) {
                expectEvents(x, "NodeChildrenChanged /config/changes");
                readNotifications(x, "/config/changes", "config_change_", 0, 1, 2, 3);
            }
        });
        test("F00-controller-reacts-after-reconnect", () -> {
            readNotifications(b1, "/config/changes", "config_change_", 0, 1, 2, 3);
            expectData(getData(b1, "/brokers/ids/2", false), brk(2).replace("9092", "9093"), 2);
            expectOk(exists(b1, "/brokers/ids/2", true));
            // preferred replica election (ZK-triggered): getData w, elect, delete [ctl-check], exists w
            expectOk(getData(b1, "/admin/preferred_replica_election", true));
            R r = multi(b1, Op.check("/controller_epoch", V), Op.delete("/admin/preferred_replica_election", -1));
            expectMultiOk(r, OpResult.CheckResult.class, OpResult.DeleteResult.class);
            expectEvents(b1, "NodeDeleted /admin/preferred_replica_election");
            expectRc(exists(b1, "/admin/preferred_replica_election", true), Code.NONODE);
            // Watches that did not fire were re-armed by setWatches: /brokers/ids (child).
            b1.proxy.refuse();
            b1.proxy.cut();
            checkEq(KeeperState.Disconnected, b1.awaitState(10_000, KeeperState.Disconnected), "B1 second blip");
            adm = connect("ADM", 30000);
            // data watch on a node deleted meanwhile -> NodeDeleted; exist watch armed again
            expectCreated(create(adm, "/admin/reassign_partitions", b("{\"version\":1,\"partitions\":[]}"), P),
                    "/admin/reassign_partitions");
            expectOk(delete(adm, "/admin/reassign_partitions", -1));
            adm.close();
            adm = null;
            b1.proxy.allow();
            checkEq(KeeperState.SyncConnected, b1.awaitState(20_000, KeeperState.SyncConnected, KeeperState.Expired),
                    "B1 reconnects again");
            // create+delete while away: the exist watch sees no node -> stays armed, no event
            expectEvents(b1);
            expectCreated(create(b2, "/isr_change_notification/isr_change_", b("{\"version\":1,\"partitions\":[]}"), PS),
                    "/isr_change_notification/isr_change_0000000001");
            expectEvents(b1, "NodeChildrenChanged /isr_change_notification");
            readNotifications(b1, "/isr_change_notification", "isr_change_", 1);
            expectMultiOk(multi(b1, Op.check("/controller_epoch", V),
                    Op.delete("/isr_change_notification/isr_change_0000000001", -1)),
                    OpResult.CheckResult.class, OpResult.DeleteResult.class);
            expectEvents(b1, "NodeChildrenChanged /isr_change_notification");
            expectChildren(children(b1, "/isr_change_notification", true));
            expectEvents(b2);
            expectEvents(b3);
        });
    }

    // Phase F — the controller's session expires ---------------------------------------

    static void phaseF() {
        test("F01-authorizer-session-moved-and-closed", () -> {
            // A second handle with A1's id/password: the session moves to the new
            // connection and the server closes A1's old one; A1 cannot reconnect (proxy).
            a1.states.clear();
            a1.proxy.refuse();
            Sess mover = new Sess("A1x", 18000, null, a1.id(), a1.zk.getSessionPasswd());
            KeeperState s = mover.awaitState(OP_TIMEOUT_MS, KeeperState.SyncConnected, KeeperState.Expired);
            checkEq(KeeperState.SyncConnected, s, "second handle with A1's session id/password connects");
            checkEq(a1.id(), mover.zk.getSessionId(), "moved session keeps its id");
            checkEq(18000, mover.zk.getSessionTimeout(), "moved session timeout");
            checkEq(KeeperState.Disconnected, a1.awaitState(10_000, KeeperState.Disconnected),
                    "A1's old connection is closed when its session moves");
            expectChildren(children(mover, "/kafka-acl-changes", true));
            mover.zk.close();  // closeSession: the session ends on the server
            a1.proxy.allow();
            checkEq(KeeperState.Expired, a1.awaitState(20_000, KeeperState.Expired, KeeperState.SyncConnected),
                    "A1 reconnecting to a closed session is told Expired");
            a1.close();
            // ZooKeeperClient.reinitialize(): a new session, listeners re-read with watches.
            a1 = connect("A1'", 18000);
            authorizerStartup(a1, false);
        });
        test("F02-controller-session-expires", () -> {
            b1.states.clear();
            b1.proxy.refuse();
            b1.proxy.cut();
            long cut = System.currentTimeMillis();
            checkEq(KeeperState.Disconnected, b1.awaitState(10_000, KeeperState.Disconnected), "B1 partitioned");
            // The server expires B1 after its 6 s timeout: /controller and /brokers/ids/1 go.
            awaitEvents(b2, 30_000, "NodeDeleted /controller");
            long took = System.currentTimeMillis() - cut;
            trace("B1 expired (controller deleted) after the partition");
            check(took >= 2_000 && took <= 20_000, "expiry of a 6000 ms session took " + took + " ms");
            awaitEvents(b3, 5_000, "NodeDeleted /controller");
            for (Sess x : new Sess[]{a1, a2, a3}) expectEvents(x);
            expectRc(exists(b2, "/brokers/ids/1", false), Code.NONODE);
        });
        test("F03-reelection", () -> {
            for (Sess s : new Sess[]{b2, b3}) {
                expectRc(exists(s, "/controller", true), Code.NONODE);
                expectRc(getData(s, "/controller", true), Code.NONODE);
                expectData(getData(s, "/controller_epoch", false), "1", 1);
            }
            R win = multi(b2, Op.create("/controller", b(ctl(2)), OPEN, E), Op.setData("/controller_epoch", b("2"), 1));
            expectMultiOk(win, OpResult.CreateResult.class, OpResult.SetDataResult.class);
            Stat st = setDataStat(win, 1);
            V = st == null ? -1 : st.getVersion();
            checkEq(2, V, "new controller epoch zkVersion");
            R lose = multi(b3, Op.create("/controller", b(ctl(3)), OPEN, E), Op.setData("/controller_epoch", b("2"), 1));
            expectMultiErr(lose, Code.NODEEXISTS.intValue(), Code.RUNTIMEINCONSISTENCY.intValue());
            // A loser with a stale epoch version: [ErrorResult(0)? no: check fails first].
            R stale = multi(b3, Op.check("/controller_epoch", 1), Op.setData(statePath("t1/0"), b("x"), -1));
            expectMultiErr(stale, Code.BADVERSION.intValue(), Code.RUNTIMEINCONSISTENCY.intValue());
            expectEvents(b2, "NodeCreated /controller");
            expectEvents(b3, "NodeCreated /controller");
            expectData(getData(b3, "/controller", true), ctl(2), 0);
            expectOk(exists(b3, "/controller", true));
            expectData(getData(b3, "/controller", true), ctl(2), 0);
            R c = getData(b2, "/controller", true);
            expectData(c, ctl(2), 0);
            if (c.stat != null) checkEq(b2.id(), c.stat.getEphemeralOwner(), "/controller owner is B2");
        });
        test("F04-new-controller-failover", () -> {
            expectData(getData(b2, "/feature", true), FEATURE, 0);
            expectRc(exists(b2, "/admin/preferred_replica_election", true), Code.NONODE);
            expectRc(exists(b2, "/admin/reassign_partitions", true), Code.NONODE);
            expectChildren(children(b2, "/log_dir_event_notification", true));
            expectChildren(children(b2, "/isr_change_notification", true));
            expectChildren(children(b2, "/brokers/ids", true), "2", "3");
            R r2 = getData(b2, "/brokers/ids/2", false);
            expectOk(r2);
            if (r2.stat != null) checkEq(epochB2, r2.stat.getCzxid(), "broker 2 epoch unchanged by setData");
            R r3 = getData(b2, "/brokers/ids/3", false);
            if (r3.stat != null) checkEq(epochB3, r3.stat.getCzxid(), "broker 3 epoch");
            expectChildren(children(b2, "/brokers/topics", true), "t1", "t2", "t3");
            for (String t : TOPICS) expectData(getData(b2, "/brokers/topics/" + t, true), asg(t), 0);
            expectOk(exists(b2, "/brokers/ids/2", true));
            expectOk(exists(b2, "/brokers/ids/3", true));
            readStates(b2, partitions(TOPICS));
            expectChildren(children(b2, "/admin/delete_topics", true));
        });
        test("F05-offline-replica-removed-from-isr", () -> {
            Map<String, PState> ch = new LinkedHashMap<>();
            for (String tp : partitions(TOPICS)) {
                PState cur = states.get(tp);
                if (!cur.isr.contains(1)) continue;
                PState n = copy(cur);
                n.isr.remove(Integer.valueOf(1));
                if (n.leader == 1) n.leader = -1;
                n.leaderEpoch++;
                n.ctlEpoch = 2;
                ch.put(tp, n);
            }
            checkEq(17, ch.size(), "partitions with broker 1 in the ISR");
            writeStates(b2, V, ch);
            // Offline partitions (p0, p3): elect the first live in-ISR assigned replica.
            ch.clear();
            List<String> offline = new ArrayList<>();
            for (String t : TOPICS) { offline.add(t + "/0"); offline.add(t + "/3"); }
            readStates(b2, offline);
            for (String tp : offline) {
                PState n = copy(states.get(tp));
                int p = Integer.parseInt(tp.split("/")[1]);
                for (int rep : ASSIGNMENT[p]) if (rep != 1 && n.isr.contains(rep)) { n.leader = rep; break; }
                n.leaderEpoch++;
                ch.put(tp, n);
            }
            writeStates(b2, V, ch);
            readStates(b2, partitions(TOPICS));
            R c1 = multi(b2, Op.check("/controller_epoch", V), Op.delete("/admin/preferred_replica_election", -1));
            expectMultiErr(c1, 0, Code.NONODE.intValue());
            expectRc(exists(b2, "/admin/preferred_replica_election", true), Code.NONODE);
            // The old controller's epoch version is fenced.
            R fenced = multi(b2, Op.check("/controller_epoch", 1), Op.setData(statePath("t1/0"), b("x"), -1));
            expectMultiErr(fenced, Code.BADVERSION.intValue(), Code.RUNTIMEINCONSISTENCY.intValue());
        });
        test("F06-old-controller-learns-expiry", () -> {
            // The partitioned client comes back: its ConnectRequest for the expired
            // session is answered with timeOut 0 -> Expired.
            b1.proxy.allow();
            checkEq(KeeperState.Expired, b1.awaitState(30_000, KeeperState.Expired, KeeperState.SyncConnected),
                    "B1 told its session expired");
            long oldId = b1.id();
            byte[] oldPw = b1.zk.getSessionPasswd();
            b1.close();
            // A fresh handle with the expired session's id and password: Expired too.
            Sess again = new Sess("B1-old", 6000, null, oldId, oldPw);
            checkEq(KeeperState.Expired, again.awaitState(OP_TIMEOUT_MS, KeeperState.Expired, KeeperState.SyncConnected),
                    "reconnect with an expired session id");
            again.zk.close();
        });
        test("F07-broker1-reregisters", () -> {
            b1 = connect("B1'", 6000);
            long epoch = register(b1, 1);
            check(epoch > epochB3 && epoch > epochB1, "new broker 1 epoch " + epoch + " > old epochs");
            epochB1 = epoch;
            expectOk(exists(b1, "/controller", true));
            expectData(getData(b1, "/controller", true), ctl(2), 0);
            expectData(getData(b1, "/feature", true), FEATURE, 0);
            expectChildren(children(b1, "/config/changes", true), "config_change_0000000000",
                    "config_change_0000000001", "config_change_0000000002", "config_change_0000000003");
            // Another broker trying to register id 1: NODEEXISTS, then the owner check.
            R dup = multi(b3, Op.create("/brokers/ids/1", null, OPEN, E), Op.setData("/brokers/ids/1", b(brk(1)), 0));
            expectMultiErr(dup, Code.NODEEXISTS.intValue(), Code.RUNTIMEINCONSISTENCY.intValue());
            R own = getData(b3, "/brokers/ids/1", false);
            if (own.stat != null) checkEq(b1.id(), own.stat.getEphemeralOwner(), "/brokers/ids/1 owner is B1'");
        });
        test("F08-controller-sees-broker1-back", () -> {
            expectEvents(b2, "NodeChildrenChanged /brokers/ids");
            expectChildren(children(b2, "/brokers/ids", true), "1", "2", "3");
            for (int i = 1; i <= 3; i++) expectOk(getData(b2, "/brokers/ids/" + i, false));
            expectOk(exists(b2, "/brokers/ids/1", true));
            Map<String, PState> ch = new LinkedHashMap<>();
            for (String tp : partitions(TOPICS)) {
                PState n = copy(states.get(tp));
                if (n.isr.contains(1)) continue;
                n.isr.add(1);
                ch.put(tp, n);
            }
            writeStates(b2, V, ch);
            readStates(b2, partitions(TOPICS));
            expectEvents(b1);
            expectEvents(b2);
            expectEvents(b3);
        });
    }

    // Phase G — delete topic t3 ---------------------------------------------------------

    static void phaseG() {
        test("G01-delete-topic-request", () -> {
            expectOk(exists(b2, "/brokers/topics/t3", false));
            expectCreated(create(b2, "/admin/delete_topics/t3", null, P), "/admin/delete_topics/t3");
            expectRc(create(b2, "/admin/delete_topics/t3", null, P), Code.NODEEXISTS);
            expectEvents(b2, "NodeChildrenChanged /admin/delete_topics");
            expectChildren(children(b2, "/admin/delete_topics", true), "t3");
        });
        test("G02-replicas-offline", () -> {
            for (int rep = 1; rep <= 3; rep++) {
                readStates(b2, partitions("t3"));
                Map<String, PState> ch = new LinkedHashMap<>();
                for (String tp : partitions("t3")) {
                    PState cur = states.get(tp);
                    if (!cur.isr.contains(rep) && cur.leader != rep) continue;
                    PState n = copy(cur);
                    if (n.leader == rep) n.leader = -1;
                    if (n.isr.size() > 1) n.isr.remove(Integer.valueOf(rep));
                    n.leaderEpoch++;
                    ch.put(tp, n);
                }
                writeStates(b2, V, ch);
            }
            readStates(b2, partitions("t3"));
        });
        test("G03-delete-recursive", () -> {
            String base = "/brokers/topics/t3";
            expectChildren(children(b2, base, false), "partitions");
            expectChildren(children(b2, base + "/partitions", false), "0", "1", "2", "3", "4", "5");
            for (int p = 0; p < 6; p++) {
                String pp = base + "/partitions/" + p;
                expectChildren(children(b2, pp, false), "state");
                expectChildren(children(b2, pp + "/state", false));
                expectMultiOk(multi(b2, Op.check("/controller_epoch", V), Op.delete(pp + "/state", -1)),
                        OpResult.CheckResult.class, OpResult.DeleteResult.class);
                expectMultiOk(multi(b2, Op.check("/controller_epoch", V), Op.delete(pp, -1)),
                        OpResult.CheckResult.class, OpResult.DeleteResult.class);
            }
            // NOTEMPTY on a non-empty node (a concurrent child would make Kafka throw).
            expectRc(delete(b2, base, -1), Code.NOTEMPTY);
            expectMultiOk(multi(b2, Op.check("/controller_epoch", V), Op.delete(base + "/partitions", -1)),
                    OpResult.CheckResult.class, OpResult.DeleteResult.class);
            expectMultiOk(multi(b2, Op.check("/controller_epoch", V), Op.delete(base, -1)),
                    OpResult.CheckResult.class, OpResult.DeleteResult.class);
            expectMultiOk(multi(b2, Op.check("/controller_epoch", V), Op.delete("/config/topics/t3", -1)),
                    OpResult.CheckResult.class, OpResult.DeleteResult.class);
            expectMultiOk(multi(b2, Op.check("/controller_epoch", V), Op.delete("/admin/delete_topics/t3", -1)),
                    OpResult.CheckResult.class, OpResult.DeleteResult.class);
            // deleteRecursive tolerates NONODE
            expectRc(delete(b2, "/config/topics/t3", -1), Code.NONODE);
            for (String tp : partitions("t3")) states.remove(tp);
        });
        test("G04-controller-sees-deletion", () -> {
            expectEvents(b2, "NodeDeleted /brokers/topics/t3", "NodeChildrenChanged /brokers/topics",
                    "NodeChildrenChanged /admin/delete_topics");
            expectChildren(children(b2, "/brokers/topics", true), "t1", "t2");
            expectChildren(children(b2, "/admin/delete_topics", true));
            expectRc(getData(b2, "/brokers/topics/t3", true), Code.NONODE);  // registers nothing
            expectCreated(create(b3, "/brokers/topics/t3", b(asg("t3")), P), "/brokers/topics/t3");
            // getData-watch on a missing node did not arm a watch: only the child event.
            expectEvents(b2, "NodeChildrenChanged /brokers/topics");
            expectOk(delete(b3, "/brokers/topics/t3", 0));
            expectEvents(b1);
            expectEvents(b2);
            expectEvents(b3);
        });
    }

    // Phase H — ACLs -----------------------------------------------------------------------

    static void aclNotified(String dir, int... seqs) throws Exception {
        for (Sess a : new Sess[]{a1, a2, a3}) {
            expectEvents(a, "NodeChildrenChanged " + dir);
            readNotifications(a, dir, "acl_changes_", seqs);
        }
    }

    static void phaseH() {
        String res = "/kafka-acl/Topic/t1";
        test("H01-create-acl", () -> {
            expectRc(getData(a2, res, false), Code.NONODE);
            expectCreated(create(a2, res, b(aclJson("Read")), P), res);
            expectCreated(create(a2, "/kafka-acl-changes/acl_changes_", b("TOPIC:t1"), PS),
                    "/kafka-acl-changes/acl_changes_0000000000");
            aclNotified("/kafka-acl-changes", 0);
            for (Sess a : new Sess[]{a1, a3}) {
                expectData(getData(a, "/kafka-acl-changes/acl_changes_0000000000", false), "TOPIC:t1", 0);
                expectData(getData(a, res, false), aclJson("Read"), 0);
            }
            aclVersionA2 = 0;
        });
        test("H02-update-acl-exact-version", () -> {
            R s = setData(a2, res, b(aclJson("Read", "Write")), aclVersionA2);
            expectOk(s);
            if (s.stat != null) checkEq(1, s.stat.getVersion(), "ACL version after update");
            expectCreated(create(a2, "/kafka-acl-changes/acl_changes_", b("TOPIC:t1"), PS),
                    "/kafka-acl-changes/acl_changes_0000000001");
            aclNotified("/kafka-acl-changes", 0, 1);
            for (Sess a : new Sess[]{a1, a3}) expectData(getData(a, res, false), aclJson("Read", "Write"), 1);
        });
        test("H03-stale-cache-badversion-retry", () -> {
            expectRc(setData(a3, res, b(aclJson("Read", "Write", "Describe")), 0), Code.BADVERSION);
            expectData(getData(a3, res, false), aclJson("Read", "Write"), 1);
            R s = setData(a3, res, b(aclJson("Read", "Write", "Describe")), 1);
            expectOk(s);
            if (s.stat != null) checkEq(2, s.stat.getVersion(), "ACL version after retry");
            expectCreated(create(a3, "/kafka-acl-changes/acl_changes_", b("TOPIC:t1"), PS),
                    "/kafka-acl-changes/acl_changes_0000000002");
            aclNotified("/kafka-acl-changes", 0, 1, 2);
            R r = getData(a2, res, false);
            expectData(r, aclJson("Read", "Write", "Describe"), 2);
            aclVersionA2 = r.stat == null ? 2 : r.stat.getVersion();
        });
        test("H04-prefixed-acl", () -> {
            String pre = "/kafka-acl-extended/prefixed/Group/app-";
            expectCreated(create(a2, pre, b(aclJson("Read")), P), pre);
            String body = "{\"version\":1,\"resourceType\":\"GROUP\",\"name\":\"app-\",\"patternType\":\"PREFIXED\"}";
            expectCreated(create(a2, "/kafka-acl-extended-changes/acl_changes_", b(body), PS),
                    "/kafka-acl-extended-changes/acl_changes_0000000000");
            aclNotified("/kafka-acl-extended-changes", 0);
            for (Sess a : new Sess[]{a1, a3}) expectData(getData(a, pre, false), aclJson("Read"), 0);
        });
        test("H05-delete-acl-exact-version", () -> {
            expectRc(delete(a2, res, aclVersionA2 - 1), Code.BADVERSION);
            expectOk(delete(a2, res, aclVersionA2));
            expectRc(delete(a2, res, aclVersionA2), Code.NONODE);
            expectCreated(create(a2, "/kafka-acl-changes/acl_changes_", b("TOPIC:t1"), PS),
                    "/kafka-acl-changes/acl_changes_0000000003");
            aclNotified("/kafka-acl-changes", 0, 1, 2, 3);
            for (Sess a : new Sess[]{a1, a3}) expectRc(getData(a, res, false), Code.NONODE);
            R parent = exists(a1, "/kafka-acl-changes", false);
            if (parent.stat != null) checkEq(4, parent.stat.getCversion(), "/kafka-acl-changes cversion");
            for (Sess x : new Sess[]{b1, b2, b3}) expectEvents(x);
        });
    }

    // Phase R — connection-level behaviour Kafka's client relies on (§7.7, §9a) --------------

    /** Sends a raw ConnectRequest; returns the reply frame (null when closed without one). */
    static byte[] rawConnect(long lastZxid, int timeout, long sessionId, byte[] passwd, boolean[] closedAfter)
            throws IOException {
        try (Socket s = new Socket(serverHost, serverPort)) {
            s.setSoTimeout(10_000);
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            org.apache.jute.BinaryOutputArchive oa = org.apache.jute.BinaryOutputArchive.getArchive(body);
            new org.apache.zookeeper.proto.ConnectRequest(0, lastZxid, timeout, sessionId, passwd).serialize(oa, "connect");
            oa.writeBool(false, "readOnly");
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeInt(body.size());
            out.write(body.toByteArray());
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            int len;
            try { len = in.readInt(); } catch (EOFException e) { closedAfter[0] = true; return null; }
            byte[] frame = new byte[len];
            in.readFully(frame);
            if (sessionId == 0) {
                // A new session: close it (closeSession is a txn; an expiry later would
                // take a zxid at a timing-dependent point of the trace).
                ByteArrayOutputStream cb = new ByteArrayOutputStream();
                org.apache.jute.BinaryOutputArchive co = org.apache.jute.BinaryOutputArchive.getArchive(cb);
                new org.apache.zookeeper.proto.RequestHeader(1, ZooDefs.OpCode.closeSession).serialize(co, "header");
                out.writeInt(cb.size());
                out.write(cb.toByteArray());
                out.flush();
                byte[] reply = new byte[in.readInt()];
                in.readFully(reply);
                return frame;
            }
            try { closedAfter[0] = in.read() == -1; } catch (SocketTimeoutException e) { closedAfter[0] = false; }
            return frame;
        }
    }

    static org.apache.zookeeper.proto.ConnectResponse parseConnect(byte[] frame, boolean[] readOnly) throws IOException {
        org.apache.jute.BinaryInputArchive ia =
                org.apache.jute.BinaryInputArchive.getArchive(new ByteArrayInputStream(frame));
        org.apache.zookeeper.proto.ConnectResponse rsp = new org.apache.zookeeper.proto.ConnectResponse();
        rsp.deserialize(ia, "connect");
        readOnly[0] = ia.readBool("readOnly");
        return rsp;
    }

    static void phaseR() {
        test("R01-connect-timeout-negotiation", () -> {
            // zoo.cfg tickTime 2000: timeouts are clamped to [4000, 40000].
            for (int[] c : new int[][]{{1000, 4000}, {18000, 18000}, {100000, 40000}}) {
                boolean[] closed = new boolean[1], ro = new boolean[1];
                byte[] f = rawConnect(0, c[0], 0, new byte[16], closed);
                if (f == null) { problems.add("no ConnectResponse for a new session"); continue; }
                org.apache.zookeeper.proto.ConnectResponse r = parseConnect(f, ro);
                trace("raw connect timeout=" + c[0] + " -> timeOut=" + r.getTimeOut() + " passwdLen="
                        + r.getPasswd().length + " readOnly=" + ro[0] + " frameLen=" + f.length);
                checkEq(c[1], r.getTimeOut(), "negotiated timeout for requested " + c[0]);
                check(r.getSessionId() != 0, "new session id is 0");
                checkEq(16, r.getPasswd().length, "password length");
                checkEq(false, ro[0], "readOnly flag");
            }
        });
        test("R02-connect-unknown-session", () -> {
            long id = 0x0123456789abcdefL;
            byte[] right = new byte[16];
            new Random(id ^ 0xB3415C00L).nextBytes(right);   // ZooKeeper's password for this id
            for (byte[] pw : new byte[][]{new byte[16], right}) {
                boolean[] closed = new boolean[1], ro = new boolean[1];
                byte[] f = rawConnect(0, 18000, id, pw, closed);
                if (f == null) { problems.add("no ConnectResponse for an unknown session"); continue; }
                org.apache.zookeeper.proto.ConnectResponse r = parseConnect(f, ro);
                trace("raw connect unknown session -> timeOut=" + r.getTimeOut() + " sessionId=" + r.getSessionId()
                        + " passwd=" + Arrays.toString(r.getPasswd()) + " readOnly=" + ro[0] + " closed=" + closed[0]);
                checkEq(0, r.getTimeOut(), "timeOut for an unknown session");
                checkEq(0L, r.getSessionId(), "sessionId for an unknown session");
                check(Arrays.equals(new byte[16], r.getPasswd()), "passwd for an unknown session is 16 zero bytes");
                check(closed[0], "server closes the connection after refusing the session");
            }
        });
        test("R03-connect-zxid-ahead-refused", () -> {
            boolean[] closed = new boolean[1];
            byte[] f = rawConnect(0x7fff00000000L, 18000, 0, new byte[16], closed);
            trace("raw connect lastZxidSeen ahead -> " + (f == null ? "closed without reply" : "reply " + f.length));
            check(f == null, "a ConnectRequest with lastZxidSeen ahead of the server must be closed without a reply");
        });
        test("R04-large-children-list-4MiB-client", () -> {
            // Kafka forces the client's jute.maxbuffer to 4 MiB: a getChildren2 reply > 1 MB.
            org.apache.zookeeper.client.ZKClientConfig conf = new org.apache.zookeeper.client.ZKClientConfig();
            conf.setProperty("jute.maxbuffer", String.valueOf(4 * 1024 * 1024));
            LinkedBlockingQueue<KeeperState> st = new LinkedBlockingQueue<>();
            ZooKeeper zk = new ZooKeeper(serverHost + ":" + serverPort, 30000, e -> {
                if (e.getType() == EventType.None) st.add(e.getState());
            }, conf);
            try {
                checkEq(KeeperState.SyncConnected, st.poll(OP_TIMEOUT_MS, TimeUnit.MILLISECONDS), "BIG connected");
                zk.create("/big", null, OPEN, P);
                char[] pad = new char[1000];
                Arrays.fill(pad, 'x');
                String base = new String(pad);
                int n = 1100;
                Semaphore permits = new Semaphore(100);
                AtomicInteger bad = new AtomicInteger();
                CountDownLatch done = new CountDownLatch(n);
                for (int i = 0; i < n; i++) {
                    permits.acquire();
                    zk.create("/big/" + base + String.format("%05d", i), null, OPEN, P, (rc, p, ctx, name) -> {
                        if (rc != 0) bad.incrementAndGet();
                        permits.release();
                        done.countDown();
                    }, null);
                }
                check(done.await(60, TimeUnit.SECONDS), "creates finished");
                checkEq(0, bad.get(), "failed creates");
                CompletableFuture<List<String>> f = new CompletableFuture<>();
                zk.getChildren("/big", false, (AsyncCallback.Children2Callback) (rc, p, ctx, ch, stat) -> {
                    if (rc == 0) f.complete(ch); else f.completeExceptionally(KeeperException.create(Code.get(rc)));
                }, null);
                List<String> ch = f.get(OP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                checkEq(n, ch.size(), "children of /big");
                trace("BIG getChildren2 /big -> " + ch.size() + " children");
                // A 1,000,000-byte znode (under the server's 1 MiB jute.maxbuffer).
                byte[] data = new byte[1_000_000];
                Arrays.fill(data, (byte) 'k');
                Stat stat = zk.setData("/big", data, 0);
                checkEq(1_000_000, stat.getDataLength(), "dataLength of a 1 MB znode");
                checkEq(1_000_000, zk.getData("/big", false, null).length, "1 MB getData");
            } finally {
                zk.close();
            }
        });
    }

    static void phaseR2() {
        test("R05-setwatches-split-across-packets", () -> {
            // The Java client sends SetWatches in batches of about 128 KB of paths: with
            // 3000 watched paths of ~100 characters the re-arming takes several packets.
            Sess w = connect("WATCHER", 18000);
            Sess o = connect("OTHER", 18000);
            expectCreated(create(o, "/many", null, P), "/many");
            char[] pad = new char[90];
            Arrays.fill(pad, 'p');
            String base = "/many/" + new String(pad);
            int n = 3000;
            List<Issue> reqs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String path = String.format("%s%05d", base, i);
                reqs.add(() -> existsA(w, path, true));
            }
            Semaphore permits = new Semaphore(200);
            List<Pending> ps = new ArrayList<>();
            for (Issue i : reqs) {
                permits.acquire();
                Pending p = i.issue();
                p.f.whenComplete((r, t) -> permits.release());
                ps.add(p);
            }
            int nonode = 0;
            for (Pending p : ps) if (p.f.get(OP_TIMEOUT_MS, TimeUnit.MILLISECONDS).rc == Code.NONODE.intValue()) nonode++;
            checkEq(n, nonode, "exists-watches armed on missing nodes");
            expectChildren(children(w, "/many", true));
            w.states.clear();
            w.proxy.refuse();
            w.proxy.cut();
            checkEq(KeeperState.Disconnected, w.awaitState(10_000, KeeperState.Disconnected), "WATCHER dropped");
            int[] created = {7, 1500, 2999};
            for (int i : created) expectOk(create(o, String.format("%s%05d", base, i), null, P));
            w.proxy.allow();
            checkEq(KeeperState.SyncConnected, w.awaitState(30_000, KeeperState.SyncConnected, KeeperState.Expired),
                    "WATCHER reconnects");
            List<String> want = new ArrayList<>();
            for (int i : created) want.add("NodeCreated " + String.format("%s%05d", base, i));
            want.add("NodeChildrenChanged /many");
            awaitEvents(w, 10_000, want.toArray(new String[0]));
            // The others are still armed after the split SetWatches.
            expectOk(create(o, String.format("%s%05d", base, 2998), null, P));
            expectOk(create(o, String.format("%s%05d", base, 0), null, P));
            awaitEvents(w, 10_000, "NodeCreated " + String.format("%s%05d", base, 2998),
                    "NodeCreated " + String.format("%s%05d", base, 0));
            w.close();
            o.close();
        });
        test("R06-request-over-jute-maxbuffer", () -> {
            // A request larger than the server's jute.maxbuffer (1 MiB default): the server
            // drops the connection; the session survives and the client reconnects.
            Sess s = connect("BIGREQ", 18000);
            expectCreated(create(s, "/bigreq", null, P), "/bigreq");
            s.states.clear();
            byte[] data = new byte[2 * 1024 * 1024];
            R r = setData(s, "/bigreq", data, -1);
            checkEq(Code.CONNECTIONLOSS.intValue(), r.rc, "setData of 2 MiB: connection dropped");
            checkEq(KeeperState.SyncConnected, s.awaitState(30_000, KeeperState.SyncConnected, KeeperState.Expired),
                    "reconnects to the same session");
            R g = getData(s, "/bigreq", false);
            expectData(g, null, 0);
            s.close();
        });
    }

    // Phase S — zookeeper-security-migration and secure ACLs (§1.8) -------------------------

    static final List<ACL> CREATOR_ALL_PLUS_READ = new ArrayList<>();
    static {
        CREATOR_ALL_PLUS_READ.addAll(ZooDefs.Ids.CREATOR_ALL_ACL);
        CREATOR_ALL_PLUS_READ.addAll(ZooDefs.Ids.READ_ACL_UNSAFE);
    }

    /** ZkSecurityMigrator: getChildren (opcode 8, no watch) and setACL(v=-1) on every node. */
    static int migrate(Sess s, String path, List<ACL> acl, int wantAversion) throws Exception {
        Pending p = start(s, "getChildren " + path);
        s.zk.getChildren(path, false, (AsyncCallback.ChildrenCallback) (rc, p1, ctx, ch) -> {
            R r = new R(); r.rc = rc; r.children = ch; complete(p, r);
        }, null);
        R c = await(p);
        expectOk(c);
        Pending q = start(s, "setACL " + path + " v=-1 " + acl.size() + " entries");
        s.zk.setACL(path, acl, -1, (rc, p1, ctx, stat) -> { R r = new R(); r.rc = rc; r.stat = stat; complete(q, r); }, null);
        R a = await(q);
        expectOk(a);
        if (a.stat != null) checkEq(wantAversion, a.stat.getAversion(), "setACL " + path + " aversion");
        int n = 1;
        if (c.children != null) {
            List<String> kids = new ArrayList<>(c.children);
            Collections.sort(kids);
            for (String k : kids) n += migrate(s, (path.equals("/") ? "" : path) + "/" + k, acl, wantAversion);
        }
        return n;
    }

    static List<ACL> getAcl(Sess s, String path, Stat stat) throws Exception {
        CompletableFuture<List<ACL>> f = new CompletableFuture<>();
        s.zk.getACL(path, null, (rc, p, ctx, acl, st) -> {
            if (rc == 0) {
                stat.setAversion(st.getAversion());
                stat.setVersion(st.getVersion());
                stat.setCversion(st.getCversion());
                f.complete(acl);
            } else f.completeExceptionally(KeeperException.create(Code.get(rc), p));
        }, null);
        List<ACL> acl = f.get(OP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        trace(s.name + " getACL " + path + " -> " + acl + " aversion=" + stat.getAversion());
        return acl;
    }

    static void phaseS() {
        test("S01-security-migrator-unsecure", () -> {
            Sess s = connect("MIGRATOR", 30000);
            int n = 0;
            for (String root : new String[]{"/brokers", "/config", "/admin", "/controller_epoch", "/kafka-acl",
                    "/kafka-acl-changes", "/isr_change_notification", "/latest_producer_id_block"})
                n += migrate(s, root, OPEN, 1);
            trace("MIGRATOR migrated " + n + " nodes");
            check(n > 30, "nodes walked: " + n);
            Stat st = new Stat();
            checkEq(OPEN, getAcl(s, "/brokers/topics/t1/partitions/0/state", st), "ACL after migration");
            checkEq(1, st.getAversion(), "aversion after one setACL");
            // A second pass: aversion 2 everywhere.
            migrate(s, "/brokers/topics/t1", OPEN, 2);
            s.close();
        });
        test("S02-secure-acl-without-identity", () -> {
            Sess s = connect("NOAUTH", 30000);
            Pending p = start(s, "create /secure-probe CREATOR_ALL+READ");
            s.zk.create("/secure-probe", null, CREATOR_ALL_PLUS_READ, P, (rc, p1, ctx, name) -> {
                R r = new R(); r.rc = rc; r.name = name; complete(p, r);
            }, null);
            expectRc(await(p), Code.INVALIDACL);
            s.close();
        });
        test("S03-secure-acls-with-an-identity", () -> {
            // Kafka's identity is a SASL principal or a TLS subject; digest stands in for it.
            Sess sec = connect("SECURE", 30000);
            sec.zk.addAuthInfo("digest", b("kafka:secret"));
            Pending p = start(sec, "create /config/users/carol [{31,auth}]");
            sec.zk.create("/config/users/carol", b(cfg("")), ZooDefs.Ids.CREATOR_ALL_ACL, P, (rc, p1, ctx, name) -> {
                R r = new R(); r.rc = rc; r.name = name; complete(p, r);
            }, null);
            expectCreated(await(p), "/config/users/carol");
            Stat st = new Stat();
            List<ACL> acl = getAcl(sec, "/config/users/carol", st);
            checkEq(1, acl.size(), "sensitive path ACL entries");
            if (acl.size() == 1) {
                checkEq(31, acl.get(0).getPerms(), "perms");
                checkEq("digest", acl.get(0).getId().getScheme(), "auth expanded to the session's identity");
                checkEq("kafka:cHI0nVZW0ogIqS6kVPfrpKU0GoU=", acl.get(0).getId().getId(), "digest id");
            }
            Pending q = start(sec, "create /sec-open [{31,auth},{1,world}]");
            sec.zk.create("/sec-open", b("x"), CREATOR_ALL_PLUS_READ, P, (rc, p1, ctx, name) -> {
                R r = new R(); r.rc = rc; r.name = name; complete(q, r);
            }, null);
            expectCreated(await(q), "/sec-open");
            Sess other = connect("OTHER2", 30000);
            expectRc(getData(other, "/config/users/carol", false), Code.NOAUTH);
            expectData(getData(other, "/sec-open", false), "x", 0);
            expectRc(setData(other, "/sec-open", b("y"), -1), Code.NOAUTH);
            expectOk(setData(sec, "/sec-open", b("y"), -1));
            // The migrator in secure mode, run by the identity.
            migrate(sec, "/brokers/ids", CREATOR_ALL_PLUS_READ, 2);
            List<ACL> b2 = getAcl(other, "/brokers/ids", new Stat());
            checkEq(2, b2.size(), "secure ACL on /brokers/ids");
            expectChildren(children(other, "/brokers/ids", false));
            expectRc(create(other, "/brokers/ids/9", null, E), Code.NOAUTH);
            other.close();
            sec.close();
        });
    }

    // Phase I — shutdown -----------------------------------------------------------------

    static void phaseI() {
        test("I01-broker3-shutdown", () -> {
            long t = System.currentTimeMillis();
            b3.close();
            a3.close();
            // closeSession deletes the ephemerals at once (no session timeout wait).
            awaitEvents(b2, 5_000, "NodeChildrenChanged /brokers/ids", "NodeDeleted /brokers/ids/3");
            check(System.currentTimeMillis() - t < 5_000, "ephemeral removal on closeSession is immediate");
            expectChildren(children(b2, "/brokers/ids", true), "1", "2");
            expectEvents(b1);
        });
        test("I02-controller-shutdown-and-reelection", () -> {
            b2.close();
            a2.close();
            awaitEvents(b1, 5_000, "NodeDeleted /controller");
            expectRc(exists(b1, "/controller", true), Code.NONODE);
            R e = getData(b1, "/controller_epoch", false);
            expectData(e, "2", 2);
            R win = multi(b1, Op.create("/controller", b(ctl(1)), OPEN, E), Op.setData("/controller_epoch", b("3"), 2));
            expectMultiOk(win, OpResult.CreateResult.class, OpResult.SetDataResult.class);
            Stat st = setDataStat(win, 1);
            if (st != null) checkEq(3, st.getVersion(), "controller epoch zkVersion after third election");
            expectEvents(b1, "NodeCreated /controller");
            expectChildren(children(b1, "/brokers/ids", false), "1");
            expectEvents(a1);
        });
        test("I03-last-broker-shutdown", () -> {
            Sess check = connect("CHK", 30000);
            expectOk(exists(check, "/controller", true));
            b1.close();
            a1.close();
            awaitEvents(check, 5_000, "NodeDeleted /controller");
            expectChildren(children(check, "/brokers/ids", false));
            check.close();
        });
    }
}
