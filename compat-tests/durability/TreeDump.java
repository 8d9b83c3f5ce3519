// Prints every znode a server serves, depth first in name order: path, Stat, ACL, data.
// Used by run.sh to compare Apache ZooKeeper and zkrs on the same data directory.
// Usage: java -cp <zookeeper jars>:. TreeDump host:port
import java.util.*;
import java.util.concurrent.CountDownLatch;
import org.apache.zookeeper.*;
import org.apache.zookeeper.data.*;

public class TreeDump {
    public static void main(String[] args) throws Exception {
        CountDownLatch up = new CountDownLatch(1);
        ZooKeeper zk = new ZooKeeper(args[0], 30000, e -> {
            if (e.getState() == Watcher.Event.KeeperState.SyncConnected) up.countDown();
        });
        up.await();
        zk.addAuthInfo("digest", "user:pw".getBytes());
        walk(zk, "/");
        zk.close();
    }

    static void walk(ZooKeeper zk, String path) throws Exception {
        Stat st = new Stat();
        byte[] data;
        try {
            data = zk.getData(path, false, st);
        } catch (KeeperException.NoAuthException e) {
            data = "<no read>".getBytes();
            st = zk.exists(path, false);
        }
        List<ACL> acl = zk.getACL(path, new Stat());
        StringBuilder sb = new StringBuilder();
        sb.append(path).append(" czxid=0x").append(Long.toHexString(st.getCzxid()))
          .append(" mzxid=0x").append(Long.toHexString(st.getMzxid()))
          .append(" pzxid=0x").append(Long.toHexString(st.getPzxid()))
          .append(" ctime=").append(st.getCtime()).append(" mtime=").append(st.getMtime())
          .append(" version=").append(st.getVersion()).append(" cversion=").append(st.getCversion())
          .append(" aversion=").append(st.getAversion())
          .append(" owner=0x").append(Long.toHexString(st.getEphemeralOwner()))
          .append(" len=").append(st.getDataLength()).append(" children=").append(st.getNumChildren())
          .append(" acl=").append(acl.toString().replace("\n", ""))
          .append(" data=").append(data == null ? "null" : Base64.getEncoder().encodeToString(data));
        System.out.println(sb);
        List<String> kids = zk.getChildren(path, false);
        Collections.sort(kids);
        for (String k : kids) {
            walk(zk, path.equals("/") ? "/" + k : path + "/" + k);
        }
    }
}
