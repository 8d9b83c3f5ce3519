//! The `zkrs` command line.
//!
//! Counterpart of ZooKeeper's `quorum/QuorumPeerMain.main` and
//! `ZooKeeperServerMain.main` argument handling, plus the part of
//! `bin/zkServer.sh` / `zkEnv.sh` that turns `SERVER_JVMFLAGS` and `JVMFLAGS`
//! into `-D` system properties.
//!
//! ```text
//! zkrs                                   standalone, built-in defaults (port 2181, ./zkrs-data)
//! zkrs conf/zoo.cfg                      the given zoo.cfg (or Kafka zookeeper.properties)
//! zkrs 2181 /var/lib/zk [2000 [60]]      ZooKeeperServerMain's PORT DATADIR [TICKTIME [MAXCNXNS]]
//! zkrs -Dzookeeper.skipACL=yes zoo.cfg   Java system properties, as for the JVM
//! ```
//!
//! Precedence of system properties, lowest first: `SERVER_JVMFLAGS`, then
//! `JVMFLAGS` (zkServer.sh passes `$SERVER_JVMFLAGS $JVMFLAGS` to the JVM,
//! where a later `-D` wins), then `-D` on the zkrs command line, then zoo.cfg
//! keys (ZooKeeper's `System.setProperty("zookeeper." + key)` runs after the
//! JVM started, so it overrides flags).
//!
//! Offline tools are subcommands; the positional arguments conflict with them
//! (`args_conflicts_with_subcommands`), so `zkrs zoo.cfg` still means a config:
//!
//! ```text
//! zkrs txnlog-dump DATADIR/version-2/log.1       like zkTxnLogToolkit.sh
//! zkrs snapshot-dump [-d] .../snapshot.0         like zkSnapShotToolkit.sh
//! zkrs check-datadir DATADIR [--log-dir DIR]     verify snapshots + logs, recover in memory
//! ```

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::{Config, SystemProperties};
use crate::error::Error;

/// Command-line arguments of `zkrs`.
#[derive(Debug, Clone, PartialEq, Eq, Parser)]
#[command(
    name = "zkrs",
    version,
    args_conflicts_with_subcommands = true,
    about = "A ZooKeeper-compatible coordination server",
    long_about = "A ZooKeeper-compatible coordination server.\n\n\
        Without arguments zkrs runs standalone on port 2181 with its data in ./zkrs-data.\n\
        With one argument it reads that zoo.cfg (Kafka's zookeeper.properties works too).\n\
        With 2 to 4 arguments they are PORT DATADIR [TICKTIME [MAXCLIENTCNXNS]], as for\n\
        ZooKeeper's ZooKeeperServerMain.\n\n\
        Java system properties are accepted as -Dname=value, and are also read from the\n\
        SERVER_JVMFLAGS and JVMFLAGS environment variables (other JVM flags there are\n\
        ignored)."
)]
pub struct Cli {
    /// Java system property, e.g. -Dzookeeper.4lw.commands.whitelist=*
    /// (repeatable).
    #[arg(short = 'D', value_name = "NAME=VALUE")]
    pub defines: Vec<String>,

    /// zoo.cfg path, or PORT DATADIR optionally followed by TICKTIME and MAXCLIENTCNXNS.
    #[arg(value_name = "CONFIG", num_args = 0..=4)]
    pub args: Vec<String>,

    /// An offline tool instead of the server.
    #[command(subcommand)]
    pub tool: Option<Tool>,
}

/// Offline tools over a data directory (the server must not be running on it for
/// `check-datadir` to be meaningful).
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum Tool {
    /// Print a txn log file as ZooKeeper's zkTxnLogToolkit.sh does.
    TxnlogDump {
        /// A `log.<zxid>` file.
        file: PathBuf,
    },
    /// Print a snapshot file as ZooKeeper's zkSnapShotToolkit.sh does.
    SnapshotDump {
        /// A `snapshot.<zxid>` file.
        file: PathBuf,
        /// Print each znode's data (base64) instead of its length.
        #[arg(short = 'd', long = "dump-data")]
        dump_data: bool,
    },
    /// Verify a data directory: every snapshot and log, then a full recovery in memory.
    /// Changes nothing. Exit status 0 when a server would start on it.
    CheckDatadir {
        /// `dataDir` (the directory that holds `version-2`).
        data_dir: PathBuf,
        /// `dataLogDir`, when the logs live elsewhere.
        #[arg(long)]
        log_dir: Option<PathBuf>,
        /// `zookeeper.extendedTypesEnabled=true` (TTL nodes).
        #[arg(long)]
        extended_types: bool,
        /// `zookeeper.snapshot.trust.empty=true` (logs without a snapshot).
        #[arg(long)]
        trust_empty: bool,
    },
}

/// Where the configuration comes from, decided by the positional arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    /// No arguments: [`Config::standalone_default`].
    BuiltInDefault,
    /// One argument: a zoo.cfg file.
    File(PathBuf),
    /// Two to four arguments, as for `ZooKeeperServerMain`.
    CommandLine {
        /// The client port, unparsed.
        port: String,
        /// The data directory (also the log directory).
        data_dir: String,
        /// `tickTime` in milliseconds, unparsed.
        tick_time_ms: Option<String>,
        /// `maxClientCnxns`, unparsed.
        max_client_cnxns: Option<String>,
    },
}

/// The JVM flag variables zkServer.sh reads. Pass them in explicitly so tests
/// do not depend on the process environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JvmFlags {
    /// `SERVER_JVMFLAGS`: flags for the server only.
    pub server_jvmflags: Option<String>,
    /// `JVMFLAGS`: flags for every ZooKeeper program; wins over
    /// `SERVER_JVMFLAGS`.
    pub jvmflags: Option<String>,
}

impl JvmFlags {
    /// Reads `SERVER_JVMFLAGS` and `JVMFLAGS` from the process environment.
    pub fn from_env() -> Self {
        JvmFlags {
            server_jvmflags: std::env::var("SERVER_JVMFLAGS").ok(),
            jvmflags: std::env::var("JVMFLAGS").ok(),
        }
    }
}

impl Cli {
    /// Which configuration the positional arguments ask for.
    pub fn source(&self) -> ConfigSource {
        match self.args.as_slice() {
            [] => ConfigSource::BuiltInDefault,
            [path] => ConfigSource::File(PathBuf::from(path)),
            [port, data_dir, rest @ ..] => ConfigSource::CommandLine {
                port: port.clone(),
                data_dir: data_dir.clone(),
                tick_time_ms: rest.first().cloned(),
                max_client_cnxns: rest.get(1).cloned(),
            },
        }
    }

    /// The system properties before zoo.cfg is read: `SERVER_JVMFLAGS`, then
    /// `JVMFLAGS`, then the `-D` arguments, later ones winning.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a `-D` argument without a name (`-D=value`).
    pub fn system_properties(&self, env: &JvmFlags) -> Result<SystemProperties, Error> {
        let mut props = SystemProperties::new();
        for flags in [&env.server_jvmflags, &env.jvmflags].into_iter().flatten() {
            props.extend_from(&SystemProperties::from_jvm_flags(flags));
        }
        for definition in &self.defines {
            if !props.define(definition) {
                return Err(Error::config(
                    format!("-D{definition}"),
                    "a system property needs a name: -Dname=value",
                ));
            }
        }
        Ok(props)
    }

    /// Builds the configuration this command line asks for: the system
    /// properties (see [`Cli::system_properties`]) applied to the built-in
    /// default, the zoo.cfg file, or the `PORT DATADIR` arguments.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for an invalid configuration, [`Error::Io`] when
    /// zoo.cfg or `myid` cannot be read.
    pub fn load_config(&self, env: &JvmFlags) -> Result<Config, Error> {
        let jvm = self.system_properties(env)?;
        match self.source() {
            ConfigSource::BuiltInDefault => Ok(Config::standalone_default(&jvm)),
            ConfigSource::File(path) => Config::load(&path, &jvm),
            ConfigSource::CommandLine {
                port,
                data_dir,
                tick_time_ms,
                max_client_cnxns,
            } => Config::from_command_line(
                &port,
                &data_dir,
                tick_time_ms.as_deref(),
                max_client_cnxns.as_deref(),
                &jvm,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("zkrs").chain(args.iter().copied()))
            .expect("valid command line")
    }

    #[test]
    fn clap_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn long_help_documents_the_invocation_forms() {
        use clap::CommandFactory;
        let help = Cli::command().render_long_help().to_string();
        for needle in [
            "-D <NAME=VALUE>",
            "[CONFIG]...",
            "SERVER_JVMFLAGS",
            "./zkrs-data",
        ] {
            assert!(help.contains(needle), "{needle} missing from:\n{help}");
        }
    }

    #[test]
    fn subcommands_are_tools_and_plain_arguments_stay_configs() {
        assert_eq!(
            cli(&["txnlog-dump", "log.1"]).tool,
            Some(Tool::TxnlogDump {
                file: "log.1".into()
            })
        );
        let c = cli(&["check-datadir", "/d", "--log-dir", "/l"]);
        assert!(matches!(c.tool, Some(Tool::CheckDatadir { .. })));
        assert!(c.args.is_empty());
        assert_eq!(cli(&["zoo.cfg"]).tool, None);
        assert_eq!(cli(&[]).tool, None);
    }

    #[test]
    fn no_arguments_means_built_in_default() {
        assert_eq!(cli(&[]).source(), ConfigSource::BuiltInDefault);
    }

    #[test]
    fn one_argument_is_a_config_file() {
        assert_eq!(
            cli(&["conf/zoo.cfg"]).source(),
            ConfigSource::File("conf/zoo.cfg".into())
        );
    }

    #[test]
    fn two_to_four_arguments_are_port_and_data_dir() {
        assert_eq!(
            cli(&["2181", "/data", "2000", "10"]).source(),
            ConfigSource::CommandLine {
                port: "2181".into(),
                data_dir: "/data".into(),
                tick_time_ms: Some("2000".into()),
                max_client_cnxns: Some("10".into()),
            }
        );
        assert!(Cli::try_parse_from(["zkrs", "1", "2", "3", "4", "5"]).is_err());
    }

    #[test]
    fn java_style_defines_before_the_config() {
        let c = cli(&[
            "-Dzookeeper.extendedTypesEnabled=true",
            "-Dzookeeper.DigestAuthenticationProvider.superDigest=super:xyz=",
            "zoo.cfg",
        ]);
        assert_eq!(c.source(), ConfigSource::File("zoo.cfg".into()));
        let p = c.system_properties(&JvmFlags::default()).expect("valid");
        assert!(p.extended_types_enabled());
        assert_eq!(p.super_digest(), Some("super:xyz="));
    }

    #[test]
    fn defines_accept_negative_and_empty_values() {
        let c = cli(&["-Dzookeeper.snapCount=-5", "-Dflag", "-D", "x=1"]);
        let p = c.system_properties(&JvmFlags::default()).expect("valid");
        assert_eq!(p.get("zookeeper.snapCount"), Some("-5"));
        assert_eq!(p.get("flag"), Some(""));
        assert_eq!(p.get("x"), Some("1"));
    }

    #[test]
    fn define_without_a_name_is_an_error() {
        let c = cli(&["-D", "=oops"]);
        assert!(c.system_properties(&JvmFlags::default()).is_err());
    }

    #[test]
    fn command_line_wins_over_jvmflags_which_win_over_server_jvmflags() {
        let env = JvmFlags {
            server_jvmflags: Some("-Xmx1g -Da=server -Db=server -Dc=server".into()),
            jvmflags: Some("-cp /x -Db=jvm -Dc=jvm".into()),
        };
        let p = cli(&["-Dc=cli"]).system_properties(&env).expect("valid");
        assert_eq!(p.get("a"), Some("server"));
        assert_eq!(p.get("b"), Some("jvm"));
        assert_eq!(p.get("c"), Some("cli"));
        assert_eq!(p.len(), 3);
    }

    #[test]
    fn load_config_without_arguments_uses_the_default() {
        let env = JvmFlags {
            server_jvmflags: Some("-Dzookeeper.4lw.commands.whitelist=*".into()),
            jvmflags: None,
        };
        let config = cli(&[]).load_config(&env).expect("valid");
        assert_eq!(config.client_port, Some(2181));
        assert!(config.four_letter_whitelist.is_wildcard());
    }

    #[test]
    fn load_config_from_port_and_data_dir() {
        let config = cli(&["2999", "/tmp/zkrs-cli-test"])
            .load_config(&JvmFlags::default())
            .expect("valid");
        assert_eq!(config.client_port, Some(2999));
        assert_eq!(config.data_dir, PathBuf::from("/tmp/zkrs-cli-test"));
    }
}
