//! Memory per znode and the cost of big child lists, measured by hand (Linux only; a
//! measurement, not a test): `cargo run --release -p datatree --example footprint`.
//! Builds a million small znodes (1,000 parents × 1,000 children, 10-byte data) and prints
//! the resident-set growth per znode and `size_of::<Znode>()`.

use bytes::Bytes;
use datatree::{DataTree, Znode};
use jute_codec::records::{CreateTxn, TxnHeader};
use jute_codec::txn_body::TxnBody;
use jute_codec::OpCode;

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("Linux /proc");
    let pages: u64 = statm.split(' ').nth(1).unwrap().parse().unwrap();
    pages * 4096
}

fn main() {
    a_hundred_thousand_children_listed();
    a_million_small_znodes();
}

fn a_million_small_znodes() {
    let mut tree = DataTree::new();
    let mut zxid = 0;
    let mut create = |tree: &mut DataTree, path: String| {
        zxid += 1;
        let hdr = TxnHeader {
            client_id: 1,
            cxid: 0,
            zxid,
            time: 0,
            r#type: OpCode::Create.as_i32(),
        };
        let body = TxnBody::Create(CreateTxn {
            path,
            data: Some(Bytes::from_static(b"0123456789")),
            acl: datatree::acl::open_acl_unsafe(),
            ephemeral: false,
            parent_c_version: -1,
        });
        tree.apply(&hdr, &body);
    };
    let before = rss_bytes();
    for p in 0..1000 {
        create(&mut tree, format!("/p{p:04}"));
        for c in 0..1000 {
            create(&mut tree, format!("/p{p:04}/n{c:06}"));
        }
    }
    let after = rss_bytes();
    let n = tree.node_count();
    println!(
        "znodes: {n}; RSS growth: {} MB, {} bytes per znode; size_of::<Znode>() = {}",
        (after - before) / 1_000_000,
        (after - before) / n as u64,
        std::mem::size_of::<Znode>()
    );
}

#[allow(clippy::disallowed_methods)] // a timing printed for a human, not datatree logic
fn a_hundred_thousand_children_listed() {
    use datatree::java_set::JavaHashSet;
    let mut set = JavaHashSet::for_children();
    let start = std::time::Instant::now();
    for i in 0..100_000 {
        set.insert(&format!("queue-{i:010}"));
    }
    let inserted = start.elapsed();
    let start = std::time::Instant::now();
    let n = set.java_order().len();
    let listed = start.elapsed();
    let start = std::time::Instant::now();
    for i in 0..100_000 {
        set.remove(&format!("queue-{i:010}"));
    }
    println!(
        "100k children: inserts {inserted:?}, one Java-order listing of {n} {listed:?}, \
         removes {:?}",
        start.elapsed()
    );
}
