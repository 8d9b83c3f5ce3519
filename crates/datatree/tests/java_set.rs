//! `JavaHashSet` against the real `java.util.HashSet<String>`: the fixture
//! `fixtures/javaorder/java-hashset-orders.txt` was printed by `fixtures/javaorder/Gen.java`
//! on JDK 17 (see its header for the format and the command); every script is replayed here
//! and every iteration order and table length must match.

use datatree::java_set::{self, JavaHashSet};

const FIXTURE: &str = include_str!("fixtures/javaorder/java-hashset-orders.txt");

#[test]
fn replays_every_script_of_the_jdk_fixture() {
    let mut set = JavaHashSet::default();
    let mut script = "";
    let (mut scripts, mut checks) = (0, 0);
    for (n, line) in FIXTURE.lines().enumerate() {
        let at = || format!("line {} (script {script})", n + 1);
        let (op, rest) = line.split_once(' ').unwrap_or((line, ""));
        match op {
            "#" => {}
            "script" => {
                script = rest;
                scripts += 1;
            }
            "new" if rest == "default" => set = JavaHashSet::default(),
            "new" => set = JavaHashSet::with_capacity(rest.parse().unwrap()),
            "add" => {
                set.insert(rest);
            }
            "rem" => {
                set.remove(rest);
            }
            "clone" => set = set.java_clone(),
            "copy" => set = set.java_copy(),
            "check" => {
                checks += 1;
                let mut fields = rest.split(' ');
                let capacity: u32 = fields.next().unwrap().parse().unwrap();
                let size: usize = fields.next().unwrap().parse().unwrap();
                let order: Vec<&str> = fields.collect();
                assert_eq!(set.capacity(), capacity, "table length at {}", at());
                assert_eq!(set.len(), size, "size at {}", at());
                assert_eq!(set.java_order(), order, "iteration order at {}", at());
            }
            other => panic!("unknown op {other:?} at {}", at()),
        }
    }
    assert!(
        scripts > 60 && checks > 600,
        "{scripts} scripts, {checks} checks"
    );
}

#[test]
fn string_hash_is_javas_over_utf16() {
    // "Aa" and "BB" collide in Java; a supplementary character hashes as its surrogates.
    assert_eq!(java_set::string_hash("Aa"), java_set::string_hash("BB"));
    let pair = 0xD83Di32.wrapping_mul(31).wrapping_add(0xDE00);
    assert_eq!(java_set::string_hash("\u{1F600}"), pair);
    assert_eq!(java_set::string_hash("é"), 0xE9);
}

#[test]
fn a_hundred_thousand_sequential_children_stay_cheap() {
    let mut set = JavaHashSet::for_children();
    for i in 0..100_000 {
        assert!(set.insert(&format!("q-{i:010}")));
    }
    for i in (0..100_000).step_by(2) {
        assert!(set.remove(&format!("q-{i:010}")));
    }
    assert_eq!(set.capacity(), 1 << 18, "100,000 > 0.75 × 2^17");
    let order = set.java_order();
    assert_eq!(order.len(), 50_000);
    let mut sorted = order.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), 50_000);
}

proptest::proptest! {
    /// Whatever the operations: the Java order lists each member once, the table keeps
    /// Java's load factor, and a clone holds the same members.
    #[test]
    fn java_order_is_a_permutation_and_the_table_keeps_the_load_factor(
        ops in proptest::collection::vec((0u8..4, 0u16..300), 0..400),
    ) {
        let mut set = JavaHashSet::for_children();
        let mut model = std::collections::BTreeSet::new();
        for (op, n) in ops {
            let name = format!("n{n}");
            match op {
                0 | 1 => proptest::prop_assert_eq!(set.insert(&name), model.insert(name)),
                2 => proptest::prop_assert_eq!(set.remove(&name), model.remove(&name)),
                _ => {
                    let clone = set.java_clone();
                    proptest::prop_assert!(clone.iter_sorted().eq(set.iter_sorted()));
                    set = clone;
                }
            }
            let mut order = set.java_order();
            proptest::prop_assert_eq!(order.len(), model.len());
            order.sort_unstable();
            proptest::prop_assert!(order.iter().copied().eq(model.iter().map(String::as_str)));
            proptest::prop_assert!(set.len() * 4 <= set.capacity() as usize * 3);
        }
    }
}
