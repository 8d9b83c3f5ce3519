//! Startup and fatal errors of the zkrs server.
//!
//! Counterpart of ZooKeeper's `QuorumPeerConfig.ConfigException` (plus the
//! `IllegalArgumentException`s that `QuorumPeerConfig.parseProperties` throws),
//! the `IOException`s that abort `ZooKeeperServerMain` at startup, and the
//! corruption errors of `FileTxnLog` / `FileSnap`.
//!
//! Only failures of the environment live here (see design §2.3): a bad
//! zoo.cfg, an unreadable data directory, a corrupt log. ZooKeeper result codes
//! that travel on the wire are values (`ErrorCode`), never this type.

use std::fmt;
use std::path::{Path, PathBuf};

/// A fatal error: the server cannot start, or must stop.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration (zoo.cfg, the command line, `myid`, or a Java system
    /// property) is invalid. ZooKeeper exits with code 2 in this case.
    #[error("{}", describe_config(file.as_deref(), *line, key, message))]
    Config {
        /// The file the bad setting came from, when there is one.
        file: Option<PathBuf>,
        /// The 1-based line of `key` in `file`, when known.
        line: Option<u32>,
        /// The zoo.cfg key (or property name) at fault, e.g. `tickTime`.
        key: String,
        /// What is wrong, in words an operator can act on.
        message: String,
    },

    /// An I/O operation failed; `context` says what zkrs was doing.
    #[error("{context}: {source}")]
    Io {
        /// What zkrs was doing, e.g. `reading /etc/zookeeper/zoo.cfg`.
        context: String,
        /// The underlying operating-system error.
        #[source]
        source: std::io::Error,
    },

    /// A persisted file (txn log, snapshot, epoch file) is damaged.
    #[error("{}: corrupt at offset {offset}: {message}", file.display())]
    Corrupt {
        /// The damaged file.
        file: PathBuf,
        /// Byte offset of the first bad byte.
        offset: u64,
        /// What was found there.
        message: String,
    },
}

/// `Result` with this crate's [`enum@Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A configuration error about `key`, not tied to a file line.
    pub fn config(key: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Config {
            file: None,
            line: None,
            key: key.into(),
            message: message.into(),
        }
    }

    /// An I/O error with a description of what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// The process exit code ZooKeeper uses for this kind of failure
    /// (`org.apache.zookeeper.server.ExitCode`): 2 (`INVALID_INVOCATION`) for a
    /// bad configuration, 1 (`UNEXPECTED_ERROR`) otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Config { .. } => 2,
            Error::Io { .. } | Error::Corrupt { .. } => 1,
        }
    }
}

/// Tests compare errors with `assert_eq!`; `io::Error` has no `PartialEq`, so
/// two `Io` errors are equal when their context and `ErrorKind` match.
impl PartialEq for Error {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (
                Error::Config {
                    file: f1,
                    line: l1,
                    key: k1,
                    message: m1,
                },
                Error::Config {
                    file: f2,
                    line: l2,
                    key: k2,
                    message: m2,
                },
            ) => f1 == f2 && l1 == l2 && k1 == k2 && m1 == m2,
            (
                Error::Io {
                    context: c1,
                    source: s1,
                },
                Error::Io {
                    context: c2,
                    source: s2,
                },
            ) => c1 == c2 && s1.kind() == s2.kind(),
            (
                Error::Corrupt {
                    file: f1,
                    offset: o1,
                    message: m1,
                },
                Error::Corrupt {
                    file: f2,
                    offset: o2,
                    message: m2,
                },
            ) => f1 == f2 && o1 == o2 && m1 == m2,
            _ => false,
        }
    }
}

/// `zoo.cfg:7: tickTime: "abc" is not a number`, or without a location
/// `invalid configuration: dataDir: dataDir is not set`.
fn describe_config(file: Option<&Path>, line: Option<u32>, key: &str, message: &str) -> String {
    struct Location<'a>(Option<&'a Path>, Option<u32>);
    impl fmt::Display for Location<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match (self.0, self.1) {
                (Some(file), Some(line)) => write!(f, "{}:{line}", file.display()),
                (Some(file), None) => write!(f, "{}", file.display()),
                (None, Some(line)) => write!(f, "line {line}"),
                (None, None) => f.write_str("invalid configuration"),
            }
        }
    }
    format!("{}: {key}: {message}", Location(file, line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_error_names_file_line_and_key() {
        let err = Error::Config {
            file: Some(PathBuf::from("conf/zoo.cfg")),
            line: Some(7),
            key: "tickTime".into(),
            message: "\"abc\" is not a number".into(),
        };
        assert_eq!(
            err.to_string(),
            "conf/zoo.cfg:7: tickTime: \"abc\" is not a number"
        );
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn config_error_without_location_still_names_the_key() {
        let err = Error::config("dataDir", "dataDir is not set");
        assert_eq!(
            err.to_string(),
            "invalid configuration: dataDir: dataDir is not set"
        );
    }

    #[test]
    fn io_errors_compare_by_context_and_kind() {
        let a = Error::io(
            "reading x",
            std::io::Error::from(std::io::ErrorKind::NotFound),
        );
        let b = Error::io("reading x", std::io::Error::other("no"));
        let c = Error::io("reading x", std::io::ErrorKind::NotFound.into());
        assert_ne!(a, b);
        assert_eq!(a, c);
        assert_eq!(a.exit_code(), 1);
        assert!(a.to_string().starts_with("reading x: "));
    }

    #[test]
    fn corrupt_error_reports_offset() {
        let err = Error::Corrupt {
            file: PathBuf::from("version-2/log.1"),
            offset: 42,
            message: "CRC check failed".into(),
        };
        assert_eq!(
            err.to_string(),
            "version-2/log.1: corrupt at offset 42: CRC check failed"
        );
    }
}
