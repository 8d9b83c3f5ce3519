// Reads every txn in a log directory with ZooKeeper's own FileTxnLog iterator (checksums,
// EOR bytes, txn decoding) and prints the count and the zxid range; a damaged log throws.
// Usage: java -cp <zookeeper jars>:. LogCheck <dataLogDir>/version-2
import java.io.File;
import org.apache.zookeeper.server.persistence.FileTxnLog;
import org.apache.zookeeper.server.persistence.TxnLog;

public class LogCheck {
    public static void main(String[] a) throws Exception {
        FileTxnLog log = new FileTxnLog(new File(a[0]));
        TxnLog.TxnIterator it = log.read(0);
        long n = 0, first = -1, last = -1;
        while (it.getHeader() != null) {
            long z = it.getHeader().getZxid();
            if (first < 0) first = z;
            if (z <= last) throw new IllegalStateException("zxid 0x" + Long.toHexString(z) + " after 0x" + Long.toHexString(last));
            last = z;
            n++;
            if (!it.next()) break;
        }
        it.close();
        System.out.println("txns " + n + " first 0x" + Long.toHexString(first) + " last 0x" + Long.toHexString(last));
    }
}
