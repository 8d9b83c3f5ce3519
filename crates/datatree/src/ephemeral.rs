//! `ephemeralOwner` encodings. Counterpart of `org.apache.zookeeper.server.EphemeralType`.

/// What kind of node an `ephemeralOwner` value denotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EphemeralType {
    /// 0: a persistent node.
    Normal,
    /// A session id: an ephemeral node.
    Session(i64),
    /// `Long.MIN_VALUE`: a container.
    Container,
    /// 0xFF in the top byte with the TTL in the low bits (extended types on).
    Ttl(i64),
}

impl EphemeralType {
    /// Decodes an `ephemeralOwner` (`EphemeralType.get`, with extended types `enabled`).
    pub fn from_owner(owner: i64, extended_types_enabled: bool) -> Self {
        let _ = (owner, extended_types_enabled);
        unimplemented!("helper fills this in")
    }

    /// The `ephemeralOwner` value for this type.
    pub fn to_owner(self) -> i64 {
        unimplemented!("helper fills this in")
    }
}

/// Largest TTL ZooKeeper accepts (`EphemeralType.MAX_EXTENDED_SERVER_ID`-dependent max TTL).
pub const MAX_TTL_MS: i64 = 0x00FF_FFFF_FFFF;
