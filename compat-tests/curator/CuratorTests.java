/*
 * Apache Curator 5.4 recipes (Debian's libcurator-*-java) against a ZooKeeper-compatible
 * server: locks contended across threads and JVM processes, leader latch failover,
 * distributed atomic long, CuratorCache (persistent recursive watches) and PathChildrenCache
 * event delivery, PersistentNode surviving session loss, transactions with a failing op,
 * and the container parents Curator creates being reaped.
 *
 * Clients connect through an in-process TCP proxy each, so a test can drop a client's
 * connection (Curator sees SUSPENDED / RECONNECTED) or end its session for real: the proxy
 * refuses the client, a second handle with the same session id and password connects
 * directly and closes the session, then the proxy lets the client back in and the server
 * answers its reconnect with "expired" (Curator sees LOST, then a new session).
 *
 * Usage: java CuratorTests HOST:PORT OUTCOMES_FILE
 *        java CuratorTests child-mutex HOST:PORT LOCK_PATH ITERATIONS LOG_FILE COUNTER_PATH
 * OUTCOMES_FILE gets `PASS curator:<test>` / `FAIL curator:<test>` lines.
 */

import java.io.*;
import java.net.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.api.transaction.CuratorTransactionResult;
import org.apache.curator.framework.api.transaction.OperationType;
import org.apache.curator.framework.recipes.atomic.AtomicValue;
import org.apache.curator.framework.recipes.atomic.DistributedAtomicLong;
import org.apache.curator.framework.recipes.atomic.PromotedToLock;
import org.apache.curator.framework.recipes.cache.*;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.*;
import org.apache.zookeeper.Watcher.Event.EventType;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.data.Stat;

public class CuratorTests {
    static final long TEST_TIMEOUT_S = 120;
    static String host;
    static int port;
    static String direct;
    static PrintWriter outcomes;
    static int failed = 0;
    static final List<AutoCloseable> cleanup = new ArrayList<>();

    // ------------------------------------------------------------------------------------
    // Harness
    // ------------------------------------------------------------------------------------

    interface Body { void run() throws Exception; }

    static List<String> problems;

    static void test(String name, Body body) {
        problems = Collections.synchronizedList(new ArrayList<>());
        System.out.println("-- " + name);
        ExecutorService ex = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "test-" + name);
            t.setDaemon(true);
            return t;
        });
        Future<?> f = ex.submit(() -> { body.run(); return null; });
        try {
            f.get(TEST_TIMEOUT_S, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            problems.add("timed out after " + TEST_TIMEOUT_S + " s");
        } catch (ExecutionException e) {
            StringWriter sw = new StringWriter();
            e.getCause().printStackTrace(new PrintWriter(sw));
            problems.add("exception: " + sw.toString().trim());
        } catch (InterruptedException e) {
            problems.add("interrupted");
        }
        ex.shutdownNow();
        closeAll();
        if (problems.isEmpty()) {
            outcomes.println("PASS curator:" + name);
        } else {
            failed++;
            outcomes.println("FAIL curator:" + name);
            for (String p : problems) System.out.println("   FAIL " + name + ": " + p);
        }
        outcomes.flush();
        System.out.flush();
    }

    static void check(boolean ok, String what) { if (!ok) problems.add(what); }

    static void checkEq(Object want, Object got, String what) {
        if (!Objects.equals(want, got)) problems.add(what + ": want <" + want + "> got <" + got + ">");
    }

    static <T extends AutoCloseable> T closeLater(T c) {
        synchronized (cleanup) { cleanup.add(c); }
        return c;
    }

    static void closeAll() {
        List<AutoCloseable> l;
        synchronized (cleanup) { l = new ArrayList<>(cleanup); cleanup.clear(); }
        Collections.reverse(l);
        for (AutoCloseable c : l) {
            try { c.close(); } catch (Exception ignored) { }
        }
    }

    static byte[] b(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    static String s(byte[] d) { return d == null ? null : new String(d, StandardCharsets.UTF_8); }

    /** Poll `cond` until true or `ms` elapse (waiting on an asynchronous recipe). */
    static boolean eventually(long ms, java.util.function.BooleanSupplier cond) throws InterruptedException {
        long deadline = System.currentTimeMillis() + ms;
        while (System.currentTimeMillis() < deadline) {
            if (cond.getAsBoolean()) return true;
            Thread.sleep(20);  // polling interval
        }
        return cond.getAsBoolean();
    }

    // ------------------------------------------------------------------------------------
    // TCP proxy (per client)
    // ------------------------------------------------------------------------------------

    static final class Proxy implements AutoCloseable {
        final ServerSocket listener;
        volatile boolean refusing = false;
        final List<Socket> open = Collections.synchronizedList(new ArrayList<>());

        Proxy() throws IOException {
            listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread t = new Thread(this::acceptLoop, "proxy-accept");
            t.setDaemon(true);
            t.start();
        }

        String connectString() { return "127.0.0.1:" + listener.getLocalPort(); }

        void acceptLoop() {
            while (!listener.isClosed()) {
                Socket c;
                try { c = listener.accept(); } catch (IOException e) { return; }
                if (refusing) { quiet(c); continue; }
                try {
                    Socket srv = new Socket(host, port);
                    open.add(c);
                    open.add(srv);
                    pump(c, srv);
                    pump(srv, c);
                } catch (IOException e) { quiet(c); }
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
                } finally { quiet(from); quiet(to); open.remove(from); open.remove(to); }
            }, "proxy-pump");
            t.setDaemon(true);
            t.start();
        }

        void refuse() { refusing = true; }

        void allow() { refusing = false; }

        void cut() {
            List<Socket> l;
            synchronized (open) { l = new ArrayList<>(open); }
            for (Socket x : l) quiet(x);
        }

        @Override public void close() { refuse(); quiet(listener); cut(); }
    }

    static void quiet(Closeable c) { try { c.close(); } catch (IOException ignored) { } }

    // ------------------------------------------------------------------------------------
    // Clients
    // ------------------------------------------------------------------------------------

    static final class Client implements AutoCloseable {
        final Proxy proxy;
        final CuratorFramework cf;
        final LinkedBlockingQueue<ConnectionState> states = new LinkedBlockingQueue<>();

        Client() throws Exception {
            proxy = new Proxy();
            cf = CuratorFrameworkFactory.builder().connectString(proxy.connectString())
                    .sessionTimeoutMs(15000).connectionTimeoutMs(15000)
                    .retryPolicy(new ExponentialBackoffRetry(100, 10, 1000)).build();
            cf.getConnectionStateListenable().addListener((c, st) -> states.add(st));
            cf.start();
            if (!cf.blockUntilConnected(30, TimeUnit.SECONDS))
                throw new IllegalStateException("curator client did not connect in 30 s");
        }

        long sessionId() throws Exception { return cf.getZookeeperClient().getZooKeeper().getSessionId(); }

        ConnectionState awaitState(long ms, ConnectionState... wanted) throws InterruptedException {
            long deadline = System.currentTimeMillis() + ms;
            List<ConnectionState> w = Arrays.asList(wanted);
            while (true) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) return null;
                ConnectionState st = states.poll(left, TimeUnit.MILLISECONDS);
                if (st == null) return null;
                if (w.contains(st)) return st;
            }
        }

        /** Drop the connection; the session lives on. Returns after SUSPENDED. */
        void blipStart() throws InterruptedException {
            states.clear();
            proxy.refuse();
            proxy.cut();
            checkEq(ConnectionState.SUSPENDED, awaitState(20_000, ConnectionState.SUSPENDED), "SUSPENDED after the drop");
        }

        void blipEnd() throws InterruptedException {
            proxy.allow();
            checkEq(ConnectionState.RECONNECTED, awaitState(30_000, ConnectionState.RECONNECTED, ConnectionState.LOST),
                    "RECONNECTED to the same session");
        }

        /**
         * End this client's session on the server: cut the client off, close its session
         * through a second handle with the same id/password, let the client back in.
         * Returns once Curator has a new session (LOST, then RECONNECTED).
         */
        void killSession() throws Exception {
            ZooKeeper zk = cf.getZookeeperClient().getZooKeeper();
            long id = zk.getSessionId();
            byte[] pw = zk.getSessionPasswd();
            states.clear();
            proxy.refuse();
            proxy.cut();
            CountDownLatch connected = new CountDownLatch(1);
            ZooKeeper killer = new ZooKeeper(direct, 15000, e -> {
                if (e.getState() == KeeperState.SyncConnected) connected.countDown();
            }, id, pw);
            try {
                check(connected.await(30, TimeUnit.SECONDS), "second handle with the same session connects");
                checkEq(id, killer.getSessionId(), "second handle session id");
            } finally {
                killer.close();
            }
            proxy.allow();
            checkEq(ConnectionState.LOST, awaitState(60_000, ConnectionState.LOST), "Curator sees LOST");
            checkEq(ConnectionState.RECONNECTED, awaitState(60_000, ConnectionState.RECONNECTED),
                    "Curator reconnects with a new session");
            check(sessionId() != id, "a new session after the old one was closed");
        }

        @Override public void close() { cf.close(); proxy.close(); }
    }

    static Client client() throws Exception { return closeLater(new Client()); }

    // ------------------------------------------------------------------------------------
    // Tests
    // ------------------------------------------------------------------------------------

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("child-mutex")) {
            childMutex(args);
            return;
        }
        if (args.length != 2) {
            System.err.println("usage: CuratorTests HOST:PORT OUTCOMES");
            System.exit(2);
        }
        String[] hp = args[0].split(":");
        host = hp[0];
        port = Integer.parseInt(hp[1]);
        direct = host + ":" + port;
        outcomes = new PrintWriter(new FileWriter(args[1]));
        long t0 = System.currentTimeMillis();

        test("connect-and-basic-ops", CuratorTests::basicOps);
        test("mutex-threads", CuratorTests::mutexThreads);
        test("mutex-processes", CuratorTests::mutexProcesses);
        test("mutex-reentrant-and-timeout", CuratorTests::mutexReentrant);
        test("lock-container-parents-reaped", CuratorTests::containersReaped);
        test("ttl-nodes-expire", CuratorTests::ttlNodes);
        test("leader-latch-election", CuratorTests::leaderElection);
        test("leader-latch-failover-on-close", CuratorTests::leaderFailoverClose);
        test("leader-latch-failover-on-session-loss", CuratorTests::leaderFailoverSessionLoss);
        test("atomic-long-concurrent-increments", CuratorTests::atomicConcurrent);
        test("atomic-long-operations", CuratorTests::atomicOps);
        test("atomic-long-promoted-to-lock", CuratorTests::atomicPromoted);
        test("curator-cache-events", CuratorTests::curatorCache);
        test("path-children-cache-events", CuratorTests::pathChildrenCache);
        test("path-children-cache-reconnect", CuratorTests::pathChildrenCacheReconnect);
        test("persistent-node-survives-session-loss", CuratorTests::persistentNode);
        test("transaction-commit", CuratorTests::transactionCommit);
        test("transaction-failing-op", CuratorTests::transactionFailing);

        outcomes.close();
        System.out.println("curator tests finished in " + (System.currentTimeMillis() - t0) + " ms, " + failed
                + " failed");
        System.exit(failed == 0 ? 0 : 1);
    }

    static void basicOps() throws Exception {
        Client c = client();
        CuratorFramework cf = c.cf;
        // creatingParentContainersIfNeeded: createContainer (opcode 19) for the parents.
        String p = cf.create().creatingParentContainersIfNeeded().forPath("/basic/a/b", b("v"));
        checkEq("/basic/a/b", p, "created path");
        Stat st = cf.checkExists().forPath("/basic/a");
        check(st != null, "container parent exists");
        Stat st2 = new Stat();
        checkEq("v", s(cf.getData().storingStatIn(st2).forPath("/basic/a/b")), "data");
        checkEq(0, st2.getVersion(), "version");
        cf.setData().forPath("/basic/a/b", b("w"));
        checkEq("w", s(cf.getData().forPath("/basic/a/b")), "data after setData");
        // create2 with a stat (Curator's storingStatIn on create).
        Stat cs = new Stat();
        cf.create().storingStatIn(cs).forPath("/basic/c", b("12345"));
        checkEq(5, cs.getDataLength(), "create2 stat dataLength");
        check(cs.getCzxid() > 0 && cs.getCzxid() == cs.getMzxid(), "create2 stat zxids");
        // orSetData, protection + ephemeral sequential
        cf.create().orSetData().forPath("/basic/c", b("x"));
        checkEq("x", s(cf.getData().forPath("/basic/c")), "create().orSetData() on an existing node");
        String prot = cf.create().withProtection().withMode(CreateMode.EPHEMERAL_SEQUENTIAL).forPath("/basic/e-", b("p"));
        check(prot.matches("/basic/_c_[0-9a-f-]{36}-e-\\d{10}"), "protected ephemeral sequential name " + prot);
        Stat es = cf.checkExists().forPath(prot);
        check(es != null && es.getEphemeralOwner() == c.sessionId(), "ephemeral owner is the session");
        List<String> kids = cf.getChildren().forPath("/basic");
        Collections.sort(kids);
        checkEq(3, kids.size(), "children of /basic");
        try {
            cf.create().forPath("/basic/c");
            problems.add("create of an existing node did not fail");
        } catch (KeeperException.NodeExistsException expected) { }
        try {
            cf.delete().forPath("/basic/a");
            problems.add("delete of a non-empty node did not fail");
        } catch (KeeperException.NotEmptyException expected) { }
        cf.delete().deletingChildrenIfNeeded().forPath("/basic");
        check(cf.checkExists().forPath("/basic") == null, "deletingChildrenIfNeeded removed the tree");
    }

    // --- locks ---------------------------------------------------------------------------

    static int incrementCounter(CuratorFramework cf, String path) throws Exception {
        int v = Integer.parseInt(s(cf.getData().forPath(path)));
        Thread.sleep(3);  // widen the read-modify-write window a lock must protect
        cf.setData().forPath(path, b(String.valueOf(v + 1)));
        return v + 1;
    }

    static void mutexThreads() throws Exception {
        Client c = client();
        c.cf.create().creatingParentsIfNeeded().forPath("/counters/threads", b("0"));
        int threads = 5, iters = 8;
        AtomicInteger holders = new AtomicInteger(), maxHolders = new AtomicInteger(), acquired = new AtomicInteger();
        List<Future<?>> fs = new ArrayList<>();
        ExecutorService ex = Executors.newFixedThreadPool(threads);
        for (int t = 0; t < threads; t++) {
            // each thread its own client (own session) and mutex instance
            Client tc = client();
            fs.add(ex.submit(() -> {
                InterProcessMutex m = new InterProcessMutex(tc.cf, "/locks/m1");
                for (int i = 0; i < iters; i++) {
                    if (!m.acquire(60, TimeUnit.SECONDS)) throw new IllegalStateException("acquire timed out");
                    try {
                        int h = holders.incrementAndGet();
                        maxHolders.accumulateAndGet(h, Math::max);
                        acquired.incrementAndGet();
                        incrementCounter(tc.cf, "/counters/threads");
                        holders.decrementAndGet();
                    } finally {
                        m.release();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : fs) f.get(100, TimeUnit.SECONDS);
        ex.shutdown();
        checkEq(threads * iters, acquired.get(), "acquisitions");
        checkEq(1, maxHolders.get(), "most simultaneous holders");
        checkEq(String.valueOf(threads * iters), s(c.cf.getData().forPath("/counters/threads")),
                "counter incremented under the lock (lost updates mean no exclusion)");
        checkEq(Collections.emptyList(), c.cf.getChildren().forPath("/locks/m1"), "lock nodes left behind");
    }

    static void mutexProcesses() throws Exception {
        Client c = client();
        c.cf.create().creatingParentsIfNeeded().forPath("/counters/procs", b("0"));
        Path log = Files.createTempFile("curator-mutex", ".log");
        int procs = 3, iters = 6;
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < procs; i++) {
            ProcessBuilder pb = new ProcessBuilder("java", "-cp", System.getProperty("java.class.path"),
                    "-Dzookeeper.sasl.client=false",
                    "-Dlog4j.configuration=" + System.getProperty("log4j.configuration", ""),
                    "CuratorTests", "child-mutex", direct, "/locks/procs", String.valueOf(iters), log.toString(),
                    "/counters/procs", "p" + i);
            pb.redirectErrorStream(true);
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(new File(log + ".out")));
            ps.add(pb.start());
        }
        for (Process p : ps) {
            if (!p.waitFor(100, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                problems.add("child process did not finish");
            } else checkEq(0, p.exitValue(), "child exit status");
        }
        List<String> lines = Files.readAllLines(log);
        checkEq(2 * procs * iters, lines.size(), "enter/exit lines");
        String holder = null;
        int entries = 0;
        for (String l : lines) {
            String[] w = l.split(" ");
            if (w[0].equals("enter")) {
                check(holder == null, "process " + w[1] + " entered while " + holder + " held the lock");
                holder = w[1];
                entries++;
            } else {
                checkEq(holder, w[1], "exit by the holder");
                holder = null;
            }
        }
        checkEq(procs * iters, entries, "critical sections");
        checkEq(String.valueOf(procs * iters), s(c.cf.getData().forPath("/counters/procs")),
                "counter incremented under the lock across processes");
        Files.deleteIfExists(log);
        Files.deleteIfExists(Paths.get(log + ".out"));
    }

    static void childMutex(String[] a) throws Exception {
        String[] hp = a[1].split(":");
        host = hp[0];
        port = Integer.parseInt(hp[1]);
        String lockPath = a[2], logFile = a[4], counter = a[5], me = a[6];
        int iters = Integer.parseInt(a[3]);
        problems = new ArrayList<>();
        try (Client c = new Client()) {
            InterProcessMutex m = new InterProcessMutex(c.cf, lockPath);
            for (int i = 0; i < iters; i++) {
                if (!m.acquire(60, TimeUnit.SECONDS)) { System.err.println("acquire timed out"); System.exit(3); }
                try {
                    append(logFile, "enter " + me + " " + i + "\n");
                    incrementCounter(c.cf, counter);
                    append(logFile, "exit " + me + " " + i + "\n");
                } finally {
                    m.release();
                }
            }
        }
        System.exit(problems.isEmpty() ? 0 : 4);
    }

    static void append(String file, String line) throws IOException {
        try (FileOutputStream f = new FileOutputStream(file, true)) {  // O_APPEND
            f.write(b(line));
        }
    }

    static void mutexReentrant() throws Exception {
        Client c1 = client(), c2 = client();
        InterProcessMutex m1 = new InterProcessMutex(c1.cf, "/locks/re");
        InterProcessMutex m2 = new InterProcessMutex(c2.cf, "/locks/re");
        check(m1.acquire(10, TimeUnit.SECONDS), "first acquire");
        check(m1.acquire(10, TimeUnit.SECONDS), "re-entrant acquire");
        check(m1.isAcquiredInThisProcess(), "held");
        long t = System.currentTimeMillis();
        check(!m2.acquire(300, TimeUnit.MILLISECONDS), "a second client cannot acquire while held");
        check(System.currentTimeMillis() - t >= 250, "the failed acquire waited for its timeout");
        checkEq(1, c1.cf.getChildren().forPath("/locks/re").size(), "one lock node for a re-entrant holder");
        m1.release();
        check(!m2.acquire(300, TimeUnit.MILLISECONDS), "still held after one release of two");
        m1.release();
        check(m2.acquire(10, TimeUnit.SECONDS), "acquired once fully released");
        // The holder's session ends: its lock node goes, a waiter gets the lock.
        InterProcessMutex m3 = new InterProcessMutex(c1.cf, "/locks/re");
        CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(() -> {
            try {
                if (!m3.acquire(60, TimeUnit.SECONDS)) return false;
                m3.release();  // in the acquiring thread: the mutex is owned per thread
                return true;
            } catch (Exception e) { return false; }
        });
        check(eventually(10_000, () -> {
            try { return c1.cf.getChildren().forPath("/locks/re").size() == 2; } catch (Exception e) { return false; }
        }), "the waiter queued its lock node");
        c2.killSession();
        check(waiter.get(60, TimeUnit.SECONDS), "waiter acquires after the holder's session ended");
    }

    static void containersReaped() throws Exception {
        // The lock parents Curator created as containers (/locks, /locks/m1, ...) are deleted
        // by the server once empty (znode.container.checkIntervalMs=1000 on both servers).
        Client c = client();
        InterProcessMutex m = new InterProcessMutex(c.cf, "/reap/locks/r1");
        check(m.acquire(10, TimeUnit.SECONDS), "acquire");
        for (String p : new String[]{"/reap", "/reap/locks", "/reap/locks/r1"}) {
            // Clients see ephemeralOwner 0 for containers (DataNode.getClientEphemeralOwner).
            Stat st = c.cf.checkExists().forPath(p);
            checkEq(0L, st == null ? null : st.getEphemeralOwner(), p + " (a container parent) ephemeralOwner");
        }
        m.release();
        boolean gone = eventually(30_000, () -> {
            try { return c.cf.checkExists().forPath("/reap") == null; } catch (Exception e) { return false; }
        });
        check(gone, "empty container parents /reap/locks/r1, /reap/locks, /reap reaped within 30 s; left: "
                + (gone ? "" : safeChildren(c.cf, "/reap") + " " + safeChildren(c.cf, "/reap/locks")));
        check(eventually(30_000, () -> {
            try { return c.cf.checkExists().forPath("/locks") == null; } catch (Exception e) { return false; }
        }), "the earlier tests' lock containers (/locks) are gone too");
        // A container that never had a child is kept; a non-container empty node is kept.
        c.cf.create().withMode(CreateMode.CONTAINER).forPath("/never-had-child");
        c.cf.create().forPath("/plain-empty");
        c.cf.create().withMode(CreateMode.CONTAINER).forPath("/had-child");
        c.cf.create().forPath("/had-child/x");
        c.cf.delete().forPath("/had-child/x");
        check(eventually(30_000, () -> {
            try { return c.cf.checkExists().forPath("/had-child") == null; } catch (Exception e) { return false; }
        }), "a container whose last child was deleted is reaped");
        check(c.cf.checkExists().forPath("/never-had-child") != null, "a container that never had a child is kept");
        check(c.cf.checkExists().forPath("/plain-empty") != null, "a persistent empty node is kept");
    }

    static void ttlNodes() throws Exception {
        // TTL nodes (extendedTypesEnabled=true): deleted once unmodified for longer than their
        // TTL and childless; checked with the containers (every second here).
        Client c = client();
        CuratorFramework cf = c.cf;
        cf.create().withTtl(1000).withMode(CreateMode.PERSISTENT_WITH_TTL).forPath("/ttl-a", b("a"));
        cf.create().withTtl(1000).withMode(CreateMode.PERSISTENT_WITH_TTL).forPath("/ttl-parent", b("p"));
        cf.create().forPath("/ttl-parent/child", b("c"));
        String seq = cf.create().withTtl(1000).withMode(CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL).forPath("/ttl-s-", b("s"));
        check(seq.matches("/ttl-s-\\d{10}"), "sequential TTL name " + seq);
        cf.create().withTtl(600_000).withMode(CreateMode.PERSISTENT_WITH_TTL).forPath("/ttl-long", b("l"));
        Stat st = cf.checkExists().forPath("/ttl-a");
        checkEq(0L, st == null ? null : st.getEphemeralOwner(), "TTL node ephemeralOwner as clients see it");
        check(eventually(30_000, () -> {
            try { return cf.checkExists().forPath("/ttl-a") == null && cf.checkExists().forPath(seq) == null; }
            catch (Exception e) { return false; }
        }), "childless TTL nodes past their TTL are deleted");
        check(cf.checkExists().forPath("/ttl-parent") != null, "a TTL node with a child is kept");
        check(cf.checkExists().forPath("/ttl-long") != null, "a TTL node within its TTL is kept");
        cf.delete().forPath("/ttl-parent/child");
        check(eventually(30_000, () -> {
            try { return cf.checkExists().forPath("/ttl-parent") == null; } catch (Exception e) { return false; }
        }), "a TTL node is deleted once its last child is gone");
        try {
            cf.create().withTtl(0).withMode(CreateMode.PERSISTENT_WITH_TTL).forPath("/ttl-zero");
            problems.add("a TTL of 0 was accepted");
        } catch (IllegalArgumentException | KeeperException expected) { }
    }

    static List<String> safeChildren(CuratorFramework cf, String p) {
        try { return cf.getChildren().forPath(p); } catch (Exception e) { return Collections.emptyList(); }
    }

    // --- leader latch ----------------------------------------------------------------------

    static List<LeaderLatch> latches(List<Client> cs, String path) throws Exception {
        List<LeaderLatch> ls = new ArrayList<>();
        for (int i = 0; i < cs.size(); i++) {
            LeaderLatch l = new LeaderLatch(cs.get(i).cf, path, "c" + i);
            closeLater(l::close);
            l.start();
            ls.add(l);
        }
        return ls;
    }

    static List<Integer> leaders(List<LeaderLatch> ls, Set<Integer> closed) {
        List<Integer> r = new ArrayList<>();
        for (int i = 0; i < ls.size(); i++) if (!closed.contains(i) && ls.get(i).hasLeadership()) r.add(i);
        return r;
    }

    static int awaitOneLeader(List<LeaderLatch> ls, Set<Integer> closed) throws Exception {
        boolean one = eventually(30_000, () -> leaders(ls, closed).size() == 1);
        List<Integer> l = leaders(ls, closed);
        check(one, "exactly one leader: " + l);
        // Every participant agrees on who leads.
        if (l.size() == 1) {
            String id = "c" + l.get(0);
            for (int i = 0; i < ls.size(); i++) {
                if (closed.contains(i)) continue;
                int ii = i;
                check(eventually(10_000, () -> {
                    try { return ls.get(ii).getLeader().getId().equals(id); } catch (Exception e) { return false; }
                }), "c" + i + " sees " + id + " as leader");
            }
        }
        return l.isEmpty() ? -1 : l.get(0);
    }

    static void leaderElection() throws Exception {
        List<Client> cs = Arrays.asList(client(), client(), client());
        List<LeaderLatch> ls = latches(cs, "/latch/a");
        int leader = awaitOneLeader(ls, new HashSet<>());
        check(eventually(30_000, () -> {
            try { return ls.get(0).getParticipants().size() == 3; } catch (Exception e) { return false; }
        }), "three participants");
        // The first to create its node (lowest sequence) leads.
        List<String> kids = cs.get(0).cf.getChildren().forPath("/latch/a");
        Collections.sort(kids, Comparator.comparing(k -> k.substring(k.length() - 10)));
        checkEq(3, kids.size(), "latch nodes");
        if (leader >= 0 && !kids.isEmpty()) {
            Stat st = cs.get(0).cf.checkExists().forPath("/latch/a/" + kids.get(0));
            checkEq(cs.get(leader).sessionId(), st.getEphemeralOwner(), "leader owns the lowest-sequence node");
        }
    }

    static void leaderFailoverClose() throws Exception {
        List<Client> cs = Arrays.asList(client(), client(), client());
        List<LeaderLatch> ls = latches(cs, "/latch/b");
        Set<Integer> closed = new HashSet<>();
        int first = awaitOneLeader(ls, closed);
        if (first < 0) return;
        ls.get(first).close();
        closed.add(first);
        int second = awaitOneLeader(ls, closed);
        check(second >= 0 && second != first, "leadership moved to another participant");
        // The closed latch's node goes (its delete is in the background), the other two
        // stay; a participant whose connection blips resets (delete + recreate its node), so
        // the count is checked once it settles rather than at one instant.
        Client reader = cs.get(second < 0 ? 0 : second);
        AtomicReference<Integer> seen = new AtomicReference<>(-1);
        boolean two = eventually(10_000, () -> {
            try { seen.set(reader.cf.getChildren().forPath("/latch/b").size()); } catch (Exception e) { return false; }
            return seen.get() == 2;
        });
        check(two, "latch nodes after close settle at 2 (last seen " + seen.get() + ")");
    }

    static void leaderFailoverSessionLoss() throws Exception {
        List<Client> cs = Arrays.asList(client(), client(), client());
        List<LeaderLatch> ls = latches(cs, "/latch/c");
        int first = awaitOneLeader(ls, new HashSet<>());
        if (first < 0) return;
        AtomicBoolean lostLeadership = new AtomicBoolean();
        ls.get(first).addListener(new org.apache.curator.framework.recipes.leader.LeaderLatchListener() {
            public void isLeader() { }
            public void notLeader() { lostLeadership.set(true); }
        });
        cs.get(first).killSession();
        check(eventually(30_000, () -> lostLeadership.get()), "the old leader is told notLeader");
        int second = awaitOneLeader(ls, new HashSet<>());
        check(second >= 0 && second != first, "a surviving participant took over (got " + second + ")");
        // The old leader rejoined with a new node in its new session.
        check(eventually(30_000, () -> {
            try { return ls.get(0).getParticipants().size() == 3; } catch (Exception e) { return false; }
        }), "three participants again after the old leader rejoins");
    }

    // --- atomic long ---------------------------------------------------------------------

    static long incrementUntilDone(DistributedAtomicLong d) throws Exception {
        for (int attempt = 0; attempt < 200; attempt++) {
            AtomicValue<Long> v = d.increment();
            if (v.succeeded()) {
                if (v.postValue() != v.preValue() + 1) problems.add("increment: post != pre + 1");
                return v.postValue();
            }
        }
        throw new IllegalStateException("increment never succeeded");
    }

    static void atomicConcurrent() throws Exception {
        int threads = 4, iters = 20;
        ExecutorService ex = Executors.newFixedThreadPool(threads);
        List<Future<Set<Long>>> fs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Client tc = client();
            fs.add(ex.submit(() -> {
                DistributedAtomicLong d = new DistributedAtomicLong(tc.cf, "/atomic/concurrent", new RetryNTimes(50, 5));
                Set<Long> seen = new HashSet<>();
                for (int i = 0; i < iters; i++) seen.add(incrementUntilDone(d));
                return seen;
            }));
        }
        Set<Long> all = new HashSet<>();
        int total = 0;
        for (Future<Set<Long>> f : fs) {
            Set<Long> s = f.get(100, TimeUnit.SECONDS);
            total += s.size();
            all.addAll(s);
        }
        ex.shutdown();
        checkEq(threads * iters, all.size(), "distinct post-values (a duplicate means two increments saw one value)");
        checkEq(threads * iters, total, "increments");
        Client c = client();
        DistributedAtomicLong d = new DistributedAtomicLong(c.cf, "/atomic/concurrent", new RetryNTimes(3, 10));
        AtomicValue<Long> v = d.get();
        check(v.succeeded(), "get succeeded");
        checkEq((long) threads * iters, v.postValue(), "final value");
        Stat st = c.cf.checkExists().forPath("/atomic/concurrent");
        // The first increment creates the node (version 0); each later one is a setData.
        checkEq(threads * iters - 1, st.getVersion(), "znode version = successful increments - 1");
    }

    static void atomicOps() throws Exception {
        Client c = client();
        DistributedAtomicLong d = new DistributedAtomicLong(c.cf, "/atomic/ops", new RetryNTimes(3, 10));
        check(d.initialize(10L), "initialize on a missing node");
        check(!d.initialize(99L), "initialize on an existing node returns false");
        checkEq(10L, d.get().postValue(), "value after initialize");
        AtomicValue<Long> cas = d.compareAndSet(10L, 20L);
        check(cas.succeeded(), "compareAndSet(10, 20)");
        AtomicValue<Long> bad = d.compareAndSet(10L, 30L);
        check(!bad.succeeded(), "compareAndSet with a stale expected value fails");
        checkEq(20L, d.get().postValue(), "value after CAS");
        check(d.trySet(42L).succeeded(), "trySet");
        AtomicValue<Long> add = d.add(-2L);
        check(add.succeeded(), "add(-2)");
        checkEq(42L, add.preValue(), "add preValue");
        checkEq(40L, add.postValue(), "add postValue");
        checkEq(39L, d.decrement().postValue(), "decrement");
        checkEq(44L, d.subtract(-5L).postValue(), "subtract(-5)");
        d.forceSet(7L);
        checkEq(7L, d.get().postValue(), "forceSet");
        byte[] raw = c.cf.getData().forPath("/atomic/ops");
        checkEq(8, raw.length, "stored as an 8-byte long");
    }

    static void atomicPromoted() throws Exception {
        int threads = 3, iters = 10;
        ExecutorService ex = Executors.newFixedThreadPool(threads);
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Client tc = client();
            fs.add(ex.submit(() -> {
                // No optimistic retries: contention is resolved by promotion to the lock.
                DistributedAtomicLong d = new DistributedAtomicLong(tc.cf, "/atomic/promoted", new RetryNTimes(0, 0),
                        PromotedToLock.builder().lockPath("/atomic/promoted-lock").timeout(30, TimeUnit.SECONDS)
                                .retryPolicy(new RetryNTimes(5, 10)).build());
                for (int i = 0; i < iters; i++) incrementUntilDone(d);
                return null;
            }));
        }
        for (Future<?> f : fs) f.get(100, TimeUnit.SECONDS);
        ex.shutdown();
        Client c = client();
        DistributedAtomicLong d = new DistributedAtomicLong(c.cf, "/atomic/promoted", new RetryNTimes(3, 10));
        checkEq((long) threads * iters, d.get().postValue(), "final value with promotion to lock");
    }

    // --- caches ----------------------------------------------------------------------------

    static void curatorCache() throws Exception {
        Client writer = client(), reader = client();
        writer.cf.create().creatingParentsIfNeeded().forPath("/cache/pre1", b("p1"));
        writer.cf.create().forPath("/cache/pre2", b("p2"));
        LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
        CountDownLatch init = new CountDownLatch(1);
        CuratorCache cache = CuratorCache.build(reader.cf, "/cache");
        closeLater(cache::close);
        cache.listenable().addListener(CuratorCacheListener.builder()
                .forAll((type, oldData, data) -> {
                    ChildData d = data != null ? data : oldData;
                    events.add(type + " " + d.getPath() + " " + s(d.getData()));
                })
                .forInitialized(init::countDown).build());
        cache.start();
        check(init.await(30, TimeUnit.SECONDS), "cache initialized");
        List<String> initial = new ArrayList<>();
        events.drainTo(initial);
        Collections.sort(initial);
        checkEq(Arrays.asList("NODE_CREATED /cache ", "NODE_CREATED /cache/pre1 p1", "NODE_CREATED /cache/pre2 p2"),
                initial, "initial events");
        // One change at a time, each event awaited: CuratorCache follows it with a
        // persistent recursive watch (addWatch, opcode 106) and getData.
        String[][] steps = {
                {"create", "/cache/a", "1", "NODE_CREATED /cache/a 1"},
                {"set", "/cache/a", "2", "NODE_CHANGED /cache/a 2"},
                {"create", "/cache/a/b", "3", "NODE_CREATED /cache/a/b 3"},
                {"create", "/cache/a/b/c", "4", "NODE_CREATED /cache/a/b/c 4"},
                {"set", "/cache/a/b/c", "5", "NODE_CHANGED /cache/a/b/c 5"},
                {"delete", "/cache/a/b/c", null, "NODE_DELETED /cache/a/b/c 5"},
                {"delete", "/cache/a/b", null, "NODE_DELETED /cache/a/b 3"},
                {"set", "/cache", "root", "NODE_CHANGED /cache root"},
                {"delete", "/cache/a", null, "NODE_DELETED /cache/a 2"},
        };
        for (String[] st : steps) {
            switch (st[0]) {
                case "create": writer.cf.create().forPath(st[1], b(st[2])); break;
                case "set": writer.cf.setData().forPath(st[1], b(st[2])); break;
                default: writer.cf.delete().forPath(st[1]);
            }
            String got = events.poll(15, TimeUnit.SECONDS);
            checkEq(st[3], got, "event for " + st[0] + " " + st[1]);
        }
        checkEq(3, cache.size(), "cache size at the end");
        check(cache.get("/cache/pre2").map(d -> "p2".equals(s(d.getData()))).orElse(false), "cache content");
        String extra = events.poll(300, TimeUnit.MILLISECONDS);
        check(extra == null, "no extra event: " + extra);
        // The recursive watch survives a dropped connection.
        reader.blipStart();
        writer.cf.create().forPath("/cache/during-blip", b("x"));
        reader.blipEnd();
        checkEq("NODE_CREATED /cache/during-blip x", events.poll(30, TimeUnit.SECONDS),
                "a child created while disconnected is reported after the reconnect");
        writer.cf.setData().forPath("/cache/during-blip", b("y"));
        checkEq("NODE_CHANGED /cache/during-blip y", events.poll(15, TimeUnit.SECONDS),
                "the persistent recursive watch still fires after the reconnect");
    }

    static String pce(PathChildrenCacheEvent e) {
        String s = e.getType().toString();
        if (e.getData() != null) s += " " + e.getData().getPath() + " " + s(e.getData().getData());
        return s;
    }

    static void pathChildrenCache() throws Exception {
        Client writer = client(), reader = client();
        writer.cf.create().creatingParentsIfNeeded().forPath("/pcc/x", b("x0"));
        PathChildrenCache cache = new PathChildrenCache(reader.cf, "/pcc", true);
        closeLater(cache);
        LinkedBlockingQueue<PathChildrenCacheEvent> events = new LinkedBlockingQueue<>();
        cache.getListenable().addListener((c, e) -> events.add(e));
        cache.start(PathChildrenCache.StartMode.POST_INITIALIZED_EVENT);
        PathChildrenCacheEvent init = events.poll(30, TimeUnit.SECONDS);
        checkEq("CHILD_ADDED /pcc/x x0", init == null ? null : pce(init), "initial child");
        init = events.poll(30, TimeUnit.SECONDS);
        checkEq(PathChildrenCacheEvent.Type.INITIALIZED, init == null ? null : init.getType(), "INITIALIZED");
        if (init != null) checkEq(1, init.getInitialData().size(), "initial data");
        String[][] steps = {
                {"create", "/pcc/a", "1", "CHILD_ADDED /pcc/a 1"},
                {"set", "/pcc/a", "2", "CHILD_UPDATED /pcc/a 2"},
                {"set", "/pcc/a", "2", "CHILD_UPDATED /pcc/a 2"},  // same data, new version
                {"create-e", "/pcc/e", "eph", "CHILD_ADDED /pcc/e eph"},
                {"delete", "/pcc/a", null, "CHILD_REMOVED /pcc/a 2"},
                {"create", "/pcc/x/grandchild", "g", null},          // not a child: no event
                {"set", "/pcc", "parent", null},                     // the parent itself: no event
        };
        for (String[] st : steps) {
            switch (st[0]) {
                case "create": writer.cf.create().forPath(st[1], b(st[2])); break;
                case "create-e": writer.cf.create().withMode(CreateMode.EPHEMERAL).forPath(st[1], b(st[2])); break;
                case "set": writer.cf.setData().forPath(st[1], b(st[2])); break;
                default: writer.cf.delete().forPath(st[1]);
            }
            if (st[3] != null) {
                PathChildrenCacheEvent e = events.poll(15, TimeUnit.SECONDS);
                checkEq(st[3], e == null ? null : pce(e), "event for " + st[0] + " " + st[1]);
            }
        }
        PathChildrenCacheEvent extra = events.poll(500, TimeUnit.MILLISECONDS);
        check(extra == null, "no extra event: " + (extra == null ? "" : pce(extra)));
        // The writer's session ends: its ephemeral child goes.
        writer.killSession();
        PathChildrenCacheEvent e = events.poll(30, TimeUnit.SECONDS);
        checkEq("CHILD_REMOVED /pcc/e eph", e == null ? null : pce(e), "ephemeral removed with its session");
        List<String> cur = new ArrayList<>();
        for (ChildData d : cache.getCurrentData()) cur.add(d.getPath());
        checkEq(Arrays.asList("/pcc/x"), cur, "cache content");
    }

    static void pathChildrenCacheReconnect() throws Exception {
        Client writer = client(), reader = client();
        writer.cf.create().creatingParentsIfNeeded().forPath("/pcr/keep", b("k"));
        writer.cf.create().forPath("/pcr/gone", b("g"));
        writer.cf.create().forPath("/pcr/changed", b("c0"));
        PathChildrenCache cache = new PathChildrenCache(reader.cf, "/pcr", true);
        closeLater(cache);
        LinkedBlockingQueue<PathChildrenCacheEvent> events = new LinkedBlockingQueue<>();
        cache.getListenable().addListener((c, e) -> events.add(e));
        cache.start(PathChildrenCache.StartMode.BUILD_INITIAL_CACHE);
        checkEq(3, cache.getCurrentData().size(), "initial cache");
        reader.blipStart();
        writer.cf.create().forPath("/pcr/new", b("n"));
        writer.cf.delete().forPath("/pcr/gone");
        writer.cf.setData().forPath("/pcr/changed", b("c1"));
        reader.blipEnd();
        Set<String> got = new TreeSet<>();
        long deadline = System.currentTimeMillis() + 30_000;
        Set<String> want = new TreeSet<>(Arrays.asList("CONNECTION_SUSPENDED", "CONNECTION_RECONNECTED",
                "CHILD_ADDED /pcr/new n", "CHILD_REMOVED /pcr/gone g", "CHILD_UPDATED /pcr/changed c1"));
        while (!got.containsAll(want) && System.currentTimeMillis() < deadline) {
            PathChildrenCacheEvent e = events.poll(500, TimeUnit.MILLISECONDS);
            if (e != null) got.add(pce(e));
        }
        checkEq(want, got, "events across a dropped connection (setWatches on reconnect)");
        Map<String, String> cur = new TreeMap<>();
        for (ChildData d : cache.getCurrentData()) cur.put(d.getPath(), s(d.getData()));
        Map<String, String> wantCur = new TreeMap<>();
        wantCur.put("/pcr/keep", "k");
        wantCur.put("/pcr/new", "n");
        wantCur.put("/pcr/changed", "c1");
        checkEq(wantCur, cur, "cache content after the reconnect");
    }

    // --- persistent node -------------------------------------------------------------------

    static void persistentNode() throws Exception {
        Client owner = client(), observer = client();
        PersistentNode node = new PersistentNode(owner.cf, CreateMode.EPHEMERAL, false, "/pn/node", b("hello"));
        closeLater(node::close);
        node.start();
        check(node.waitForInitialCreate(30, TimeUnit.SECONDS), "initial create");
        long oldSession = owner.sessionId();
        Stat st = observer.cf.checkExists().forPath("/pn/node");
        check(st != null && st.getEphemeralOwner() == oldSession, "ephemeral owned by the first session");
        LinkedBlockingQueue<WatchedEvent> ev = new LinkedBlockingQueue<>();
        observer.cf.checkExists().usingWatcher((Watcher) ev::add).forPath("/pn/node");
        owner.killSession();
        WatchedEvent deleted = ev.poll(30, TimeUnit.SECONDS);
        checkEq(EventType.NodeDeleted, deleted == null ? null : deleted.getType(), "observer sees NodeDeleted");
        long newSession = owner.sessionId();
        check(eventually(30_000, () -> {
            try {
                Stat s2 = observer.cf.checkExists().forPath("/pn/node");
                return s2 != null && s2.getEphemeralOwner() == newSession;
            } catch (Exception e) { return false; }
        }), "PersistentNode re-created the node in the new session");
        checkEq("hello", s(observer.cf.getData().forPath("/pn/node")), "re-created data");
        node.setData(b("world"));
        check(eventually(10_000, () -> {
            try { return "world".equals(s(observer.cf.getData().forPath("/pn/node"))); } catch (Exception e) { return false; }
        }), "PersistentNode.setData reaches the server");
        // Deleted by someone else: re-created.
        observer.cf.delete().forPath("/pn/node");
        check(eventually(30_000, () -> {
            try { return observer.cf.checkExists().forPath("/pn/node") != null; } catch (Exception e) { return false; }
        }), "PersistentNode re-creates a node deleted by another client");
        node.close();
        check(eventually(10_000, () -> {
            try { return observer.cf.checkExists().forPath("/pn/node") == null; } catch (Exception e) { return false; }
        }), "closing the PersistentNode deletes it");
    }

    // --- transactions ----------------------------------------------------------------------

    static void transactionCommit() throws Exception {
        Client c = client();
        CuratorFramework cf = c.cf;
        cf.create().forPath("/tx", b("t"));
        cf.create().forPath("/tx/old", b("o"));
        List<CuratorOp> ops = Arrays.asList(
                cf.transactionOp().create().forPath("/tx/a", b("a")),
                cf.transactionOp().create().withMode(CreateMode.PERSISTENT_SEQUENTIAL).forPath("/tx/seq-", b("s")),
                cf.transactionOp().setData().withVersion(0).forPath("/tx", b("t2")),
                cf.transactionOp().check().withVersion(0).forPath("/tx/old"),
                cf.transactionOp().delete().forPath("/tx/old"));
        List<CuratorTransactionResult> rs = cf.transaction().forOperations(ops);
        checkEq(5, rs.size(), "results");
        checkEq(OperationType.CREATE, rs.get(0).getType(), "result 0 type");
        checkEq("/tx/a", rs.get(0).getResultPath(), "result 0 path");
        check(rs.get(1).getResultPath().matches("/tx/seq-\\d{10}"), "sequential result path " + rs.get(1).getResultPath());
        checkEq(OperationType.SET_DATA, rs.get(2).getType(), "result 2 type");
        checkEq(1, rs.get(2).getResultStat() == null ? -1 : rs.get(2).getResultStat().getVersion(), "setData stat version");
        checkEq(OperationType.CHECK, rs.get(3).getType(), "result 3 type");
        checkEq(OperationType.DELETE, rs.get(4).getType(), "result 4 type");
        for (CuratorTransactionResult r : rs) checkEq(0, r.getError(), "per-op error of a committed transaction");
        check(cf.checkExists().forPath("/tx/old") == null, "deleted in the transaction");
        checkEq("t2", s(cf.getData().forPath("/tx")), "setData applied");
    }

    static void transactionFailing() throws Exception {
        Client c = client();
        CuratorFramework cf = c.cf;
        cf.create().forPath("/txf", b("v0"));
        List<CuratorOp> ops = Arrays.asList(
                cf.transactionOp().create().forPath("/txf/new", b("n")),
                cf.transactionOp().setData().withVersion(7).forPath("/txf", b("v1")),   // wrong version
                cf.transactionOp().delete().forPath("/txf/missing"));
        try {
            cf.transaction().forOperations(ops);
            problems.add("a transaction with a failing op did not throw");
        } catch (KeeperException.BadVersionException e) {
            List<OpResult> rs = e.getResults();
            List<Integer> codes = new ArrayList<>();
            if (rs != null) for (OpResult r : rs) codes.add(r instanceof OpResult.ErrorResult ? ((OpResult.ErrorResult) r).getErr() : 999);
            checkEq(Arrays.asList(0, KeeperException.Code.BADVERSION.intValue(),
                    KeeperException.Code.RUNTIMEINCONSISTENCY.intValue()), codes, "per-op results of the failed multi");
        }
        check(cf.checkExists().forPath("/txf/new") == null, "nothing applied: the create was rolled back");
        Stat st = new Stat();
        checkEq("v0", s(cf.getData().storingStatIn(st).forPath("/txf")), "data unchanged");
        checkEq(0, st.getVersion(), "version unchanged");
        checkEq(0, st.getCversion(), "cversion unchanged");
        // The failing op first: everything after it is RUNTIMEINCONSISTENCY.
        List<CuratorOp> ops2 = Arrays.asList(
                cf.transactionOp().check().withVersion(3).forPath("/txf"),
                cf.transactionOp().create().forPath("/txf/x", b("x")));
        try {
            cf.transaction().forOperations(ops2);
            problems.add("failing check did not throw");
        } catch (KeeperException.BadVersionException e) {
            List<Integer> codes = new ArrayList<>();
            if (e.getResults() != null)
                for (OpResult r : e.getResults()) codes.add(r instanceof OpResult.ErrorResult ? ((OpResult.ErrorResult) r).getErr() : 999);
            checkEq(Arrays.asList(KeeperException.Code.BADVERSION.intValue(),
                    KeeperException.Code.RUNTIMEINCONSISTENCY.intValue()), codes, "failing check first");
        }
        // NODEEXISTS in the middle, after a create of the same path in the same multi.
        try {
            cf.transaction().forOperations(Arrays.asList(
                    cf.transactionOp().create().forPath("/txf/dup", b("1")),
                    cf.transactionOp().create().forPath("/txf/dup", b("2"))));
            problems.add("duplicate create in one transaction did not throw");
        } catch (KeeperException.NodeExistsException e) {
            List<Integer> codes = new ArrayList<>();
            if (e.getResults() != null)
                for (OpResult r : e.getResults()) codes.add(r instanceof OpResult.ErrorResult ? ((OpResult.ErrorResult) r).getErr() : 999);
            checkEq(Arrays.asList(0, KeeperException.Code.NODEEXISTS.intValue()), codes, "create twice in one multi");
        }
        check(cf.checkExists().forPath("/txf/dup") == null, "duplicate-create transaction rolled back");
    }
}
