//! zoo.cfg parsing: the Java properties format, ZooKeeper's keys and
//! defaults, `myid`, server lines, and the Java system properties that tune a
//! server.
//!
//! Counterpart of ZooKeeper's `quorum/QuorumPeerConfig` (`parse`,
//! `parseProperties`, `parseDynamicConfig`, `setupMyId`, `setupClientPort`,
//! `setupPeerType`, `checkValidity`), `ServerConfig` (the standalone view and
//! the `port dataDir [tickTime [maxClientCnxns]]` command line),
//! `QuorumPeer.QuorumServer` (server lines), `util/ConfigUtils` and
//! `java.util.Properties.load`.
//!
//! # How ZooKeeper reads zoo.cfg, and how zkrs mirrors it
//!
//! * The file is a Java properties file: `key=value`, `key: value` and
//!   `key value` all work, `#` and `!` start comments, a trailing backslash
//!   continues a line, and `\t`, `\n`, `\uXXXX` escapes are decoded
//!   ([`parse_properties`]). Keys and values are then trimmed.
//! * Keys `QuorumPeerConfig` knows (`tickTime`, `dataDir`, ...) fill typed
//!   fields; a malformed value is an [`Error::Config`] naming the key and line.
//! * Every other key `k` becomes the Java system property `zookeeper.k`
//!   (`System.setProperty("zookeeper." + key, value)`). That is how
//!   `4lw.commands.whitelist`, `snapCount`, `admin.enableServer`, ... take
//!   effect. zkrs keeps these in [`SystemProperties`] instead of a global.
//! * System properties also come from `-Dname=value` flags (see
//!   [`crate::cli`]). Because ZooKeeper calls `System.setProperty` after the
//!   JVM has started, a zoo.cfg key overrides a `-Dzookeeper.<key>` flag.
//! * Properties read with `Integer.getInteger` and friends fall back to their
//!   default when malformed; zkrs does the same and warns.
//! * Settings that mean nothing to zkrs are reported with `tracing::warn!`
//!   (and kept in [`Config::warnings`]); they never stop the server.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::net::four_letter::{Whitelist, WHITELIST_PROPERTY};

/// The client port of the built-in default configuration.
pub const DEFAULT_CLIENT_PORT: u16 = 2181;

/// `tickTime` when zoo.cfg does not set it (`ZooKeeperServer.DEFAULT_TICK_TIME`).
/// The sample zoo.cfg, and zkrs's built-in default, set 2000.
pub const DEFAULT_TICK_TIME_MS: u32 = 3000;

/// `dataDir` of the built-in default configuration used when zkrs runs
/// without arguments: `./zkrs-data`, relative to the working directory.
pub const DEFAULT_DATA_DIR: &str = "./zkrs-data";

/// `maxClientCnxns` when zoo.cfg does not set it.
pub const DEFAULT_MAX_CLIENT_CNXNS: u32 = 60;

/// `jute.maxbuffer` when unset: 0xfffff bytes (1 MiB - 1).
pub const DEFAULT_JUTE_MAX_BUFFER: i32 = 0xfffff;

/// `metricsProvider.className` when unset.
pub const DEFAULT_METRICS_PROVIDER: &str =
    "org.apache.zookeeper.metrics.impl.DefaultMetricsProvider";

/// The Prometheus metrics provider shipped with ZooKeeper.
pub const PROMETHEUS_METRICS_PROVIDER: &str =
    "org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider";

/// The smallest `autopurge.snapRetainCount` ZooKeeper accepts; smaller values
/// are raised to it with a warning.
const MIN_SNAP_RETAIN_COUNT: u32 = 3;

// ---------------------------------------------------------------------------
// java.util.Properties
// ---------------------------------------------------------------------------

/// One `key=value` entry of a Java properties file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    /// The key, escapes decoded, not trimmed.
    pub key: String,
    /// The value, escapes decoded, leading whitespace removed, not trimmed.
    pub value: String,
    /// 1-based line where the entry starts.
    pub line: u32,
}

/// A properties file that `Properties.load` itself rejects: only a malformed
/// `\uXXXX` escape does that.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertiesError {
    /// The entry's key (as far as it could be decoded).
    pub key: String,
    /// 1-based line of the entry.
    pub line: u32,
    /// The problem.
    pub message: String,
}

/// Splits a Java properties file into entries, in file order (duplicates are
/// kept; the last one wins when the caller builds a map).
///
/// Follows `java.util.Properties.load`: natural lines end at `\n`, `\r` or
/// `\r\n`; leading spaces, tabs and form feeds are skipped; a line whose first
/// other character is `#` or `!` is a comment; a line ending in an odd number
/// of backslashes continues on the next line (whose leading whitespace is
/// dropped); the key ends at the first unescaped `=`, `:`, space, tab or form
/// feed; whitespace and one `=` or `:` separate it from the value; escapes
/// `\t \n \r \f \uXXXX` are decoded and any other escaped character stands
/// for itself.
///
/// # Errors
///
/// A `\u` escape not followed by four hex digits.
pub fn parse_properties(text: &str) -> Result<Vec<Property>, PropertiesError> {
    logical_lines(text)
        .into_iter()
        .map(|(line, chars)| split_entry(&chars, line))
        .collect()
}

fn is_properties_whitespace(c: char) -> bool {
    c == ' ' || c == '\t' || c == '\x0c'
}

/// Java's `LineReader`: the logical lines (continuations joined, comments and
/// blank lines dropped, escapes still encoded) with their first line number.
fn logical_lines(text: &str) -> Vec<(u32, Vec<char>)> {
    let mut lines = Vec::new();
    let mut buf: Vec<char> = Vec::new();
    let mut start_line = 1u32;
    let mut line = 1u32;
    let mut skip_white_space = true;
    let mut is_comment_line = false;
    let mut is_new_line = true;
    let mut appended_line_begin = false;
    let mut preceding_backslash = false;
    let mut skip_lf = false;

    for c in text.chars() {
        if skip_lf {
            skip_lf = false;
            if c == '\n' {
                continue;
            }
        }
        if c == '\r' {
            skip_lf = true;
        }
        let at_eol = c == '\n' || c == '\r';
        if skip_white_space {
            if is_properties_whitespace(c) {
                continue;
            }
            if !appended_line_begin && at_eol {
                line += 1;
                continue;
            }
            skip_white_space = false;
            appended_line_begin = false;
        }
        if is_new_line {
            is_new_line = false;
            if c == '#' || c == '!' {
                is_comment_line = true;
                continue;
            }
        }
        if !at_eol {
            if is_comment_line {
                continue;
            }
            if buf.is_empty() {
                start_line = line;
            }
            buf.push(c);
            preceding_backslash = c == '\\' && !preceding_backslash;
            continue;
        }
        line += 1;
        if is_comment_line || buf.is_empty() {
            is_comment_line = false;
            is_new_line = true;
            skip_white_space = true;
            buf.clear();
            continue;
        }
        if preceding_backslash {
            // Continuation: drop the backslash, join the next natural line.
            buf.pop();
            skip_white_space = true;
            appended_line_begin = true;
            preceding_backslash = false;
        } else {
            lines.push((start_line, std::mem::take(&mut buf)));
            is_new_line = true;
            skip_white_space = true;
        }
    }
    if !buf.is_empty() && !is_comment_line {
        if preceding_backslash {
            buf.pop();
        }
        lines.push((start_line, buf));
    }
    lines
}

/// Java's `Properties.load0`: key/value split of one logical line.
fn split_entry(chars: &[char], line: u32) -> Result<Property, PropertiesError> {
    let limit = chars.len();
    let mut key_len = 0;
    let mut value_start = limit;
    let mut has_separator = false;
    let mut preceding_backslash = false;
    while key_len < limit {
        let c = chars[key_len];
        if (c == '=' || c == ':') && !preceding_backslash {
            value_start = key_len + 1;
            has_separator = true;
            break;
        } else if is_properties_whitespace(c) && !preceding_backslash {
            value_start = key_len + 1;
            break;
        }
        preceding_backslash = c == '\\' && !preceding_backslash;
        key_len += 1;
    }
    while value_start < limit {
        let c = chars[value_start];
        if !is_properties_whitespace(c) {
            if !has_separator && (c == '=' || c == ':') {
                has_separator = true;
            } else {
                break;
            }
        }
        value_start += 1;
    }
    let raw_key = &chars[..key_len];
    let key = unescape(raw_key).map_err(|message| PropertiesError {
        key: raw_key.iter().collect(),
        line,
        message,
    })?;
    let value = unescape(&chars[value_start.min(limit)..]).map_err(|message| PropertiesError {
        key: key.clone(),
        line,
        message,
    })?;
    Ok(Property { key, value, line })
}

/// Java's `Properties.loadConvert`.
fn unescape(chars: &[char]) -> Result<String, String> {
    let mut units: Vec<u16> = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if c != '\\' {
            let mut tmp = [0u16; 2];
            units.extend_from_slice(c.encode_utf16(&mut tmp));
            continue;
        }
        let Some(&escaped) = chars.get(i) else {
            // Cannot happen after `logical_lines` (an odd trailing backslash is
            // dropped there); ignore it like a continuation.
            break;
        };
        i += 1;
        let decoded = match escaped {
            'u' => {
                let hex: String = chars.get(i..i + 4).unwrap_or(&[]).iter().collect();
                let unit = (hex.len() == 4)
                    .then(|| u16::from_str_radix(&hex, 16).ok())
                    .flatten()
                    .filter(|_| hex.chars().all(|h| h.is_ascii_hexdigit()))
                    .ok_or_else(|| "Malformed \\uxxxx encoding.".to_owned())?;
                i += 4;
                units.push(unit);
                continue;
            }
            't' => '\t',
            'r' => '\r',
            'n' => '\n',
            'f' => '\x0c',
            other => other,
        };
        let mut tmp = [0u16; 2];
        units.extend_from_slice(decoded.encode_utf16(&mut tmp));
    }
    // Java strings are UTF-16, so `\uD83D\uDE00` is one character; a lone
    // surrogate cannot be represented in Rust and becomes U+FFFD.
    Ok(String::from_utf16_lossy(&units))
}

/// Java's `String.trim()`: strips every character up to U+0020.
fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

/// Decodes a configuration file's bytes. `Properties.load(InputStream)` reads
/// ISO-8859-1; zkrs reads UTF-8 when the bytes are valid UTF-8 (so non-ASCII
/// paths work as users expect) and falls back to ISO-8859-1 otherwise. The
/// two agree on ASCII files.
pub fn decode_config_bytes(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

// ---------------------------------------------------------------------------
// Java number and boolean parsing
// ---------------------------------------------------------------------------

/// `Integer.parseInt`: optional sign, ASCII decimal digits, 32-bit range.
fn parse_java_int(s: &str) -> Option<i32> {
    parse_java_long(s).and_then(|v| i32::try_from(v).ok())
}

/// `Long.parseLong`: optional sign, ASCII decimal digits, 64-bit range.
fn parse_java_long(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Rust's parser accepts the same sign + digits syntax.
    s.parse::<i64>().ok()
}

/// `Long.decode`: optional sign, then `0x`/`0X`/`#` hex, `0` octal, or decimal.
fn decode_java_long(s: &str) -> Option<i64> {
    let (negative, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) = if let Some(h) = rest
        .strip_prefix("0x")
        .or_else(|| rest.strip_prefix("0X"))
        .or_else(|| rest.strip_prefix('#'))
    {
        (16, h)
    } else if rest.len() > 1 && rest.starts_with('0') {
        (8, &rest[1..])
    } else {
        (10, rest)
    };
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    let magnitude = i128::from_str_radix(digits, radix).ok()?;
    let value = if negative { -magnitude } else { magnitude };
    i64::try_from(value).ok()
}

/// `Integer.decode`.
fn decode_java_int(s: &str) -> Option<i32> {
    decode_java_long(s).and_then(|v| i32::try_from(v).ok())
}

// ---------------------------------------------------------------------------
// System properties
// ---------------------------------------------------------------------------

/// The Java system properties a ZooKeeper server would see: `-D` flags from
/// the command line and `SERVER_JVMFLAGS`/`JVMFLAGS`, plus one
/// `zookeeper.<key>` entry per zoo.cfg key that `QuorumPeerConfig` does not
/// handle itself.
///
/// The accessors read values exactly as the ZooKeeper code that consumes them
/// does (`Boolean.getBoolean`, `Integer.getInteger`, string comparisons), so
/// the same setting means the same thing in both servers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemProperties {
    map: BTreeMap<String, String>,
}

impl SystemProperties {
    /// No properties.
    pub fn new() -> Self {
        SystemProperties::default()
    }

    /// Collects the `-Dname=value` tokens of a JVM flag string such as
    /// `SERVER_JVMFLAGS="-Xmx512m -Dzookeeper.skipACL=yes"`.
    ///
    /// The string is split on whitespace, as the unquoted `$JVMFLAGS` in
    /// zkServer.sh is; other flags (`-Xmx512m`, `-cp`, `-XX:...`) are ignored.
    /// `-Dname` without `=` sets `name` to the empty string, as the JVM does.
    /// Later flags win.
    pub fn from_jvm_flags(flags: &str) -> Self {
        let mut props = SystemProperties::new();
        for token in flags.split_whitespace() {
            if let Some(definition) = token.strip_prefix("-D") {
                props.define(definition);
            }
        }
        props
    }

    /// Applies one definition, the text after `-D`: `name=value`, or `name`
    /// alone for an empty value. Returns false, changing nothing, when the
    /// name is empty.
    pub fn define(&mut self, definition: &str) -> bool {
        let (name, value) = definition.split_once('=').unwrap_or((definition, ""));
        if name.is_empty() {
            return false;
        }
        self.map.insert(name.to_owned(), value.to_owned());
        true
    }

    /// Sets `name` to `value`, returning the previous value.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) -> Option<String> {
        self.map.insert(name.into(), value.into())
    }

    /// Removes `name`, returning its value.
    pub fn remove(&mut self, name: &str) -> Option<String> {
        self.map.remove(name)
    }

    /// The raw value of `name` (`System.getProperty`).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(String::as_str)
    }

    /// True when `name` is set.
    pub fn contains(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    /// All properties, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Number of properties.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when there are no properties.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Copies every property of `other` into `self`; `other` wins on clashes.
    pub fn extend_from(&mut self, other: &SystemProperties) {
        for (k, v) in &other.map {
            self.map.insert(k.clone(), v.clone());
        }
    }

    /// `Boolean.getBoolean(name)`: true only for `true`, in any case.
    pub fn get_boolean(&self, name: &str) -> bool {
        self.get(name)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// `Integer.getInteger(name, default)`: `Integer.decode` of the value
    /// (decimal, `0x`/`#` hex, `0` octal), or `default` when unset or
    /// malformed.
    pub fn get_integer(&self, name: &str, default: i32) -> i32 {
        self.get(name).and_then(decode_java_int).unwrap_or(default)
    }

    /// `Long.getLong(name, default)`.
    pub fn get_long(&self, name: &str, default: i64) -> i64 {
        self.get(name).and_then(decode_java_long).unwrap_or(default)
    }

    /// `zookeeper.extendedTypesEnabled` (`EphemeralType`): allows TTL nodes
    /// and reserves the top byte of server ids. Default false.
    pub fn extended_types_enabled(&self) -> bool {
        self.get_boolean("zookeeper.extendedTypesEnabled")
    }

    /// `zookeeper.emulate353TTLNodes` (`EphemeralType`): read TTL owners in the
    /// 3.5.3 encoding. Default false.
    pub fn emulate_353_ttl_nodes(&self) -> bool {
        self.get_boolean("zookeeper.emulate353TTLNodes")
    }

    /// `zookeeper.DigestAuthenticationProvider.superDigest`: `super:<base64
    /// sha1>`; a client authenticating with the matching digest is superuser.
    pub fn super_digest(&self) -> Option<&str> {
        self.get("zookeeper.DigestAuthenticationProvider.superDigest")
    }

    /// `jute.maxbuffer` (`BinaryInputArchive`): the largest record accepted,
    /// in bytes. Default 0xfffff.
    pub fn jute_max_buffer(&self) -> i32 {
        self.get_integer("jute.maxbuffer", DEFAULT_JUTE_MAX_BUFFER)
    }

    /// `readonlymode.enabled` (`QuorumPeer`): serve reads while partitioned.
    /// Default false.
    pub fn read_only_mode_enabled(&self) -> bool {
        self.get_boolean("readonlymode.enabled")
    }

    /// `znode.container.checkIntervalMs` (`ContainerManager`): how often empty
    /// containers and expired TTL nodes are looked for. Default 60000.
    pub fn container_check_interval_ms(&self) -> i32 {
        self.get_integer("znode.container.checkIntervalMs", 60_000)
    }

    /// `znode.container.maxPerMinute`: deletions of containers per minute.
    /// Default 10000.
    pub fn container_max_per_minute(&self) -> i32 {
        self.get_integer("znode.container.maxPerMinute", 10_000)
    }

    /// `znode.container.maxNeverUsedIntervalMs`: age after which a container
    /// that never had children is deleted; 0 (default) never.
    pub fn container_max_never_used_interval_ms(&self) -> i64 {
        self.get_long("znode.container.maxNeverUsedIntervalMs", 0)
    }

    /// `zookeeper.skipACL`: disables ACL checks.
    pub fn skip_acl(&self) -> bool {
        // ZK-COMPAT: ZooKeeperServer.java: only the exact string "yes" enables
        // it; "true" does not.
        self.get("zookeeper.skipACL") == Some("yes")
    }

    /// `zookeeper.4lw.commands.whitelist` with ZooKeeper's rules (see
    /// [`Whitelist::parse`]); unknown entries are dropped.
    pub fn four_letter_whitelist(&self) -> Whitelist {
        Whitelist::parse(self.get(WHITELIST_PROPERTY), self.read_only_for_4lw()).0
    }

    fn read_only_for_4lw(&self) -> bool {
        // ZK-COMPAT: FourLetterCommands.java compares with equals("true"), so
        // "TRUE" enables read-only mode but does not whitelist `isro`.
        self.get("readonlymode.enabled") == Some("true")
    }

    /// `zookeeper.admin.enableServer` (`AdminServerFactory`): on unless the
    /// value is exactly `false`.
    pub fn admin_enable_server(&self) -> bool {
        self.get("zookeeper.admin.enableServer") != Some("false")
    }

    /// `zookeeper.admin.serverAddress` (`JettyAdminServer`). Default `0.0.0.0`.
    pub fn admin_server_address(&self) -> &str {
        self.get("zookeeper.admin.serverAddress")
            .unwrap_or("0.0.0.0")
    }

    /// `zookeeper.admin.serverPort` (`JettyAdminServer`). Default 8080.
    pub fn admin_server_port(&self) -> i32 {
        self.get_integer("zookeeper.admin.serverPort", 8080)
    }

    /// `zookeeper.closeSessionTxn.enabled` (`ZooKeeperServer`): closeSession
    /// txns carry the session's ephemeral paths. Default true; any value but
    /// `true` (any case) disables it.
    pub fn close_session_txn_enabled(&self) -> bool {
        self.get("zookeeper.closeSessionTxn.enabled")
            .is_none_or(|v| v.eq_ignore_ascii_case("true"))
    }

    /// `zookeeper.snapCount` (`ZooKeeperServer.getSnapCount`): txns between
    /// snapshots (randomised by ZooKeeper around this value). Default 100000,
    /// at least 2.
    pub fn snap_count(&self) -> i32 {
        self.get_integer("zookeeper.snapCount", 100_000).max(2)
    }

    /// `zookeeper.preAllocSize` (`FilePadding`): txn log preallocation block in
    /// KiB. Default 65536 (64 MiB).
    pub fn pre_alloc_size_kb(&self) -> i64 {
        // ZK-COMPAT: FilePadding.java uses Long.parseLong (decimal only), not
        // Long.getLong.
        self.get("zookeeper.preAllocSize")
            .and_then(parse_java_long)
            .unwrap_or(65_536)
    }

    /// `zookeeper.forceSync` (`FileTxnLog`): fsync the txn log; only the exact
    /// value `no` disables it.
    pub fn force_sync(&self) -> bool {
        self.get("zookeeper.forceSync") != Some("no")
    }

    /// `zookeeper.globalOutstandingLimit`: requests in flight before the server
    /// stops reading from clients. Default 1000.
    pub fn global_outstanding_limit(&self) -> i32 {
        self.get_integer("zookeeper.globalOutstandingLimit", 1000)
    }

    /// `zookeeper.maxCnxns` (`ServerCnxnFactory`): limit on all client
    /// connections; 0 (default) or negative means no limit.
    pub fn max_cnxns(&self) -> i32 {
        self.get_integer("zookeeper.maxCnxns", 0).max(0)
    }

    /// `zookeeper.datadir.autocreate` (`FileTxnSnapLog`): create a missing
    /// data directory. Default true.
    pub fn datadir_autocreate(&self) -> bool {
        self.get("zookeeper.datadir.autocreate")
            .is_none_or(|v| v.eq_ignore_ascii_case("true"))
    }

    /// `zookeeper.multiAddress.enabled` (`QuorumPeer`): allow `|`-separated
    /// addresses in server lines. Default false.
    pub fn multi_address_enabled(&self) -> bool {
        self.get("zookeeper.multiAddress.enabled")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }
}

/// How a system property is parsed, to warn about malformed values of the
/// properties zkrs reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PropertyKind {
    /// Read with `Integer.getInteger`/`Long.getLong` (decode syntax).
    Decode { default: i64 },
    /// Read with `Long.parseLong` (decimal only).
    Decimal { default: i64 },
    /// Any text, or a flag compared against fixed strings.
    Text,
}

/// System properties zkrs reads (see the accessors of [`SystemProperties`]).
const HONOURED_PROPERTIES: &[(&str, PropertyKind)] = &[
    ("jute.maxbuffer", PropertyKind::Decode { default: 0xfffff }),
    ("readonlymode.enabled", PropertyKind::Text),
    (
        "znode.container.checkIntervalMs",
        PropertyKind::Decode { default: 60_000 },
    ),
    (
        "znode.container.maxNeverUsedIntervalMs",
        PropertyKind::Decode { default: 0 },
    ),
    (
        "znode.container.maxPerMinute",
        PropertyKind::Decode { default: 10_000 },
    ),
    ("zookeeper.4lw.commands.whitelist", PropertyKind::Text),
    (
        "zookeeper.DigestAuthenticationProvider.superDigest",
        PropertyKind::Text,
    ),
    ("zookeeper.admin.enableServer", PropertyKind::Text),
    ("zookeeper.admin.serverAddress", PropertyKind::Text),
    (
        "zookeeper.admin.serverPort",
        PropertyKind::Decode { default: 8080 },
    ),
    ("zookeeper.closeSessionTxn.enabled", PropertyKind::Text),
    ("zookeeper.datadir.autocreate", PropertyKind::Text),
    ("zookeeper.db.autocreate", PropertyKind::Text),
    ("zookeeper.emulate353TTLNodes", PropertyKind::Text),
    ("zookeeper.extendedTypesEnabled", PropertyKind::Text),
    (
        "zookeeper.jute.maxbuffer.extrasize",
        PropertyKind::Decode { default: 0xfffff },
    ),
    ("zookeeper.forceSync", PropertyKind::Text),
    (
        "zookeeper.globalOutstandingLimit",
        PropertyKind::Decode { default: 1000 },
    ),
    ("zookeeper.maxCnxns", PropertyKind::Decode { default: 0 }),
    ("zookeeper.multiAddress.enabled", PropertyKind::Text),
    (
        "zookeeper.preAllocSize",
        PropertyKind::Decimal { default: 65_536 },
    ),
    ("zookeeper.skipACL", PropertyKind::Text),
    (
        "zookeeper.snapCount",
        PropertyKind::Decode { default: 100_000 },
    ),
    (
        "zookeeper.snapSizeLimitInKb",
        PropertyKind::Decode { default: 4_194_304 },
    ),
    ("zookeeper.snapshot.trust.empty", PropertyKind::Text),
    (
        "zookeeper.txnLogSizeLimitInKb",
        PropertyKind::Decode { default: -1 },
    ),
];

/// Properties the JVM, log4j or the ZooKeeper scripts set that configure
/// nothing zkrs cares about; they are accepted silently.
const JVM_PROPERTY_PREFIXES: &[&str] = &[
    "java.",
    "javax.",
    "jdk.",
    "sun.",
    "com.sun.",
    "user.",
    "os.",
    "file.",
    "line.",
    "path.",
    "awt.",
    "log4j.",
    "log4j2.",
    "logback.",
    "slf4j.",
    "networkaddress.",
    "io.netty.",
    "zookeeper.log.",
    "zookeeper.tracelog.",
    "zookeeper.jmx.",
];

const JVM_PROPERTIES: &[&str] = &[
    "zookeeper.root.logger",
    "zookeeper.console.threshold",
    "zookeeper.log.threshold",
];

/// System properties ZooKeeper 3.8/3.9 reads that zkrs does not implement
/// (yet). Setting them is harmless but has no effect.
const ZK_ONLY_PROPERTIES: &[&str] = &[
    "follower.nodelay",
    "fsync.warningthresholdms",
    "leader.nodelay",
    "zookeeper.DigestAuthenticationProvider.digestAlg",
    "zookeeper.DigestAuthenticationProvider.enabled",
    "zookeeper.IPAuthenticationProvider.usexforwardedfor",
    "zookeeper.SASLAuthenticationProvider.superPassword",
    "zookeeper.X509AuthenticationProvider.superUser",
    "zookeeper.admin.commandURL",
    "zookeeper.admin.forceHttps",
    "zookeeper.admin.httpVersion",
    "zookeeper.admin.idleTimeout",
    "zookeeper.admin.needClientAuth",
    "zookeeper.admin.portUnification",
    "zookeeper.admin.rateLimiterIntervalInMS",
    "zookeeper.admin.restore.enabled",
    "zookeeper.admin.snapshot.enabled",
    "zookeeper.allowSaslFailedClients",
    "zookeeper.audit.enable",
    "zookeeper.audit.impl.class",
    "zookeeper.bitHashCacheSize",
    "zookeeper.clientPortAddress",
    "zookeeper.cnxTimeout",
    "zookeeper.commitLogCount",
    "zookeeper.commitProcessor.maxCommitBatchSize",
    "zookeeper.commitProcessor.maxReadBatchSize",
    "zookeeper.commitProcessor.numWorkerThreads",
    "zookeeper.commitProcessor.shutdownTimeout",
    "zookeeper.connection_throttle_decrease_ratio",
    "zookeeper.connection_throttle_drop_decrease",
    "zookeeper.connection_throttle_drop_increase",
    "zookeeper.connection_throttle_fill_count",
    "zookeeper.connection_throttle_fill_time",
    "zookeeper.connection_throttle_freeze_time",
    "zookeeper.connection_throttle_global_session_weight",
    "zookeeper.connection_throttle_local_session_weight",
    "zookeeper.connection_throttle_renew_session_weight",
    "zookeeper.connection_throttle_tokens",
    "zookeeper.connection_throttle_weight_enabled",
    "zookeeper.digest.enabled",
    "zookeeper.electionPortBindRetry",
    "zookeeper.enableEagerACLCheck",
    "zookeeper.enforce.auth.enabled",
    "zookeeper.enforce.auth.schemes",
    "zookeeper.enforceQuota",
    "zookeeper.ensembleAuthName",
    "zookeeper.fastleader.maxNotificationInterval",
    "zookeeper.fastleader.minNotificationInterval",
    "zookeeper.fips-mode",
    "zookeeper.flushDelay",
    "zookeeper.follower.skipLearnerRequestToNextProcessor",
    "zookeeper.forceSnapshotSync",
    "zookeeper.forward_learner_requests_to_commit_processor_disabled",
    "zookeeper.fsync.warningthresholdms",
    "zookeeper.intBufferStartingSizeBytes",
    "zookeeper.kerberos.canonicalizeHostNames",
    "zookeeper.kerberos.minReLoginTimeMs",
    "zookeeper.kerberos.removeHostFromPrincipal",
    "zookeeper.kerberos.removeRealmFromPrincipal",
    "zookeeper.kinit",
    "zookeeper.largeRequestMaxBytes",
    "zookeeper.largeRequestThreshold",
    "zookeeper.leader.ackLoggingFrequency",
    "zookeeper.leader.closeSocketAsync",
    "zookeeper.leader.maxConcurrentDiffSyncs",
    "zookeeper.leader.maxConcurrentSnapSyncs",
    "zookeeper.leader.maxTimeToWaitForEpoch",
    "zookeeper.leaderConnectDelayDuringRetryMs",
    "zookeeper.leaderServes",
    "zookeeper.learner.asyncSending",
    "zookeeper.learner.closeSocketAsync",
    "zookeeper.letAnySaslUserDoX",
    "zookeeper.maxBatchSize",
    "zookeeper.maxGetChildrenResponseCacheSize",
    "zookeeper.maxInProcessingDeadWatchers",
    "zookeeper.maxResponseCacheSize",
    "zookeeper.maxWriteQueuePollTime",
    "zookeeper.messageTracker.BufferSize",
    "zookeeper.messageTracker.Enabled",
    "zookeeper.multiAddress.reachabilityCheckEnabled",
    "zookeeper.multiAddress.reachabilityCheckTimeoutMs",
    "zookeeper.netty.advancedFlowControl.enabled",
    "zookeeper.netty.server.earlyDropSecureConnectionHandshakes",
    "zookeeper.netty.server.outstandingHandshake.limit",
    "zookeeper.nio.directBufferBytes",
    "zookeeper.nio.numSelectorThreads",
    "zookeeper.nio.numWorkerThreads",
    "zookeeper.nio.sessionlessCnxnTimeout",
    "zookeeper.nio.shutdownTimeout",
    "zookeeper.observer.election.DelayMs",
    "zookeeper.observer.reconnectDelayMs",
    "zookeeper.observer.syncEnabled",
    "zookeeper.observerMaster.sizeLimit",
    "zookeeper.pathStats.delay",
    "zookeeper.pathStats.enabled",
    "zookeeper.pathStats.initialDelay",
    "zookeeper.pathStats.maxDepth",
    "zookeeper.pathStats.sampleRate",
    "zookeeper.pathStats.slotCapacity",
    "zookeeper.pathStats.slotDuration",
    "zookeeper.pathStats.topPathMax",
    "zookeeper.quorumCnxnTimeoutMs",
    "zookeeper.request_stale_connection_check",
    "zookeeper.request_stale_latency_check",
    "zookeeper.request_throttle_drop_stale",
    "zookeeper.request_throttle_max_requests",
    "zookeeper.request_throttle_stall_time",
    "zookeeper.request_throttler.shutdownTimeout",
    "zookeeper.requireClientAuthScheme",
    "zookeeper.requireKerberosConfig",
    "zookeeper.security.auth_to_local",
    "zookeeper.serializeLastProcessedZxid.enabled",
    "zookeeper.serverCnxnFactory",
    "zookeeper.sessionRequireClientSASLAuth",
    "zookeeper.snapshot.compression.method",
    "zookeeper.snapshotSizeFactor",
    "zookeeper.superUser",
    "zookeeper.tcpKeepAlive",
    "zookeeper.throttled_op_wait_time",
    "zookeeper.watchManagerName",
    "zookeeper.watcherCleanIntervalInSeconds",
    "zookeeper.watcherCleanThreadsNum",
    "zookeeper.watcherCleanThreshold",
];

const ZK_ONLY_PREFIXES: &[&str] = &[
    "zookeeper.ssl.",
    "zookeeper.authProvider.",
    "zookeeper.sasl.",
    "zookeeper.client.",
    "zookeeper.server.principal",
    "zookeeper.server.realm",
];

/// What zkrs makes of a system property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PropertyClass {
    /// zkrs reads it.
    Honoured(Option<PropertyKind>),
    /// JVM or logging plumbing: accepted silently.
    Jvm,
    /// ZooKeeper reads it; zkrs does not.
    ZookeeperOnly,
    /// Neither ZooKeeper nor zkrs reads it.
    Unknown,
}

fn classify_property(name: &str) -> PropertyClass {
    if let Some((_, kind)) = HONOURED_PROPERTIES.iter().find(|(n, _)| *n == name) {
        return PropertyClass::Honoured(Some(*kind));
    }
    // zoo.cfg server/version lines also land here (`zookeeper.server.1`), and
    // zkrs reads those from the file itself.
    let from_quorum_lines = name == "zookeeper.version"
        || name
            .strip_prefix("zookeeper.server.")
            .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()));
    if from_quorum_lines {
        return PropertyClass::Honoured(None);
    }
    if JVM_PROPERTIES.contains(&name) || JVM_PROPERTY_PREFIXES.iter().any(|p| name.starts_with(p)) {
        return PropertyClass::Jvm;
    }
    if ZK_ONLY_PROPERTIES.contains(&name) || ZK_ONLY_PREFIXES.iter().any(|p| name.starts_with(p)) {
        return PropertyClass::ZookeeperOnly;
    }
    PropertyClass::Unknown
}

// ---------------------------------------------------------------------------
// Server lines
// ---------------------------------------------------------------------------

/// Whether a server votes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PeerType {
    /// Votes in elections and acks proposals (the default).
    Participant,
    /// Follows the leader without voting.
    Observer,
}

impl PeerType {
    /// `participant` or `observer`, as zoo.cfg spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            PeerType::Participant => "participant",
            PeerType::Observer => "observer",
        }
    }

    /// Case-insensitive `participant` / `observer` (surrounding whitespace
    /// allowed, as in `QuorumServer.getType`).
    pub fn parse(s: &str) -> Option<Self> {
        let s = java_trim(s);
        if s.eq_ignore_ascii_case("participant") {
            Some(PeerType::Participant)
        } else if s.eq_ignore_ascii_case("observer") {
            Some(PeerType::Observer)
        } else {
            None
        }
    }
}

/// One quorum address of a server: `host:quorumPort:electionPort`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuorumAddress {
    /// Host name or IP literal (IPv6 without brackets).
    pub host: String,
    /// Port followers connect to the leader on (2888 by convention).
    pub quorum_port: u16,
    /// Port of leader election (3888 by convention).
    pub election_port: u16,
}

/// A `server.N=` line.
///
/// Counterpart of `QuorumPeer.QuorumServer`. The syntax is
/// `host:quorumPort:electionPort[:participant|:observer][;[clientHost:]clientPort]`,
/// where IPv6 hosts are bracketed (`[::1]:2888:3888`) and, when
/// `zookeeper.multiAddress.enabled` is true, several `host:port:port` parts
/// may be joined with `|`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSpec {
    /// The `N` of `server.N`, matched against `myid`.
    pub id: u64,
    /// At least one address; more only with multi-address enabled.
    pub addresses: Vec<QuorumAddress>,
    /// Participant unless the line ends with `:observer`.
    pub peer_type: PeerType,
    /// Client host after `;` (`0.0.0.0` when only a port is given).
    pub client_address: Option<String>,
    /// Client port after `;`.
    pub client_port: Option<u16>,
}

impl ServerSpec {
    /// Parses the value of a `server.<id>` line.
    ///
    /// # Errors
    ///
    /// ZooKeeper's message for the malformed line.
    pub fn parse(id: u64, value: &str, multi_address_enabled: bool) -> Result<Self, String> {
        // ZooKeeper does not trim server values (QuorumMaj reads them raw), so
        // trailing blanks there make it fail with "Address unresolved"; zkrs
        // accepts them instead.
        let value = java_trim(value);
        let wrong_format = || {
            format!(
                "{value} does not have the form server_config or \
                 server_config;client_config where server_config is the pipe separated \
                 list of host:port:port or host:port:port:type and client_config is port \
                 or host:port"
            )
        };
        let parts: Vec<&str> = value.split(';').collect();
        // ZK-COMPAT: QuorumPeer.java: String.split drops trailing empty strings,
        // so "h:1:2;" has one part.
        let parts: Vec<&str> = trim_trailing_empty(parts);
        if parts.len() > 2 {
            return Err(wrong_format());
        }
        let (mut client_address, mut client_port) = (None, None);
        if let Some(client) = parts.get(1) {
            let client_parts = host_and_port(client)?;
            if client_parts.len() > 2 {
                return Err(wrong_format());
            }
            let port_text = client_parts[client_parts.len() - 1];
            let port =
                parse_port(port_text).ok_or_else(|| format!("Address unresolved: {port_text}"))?;
            let host = if client_parts.len() == 2 {
                client_parts[0]
            } else {
                "0.0.0.0"
            };
            client_address = Some(host.to_owned());
            client_port = Some(port);
        }
        let server_parts: Vec<&str> = trim_trailing_empty(parts[0].split('|').collect());
        if !multi_address_enabled && server_parts.len() > 1 {
            return Err(format!(
                "Multiple address feature is disabled, but multiple addresses were \
                 specified for sid {id}"
            ));
        }
        let mut addresses = Vec::new();
        let mut peer_type: Option<PeerType> = None;
        for server in server_parts {
            let fields = host_and_port(server)?;
            if !(3..=4).contains(&fields.len()) {
                return Err(wrong_format());
            }
            let host = fields[0];
            let quorum_port = parse_port(fields[1])
                .ok_or_else(|| format!("Address unresolved: {host}:{}", fields[1]))?;
            let election_port = parse_port(fields[2])
                .ok_or_else(|| format!("Address unresolved: {host}:{}", fields[2]))?;
            if quorum_port == election_port {
                return Err(format!(
                    "Client and election port must be different! Please update the \
                     configuration file on server.{id}"
                ));
            }
            if let Some(role) = fields.get(3) {
                let role = PeerType::parse(role)
                    .ok_or_else(|| format!("Unrecognised peertype: {role}"))?;
                match peer_type {
                    Some(previous) if previous != role => {
                        return Err(format!(
                            "Multiple addresses should have similar roles: {} vs {}",
                            previous.as_str(),
                            role.as_str()
                        ));
                    }
                    _ => peer_type = Some(role),
                }
            }
            addresses.push(QuorumAddress {
                host: host.to_owned(),
                quorum_port,
                election_port,
            });
        }
        Ok(ServerSpec {
            id,
            addresses,
            peer_type: peer_type.unwrap_or(PeerType::Participant),
            client_address,
            client_port,
        })
    }
}

/// Java's `String.split` removes trailing empty strings.
fn trim_trailing_empty(mut parts: Vec<&str>) -> Vec<&str> {
    while parts.len() > 1 && parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    parts
}

/// `ConfigUtils.getHostAndPort`: `host:port[:...]`, or `[v6]:port[:...]`.
fn host_and_port(s: &str) -> Result<Vec<&str>, String> {
    if let Some(rest) = s.strip_prefix('[') {
        let Some(close) = rest.find(']') else {
            return Err(format!("{s} starts with '[' but has no matching ']:'"));
        };
        let host = &rest[..close];
        let after = &rest[close + 1..];
        if after.len() == 1 {
            return Err(format!("{s} doesn't have a port after colon"));
        }
        if after.is_empty() {
            return Ok(vec![host]);
        }
        // ZooKeeper skips the character after ']' without checking it is ':'.
        let mut fields = vec![host];
        fields.extend(trim_trailing_empty(after[1..].split(':').collect()));
        Ok(fields)
    } else {
        Ok(trim_trailing_empty(s.split(':').collect()))
    }
}

/// A port as `new InetSocketAddress(host, Integer.parseInt(text))` accepts it.
fn parse_port(text: &str) -> Option<u16> {
    parse_java_int(java_trim(text)).and_then(|p| u16::try_from(p).ok())
}

// ---------------------------------------------------------------------------
// Config
// ---------------------------------------------------------------------------

/// A parsed, validated server configuration.
///
/// Counterpart of `QuorumPeerConfig` (and `ServerConfig`, its standalone
/// subset). Field names follow zkrs's naming (units last); the doc of each
/// field names its zoo.cfg key or system property.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The zoo.cfg this came from; `None` for the built-in default and the
    /// `port dataDir` command line.
    pub config_path: Option<PathBuf>,
    /// `tickTime`: the basic time unit. Default 3000 when the file omits it.
    pub tick_time_ms: u32,
    /// `initLimit`: ticks a follower may take to connect and sync to the
    /// leader. Required (non-zero) in an ensemble.
    pub init_limit_ticks: u32,
    /// `syncLimit`: ticks a follower may lag behind the leader. Required
    /// (non-zero) in an ensemble.
    pub sync_limit_ticks: u32,
    /// `connectToLearnerMasterLimit`: ticks to connect to the leader after
    /// election; 0 (default) means ZooKeeper uses `initLimit`.
    pub connect_to_learner_master_limit_ticks: u32,
    /// `minSessionTimeout`: default 2 × `tickTime`.
    pub session_timeout_ms_min: u32,
    /// `maxSessionTimeout`: default 20 × `tickTime`.
    pub session_timeout_ms_max: u32,
    /// `maxClientCnxns`: connections per client IP; 0 means unlimited.
    /// Default 60 (0 in `port dataDir` command-line mode).
    pub max_client_cnxns: u32,
    /// `clientPort`: `None` means no client listener; `Some(0)` asks the OS
    /// for a free port (ZooKeeper 3.9 semantics).
    pub client_port: Option<u16>,
    /// `clientPortAddress`: host to bind; `None` binds every interface.
    pub client_port_address: Option<String>,
    /// `secureClientPort` (TLS). zkrs does not serve TLS yet.
    pub secure_client_port: Option<u16>,
    /// `secureClientPortAddress`.
    pub secure_client_port_address: Option<String>,
    /// `clientPortListenBacklog`: listen backlog; `None` (default, -1) lets
    /// the OS decide.
    pub client_port_listen_backlog: Option<u32>,
    /// `observerMasterPort`: port where a follower serves observers.
    pub observer_master_port: Option<u16>,
    /// `dataDir`: snapshots, `myid`, epoch files. Required.
    pub data_dir: PathBuf,
    /// `dataLogDir`: txn logs. Defaults to `dataDir`.
    pub data_log_dir: PathBuf,
    /// The number in `dataDir/myid`; required in an ensemble.
    pub my_id: Option<u64>,
    /// The `server.N` lines by id (from zoo.cfg or the dynamic config file).
    pub servers: BTreeMap<u64, ServerSpec>,
    /// `version` of the dynamic configuration (hex in the file), 0 if absent.
    pub dynamic_config_version: u64,
    /// `dynamicConfigFile`: where the server lines live instead of zoo.cfg.
    pub dynamic_config_file: Option<PathBuf>,
    /// `peerType`, corrected by this server's own server line.
    pub peer_type: PeerType,
    /// `standaloneEnabled`: with one participant, run standalone. Default true.
    pub standalone_enabled: bool,
    /// `reconfigEnabled`: allow the `reconfig` operation. Default false.
    pub reconfig_enabled: bool,
    /// `quorumListenOnAllIPs`: bind quorum/election ports on every interface.
    pub quorum_listen_on_all_ips: bool,
    /// `localSessionsEnabled`.
    pub local_sessions_enabled: bool,
    /// `localSessionsUpgradingEnabled`.
    pub local_sessions_upgrading_enabled: bool,
    /// `syncEnabled`: observers log and snapshot like followers. Default true.
    pub sync_enabled: bool,
    /// `autopurge.snapRetainCount`: snapshots kept by autopurge (at least 3).
    pub autopurge_snap_retain_count: u32,
    /// `autopurge.purgeInterval`: hours between purges; 0 disables autopurge.
    pub autopurge_purge_interval_hours: u32,
    /// `metricsProvider.className`.
    pub metrics_provider_class_name: String,
    /// The other `metricsProvider.*` keys, without the prefix
    /// (e.g. `httpPort` → `7000`).
    pub metrics_provider_config: BTreeMap<String, String>,
    /// `4lw.commands.whitelist` / `zookeeper.4lw.commands.whitelist`.
    pub four_letter_whitelist: Whitelist,
    /// `admin.enableServer`: the HTTP AdminServer. ZooKeeper default true;
    /// zkrs's built-in default turns it off.
    pub admin_enable_server: bool,
    /// `admin.serverAddress`. Default `0.0.0.0`.
    pub admin_server_address: String,
    /// `admin.serverPort`. Default 8080.
    pub admin_server_port: u16,
    /// `snapCount`: txns between snapshots. Default 100000.
    pub snap_count: u32,
    /// `preAllocSize`: txn log preallocation in KiB. Default 65536.
    pub pre_alloc_size_kb: u64,
    /// `forceSync`: fsync the txn log (anything but `no`). Default true.
    pub force_sync: bool,
    /// `globalOutstandingLimit`. Default 1000.
    pub global_outstanding_limit: u32,
    /// The effective Java system properties (see [`SystemProperties`]).
    pub system_properties: SystemProperties,
    /// Everything reported with `tracing::warn!` while loading.
    pub warnings: Vec<String>,
}

/// Reads files next to the configuration (`dataDir/myid`, the dynamic config
/// file) for [`Config::parse`]: `Ok(None)` when the file does not exist.
pub type ReadFile<'a> = &'a dyn Fn(&Path) -> std::io::Result<Option<String>>;

impl Config {
    /// Reads `path` like `QuorumPeerMain` with one argument: the zoo.cfg (or
    /// Kafka `zookeeper.properties`) at `path`, the dynamic config file if it
    /// names one, and `dataDir/myid` if present. `jvm` holds the `-D` system
    /// properties (see [`crate::cli::Cli::system_properties`]).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when a file cannot be read; [`Error::Config`] when the
    /// configuration is invalid.
    pub fn load(path: &Path, jvm: &SystemProperties) -> Result<Config, Error> {
        let bytes = std::fs::read(path)
            .map_err(|e| Error::io(format!("reading configuration {}", path.display()), e))?;
        let text = decode_config_bytes(&bytes);
        let read_file = |p: &Path| -> std::io::Result<Option<String>> {
            // QuorumPeerConfig.setupMyId only reads myid when it `isFile()`.
            if !p.is_file() {
                return Ok(None);
            }
            std::fs::read(p).map(|b| Some(decode_config_bytes(&b)))
        };
        Config::parse(&text, path, jvm, &read_file)
    }

    /// Parses zoo.cfg `text` (from `origin`, used in messages). Files next to
    /// it are read through `read_file`, so this is pure when the caller wants.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the key (and line) at fault; [`Error::Io`] if
    /// `read_file` fails.
    pub fn parse(
        text: &str,
        origin: &Path,
        jvm: &SystemProperties,
        read_file: ReadFile<'_>,
    ) -> Result<Config, Error> {
        Parser::new(origin).run(text, jvm, read_file)
    }

    /// The built-in configuration used when zkrs starts without arguments:
    /// standalone, `clientPort=2181`, `tickTime=2000`, `initLimit=10`,
    /// `syncLimit=5`, `dataDir=./zkrs-data`, AdminServer off (unless
    /// `-Dzookeeper.admin.enableServer` says otherwise). `dataDir/myid` is
    /// not read.
    pub fn standalone_default(jvm: &SystemProperties) -> Config {
        let text = format!(
            "tickTime=2000\ninitLimit=10\nsyncLimit=5\ndataDir={DEFAULT_DATA_DIR}\n\
             clientPort={DEFAULT_CLIENT_PORT}\n"
        );
        let mut jvm = jvm.clone();
        if !jvm.contains("zookeeper.admin.enableServer") {
            jvm.set("zookeeper.admin.enableServer", "false");
        }
        let no_files = |_: &Path| -> std::io::Result<Option<String>> { Ok(None) };
        let mut config = Parser::new(Path::new("<built-in>"))
            .run(&text, &jvm, &no_files)
            .expect("the built-in default configuration is valid");
        config.config_path = None;
        config
    }

    /// The configuration of `zkrs PORT DATADIR [TICKTIME [MAXCNXNS]]`,
    /// ZooKeeper's `ServerConfig.parse(String[])`: standalone, no zoo.cfg.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when a number is malformed or the port out of range.
    pub fn from_command_line(
        port: &str,
        data_dir: &str,
        tick_time_ms: Option<&str>,
        max_client_cnxns: Option<&str>,
        jvm: &SystemProperties,
    ) -> Result<Config, Error> {
        let int_arg = |key: &str, text: &str| {
            parse_java_int(text)
                .ok_or_else(|| Error::config(key, format!("expected an integer, found {text:?}")))
        };
        let port_value = int_arg("clientPort", port)?;
        let client_port = u16::try_from(port_value)
            .map_err(|_| Error::config("clientPort", format!("port out of range: {port_value}")))?;
        let tick = match tick_time_ms {
            Some(t) => int_arg("tickTime", t)?,
            None => DEFAULT_TICK_TIME_MS as i32,
        };
        let tick_time_ms = positive_tick_time(tick, None, None)?;
        // ZK-COMPAT: ServerConfig.java: maxClientCnxns is 0 (unlimited) in this
        // mode, not 60.
        let max_cnxns = match max_client_cnxns {
            Some(m) => int_arg("maxClientCnxns", m)?.max(0) as u32,
            None => 0,
        };
        let (session_timeout_ms_min, session_timeout_ms_max) =
            session_timeouts(tick_time_ms, -1, -1, None, None)?;
        let mut parser = Parser::new(Path::new("<command line>"));
        let data_dir = PathBuf::from(data_dir);
        let mut config = Config::zookeeper_defaults(jvm);
        config.tick_time_ms = tick_time_ms;
        config.session_timeout_ms_min = session_timeout_ms_min;
        config.session_timeout_ms_max = session_timeout_ms_max;
        config.max_client_cnxns = max_cnxns;
        config.client_port = Some(client_port);
        config.data_log_dir = data_dir.clone();
        config.data_dir = data_dir;
        parser.apply_system_properties(&mut config, &BTreeMap::new());
        config.warnings = parser.warnings;
        Ok(config)
    }

    /// ZooKeeper's values for every field before any key is read; `dataDir`
    /// is empty and the fields derived from system properties are filled by
    /// `Parser::apply_system_properties`.
    fn zookeeper_defaults(jvm: &SystemProperties) -> Config {
        Config {
            config_path: None,
            tick_time_ms: DEFAULT_TICK_TIME_MS,
            init_limit_ticks: 0,
            sync_limit_ticks: 0,
            connect_to_learner_master_limit_ticks: 0,
            session_timeout_ms_min: DEFAULT_TICK_TIME_MS * 2,
            session_timeout_ms_max: DEFAULT_TICK_TIME_MS * 20,
            max_client_cnxns: DEFAULT_MAX_CLIENT_CNXNS,
            client_port: None,
            client_port_address: None,
            secure_client_port: None,
            secure_client_port_address: None,
            client_port_listen_backlog: None,
            observer_master_port: None,
            data_dir: PathBuf::new(),
            data_log_dir: PathBuf::new(),
            my_id: None,
            servers: BTreeMap::new(),
            dynamic_config_version: 0,
            dynamic_config_file: None,
            peer_type: PeerType::Participant,
            standalone_enabled: true,
            reconfig_enabled: false,
            quorum_listen_on_all_ips: false,
            local_sessions_enabled: false,
            local_sessions_upgrading_enabled: false,
            sync_enabled: true,
            autopurge_snap_retain_count: MIN_SNAP_RETAIN_COUNT,
            autopurge_purge_interval_hours: 0,
            metrics_provider_class_name: DEFAULT_METRICS_PROVIDER.to_owned(),
            metrics_provider_config: BTreeMap::new(),
            four_letter_whitelist: Whitelist::default(),
            admin_enable_server: true,
            admin_server_address: "0.0.0.0".to_owned(),
            admin_server_port: 8080,
            snap_count: 100_000,
            pre_alloc_size_kb: 65_536,
            force_sync: true,
            global_outstanding_limit: 1000,
            system_properties: jvm.clone(),
            warnings: Vec::new(),
        }
    }

    /// True when this server is part of an ensemble rather than standalone:
    /// more than one participant, or `standaloneEnabled=false`
    /// (`QuorumPeerConfig.isDistributed`).
    pub fn is_distributed(&self) -> bool {
        !self.standalone_enabled || self.voting_members().count() > 1
    }

    /// The participants among [`Config::servers`].
    pub fn voting_members(&self) -> impl Iterator<Item = &ServerSpec> {
        self.servers
            .values()
            .filter(|s| s.peer_type == PeerType::Participant)
    }

    /// Host and port for the client listener, e.g. `("0.0.0.0", 2181)`, or
    /// `None` when no client port is configured. The host is not resolved.
    pub fn client_bind_address(&self) -> Option<(&str, u16)> {
        let port = self.client_port?;
        Some((
            self.client_port_address.as_deref().unwrap_or("0.0.0.0"),
            port,
        ))
    }
}

/// `tickTime` must be positive: ZooKeeper rejects 0 ("tickTime is not set")
/// and, via the session timeout check, negative values.
fn positive_tick_time(tick: i32, file: Option<&Path>, line: Option<u32>) -> Result<u32, Error> {
    match tick {
        0 => Err(config_err(file, line, "tickTime", "tickTime is not set")),
        t if t < 0 => Err(config_err(
            file,
            line,
            "tickTime",
            format!("tickTime must be positive, found {t}"),
        )),
        t => Ok(t as u32),
    }
}

/// Session timeout bounds: -1 means 2 × / 20 × `tickTime`.
fn session_timeouts(
    tick_time_ms: u32,
    min: i32,
    max: i32,
    file: Option<&Path>,
    lines: Option<(Option<u32>, Option<u32>)>,
) -> Result<(u32, u32), Error> {
    let (min_line, max_line) = lines.unwrap_or((None, None));
    let resolve = |value: i32, factor: u32, key: &str, line| -> Result<u32, Error> {
        if value == -1 {
            tick_time_ms.checked_mul(factor).ok_or_else(|| {
                config_err(file, line, key, format!("tickTime × {factor} overflows"))
            })
        } else {
            u32::try_from(value).map_err(|_| {
                config_err(
                    file,
                    line,
                    key,
                    format!("must not be negative, found {value}"),
                )
            })
        }
    };
    let min = resolve(min, 2, "minSessionTimeout", min_line)?;
    let max = resolve(max, 20, "maxSessionTimeout", max_line)?;
    if min > max {
        return Err(config_err(
            file,
            min_line,
            "minSessionTimeout",
            format!("minSessionTimeout must not be larger than maxSessionTimeout ({min} > {max})"),
        ));
    }
    Ok((min, max))
}

fn config_err(
    file: Option<&Path>,
    line: Option<u32>,
    key: &str,
    message: impl Into<String>,
) -> Error {
    Error::Config {
        file: file.map(Path::to_path_buf),
        line,
        key: key.to_owned(),
        message: message.into(),
    }
}

/// Keys of `QuorumPeerConfig.parseProperties` that zkrs accepts and checks but
/// does not act on.
const IGNORED_ZOO_CFG_KEYS: &[&str] = &[
    "sslQuorum",
    "portUnification",
    "sslQuorumReloadCertFiles",
    "quorum.auth.enableSasl",
    "quorum.auth.serverRequireSasl",
    "quorum.auth.learnerRequireSasl",
    "quorum.auth.learner.saslLoginContext",
    "quorum.auth.server.saslLoginContext",
    "quorum.auth.kerberos.servicePrincipal",
    "quorum.cnxn.threads.size",
    "jvm.pause.info-threshold.ms",
    "jvm.pause.warn-threshold.ms",
    "jvm.pause.sleep.time.ms",
    "jvm.pause.monitor",
    "multiAddress.enabled",
    "multiAddress.reachabilityCheckTimeoutMs",
    "multiAddress.reachabilityCheckEnabled",
    "oraclePath",
];

/// One effective zoo.cfg entry (the last occurrence of its key).
#[derive(Debug, Clone)]
struct Entry {
    value: String,
    line: u32,
}

/// `server.N`, `group.N` and `weight.N` keys describe the quorum.
fn is_quorum_key(key: &str) -> bool {
    key.starts_with("server.") || key.starts_with("group") || key.starts_with("weight")
}

/// The quorum SASL switches, only checked for consistency.
#[derive(Debug, Default)]
struct Sasl {
    enable: bool,
    server_require: bool,
    learner_require: bool,
}

/// Values read from zoo.cfg that need checks once every key is known.
#[derive(Debug)]
struct Pending {
    data_dir: Option<PathBuf>,
    data_log_dir: Option<PathBuf>,
    /// Raw `tickTime` and its line.
    tick: (i32, Option<u32>),
    /// Raw `minSessionTimeout` (-1 = default) and its line.
    min_timeout: (i32, Option<u32>),
    /// Raw `maxSessionTimeout` (-1 = default) and its line.
    max_timeout: (i32, Option<u32>),
    /// Raw `autopurge.snapRetainCount` and its line.
    snap_retain: (i32, u32),
    metrics_class_line: Option<u32>,
    sasl: Sasl,
    /// System properties set by zoo.cfg keys.
    from_file: SystemProperties,
    /// For each of those: the zoo.cfg key and line (for warnings).
    file_origin: BTreeMap<String, (String, u32)>,
    /// `server.N` / `group` / `weight` / `version` entries.
    quorum_entries: Vec<(String, Entry)>,
}

impl Default for Pending {
    fn default() -> Self {
        Pending {
            data_dir: None,
            data_log_dir: None,
            tick: (DEFAULT_TICK_TIME_MS as i32, None),
            min_timeout: (-1, None),
            max_timeout: (-1, None),
            snap_retain: (MIN_SNAP_RETAIN_COUNT as i32, 0),
            metrics_class_line: None,
            sasl: Sasl::default(),
            from_file: SystemProperties::new(),
            file_origin: BTreeMap::new(),
            quorum_entries: Vec::new(),
        }
    }
}

/// State of one parse: where we read from and the warnings so far.
struct Parser {
    origin: PathBuf,
    warnings: Vec<String>,
}

impl Parser {
    fn new(origin: &Path) -> Self {
        Parser {
            origin: origin.to_path_buf(),
            warnings: Vec::new(),
        }
    }

    fn warn(&mut self, message: String) {
        tracing::warn!("{message}");
        self.warnings.push(message);
    }

    fn err(&self, key: &str, line: Option<u32>, message: impl Into<String>) -> Error {
        config_err(Some(&self.origin), line, key, message)
    }

    fn int(&self, key: &str, e: &Entry) -> Result<i32, Error> {
        parse_java_int(&e.value).ok_or_else(|| {
            self.err(
                key,
                Some(e.line),
                format!("expected an integer, found {:?}", e.value),
            )
        })
    }

    fn long(&self, key: &str, e: &Entry) -> Result<i64, Error> {
        parse_java_long(&e.value).ok_or_else(|| {
            self.err(
                key,
                Some(e.line),
                format!("expected an integer, found {:?}", e.value),
            )
        })
    }

    /// `QuorumPeerConfig.parseBoolean`: `true`/`false` in any case.
    fn boolean(&self, key: &str, e: &Entry) -> Result<bool, Error> {
        if e.value.eq_ignore_ascii_case("true") {
            Ok(true)
        } else if e.value.eq_ignore_ascii_case("false") {
            Ok(false)
        } else {
            Err(self.err(
                key,
                Some(e.line),
                format!("invalid option {:?}; choose 'true' or 'false'", e.value),
            ))
        }
    }

    fn port(&self, key: &str, e: &Entry) -> Result<u16, Error> {
        let value = self.int(key, e)?;
        u16::try_from(value)
            .map_err(|_| self.err(key, Some(e.line), format!("port out of range: {value}")))
    }

    fn non_negative(&self, key: &str, e: &Entry) -> Result<u32, Error> {
        let value = self.int(key, e)?;
        u32::try_from(value).map_err(|_| {
            self.err(
                key,
                Some(e.line),
                format!("must not be negative, found {value}"),
            )
        })
    }

    fn path(&mut self, key: &str, e: &Entry) -> Result<PathBuf, Error> {
        if e.value.is_empty() {
            return Err(self.err(key, Some(e.line), format!("{key} is empty")));
        }
        let path = PathBuf::from(&e.value);
        // VerifyingFileFactory.warnForRelativePath
        if !path.is_absolute() && !e.value.starts_with("./") {
            self.warn(format!(
                "{}:{}: {key} {} is relative. Prepend ./ to indicate that you're sure!",
                self.origin.display(),
                e.line,
                e.value
            ));
        }
        Ok(path)
    }

    /// Collapses duplicate keys (last wins, like `Properties.put`) and trims
    /// keys and values (`parseProperties` calls `trim()` on both).
    fn entries(&self, text: &str) -> Result<Vec<(String, Entry)>, Error> {
        let props = parse_properties(text)
            .map_err(|e| self.err(java_trim(&e.key), Some(e.line), e.message))?;
        let mut order: Vec<String> = Vec::new();
        let mut map: BTreeMap<String, Entry> = BTreeMap::new();
        for p in props {
            let key = java_trim(&p.key).to_owned();
            let entry = Entry {
                value: java_trim(&p.value).to_owned(),
                line: p.line,
            };
            if map.insert(key.clone(), entry).is_none() {
                order.push(key);
            }
        }
        Ok(order
            .into_iter()
            .map(|k| {
                let e = map.remove(&k).expect("every ordered key is in the map");
                (k, e)
            })
            .collect())
    }

    /// `QuorumPeerConfig.parse` + `parseProperties` + `setupQuorumPeerConfig`.
    fn run(
        mut self,
        text: &str,
        jvm: &SystemProperties,
        read_file: ReadFile<'_>,
    ) -> Result<Config, Error> {
        let entries = self.entries(text)?;
        let mut config = Config::zookeeper_defaults(jvm);
        config.config_path = Some(self.origin.clone());
        let mut pending = Pending::default();
        let has_dynamic_file = entries.iter().any(|(k, _)| k == "dynamicConfigFile");
        for (key, e) in &entries {
            if !self.read_key(key, e, &mut config, &mut pending, has_dynamic_file)? {
                self.read_other_key(key, e, &mut pending)?;
            }
        }
        self.check_sasl(&pending)?;
        self.finish_keys(&entries, &mut config, &mut pending)?;
        // The effective system properties: -D flags, then zoo.cfg on top.
        config.system_properties.extend_from(&pending.from_file);
        self.resolve_quorum(&mut config, &pending, read_file)?;
        self.check_quorum(&config)?;
        self.read_my_id(&mut config, read_file)?;
        self.setup_client_port(&mut config)?;
        self.setup_peer_type(&mut config, entries.iter().any(|(k, _)| k == "peerType"));
        self.check_validity(&config)?;
        self.apply_system_properties(&mut config, &pending.file_origin);
        config.warnings = self.warnings;
        Ok(config)
    }

    /// The keys `parseProperties` maps to fields. Returns false for the
    /// others.
    fn read_key(
        &mut self,
        key: &str,
        e: &Entry,
        config: &mut Config,
        pending: &mut Pending,
        has_dynamic_file: bool,
    ) -> Result<bool, Error> {
        let line = Some(e.line);
        match key {
            "dataDir" => pending.data_dir = Some(self.path(key, e)?),
            "dataLogDir" => pending.data_log_dir = Some(self.path(key, e)?),
            "clientPort" => config.client_port = Some(self.port(key, e)?),
            "clientPortAddress" => config.client_port_address = Some(e.value.clone()),
            "secureClientPort" => config.secure_client_port = Some(self.port(key, e)?),
            "secureClientPortAddress" => {
                config.secure_client_port_address = Some(e.value.clone());
            }
            "observerMasterPort" => {
                // "observerMasterPort is not set" for values <= 0.
                if self.int(key, e)? > 0 {
                    config.observer_master_port = Some(self.port(key, e)?);
                }
            }
            "clientPortListenBacklog" => {
                let backlog = self.int(key, e)?;
                config.client_port_listen_backlog = u32::try_from(backlog).ok().filter(|&b| b > 0);
            }
            "tickTime" => pending.tick = (self.int(key, e)?, line),
            "maxClientCnxns" => {
                // ZK-COMPAT: NIOServerCnxnFactory.java: only a positive limit
                // is enforced, so negative values mean unlimited.
                config.max_client_cnxns = self.int(key, e)?.max(0) as u32;
            }
            "minSessionTimeout" => pending.min_timeout = (self.int(key, e)?, line),
            "maxSessionTimeout" => pending.max_timeout = (self.int(key, e)?, line),
            "initLimit" => config.init_limit_ticks = self.non_negative(key, e)?,
            "syncLimit" => config.sync_limit_ticks = self.non_negative(key, e)?,
            "connectToLearnerMasterLimit" => {
                config.connect_to_learner_master_limit_ticks = self.non_negative(key, e)?;
            }
            "electionAlg" => {
                if self.int(key, e)? != 3 {
                    return Err(self.err(
                        key,
                        line,
                        "Invalid electionAlg value. Only 3 is supported.",
                    ));
                }
            }
            "quorumListenOnAllIPs" => config.quorum_listen_on_all_ips = self.boolean(key, e)?,
            "peerType" => {
                config.peer_type = PeerType::parse(&e.value).ok_or_else(|| {
                    self.err(key, line, format!("Unrecognised peertype: {}", e.value))
                })?;
            }
            "syncEnabled" => config.sync_enabled = self.boolean(key, e)?,
            "dynamicConfigFile" => config.dynamic_config_file = Some(PathBuf::from(&e.value)),
            "autopurge.snapRetainCount" => pending.snap_retain = (self.int(key, e)?, e.line),
            "autopurge.purgeInterval" => {
                // DatadirCleanupManager: <= 0 disables the purge task.
                config.autopurge_purge_interval_hours = self.int(key, e)?.max(0) as u32;
            }
            "standaloneEnabled" => config.standalone_enabled = self.boolean(key, e)?,
            "reconfigEnabled" => config.reconfig_enabled = self.boolean(key, e)?,
            "localSessionsEnabled" => config.local_sessions_enabled = self.boolean(key, e)?,
            "localSessionsUpgradingEnabled" => {
                config.local_sessions_upgrading_enabled = self.boolean(key, e)?;
            }
            k if is_quorum_key(k) && has_dynamic_file => {
                return Err(self.err(
                    key,
                    line,
                    format!("parameter: {key} must be in a separate dynamic config file"),
                ));
            }
            "metricsProvider.className" => {
                config.metrics_provider_class_name = e.value.clone();
                pending.metrics_class_line = line;
            }
            k if k.starts_with("metricsProvider.") => {
                let sub = &k["metricsProvider.".len()..];
                config
                    .metrics_provider_config
                    .insert(sub.to_owned(), e.value.clone());
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Keys `parseProperties` knows but zkrs ignores (checked for syntax like
    /// ZooKeeper does), and everything else, which becomes a system property.
    fn read_other_key(&mut self, key: &str, e: &Entry, pending: &mut Pending) -> Result<(), Error> {
        match key {
            "quorum.auth.enableSasl" => pending.sasl.enable = self.boolean(key, e)?,
            "quorum.auth.serverRequireSasl" => {
                pending.sasl.server_require = self.boolean(key, e)?
            }
            "quorum.auth.learnerRequireSasl" => {
                pending.sasl.learner_require = self.boolean(key, e)?;
            }
            "sslQuorum"
            | "portUnification"
            | "sslQuorumReloadCertFiles"
            | "jvm.pause.monitor"
            | "multiAddress.enabled"
            | "multiAddress.reachabilityCheckEnabled" => {
                self.boolean(key, e)?;
            }
            "quorum.cnxn.threads.size" | "multiAddress.reachabilityCheckTimeoutMs" => {
                self.int(key, e)?;
            }
            "jvm.pause.info-threshold.ms"
            | "jvm.pause.warn-threshold.ms"
            | "jvm.pause.sleep.time.ms" => {
                self.long(key, e)?;
            }
            k if IGNORED_ZOO_CFG_KEYS.contains(&k) => {}
            _ => {
                // ZK-COMPAT: QuorumPeerConfig.java: every other key becomes the
                // system property "zookeeper." + key, server.N lines included.
                let name = format!("zookeeper.{key}");
                pending.from_file.set(name.clone(), e.value.clone());
                pending.file_origin.insert(name, (key.to_owned(), e.line));
                if is_quorum_key(key) || key == "version" {
                    pending.quorum_entries.push((key.to_owned(), e.clone()));
                }
                return Ok(());
            }
        }
        self.warn_ignored_key(key, e);
        Ok(())
    }

    /// The quorum SASL consistency checks of `parseProperties`.
    fn check_sasl(&self, pending: &Pending) -> Result<(), Error> {
        let sasl = &pending.sasl;
        let fail = |key: &str, disabled: &str| {
            Err(self.err(
                key,
                None,
                format!("{disabled} is disabled, so cannot enable {key}"),
            ))
        };
        if !sasl.enable && sasl.server_require {
            return fail("quorum.auth.serverRequireSasl", "quorum.auth.enableSasl");
        }
        if !sasl.enable && sasl.learner_require {
            return fail("quorum.auth.learnerRequireSasl", "quorum.auth.enableSasl");
        }
        if !sasl.learner_require && sasl.server_require {
            return fail(
                "quorum.auth.serverRequireSasl",
                "quorum.auth.learnerRequireSasl",
            );
        }
        Ok(())
    }

    /// The checks and defaults `parseProperties` applies after its loop.
    fn finish_keys(
        &mut self,
        entries: &[(String, Entry)],
        config: &mut Config,
        pending: &mut Pending,
    ) -> Result<(), Error> {
        let line_of = |key: &str| entries.iter().find(|(k, _)| k == key).map(|(_, e)| e.line);
        let (retain, retain_line) = pending.snap_retain;
        if retain < MIN_SNAP_RETAIN_COUNT as i32 {
            self.warn(format!(
                "{}:{retain_line}: Invalid autopurge.snapRetainCount: {retain}. Defaulting to \
                 {MIN_SNAP_RETAIN_COUNT}",
                self.origin.display(),
            ));
        } else {
            config.autopurge_snap_retain_count = retain as u32;
        }

        let Some(data_dir) = pending.data_dir.take() else {
            return Err(self.err("dataDir", None, "dataDir is not set"));
        };
        config.data_log_dir = pending
            .data_log_dir
            .take()
            .unwrap_or_else(|| data_dir.clone());
        config.data_dir = data_dir;

        if config.client_port.is_none() && config.client_port_address.is_some() {
            return Err(self.err(
                "clientPortAddress",
                line_of("clientPortAddress"),
                "clientPortAddress is set but clientPort is not set",
            ));
        }
        if config.secure_client_port.is_none() && config.secure_client_port_address.is_some() {
            return Err(self.err(
                "secureClientPortAddress",
                line_of("secureClientPortAddress"),
                "secureClientPortAddress is set but secureClientPort is not set",
            ));
        }
        if let Some(line) = line_of("secureClientPort") {
            self.warn(format!(
                "{}:{line}: secureClientPort is set, but zkrs does not serve TLS yet; no \
                 secure listener will be opened",
                self.origin.display()
            ));
        }

        let (tick, tick_line) = pending.tick;
        config.tick_time_ms = positive_tick_time(tick, Some(&self.origin), tick_line)?;
        (config.session_timeout_ms_min, config.session_timeout_ms_max) = session_timeouts(
            config.tick_time_ms,
            pending.min_timeout.0,
            pending.max_timeout.0,
            Some(&self.origin),
            Some((pending.min_timeout.1, pending.max_timeout.1)),
        )?;

        let class = &config.metrics_provider_class_name;
        if class != DEFAULT_METRICS_PROVIDER && class != PROMETHEUS_METRICS_PROVIDER {
            let line = pending
                .metrics_class_line
                .map_or(String::new(), |l| format!(":{l}"));
            self.warn(format!(
                "{}{line}: metricsProvider.className {class} is not a metrics provider zkrs \
                 knows; using the default",
                self.origin.display(),
            ));
        }
        Ok(())
    }

    /// The server lines: from zoo.cfg, or from the dynamic config file.
    fn resolve_quorum(
        &mut self,
        config: &mut Config,
        pending: &Pending,
        read_file: ReadFile<'_>,
    ) -> Result<(), Error> {
        let multi_address = config.system_properties.multi_address_enabled();
        let Some(dyn_path) = config.dynamic_config_file.clone() else {
            let origin = self.origin.clone();
            (config.servers, config.dynamic_config_version) =
                self.quorum(&pending.quorum_entries, multi_address, &origin)?;
            return Ok(());
        };
        let text = read_file(&dyn_path)
            .map_err(|e| {
                Error::io(
                    format!("reading dynamic configuration {}", dyn_path.display()),
                    e,
                )
            })?
            .ok_or_else(|| {
                self.err(
                    "dynamicConfigFile",
                    None,
                    format!("{} does not exist", dyn_path.display()),
                )
            })?;
        let dyn_parser = Parser::new(&dyn_path);
        let dyn_entries = dyn_parser.entries(&text)?;
        for (key, e) in &dyn_entries {
            if key == "version" {
                return Err(dyn_parser.err(
                    key,
                    Some(e.line),
                    "dynamic file shouldn't have version inside",
                ));
            }
            if !is_quorum_key(key) {
                return Err(dyn_parser.err(
                    key,
                    Some(e.line),
                    format!("Unrecognised parameter: {key}"),
                ));
            }
        }
        (config.servers, _) = self.quorum(&dyn_entries, multi_address, &dyn_path)?;
        // QuorumPeerConfig.getVersionFromFilename: zoo.cfg.dynamic.100000000.
        config.dynamic_config_version = dyn_path
            .extension()
            .and_then(|x| x.to_str())
            .and_then(|x| u64::from_str_radix(x, 16).ok())
            .unwrap_or(0);
        Ok(())
    }

    fn warn_ignored_key(&mut self, key: &str, e: &Entry) {
        self.warn(format!(
            "{}:{}: {key} is a ZooKeeper setting that zkrs does not implement; ignored",
            self.origin.display(),
            e.line
        ));
    }

    /// `QuorumMaj(Properties)`: server lines and the config version.
    fn quorum(
        &self,
        lines: &[(String, Entry)],
        multi_address: bool,
        file: &Path,
    ) -> Result<(BTreeMap<u64, ServerSpec>, u64), Error> {
        let mut servers = BTreeMap::new();
        let mut version = 0;
        for (key, e) in lines {
            let err = |message: String| config_err(Some(file), Some(e.line), key, message);
            if key.starts_with("group") || key.starts_with("weight") {
                // Hierarchical quorums change what a quorum is; silently using
                // majorities instead would be unsafe.
                return Err(err(
                    "hierarchical quorums (group/weight) are not supported by zkrs".to_owned(),
                ));
            }
            if key == "version" {
                version = u64::from_str_radix(&e.value, 16)
                    .map_err(|_| err(format!("version {:?} is not a hex number", e.value)))?;
                continue;
            }
            let id_text = &key["server.".len()..];
            let id = parse_java_long(id_text)
                .and_then(|id| u64::try_from(id).ok())
                .ok_or_else(|| err(format!("server id {id_text:?} is not a number")))?;
            let spec = ServerSpec::parse(id, &e.value, multi_address).map_err(err)?;
            servers.insert(id, spec);
        }
        Ok((servers, version))
    }

    /// `QuorumPeerConfig.parseDynamicConfig`: membership sanity checks.
    fn check_quorum(&mut self, config: &Config) -> Result<(), Error> {
        let participants = config.voting_members().count();
        let observers = config.servers.len() - participants;
        if participants == 0 {
            if !config.standalone_enabled {
                return Err(self.err(
                    "standaloneEnabled",
                    None,
                    "standaloneEnabled = false then number of participants should be >0",
                ));
            }
            if observers > 0 {
                return Err(self.err(
                    "server",
                    None,
                    "Observers w/o participants is an invalid configuration",
                ));
            }
        } else if participants == 1 && config.standalone_enabled {
            self.warn(format!(
                "{}: Invalid configuration, only one server specified (ignoring)",
                self.origin.display()
            ));
            if observers > 0 {
                return Err(self.err(
                    "server",
                    None,
                    "Observers w/o quorum is an invalid configuration",
                ));
            }
        } else if participants <= 2 {
            self.warn("No server failure will be tolerated. You need at least 3 servers.".into());
        } else if participants % 2 == 0 {
            self.warn("Non-optimal configuration, consider an odd number of servers.".into());
        }
        Ok(())
    }

    /// `QuorumPeerConfig.setupMyId`: the first line of `dataDir/myid`, if the
    /// file exists.
    fn read_my_id(&self, config: &mut Config, read_file: ReadFile<'_>) -> Result<(), Error> {
        let path = config.data_dir.join("myid");
        let Some(text) =
            read_file(&path).map_err(|e| Error::io(format!("reading {}", path.display()), e))?
        else {
            return Ok(());
        };
        // BufferedReader.readLine: up to the first \n, \r or \r\n.
        let first = text.split(['\n', '\r']).next().unwrap_or("");
        // ZK-COMPAT: QuorumPeerConfig.java: Long.parseLong without trim, so
        // "1 " is rejected.
        let id = parse_java_long(first)
            .and_then(|id| u64::try_from(id).ok())
            .ok_or_else(|| {
                config_err(
                    Some(&path),
                    Some(1),
                    "myid",
                    format!("serverid {first} is not a number"),
                )
            })?;
        config.my_id = Some(id);
        Ok(())
    }

    /// `QuorumPeerConfig.setupClientPort`: this server's line may carry the
    /// client address, which must agree with `clientPort`.
    fn setup_client_port(&self, config: &mut Config) -> Result<(), Error> {
        let Some(my_id) = config.my_id else {
            return Ok(());
        };
        let Some(spec) = config.servers.get(&my_id) else {
            return Ok(());
        };
        let (Some(host), Some(port)) = (&spec.client_address, spec.client_port) else {
            return Ok(());
        };
        if let Some(static_port) = config.client_port {
            let static_host = config.client_port_address.as_deref();
            let wildcard = matches!(static_host, None | Some("0.0.0.0") | Some("::"));
            let conflict = if wildcard {
                static_port != port
            } else {
                static_host != Some(host.as_str()) || static_port != port
            };
            if conflict {
                return Err(self.err(
                    "clientPort",
                    None,
                    format!(
                        "client address for this server (id = {my_id}) in static config file \
                         is {}:{static_port} is different from client address found in \
                         dynamic file: {host}:{port}",
                        static_host.unwrap_or("0.0.0.0")
                    ),
                ));
            }
        }
        config.client_port = Some(port);
        config.client_port_address = Some(host.clone());
        Ok(())
    }

    /// `QuorumPeerConfig.setupPeerType`: the server list decides the role.
    fn setup_peer_type(&mut self, config: &mut Config, peer_type_given: bool) {
        let by_list = config
            .my_id
            .and_then(|id| config.servers.get(&id))
            .map_or(PeerType::Participant, |s| s.peer_type);
        if by_list != config.peer_type {
            if peer_type_given {
                self.warn(format!(
                    "Peer type from servers list ({}) doesn't match peerType ({}). Defaulting \
                     to servers list.",
                    by_list.as_str(),
                    config.peer_type.as_str()
                ));
            }
            config.peer_type = by_list;
        }
    }

    /// `QuorumPeerConfig.checkValidity`, plus the "my id not in the peer list"
    /// check `QuorumPeer.start` makes.
    fn check_validity(&self, config: &Config) -> Result<(), Error> {
        if !config.is_distributed() {
            return Ok(());
        }
        if config.init_limit_ticks == 0 {
            return Err(self.err("initLimit", None, "initLimit is not set"));
        }
        if config.sync_limit_ticks == 0 {
            return Err(self.err("syncLimit", None, "syncLimit is not set"));
        }
        let Some(my_id) = config.my_id else {
            return Err(self.err(
                "myid",
                None,
                format!(
                    "myid file is missing: {} must hold this server's id",
                    config.data_dir.join("myid").display()
                ),
            ));
        };
        if !config.servers.contains_key(&my_id) {
            return Err(self.err("myid", None, format!("My id {my_id} not in the peer list")));
        }
        Ok(())
    }

    /// Fills the fields that come from system properties and warns about the
    /// properties zkrs does not use or cannot parse.
    fn apply_system_properties(
        &mut self,
        config: &mut Config,
        file_origin: &BTreeMap<String, (String, u32)>,
    ) {
        let props = config.system_properties.clone();
        for (name, value) in props.iter() {
            let source = match file_origin.get(name) {
                Some((key, line)) => format!(
                    "{}:{line}: {key} (system property {name})",
                    self.origin.display()
                ),
                None => format!("system property {name}"),
            };
            match classify_property(name) {
                PropertyClass::Honoured(Some(kind)) => {
                    let (valid, default) = match kind {
                        PropertyKind::Decode { default } => {
                            (decode_java_long(value).is_some(), default)
                        }
                        PropertyKind::Decimal { default } => {
                            (parse_java_long(value).is_some(), default)
                        }
                        PropertyKind::Text => (true, 0),
                    };
                    if !valid {
                        self.warn(format!(
                            "{source}: {value:?} is not a number; using the default \
                             {default}, as ZooKeeper does"
                        ));
                    }
                }
                PropertyClass::Honoured(None) => {}
                PropertyClass::Jvm => {
                    tracing::debug!("{source}: JVM setting ignored");
                }
                PropertyClass::ZookeeperOnly => self.warn(format!(
                    "{source}: a ZooKeeper setting that zkrs does not implement; ignored"
                )),
                PropertyClass::Unknown => self.warn(format!(
                    "{source}: not a setting known to zkrs or ZooKeeper; ignored"
                )),
            }
        }

        let (whitelist, unknown) =
            Whitelist::parse(props.get(WHITELIST_PROPERTY), props.read_only_for_4lw());
        for entry in unknown {
            self.warn(format!(
                "{WHITELIST_PROPERTY}: {entry:?} is not a four letter word; ignored \
                 (entries are separated by commas)"
            ));
        }
        config.four_letter_whitelist = whitelist;
        config.admin_enable_server = props.admin_enable_server();
        config.admin_server_address = props.admin_server_address().to_owned();
        let admin_port = props.admin_server_port();
        config.admin_server_port = u16::try_from(admin_port).unwrap_or_else(|_| {
            self.warn(format!(
                "zookeeper.admin.serverPort {admin_port} is out of range; using 8080"
            ));
            8080
        });
        config.snap_count = props.snap_count() as u32; // at least 2
        config.pre_alloc_size_kb = props.pre_alloc_size_kb().max(0) as u64;
        config.force_sync = props.force_sync();
        config.global_outstanding_limit = props.global_outstanding_limit().max(0) as u32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(text: &str) -> Vec<(String, String, u32)> {
        parse_properties(text)
            .expect("valid properties")
            .into_iter()
            .map(|p| (p.key, p.value, p.line))
            .collect()
    }

    fn kv(k: &str, v: &str, line: u32) -> (String, String, u32) {
        (k.to_owned(), v.to_owned(), line)
    }

    #[test]
    fn properties_accept_all_three_separators() {
        assert_eq!(
            props("a=1\nb: 2\nc 3\nd\t=\t4\ne   :5\n"),
            [
                kv("a", "1", 1),
                kv("b", "2", 2),
                kv("c", "3", 3),
                kv("d", "4", 4),
                kv("e", "5", 5)
            ]
        );
    }

    #[test]
    fn properties_skip_comments_and_blank_lines() {
        assert_eq!(
            props("# comment\n  ! also comment\n\n   \nk=v # not a comment\n"),
            [kv("k", "v # not a comment", 5)]
        );
    }

    #[test]
    fn properties_keep_trailing_whitespace_and_second_separator() {
        assert_eq!(props("k = =v  \n"), [kv("k", "=v  ", 1)]);
        assert_eq!(props("k\n"), [kv("k", "", 1)]);
        assert_eq!(props("=v\n"), [kv("", "v", 1)]);
    }

    #[test]
    fn properties_join_continuation_lines() {
        assert_eq!(
            props("k = a,\\\n    b,\\\r\n\tc\nnext=1"),
            [kv("k", "a,b,c", 1), kv("next", "1", 4)]
        );
        // An even number of backslashes does not continue the line.
        assert_eq!(props("k=a\\\\\nj=b"), [kv("k", "a\\", 1), kv("j", "b", 2)]);
        // A comment line never continues.
        assert_eq!(props("#c\\\nk=v"), [kv("k", "v", 2)]);
        // Continuation onto a blank line ends the value.
        assert_eq!(props("k=a\\\n\nj=b"), [kv("k", "a", 1), kv("j", "b", 3)]);
        // Backslash at end of file is dropped.
        assert_eq!(props("k=a\\"), [kv("k", "a", 1)]);
    }

    #[test]
    fn properties_decode_escapes() {
        assert_eq!(
            props("a\\ b=c\\td\\u0041\\q\nx\\:y=1"),
            [kv("a b", "c\tdAq", 1), kv("x:y", "1", 2)]
        );
        assert_eq!(props("k=\\uD83D\\uDE00"), [kv("k", "\u{1F600}", 1)]);
    }

    #[test]
    fn properties_reject_malformed_unicode_escape() {
        assert_eq!(
            parse_properties("ok=1\nk=\\u12g4"),
            Err(PropertiesError {
                key: "k".into(),
                line: 2,
                message: "Malformed \\uxxxx encoding.".into()
            })
        );
        assert!(parse_properties("k=\\u12").is_err());
    }

    #[test]
    fn properties_handle_cr_only_line_ends() {
        assert_eq!(
            props("a=1\rb=2\r\rc=3"),
            [kv("a", "1", 1), kv("b", "2", 2), kv("c", "3", 4)]
        );
    }

    #[test]
    fn latin1_fallback_for_invalid_utf8() {
        assert_eq!(decode_config_bytes(b"k=caf\xe9"), "k=caf\u{e9}");
        assert_eq!(decode_config_bytes("k=café".as_bytes()), "k=café");
    }

    #[test]
    fn java_integer_parsing() {
        assert_eq!(parse_java_int("2000"), Some(2000));
        assert_eq!(parse_java_int("+5"), Some(5));
        assert_eq!(parse_java_int("-1"), Some(-1));
        assert_eq!(parse_java_int("2147483648"), None);
        assert_eq!(parse_java_int("0x10"), None);
        assert_eq!(parse_java_int(""), None);
        assert_eq!(parse_java_int("1_000"), None);
        assert_eq!(parse_java_int(" 1"), None);
    }

    #[test]
    fn java_integer_decoding() {
        assert_eq!(decode_java_int("0x100000"), Some(0x100000));
        assert_eq!(decode_java_int("#ff"), Some(255));
        assert_eq!(decode_java_int("010"), Some(8));
        assert_eq!(decode_java_int("0"), Some(0));
        assert_eq!(decode_java_int("-0x10"), Some(-16));
        assert_eq!(decode_java_int("-2147483648"), Some(i32::MIN));
        assert_eq!(decode_java_int("0x-1"), None);
        assert_eq!(decode_java_int("abc"), None);
        assert_eq!(decode_java_int("09"), None);
    }

    #[test]
    fn system_property_accessors_follow_java_rules() {
        let mut p = SystemProperties::new();
        assert!(!p.extended_types_enabled());
        assert_eq!(p.jute_max_buffer(), 0xfffff);
        assert!(p.admin_enable_server());
        assert!(p.close_session_txn_enabled());
        assert!(p.force_sync());
        assert_eq!(p.snap_count(), 100_000);
        p.set("zookeeper.extendedTypesEnabled", "TRUE");
        p.set("jute.maxbuffer", "0x200000");
        p.set("zookeeper.skipACL", "true");
        p.set("zookeeper.admin.enableServer", "False");
        p.set("zookeeper.closeSessionTxn.enabled", "yes");
        p.set("zookeeper.forceSync", "No");
        p.set("zookeeper.snapCount", "1");
        p.set("znode.container.checkIntervalMs", "junk");
        assert!(p.extended_types_enabled());
        assert_eq!(p.jute_max_buffer(), 0x200000);
        assert!(!p.skip_acl(), "only \"yes\" enables skipACL");
        assert!(
            p.admin_enable_server(),
            "only exactly \"false\" disables it"
        );
        assert!(!p.close_session_txn_enabled());
        assert!(p.force_sync(), "only exactly \"no\" disables it");
        assert_eq!(p.snap_count(), 2);
        assert_eq!(p.container_check_interval_ms(), 60_000);
        p.set("zookeeper.skipACL", "yes");
        assert!(p.skip_acl());
    }

    #[test]
    fn jvm_flags_keep_only_defines() {
        let p = SystemProperties::from_jvm_flags(
            "-Xmx512m -cp /x:/y -Dzookeeper.skipACL=yes -XX:+UseG1GC -Dflag \
             -Da=b=c -D -Dzookeeper.skipACL=no",
        );
        let all: Vec<_> = p.iter().collect();
        assert_eq!(
            all,
            [("a", "b=c"), ("flag", ""), ("zookeeper.skipACL", "no")]
        );
    }

    #[test]
    fn property_classes() {
        assert_eq!(
            classify_property("jute.maxbuffer"),
            PropertyClass::Honoured(Some(PropertyKind::Decode { default: 0xfffff }))
        );
        assert_eq!(
            classify_property("zookeeper.server.1"),
            PropertyClass::Honoured(None)
        );
        assert_eq!(classify_property("file.encoding"), PropertyClass::Jvm);
        assert_eq!(classify_property("zookeeper.log.dir"), PropertyClass::Jvm);
        assert_eq!(
            classify_property("zookeeper.root.logger"),
            PropertyClass::Jvm
        );
        assert_eq!(
            classify_property("zookeeper.ssl.keyStore.location"),
            PropertyClass::ZookeeperOnly
        );
        assert_eq!(
            classify_property("zookeeper.leaderServes"),
            PropertyClass::ZookeeperOnly
        );
        assert_eq!(classify_property("zookeeper.bogus"), PropertyClass::Unknown);
    }

    #[test]
    fn server_line_forms() {
        let s = ServerSpec::parse(1, "zk1:2888:3888", false).expect("valid");
        assert_eq!(
            s,
            ServerSpec {
                id: 1,
                addresses: vec![QuorumAddress {
                    host: "zk1".into(),
                    quorum_port: 2888,
                    election_port: 3888
                }],
                peer_type: PeerType::Participant,
                client_address: None,
                client_port: None,
            }
        );
        let s = ServerSpec::parse(2, "zk2:2888:3888:observer;2181", false).expect("valid");
        assert_eq!(s.peer_type, PeerType::Observer);
        assert_eq!(s.client_address.as_deref(), Some("0.0.0.0"));
        assert_eq!(s.client_port, Some(2181));
        let s =
            ServerSpec::parse(3, "[::1]:2888:3888:Participant;[::1]:2181", false).expect("valid");
        assert_eq!(s.addresses[0].host, "::1");
        assert_eq!(s.client_address.as_deref(), Some("::1"));
        let s = ServerSpec::parse(4, "a:1:2|b:3:4", true).expect("valid");
        assert_eq!(s.addresses.len(), 2);
    }

    #[test]
    fn server_line_errors() {
        let e = |v: &str| ServerSpec::parse(1, v, false).expect_err(v);
        assert!(e("zk1:2888").contains("does not have the form"));
        assert!(e("zk1:2888:3888:observer:x").contains("does not have the form"));
        assert!(e("zk1:2888:3888;a:b:c").contains("does not have the form"));
        assert_eq!(e("zk1:abc:3888"), "Address unresolved: zk1:abc");
        assert_eq!(e("zk1:2888:3888:boss"), "Unrecognised peertype: boss");
        assert!(e("zk1:2888:2888").starts_with("Client and election port must be different"));
        assert!(e("a:1:2|b:3:4").starts_with("Multiple address feature is disabled"));
        assert!(e("[::1:2888:3888").contains("no matching"));
        assert!(e("zk1:70000:3888").starts_with("Address unresolved"));
    }

    #[test]
    fn standalone_default_is_the_documented_one() {
        let c = Config::standalone_default(&SystemProperties::new());
        assert_eq!(c.client_port, Some(2181));
        assert_eq!(c.tick_time_ms, 2000);
        assert_eq!(c.session_timeout_ms_min, 4000);
        assert_eq!(c.session_timeout_ms_max, 40000);
        assert_eq!(c.data_dir, PathBuf::from("./zkrs-data"));
        assert!(!c.admin_enable_server);
        assert!(!c.is_distributed());
        assert_eq!(c.config_path, None);
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        let mut jvm = SystemProperties::new();
        jvm.set("zookeeper.admin.enableServer", "true");
        assert!(Config::standalone_default(&jvm).admin_enable_server);
    }

    #[test]
    fn command_line_mode_matches_server_config() {
        let c = Config::from_command_line("2182", "/tmp/zk", None, None, &SystemProperties::new())
            .expect("valid");
        assert_eq!(c.client_port, Some(2182));
        assert_eq!(c.tick_time_ms, 3000);
        assert_eq!(c.max_client_cnxns, 0);
        assert_eq!(c.session_timeout_ms_max, 60_000);
        assert_eq!(c.data_log_dir, PathBuf::from("/tmp/zk"));
        let e = Config::from_command_line("x", "/tmp", None, None, &SystemProperties::new())
            .expect_err("bad port");
        assert!(matches!(e, Error::Config { ref key, .. } if key == "clientPort"));
        let c =
            Config::from_command_line("1", "/d", Some("500"), Some("7"), &SystemProperties::new())
                .expect("valid");
        assert_eq!((c.tick_time_ms, c.max_client_cnxns), (500, 7));
    }
}
