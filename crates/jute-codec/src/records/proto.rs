//! Jute module `org.apache.zookeeper.proto`: the client protocol's records.

use bytes::{Buf, BufMut, Bytes};

use crate::codec::{jute_record, Record};
use crate::records::{Acl, ClientInfo, Stat};
use crate::DecodeError;

/// The first frame a client sends.
///
/// `read_only` is `None` when the client omitted the trailing byte (clients before 3.4 do):
/// ZooKeeper's `ZooKeeperServer.processConnectRequest` catches the `EOFException` and treats
/// such a client as an "old client", which also gets a response without the trailing byte.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConnectRequest {
    /// Protocol version (0).
    pub protocol_version: i32,
    /// Highest zxid the client has seen.
    pub last_zxid_seen: i64,
    /// Requested session timeout, ms.
    pub time_out: i32,
    /// Session to resume, or 0 for a new session.
    pub session_id: i64,
    /// Password of the session to resume.
    pub passwd: Option<Bytes>,
    /// Whether the client accepts a read-only server; `None` for an old client.
    pub read_only: Option<bool>,
}

impl Record for ConnectRequest {
    fn encode<B: BufMut>(&self, buf: &mut B) {
        self.protocol_version.encode(buf);
        self.last_zxid_seen.encode(buf);
        self.time_out.encode(buf);
        self.session_id.encode(buf);
        self.passwd.encode(buf);
        if let Some(ro) = self.read_only {
            ro.encode(buf);
        }
    }
    fn decode<B: Buf>(buf: &mut B) -> Result<Self, DecodeError> {
        // ZK-COMPAT: ZooKeeperServer.processConnectRequest: a missing readOnly byte is allowed.
        Ok(Self {
            protocol_version: i32::decode(buf)?,
            last_zxid_seen: i64::decode(buf)?,
            time_out: i32::decode(buf)?,
            session_id: i64::decode(buf)?,
            passwd: Option::<Bytes>::decode(buf)?,
            read_only: if buf.has_remaining() {
                Some(bool::decode(buf)?)
            } else {
                None
            },
        })
    }
    fn encoded_len(&self) -> usize {
        4 + 8 + 4 + 8 + self.passwd.encoded_len() + usize::from(self.read_only.is_some())
    }
}

/// The server's answer to a [`ConnectRequest`]. `read_only: None` omits the trailing byte, for
/// old clients that did not send it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConnectResponse {
    /// Protocol version (0).
    pub protocol_version: i32,
    /// Negotiated session timeout, ms; 0 means the session is expired or invalid.
    pub time_out: i32,
    /// The session id.
    pub session_id: i64,
    /// The session password.
    pub passwd: Option<Bytes>,
    /// Whether the server is read-only; `None` for an old client.
    pub read_only: Option<bool>,
}

impl Record for ConnectResponse {
    fn encode<B: BufMut>(&self, buf: &mut B) {
        self.protocol_version.encode(buf);
        self.time_out.encode(buf);
        self.session_id.encode(buf);
        self.passwd.encode(buf);
        if let Some(ro) = self.read_only {
            ro.encode(buf);
        }
    }
    fn decode<B: Buf>(buf: &mut B) -> Result<Self, DecodeError> {
        Ok(Self {
            protocol_version: i32::decode(buf)?,
            time_out: i32::decode(buf)?,
            session_id: i64::decode(buf)?,
            passwd: Option::<Bytes>::decode(buf)?,
            read_only: if buf.has_remaining() {
                Some(bool::decode(buf)?)
            } else {
                None
            },
        })
    }
    fn encoded_len(&self) -> usize {
        4 + 4 + 8 + self.passwd.encoded_len() + usize::from(self.read_only.is_some())
    }
}

jute_record! {
    /// Watches a reconnecting client re-registers (opcode 101).
    pub struct SetWatches {
        /// The client's last seen zxid: changes after it fire the watches at once.
        pub relative_zxid: i64,
        /// Data watches.
        pub data_watches: Vec<String>,
        /// Exist watches.
        pub exist_watches: Vec<String>,
        /// Child watches.
        pub child_watches: Vec<String>,
    }
}

jute_record! {
    /// `SetWatches` plus persistent watches (opcode 105).
    pub struct SetWatches2 {
        /// The client's last seen zxid.
        pub relative_zxid: i64,
        /// Data watches.
        pub data_watches: Vec<String>,
        /// Exist watches.
        pub exist_watches: Vec<String>,
        /// Child watches.
        pub child_watches: Vec<String>,
        /// Persistent watches.
        pub persistent_watches: Vec<String>,
        /// Persistent recursive watches.
        pub persistent_recursive_watches: Vec<String>,
    }
}

jute_record! {
    /// Header of every request after the handshake.
    #[derive(Copy)]
    pub struct RequestHeader {
        /// Client-chosen request id (-2 ping, -4 auth, -8 setWatches, -1 notification).
        pub xid: i32,
        /// Opcode.
        pub r#type: i32,
    }
}

jute_record! {
    /// Header of each op inside a multi request or response.
    #[derive(Copy)]
    pub struct MultiHeader {
        /// Opcode of the op (-1 with `done` for the terminator).
        pub r#type: i32,
        /// Whether this is the terminator.
        pub done: bool,
        /// Error code of the op's result (responses), -1 in requests.
        pub err: i32,
    }
}

jute_record! {
    /// `addAuth` (opcode 100).
    pub struct AuthPacket {
        /// Unused (0).
        pub r#type: i32,
        /// Scheme, e.g. `digest`.
        pub scheme: String,
        /// Scheme-specific credentials, e.g. `user:password`.
        pub auth: Option<Bytes>,
    }
}

jute_record! {
    /// Header of every reply and notification.
    #[derive(Copy)]
    pub struct ReplyHeader {
        /// The request's xid (-1 for notifications).
        pub xid: i32,
        /// The server's last processed zxid.
        pub zxid: i64,
        /// `KeeperException.Code` (0 = OK).
        pub err: i32,
    }
}

jute_record! {
    /// getData (4).
    pub struct GetDataRequest { /// Path.
        pub path: String, /// Leave a data watch.
        pub watch: bool }
}
jute_record! {
    /// setData (5).
    pub struct SetDataRequest { /// Path.
        pub path: String, /// New data.
        pub data: Option<Bytes>, /// Expected version, -1 for any.
        pub version: i32 }
}
jute_record! {
    /// reconfig (16).
    pub struct ReconfigRequest { /// Servers joining.
        pub joining_servers: String, /// Servers leaving.
        pub leaving_servers: String, /// New membership.
        pub new_members: String, /// Expected config version, -1 for any.
        pub cur_config_id: i64 }
}
jute_record! {
    /// Reply to setData.
    #[derive(Copy)]
    pub struct SetDataResponse { /// Stat after the change.
        pub stat: Stat }
}
jute_record! {
    /// SASL token from the client (102).
    pub struct GetSaslRequest { /// Token.
        pub token: Option<Bytes> }
}
jute_record! {
    /// SASL token from the client.
    pub struct SetSaslRequest { /// Token.
        pub token: Option<Bytes> }
}
jute_record! {
    /// SASL token from the server.
    pub struct SetSaslResponse { /// Token.
        pub token: Option<Bytes> }
}
jute_record! {
    /// create (1), create2 (15), createContainer (19).
    pub struct CreateRequest { /// Path.
        pub path: String, /// Data.
        pub data: Option<Bytes>, /// ACL.
        pub acl: Vec<Acl>, /// `CreateMode` flags.
        pub flags: i32 }
}
jute_record! {
    /// createTTL (21).
    pub struct CreateTtlRequest { /// Path.
        pub path: String, /// Data.
        pub data: Option<Bytes>, /// ACL.
        pub acl: Vec<Acl>, /// `CreateMode` flags.
        pub flags: i32, /// TTL, ms.
        pub ttl: i64 }
}
jute_record! {
    /// delete (2), deleteContainer (20).
    pub struct DeleteRequest { /// Path.
        pub path: String, /// Expected version, -1 for any.
        pub version: i32 }
}
jute_record! {
    /// getChildren (8).
    pub struct GetChildrenRequest { /// Path.
        pub path: String, /// Leave a child watch.
        pub watch: bool }
}
jute_record! {
    /// getAllChildrenNumber (104).
    pub struct GetAllChildrenNumberRequest { /// Path.
        pub path: String }
}
jute_record! {
    /// getChildren2 (12).
    pub struct GetChildren2Request { /// Path.
        pub path: String, /// Leave a child watch.
        pub watch: bool }
}
jute_record! {
    /// check (13), inside multi.
    pub struct CheckVersionRequest { /// Path.
        pub path: String, /// Expected version.
        pub version: i32 }
}
jute_record! {
    /// Obsolete.
    pub struct GetMaxChildrenRequest { /// Path.
        pub path: String }
}
jute_record! {
    /// Obsolete.
    pub struct GetMaxChildrenResponse { /// Limit.
        pub max: i32 }
}
jute_record! {
    /// Obsolete.
    pub struct SetMaxChildrenRequest { /// Path.
        pub path: String, /// Limit.
        pub max: i32 }
}
jute_record! {
    /// sync (9).
    pub struct SyncRequest { /// Path.
        pub path: String }
}
jute_record! {
    /// Reply to sync.
    pub struct SyncResponse { /// Path.
        pub path: String }
}
jute_record! {
    /// getACL (6).
    pub struct GetAclRequest { /// Path.
        pub path: String }
}
jute_record! {
    /// setACL (7).
    pub struct SetAclRequest { /// Path.
        pub path: String, /// New ACL.
        pub acl: Vec<Acl>, /// Expected ACL version, -1 for any.
        pub version: i32 }
}
jute_record! {
    /// Reply to setACL.
    #[derive(Copy)]
    pub struct SetAclResponse { /// Stat after the change.
        pub stat: Stat }
}
jute_record! {
    /// addWatch (106).
    pub struct AddWatchRequest { /// Path.
        pub path: String, /// 0 = persistent, 1 = persistent recursive.
        pub mode: i32 }
}
jute_record! {
    /// A watch notification (sent with xid -1).
    pub struct WatcherEvent { /// `EventType` (1 created, 2 deleted, 3 data changed, 4 children changed, ...).
        pub r#type: i32, /// `KeeperState` (3 = SyncConnected).
        pub state: i32, /// Path of the node the event is about.
        pub path: String }
}
jute_record! {
    /// Error result inside a multi response.
    #[derive(Copy)]
    pub struct ErrorResponse { /// Error code.
        pub err: i32 }
}
jute_record! {
    /// Reply to create.
    pub struct CreateResponse { /// Path created.
        pub path: String }
}
jute_record! {
    /// Reply to create2, createContainer and createTTL.
    pub struct Create2Response { /// Path created.
        pub path: String, /// Stat of the new node.
        pub stat: Stat }
}
jute_record! {
    /// exists (3).
    pub struct ExistsRequest { /// Path.
        pub path: String, /// Leave a watch.
        pub watch: bool }
}
jute_record! {
    /// Reply to exists.
    #[derive(Copy)]
    pub struct ExistsResponse { /// Stat.
        pub stat: Stat }
}
jute_record! {
    /// Reply to getData.
    pub struct GetDataResponse { /// Data.
        pub data: Option<Bytes>, /// Stat.
        pub stat: Stat }
}
jute_record! {
    /// Reply to getChildren.
    pub struct GetChildrenResponse { /// Child names.
        pub children: Vec<String> }
}
jute_record! {
    /// Reply to getAllChildrenNumber.
    #[derive(Copy)]
    pub struct GetAllChildrenNumberResponse { /// Number of descendants.
        pub total_number: i32 }
}
jute_record! {
    /// Reply to getChildren2.
    pub struct GetChildren2Response { /// Child names.
        pub children: Vec<String>, /// Stat of the parent.
        pub stat: Stat }
}
jute_record! {
    /// Reply to getACL.
    pub struct GetAclResponse { /// ACL.
        pub acl: Vec<Acl>, /// Stat.
        pub stat: Stat }
}
jute_record! {
    /// checkWatches (17).
    pub struct CheckWatchesRequest { /// Path.
        pub path: String, /// `WatcherType` (1 children, 2 data, 3 any).
        pub r#type: i32 }
}
jute_record! {
    /// removeWatches (18).
    pub struct RemoveWatchesRequest { /// Path.
        pub path: String, /// `WatcherType` (1 children, 2 data, 3 any).
        pub r#type: i32 }
}
jute_record! {
    /// getEphemerals (103).
    pub struct GetEphemeralsRequest { /// Path prefix.
        pub prefix_path: String }
}
jute_record! {
    /// Reply to getEphemerals.
    pub struct GetEphemeralsResponse { /// Paths.
        pub ephemerals: Vec<String> }
}
jute_record! {
    /// Reply to whoAmI (107).
    pub struct WhoAmIResponse { /// The session's identities.
        pub client_info: Vec<ClientInfo> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_request_without_read_only_byte_decodes_as_old_client() {
        let req = ConnectRequest {
            protocol_version: 0,
            last_zxid_seen: 0,
            time_out: 30000,
            session_id: 0,
            passwd: Some(Bytes::from_static(&[0; 16])),
            read_only: None,
        };
        let bytes = Bytes::from(req.to_vec());
        assert_eq!(bytes.len(), 44);
        assert_eq!(ConnectRequest::decode_exact(bytes), Ok(req));
    }
}
