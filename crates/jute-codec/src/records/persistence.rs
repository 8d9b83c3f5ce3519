//! Jute module `org.apache.zookeeper.server.persistence`: `FileHeader`.

use crate::codec::jute_record;

jute_record! {
    /// Header of txn log and snapshot files.
    #[derive(Copy)]
    pub struct FileHeader {
        /// `ZKLG` for logs, `ZKSN` for snapshots, as a big-endian i32.
        pub magic: i32,
        /// Format version: 2.
        pub version: i32,
        /// Database id (0 in practice).
        pub dbid: i64,
    }
}
