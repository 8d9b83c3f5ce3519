//! zoo.cfg fixtures, good and bad, loaded from real files the way
//! `QuorumPeerMain zoo.cfg` would read them.
//!
//! Expected values and messages were checked against Apache ZooKeeper 3.8.0
//! (Debian's `zookeeper` package) started on the same files.

use std::fs;
use std::path::{Path, PathBuf};

use server::config::{Config, PeerType, SystemProperties, DEFAULT_METRICS_PROVIDER};
use server::error::Error;
use server::net::four_letter::{FourLetter, Whitelist};

/// A temporary directory with a zoo.cfg whose `@DATA@` placeholders point
/// into it.
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        Fixture {
            dir: tempfile::tempdir().expect("create temp dir"),
        }
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Writes `text` (with `@DATA@` replaced) as `name` and returns its path.
    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        let text = text.replace("@DATA@", &self.data_dir().display().to_string());
        fs::write(&path, text).expect("write fixture");
        path
    }

    fn my_id(&self, contents: &str) {
        fs::create_dir_all(self.data_dir()).expect("create data dir");
        fs::write(self.data_dir().join("myid"), contents).expect("write myid");
    }

    fn load(&self, text: &str) -> Result<Config, Error> {
        self.load_with(text, &SystemProperties::new())
    }

    fn load_with(&self, text: &str, jvm: &SystemProperties) -> Result<Config, Error> {
        Config::load(&self.file("zoo.cfg", text), jvm)
    }

    /// Loads a file that must be rejected and returns (key, line, message).
    fn reject(&self, text: &str) -> (String, Option<u32>, String) {
        match self.load(text) {
            Err(Error::Config {
                key, line, message, ..
            }) => (key, line, message),
            other => panic!("expected a configuration error, got {other:?}"),
        }
    }
}

/// ZooKeeper's conf/zoo_sample.cfg (comments abridged).
const ZOO_SAMPLE: &str = "\
# The number of milliseconds of each tick
tickTime=2000
# The number of ticks that the initial
# synchronization phase can take
initLimit=10
# The number of ticks that can pass between
# sending a request and getting an acknowledgement
syncLimit=5
# the directory where the snapshot is stored.
dataDir=@DATA@
# the port at which the clients will connect
clientPort=2181
#maxClientCnxns=60
#autopurge.snapRetainCount=3
#autopurge.purgeInterval=1

## Metrics Providers
#metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider
#metricsProvider.httpPort=7000
";

/// Kafka's config/zookeeper.properties (licence header abridged).
const KAFKA_ZOOKEEPER_PROPERTIES: &str = "\
# Licensed to the Apache Software Foundation (ASF) under one or more
# contributor license agreements.
# the directory where the snapshot is stored.
dataDir=@DATA@
# the port at which the clients will connect
clientPort=2181
# disable the per-ip limit on the number of connections since this is a non-production config
maxClientCnxns=0
# Disable the adminserver by default to avoid port conflicts.
# Set the port to something non-conflicting if choosing to enable this
admin.enableServer=false
# admin.serverPort=8080
";

const ENSEMBLE: &str = "\
tickTime=2000
initLimit=10
syncLimit=5
dataDir=@DATA@
clientPort=2181
server.1=zk1.example:2888:3888
server.2=zk2.example:2888:3888
server.3=zk3.example:2888:3888
server.4=zk4.example:2888:3888:observer
";

#[test]
fn zookeeper_sample_config_gets_zookeeper_defaults() {
    let fx = Fixture::new();
    let c = fx.load(ZOO_SAMPLE).expect("valid");
    assert_eq!(c.tick_time_ms, 2000);
    assert_eq!(c.init_limit_ticks, 10);
    assert_eq!(c.sync_limit_ticks, 5);
    assert_eq!(c.data_dir, fx.data_dir());
    assert_eq!(c.data_log_dir, fx.data_dir());
    assert_eq!(c.client_port, Some(2181));
    assert_eq!(c.client_bind_address(), Some(("0.0.0.0", 2181)));
    assert_eq!(c.session_timeout_ms_min, 4000);
    assert_eq!(c.session_timeout_ms_max, 40000);
    assert_eq!(c.max_client_cnxns, 60);
    assert_eq!(c.autopurge_snap_retain_count, 3);
    assert_eq!(c.autopurge_purge_interval_hours, 0);
    assert_eq!(c.metrics_provider_class_name, DEFAULT_METRICS_PROVIDER);
    assert_eq!(c.four_letter_whitelist, Whitelist::default());
    assert!(
        c.admin_enable_server,
        "ZooKeeper enables the AdminServer by default"
    );
    assert_eq!(c.admin_server_address, "0.0.0.0");
    assert_eq!(c.admin_server_port, 8080);
    assert_eq!(c.snap_count, 100_000);
    assert_eq!(c.pre_alloc_size_kb, 65_536);
    assert!(c.force_sync);
    assert_eq!(c.global_outstanding_limit, 1000);
    assert!(c.standalone_enabled);
    assert!(!c.reconfig_enabled);
    assert!(c.sync_enabled);
    assert_eq!(c.peer_type, PeerType::Participant);
    assert!(c.servers.is_empty());
    assert_eq!(c.my_id, None);
    assert!(!c.is_distributed());
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    assert_eq!(c.system_properties.jute_max_buffer(), 0xfffff);
}

#[test]
fn kafka_zookeeper_properties_work() {
    let fx = Fixture::new();
    let c = fx.load(KAFKA_ZOOKEEPER_PROPERTIES).expect("valid");
    // No tickTime: ZooKeeperServer.DEFAULT_TICK_TIME.
    assert_eq!(c.tick_time_ms, 3000);
    assert_eq!(c.session_timeout_ms_min, 6000);
    assert_eq!(c.session_timeout_ms_max, 60000);
    assert_eq!(c.max_client_cnxns, 0);
    assert!(!c.admin_enable_server);
    assert_eq!(
        c.system_properties.get("zookeeper.admin.enableServer"),
        Some("false")
    );
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn all_three_separators_and_continuations_are_accepted() {
    let fx = Fixture::new();
    let c = fx
        .load(
            "tickTime 2500\n\
             dataDir: @DATA@\n\
             clientPort = 2182\n\
             4lw.commands.whitelist=ruok, \\\n    conf\n",
        )
        .expect("valid");
    assert_eq!(c.tick_time_ms, 2500);
    assert_eq!(c.client_port, Some(2182));
    let words: Vec<_> = c.four_letter_whitelist.iter().collect();
    assert_eq!(
        words,
        [FourLetter::Conf, FourLetter::Ruok, FourLetter::Srvr]
    );
}

#[test]
fn values_are_trimmed_and_the_last_duplicate_wins() {
    let fx = Fixture::new();
    let c = fx
        .load("dataDir=@DATA@\t \ntickTime=1000\ntickTime=1500   \nclientPort=2181\n")
        .expect("valid");
    assert_eq!(c.tick_time_ms, 1500);
    assert_eq!(c.data_dir, fx.data_dir());
}

#[test]
fn explicit_session_timeouts_and_client_limits() {
    let fx = Fixture::new();
    let c = fx
        .load(
            "dataDir=@DATA@\nclientPort=2181\ntickTime=2000\nminSessionTimeout=1000\n\
             maxSessionTimeout=90000\nmaxClientCnxns=-1\nclientPortAddress=127.0.0.1\n\
             dataLogDir=@DATA@/log\nclientPortListenBacklog=128\n",
        )
        .expect("valid");
    assert_eq!(c.session_timeout_ms_min, 1000);
    assert_eq!(c.session_timeout_ms_max, 90000);
    assert_eq!(c.max_client_cnxns, 0, "negative means unlimited");
    assert_eq!(c.client_bind_address(), Some(("127.0.0.1", 2181)));
    assert_eq!(c.data_log_dir, fx.data_dir().join("log"));
    assert_eq!(c.client_port_listen_backlog, Some(128));
}

#[test]
fn missing_client_port_means_no_client_listener() {
    let fx = Fixture::new();
    let c = fx.load("dataDir=@DATA@\n").expect("valid");
    assert_eq!(c.client_port, None);
    assert_eq!(c.client_bind_address(), None);
    // ZooKeeper 3.9: clientPort=0 binds an ephemeral port.
    let c = fx.load("dataDir=@DATA@\nclientPort=0\n").expect("valid");
    assert_eq!(c.client_port, Some(0));
}

#[test]
fn unknown_keys_become_zookeeper_system_properties() {
    let fx = Fixture::new();
    let c = fx
        .load(
            "dataDir=@DATA@\nclientPort=2181\nsnapCount=5000\npreAllocSize=1024\n\
             forceSync=no\nglobalOutstandingLimit=50\nadmin.serverPort=9090\n\
             skipACL=yes\nextendedTypesEnabled=true\nnoSuchKey=1\nleaderServes=no\n",
        )
        .expect("valid");
    let p = &c.system_properties;
    assert_eq!(p.get("zookeeper.snapCount"), Some("5000"));
    assert_eq!(p.get("zookeeper.noSuchKey"), Some("1"));
    assert!(p.skip_acl());
    assert!(p.extended_types_enabled());
    assert_eq!(c.snap_count, 5000);
    assert_eq!(c.pre_alloc_size_kb, 1024);
    assert!(!c.force_sync);
    assert_eq!(c.global_outstanding_limit, 50);
    assert_eq!(c.admin_server_port, 9090);
    // Unknown and unimplemented settings are warnings naming file and line.
    assert_eq!(c.warnings.len(), 2, "{:?}", c.warnings);
    assert!(
        c.warnings[0].contains(":11: leaderServes"),
        "{:?}",
        c.warnings
    );
    assert!(
        c.warnings[0].contains("does not implement"),
        "{:?}",
        c.warnings
    );
    assert!(c.warnings[1].contains(":10: noSuchKey"), "{:?}", c.warnings);
    assert!(
        c.warnings[1].contains("not a setting known"),
        "{:?}",
        c.warnings
    );
}

#[test]
fn zoo_cfg_overrides_command_line_system_properties() {
    let fx = Fixture::new();
    let mut jvm = SystemProperties::new();
    jvm.set("zookeeper.4lw.commands.whitelist", "stat");
    jvm.set(
        "zookeeper.DigestAuthenticationProvider.superDigest",
        "super:abc",
    );
    jvm.set("file.encoding", "UTF-8");
    let c = fx
        .load_with(
            "dataDir=@DATA@\nclientPort=2181\n4lw.commands.whitelist=ruok\n",
            &jvm,
        )
        .expect("valid");
    // ZooKeeper calls System.setProperty after the JVM started.
    assert!(c.four_letter_whitelist.contains(FourLetter::Ruok));
    assert!(!c.four_letter_whitelist.contains(FourLetter::Stat));
    assert_eq!(c.system_properties.super_digest(), Some("super:abc"));
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn whitelist_from_system_property_and_read_only_mode() {
    let fx = Fixture::new();
    let mut jvm = SystemProperties::new();
    jvm.set("zookeeper.4lw.commands.whitelist", "mntr , conf,bogus");
    jvm.set("readonlymode.enabled", "true");
    let c = fx
        .load_with("dataDir=@DATA@\nclientPort=2181\n", &jvm)
        .expect("valid");
    let words: Vec<_> = c.four_letter_whitelist.iter().collect();
    assert_eq!(
        words,
        [
            FourLetter::Conf,
            FourLetter::Srvr,
            FourLetter::Mntr,
            FourLetter::Isro
        ]
    );
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
    assert!(c.warnings[0].contains("\"bogus\""), "{:?}", c.warnings);
}

#[test]
fn malformed_system_property_numbers_fall_back_to_defaults_with_a_warning() {
    let fx = Fixture::new();
    let mut jvm = SystemProperties::new();
    jvm.set("jute.maxbuffer", "lots");
    let c = fx
        .load_with("dataDir=@DATA@\nsnapCount=many\n", &jvm)
        .expect("valid");
    assert_eq!(c.system_properties.jute_max_buffer(), 0xfffff);
    assert_eq!(c.snap_count, 100_000);
    assert_eq!(c.warnings.len(), 2, "{:?}", c.warnings);
}

#[test]
fn ensemble_with_myid() {
    let fx = Fixture::new();
    fx.my_id("2\n");
    let c = fx.load(ENSEMBLE).expect("valid");
    assert!(c.is_distributed());
    assert_eq!(c.my_id, Some(2));
    assert_eq!(c.servers.len(), 4);
    assert_eq!(c.voting_members().count(), 3);
    let s2 = &c.servers[&2];
    assert_eq!(s2.addresses[0].host, "zk2.example");
    assert_eq!(s2.addresses[0].quorum_port, 2888);
    assert_eq!(s2.addresses[0].election_port, 3888);
    assert_eq!(c.servers[&4].peer_type, PeerType::Observer);
    assert_eq!(c.peer_type, PeerType::Participant);
    // ZooKeeper also exposes server lines as system properties.
    assert_eq!(
        c.system_properties.get("zookeeper.server.1"),
        Some("zk1.example:2888:3888")
    );
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn observer_takes_its_role_from_the_server_list() {
    let fx = Fixture::new();
    fx.my_id("4");
    let c = fx.load(ENSEMBLE).expect("valid");
    assert_eq!(c.peer_type, PeerType::Observer);
    let c = fx
        .load(&format!("{ENSEMBLE}peerType=participant\n"))
        .expect("valid");
    assert_eq!(c.peer_type, PeerType::Observer);
    assert!(
        c.warnings
            .iter()
            .any(|w| w.contains("doesn't match peerType")),
        "{:?}",
        c.warnings
    );
}

#[test]
fn client_address_from_the_server_line() {
    let fx = Fixture::new();
    fx.my_id("1");
    let text = "tickTime=2000\ninitLimit=5\nsyncLimit=2\ndataDir=@DATA@\n\
                server.1=127.0.0.1:2888:3888;127.0.0.1:2191\n\
                server.2=127.0.0.2:2888:3888;2192\nserver.3=127.0.0.3:2888:3888\n";
    let c = fx.load(text).expect("valid");
    assert_eq!(c.client_bind_address(), Some(("127.0.0.1", 2191)));
    let (key, _, message) = fx.reject(&format!("{text}clientPort=2181\n"));
    assert_eq!(key, "clientPort");
    assert!(
        message.contains("is different from client address"),
        "{message}"
    );
}

#[test]
fn one_participant_runs_standalone() {
    let fx = Fixture::new();
    let c = fx
        .load("dataDir=@DATA@\nclientPort=2181\nserver.1=localhost:2888:3888\n")
        .expect("valid");
    assert!(!c.is_distributed());
    assert!(
        c.warnings
            .iter()
            .any(|w| w.contains("only one server specified")),
        "{:?}",
        c.warnings
    );
}

#[test]
fn dynamic_config_file_holds_the_servers() {
    let fx = Fixture::new();
    fx.my_id("1");
    let dynamic = fx.file(
        "zoo.cfg.dynamic.100000000",
        "server.1=127.0.0.1:2888:3888:participant;127.0.0.1:2181\n\
         server.2=127.0.0.2:2888:3888:participant;127.0.0.2:2181\n\
         server.3=127.0.0.3:2888:3888:participant;127.0.0.3:2181\n",
    );
    let c = fx
        .load(&format!(
            "tickTime=2000\ninitLimit=5\nsyncLimit=2\ndataDir=@DATA@\nreconfigEnabled=true\n\
             dynamicConfigFile={}\n",
            dynamic.display()
        ))
        .expect("valid");
    assert!(c.is_distributed());
    assert!(c.reconfig_enabled);
    assert_eq!(c.servers.len(), 3);
    assert_eq!(c.dynamic_config_version, 0x1_0000_0000);
    assert_eq!(c.client_bind_address(), Some(("127.0.0.1", 2181)));
}

#[test]
fn server_lines_must_not_be_in_zoo_cfg_with_a_dynamic_file() {
    let fx = Fixture::new();
    let (key, line, message) =
        fx.reject("dataDir=@DATA@\ndynamicConfigFile=/nonexistent\nserver.1=a:1:2\n");
    assert_eq!(key, "server.1");
    assert_eq!(line, Some(3));
    assert!(message.contains("must be in a separate dynamic config file"));
}

#[test]
fn ensemble_without_myid_is_rejected() {
    let fx = Fixture::new();
    let (key, _, message) = fx.reject(ENSEMBLE);
    assert_eq!(key, "myid");
    assert!(message.starts_with("myid file is missing"), "{message}");
}

#[test]
fn myid_is_parsed_like_long_parse_long() {
    let fx = Fixture::new();
    fx.my_id("1 \n");
    let err = fx.load(ENSEMBLE).expect_err("trailing space");
    assert!(
        matches!(&err, Error::Config { key, message, .. }
            if key == "myid" && message == "serverid 1  is not a number"),
        "{err}"
    );
    fx.my_id("7\n");
    let (key, _, message) = fx.reject(ENSEMBLE);
    assert_eq!(key, "myid");
    assert_eq!(message, "My id 7 not in the peer list");
    fx.my_id("3\r\n");
    assert_eq!(fx.load(ENSEMBLE).expect("valid").my_id, Some(3));
}

#[test]
fn ensemble_needs_init_and_sync_limits() {
    let fx = Fixture::new();
    fx.my_id("1");
    let (key, _, message) = fx.reject(&ENSEMBLE.replace("initLimit=10\n", ""));
    assert_eq!(
        (key.as_str(), message.as_str()),
        ("initLimit", "initLimit is not set")
    );
    let (key, _, message) = fx.reject(&ENSEMBLE.replace("syncLimit=5\n", ""));
    assert_eq!(
        (key.as_str(), message.as_str()),
        ("syncLimit", "syncLimit is not set")
    );
}

#[test]
fn bad_values_name_the_key_and_line() {
    let fx = Fixture::new();
    let cases: &[(&str, &str, u32, &str)] = &[
        (
            "tickTime=abc\n",
            "tickTime",
            2,
            "expected an integer, found \"abc\"",
        ),
        ("clientPort=-5\n", "clientPort", 2, "port out of range: -5"),
        (
            "clientPort=70000\n",
            "clientPort",
            2,
            "port out of range: 70000",
        ),
        ("tickTime=0\n", "tickTime", 2, "tickTime is not set"),
        (
            "syncEnabled=yes\n",
            "syncEnabled",
            2,
            "invalid option \"yes\"",
        ),
        (
            "peerType=boss\n",
            "peerType",
            2,
            "Unrecognised peertype: boss",
        ),
        ("electionAlg=1\n", "electionAlg", 2, "Only 3 is supported"),
        (
            "maxSessionTimeout=1\n",
            "minSessionTimeout",
            0,
            "must not be larger",
        ),
        ("initLimit=-1\n", "initLimit", 2, "must not be negative"),
        (
            "server.1=zk1:2888\n",
            "server.1",
            2,
            "does not have the form",
        ),
        ("server.x=zk1:1:2\n", "server.x", 2, "is not a number"),
        ("group.1=1:2:3\n", "group.1", 2, "hierarchical quorums"),
        (
            "clientPortAddress=127.0.0.1\n",
            "clientPortAddress",
            2,
            "clientPort is not set",
        ),
        ("k=\\u00zz\n", "k", 2, "Malformed \\uxxxx encoding."),
    ];
    for (extra, key, line, message) in cases {
        let text = format!("dataDir=@DATA@\n{extra}");
        let (k, l, m) = fx.reject(&text);
        assert_eq!(k, *key, "{extra}");
        if *line > 0 {
            assert_eq!(l, Some(*line), "{extra}");
        }
        assert!(m.contains(message), "{extra}: {m}");
    }
}

#[test]
fn missing_data_dir_is_rejected() {
    let fx = Fixture::new();
    let (key, line, message) = fx.reject("tickTime=2000\nclientPort=2181\n");
    assert_eq!(key, "dataDir");
    assert_eq!(line, None);
    assert_eq!(message, "dataDir is not set");
}

#[test]
fn error_messages_point_at_the_file() {
    let fx = Fixture::new();
    let path = fx.file("zoo.cfg", "dataDir=/x\ntickTime=abc\n");
    let err = Config::load(&path, &SystemProperties::new()).expect_err("bad tickTime");
    assert_eq!(
        err.to_string(),
        format!(
            "{}:2: tickTime: expected an integer, found \"abc\"",
            path.display()
        )
    );
    assert_eq!(err.exit_code(), 2);
}

#[test]
fn sasl_requirements_are_checked_like_zookeeper() {
    let fx = Fixture::new();
    let (key, _, message) = fx.reject("dataDir=@DATA@\nquorum.auth.serverRequireSasl=true\n");
    assert_eq!(key, "quorum.auth.serverRequireSasl");
    assert!(message.contains("quorum.auth.enableSasl is disabled"));
}

#[test]
fn small_snap_retain_count_is_raised_to_three() {
    let fx = Fixture::new();
    let c = fx
        .load("dataDir=@DATA@\nautopurge.snapRetainCount=1\nautopurge.purgeInterval=24\n")
        .expect("valid");
    assert_eq!(c.autopurge_snap_retain_count, 3);
    assert_eq!(c.autopurge_purge_interval_hours, 24);
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
}

#[test]
fn metrics_provider_settings_are_kept() {
    let fx = Fixture::new();
    let c = fx
        .load(
            "dataDir=@DATA@\n\
             metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider\n\
             metricsProvider.httpPort=7000\nmetricsProvider.exportJvmInfo=true\n",
        )
        .expect("valid");
    assert!(c
        .metrics_provider_class_name
        .ends_with("PrometheusMetricsProvider"));
    assert_eq!(
        c.metrics_provider_config
            .get("httpPort")
            .map(String::as_str),
        Some("7000")
    );
    assert_eq!(c.metrics_provider_config.len(), 2);
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn relative_data_dir_gets_zookeepers_warning() {
    let fx = Fixture::new();
    let c = fx.load("dataDir=data\n").expect("valid");
    assert_eq!(c.data_dir, PathBuf::from("data"));
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
    assert!(c.warnings[0].contains("is relative"));
    let c = fx.load("dataDir=./data\n").expect("valid");
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn latin1_bytes_are_accepted() {
    let fx = Fixture::new();
    let path = fx.dir.path().join("zoo.cfg");
    fs::write(&path, b"dataDir=/tmp/caf\xe9\nclientPort=2181\n").expect("write");
    let c = Config::load(&path, &SystemProperties::new()).expect("valid");
    assert_eq!(c.data_dir, Path::new("/tmp/caf\u{e9}"));
}

#[test]
fn missing_file_is_an_io_error() {
    let err = Config::load(Path::new("/nonexistent/zoo.cfg"), &SystemProperties::new())
        .expect_err("no such file");
    assert!(matches!(err, Error::Io { .. }), "{err}");
    assert_eq!(err.exit_code(), 1);
}

#[test]
fn shipped_conf_zoo_cfg_is_valid() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../conf/zoo.cfg");
    let c = Config::load(&path, &SystemProperties::new()).expect("conf/zoo.cfg is valid");
    assert_eq!(c.client_port, Some(2181));
    assert_eq!(c.tick_time_ms, 2000);
    assert!(!c.is_distributed());
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}
