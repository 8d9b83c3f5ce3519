//! Permissions, ACL checks and auth providers. Counterpart of `ZooDefs.Perms`/`ZooDefs.Ids`,
//! `ZooKeeperServer.checkACL`, `PrepRequestProcessor.fixupACL`/`removeDuplicates`,
//! `DigestAuthenticationProvider`, `IPAuthenticationProvider` and `ReferenceCountedACLCache`.
//!
//! The providers are the ones `ProviderRegistry` registers by default: `ip` and `digest`.
//! Schemes without a provider (`world` other than `anyone`, `super`, `sasl`, `x509`, ...)
//! never match in [`check`] and are invalid in [`fixup`], as in a default ZooKeeper.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::{Arc, Weak};

use base64::Engine as _;
use jute_codec::records::{Acl, Id};
use jute_codec::ErrorCode;
use sha1::{Digest as _, Sha1};

use crate::FixedState;

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

/// `Ids.ANYONE_ID_UNSAFE`: `world:anyone`.
pub fn anyone_id() -> Id {
    Id {
        scheme: "world".into(),
        id: "anyone".into(),
    }
}

/// `Ids.OPEN_ACL_UNSAFE`: `world:anyone` with every permission.
pub fn open_acl_unsafe() -> Vec<Acl> {
    vec![Acl {
        perms: ALL,
        id: anyone_id(),
    }]
}

/// `Ids.READ_ACL_UNSAFE`: `world:anyone` with READ only (the ACL of `/zookeeper/config`).
pub fn read_acl_unsafe() -> Vec<Acl> {
    vec![Acl {
        perms: READ,
        id: anyone_id(),
    }]
}

/// Checks `perm` against `acl` for a session holding `auth_ids` (`ZooKeeperServer.checkACL`:
/// `super` passes everything; an empty ACL passes; `world:anyone`; `ip` with masks;
/// `digest` by equality; other schemes have no provider and never match). `zookeeper.skipACL`
/// is the caller's business (skip the call).
///
/// # Errors
/// `ErrorCode::NoAuth`.
pub fn check(acl: &[Acl], perm: i32, auth_ids: &[Id]) -> Result<(), ErrorCode> {
    if acl.is_empty() || auth_ids.iter().any(|a| a.scheme == "super") {
        return Ok(());
    }
    for entry in acl {
        if entry.perms & perm == 0 {
            continue;
        }
        let id = &entry.id;
        if id.scheme == "world" && id.id == "anyone" {
            return Ok(());
        }
        let matcher: fn(&str, &str) -> bool = match id.scheme.as_str() {
            "digest" => |id, expr| id == expr,
            "ip" => ip_matches,
            _ => continue, // no provider registered for this scheme
        };
        if auth_ids
            .iter()
            .any(|a| a.scheme == id.scheme && matcher(&a.id, &id.id))
        {
            return Ok(());
        }
    }
    Err(ErrorCode::NoAuth)
}

/// Processes an `auth` packet (`ProviderRegistry.getServerProvider(scheme)
/// .handleAuthentication`): returns the ids the session gains, in the order ZooKeeper adds
/// them.
///
/// - `digest`: `user:password` -> `digest:user:base64(sha1(user:password))`, preceded by
///   `super:` (empty id) when that digest equals `super_digest`
///   (`zookeeper.DigestAuthenticationProvider.superDigest`, e.g. `super:D/InIHSb7y...`).
/// - `ip`: succeeds and adds nothing new: `IPAuthenticationProvider.handleAuthentication`
///   adds `ip:<remote address>`, which every connection already holds from the moment it was
///   accepted (`NIOServerCnxn` adds it; see [`ip_id`]), and the session's ids are a set.
/// - any other scheme has no provider: `AuthFailed`.
///
/// # Errors
/// `ErrorCode::AuthFailed`.
pub fn authenticate(
    scheme: &str,
    auth: &[u8],
    super_digest: Option<&str>,
) -> Result<Vec<Id>, ErrorCode> {
    match scheme {
        "digest" => {
            // ZK-COMPAT: DigestAuthenticationProvider.java: `new String(authData)` decodes
            // with the platform charset (UTF-8), replacing malformed bytes.
            let id_password = String::from_utf8_lossy(auth);
            let digest = generate_digest(&id_password);
            let mut ids = Vec::with_capacity(2);
            if super_digest == Some(digest.as_str()) {
                ids.push(Id {
                    scheme: "super".into(),
                    id: String::new(),
                });
            }
            ids.push(Id {
                scheme: "digest".into(),
                id: digest,
            });
            Ok(ids)
        }
        "ip" => Ok(Vec::new()),
        _ => Err(ErrorCode::AuthFailed),
    }
}

/// The id every connection holds from the start: `ip:<host address>`
/// (`NIOServerCnxn`/`NettyServerCnxn` constructors). `host` is the address as Java's
/// `InetAddress.getHostAddress()` prints it (`127.0.0.1`; IPv6 as `0:0:0:0:0:0:0:1`).
pub fn ip_id(host: &str) -> Id {
    Id {
        scheme: "ip".into(),
        id: host.into(),
    }
}

/// `digest:` id for `user:password` (`DigestAuthenticationProvider.generateDigest`): the text
/// before the first ':' (all of it if there is none), ':', then the base64 SHA-1 of the
/// whole input.
pub fn generate_digest(id_password: &str) -> String {
    let user = id_password.split(':').next().unwrap_or_default();
    let sha = Sha1::digest(id_password.as_bytes());
    let b64 = base64::engine::general_purpose::STANDARD.encode(sha);
    format!("{user}:{b64}")
}

/// `PrepRequestProcessor.fixupACL`: validates and expands (`auth` scheme -> the session's
/// ids), removes duplicates.
///
/// - duplicates are dropped first, keeping the first occurrence (`removeDuplicates`); an
///   empty list is invalid;
/// - `world:anyone` is kept;
/// - `auth` (any id) becomes one entry per authenticated id of the session, with the entry's
///   permissions. Only `digest` ids count (`ip` is not "authenticated", `super` has no
///   provider); none is `InvalidAcl`. The expansion is not deduplicated again, as in ZK;
/// - `digest` ids must split on ':' into exactly two parts (Java's `split` rules);
/// - `ip` ids must be an IPv4 address with an optional `/bits` (0..=32);
/// - anything else is `InvalidAcl`.
///
/// ZK-COMPAT: PrepRequestProcessor.java: the `auth` expansion follows the order of the
/// session's ids; ZooKeeper iterates a hash set there, so with several digest ids its order
/// may differ from ours.
///
/// # Errors
/// `ErrorCode::InvalidAcl`.
pub fn fixup(acl: &[Acl], auth_ids: &[Id]) -> Result<Vec<Acl>, ErrorCode> {
    let mut unique: Vec<&Acl> = Vec::with_capacity(acl.len());
    for a in acl {
        if !unique.contains(&a) {
            unique.push(a);
        }
    }
    if unique.is_empty() {
        return Err(ErrorCode::InvalidAcl);
    }
    let mut out = Vec::with_capacity(unique.len());
    for a in unique {
        let id = &a.id;
        if id.scheme == "world" && id.id == "anyone" {
            out.push(a.clone());
        } else if id.scheme == "auth" {
            let before = out.len();
            for cid in auth_ids.iter().filter(|cid| cid.scheme == "digest") {
                out.push(Acl {
                    perms: a.perms,
                    id: cid.clone(),
                });
            }
            if out.len() == before {
                return Err(ErrorCode::InvalidAcl);
            }
        } else {
            let valid = match id.scheme.as_str() {
                "digest" => digest_is_valid(&id.id),
                "ip" => ip_is_valid(&id.id),
                _ => false,
            };
            if !valid {
                return Err(ErrorCode::InvalidAcl);
            }
            out.push(a.clone());
        }
    }
    Ok(out)
}

/// `DigestAuthenticationProvider.isValid`: `id.split(":").length == 2`.
pub fn digest_is_valid(id: &str) -> bool {
    java_split_len(id, ':') == 2
}

/// How many parts Java's `String.split(sep)` returns: trailing empty strings are removed, and
/// a string without the separator is one part (even when empty).
fn java_split_len(s: &str, sep: char) -> usize {
    if !s.contains(sep) {
        return 1;
    }
    let mut parts: Vec<&str> = s.split(sep).collect();
    while parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    parts.len()
}

/// `Integer.parseInt` for the decimal strings IP ACLs contain (optional sign, ASCII digits).
fn java_parse_int(s: &str) -> Option<i32> {
    s.parse::<i32>().ok()
}

/// `IPAuthenticationProvider.v4addr2Bytes`: exactly four dot-separated numbers in 0..=255.
fn v4_addr_bytes(addr: &str) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut n = 0;
    for part in addr.split('.') {
        if n == 4 {
            return None;
        }
        let v = java_parse_int(part)?;
        out[n] = u8::try_from(v).ok()?;
        n += 1;
    }
    (n == 4).then_some(out)
}

/// `IPAuthenticationProvider.mask`: keeps the top `bits` bits.
fn mask(b: &mut [u8; 4], bits: usize) {
    let start = bits / 8;
    if start < b.len() {
        let keep = !((1u32 << (8 - bits % 8)) - 1);
        b[start] &= keep as u8;
        for byte in &mut b[start + 1..] {
            *byte = 0;
        }
    }
}

/// Parses an `ip` ACL expression: address and prefix length.
fn parse_ip_expr(expr: &str) -> Option<([u8; 4], usize)> {
    let (addr, bits) = match expr.split_once('/') {
        Some((addr, bits)) => (addr, Some(bits)),
        None => (expr, None),
    };
    let addr = v4_addr_bytes(addr)?;
    let bits = match bits {
        None => 32,
        Some(b) => usize::try_from(java_parse_int(b)?)
            .ok()
            .filter(|b| *b <= 32)?,
    };
    Some((addr, bits))
}

/// `IPAuthenticationProvider.matches(id, aclExpr)`: whether the client address `id` is in the
/// IPv4 network `aclExpr` (`a.b.c.d` or `a.b.c.d/bits`). IPv6 never matches (ZooKeeper's
/// `v6addr2Bytes` is a TODO).
pub fn ip_matches(id: &str, acl_expr: &str) -> bool {
    let Some((mut acl_addr, bits)) = parse_ip_expr(acl_expr) else {
        return false;
    };
    mask(&mut acl_addr, bits);
    let Some(mut remote) = v4_addr_bytes(id) else {
        return false;
    };
    mask(&mut remote, bits);
    remote == acl_addr
}

/// `IPAuthenticationProvider.isValid`.
pub fn ip_is_valid(id: &str) -> bool {
    parse_ip_expr(id).is_some()
}

/// Shared ACL lists, so that a million znodes with the same ACL hold one list between them.
/// Counterpart of `ReferenceCountedACLCache`; the reference count is the `Arc`'s, and the
/// cache holds only weak references, so a list lives exactly as long as something (a node,
/// or an [`ApplyOutcome`](crate::ApplyOutcome) naming the ACL of a deleted node) uses it.
#[derive(Debug, Default)]
pub struct AclCache {
    /// Lists by their content hash; a bucket holds the (rare) lists whose hashes collide.
    lists: HashMap<u64, Vec<Weak<Vec<Acl>>>, FixedState>,
}

impl AclCache {
    /// The shared list equal to `acl`, added if new (`convertAcls`).
    pub fn intern(&mut self, acl: &[Acl]) -> Arc<Vec<Acl>> {
        let bucket = self.lists.entry(hash_acl(acl)).or_default();
        bucket.retain(|w| w.strong_count() > 0);
        if let Some(found) = bucket
            .iter()
            .filter_map(Weak::upgrade)
            .find(|l| l.as_slice() == acl)
        {
            return found;
        }
        let list = Arc::new(acl.to_vec());
        bucket.push(Arc::downgrade(&list));
        list
    }

    /// The shared list equal to `acl`, if some node uses one (a lookup: changes nothing).
    pub fn find(&self, acl: &[Acl]) -> Option<Arc<Vec<Acl>>> {
        self.lists
            .get(&hash_acl(acl))?
            .iter()
            .filter_map(Weak::upgrade)
            .find(|l| l.as_slice() == acl)
    }

    /// Gives back one use of `acl` (`removeUsage`); the cache forgets the list when nothing
    /// uses it any more.
    pub fn release(&mut self, acl: Arc<Vec<Acl>>) {
        let h = hash_acl(&acl);
        drop(acl);
        if let Some(bucket) = self.lists.get_mut(&h) {
            bucket.retain(|w| w.strong_count() > 0);
            if bucket.is_empty() {
                self.lists.remove(&h);
            }
        }
    }

    /// Number of distinct lists in use (`aclCacheSize`).
    pub fn len(&self) -> usize {
        self.lists
            .values()
            .flatten()
            .filter(|w| w.strong_count() > 0)
            .count()
    }

    /// Whether no list is in use.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Content hash of an ACL list (`Acl` is a generated record without `Hash`).
fn hash_acl(acl: &[Acl]) -> u64 {
    let mut h = FixedState::default().build_hasher();
    acl.len().hash(&mut h);
    for a in acl {
        a.perms.hash(&mut h);
        a.id.scheme.hash(&mut h);
        a.id.id.hash(&mut h);
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(scheme: &str, id: &str) -> Id {
        Id {
            scheme: scheme.into(),
            id: id.into(),
        }
    }

    fn acl(perms: i32, scheme: &str, i: &str) -> Acl {
        Acl {
            perms,
            id: id(scheme, i),
        }
    }

    #[test]
    fn digest_of_super_test_matches_zookeeper() {
        assert_eq!(
            generate_digest("super:test"),
            "super:D/InIHSb7yEEbrWz8b9l71RjZJU="
        );
    }

    #[test]
    fn digest_keeps_only_the_user_before_the_first_colon() {
        let d = generate_digest("a:b:c");
        assert!(d.starts_with("a:"));
        assert_eq!(d.len(), 2 + 28);
        let whole = generate_digest("nocolon");
        assert!(whole.starts_with("nocolon:"));
    }

    #[test]
    fn digest_auth_adds_super_first_when_it_matches_the_super_digest() {
        let sd = "super:D/InIHSb7yEEbrWz8b9l71RjZJU=";
        let ids = authenticate("digest", b"super:test", Some(sd)).expect("auth ok");
        assert_eq!(ids, vec![id("super", ""), id("digest", sd)]);
        let ids = authenticate("digest", b"super:wrong", Some(sd)).expect("auth ok");
        assert_eq!(ids.len(), 1);
        assert_eq!(ids[0].scheme, "digest");
        let ids = authenticate("digest", b"super:test", None).expect("auth ok");
        assert_eq!(ids, vec![id("digest", sd)]);
    }

    #[test]
    fn unknown_auth_schemes_fail() {
        assert_eq!(authenticate("foo", b"x", None), Err(ErrorCode::AuthFailed));
        assert_eq!(
            authenticate("super", b"x", None),
            Err(ErrorCode::AuthFailed)
        );
        assert_eq!(
            authenticate("world", b"anyone", None),
            Err(ErrorCode::AuthFailed)
        );
        assert_eq!(authenticate("ip", b"", None), Ok(vec![]));
    }

    #[test]
    fn check_passes_empty_acls_super_and_world_anyone() {
        assert_eq!(check(&[], ALL, &[]), Ok(()));
        let a = vec![acl(READ, "digest", "u:h")];
        assert_eq!(check(&a, READ, &[]), Err(ErrorCode::NoAuth));
        assert_eq!(check(&a, WRITE, &[id("super", "")]), Ok(()));
        let w = vec![acl(READ, "world", "anyone")];
        assert_eq!(check(&w, READ, &[]), Ok(()));
        assert_eq!(check(&w, WRITE, &[]), Err(ErrorCode::NoAuth));
    }

    #[test]
    fn check_matches_digest_by_equality_and_permission() {
        let a = vec![acl(READ | WRITE, "digest", "u:h")];
        assert_eq!(check(&a, WRITE, &[id("digest", "u:h")]), Ok(()));
        assert_eq!(
            check(&a, DELETE, &[id("digest", "u:h")]),
            Err(ErrorCode::NoAuth)
        );
        assert_eq!(
            check(&a, READ, &[id("digest", "u:x")]),
            Err(ErrorCode::NoAuth)
        );
        assert_eq!(check(&a, READ, &[id("ip", "u:h")]), Err(ErrorCode::NoAuth));
    }

    #[test]
    fn check_never_matches_schemes_without_a_provider() {
        let a = vec![acl(ALL, "world", "someone"), acl(ALL, "sasl", "bob")];
        assert_eq!(
            check(&a, READ, &[id("world", "someone"), id("sasl", "bob")]),
            Err(ErrorCode::NoAuth)
        );
    }

    #[test]
    fn check_matches_ip_with_cidr_masks() {
        let a = vec![acl(READ, "ip", "10.1.0.0/16")];
        assert_eq!(check(&a, READ, &[id("ip", "10.1.2.3")]), Ok(()));
        assert_eq!(
            check(&a, READ, &[id("ip", "10.2.2.3")]),
            Err(ErrorCode::NoAuth)
        );
        assert!(ip_matches("127.0.0.1", "127.0.0.1"));
        assert!(!ip_matches("127.0.0.2", "127.0.0.1"));
        assert!(ip_matches("192.168.1.77", "192.168.1.64/26"));
        assert!(!ip_matches("192.168.1.128", "192.168.1.64/26"));
        assert!(ip_matches("1.2.3.4", "9.9.9.9/0"));
        assert!(ip_matches("1.2.3.4", "1.2.3.5/31"));
        assert!(!ip_matches("1.2.3.4", "1.2.3.4/33"));
        assert!(!ip_matches("::1", "::1"));
        assert!(!ip_matches("1.2.3", "1.2.3"));
    }

    #[test]
    fn ip_validity_follows_java_parsing() {
        assert!(ip_is_valid("1.2.3.4"));
        assert!(ip_is_valid("1.2.3.4/0"));
        assert!(ip_is_valid("1.2.3.4/32"));
        assert!(ip_is_valid("+1.-0.003.4"));
        assert!(!ip_is_valid("1.2.3.4/33"));
        assert!(!ip_is_valid("1.2.3.4/-1"));
        assert!(!ip_is_valid("1.2.3.4/"));
        assert!(!ip_is_valid("1.2.3.256"));
        assert!(!ip_is_valid("1.2.3.4."));
        assert!(!ip_is_valid("1.2.3"));
        assert!(!ip_is_valid("host"));
    }

    #[test]
    fn digest_validity_uses_java_split_rules() {
        assert!(digest_is_valid("u:h"));
        assert!(digest_is_valid("u:h:")); // trailing empty part dropped
        assert!(digest_is_valid(":h"));
        assert!(!digest_is_valid("u:"));
        assert!(!digest_is_valid("u"));
        assert!(!digest_is_valid(""));
        assert!(!digest_is_valid("a:b:c"));
        assert!(!digest_is_valid(":"));
    }

    #[test]
    fn fixup_rejects_empty_and_unknown_and_bad_ids() {
        assert_eq!(fixup(&[], &[]), Err(ErrorCode::InvalidAcl));
        assert_eq!(
            fixup(&[acl(ALL, "world", "x")], &[]),
            Err(ErrorCode::InvalidAcl)
        );
        assert_eq!(
            fixup(&[acl(ALL, "super", "")], &[]),
            Err(ErrorCode::InvalidAcl)
        );
        assert_eq!(
            fixup(&[acl(ALL, "digest", "nohash")], &[]),
            Err(ErrorCode::InvalidAcl)
        );
        assert_eq!(
            fixup(&[acl(ALL, "ip", "1.2.3")], &[]),
            Err(ErrorCode::InvalidAcl)
        );
        assert_eq!(
            fixup(&[acl(ALL, "foo", "bar")], &[]),
            Err(ErrorCode::InvalidAcl)
        );
    }

    #[test]
    fn fixup_removes_duplicates_keeping_order() {
        let a = vec![
            acl(ALL, "world", "anyone"),
            acl(READ, "ip", "1.2.3.4"),
            acl(ALL, "world", "anyone"),
        ];
        assert_eq!(fixup(&a, &[]), Ok(a[..2].to_vec()));
    }

    #[test]
    fn fixup_expands_auth_to_digest_ids_only() {
        let ids = vec![id("ip", "127.0.0.1"), id("super", ""), id("digest", "u:h")];
        assert_eq!(
            fixup(&[acl(READ, "auth", "ignored")], &ids),
            Ok(vec![acl(READ, "digest", "u:h")])
        );
        assert_eq!(
            fixup(&[acl(READ, "auth", "")], &ids[..2]),
            Err(ErrorCode::InvalidAcl)
        );
    }

    #[test]
    fn acl_cache_shares_equal_lists_and_forgets_unused_ones() {
        let mut c = AclCache::default();
        let a = c.intern(&open_acl_unsafe());
        let b = c.intern(&open_acl_unsafe());
        assert!(Arc::ptr_eq(&a, &b));
        let r = c.intern(&read_acl_unsafe());
        assert_eq!(c.len(), 2);
        c.release(a);
        assert_eq!(c.len(), 2);
        let held_elsewhere = Arc::clone(&b);
        c.release(b);
        assert_eq!(c.len(), 2);
        drop(held_elsewhere);
        assert_eq!(c.len(), 1);
        c.release(r);
        assert!(c.is_empty());
        let again = c.intern(&open_acl_unsafe());
        assert_eq!(c.len(), 1);
        drop(again);
    }
}
