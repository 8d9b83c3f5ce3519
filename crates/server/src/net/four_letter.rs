//! Four-letter words ("4lw"): detection on the first four bytes of a
//! connection, the whitelist, and the text of the replies.
//!
//! Counterpart of ZooKeeper's `command/FourLetterCommands` (the word table and
//! the whitelist), `NIOServerCnxn.checkFourLetterWord` / `NettyServerCnxn`
//! (detection and the refusal text), and the `command/*Command` classes that
//! print the replies (`RuokCommand`, `StatCommand` for `srvr`/`stat`).
//!
//! Everything here is pure: the connection layer reads four bytes, calls
//! [`detect`], checks [`is_allowed`], writes the returned text and closes the
//! connection, as ZooKeeper does.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use std::net::SocketAddr;

use crate::metrics::{ConnStats, ServerMode, ServerStats};
use crate::monitor::json::Json;

/// The ZooKeeper release whose wire protocol and 4lw output zkrs reproduces.
pub const ZK_COMPAT_VERSION: &str = "3.8.0";

/// Build date printed after `built on`, taken from the `ZKRS_BUILD_DATE`
/// environment variable at compile time (`YYYY-MM-DD HH:MM UTC`, as
/// ZooKeeper prints it), or `unknown`.
pub const BUILD_DATE: &str = match option_env!("ZKRS_BUILD_DATE") {
    Some(date) => date,
    None => "unknown",
};

/// The version text of `srvr`, `stat`, `envi` (`zookeeper.version=`) and
/// `mntr` (`zk_version`): `3.8.0-zkrs-<crate version>, built on <date>`.
///
/// ZooKeeper prints `Version.getFullVersion()`, i.e. `<version>-<git hash>,
/// built on <date>`. Putting the compatible release first keeps version
/// parsers working: kazoo's `server_version()` takes the leading digits and
/// dots of `zookeeper.version` from `envi`, and tools that split on `-` or
/// `,` also see `3.8.0`.
pub fn full_version() -> String {
    format!(
        "{ZK_COMPAT_VERSION}-zkrs-{}, built on {BUILD_DATE}",
        env!("CARGO_PKG_VERSION")
    )
}

/// One of the 18 four-letter words of ZooKeeper 3.8/3.9.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FourLetter {
    /// `conf`: print the server configuration.
    Conf,
    /// `cons`: list connections with their statistics.
    Cons,
    /// `crst`: reset connection statistics.
    Crst,
    /// `dirs`: sizes of the snapshot and log directories.
    Dirs,
    /// `dump`: sessions and ephemeral nodes.
    Dump,
    /// `envi`: the server environment.
    Envi,
    /// `gtmk`: get the trace mask.
    Gtmk,
    /// `ruok`: liveness probe, answers `imok`.
    Ruok,
    /// `stmk`: set the trace mask (followed by an 8-byte mask).
    Stmk,
    /// `srvr`: server summary.
    Srvr,
    /// `srst`: reset server statistics.
    Srst,
    /// `stat`: server summary plus connected clients.
    Stat,
    /// `wchc`: watches by session.
    Wchc,
    /// `wchp`: watches by path.
    Wchp,
    /// `wchs`: watch summary.
    Wchs,
    /// `mntr`: monitoring key/value list.
    Mntr,
    /// `isro`: answers `ro` or `rw`.
    Isro,
    /// `hash`: digest history of the data tree.
    Hash,
}

impl FourLetter {
    /// Every word, in ZooKeeper's `FourLetterCommands` registration order.
    pub const ALL: [FourLetter; 18] = [
        FourLetter::Conf,
        FourLetter::Cons,
        FourLetter::Crst,
        FourLetter::Dirs,
        FourLetter::Dump,
        FourLetter::Envi,
        FourLetter::Gtmk,
        FourLetter::Ruok,
        FourLetter::Stmk,
        FourLetter::Srst,
        FourLetter::Srvr,
        FourLetter::Stat,
        FourLetter::Wchc,
        FourLetter::Wchp,
        FourLetter::Wchs,
        FourLetter::Mntr,
        FourLetter::Isro,
        FourLetter::Hash,
    ];

    /// The four ASCII letters, e.g. `"srvr"`.
    pub fn as_str(self) -> &'static str {
        match self {
            FourLetter::Conf => "conf",
            FourLetter::Cons => "cons",
            FourLetter::Crst => "crst",
            FourLetter::Dirs => "dirs",
            FourLetter::Dump => "dump",
            FourLetter::Envi => "envi",
            FourLetter::Gtmk => "gtmk",
            FourLetter::Ruok => "ruok",
            FourLetter::Stmk => "stmk",
            FourLetter::Srvr => "srvr",
            FourLetter::Srst => "srst",
            FourLetter::Stat => "stat",
            FourLetter::Wchc => "wchc",
            FourLetter::Wchp => "wchp",
            FourLetter::Wchs => "wchs",
            FourLetter::Mntr => "mntr",
            FourLetter::Isro => "isro",
            FourLetter::Hash => "hash",
        }
    }

    /// The word as the four bytes a client sends.
    pub fn as_bytes(self) -> [u8; 4] {
        let b = self.as_str().as_bytes();
        [b[0], b[1], b[2], b[3]]
    }
}

impl fmt::Display for FourLetter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error of [`FourLetter::from_str`]: the text is not one of the 18 words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownFourLetter(pub String);

impl fmt::Display for UnknownFourLetter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown four letter word {:?}", self.0)
    }
}

impl std::error::Error for UnknownFourLetter {}

impl FromStr for FourLetter {
    type Err = UnknownFourLetter;

    /// Exact, case-sensitive match: ZooKeeper's whitelist compares strings
    /// with `equals`, so `SRVR` is not `srvr`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FourLetter::ALL
            .into_iter()
            .find(|w| w.as_str() == s)
            .ok_or_else(|| UnknownFourLetter(s.to_owned()))
    }
}

/// Recognises a four-letter word in the first four bytes a client sent.
///
/// ZooKeeper reads those bytes as the big-endian length of the first request
/// and treats the known values as commands instead; only the first packet of a
/// connection is checked. Matching is exact and case-sensitive.
pub fn detect(first4: &[u8; 4]) -> Option<FourLetter> {
    FourLetter::ALL
        .into_iter()
        .find(|w| w.as_str().as_bytes() == first4)
}

/// The bytes the telnet client sends when it closes (IAC IP IAC DO), which
/// ZooKeeper registers as the pseudo-command `telnet close`.
pub const TELNET_CLOSE: [u8; 4] = [0xff, 0xf4, 0xff, 0xfd];

/// Name of the telnet close pseudo-command in ZooKeeper's word table.
pub const TELNET_CLOSE_NAME: &str = "telnet close";

/// True when the first four bytes are [`TELNET_CLOSE`].
pub fn is_telnet_close(first4: &[u8; 4]) -> bool {
    *first4 == TELNET_CLOSE
}

/// Property holding the comma-separated whitelist; zoo.cfg's
/// `4lw.commands.whitelist` key lands here.
pub const WHITELIST_PROPERTY: &str = "zookeeper.4lw.commands.whitelist";

/// The set of four-letter words a server executes.
///
/// Counterpart of `FourLetterCommands.isEnabled` and its
/// `whiteListedCommands` set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Whitelist {
    words: BTreeSet<FourLetter>,
    /// `*` also enables the `telnet close` pseudo-command (see
    /// [`telnet_close_reply`]).
    wildcard: bool,
}

impl Default for Whitelist {
    /// ZooKeeper's default: only `srvr`.
    fn default() -> Self {
        Whitelist {
            words: BTreeSet::from([FourLetter::Srvr]),
            wildcard: false,
        }
    }
}

impl Whitelist {
    /// Every word (`4lw.commands.whitelist=*`).
    pub fn all() -> Self {
        Whitelist {
            words: FourLetter::ALL.into_iter().collect(),
            wildcard: true,
        }
    }

    /// Builds the whitelist as ZooKeeper does from the value of
    /// `zookeeper.4lw.commands.whitelist` (`None` when unset) and whether the
    /// property `readonlymode.enabled` is exactly `"true"`.
    ///
    /// Returns the whitelist and the entries that name no known word, so the
    /// caller can warn about them.
    ///
    /// The rules of `FourLetterCommands.isEnabled`: split on `,` only, trim
    /// each entry, skip empty ones; an entry `*` enables every word; `srvr`
    /// is always enabled (zkServer.sh needs it), and `isro` too when
    /// read-only mode is on.
    pub fn parse(value: Option<&str>, read_only_mode: bool) -> (Whitelist, Vec<String>) {
        let mut list = Whitelist {
            words: BTreeSet::new(),
            wildcard: false,
        };
        let mut unknown = Vec::new();
        for entry in value.unwrap_or("").split(',') {
            // ZK-COMPAT: FourLetterCommands.java: String.trim() strips every
            // character <= U+0020, not only spaces. Entries are not split on
            // whitespace, so "ruok stat" is one (unknown) entry.
            let entry = entry.trim_matches(|c: char| c <= ' ');
            if entry == "*" {
                // ZK-COMPAT: FourLetterCommands.java: the loop stops at `*`,
                // which already enabled everything.
                list = Whitelist::all();
                break;
            }
            if entry.is_empty() {
                continue;
            }
            match entry.parse::<FourLetter>() {
                Ok(word) => {
                    list.words.insert(word);
                }
                Err(_) => unknown.push(entry.to_owned()),
            }
        }
        if read_only_mode {
            list.words.insert(FourLetter::Isro);
        }
        list.words.insert(FourLetter::Srvr);
        (list, unknown)
    }

    /// True when `word` may run.
    pub fn contains(&self, word: FourLetter) -> bool {
        self.words.contains(&word)
    }

    /// True when the whitelist was `*`.
    pub fn is_wildcard(&self) -> bool {
        self.wildcard
    }

    /// The enabled words in [`FourLetter`] order.
    pub fn iter(&self) -> impl Iterator<Item = FourLetter> + '_ {
        self.words.iter().copied()
    }
}

/// True when `word` is in `whitelist` (`FourLetterCommands.isEnabled`).
pub fn is_allowed(word: FourLetter, whitelist: &Whitelist) -> bool {
    whitelist.contains(word)
}

/// The reply to a word that is not whitelisted, sent before closing:
/// `<word> is not executed because it is not in the whitelist.` and a newline
/// (`NopCommand` prints it with `println`).
pub fn refusal(word: FourLetter) -> String {
    refusal_text(word.as_str())
}

fn refusal_text(name: &str) -> String {
    format!("{name} is not executed because it is not in the whitelist.\n")
}

/// What to send for the telnet close sequence: `Some(refusal)` when it is not
/// whitelisted (only `*` enables it), or `None`, meaning ZooKeeper runs no
/// command for it and the connection should be closed without a reply.
pub fn telnet_close_reply(whitelist: &Whitelist) -> Option<String> {
    // ZK-COMPAT: FourLetterCommands.java: "telnet close" is a known command, so
    // a non-wildcard whitelist answers with the usual refusal. With `*` it is
    // "enabled" but CommandExecutor has no command for it, and the 4 bytes are
    // then rejected as a negative request length, closing the connection.
    if whitelist.is_wildcard() {
        None
    } else {
        Some(refusal_text(TELNET_CLOSE_NAME))
    }
}

/// The reply to `ruok`: `imok`, without a newline (`RuokCommand` uses
/// `print`). ZooKeeper answers it even while not serving.
pub const RUOK_REPLY: &str = "imok";

/// The reply of `srvr`, `stat` and most other commands while the server is not
/// running (`AbstractFourLetterCommand.ZK_NOT_SERVING`, printed with
/// `println`).
pub const NOT_SERVING: &str = "This ZooKeeper instance is not currently serving requests\n";

/// The complete reply to `word` on a running server whose counters are
/// `stats`: the whitelist refusal, `imok`, `srvr`, `stat` (without the
/// client list), or `isro`. The connection is closed after it.
///
/// Words whose output is not implemented yet (`conf`, `cons`, `mntr`, ...)
/// get an empty reply, i.e. the connection is simply closed.
pub fn respond(word: FourLetter, whitelist: &Whitelist, stats: &ServerStats) -> String {
    if !is_allowed(word, whitelist) {
        return refusal(word);
    }
    match word {
        FourLetter::Ruok => RUOK_REPLY.to_owned(),
        FourLetter::Srvr => format_srvr(stats),
        FourLetter::Stat => format_stat(stats, &[]),
        FourLetter::Isro => isro_reply(stats.mode).to_owned(),
        FourLetter::Envi => format_envi(&environment()),
        _ => String::new(),
    }
}

/// The text of `envi` (`EnvCommand`): `Environment:` then one `key=value` line per entry.
pub fn format_envi(entries: &[(&'static str, String)]) -> String {
    let mut out = String::from("Environment:\n");
    for (k, v) in entries {
        out.push_str(k);
        out.push('=');
        out.push_str(v);
        out.push('\n');
    }
    out
}

/// The entries of `envi`, with the keys and order of ZooKeeper's `Environment.list()`.
/// zkrs is no JVM: the `java.*` keys print `<NA>`, as Java does for an unset property, and
/// the `os.memory.*` figures describe this process and machine (MB).
pub fn environment() -> Vec<(&'static str, String)> {
    let na = || "<NA>".to_owned();
    let read = |p: &str| std::fs::read_to_string(p).map(|s| s.trim().to_owned()).ok();
    let env = |k: &str| std::env::var(k).ok();
    let meminfo_mb = |key: &str| -> Option<u64> {
        let text = std::fs::read_to_string("/proc/meminfo").ok()?;
        let line = text.lines().find(|l| l.starts_with(key))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb / 1024)
    };
    let rss_mb = read("/proc/self/statm")
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<u64>().ok())
        })
        .map(|pages| pages * 4096 / (1024 * 1024));
    let mb = |v: Option<u64>| v.map_or_else(na, |v| format!("{v}MB"));
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        other => other,
    };
    vec![
        ("zookeeper.version", full_version()),
        (
            "host.name",
            read("/proc/sys/kernel/hostname").unwrap_or_else(na),
        ),
        ("java.version", na()),
        ("java.vendor", na()),
        ("java.home", na()),
        ("java.class.path", na()),
        ("java.library.path", na()),
        ("java.io.tmpdir", std::env::temp_dir().display().to_string()),
        ("java.compiler", na()),
        (
            "os.name",
            if cfg!(target_os = "linux") {
                "Linux".into()
            } else {
                std::env::consts::OS.into()
            },
        ),
        ("os.arch", arch.to_owned()),
        (
            "os.version",
            read("/proc/sys/kernel/osrelease").unwrap_or_else(na),
        ),
        ("user.name", env("USER").unwrap_or_else(na)),
        ("user.home", env("HOME").unwrap_or_else(na)),
        (
            "user.dir",
            std::env::current_dir()
                .map(|d| d.display().to_string())
                .unwrap_or_else(|_| na()),
        ),
        ("os.memory.free", mb(meminfo_mb("MemAvailable:"))),
        ("os.memory.max", mb(meminfo_mb("MemTotal:"))),
        ("os.memory.total", mb(rss_mb)),
    ]
}

/// The reply to `isro`: `ro` on a read-only server, `rw` otherwise, without a
/// newline (`IsroCommand`).
pub fn isro_reply(mode: ServerMode) -> &'static str {
    if mode == ServerMode::ReadOnly {
        "ro"
    } else {
        "rw"
    }
}

/// The text of `srvr`, byte for byte as `StatCommand` prints it for a running
/// server:
///
/// ```text
/// Zookeeper version: 3.8.0-zkrs-0.1.0, built on unknown
/// Latency min/avg/max: 0/0.0/0
/// Received: 7
/// Sent: 8
/// Connections: 1
/// Outstanding: 0
/// Zxid: 0x0
/// Mode: standalone
/// Node count: 5
/// ```
///
/// A read-only server adds `READ-ONLY mode; serving only read-only clients`
/// after the version; a leader appends `Proposal sizes last/min/max: ...`.
pub fn format_srvr(stats: &ServerStats) -> String {
    format_stat_like(stats, None)
}

/// The text of `stat`: like [`format_srvr`] with a `Clients:` section after
/// the version. Each entry of `client_lines` is one connection as
/// `ServerCnxn.dumpConnectionInfo(pw, true)` prints it (e.g.
/// ` /127.0.0.1:58494[0](queued=0,recved=1,sent=0)`), without a newline.
pub fn format_stat(stats: &ServerStats, client_lines: &[String]) -> String {
    format_stat_like(stats, Some(client_lines))
}

fn format_stat_like(stats: &ServerStats, clients: Option<&[String]>) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(256);
    // `let _ =`: writing to a String cannot fail.
    let _ = writeln!(out, "Zookeeper version: {}", full_version());
    if stats.mode == ServerMode::ReadOnly {
        out.push_str("READ-ONLY mode; serving only read-only clients\n");
    }
    if let Some(clients) = clients {
        out.push_str("Clients:\n");
        for line in clients {
            let _ = writeln!(out, "{line}");
        }
        // StatCommand.java ends the section with an empty line.
        out.push('\n');
    }
    // ServerStats.toString()
    let _ = writeln!(
        out,
        "Latency min/avg/max: {}/{}/{}",
        stats.min_latency_ms(),
        java_double_to_string(stats.avg_latency_ms()),
        stats.max_latency_ms()
    );
    let _ = writeln!(out, "Received: {}", stats.packets_received);
    let _ = writeln!(out, "Sent: {}", stats.packets_sent);
    let _ = writeln!(out, "Connections: {}", stats.alive_connections);
    let _ = writeln!(out, "Outstanding: {}", stats.outstanding_requests);
    // Long.toHexString: lower case, no padding, two's complement if negative.
    let _ = writeln!(out, "Zxid: 0x{:x}", stats.last_processed_zxid);
    let _ = writeln!(out, "Mode: {}", stats.mode);
    // StatCommand
    let _ = writeln!(out, "Node count: {}", stats.node_count);
    if stats.mode == ServerMode::Leader {
        let _ = writeln!(out, "Proposal sizes last/min/max: {}", stats.proposal_sizes);
    }
    out
}

/// `InetSocketAddress.toString()` of a resolved-by-IP address: `/127.0.0.1:2181`, IPv6 in
/// Java's uncompressed form (`/0:0:0:0:0:0:0:1:2181`); `null` when unknown.
pub fn java_socket_address(addr: Option<SocketAddr>) -> String {
    match addr {
        None => "null".to_owned(),
        Some(SocketAddr::V4(a)) => format!("/{}:{}", a.ip(), a.port()),
        Some(SocketAddr::V6(a)) => {
            let segs: Vec<String> = a.ip().segments().iter().map(|s| format!("{s:x}")).collect();
            format!("/{}:{}", segs.join(":"), a.port())
        }
    }
}

/// `Long.toHexString`: lower case, no padding, two's complement for negatives.
fn hex(v: i64) -> String {
    format!("{v:x}")
}

/// One connection as `ServerCnxn.dumpConnectionInfo(pw, brief)` prints it, without the
/// newline: ` /127.0.0.1:60006[1](queued=0,recved=3,sent=4)` when `brief`, and with
/// `sid`, `lop`, `est`, `to`, `lcxid`, `lzxid`, `lresp`, `llat`, `minlat`, `avglat`,
/// `maxlat` otherwise (for connections with a session).
pub fn format_conn_info(c: &ConnStats, brief: bool) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(160);
    let ops = c.interest_ops();
    let _ = write!(
        out,
        " {}[{}](queued={},recved={},sent={}",
        java_socket_address(c.remote),
        if ops == 0 {
            "0".to_owned()
        } else {
            format!("{ops:x}")
        },
        c.outstanding,
        c.packets_received,
        c.packets_sent
    );
    if !brief && c.session_id != 0 {
        let _ = write!(
            out,
            ",sid=0x{},lop={},est={},to={}",
            hex(c.session_id),
            c.last_op,
            c.established_wall_ms,
            c.session_timeout_ms
        );
        if c.last_cxid >= 0 {
            let _ = write!(out, ",lcxid=0x{}", hex(c.last_cxid));
        }
        let _ = write!(
            out,
            ",lzxid=0x{},lresp={},llat={},minlat={},avglat={},maxlat={}",
            hex(c.last_zxid),
            c.last_response_ms,
            c.last_latency_ms,
            c.min_latency_ms(),
            c.avg_latency_ms(),
            c.max_latency_ms()
        );
    }
    out.push(')');
    out
}

/// The text of `cons` (`ConsCommand`): each connection in full, then an empty line.
pub fn format_cons(conns: &[&ConnStats]) -> String {
    let mut out = String::new();
    for c in conns {
        out.push_str(&format_conn_info(c, false));
        out.push('\n');
    }
    out.push('\n');
    out
}

/// What `conf` prints for a standalone server (`ZooKeeperServer.dumpConf`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfDump {
    /// `clientPort`.
    pub client_port: i32,
    /// `secureClientPort` (-1 when unset).
    pub secure_client_port: i32,
    /// The snapshot directory (`dataDir/version-2`), absolute.
    pub data_dir: String,
    /// Size of the txn log directory (ZooKeeper's `getDataDirSize` measures that one).
    pub data_dir_size: u64,
    /// The txn log directory (`dataLogDir/version-2`), absolute.
    pub data_log_dir: String,
    /// Size of the snapshot directory (ZooKeeper's `getLogDirSize` measures that one).
    pub data_log_size: u64,
    /// `tickTime`.
    pub tick_time: u32,
    /// `maxClientCnxns`.
    pub max_client_cnxns: u32,
    /// `minSessionTimeout`.
    pub min_session_timeout: u32,
    /// `maxSessionTimeout`.
    pub max_session_timeout: u32,
    /// `clientPortListenBacklog` (-1 when unset).
    pub client_port_listen_backlog: i64,
    /// `serverId` (0 when standalone).
    pub server_id: i64,
}

/// The text of `conf` for a standalone server.
pub fn format_conf(c: &ConfDump) -> String {
    format!(
        "clientPort={}\nsecureClientPort={}\ndataDir={}\ndataDirSize={}\ndataLogDir={}\n\
         dataLogSize={}\ntickTime={}\nmaxClientCnxns={}\nminSessionTimeout={}\n\
         maxSessionTimeout={}\nclientPortListenBacklog={}\nserverId={}\n",
        c.client_port,
        c.secure_client_port,
        c.data_dir,
        c.data_dir_size,
        c.data_log_dir,
        c.data_log_size,
        c.tick_time,
        c.max_client_cnxns,
        c.min_session_timeout,
        c.max_session_timeout,
        c.client_port_listen_backlog,
        c.server_id
    )
}

/// The text of `dirs` (`DirsCommand`).
pub fn format_dirs(datadir_size: u64, logdir_size: u64) -> String {
    format!("datadir_size: {datadir_size}\nlogdir_size: {logdir_size}\n")
}

/// The text of `mntr` (`MonitorCommand`): `zk_<key>\t<value>` per entry; longs in decimal,
/// doubles as Java prints them.
pub fn format_mntr(entries: &[(String, Json)]) -> String {
    let mut out = String::with_capacity(entries.len() * 40);
    for (k, v) in entries {
        out.push_str("zk_");
        out.push_str(k);
        out.push('\t');
        match v {
            Json::Long(n) => out.push_str(&n.to_string()),
            Json::Double(d) => out.push_str(&java_double_to_string(*d)),
            Json::Str(s) => out.push_str(s),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Null => out.push_str("null"),
            other => out.push_str(&other.to_pretty()),
        }
        out.push('\n');
    }
    out
}

/// One `ExpiryQueue` as `dump` prints it: bucket times (already converted to wall-clock
/// ms) with their elements' texts, and the number of elements.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExpiryDump {
    /// `(wall-clock ms, elements)` in time order; empty buckets included.
    pub buckets: Vec<(i64, Vec<String>)>,
    /// `elemMap.size()`.
    pub elements: usize,
}

fn format_expiry(out: &mut String, label: &str, q: &ExpiryDump) {
    use std::fmt::Write as _;
    let _ = writeln!(out, "{label} Sets ({})/({}):", q.buckets.len(), q.elements);
    for (wall_ms, elems) in &q.buckets {
        let _ = writeln!(
            out,
            "{} expire at {}:",
            elems.len(),
            crate::monitor::java::date_to_string(*wall_ms)
        );
        for e in elems {
            let _ = writeln!(out, "\t{e}");
        }
    }
}

/// The text of `dump` (`DumpCommand`): the session expiry queue, the ephemerals per
/// session, and the connection expiry queue.
pub fn format_dump(
    sessions: &ExpiryDump,
    ephemerals: &[(i64, Vec<String>)],
    connections: &ExpiryDump,
) -> String {
    use std::fmt::Write as _;
    let mut out = String::from("SessionTracker dump:\n");
    format_expiry(&mut out, "Session", sessions);
    out.push_str("ephemeral nodes dump:\n");
    let _ = writeln!(out, "Sessions with Ephemerals ({}):", ephemerals.len());
    for (session, paths) in ephemerals {
        let _ = writeln!(out, "0x{}:", hex(*session));
        for p in paths {
            let _ = writeln!(out, "\t{p}");
        }
    }
    out.push_str("Connections dump:\n");
    format_expiry(&mut out, "Connections", connections);
    out
}

/// The text of `wchs` (`WatchManager.toString` + a newline).
pub fn format_wchs(connections: usize, paths: usize, total: usize) -> String {
    format!("{connections} connections watching {paths} paths\nTotal watches:{total}\n")
}

/// The text of `wchc` (`WatchManager.dumpWatches(pw, false)` + a newline).
pub fn format_wchc(by_session: &[(i64, Vec<String>)]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for (session, paths) in by_session {
        let _ = writeln!(out, "0x{}", hex(*session));
        for p in paths {
            let _ = writeln!(out, "\t{p}");
        }
    }
    out.push('\n');
    out
}

/// The text of `wchp` (`WatchManager.dumpWatches(pw, true)` + a newline).
pub fn format_wchp(by_path: &[(String, Vec<i64>)]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for (path, sessions) in by_path {
        let _ = writeln!(out, "{path}");
        for s in sessions {
            let _ = writeln!(out, "\t0x{}", hex(*s));
        }
    }
    out.push('\n');
    out
}

/// The text of `hash` (`DigestCommand`): `<zxid hex>: <digest>` per logged digest.
pub fn format_hash(digests: &[(i64, i64)]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for (zxid, digest) in digests {
        let _ = writeln!(out, "{}: {digest}", hex(*zxid));
    }
    out
}

/// `crst`'s reply (`CnxnStatResetCommand`).
pub const CRST_REPLY: &str = "Connection stats reset.\n";

/// `srst`'s reply (`StatResetCommand`).
pub const SRST_REPLY: &str = "Server stats reset.\n";

/// Formats a finite `f64` as Java's `Double.toString` does: plain decimal with
/// at least one fractional digit for magnitudes in [1e-3, 1e7) (`0.0`, `1.5`,
/// `0.3333`), and `d.dddE<exp>` outside it (`1.0E-4`, `1.2345E7`), using the
/// shortest digits that read back as the same double.
///
/// `srvr`/`stat` print the average latency with it; `mntr` will too.
pub fn java_double_to_string(x: f64) -> String {
    if x.is_nan() {
        return "NaN".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0" } else { "0.0" }.to_owned();
    }
    let sign = if x < 0.0 { "-" } else { "" };
    // `{:e}` gives the shortest round-trip digits: "1.2345e-5", "7e0".
    let sci = format!("{:e}", x.abs());
    let (mantissa, exponent) = sci
        .split_once('e')
        .expect("LowerExp output always contains 'e'");
    let exponent: i32 = exponent.parse().expect("LowerExp exponent is an integer");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let abs = x.abs();
    if (1e-3..1e7).contains(&abs) {
        if exponent >= 0 {
            let int_len = exponent as usize + 1;
            let padded = format!("{digits:0<int_len$}");
            let (int_part, frac_part) = padded.split_at(int_len);
            let frac_part = if frac_part.is_empty() { "0" } else { frac_part };
            format!("{sign}{int_part}.{frac_part}")
        } else {
            let zeros = "0".repeat((-exponent - 1) as usize);
            format!("{sign}0.{zeros}{digits}")
        }
    } else {
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() { "0" } else { rest };
        format!("{sign}{first}.{rest}E{exponent}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detect_recognises_all_eighteen_words() {
        for word in FourLetter::ALL {
            assert_eq!(detect(&word.as_bytes()), Some(word), "{word}");
        }
        let names: BTreeSet<_> = FourLetter::ALL.iter().map(|w| w.as_str()).collect();
        assert_eq!(names.len(), 18);
    }

    #[test]
    fn detect_is_case_sensitive_and_rejects_lengths() {
        assert_eq!(detect(b"SRVR"), None);
        assert_eq!(detect(b"srv "), None);
        assert_eq!(detect(&[0, 0, 0, 44]), None);
        assert_eq!(detect(&TELNET_CLOSE), None);
        assert!(is_telnet_close(&TELNET_CLOSE));
        assert!(!is_telnet_close(b"ruok"));
    }

    #[test]
    fn from_str_round_trips_every_word() {
        for word in FourLetter::ALL {
            assert_eq!(word.as_str().parse::<FourLetter>(), Ok(word));
        }
        assert!("Ruok".parse::<FourLetter>().is_err());
    }

    #[test]
    fn default_whitelist_is_srvr_only() {
        let list = Whitelist::default();
        assert_eq!(list.iter().collect::<Vec<_>>(), [FourLetter::Srvr]);
        assert!(is_allowed(FourLetter::Srvr, &list));
        assert!(!is_allowed(FourLetter::Ruok, &list));
        assert_eq!(Whitelist::parse(None, false), (list, vec![]));
    }

    #[test]
    fn whitelist_always_has_srvr_and_isro_in_read_only_mode() {
        let (list, unknown) = Whitelist::parse(Some("ruok"), true);
        assert!(unknown.is_empty());
        assert_eq!(
            list.iter().collect::<Vec<_>>(),
            [FourLetter::Ruok, FourLetter::Srvr, FourLetter::Isro]
        );
    }

    #[test]
    fn whitelist_splits_on_commas_and_trims() {
        let (list, unknown) = Whitelist::parse(Some(" stat, ruok ,,\tmntr\t"), false);
        assert!(unknown.is_empty());
        for w in [
            FourLetter::Stat,
            FourLetter::Ruok,
            FourLetter::Mntr,
            FourLetter::Srvr,
        ] {
            assert!(list.contains(w), "{w}");
        }
        assert!(!list.contains(FourLetter::Conf));
    }

    #[test]
    fn whitelist_reports_unknown_entries_and_does_not_split_on_spaces() {
        let (list, unknown) = Whitelist::parse(Some("ruok stat,foo,RUOK"), false);
        assert_eq!(unknown, ["ruok stat", "foo", "RUOK"]);
        assert_eq!(list, Whitelist::default());
    }

    #[test]
    fn wildcard_enables_everything() {
        let (list, _) = Whitelist::parse(Some("ruok, *"), false);
        assert!(list.is_wildcard());
        assert_eq!(list, Whitelist::all());
        for word in FourLetter::ALL {
            assert!(is_allowed(word, &list));
        }
    }

    #[test]
    fn respond_refuses_or_answers() {
        let stats = ServerStats::new(ServerMode::Standalone);
        let default = Whitelist::default();
        assert_eq!(
            respond(FourLetter::Ruok, &default, &stats),
            refusal(FourLetter::Ruok)
        );
        assert_eq!(
            respond(FourLetter::Srvr, &default, &stats),
            format_srvr(&stats)
        );
        let all = Whitelist::all();
        assert_eq!(respond(FourLetter::Ruok, &all, &stats), "imok");
        assert_eq!(respond(FourLetter::Isro, &all, &stats), "rw");
        assert_eq!(
            respond(FourLetter::Stat, &all, &stats),
            format_stat(&stats, &[])
        );
        assert_eq!(respond(FourLetter::Dump, &all, &stats), "");
        assert_eq!(isro_reply(ServerMode::ReadOnly), "ro");
    }

    #[test]
    fn refusal_text_matches_zookeeper() {
        assert_eq!(
            refusal(FourLetter::Ruok),
            "ruok is not executed because it is not in the whitelist.\n"
        );
    }

    #[test]
    fn telnet_close_is_refused_unless_wildcard() {
        assert_eq!(
            telnet_close_reply(&Whitelist::default()).as_deref(),
            Some("telnet close is not executed because it is not in the whitelist.\n")
        );
        assert_eq!(telnet_close_reply(&Whitelist::all()), None);
    }

    #[test]
    fn version_leads_with_the_compatible_release() {
        let v = full_version();
        assert!(v.starts_with("3.8.0-zkrs-"), "{v}");
        assert!(v.contains(", built on "), "{v}");
        // kazoo: re.match(r"^([\d\.]*).*", version).group(1)
        let digits: String = v
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        assert_eq!(digits, "3.8.0");
    }

    #[test]
    fn srvr_of_a_fresh_standalone_server() {
        let mut stats = ServerStats::new(ServerMode::Standalone);
        stats.packets_received = 7;
        stats.packets_sent = 8;
        stats.alive_connections = 1;
        stats.node_count = 5;
        let expected = format!(
            "Zookeeper version: {}\nLatency min/avg/max: 0/0.0/0\nReceived: 7\nSent: 8\n\
             Connections: 1\nOutstanding: 0\nZxid: 0x0\nMode: standalone\nNode count: 5\n",
            full_version()
        );
        assert_eq!(format_srvr(&stats), expected);
    }

    #[test]
    fn srvr_of_a_leader_adds_proposal_sizes() {
        let mut stats = ServerStats::new(ServerMode::Leader);
        stats.last_processed_zxid = 0x2_0000_001a;
        stats.record_latency(1);
        stats.record_latency(2);
        stats.proposal_sizes.record(36);
        let text = format_srvr(&stats);
        assert!(text.contains("Latency min/avg/max: 1/1.5/2\n"), "{text}");
        assert!(text.contains("Zxid: 0x20000001a\n"), "{text}");
        assert!(text.contains("Mode: leader\n"), "{text}");
        assert!(
            text.ends_with("Node count: 0\nProposal sizes last/min/max: 36/36/36\n"),
            "{text}"
        );
    }

    #[test]
    fn srvr_of_a_read_only_server_says_so() {
        let stats = ServerStats::new(ServerMode::ReadOnly);
        let text = format_srvr(&stats);
        let second_line = text.lines().nth(1);
        assert_eq!(
            second_line,
            Some("READ-ONLY mode; serving only read-only clients")
        );
        assert!(text.contains("Mode: read-only\n"));
    }

    #[test]
    fn stat_lists_clients_between_version_and_counters() {
        let mut stats = ServerStats::new(ServerMode::Standalone);
        stats.alive_connections = 1;
        let clients = vec![" /127.0.0.1:58494[0](queued=0,recved=1,sent=0)".to_owned()];
        let text = format_stat(&stats, &clients);
        let expected_head = format!(
            "Zookeeper version: {}\nClients:\n /127.0.0.1:58494[0](queued=0,recved=1,sent=0)\n\n\
             Latency min/avg/max: 0/0.0/0\n",
            full_version()
        );
        assert!(text.starts_with(&expected_head), "{text}");
    }

    fn session_conn() -> ConnStats {
        let mut c = ConnStats::new(
            Some("127.0.0.1:60006".parse().expect("addr")),
            1_795_321_200_075,
        );
        c.session_id = 0x0100_001d_94ad_0002;
        c.session_timeout_ms = 30000;
        c.packets_received = 3;
        c.packets_sent = 4;
        c.record_response(2, 8, "GETD", 2_038_097, 2_038_098);
        c
    }

    #[test]
    fn cons_lines_match_dump_connection_info() {
        let c = session_conn();
        assert_eq!(
            format_conn_info(&c, false),
            " /127.0.0.1:60006[1](queued=0,recved=3,sent=4,sid=0x100001d94ad0002,lop=GETD,\
             est=1795321200075,to=30000,lcxid=0x2,lzxid=0x8,lresp=2038098,llat=1,minlat=1,\
             avglat=1,maxlat=1)"
        );
        assert_eq!(
            format_conn_info(&c, true),
            " /127.0.0.1:60006[1](queued=0,recved=3,sent=4)"
        );
        let mut four = ConnStats::new(Some("127.0.0.1:41130".parse().expect("addr")), 0);
        four.four_letter = true;
        four.packets_received = 1;
        assert_eq!(
            format_cons(&[&four]),
            " /127.0.0.1:41130[0](queued=0,recved=1,sent=0)\n\n"
        );
        let mut fresh = ConnStats::new(None, 1);
        fresh.session_id = 5;
        let line = format_conn_info(&fresh, false);
        assert!(
            line.contains("lop=NA,est=1,to=0,lzxid=0xffffffffffffffff,lresp=0"),
            "{line}"
        );
        assert!(!line.contains("lcxid"), "{line}");
    }

    #[test]
    fn java_socket_addresses() {
        assert_eq!(java_socket_address(None), "null");
        assert_eq!(
            java_socket_address(Some("[::1]:2181".parse().expect("addr"))),
            "/0:0:0:0:0:0:0:1:2181"
        );
    }

    #[test]
    fn conf_dirs_and_resets_print_like_zookeeper() {
        let conf = ConfDump {
            client_port: 22181,
            secure_client_port: -1,
            data_dir: "/d/version-2".into(),
            data_dir_size: 457,
            data_log_dir: "/l/version-2".into(),
            data_log_size: 458,
            tick_time: 2000,
            max_client_cnxns: 60,
            min_session_timeout: 4000,
            max_session_timeout: 40000,
            client_port_listen_backlog: -1,
            server_id: 0,
        };
        assert_eq!(
            format_conf(&conf),
            "clientPort=22181\nsecureClientPort=-1\ndataDir=/d/version-2\ndataDirSize=457\n\
             dataLogDir=/l/version-2\ndataLogSize=458\ntickTime=2000\nmaxClientCnxns=60\n\
             minSessionTimeout=4000\nmaxSessionTimeout=40000\nclientPortListenBacklog=-1\n\
             serverId=0\n"
        );
        assert_eq!(format_dirs(1, 2), "datadir_size: 1\nlogdir_size: 2\n");
        assert_eq!(CRST_REPLY, "Connection stats reset.\n");
        assert_eq!(SRST_REPLY, "Server stats reset.\n");
    }

    #[test]
    fn mntr_lines_are_tab_separated() {
        let entries = vec![
            ("version".to_owned(), Json::from("3.8.0")),
            ("avg_latency".to_owned(), Json::Double(1.5909)),
            ("znode_count".to_owned(), Json::Long(10)),
            ("connection_drop_probability".to_owned(), Json::Double(0.0)),
        ];
        assert_eq!(
            format_mntr(&entries),
            "zk_version\t3.8.0\nzk_avg_latency\t1.5909\nzk_znode_count\t10\n\
             zk_connection_drop_probability\t0.0\n"
        );
    }

    #[test]
    fn dump_lists_sessions_ephemerals_and_connections() {
        let sessions = ExpiryDump {
            buckets: vec![(0, vec![]), (1000, vec!["0x1".into(), "0x2".into()])],
            elements: 2,
        };
        let conns = ExpiryDump {
            buckets: vec![(2000, vec!["ip: /127.0.0.1:5 sessionId: 0x0".into()])],
            elements: 1,
        };
        let text = format_dump(&sessions, &[(1, vec!["/app/e1".into()])], &conns);
        assert_eq!(
            text,
            "SessionTracker dump:\nSession Sets (2)/(2):\n0 expire at Thu Jan 01 00:00:00 UTC 1970:\n\
             2 expire at Thu Jan 01 00:00:01 UTC 1970:\n\t0x1\n\t0x2\nephemeral nodes dump:\n\
             Sessions with Ephemerals (1):\n0x1:\n\t/app/e1\nConnections dump:\n\
             Connections Sets (1)/(1):\n1 expire at Thu Jan 01 00:00:02 UTC 1970:\n\
             \tip: /127.0.0.1:5 sessionId: 0x0\n"
        );
    }

    #[test]
    fn watch_dumps_print_like_watch_manager() {
        assert_eq!(
            format_wchs(3, 2, 3),
            "3 connections watching 2 paths\nTotal watches:3\n"
        );
        assert_eq!(
            format_wchc(&[(0x10, vec!["/a".into(), "/b".into()]), (0x11, vec![])]),
            "0x10\n\t/a\n\t/b\n0x11\n\n"
        );
        assert_eq!(
            format_wchp(&[("/a".into(), vec![0x10, 0x11])]),
            "/a\n\t0x10\n\t0x11\n\n"
        );
        assert_eq!(format_hash(&[(0x1f, -42)]), "1f: -42\n");
        assert_eq!(format_hash(&[]), "");
    }

    #[test]
    fn negative_zxid_prints_as_unsigned_hex() {
        let mut stats = ServerStats::new(ServerMode::Standalone);
        stats.last_processed_zxid = -1;
        assert!(format_srvr(&stats).contains("Zxid: 0xffffffffffffffff\n"));
    }

    #[test]
    fn java_doubles_in_plain_range() {
        for (x, s) in [
            (0.0, "0.0"),
            (1.0, "1.0"),
            (1.5, "1.5"),
            (0.3333, "0.3333"),
            (0.001, "0.001"),
            (12.0625, "12.0625"),
            (100.0, "100.0"),
            (9_999_999.0, "9999999.0"),
            (-2.5, "-2.5"),
        ] {
            assert_eq!(java_double_to_string(x), s, "{x}");
        }
    }

    #[test]
    fn java_doubles_in_scientific_range() {
        for (x, s) in [
            (0.0001, "1.0E-4"),
            (0.00015, "1.5E-4"),
            (1e7, "1.0E7"),
            (12_345_678.0, "1.2345678E7"),
            (-1e-5, "-1.0E-5"),
        ] {
            assert_eq!(java_double_to_string(x), s, "{x}");
        }
        assert_eq!(java_double_to_string(f64::NAN), "NaN");
        assert_eq!(java_double_to_string(f64::INFINITY), "Infinity");
        assert_eq!(java_double_to_string(-0.0), "-0.0");
    }
}
