// Writes znodes of every kind through the ZooKeeper client: persistent, sequential,
// ephemeral (its session stays open when the program exits), container, TTL, read-only and
// digest ACLs, null and large data, setData/setACL/delete, a successful and a failed multi,
// a duplicate create (an error txn) and a closed session with an ephemeral.
// tests/fixtures/zk38-datadir was made with `GenFixture 127.0.0.1:PORT` (no prefix) against
// Apache ZooKeeper 3.8.0 with snapCount=10, preAllocSize=4, extendedTypesEnabled=true.
//
// Usage: java -cp <zookeeper jars>:. GenFixture host:port [prefix [sessionTimeoutMs [count]]]
import java.util.*;
import java.util.concurrent.CountDownLatch;
import org.apache.zookeeper.*;
import org.apache.zookeeper.data.*;

public class GenFixture {
    static ZooKeeper connect(String hp, int timeout) throws Exception {
        CountDownLatch l = new CountDownLatch(1);
        ZooKeeper zk = new ZooKeeper(hp, timeout, e -> {
            if (e.getState() == Watcher.Event.KeeperState.SyncConnected) l.countDown();
        });
        l.await();
        return zk;
    }

    public static void main(String[] a) throws Exception {
        String hp = a[0];
        String p = a.length > 1 ? a[1] : "";
        int timeout = a.length > 2 ? Integer.parseInt(a[2]) : 30000;
        int count = a.length > 3 ? Integer.parseInt(a[3]) : 25;
        ZooKeeper zk = connect(hp, timeout);
        List<ACL> open = ZooDefs.Ids.OPEN_ACL_UNSAFE;
        if (!p.isEmpty()) zk.create(p, null, open, CreateMode.PERSISTENT);
        zk.create(p + "/a", "b".getBytes(), open, CreateMode.PERSISTENT);
        zk.create(p + "/a/seq-", "s".getBytes(), open, CreateMode.PERSISTENT_SEQUENTIAL);
        zk.create(p + "/a/eph", "e".getBytes(), open, CreateMode.EPHEMERAL);
        zk.create(p + "/c", null, open, CreateMode.CONTAINER);
        zk.create(p + "/c/x", new byte[0], open, CreateMode.PERSISTENT);
        zk.create(p + "/ttl", "t".getBytes(), open, CreateMode.PERSISTENT_WITH_TTL, new Stat(), 3600000);
        zk.create(p + "/ro", "r".getBytes(), ZooDefs.Ids.READ_ACL_UNSAFE, CreateMode.PERSISTENT);
        zk.setData(p + "/a", "bb".getBytes(), 0);
        zk.setACL(p + "/a", ZooDefs.Ids.READ_ACL_UNSAFE, -1);
        try { zk.create(p + "/a", "dup".getBytes(), open, CreateMode.PERSISTENT); } catch (KeeperException e) {}
        zk.create(p + "/d", "gone".getBytes(), open, CreateMode.PERSISTENT);
        zk.delete(p + "/d", -1);
        zk.multi(Arrays.asList(
            Op.create(p + "/m", "m".getBytes(), open, CreateMode.PERSISTENT),
            Op.check(p + "/m", 0),
            Op.setData(p + "/m", "mm".getBytes(), 0),
            Op.create(p + "/m/k", null, open, CreateMode.PERSISTENT)));
        try {
            zk.multi(Arrays.asList(
                Op.create(p + "/m2", "x".getBytes(), open, CreateMode.PERSISTENT),
                Op.setData(p + "/m", "z".getBytes(), 42),
                Op.delete(p + "/c/x", -1)));
        } catch (KeeperException e) {}
        zk.create(p + "/big", new byte[5000], open, CreateMode.PERSISTENT);
        for (int i = 0; i < count; i++) {
            zk.create(p + "/n" + i, ("v" + i).getBytes(), open, CreateMode.PERSISTENT);
        }
        if (a.length > 1) {
            // Only in the suite's runs: the fixture predates these.
            zk.addAuthInfo("digest", "user:pw".getBytes());
            zk.create(p + "/auth", "secret".getBytes(), ZooDefs.Ids.CREATOR_ALL_ACL, CreateMode.PERSISTENT);
            zk.create(p + "/m/s2-", null, open, CreateMode.EPHEMERAL_SEQUENTIAL);
        }
        ZooKeeper zk2 = connect(hp, timeout);
        zk2.create(p + "/eph2", "x".getBytes(), open, CreateMode.EPHEMERAL);
        zk2.close();
        // zk stays open: its session and its ephemerals remain until the session expires.
        System.out.println("session 0x" + Long.toHexString(zk.getSessionId()));
        System.exit(0);
    }
}
