import org.apache.zookeeper.*;
import org.apache.zookeeper.data.*;
import java.util.*;
import java.util.concurrent.CountDownLatch;
public class Gen {
  static ZooKeeper connect(String hp) throws Exception {
    CountDownLatch l = new CountDownLatch(1);
    ZooKeeper zk = new ZooKeeper(hp, 30000, e -> { if (e.getState()==Watcher.Event.KeeperState.SyncConnected) l.countDown(); });
    l.await(); return zk;
  }
  public static void main(String[] a) throws Exception {
    String hp = a[0];
    ZooKeeper zk = connect(hp);
    List<ACL> open = ZooDefs.Ids.OPEN_ACL_UNSAFE;
    zk.create("/a", "b".getBytes(), open, CreateMode.PERSISTENT);
    zk.create("/a/seq-", "s".getBytes(), open, CreateMode.PERSISTENT_SEQUENTIAL);
    zk.create("/a/eph", "e".getBytes(), open, CreateMode.EPHEMERAL);
    zk.create("/c", null, open, CreateMode.CONTAINER);
    zk.create("/c/x", new byte[0], open, CreateMode.PERSISTENT);
    zk.create("/ttl", "t".getBytes(), open, CreateMode.PERSISTENT_WITH_TTL, new Stat(), 3600000);
    zk.create("/ro", "r".getBytes(), ZooDefs.Ids.READ_ACL_UNSAFE, CreateMode.PERSISTENT);
    zk.setData("/a", "bb".getBytes(), 0);
    zk.setACL("/a", ZooDefs.Ids.READ_ACL_UNSAFE, -1);
    try { zk.create("/a", "dup".getBytes(), open, CreateMode.PERSISTENT); } catch (KeeperException e) {}
    zk.create("/d", "gone".getBytes(), open, CreateMode.PERSISTENT);
    zk.delete("/d", -1);
    zk.multi(Arrays.asList(Op.create("/m", "m".getBytes(), open, CreateMode.PERSISTENT), Op.check("/m", 0), Op.setData("/m", "mm".getBytes(), 0), Op.create("/m/k", null, open, CreateMode.PERSISTENT)));
    try { zk.multi(Arrays.asList(Op.create("/m2", "x".getBytes(), open, CreateMode.PERSISTENT), Op.setData("/m", "z".getBytes(), 42), Op.delete("/c/x", -1))); } catch (KeeperException e) {}
    zk.create("/big", new byte[5000], open, CreateMode.PERSISTENT);
    for (int i = 0; i < 25; i++) zk.create("/n" + i, ("v" + i).getBytes(), open, CreateMode.PERSISTENT);
    ZooKeeper zk2 = connect(hp);
    zk2.create("/eph2", "x".getBytes(), open, CreateMode.EPHEMERAL);
    zk2.close();
    // zk stays open: its session and /a/eph remain
    System.out.println("session 0x" + Long.toHexString(zk.getSessionId()));
    System.exit(0);
  }
}
