// Replays every txn of a log directory, from the first, into ZooKeeper's own DataTree and
// compares the TxnDigest each entry carries with the digest ZooKeeper's DataTree computes
// after applying it (DigestCalculator, NodeHashMapImpl). Both servers' entries are checked:
// this is the differential test of zkrs's digests.
// Prints: txns N digests D matched M missing X [first-mismatch ...]
// ("missing": a non-error txn without a digest; error txns never carry one).
// Usage: java -Dzookeeper.extendedTypesEnabled=true -cp <zookeeper jars>:. DigestCheck <dataLogDir>/version-2
import java.io.File;
import org.apache.zookeeper.ZooDefs.OpCode;
import org.apache.zookeeper.server.DataTree;
import org.apache.zookeeper.server.persistence.FileTxnLog;
import org.apache.zookeeper.server.persistence.TxnLog;
import org.apache.zookeeper.txn.TxnDigest;
import org.apache.zookeeper.txn.TxnHeader;

public class DigestCheck {
    public static void main(String[] a) throws Exception {
        DataTree tree = new DataTree();
        TxnLog.TxnIterator it = new FileTxnLog(new File(a[0])).read(1);
        long txns = 0, digests = 0, matched = 0, missing = 0;
        String firstMismatch = null;
        while (it.getHeader() != null) {
            TxnHeader hdr = it.getHeader();
            tree.processTxn(hdr, it.getTxn());
            TxnDigest d = it.getDigest();
            txns++;
            if (d == null) {
                if (hdr.getType() != OpCode.error) {
                    missing++;
                }
            } else {
                digests++;
                if (d.getTreeDigest() == tree.getTreeDigest()) {
                    matched++;
                } else if (firstMismatch == null) {
                    firstMismatch = "zxid 0x" + Long.toHexString(hdr.getZxid()) + " type "
                        + hdr.getType() + " logged " + d.getTreeDigest() + " tree "
                        + tree.getTreeDigest();
                }
            }
            if (!it.next()) {
                break;
            }
        }
        it.close();
        System.out.println("txns " + txns + " digests " + digests + " matched " + matched
            + " missing " + missing + (firstMismatch == null ? "" : " first-mismatch " + firstMismatch));
    }
}
