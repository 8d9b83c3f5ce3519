//! `ephemeralOwner` encodings and create modes. Counterpart of
//! `org.apache.zookeeper.server.EphemeralType` and `org.apache.zookeeper.CreateMode`.
//!
//! Layout of an `ephemeralOwner` (`EphemeralType.java`):
//! - `0`: a persistent node;
//! - `Long.MIN_VALUE` (`0x8000_0000_0000_0000`): a container (always, extended types or not);
//! - with `zookeeper.extendedTypesEnabled`: top byte `0xFF` marks an extended type; the next
//!   two bytes pick the feature (`0x0000` = TTL) and the low 40 bits carry its value (the TTL
//!   in milliseconds);
//! - anything else: the owning session id.

use jute_codec::ErrorCode;

/// What kind of node an `ephemeralOwner` value denotes.
///
/// Names differ from Java's: `Normal` here is Java's `VOID` (not ephemeral) and `Session` is
/// Java's `NORMAL` (a session's ephemeral).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EphemeralType {
    /// 0: a persistent node.
    Normal,
    /// A session id: an ephemeral node.
    Session(i64),
    /// `Long.MIN_VALUE`: a container.
    Container,
    /// 0xFF in the top byte with the TTL in the low bits (extended types on). Holds the TTL in
    /// milliseconds.
    Ttl(i64),
}

/// `EphemeralType.CONTAINER_EPHEMERAL_OWNER`.
pub const CONTAINER_EPHEMERAL_OWNER: i64 = i64::MIN;

/// `EXTENDED_MASK`: the top byte that marks an extended type.
const EXTENDED_MASK: i64 = 0xff00_0000_0000_0000_u64 as i64;
/// `RESERVED_BITS_MASK`: the two bytes naming the extended feature.
const RESERVED_BITS_MASK: i64 = 0x00ff_ff00_0000_0000;
/// `EXTENDED_BIT_TTL`: the feature number of TTL nodes.
const EXTENDED_BIT_TTL: i64 = 0;

/// Largest TTL ZooKeeper accepts (`EphemeralType.TTL.maxValue()`, the 40 low bits: about 34
/// years).
pub const MAX_TTL_MS: i64 = 0x00FF_FFFF_FFFF;

/// `EphemeralType.MAX_EXTENDED_SERVER_ID`: with extended types on, server ids must be at most
/// this, so that no session id (server id in the top byte) looks like an extended owner.
pub const MAX_EXTENDED_SERVER_ID: i64 = 0xfe;

impl EphemeralType {
    /// Decodes an `ephemeralOwner` (`EphemeralType.get`, with extended types `enabled`).
    ///
    /// ZK-COMPAT: EphemeralType.java: with extended types off, a TTL-looking owner is just a
    /// session id, as in ZooKeeper. Java throws for an extended owner whose feature bits are
    /// unknown; that cannot come from a valid txn (session ids never have a 0xFF top byte when
    /// extended types are on), so it is reported as a session here instead of failing.
    pub fn from_owner(owner: i64, extended_types_enabled: bool) -> Self {
        if extended_types_enabled
            && owner & EXTENDED_MASK == EXTENDED_MASK
            && (owner & RESERVED_BITS_MASK) >> 40 == EXTENDED_BIT_TTL
        {
            return EphemeralType::Ttl(owner & MAX_TTL_MS);
        }
        match owner {
            0 => EphemeralType::Normal,
            CONTAINER_EPHEMERAL_OWNER => EphemeralType::Container,
            session => EphemeralType::Session(session),
        }
    }

    /// The `ephemeralOwner` value for this type. A TTL outside `1..=MAX_TTL_MS` is masked to
    /// its low 40 bits; use [`ttl_to_owner`] to validate first.
    pub fn to_owner(self) -> i64 {
        match self {
            EphemeralType::Normal => 0,
            EphemeralType::Session(id) => id,
            EphemeralType::Container => CONTAINER_EPHEMERAL_OWNER,
            EphemeralType::Ttl(ttl) => {
                EXTENDED_MASK | (EXTENDED_BIT_TTL << 40) | (ttl & MAX_TTL_MS)
            }
        }
    }
}

/// `EphemeralType.TTL.toEphemeralOwner(ttl)`: the owner value of a TTL node.
///
/// # Errors
/// `BadArguments` when `ttl` is not in `1..=MAX_TTL_MS` (Java's `IllegalArgumentException`,
/// which Prep maps to `BadArgumentsException`).
pub fn ttl_to_owner(ttl_ms: i64) -> Result<i64, ErrorCode> {
    if ttl_ms <= 0 || ttl_ms > MAX_TTL_MS {
        return Err(ErrorCode::BadArguments);
    }
    Ok(EphemeralType::Ttl(ttl_ms).to_owner())
}

/// The `ephemeralOwner` a client sees in its `Stat` (`DataNode.getClientEphemeralOwner`): the
/// owner for a session's ephemeral, 0 for everything else (containers and TTL nodes too).
pub fn client_owner(owner: i64, extended_types_enabled: bool) -> i64 {
    match EphemeralType::from_owner(owner, extended_types_enabled) {
        EphemeralType::Session(id) => id,
        _ => 0,
    }
}

/// `org.apache.zookeeper.CreateMode`: the `flags` of a create request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CreateMode {
    /// 0.
    Persistent,
    /// 1.
    Ephemeral,
    /// 2.
    PersistentSequential,
    /// 3.
    EphemeralSequential,
    /// 4.
    Container,
    /// 5.
    PersistentWithTtl,
    /// 6.
    PersistentSequentialWithTtl,
}

impl CreateMode {
    /// `CreateMode.fromFlag(int)`.
    ///
    /// # Errors
    /// `BadArguments` for any other flag (`fromFlag` throws `BadArgumentsException`, which
    /// Prep turns into an `ErrorTxn`).
    pub fn from_flag(flag: i32) -> Result<CreateMode, ErrorCode> {
        Ok(match flag {
            0 => CreateMode::Persistent,
            1 => CreateMode::Ephemeral,
            2 => CreateMode::PersistentSequential,
            3 => CreateMode::EphemeralSequential,
            4 => CreateMode::Container,
            5 => CreateMode::PersistentWithTtl,
            6 => CreateMode::PersistentSequentialWithTtl,
            _ => return Err(ErrorCode::BadArguments),
        })
    }

    /// `CreateMode.toFlag()`.
    pub fn to_flag(self) -> i32 {
        match self {
            CreateMode::Persistent => 0,
            CreateMode::Ephemeral => 1,
            CreateMode::PersistentSequential => 2,
            CreateMode::EphemeralSequential => 3,
            CreateMode::Container => 4,
            CreateMode::PersistentWithTtl => 5,
            CreateMode::PersistentSequentialWithTtl => 6,
        }
    }

    /// Whether a sequence suffix is appended.
    pub fn is_sequential(self) -> bool {
        matches!(
            self,
            CreateMode::PersistentSequential
                | CreateMode::EphemeralSequential
                | CreateMode::PersistentSequentialWithTtl
        )
    }

    /// Whether the node belongs to the creating session.
    pub fn is_ephemeral(self) -> bool {
        matches!(
            self,
            CreateMode::Ephemeral | CreateMode::EphemeralSequential
        )
    }

    /// Whether the node is a container.
    pub fn is_container(self) -> bool {
        self == CreateMode::Container
    }

    /// Whether the node has a TTL.
    pub fn is_ttl(self) -> bool {
        matches!(
            self,
            CreateMode::PersistentWithTtl | CreateMode::PersistentSequentialWithTtl
        )
    }

    /// The TTL checks of `PrepRequestProcessor.validateCreateRequest`, in its order: a TTL
    /// mode needs extended types, then `EphemeralType.validateTTL(mode, ttl)`. `ttl_ms` is the
    /// request's TTL, -1 for plain create requests (as Prep passes it).
    ///
    /// # Errors
    /// `Unimplemented` for a TTL mode with extended types off; `BadArguments` for a TTL mode
    /// whose TTL is not in `1..=MAX_TTL_MS`, or a non-TTL mode with `ttl_ms >= 0`.
    pub fn validate_ttl(self, ttl_ms: i64, extended_types_enabled: bool) -> Result<(), ErrorCode> {
        if self.is_ttl() && !extended_types_enabled {
            return Err(ErrorCode::Unimplemented);
        }
        if self.is_ttl() {
            ttl_to_owner(ttl_ms).map(|_| ())
        } else if ttl_ms >= 0 {
            Err(ErrorCode::BadArguments)
        } else {
            Ok(())
        }
    }

    /// The `ephemeralOwner` of a node created with this mode by `session` (Prep's choice in
    /// `pRequest2TxnCreate`: container marker, TTL owner, session id, or 0).
    ///
    /// # Errors
    /// `BadArguments` for a TTL mode with an invalid TTL.
    pub fn owner(self, session: i64, ttl_ms: i64) -> Result<i64, ErrorCode> {
        if self.is_container() {
            Ok(CONTAINER_EPHEMERAL_OWNER)
        } else if self.is_ttl() {
            ttl_to_owner(ttl_ms)
        } else if self.is_ephemeral() {
            Ok(session)
        } else {
            Ok(0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_is_a_persistent_node() {
        assert_eq!(EphemeralType::from_owner(0, true), EphemeralType::Normal);
        assert_eq!(EphemeralType::Normal.to_owner(), 0);
    }

    #[test]
    fn long_min_is_a_container_with_or_without_extended_types() {
        assert_eq!(
            EphemeralType::from_owner(i64::MIN, false),
            EphemeralType::Container
        );
        assert_eq!(
            EphemeralType::from_owner(i64::MIN, true),
            EphemeralType::Container
        );
        assert_eq!(EphemeralType::Container.to_owner(), i64::MIN);
    }

    #[test]
    fn ttl_owner_has_ff_top_byte_and_ttl_in_low_bits() {
        let owner = ttl_to_owner(1).expect("valid ttl");
        assert_eq!(owner as u64, 0xff00_0000_0000_0001);
        assert_eq!(
            EphemeralType::from_owner(owner, true),
            EphemeralType::Ttl(1)
        );
        let max = ttl_to_owner(MAX_TTL_MS).expect("valid ttl");
        assert_eq!(max as u64, 0xff00_00ff_ffff_ffff);
        assert_eq!(
            EphemeralType::from_owner(max, true),
            EphemeralType::Ttl(MAX_TTL_MS)
        );
    }

    #[test]
    fn ttl_owner_is_a_session_when_extended_types_are_off() {
        let owner = ttl_to_owner(5000).expect("valid ttl");
        assert_eq!(
            EphemeralType::from_owner(owner, false),
            EphemeralType::Session(owner)
        );
        assert_eq!(client_owner(owner, false), owner);
        assert_eq!(client_owner(owner, true), 0);
    }

    #[test]
    fn ttl_out_of_range_is_bad_arguments() {
        assert_eq!(ttl_to_owner(0), Err(ErrorCode::BadArguments));
        assert_eq!(ttl_to_owner(-1), Err(ErrorCode::BadArguments));
        assert_eq!(ttl_to_owner(MAX_TTL_MS + 1), Err(ErrorCode::BadArguments));
    }

    #[test]
    fn session_ids_are_sessions() {
        assert_eq!(
            EphemeralType::from_owner(0x0100_0000_0000_0001, true),
            EphemeralType::Session(0x0100_0000_0000_0001)
        );
        assert_eq!(client_owner(0x42, true), 0x42);
        assert_eq!(client_owner(i64::MIN, false), 0);
    }

    #[test]
    fn create_mode_flags_round_trip() {
        for flag in 0..=6 {
            let mode = CreateMode::from_flag(flag).expect("known flag");
            assert_eq!(mode.to_flag(), flag);
        }
        assert_eq!(CreateMode::from_flag(7), Err(ErrorCode::BadArguments));
        assert_eq!(CreateMode::from_flag(-1), Err(ErrorCode::BadArguments));
    }

    #[test]
    fn create_mode_predicates_match_java_table() {
        use CreateMode::*;
        let table = [
            (Persistent, false, false, false, false),
            (Ephemeral, true, false, false, false),
            (PersistentSequential, false, true, false, false),
            (EphemeralSequential, true, true, false, false),
            (Container, false, false, true, false),
            (PersistentWithTtl, false, false, false, true),
            (PersistentSequentialWithTtl, false, true, false, true),
        ];
        for (m, eph, seq, cont, ttl) in table {
            assert_eq!(
                (
                    m.is_ephemeral(),
                    m.is_sequential(),
                    m.is_container(),
                    m.is_ttl()
                ),
                (eph, seq, cont, ttl),
                "{m:?}"
            );
        }
    }

    #[test]
    fn ttl_modes_need_extended_types_before_ttl_is_checked() {
        let m = CreateMode::PersistentWithTtl;
        assert_eq!(m.validate_ttl(0, false), Err(ErrorCode::Unimplemented));
        assert_eq!(m.validate_ttl(0, true), Err(ErrorCode::BadArguments));
        assert_eq!(m.validate_ttl(-1, true), Err(ErrorCode::BadArguments));
        assert_eq!(m.validate_ttl(100, true), Ok(()));
        assert_eq!(CreateMode::Persistent.validate_ttl(-1, false), Ok(()));
        assert_eq!(
            CreateMode::Persistent.validate_ttl(0, true),
            Err(ErrorCode::BadArguments)
        );
    }

    #[test]
    fn owner_follows_the_create_mode() {
        assert_eq!(CreateMode::Persistent.owner(7, -1), Ok(0));
        assert_eq!(CreateMode::EphemeralSequential.owner(7, -1), Ok(7));
        assert_eq!(CreateMode::Container.owner(7, -1), Ok(i64::MIN));
        assert_eq!(
            CreateMode::PersistentWithTtl.owner(7, 10),
            Ok(EphemeralType::Ttl(10).to_owner())
        );
    }
}
