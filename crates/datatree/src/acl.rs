//! Permissions, ACL checks and auth providers. Counterpart of `ZooDefs.Perms`,
//! `ZooKeeperServer.checkACL`, `PrepRequestProcessor.fixupACL`,
//! `DigestAuthenticationProvider` and `IPAuthenticationProvider`.

use jute_codec::records::{Acl, Id};
use jute_codec::ErrorCode;

/// READ permission bit.
pub const READ: i32 = 1;
/// WRITE permission bit.
pub const WRITE: i32 = 2;
/// CREATE permission bit.
pub const CREATE: i32 = 4;
/// DELETE permission bit.
pub const DELETE: i32 = 8;
/// ADMIN permission bit.
pub const ADMIN: i32 = 16;
/// All permissions.
pub const ALL: i32 = 31;

/// Checks `perm` against `acl` for a session holding `auth_ids` (`ZooKeeperServer.checkACL`:
/// `super` passes everything; an empty ACL passes; `world:anyone`; `ip` with masks;
/// other schemes match by equality).
///
/// # Errors
/// `ErrorCode::NoAuth`.
pub fn check(acl: &[Acl], perm: i32, auth_ids: &[Id]) -> Result<(), ErrorCode> {
    let _ = (acl, perm, auth_ids);
    unimplemented!("helper fills this in")
}

/// Processes an `auth` packet (`addAuthInfo`): returns the ids the session gains.
/// `digest`: `user:password` -> `digest:user:base64(sha1(user:password))`, plus `super:`
/// when it matches `super_digest` (`zookeeper.DigestAuthenticationProvider.superDigest`).
/// `ip` is not accepted from clients in ZK 3.8 (AuthFailed). Unknown schemes -> AuthFailed.
///
/// # Errors
/// `ErrorCode::AuthFailed`.
pub fn authenticate(scheme: &str, auth: &[u8], super_digest: Option<&str>) -> Result<Vec<Id>, ErrorCode> {
    let _ = (scheme, auth, super_digest);
    unimplemented!("helper fills this in")
}

/// `digest:` id for `user:password` (`DigestAuthenticationProvider.generateDigest`).
pub fn generate_digest(id_password: &str) -> String {
    let _ = id_password;
    unimplemented!("helper fills this in")
}

/// `PrepRequestProcessor.fixupACL`: validates and expands (`auth` scheme -> the session's
/// ids), removes duplicates.
///
/// # Errors
/// `ErrorCode::InvalidAcl`.
pub fn fixup(acl: &[Acl], auth_ids: &[Id]) -> Result<Vec<Acl>, ErrorCode> {
    let _ = (acl, auth_ids);
    unimplemented!("helper fills this in")
}
