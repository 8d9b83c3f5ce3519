//! Opcodes: the `int` values of `ZooDefs.OpCode`.

use crate::DecodeError;

macro_rules! op_codes {
    ($( $(#[$m:meta])* $name:ident = $v:expr ),* $(,)?) => {
        /// A request type, numbered as in `ZooDefs.OpCode`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(i32)]
        pub enum OpCode {
            $( $(#[$m])* $name = $v ),*
        }

        impl TryFrom<i32> for OpCode {
            type Error = DecodeError;
            fn try_from(v: i32) -> Result<Self, DecodeError> {
                match v {
                    $( $v => Ok(OpCode::$name), )*
                    other => Err(DecodeError::UnknownOpCode(other)),
                }
            }
        }
    };
}

op_codes! {
    /// Watch notification (server to client only).
    Notification = 0,
    /// create.
    Create = 1,
    /// delete.
    Delete = 2,
    /// exists.
    Exists = 3,
    /// getData.
    GetData = 4,
    /// setData.
    SetData = 5,
    /// getACL.
    GetAcl = 6,
    /// setACL.
    SetAcl = 7,
    /// getChildren.
    GetChildren = 8,
    /// sync.
    Sync = 9,
    /// ping.
    Ping = 11,
    /// getChildren2.
    GetChildren2 = 12,
    /// check (inside multi).
    Check = 13,
    /// multi.
    Multi = 14,
    /// create2.
    Create2 = 15,
    /// reconfig.
    Reconfig = 16,
    /// checkWatches.
    CheckWatches = 17,
    /// removeWatches.
    RemoveWatches = 18,
    /// createContainer.
    CreateContainer = 19,
    /// deleteContainer.
    DeleteContainer = 20,
    /// createTTL.
    CreateTtl = 21,
    /// multiRead.
    MultiRead = 22,
    /// auth.
    Auth = 100,
    /// setWatches.
    SetWatches = 101,
    /// sasl.
    Sasl = 102,
    /// getEphemerals.
    GetEphemerals = 103,
    /// getAllChildrenNumber.
    GetAllChildrenNumber = 104,
    /// setWatches2.
    SetWatches2 = 105,
    /// addWatch.
    AddWatch = 106,
    /// whoAmI.
    WhoAmI = 107,
    /// createSession.
    CreateSession = -10,
    /// closeSession.
    CloseSession = -11,
    /// error (a failed write's txn type).
    Error = -1,
}

impl OpCode {
    /// The opcode's `i32` wire value.
    pub const fn as_i32(self) -> i32 {
        self as i32
    }

    /// Whether the request changes state and so becomes a txn (`Request.isQuorum`-ish: the
    /// ops that go through Prep and take a zxid).
    pub fn is_write(self) -> bool {
        matches!(
            self,
            OpCode::Create
                | OpCode::Create2
                | OpCode::CreateTtl
                | OpCode::CreateContainer
                | OpCode::Delete
                | OpCode::DeleteContainer
                | OpCode::SetData
                | OpCode::SetAcl
                | OpCode::Check
                | OpCode::Multi
                | OpCode::Reconfig
                | OpCode::CreateSession
                | OpCode::CloseSession
                | OpCode::Error
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_opcode_round_trips_through_its_wire_value() {
        for v in -20..200 {
            if let Ok(op) = OpCode::try_from(v) {
                assert_eq!(op.as_i32(), v);
            }
        }
        assert_eq!(OpCode::try_from(22), Ok(OpCode::MultiRead));
        assert_eq!(OpCode::try_from(107), Ok(OpCode::WhoAmI));
        assert_eq!(OpCode::try_from(10), Err(DecodeError::UnknownOpCode(10)));
    }
}
