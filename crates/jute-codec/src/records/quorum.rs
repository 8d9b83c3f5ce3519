//! Jute module `org.apache.zookeeper.server.quorum`: records exchanged between ensemble members.

use bytes::Bytes;

use crate::codec::jute_record;
use crate::records::Id;

jute_record! {
    /// Sent by a learner to the leader when it connects.
    pub struct LearnerInfo {
        /// The learner's server id.
        pub serverid: i64,
        /// Learner protocol version (0x10000).
        pub protocol_version: i32,
        /// Config version the learner has.
        pub config_version: i64,
    }
}

jute_record! {
    /// The frame of every leader <-> learner message.
    pub struct QuorumPacket {
        /// Packet type (`Leader.PROPOSAL` = 2, `ACK` = 3, ...).
        pub r#type: i32,
        /// Zxid the packet is about.
        pub zxid: i64,
        /// Payload; meaning depends on the type.
        pub data: Option<Bytes>,
        /// Auth ids of the request's session (REQUEST packets); null in the others.
        pub authinfo: Option<Vec<Id>>,
    }
}

jute_record! {
    /// Quorum SASL auth packet.
    pub struct QuorumAuthPacket {
        /// Magic number.
        pub magic: i64,
        /// Auth status.
        pub status: i32,
        /// SASL token.
        pub token: Option<Bytes>,
    }
}
