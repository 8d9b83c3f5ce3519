//! The txn log format against Apache ZooKeeper 3.8.0: logs the real server wrote
//! (tests/fixtures/zk38-datadir, made by compat-tests/durability/GenFixture.java with
//! snapCount=10, preAllocSize=4) read back entry for entry, dumped exactly as
//! `TxnLogToolkit` printed them (tests/fixtures/zk38-dumps), and written again byte for byte.
//! Torn tails, bit flips and fault injection at the storage seam.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use server::persist::dump;
use server::persist::recovery::{self, BaseSnapshot, RecoveryOptions};
use server::persist::storage::{Fault, Faults, FaultyDir, FileDir, MemDir};
use server::persist::txn_log::{
    self, Frame, LogCmd, LogEnd, LogEvent, LogFileReader, LogThread, LogWriter, WriterConfig,
};
use server::persist::{list_files, DataDirs, LOG_PREFIX};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/zk38-datadir/version-2")
}

fn fixture_logs() -> Vec<(i64, PathBuf)> {
    list_files(&fixture_dir(), LOG_PREFIX).expect("fixture logs")
}

fn read_entries(path: &Path) -> (Vec<txn_log::RawEntry>, LogEnd) {
    let mut r = LogFileReader::open(path, 2 * 0xfffff).expect("open");
    let mut out = Vec::new();
    loop {
        match r.next_frame().expect("read") {
            Frame::Entry(e) => out.push(e),
            Frame::End { why, .. } => return (out, why),
        }
    }
}

fn no_snapshot(
    _: &Path,
    _: datatree::TreeConfig,
) -> Result<Option<BaseSnapshot>, server::error::Error> {
    Ok(None)
}

#[test]
fn zookeeper_logs_read_back_with_valid_checksums_ending_in_padding() {
    let logs = fixture_logs();
    assert_eq!(logs.len(), 6);
    let mut last = 0;
    for (name_zxid, path) in &logs {
        let (entries, end) = read_entries(path);
        assert_eq!(end, LogEnd::Padding, "{}", path.display());
        assert_eq!(
            txn_log::decode_payload(&entries[0].payload)
                .unwrap()
                .hdr
                .zxid,
            *name_zxid,
            "a file is named after its first zxid"
        );
        for e in entries {
            assert!(e.crc_ok());
            let t = txn_log::decode_payload(&e.payload).expect("decodes");
            assert_eq!(t.hdr.zxid, last + 1, "zxids are contiguous across files");
            last = t.hdr.zxid;
        }
    }
    assert_eq!(last, 0x2c);
}

#[test]
fn re_encoding_every_zookeeper_entry_gives_the_same_bytes() {
    for (_, path) in fixture_logs() {
        let bytes = std::fs::read(&path).unwrap();
        for e in read_entries(&path).0 {
            let t = txn_log::decode_payload(&e.payload).unwrap();
            let mut framed = Vec::new();
            txn_log::encode_entry(&t, &mut framed);
            let start = e.offset as usize;
            assert_eq!(
                framed,
                &bytes[start..start + framed.len()],
                "zxid 0x{:x}",
                t.hdr.zxid
            );
        }
    }
}

#[test]
fn our_writer_reproduces_zookeepers_files_byte_for_byte() {
    // Same txns, same commits and roll points, preAllocSize=4 KiB: identical files, padding
    // included.
    let dir = MemDir::default();
    let mut w = LogWriter::new(
        Arc::new(dir.clone()),
        WriterConfig {
            pre_alloc_bytes: 4096,
            force_sync: true,
            size_limit_bytes: None,
        },
    );
    let logs = fixture_logs();
    for (_, path) in &logs {
        for e in read_entries(path).0 {
            // The generator waited for each reply: one commit per txn.
            w.append(&txn_log::decode_payload(&e.payload).unwrap());
            w.sync().unwrap();
        }
        w.roll().unwrap();
    }
    let ours = dir.files();
    assert_eq!(ours.len(), logs.len());
    for ((name, mem), (_, path)) in ours.iter().zip(&logs) {
        assert_eq!(name, path.file_name().unwrap().to_str().unwrap());
        let theirs = std::fs::read(path).unwrap();
        let mine = mem.contents().data;
        assert_eq!(mine.len(), theirs.len(), "{name}: preallocated size");
        assert!(mine == theirs, "{name}: bytes differ");
    }
}

#[test]
fn dump_matches_txn_log_toolkit_output() {
    let dumps = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/zk38-dumps");
    for (_, path) in fixture_logs() {
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let expected = std::fs::read(dumps.join(format!("{name}.txt"))).unwrap();
        let mut out = Vec::new();
        assert!(dump::dump_txn_log(&path, &mut out).unwrap());
        assert_eq!(
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&expected),
            "{name}"
        );
    }
}

#[test]
fn logs_only_recovery_of_the_zookeeper_directory_with_trust_empty() {
    let tmp = tempfile::tempdir().unwrap();
    let v2 = tmp.path().join("version-2");
    std::fs::create_dir(&v2).unwrap();
    for (_, p) in fixture_logs() {
        std::fs::copy(&p, v2.join(p.file_name().unwrap())).unwrap();
    }
    let dirs = DataDirs::new(tmp.path(), tmp.path());
    let strict = recovery::restore(&dirs, &RecoveryOptions::default(), &no_snapshot);
    assert!(
        strict
            .unwrap_err()
            .to_string()
            .contains("No snapshot found"),
        "ZooKeeper 3.8 refuses logs without a snapshot by default"
    );
    let opts = RecoveryOptions {
        trust_empty_snapshot: true,
        tree_config: datatree::TreeConfig {
            extended_types_enabled: true,
        },
        ..RecoveryOptions::default()
    };
    let r = recovery::restore(&dirs, &opts, &no_snapshot).unwrap();
    assert_eq!(r.last_zxid(), 0x2c);
    assert_eq!(r.replayed, 0x2c);
    assert_eq!(
        r.sessions.len(),
        1,
        "the generator's first session stays open"
    );
    let t = &r.tree;
    assert_eq!(t.node("/a").unwrap().data.as_deref(), Some(&b"bb"[..]));
    assert!(t.node("/a/eph").is_some());
    assert!(
        t.node("/eph2").is_none(),
        "closed session's ephemeral is gone"
    );
    assert!(t.node("/d").is_none());
    assert!(t.node("/m/k").is_some());
    assert!(t.node("/m2").is_none(), "failed multi applied nothing");
    assert_eq!(t.node("/m").unwrap().stat.version, 1);
    assert!(t.node("/ttl").is_some());
    assert_eq!(t.node("/big").unwrap().data.as_ref().unwrap().len(), 5000);
    for i in 0..25 {
        assert!(t.node(&format!("/n{i}")).is_some());
    }
}

fn copy_fixture_logs(to: &Path) -> DataDirs {
    let v2 = to.join("version-2");
    std::fs::create_dir_all(&v2).unwrap();
    for (_, p) in fixture_logs() {
        std::fs::copy(&p, v2.join(p.file_name().unwrap())).unwrap();
    }
    DataDirs::new(to, to)
}

fn trusting() -> RecoveryOptions {
    RecoveryOptions {
        trust_empty_snapshot: true,
        tree_config: datatree::TreeConfig {
            extended_types_enabled: true,
        },
        ..RecoveryOptions::default()
    }
}

/// Offset and length of the last entry of the newest log.
fn last_entry(dirs: &DataDirs) -> (PathBuf, u64, u64) {
    let (_, path) = list_files(&dirs.log_dir, LOG_PREFIX)
        .unwrap()
        .pop()
        .unwrap();
    let e = read_entries(&path).0.pop().unwrap();
    (path, e.offset, e.end() - e.offset)
}

fn flip(path: &Path, offset: u64) {
    let mut b = std::fs::read(path).unwrap();
    b[offset as usize] ^= 0x10;
    std::fs::write(path, b).unwrap();
}

#[test]
fn a_torn_last_entry_is_cut_off_and_the_rest_recovered() {
    for damage in ["truncate", "zero tail", "flip payload", "garbage length"] {
        let tmp = tempfile::tempdir().unwrap();
        let dirs = copy_fixture_logs(tmp.path());
        let (path, off, len) = last_entry(&dirs);
        let mut b = std::fs::read(&path).unwrap();
        match damage {
            "truncate" => b.truncate((off + len / 2) as usize),
            "zero tail" => b[(off + len - 5) as usize..(off + len) as usize].fill(0),
            "flip payload" => b[(off + 20) as usize] ^= 1,
            _ => {
                b[(off + 8) as usize..(off + 12) as usize].copy_from_slice(&(-256i32).to_be_bytes())
            }
        }
        std::fs::write(&path, &b).unwrap();
        let r = recovery::restore(&dirs, &trusting(), &no_snapshot).unwrap();
        assert_eq!(
            r.last_zxid(),
            0x2b,
            "{damage}: everything before the torn txn"
        );
        assert_eq!(damage_notes(&r), 1, "{damage}: {:?}", r.notes);
        assert_eq!(
            std::fs::metadata(&path).unwrap().len(),
            off,
            "{damage}: cut at the last good txn"
        );
        // The repaired directory is clean now.
        let again = recovery::restore(&dirs, &trusting(), &no_snapshot).unwrap();
        assert_eq!(damage_notes(&again), 0, "{damage}: {:?}", again.notes);
        assert_eq!(again.last_zxid(), 0x2b);
    }
}

#[test]
fn a_bit_flip_before_the_tail_is_a_startup_error_naming_file_and_offset() {
    let tmp = tempfile::tempdir().unwrap();
    let dirs = copy_fixture_logs(tmp.path());
    let (_, path) = &list_files(&dirs.log_dir, LOG_PREFIX).unwrap()[1];
    let victim = &read_entries(path).0[2];
    flip(path, victim.offset + 30);
    let err = recovery::restore(&dirs, &trusting(), &no_snapshot).unwrap_err();
    match err {
        server::error::Error::Corrupt {
            file,
            offset,
            message,
        } => {
            assert_eq!(&file, path);
            assert_eq!(offset, victim.offset);
            assert!(message.contains("CRC check failed"), "{message}");
        }
        other => panic!("expected Corrupt, got {other}"),
    }
    // A flip in the middle of the last file, with good entries after it: also an error.
    let tmp = tempfile::tempdir().unwrap();
    let dirs = copy_fixture_logs(tmp.path());
    let (_, path) = list_files(&dirs.log_dir, LOG_PREFIX).unwrap()[4].clone();
    std::fs::remove_file(dirs.log_dir.join("log.2c")).unwrap();
    let victim = read_entries(&path).0[0].clone();
    flip(&path, victim.offset + 30);
    assert!(matches!(
        recovery::restore(&dirs, &trusting(), &no_snapshot),
        Err(server::error::Error::Corrupt { .. })
    ));
}

#[test]
fn an_empty_or_headerless_last_log_is_deleted() {
    let tmp = tempfile::tempdir().unwrap();
    let dirs = copy_fixture_logs(tmp.path());
    std::fs::write(dirs.log_dir.join("log.2d"), b"ZKLG\0\0").unwrap();
    let r = recovery::restore(&dirs, &trusting(), &no_snapshot).unwrap();
    assert_eq!(r.last_zxid(), 0x2c);
    assert!(!dirs.log_dir.join("log.2d").exists());
}

#[test]
fn a_partial_entry_in_an_older_file_ends_that_file_as_in_zookeeper() {
    // ZooKeeper leaves a torn file in place and starts a new one at the torn zxid.
    let tmp = tempfile::tempdir().unwrap();
    let dirs = copy_fixture_logs(tmp.path());
    let logs = list_files(&dirs.log_dir, LOG_PREFIX).unwrap();
    let (_, path) = &logs[2]; // log.13
    let victim = read_entries(path).0.last().unwrap().clone();
    let mut b = std::fs::read(path).unwrap();
    b[victim.end() as usize - 1] = 0; // no 'B'
    std::fs::write(path, b).unwrap();
    let r = recovery::restore(&dirs, &trusting(), &no_snapshot).unwrap();
    // log.13's last txn (0x1b) is lost; later files replay. The tree skips it: /n10 missing.
    assert!(r.tree.node("/n10").is_none());
    assert!(r.tree.node("/n11").is_some());
    assert_eq!(damage_notes(&r), 1);
}

fn damage_notes(r: &recovery::Recovered) -> usize {
    r.notes.iter().filter(|n| n.contains("offset")).count()
}

#[test]
fn check_datadir_reports_without_repairing() {
    let tmp = tempfile::tempdir().unwrap();
    let dirs = copy_fixture_logs(tmp.path());
    let (path, off, len) = last_entry(&dirs);
    let mut b = std::fs::read(&path).unwrap();
    b.truncate((off + len - 3) as usize);
    std::fs::write(&path, &b).unwrap();
    let opts = RecoveryOptions {
        repair: false,
        ..trusting()
    };
    let mut out = Vec::new();
    assert!(dump::check_datadir(&dirs, &opts, &no_snapshot, &mut out).unwrap());
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("log.2c: 0 txns, no txns, DAMAGED"), "{text}");
    assert!(text.contains("recovery: OK"), "{text}");
    assert_eq!(std::fs::read(&path).unwrap(), b, "nothing was changed");
}

fn entry(zxid: i64) -> jute_codec::txn_body::TxnEntry {
    jute_codec::txn_body::TxnEntry {
        hdr: jute_codec::records::TxnHeader {
            client_id: 1,
            cxid: zxid as i32,
            zxid,
            time: 0,
            r#type: jute_codec::OpCode::Error.as_i32(),
        },
        body: jute_codec::txn_body::TxnBody::Error(jute_codec::records::ErrorTxn { err: -101 }),
        digest: None,
    }
}

fn run_thread(
    dir: Arc<dyn server::persist::storage::LogDir>,
    batches: &[Vec<i64>],
) -> Vec<LogEvent> {
    let (tx, rx) = std::sync::mpsc::channel();
    let cfg = WriterConfig {
        pre_alloc_bytes: 4096,
        ..WriterConfig::default()
    };
    let t = LogThread::spawn(LogWriter::new(dir, cfg), move |e| {
        let _ = tx.send(e);
    })
    .unwrap();
    for b in batches {
        t.send(LogCmd::Append(
            b.iter().map(|z| Arc::new(entry(*z))).collect(),
        ));
    }
    t.shutdown();
    rx.try_iter().collect()
}

#[test]
fn log_thread_reports_synced_only_after_the_fsync() {
    let dir = MemDir::default();
    let events = run_thread(Arc::new(dir.clone()), &[vec![1, 2], vec![3], vec![4, 5, 6]]);
    let Some(LogEvent::Synced { up_to: 6, stats }) = events.last() else {
        panic!("{events:?}");
    };
    let c = dir.files()[0].1.contents();
    assert_eq!(c.durable, c.data, "reported durable = synced bytes");
    // Every txn is timed once, whichever group commit took it.
    let timed: usize = events
        .iter()
        .map(|e| match e {
            LogEvent::Synced { stats, .. } => stats.txns.len(),
            LogEvent::Failed(_) => 0,
        })
        .sum();
    assert_eq!(timed, 6);
    assert!(!stats.txns.is_empty());
    assert!(stats
        .txns
        .iter()
        .all(|t| t.queue_and_flush_ms >= t.queued_ms));
}

#[test]
fn failing_fsync_stops_the_thread_and_reports_no_sync() {
    for fault in [
        Fault::SyncError,
        Fault::WriteError(28),
        Fault::ShortWrite,
        Fault::CreateError(28),
    ] {
        let faults = Faults::new(fault, 0);
        let dir = FaultyDir::new(MemDir::default(), faults.clone());
        let events = run_thread(Arc::new(dir), &[vec![1], vec![2]]);
        assert!(faults.tripped(), "{fault:?}");
        assert_eq!(events.len(), 1, "{fault:?}: {events:?}");
        assert!(matches!(&events[0], LogEvent::Failed(_)), "{fault:?}");
    }
}

#[test]
fn enospc_after_some_writes_keeps_what_was_synced() {
    let tmp = tempfile::tempdir().unwrap();
    let faults = Faults::new(Fault::WriteError(28), 3);
    let dir = FaultyDir::new(FileDir::new(tmp.path()), faults.clone());
    let (tx, rx) = std::sync::mpsc::channel();
    let t = LogThread::spawn(
        LogWriter::new(
            Arc::new(dir),
            WriterConfig {
                pre_alloc_bytes: 0,
                ..WriterConfig::default()
            },
        ),
        move |e| {
            let _ = tx.send(e);
        },
    )
    .unwrap();
    let mut acked = 0;
    for z in 1..=10 {
        t.send(LogCmd::Append(vec![Arc::new(entry(z))]));
        match rx.recv().unwrap() {
            LogEvent::Synced { up_to, .. } => acked = up_to,
            LogEvent::Failed(msg) => {
                assert!(
                    msg.contains("No space left") || msg.contains("os error 28"),
                    "{msg}"
                );
                break;
            }
        }
    }
    t.shutdown();
    assert_eq!(acked, 3);
    let (entries, _) = read_entries(&tmp.path().join("log.1"));
    assert_eq!(
        entries.len(),
        3,
        "exactly the acknowledged txns are in the file"
    );
}

fn blocks(text: &str) -> std::collections::BTreeSet<String> {
    text.split("----\n").map(str::to_owned).collect()
}

#[test]
fn snapshot_dump_matches_snapshot_formatter() {
    let path = fixture_dir().join("snapshot.7");
    let expected = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/zk38-dumps/snapshot.7.txt"),
    )
    .unwrap();
    let mut out = Vec::new();
    dump::dump_snapshot(&path, false, &mut out).unwrap();
    let ours = String::from_utf8(out).unwrap();
    // Children in ZooKeeper's hash-set order, as SnapshotFormatter prints them.
    assert_eq!(ours, expected);
    assert_eq!(blocks(&ours), blocks(&expected));
    assert!(ours.starts_with("ZNode Details (count=11):\n"));
    assert!(ours.ends_with("----\nLast zxid: 0x7\n"));
}

#[test]
fn zookeepers_snapshot_plus_logs_recover_the_same_tree_as_the_logs_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let v2 = tmp.path().join("version-2");
    std::fs::create_dir(&v2).unwrap();
    for e in std::fs::read_dir(fixture_dir()).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, v2.join(p.file_name().unwrap())).unwrap();
    }
    let dirs = DataDirs::new(tmp.path(), tmp.path());
    let opts = RecoveryOptions {
        repair: false,
        ..trusting()
    };
    let with_snap = recovery::restore(&dirs, &opts, &server::tools::load_snapshot).unwrap();
    assert_eq!(
        with_snap.snapshot.as_ref().unwrap().0,
        0x2a,
        "newest snapshot"
    );
    assert_eq!(
        with_snap.replayed, 2,
        "0x2b and 0x2c from log.22 and log.2c"
    );
    let logs_only = recovery::restore(&dirs, &opts, &no_snapshot).unwrap();
    assert_eq!(with_snap.last_zxid(), logs_only.last_zxid());
    assert_eq!(with_snap.sessions, logs_only.sessions);
    let all = |t: &datatree::DataTree| {
        let mut out = Vec::new();
        let mut stack = vec!["/".to_owned()];
        while let Some(p) = stack.pop() {
            let n = t.node(&p).unwrap();
            out.push((p.clone(), n.data.clone(), n.stat, (*n.acl).clone()));
            let prefix = if p == "/" { String::new() } else { p.clone() };
            stack.extend(n.children.iter_sorted().map(|c| format!("{prefix}/{c}")));
        }
        out
    };
    assert_eq!(all(&with_snap.tree), all(&logs_only.tree));
    assert_eq!(with_snap.tree.digest(), logs_only.tree.digest());
}

#[test]
fn after_a_power_loss_every_synced_txn_recovers_and_a_torn_remainder_is_cut_off() {
    // The disk keeps what the last good fsync covered (MemLog::durable); the failed sync's
    // batch may have reached the disk in part. Recovery must keep every txn reported synced.
    for keep_unsynced in [0usize, 1, 40, 97, 1000] {
        let inner = MemDir::default();
        let dir = FaultyDir::new(inner.clone(), Faults::new(Fault::SyncError, 4));
        let (tx, rx) = std::sync::mpsc::channel();
        let cfg = WriterConfig {
            pre_alloc_bytes: 4096,
            ..WriterConfig::default()
        };
        let t = LogThread::spawn(LogWriter::new(Arc::new(dir), cfg), move |e| {
            let _ = tx.send(e);
        })
        .unwrap();
        let mut events = Vec::new();
        for batch in [
            vec![1, 2],
            vec![3],
            vec![4, 5, 6],
            vec![7],
            vec![8, 9],
            vec![10, 11],
        ] {
            t.send(LogCmd::Append(
                batch.iter().map(|z| Arc::new(entry(*z))).collect(),
            ));
            let e = rx.recv().unwrap();
            let failed = matches!(e, LogEvent::Failed(_));
            events.push(e);
            if failed {
                break;
            }
        }
        t.shutdown();
        let synced = events
            .iter()
            .filter_map(|e| match e {
                LogEvent::Synced { up_to, .. } => Some(*up_to),
                LogEvent::Failed(_) => None,
            })
            .max()
            .unwrap();
        assert!(matches!(events.last(), Some(LogEvent::Failed(_))));
        let tmp = tempfile::tempdir().unwrap();
        let v2 = tmp.path().join("version-2");
        std::fs::create_dir(&v2).unwrap();
        for (name, log) in inner.files() {
            let c = log.contents();
            // The synced prefix, then part of what was written but not synced.
            let mut bytes = c.durable.clone();
            let end = (c.durable.len() + keep_unsynced).min(c.data.len());
            if end > bytes.len() {
                bytes.extend_from_slice(&c.data[c.durable.len()..end]);
            }
            std::fs::write(v2.join(name), bytes).unwrap();
        }
        let dirs = DataDirs::new(tmp.path(), tmp.path());
        let r = recovery::restore(&dirs, &trusting(), &no_snapshot).unwrap();
        assert!(
            r.last_zxid() >= synced,
            "keep {keep_unsynced}: synced up to {synced}, recovered {}",
            r.last_zxid()
        );
    }
}

#[test]
fn a_last_log_of_nothing_but_zeros_is_deleted_and_one_with_data_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dirs = copy_fixture_logs(tmp.path());
    std::fs::write(dirs.log_dir.join("log.2d"), vec![0u8; 4112]).unwrap();
    let r = recovery::restore(&dirs, &trusting(), &no_snapshot).unwrap();
    assert_eq!(r.last_zxid(), 0x2c);
    assert!(!dirs.log_dir.join("log.2d").exists());
    let mut junk = vec![0u8; 4112];
    junk[100] = 1;
    std::fs::write(dirs.log_dir.join("log.2d"), junk).unwrap();
    let err = recovery::restore(&dirs, &trusting(), &no_snapshot).unwrap_err();
    assert!(err.to_string().contains("Invalid magic number"), "{err}");
}

#[test]
fn a_new_file_is_written_before_it_is_padded() {
    // A crash between the two steps must leave the header on disk: write, then set_len.
    let dir = MemDir::default();
    let faults = Faults::new(Fault::WriteError(5), 0);
    let faulty = FaultyDir::new(dir.clone(), faults);
    let mut w = LogWriter::new(
        Arc::new(faulty),
        WriterConfig {
            pre_alloc_bytes: 4096,
            ..WriterConfig::default()
        },
    );
    w.append(&entry(1));
    assert!(w.sync().is_err());
    assert_eq!(
        dir.files()[0].1.contents().data.len(),
        0,
        "not padded before the write"
    );
}

#[test]
fn zookeeper_txn_digests_all_match_the_replayed_tree() {
    // Every entry ZooKeeper 3.8.0 wrote carries a TxnDigest (but the error txns); replaying
    // them must reproduce each one (DataTree.compareDigest finds no mismatch).
    let tmp = tempfile::tempdir().unwrap();
    let dirs = copy_fixture_logs(tmp.path());
    let r = recovery::restore(&dirs, &trusting(), &no_snapshot).unwrap();
    assert_eq!(r.replayed, 0x2c);
    assert_eq!(r.digests.mismatches(), 0);
    let with_digest = fixture_logs()
        .iter()
        .flat_map(|(_, p)| read_entries(p).0)
        .filter(|e| {
            txn_log::decode_payload(&e.payload)
                .unwrap()
                .digest
                .is_some()
        })
        .count();
    assert!(with_digest >= 0x2c - 2, "{with_digest}");
}

#[test]
fn a_wrong_txn_digest_is_counted_and_replay_goes_on() {
    let mut entries: Vec<_> = fixture_logs()
        .iter()
        .flat_map(|(_, p)| read_entries(p).0)
        .map(|e| txn_log::decode_payload(&e.payload).unwrap())
        .collect();
    let victim = entries
        .iter_mut()
        .find(|e| e.hdr.zxid == 0x10 && e.digest.is_some())
        .expect("txn 0x10 has a digest");
    victim.digest.as_mut().unwrap().tree_digest ^= 1;
    let tmp = tempfile::tempdir().unwrap();
    let v2 = tmp.path().join("version-2");
    std::fs::create_dir_all(&v2).unwrap();
    let mut w = LogWriter::new(Arc::new(FileDir::new(&v2)), WriterConfig::default());
    for e in &entries {
        w.append(e);
    }
    w.sync().unwrap();
    let dirs = DataDirs::new(tmp.path(), tmp.path());
    let r = recovery::restore(&dirs, &trusting(), &no_snapshot).unwrap();
    assert_eq!(r.last_zxid(), 0x2c, "a mismatch is never fatal");
    assert_eq!(r.digests.mismatches(), 1);
}
