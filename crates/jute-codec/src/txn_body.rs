//! Typed transactions: a `TxnHeader`'s type selects the body record. Counterpart of
//! `SerializeUtils.deserializeTxn` and of the `switch` in `DataTree.processTxn`.
//!
//! This is what Prep produces, what the txn log stores and what Apply consumes.

use bytes::{Buf, BufMut, Bytes};

use crate::codec::Record;
use crate::records::*;
use crate::{DecodeError, OpCode};

/// The body of a transaction. The header's type picks the variant; several types share one
/// record (create and create2 both use `CreateTxn`; delete and deleteContainer `DeleteTxn`;
/// setData and reconfig `SetDataTxn`), so the type is kept in the header, not here.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum TxnBody {
    /// Types create (1) and create2 (15).
    Create(CreateTxn),
    /// Type createContainer (19).
    CreateContainer(CreateContainerTxn),
    /// Type createTTL (21).
    CreateTtl(CreateTtlTxn),
    /// Types delete (2) and deleteContainer (20).
    Delete(DeleteTxn),
    /// Types setData (5) and reconfig (16).
    SetData(SetDataTxn),
    /// Type setACL (7).
    SetAcl(SetAclTxn),
    /// Type check (13), only inside a multi.
    Check(CheckVersionTxn),
    /// Type multi (14): the sub-txns with their types.
    Multi(Vec<SubTxn>),
    /// Type createSession (-10).
    CreateSession(CreateSessionTxn),
    /// Type closeSession (-11). `None` for logs written before 3.6 (no body).
    CloseSession(Option<CloseSessionTxn>),
    /// Type error (-1).
    Error(ErrorTxn),
}

/// One sub-transaction of a multi.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubTxn {
    /// The sub-txn's type (an opcode value; -1 for an error).
    pub r#type: i32,
    /// Its body.
    pub body: TxnBody,
}

impl TxnBody {
    /// Decodes the body of a txn whose header has type `txn_type`.
    ///
    /// # Errors
    /// [`DecodeError`] for malformed bytes or a type that has no txn body.
    pub fn decode(txn_type: i32, buf: &mut Bytes) -> Result<Self, DecodeError> {
        let op = OpCode::try_from(txn_type)?;
        Ok(match op {
            OpCode::Create => {
                // ZK-COMPAT: SerializeUtils.deserializeTxn: a create that ends early is a
                // pre-3.3 CreateTxnV0; it becomes a CreateTxn with parentCVersion -1.
                let mut attempt = buf.clone();
                match CreateTxn::decode(&mut attempt) {
                    Ok(t) => {
                        *buf = attempt;
                        TxnBody::Create(t)
                    }
                    Err(DecodeError::UnexpectedEnd { .. }) => {
                        let v0 = CreateTxnV0::decode(buf)?;
                        TxnBody::Create(CreateTxn {
                            path: v0.path,
                            data: v0.data,
                            acl: v0.acl,
                            ephemeral: v0.ephemeral,
                            parent_c_version: -1,
                        })
                    }
                    Err(e) => return Err(e),
                }
            }
            OpCode::Create2 => TxnBody::Create(Record::decode(buf)?),
            OpCode::CreateContainer => TxnBody::CreateContainer(Record::decode(buf)?),
            OpCode::CreateTtl => TxnBody::CreateTtl(Record::decode(buf)?),
            OpCode::Delete | OpCode::DeleteContainer => TxnBody::Delete(Record::decode(buf)?),
            OpCode::SetData | OpCode::Reconfig => TxnBody::SetData(Record::decode(buf)?),
            OpCode::SetAcl => TxnBody::SetAcl(Record::decode(buf)?),
            OpCode::Check => TxnBody::Check(Record::decode(buf)?),
            OpCode::Multi => {
                let multi = MultiTxn::decode(buf)?;
                let mut subs = Vec::with_capacity(multi.txns.len());
                for t in multi.txns {
                    // ZK-COMPAT: DataTree.processTxn accepts only these inside a multi ("Invalid
                    // type of op"; create2 since ZOOKEEPER-4026, 3.8.2); refusing nested
                    // multis also bounds the recursion.
                    if !matches!(t.r#type, 1 | 15 | 21 | 19 | 2 | 20 | 5 | 13 | -1) {
                        return Err(DecodeError::InvalidMultiOp(t.r#type));
                    }
                    let mut data = t.data.unwrap_or_default();
                    subs.push(SubTxn {
                        r#type: t.r#type,
                        body: TxnBody::decode(t.r#type, &mut data)?,
                    });
                }
                TxnBody::Multi(subs)
            }
            OpCode::CreateSession => TxnBody::CreateSession(Record::decode(buf)?),
            OpCode::CloseSession => {
                if buf.has_remaining() {
                    TxnBody::CloseSession(Some(Record::decode(buf)?))
                } else {
                    TxnBody::CloseSession(None)
                }
            }
            OpCode::Error => TxnBody::Error(Record::decode(buf)?),
            other => return Err(DecodeError::UnknownOpCode(other.as_i32())),
        })
    }

    /// Encodes the body record.
    pub fn encode<B: BufMut>(&self, buf: &mut B) {
        match self {
            TxnBody::Create(t) => t.encode(buf),
            TxnBody::CreateContainer(t) => t.encode(buf),
            TxnBody::CreateTtl(t) => t.encode(buf),
            TxnBody::Delete(t) => t.encode(buf),
            TxnBody::SetData(t) => t.encode(buf),
            TxnBody::SetAcl(t) => t.encode(buf),
            TxnBody::Check(t) => t.encode(buf),
            TxnBody::Multi(subs) => {
                buf.put_i32(subs.len() as i32);
                for s in subs {
                    let mut data = Vec::with_capacity(s.body.encoded_len());
                    s.body.encode(&mut data);
                    Txn {
                        r#type: s.r#type,
                        data: Some(Bytes::from(data)),
                    }
                    .encode(buf);
                }
            }
            TxnBody::CreateSession(t) => t.encode(buf),
            TxnBody::CloseSession(t) => {
                if let Some(t) = t {
                    t.encode(buf);
                }
            }
            TxnBody::Error(t) => t.encode(buf),
        }
    }

    /// Bytes `encode` writes.
    pub fn encoded_len(&self) -> usize {
        match self {
            TxnBody::Create(t) => t.encoded_len(),
            TxnBody::CreateContainer(t) => t.encoded_len(),
            TxnBody::CreateTtl(t) => t.encoded_len(),
            TxnBody::Delete(t) => t.encoded_len(),
            TxnBody::SetData(t) => t.encoded_len(),
            TxnBody::SetAcl(t) => t.encoded_len(),
            TxnBody::Check(t) => t.encoded_len(),
            TxnBody::Multi(subs) => {
                4 + subs
                    .iter()
                    .map(|s| 4 + 4 + s.body.encoded_len())
                    .sum::<usize>()
            }
            TxnBody::CreateSession(t) => t.encoded_len(),
            TxnBody::CloseSession(t) => t.as_ref().map_or(0, Record::encoded_len),
            TxnBody::Error(t) => t.encoded_len(),
        }
    }
}

/// A whole txn as the log stores it: header, body and the optional digest (3.6+).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxnEntry {
    /// The header.
    pub hdr: TxnHeader,
    /// The body.
    pub body: TxnBody,
    /// The tree digest after the txn, when digests are enabled.
    pub digest: Option<TxnDigest>,
}

impl TxnEntry {
    /// Encodes header, body and digest.
    pub fn encode<B: BufMut>(&self, buf: &mut B) {
        self.hdr.encode(buf);
        self.body.encode(buf);
        if let Some(d) = &self.digest {
            d.encode(buf);
        }
    }

    /// Decodes a log entry's bytes.
    ///
    /// # Errors
    /// [`DecodeError`] for malformed bytes.
    pub fn decode(buf: &mut Bytes) -> Result<Self, DecodeError> {
        let hdr = TxnHeader::decode(buf)?;
        let body = TxnBody::decode(hdr.r#type, buf)?;
        let digest = if buf.remaining() >= 12 {
            Some(TxnDigest::decode(buf)?)
        } else {
            None
        };
        Ok(Self { hdr, body, digest })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_txn_round_trips_with_sub_types() {
        let body = TxnBody::Multi(vec![
            SubTxn {
                r#type: 1,
                body: TxnBody::Create(CreateTxn {
                    path: "/a".into(),
                    data: Some(Bytes::from_static(b"x")),
                    acl: vec![],
                    ephemeral: false,
                    parent_c_version: 1,
                }),
            },
            SubTxn {
                r#type: -1,
                body: TxnBody::Error(ErrorTxn { err: -101 }),
            },
        ]);
        let mut v = Vec::new();
        body.encode(&mut v);
        assert_eq!(v.len(), body.encoded_len());
        assert_eq!(TxnBody::decode(14, &mut Bytes::from(v)), Ok(body));
    }

    #[test]
    fn close_session_without_body_is_pre_3_6_format() {
        assert_eq!(
            TxnBody::decode(-11, &mut Bytes::new()),
            Ok(TxnBody::CloseSession(None))
        );
    }
}
