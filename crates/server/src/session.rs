//! Sessions: ids, passwords, timeouts and expiry buckets. Counterpart of
//! `SessionTrackerImpl` + `ExpiryQueue`, and of `ZooKeeperServer.generatePasswd`.
//!
//! Pure: time comes in as `now_ms` arguments (monotonic milliseconds).

use std::collections::{BTreeMap, BTreeSet};

use datatree::java_set::string_hash;
use jute_codec::records::Id;

/// A session id: the server id in the top byte.
pub type SessionId = i64;

/// ZooKeeper's `ZooKeeperServer.superSecret`, mixed into every password seed.
const SUPER_SECRET: i64 = 0xB341_5C00;

/// The 16-byte password of `session_id`, exactly as ZooKeeper derives it
/// (`new java.util.Random(id ^ superSecret).nextBytes(16)`), so a client that reconnects after a
/// migration between Apache ZooKeeper and zkrs keeps its session.
pub fn password(session_id: SessionId) -> [u8; 16] {
    // java.util.Random: a 48-bit LCG; nextBytes takes 4 bytes per nextInt(), low byte first.
    const MULT: i64 = 0x5_DEEC_E66D;
    const MASK: i64 = (1 << 48) - 1;
    let mut seed = ((session_id ^ SUPER_SECRET) ^ MULT) & MASK;
    let mut out = [0u8; 16];
    for chunk in out.chunks_mut(4) {
        seed = (seed.wrapping_mul(MULT).wrapping_add(0xB)) & MASK;
        let mut rnd = (seed >> 16) as i32;
        for b in chunk {
            *b = rnd as u8;
            rnd >>= 8;
        }
    }
    out
}

/// The first session id of a server (`SessionTrackerImpl.initializeNextSessionId`): the
/// server id in the top byte, then 40 bits of the clock, then a 16-bit counter.
pub fn initial_session_id(server_id: i64, now_ms: u64) -> SessionId {
    let mut id = (((now_ms as i64) << 24) as u64 >> 8) as i64;
    id |= server_id << 56;
    if id == i64::MIN {
        // ZK-COMPAT: SessionTrackerImpl: never hand out the container marker.
        id += 1;
    }
    id
}

/// One live session.
#[derive(Debug, Clone)]
pub struct Session {
    /// The id.
    pub id: SessionId,
    /// Negotiated timeout, ms.
    pub timeout_ms: u32,
    /// Expiry bucket (monotonic ms).
    pub expires_at_ms: u64,
    /// Set once a closeSession was prepared: no more requests are accepted.
    pub closing: bool,
    /// Authenticated identities (`ServerCnxn.authInfo`), starting with `ip:<addr>`.
    pub auth_ids: Vec<Id>,
}

/// All sessions and their expiry buckets.
#[derive(Debug)]
pub struct SessionTracker {
    sessions: BTreeMap<SessionId, Session>,
    buckets: BTreeMap<u64, BTreeSet<SessionId>>,
    next_id: SessionId,
    tick_ms: u64,
}

impl SessionTracker {
    /// A tracker whose ids start at `first_id`, expiring in buckets of `tick_ms`.
    pub fn new(first_id: SessionId, tick_ms: u64) -> Self {
        assert!(tick_ms > 0, "tickTime must be positive");
        Self {
            sessions: BTreeMap::new(),
            buckets: BTreeMap::new(),
            next_id: first_id,
            tick_ms,
        }
    }

    fn round_to_next_interval(&self, t: u64) -> u64 {
        (t / self.tick_ms + 1) * self.tick_ms
    }

    /// Allocates the next session id.
    pub fn next_id(&mut self) -> SessionId {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Makes later ids come after `id` (a session restored from disk).
    pub fn ensure_next_id_after(&mut self, id: SessionId) {
        if self.next_id <= id {
            self.next_id = id + 1;
        }
    }

    /// Registers a session (new, or restored from disk) and schedules its expiry.
    pub fn add(&mut self, id: SessionId, timeout_ms: u32, auth_ids: Vec<Id>, now_ms: u64) {
        let s = Session {
            id,
            timeout_ms,
            expires_at_ms: 0,
            closing: false,
            auth_ids,
        };
        self.sessions.insert(id, s);
        self.touch(id, timeout_ms, now_ms);
    }

    /// Pushes a session's expiry to `now + timeout` (`touchSession`). Returns false when the
    /// session is unknown or closing.
    pub fn touch(&mut self, id: SessionId, timeout_ms: u32, now_ms: u64) -> bool {
        let new_expiry = self.round_to_next_interval(now_ms + u64::from(timeout_ms));
        let Some(s) = self.sessions.get_mut(&id) else {
            return false;
        };
        if s.closing {
            return false;
        }
        let old = s.expires_at_ms;
        if old == new_expiry {
            return true;
        }
        s.expires_at_ms = new_expiry;
        // ZK-COMPAT: ExpiryQueue.update leaves the old bucket in place even when it is now
        // empty; `dump` lists it ("0 expire at ...") until its time passes.
        if let Some(set) = self.buckets.get_mut(&old) {
            set.remove(&id);
        }
        self.buckets.entry(new_expiry).or_default().insert(id);
        true
    }

    /// Marks a session closing (`setSessionClosing`).
    pub fn set_closing(&mut self, id: SessionId) {
        if let Some(s) = self.sessions.get_mut(&id) {
            s.closing = true;
        }
    }

    /// Forgets a session (its closeSession was applied).
    pub fn remove(&mut self, id: SessionId) -> Option<Session> {
        let s = self.sessions.remove(&id)?;
        // ZK-COMPAT: ExpiryQueue.remove leaves an emptied bucket in place, too.
        if let Some(set) = self.buckets.get_mut(&s.expires_at_ms) {
            set.remove(&id);
        }
        Some(s)
    }

    /// The session, if live.
    pub fn get(&self, id: SessionId) -> Option<&Session> {
        self.sessions.get(&id)
    }

    /// The session, if live.
    pub fn get_mut(&mut self, id: SessionId) -> Option<&mut Session> {
        self.sessions.get_mut(&id)
    }

    /// Number of sessions.
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    /// Whether there are no sessions.
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }

    /// Iterates over sessions in id order.
    pub fn iter(&self) -> impl Iterator<Item = &Session> {
        self.sessions.values()
    }

    /// The expiry buckets (monotonic ms → sessions), empty ones included, as `dump` shows
    /// them (`ExpiryQueue.getExpiryMap`).
    pub fn buckets(&self) -> &BTreeMap<u64, BTreeSet<SessionId>> {
        &self.buckets
    }

    /// The expiry interval (tickTime).
    pub fn tick_ms(&self) -> u64 {
        self.tick_ms
    }

    /// The next time (monotonic ms) a bucket expires.
    pub fn next_expiry_ms(&self) -> Option<u64> {
        self.buckets.keys().next().copied()
    }

    /// Takes the sessions whose bucket is due at `now_ms` (`ExpiryQueue.poll`), marking them
    /// closing. They stay tracked until their closeSession txn is applied.
    pub fn take_expired(&mut self, now_ms: u64) -> Vec<SessionId> {
        let mut out = Vec::new();
        while let Some((&t, _)) = self.buckets.iter().next() {
            if t > now_ms {
                break;
            }
            let set = self.buckets.remove(&t).unwrap_or_default();
            for id in set {
                if let Some(s) = self.sessions.get_mut(&id) {
                    s.closing = true;
                    out.push(id);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_matches_java_random_seeded_with_id_xor_super_secret() {
        // Vectors printed by the JDK 17: new Random(id ^ 0xB3415C00L).nextBytes(new byte[16]).
        assert_eq!(
            password(0x0100_0a3b_4c5d_0001),
            [140, 62, 164, 222, 178, 191, 233, 207, 116, 166, 187, 7, 127, 72, 29, 223]
        );
        assert_eq!(
            password(-5),
            [212, 113, 68, 181, 228, 94, 69, 196, 156, 59, 127, 220, 214, 98, 87, 186]
        );
        assert_eq!(
            password(0),
            [242, 42, 205, 74, 151, 230, 157, 109, 32, 164, 155, 182, 56, 234, 219, 56]
        );
    }

    #[test]
    fn session_ids_carry_the_server_id_in_the_top_byte() {
        let id = initial_session_id(1, 123_456_789);
        assert_eq!(id >> 56, 1);
        assert_eq!(id & 0xffff, 0);
    }

    #[test]
    fn sessions_expire_in_tick_buckets() {
        let mut t = SessionTracker::new(0x100, 2000);
        t.add(0x100, 4000, vec![], 1000);
        // 1000 + 4000 = 5000 -> next interval boundary 6000.
        assert_eq!(t.next_expiry_ms(), Some(6000));
        assert!(t.take_expired(5999).is_empty());
        assert!(t.touch(0x100, 4000, 3000)); // -> 8000
        assert!(t.take_expired(6000).is_empty());
        assert_eq!(t.take_expired(8000), vec![0x100]);
        assert!(
            !t.touch(0x100, 4000, 8001),
            "closing sessions cannot be touched"
        );
    }
}

/// Orders a connection's auth ids as ZooKeeper iterates them: `ServerCnxn.authInfo` is a set
/// backed by a `ConcurrentHashMap`, so `whoAmI`, and the expansion of the `auth` ACL scheme,
/// see the ids in hash-bucket order, not in the order they were added.
///
/// Ids keep insertion order within a bucket. Tables hold 16 buckets until 12 entries, then
/// double (ZooKeeper's sets stay far below that in practice).
pub fn order_like_java_set(ids: &mut [Id]) {
    let mut table = 16usize;
    while ids.len() >= table - table / 4 {
        table *= 2;
    }
    ids.sort_by_key(|id| {
        let h = java_id_hash(id);
        // ConcurrentHashMap.spread
        let spread = (h ^ ((h as u32) >> 16) as i32) & 0x7fff_ffff;
        spread as usize & (table - 1)
    });
}

/// `Id.hashCode()` as Jute generates it: `37 * (37 * 17 + scheme.hashCode()) + id.hashCode()`.
fn java_id_hash(id: &Id) -> i32 {
    let mut result: i32 = 17;
    result = result
        .wrapping_mul(37)
        .wrapping_add(string_hash(&id.scheme));
    result.wrapping_mul(37).wrapping_add(string_hash(&id.id))
}

#[cfg(test)]
mod java_order_tests {
    use super::*;

    fn id(scheme: &str, id: &str) -> Id {
        Id {
            scheme: scheme.into(),
            id: id.into(),
        }
    }

    #[test]
    fn auth_ids_follow_zookeepers_set_order() {
        // Observed on ZooKeeper 3.8.0 with zkCli `whoami` (compat-tests/zkcli): after
        // `addauth digest alice:...` and `addauth digest bob:...` the order is
        // digest:alice, digest:bob, ip:127.0.0.1.
        let mut ids = vec![
            id("ip", "127.0.0.1"),
            id("digest", "alice"),
            id("digest", "bob"),
        ];
        order_like_java_set(&mut ids);
        assert_eq!(
            ids,
            vec![
                id("digest", "alice"),
                id("digest", "bob"),
                id("ip", "127.0.0.1")
            ]
        );
    }
}
