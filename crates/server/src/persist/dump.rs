//! Offline tools: `zkrs txnlog-dump` prints a txn log as ZooKeeper's `zkTxnLogToolkit.sh`
//! (`TxnLogToolkit.dump`/`printTxn`/`getFormattedTxnStr`) does, and `zkrs check-datadir`
//! verifies a data directory without changing it.
//!
//! Times print in UTC (the JVM prints its default time zone; on servers that is usually UTC).

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use bytes::Bytes;
use jute_codec::records::{Acl, TxnHeader};
use jute_codec::txn_body::{TxnBody, TxnEntry};
use jute_codec::OpCode;

use super::recovery::{self, RecoveryOptions, SnapshotLoader};
use super::txn_log::{self, Frame, LogEnd, LogFileReader};
use super::{list_files, DataDirs, LOG_PREFIX, SNAPSHOT_PREFIX};
use crate::error::Error;

/// `Request.op2String`.
pub fn op_name(ty: i32) -> String {
    let Ok(op) = OpCode::try_from(ty) else {
        return format!("unknown {ty}");
    };
    match op {
        OpCode::Notification => "notification",
        OpCode::Create => "create",
        OpCode::Delete => "delete",
        OpCode::Exists => "exists",
        OpCode::GetData => "getData",
        OpCode::SetData => "setData",
        OpCode::GetAcl => "getACL",
        OpCode::SetAcl => "setACL",
        OpCode::GetChildren => "getChildren",
        OpCode::Sync => "sync",
        OpCode::Ping => "ping",
        OpCode::GetChildren2 => "getChildren2",
        OpCode::Check => "check",
        OpCode::Multi => "multi",
        OpCode::Create2 => "create2",
        OpCode::Reconfig => "reconfig",
        OpCode::CheckWatches => "checkWatches",
        OpCode::RemoveWatches => "removeWatches",
        OpCode::CreateContainer => "createContainer",
        OpCode::DeleteContainer => "deleteContainer",
        OpCode::CreateTtl => "createTtl",
        OpCode::MultiRead => "multiRead",
        OpCode::Auth => "auth",
        OpCode::SetWatches => "setWatches",
        OpCode::SetWatches2 => "setWatches2",
        OpCode::Sasl => "sasl",
        OpCode::GetEphemerals => "getEphemerals",
        OpCode::GetAllChildrenNumber => "getAllChildrenNumber",
        OpCode::CreateSession => "createSession",
        OpCode::CloseSession => "closeSession",
        OpCode::Error => "error",
        OpCode::WhoAmI => "whoAmI",
        _ => return format!("unknown {ty}"),
    }
    .to_owned()
}

/// `ToStringOutputArchive.escapeString`.
fn csv_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 1);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\0' => out.push_str("%00"),
            '\n' => out.push_str("%0A"),
            '\r' => out.push_str("%0D"),
            ',' => out.push_str("%2C"),
            '}' => out.push_str("%7D"),
            '%' => out.push_str("%25"),
            c => out.push(c),
        }
    }
    out
}

/// `ACL.toString()` as a record of its own, then nested `Id`.
fn acl_record(a: &Acl) -> String {
    format!(
        "{},s{{{},{}}}\n",
        a.perms,
        csv_string(&a.id.scheme),
        csv_string(&a.id.id)
    )
}

/// `List<ACL>.toString()`.
fn acl_list(acls: &[Acl]) -> String {
    let items: Vec<String> = acls.iter().map(acl_record).collect();
    format!("[{}]", items.join(", "))
}

/// A vector of ACLs inside a record: `v{s{31,s{'world,'anyone}}}`.
fn acl_vector(acls: &[Acl]) -> String {
    let items: Vec<String> = acls
        .iter()
        .map(|a| {
            format!(
                "s{{{},s{{{},{}}}}}",
                a.perms,
                csv_string(&a.id.scheme),
                csv_string(&a.id.id)
            )
        })
        .collect();
    format!("v{{{}}}", items.join(","))
}

/// `new String(data, UTF_8)`, empty for null.
fn text(data: &Option<Bytes>) -> String {
    data.as_deref()
        .map(|d| String::from_utf8_lossy(d).into_owned())
        .unwrap_or_default()
}

/// `TxnLogToolkit.getFormattedTxnStr`.
fn formatted_txn(body: &TxnBody) -> String {
    match body {
        TxnBody::Create(t) => format!(
            "{},{},{},{},{}",
            t.path,
            text(&t.data),
            acl_list(&t.acl),
            t.ephemeral,
            t.parent_c_version
        ),
        TxnBody::SetData(t) => format!("{},{},{}", t.path, text(&t.data), t.version),
        TxnBody::CreateContainer(t) => format!(
            "{},{},{},{}",
            t.path,
            text(&t.data),
            acl_list(&t.acl),
            t.parent_c_version
        ),
        TxnBody::CreateTtl(t) => format!(
            "{},{},{},{},{}",
            t.path,
            text(&t.data),
            acl_list(&t.acl),
            t.parent_c_version,
            t.ttl
        ),
        TxnBody::Multi(subs) => {
            let parts: Vec<String> = subs
                .iter()
                .map(|s| {
                    let mut raw = Vec::with_capacity(s.body.encoded_len());
                    s.body.encode(&mut raw);
                    format!("{}:{}", op_name(s.r#type), String::from_utf8_lossy(&raw))
                })
                .collect();
            parts.join(";")
        }
        // The other records print with jute's toString(): CSV and a trailing newline.
        TxnBody::Delete(t) => format!("{}\n", csv_string(&t.path)),
        TxnBody::SetAcl(t) => format!(
            "{},{},{}\n",
            csv_string(&t.path),
            acl_vector(&t.acl),
            t.version
        ),
        TxnBody::Check(t) => format!("{},{}\n", csv_string(&t.path), t.version),
        TxnBody::CreateSession(t) => format!("{}\n", t.time_out),
        TxnBody::CloseSession(Some(t)) => {
            let paths: Vec<String> = t.paths2_delete.iter().map(|p| csv_string(p)).collect();
            format!("v{{{}}}\n", paths.join(","))
        }
        TxnBody::CloseSession(None) => String::new(),
        TxnBody::Error(t) => format!("{}\n", t.err),
    }
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// `DateFormat.getDateTimeInstance(SHORT, LONG)` in the US locale and UTC:
/// `11/22/26, 2:53:42 AM UTC`.
pub fn java_date_time(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    let (h, min, s) = (sod / 3600, sod / 60 % 60, sod % 60);
    let (h12, ampm) = match h {
        0 => (12, "AM"),
        1..=11 => (h, "AM"),
        12 => (12, "PM"),
        _ => (h - 12, "PM"),
    };
    format!(
        "{m}/{d}/{:02}, {h12}:{min:02}:{s:02} {ampm} UTC",
        y.rem_euclid(100)
    )
}

/// One entry as `TxnLogToolkit.printTxn` prints it, newline included.
pub fn format_entry(hdr: &TxnHeader, body: &TxnBody) -> String {
    let txn = formatted_txn(body);
    let mut line = format!(
        "{} session 0x{:x} cxid 0x{:x} zxid 0x{:x} {} {txn}",
        java_date_time(hdr.time),
        hdr.client_id,
        i64::from(hdr.cxid),
        hdr.zxid,
        op_name(hdr.r#type),
    );
    if !line.ends_with('\n') {
        line.push('\n');
    }
    line
}

/// `zkrs txnlog-dump FILE`: every entry of one log file, as `zkTxnLogToolkit.sh FILE` prints
/// it. Returns false when the file ended in damage (ZooKeeper's tool exits with an error).
///
/// # Errors
/// [`Error::Io`] on a write error or an unreadable file; [`Error::Corrupt`] for a file that
/// is not a txn log.
pub fn dump_txn_log(path: &Path, out: &mut dyn Write) -> Result<bool, Error> {
    let werr = |e| Error::io("writing the dump", e);
    // Lenient (8x the default jute.maxbuffer + extrasize) but bounded: a garbage length must
    // not allocate gigabytes.
    let mut reader = LogFileReader::open(path, 16 * 0xfffff).map_err(|e| Error::Corrupt {
        file: path.to_owned(),
        offset: 0,
        message: e.to_string(),
    })?;
    writeln!(
        out,
        "ZooKeeper Transactional Log File with dbid {} txnlog format version {}",
        reader.header.dbid, reader.header.version
    )
    .map_err(werr)?;
    let mut count = 0u64;
    loop {
        let frame = reader
            .next_frame()
            .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        match frame {
            Frame::Entry(raw) => {
                let entry = txn_log::decode_payload(&raw.payload).map_err(|e| Error::Corrupt {
                    file: path.to_owned(),
                    offset: raw.offset,
                    message: format!("cannot decode txn: {e}"),
                })?;
                if !raw.crc_ok() {
                    write!(out, "CRC ERROR - {}", format_entry(&entry.hdr, &entry.body))
                        .map_err(werr)?;
                }
                out.write_all(format_entry(&entry.hdr, &entry.body).as_bytes())
                    .map_err(werr)?;
                count += 1;
            }
            Frame::End { offset, why } => {
                return match why {
                    LogEnd::Eof | LogEnd::Padding | LogEnd::Truncated => {
                        writeln!(out, "EOF reached after {count} txns.").map_err(werr)?;
                        Ok(true)
                    }
                    other => {
                        writeln!(out, "{other} (at offset {offset}, after {count} txns)")
                            .map_err(werr)?;
                        Ok(false)
                    }
                };
            }
        }
    }
}

/// `java.util.Date.toString()` in UTC: `Sun Nov 22 04:20:28 UTC 2026`.
pub fn java_date(ms: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let sod = secs.rem_euclid(86_400);
    format!(
        "{} {} {d:02} {:02}:{:02}:{:02} UTC {y}",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[m as usize - 1],
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )
}

/// `zkrs snapshot-dump FILE`: a snapshot as `zkSnapShotToolkit.sh` (`SnapshotFormatter`)
/// prints it: every znode with its stored stat (children in the order of ZooKeeper's child
/// `HashSet`s as the load rebuilt them), the sessions, and the last zxid. `dump_data` prints data as base64 (`-d`).
///
/// # Errors
/// [`Error::Corrupt`] when the snapshot does not load; [`Error::Io`] on I/O errors.
pub fn dump_snapshot(path: &Path, dump_data: bool, out: &mut dyn Write) -> Result<(), Error> {
    use datatree::snapshot::DigestCheck;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let zxid = super::zxid_from_name(name, SNAPSHOT_PREFIX).unwrap_or(-1);
    let bytes = super::snapshot_io::read_uncompressed(path)?;
    let config = datatree::TreeConfig {
        extended_types_enabled: true,
    };
    let snap = datatree::snapshot::load(&bytes, zxid, config).map_err(|e| Error::Corrupt {
        file: path.to_owned(),
        offset: 0,
        message: e.to_string(),
    })?;
    let tree = &snap.tree;
    let mut text = format!("ZNode Details (count={}):\n", tree.node_count());
    let mut max_zxid = 0i64;
    let mut stack = vec!["/".to_owned()];
    while let Some(p) = stack.pop() {
        let Some(n) = tree.node(&p) else { continue };
        let st = &n.stat;
        let hex = |v: i64| format!("{:#016x}", v as u64);
        let _ = write!(
            text,
            "----\n{p}\n  cZxid = {}\n  ctime = {}\n  mZxid = {}\n  mtime = {}\n  pZxid = {}\n  \
             cversion = {}\n  dataVersion = {}\n  aclVersion = {}\n  ephemeralOwner = {}\n",
            hex(st.czxid),
            java_date(st.ctime),
            hex(st.mzxid),
            java_date(st.mtime),
            hex(st.pzxid),
            st.cversion,
            st.version,
            st.aversion,
            hex(st.ephemeral_owner),
        );
        if dump_data {
            use base64::Engine as _;
            let data = n
                .data
                .as_deref()
                .map(|d| base64::engine::general_purpose::STANDARD.encode(d))
                .unwrap_or_default();
            let _ = writeln!(text, "  data = {data}");
        } else {
            let _ = writeln!(text, "  dataLength = {}", n.data_len());
        }
        max_zxid = max_zxid.max(st.mzxid).max(st.pzxid);
        let prefix = if p == "/" { String::new() } else { p.clone() };
        // SnapshotFormatter.printZnode recurses in the child set's (Java) order.
        for child in n.children.java_order().into_iter().rev() {
            stack.push(format!("{prefix}/{child}"));
        }
    }
    text.push_str("----\nSession Details (sid, timeout, ephemeralCount):\n");
    for (sid, timeout) in &snap.sessions {
        let eph = tree.session_ephemerals().get(sid).map_or(0, |s| s.len());
        let _ = writeln!(text, "{:#016x}, {timeout}, {eph}", *sid as u64);
    }
    if let DigestCheck::Pending(d) = snap.digest_check {
        let _ = writeln!(text, "Target zxid digest is: {:x}, {}", d.zxid, d.digest);
    }
    let _ = writeln!(text, "----\nLast zxid: 0x{:x}", zxid.max(max_zxid));
    out.write_all(text.as_bytes())
        .map_err(|e| Error::io("writing the dump", e))
}

/// What one log file holds, for `check-datadir`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSummary {
    /// Entries read before the end.
    pub txns: u64,
    /// First and last zxid.
    pub zxids: Option<(i64, i64)>,
    /// Where and why the entries ended.
    pub end_offset: u64,
    /// Why.
    pub end: LogEnd,
    /// A checksum-valid payload that does not decode, if any.
    pub undecodable: Option<(u64, String)>,
}

/// Reads every entry of a log file, checking checksums and decoding.
///
/// # Errors
/// [`Error::Io`] / [`Error::Corrupt`] when the file cannot be opened as a log.
pub fn summarize_log(path: &Path, max_payload: usize) -> Result<LogSummary, Error> {
    let mut reader = LogFileReader::open(path, max_payload).map_err(|e| Error::Corrupt {
        file: path.to_owned(),
        offset: 0,
        message: e.to_string(),
    })?;
    let mut s = LogSummary {
        txns: 0,
        zxids: None,
        end_offset: txn_log::HEADER_LEN,
        end: LogEnd::Eof,
        undecodable: None,
    };
    loop {
        match reader
            .next_frame()
            .map_err(|e| Error::io(format!("reading {}", path.display()), e))?
        {
            Frame::Entry(raw) => {
                if !raw.crc_ok() {
                    s.end_offset = raw.offset;
                    s.end = LogEnd::BadChecksum {
                        stored: raw.stored_crc,
                        computed: txn_log::adler32(&raw.payload),
                    };
                    return Ok(s);
                }
                match txn_log::decode_payload(&raw.payload) {
                    Ok(TxnEntry { hdr, .. }) => {
                        s.txns += 1;
                        s.zxids =
                            Some(s.zxids.map_or((hdr.zxid, hdr.zxid), |(a, _)| (a, hdr.zxid)));
                    }
                    Err(e) => {
                        s.undecodable = Some((raw.offset, e.to_string()));
                        s.end_offset = raw.offset;
                        return Ok(s);
                    }
                }
            }
            Frame::End { offset, why } => {
                s.end_offset = offset;
                s.end = why;
                return Ok(s);
            }
        }
    }
}

/// `zkrs check-datadir`: lists and verifies every snapshot and log, then recovers the
/// database in memory exactly as a start would (without repairing anything). Returns
/// whether a server would start on this directory.
///
/// # Errors
/// [`Error::Io`] when writing the report fails.
pub fn check_datadir(
    dirs: &DataDirs,
    opts: &RecoveryOptions,
    load_snapshot: SnapshotLoader<'_>,
    out: &mut dyn Write,
) -> Result<bool, Error> {
    let werr = |e| Error::io("writing the report", e);
    let mut report = String::new();
    let snaps = list_files(&dirs.snap_dir, SNAPSHOT_PREFIX)?;
    let logs = list_files(&dirs.log_dir, LOG_PREFIX)?;
    let _ = writeln!(report, "snapshot directory {}", dirs.snap_dir.display());
    for (zxid, path) in &snaps {
        let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let state = if !super::snapshot::is_valid_snapshot(path).unwrap_or(false) {
            "INCOMPLETE (fails ZooKeeper's pre-check; never loaded)".to_owned()
        } else {
            match super::snapshot::read_file(path, opts.tree_config) {
                Ok(s) => format!(
                    "loads: {} znodes, {} sessions",
                    s.tree.node_count(),
                    s.sessions.len()
                ),
                Err(e) => format!("DAMAGED: {e}"),
            }
        };
        let _ = writeln!(
            report,
            "  {} (zxid 0x{zxid:x}, {len} bytes): {state}",
            name_of(path)
        );
    }
    let _ = writeln!(report, "log directory {}", dirs.log_dir.display());
    for (_, path) in &logs {
        match summarize_log(path, opts.max_payload) {
            Ok(s) => {
                let range = s.zxids.map_or_else(
                    || "no txns".to_owned(),
                    |(a, b)| format!("0x{a:x}..0x{b:x}"),
                );
                let _ = write!(report, "  {}: {} txns, {range}, ", name_of(path), s.txns);
                match (&s.undecodable, s.end.is_damage()) {
                    (Some((off, e)), _) => {
                        let _ = writeln!(report, "UNDECODABLE txn at offset {off}: {e}");
                    }
                    (None, true) => {
                        let _ = writeln!(report, "DAMAGED at offset {}: {}", s.end_offset, s.end);
                    }
                    (None, false) => {
                        let _ = writeln!(report, "ends cleanly at offset {}", s.end_offset);
                    }
                }
            }
            Err(e) => {
                let _ = writeln!(report, "  {}: UNREADABLE: {e}", name_of(path));
            }
        }
    }
    let ok = match recovery::restore(dirs, opts, load_snapshot) {
        Ok(r) => {
            let _ = writeln!(
                report,
                "recovery: OK: snapshot {}, {} txns replayed, last zxid 0x{:x}, {} znodes, {} sessions",
                r.snapshot
                    .as_ref()
                    .map_or_else(|| "none".to_owned(), |(z, _)| format!("0x{z:x}")),
                r.replayed,
                r.last_zxid(),
                r.tree.node_count(),
                r.sessions.len()
            );
            for n in &r.notes {
                let _ = writeln!(report, "  note: {n}");
            }
            true
        }
        Err(e) => {
            let _ = writeln!(report, "recovery: FAILED: {e}");
            false
        }
    };
    out.write_all(report.as_bytes()).map_err(werr)?;
    Ok(ok)
}

fn name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_short_long_date_format() {
        // 2026-11-22T04:20:27Z
        assert_eq!(
            java_date_time(1_795_321_227_000),
            "11/22/26, 4:20:27 AM UTC"
        );
        assert_eq!(java_date_time(0), "1/1/70, 12:00:00 AM UTC");
        assert_eq!(java_date_time(43_200_000), "1/1/70, 12:00:00 PM UTC");
    }

    #[test]
    fn csv_escapes_like_jute() {
        assert_eq!(csv_string("/a,b}%\n"), "'/a%2Cb%7D%25%0A");
    }
}
