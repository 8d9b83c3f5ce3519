//! Result codes: the `int` values of `KeeperException.Code`.
//!
//! These are values, not Rust errors: they travel in `ReplyHeader.err`, in `ErrorTxn` and in
//! multi results (design §2.3).

macro_rules! error_codes {
    ($( $(#[$m:meta])* $name:ident = $v:expr ),* $(,)?) => {
        /// A ZooKeeper result code, numbered as in `KeeperException.Code`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(i32)]
        pub enum ErrorCode {
            $( $(#[$m])* $name = $v ),*
        }

        impl ErrorCode {
            /// The code for a wire value, if ZooKeeper defines it.
            pub fn from_i32(v: i32) -> Option<Self> {
                match v {
                    $( $v => Some(ErrorCode::$name), )*
                    _ => None,
                }
            }
        }
    };
}

error_codes! {
    /// Success.
    Ok = 0,
    /// A system error.
    SystemError = -1,
    /// A runtime inconsistency (later ops of a failed multi).
    RuntimeInconsistency = -2,
    /// A data inconsistency.
    DataInconsistency = -3,
    /// Connection to the server lost.
    ConnectionLoss = -4,
    /// Error while marshalling or unmarshalling data.
    MarshallingError = -5,
    /// Operation is unimplemented.
    Unimplemented = -6,
    /// Operation timeout.
    OperationTimeout = -7,
    /// Invalid arguments.
    BadArguments = -8,
    /// Unknown session (internal).
    UnknownSession = -12,
    /// No quorum of the new config is connected.
    NewConfigNoQuorum = -13,
    /// Another reconfiguration is in progress.
    ReconfigInProgress = -14,
    /// API errors.
    ApiError = -100,
    /// Node does not exist.
    NoNode = -101,
    /// Not authenticated.
    NoAuth = -102,
    /// Version conflict.
    BadVersion = -103,
    /// Ephemeral nodes may not have children.
    NoChildrenForEphemerals = -108,
    /// The node already exists.
    NodeExists = -110,
    /// The node has children.
    NotEmpty = -111,
    /// The session has expired.
    SessionExpired = -112,
    /// Invalid callback.
    InvalidCallback = -113,
    /// Invalid ACL.
    InvalidAcl = -114,
    /// Client authentication failed.
    AuthFailed = -115,
    /// Session moved to another server.
    SessionMoved = -118,
    /// State-changing request sent to a read-only server.
    NotReadOnly = -119,
    /// Attempt to create an ephemeral node on a local session.
    EphemeralOnLocalSession = -120,
    /// Attempt to remove a non-existing watcher.
    NoWatcher = -121,
    /// Request not completed within the max allowed time.
    RequestTimeout = -122,
    /// Reconfig is disabled.
    ReconfigDisabled = -123,
    /// The session requires SASL authentication.
    SessionClosedRequireSaslAuth = -124,
    /// Quota exceeded.
    QuotaExceeded = -125,
    /// Operation was throttled.
    ThrottledOp = -127,
}

impl ErrorCode {
    /// The code's `i32` wire value.
    pub const fn as_i32(self) -> i32 {
        self as i32
    }

    /// Whether this is a system error (between -1 and -99), as opposed to an API error.
    pub fn is_system(self) -> bool {
        (-99..=-1).contains(&self.as_i32())
    }

    /// Whether this is an API error (-100 and below).
    pub fn is_api(self) -> bool {
        self.as_i32() <= -100
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_keeper_exception() {
        assert_eq!(ErrorCode::NoNode.as_i32(), -101);
        assert_eq!(ErrorCode::from_i32(-110), Some(ErrorCode::NodeExists));
        assert_eq!(ErrorCode::from_i32(-9), None);
        assert!(ErrorCode::RuntimeInconsistency.is_system());
        assert!(ErrorCode::NoAuth.is_api());
    }
}
