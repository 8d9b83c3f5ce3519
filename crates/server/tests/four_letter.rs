//! Four-letter words: detection, whitelist handling and reply text.
//!
//! The expected bytes were captured from Apache ZooKeeper 3.8.0 (Debian's
//! `zookeeper` package) with `printf <word> | nc 127.0.0.1 <port>`; only the
//! version line differs by design (see `full_version`).

use server::config::SystemProperties;
use server::metrics::{ServerMode, ServerStats};
use server::net::four_letter::{
    detect, format_srvr, format_stat, full_version, is_allowed, java_double_to_string, refusal,
    telnet_close_reply, FourLetter, Whitelist, NOT_SERVING, RUOK_REPLY, TELNET_CLOSE,
};

const ALL_WORDS: [&str; 18] = [
    "conf", "cons", "crst", "dirs", "dump", "envi", "gtmk", "ruok", "stmk", "srvr", "srst", "stat",
    "wchc", "wchp", "wchs", "mntr", "isro", "hash",
];

#[test]
fn every_zookeeper_word_is_detected() {
    for name in ALL_WORDS {
        let bytes: [u8; 4] = name.as_bytes().try_into().expect("four bytes");
        let word = detect(&bytes).unwrap_or_else(|| panic!("{name} not detected"));
        assert_eq!(word.as_str(), name);
    }
    assert_eq!(FourLetter::ALL.len(), ALL_WORDS.len());
}

#[test]
fn request_lengths_are_not_words() {
    // A ConnectRequest starts with its length, e.g. 44 or 45 bytes.
    assert_eq!(detect(&44i32.to_be_bytes()), None);
    assert_eq!(detect(&45i32.to_be_bytes()), None);
    assert_eq!(detect(b"RUOK"), None);
    assert_eq!(detect(b"ruo\n"), None);
    assert_eq!(detect(&TELNET_CLOSE), None);
}

#[test]
fn default_server_allows_only_srvr() {
    let whitelist = SystemProperties::new().four_letter_whitelist();
    for word in FourLetter::ALL {
        assert_eq!(
            is_allowed(word, &whitelist),
            word == FourLetter::Srvr,
            "{word}"
        );
    }
}

#[test]
fn refusal_bytes_match_zookeeper() {
    // printf ruok | nc 127.0.0.1 21812 against ZooKeeper 3.8.0 with no whitelist.
    assert_eq!(
        refusal(FourLetter::Ruok).as_bytes(),
        b"ruok is not executed because it is not in the whitelist.\n"
    );
    assert_eq!(
        refusal(FourLetter::Stat),
        "stat is not executed because it is not in the whitelist.\n"
    );
    assert_eq!(
        refusal(FourLetter::Isro),
        "isro is not executed because it is not in the whitelist.\n"
    );
}

#[test]
fn ruok_reply_has_no_newline() {
    assert_eq!(RUOK_REPLY.as_bytes(), b"imok");
    assert_eq!(
        NOT_SERVING,
        "This ZooKeeper instance is not currently serving requests\n"
    );
}

#[test]
fn whitelist_property_semantics() {
    let mut props = SystemProperties::new();
    props.set("zookeeper.4lw.commands.whitelist", "*");
    assert!(props.four_letter_whitelist().is_wildcard());
    props.set("zookeeper.4lw.commands.whitelist", "ruok,stat");
    let list = props.four_letter_whitelist();
    assert!(is_allowed(FourLetter::Ruok, &list));
    assert!(is_allowed(FourLetter::Stat, &list));
    assert!(is_allowed(FourLetter::Srvr, &list));
    assert!(!is_allowed(FourLetter::Mntr, &list));
    assert!(!is_allowed(FourLetter::Isro, &list));
    props.set("readonlymode.enabled", "true");
    assert!(is_allowed(FourLetter::Isro, &props.four_letter_whitelist()));
    // FourLetterCommands compares with equals("true").
    props.set("readonlymode.enabled", "TRUE");
    assert!(!is_allowed(
        FourLetter::Isro,
        &props.four_letter_whitelist()
    ));
}

#[test]
fn telnet_close_gets_the_refusal_text_unless_everything_is_allowed() {
    assert_eq!(
        telnet_close_reply(&Whitelist::default()).as_deref(),
        Some("telnet close is not executed because it is not in the whitelist.\n")
    );
    assert_eq!(telnet_close_reply(&Whitelist::all()), None);
}

#[test]
fn srvr_matches_zookeeper_byte_for_byte_apart_from_the_version() {
    // Captured from ZooKeeper 3.8.0, fresh standalone server:
    let zookeeper = "Zookeeper version: 3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC\n\
                     Latency min/avg/max: 0/0.0/0\n\
                     Received: 7\n\
                     Sent: 8\n\
                     Connections: 1\n\
                     Outstanding: 0\n\
                     Zxid: 0x0\n\
                     Mode: standalone\n\
                     Node count: 5\n";
    let mut stats = ServerStats::new(ServerMode::Standalone);
    stats.packets_received = 7;
    stats.packets_sent = 8;
    stats.alive_connections = 1;
    stats.node_count = 5;
    let ours = format_srvr(&stats);
    let (zk_version, zk_rest) = zookeeper.split_once('\n').expect("two parts");
    let (our_version, our_rest) = ours.split_once('\n').expect("two parts");
    assert_eq!(our_rest, zk_rest);
    assert_eq!(
        our_version,
        format!("Zookeeper version: {}", full_version())
    );
    assert!(zk_version.starts_with("Zookeeper version: 3.8.0-"));
    assert!(our_version.starts_with("Zookeeper version: 3.8.0-"));
}

#[test]
fn srvr_mode_line_is_what_zkserver_sh_status_greps_for() {
    for (mode, line) in [
        (ServerMode::Standalone, "Mode: standalone"),
        (ServerMode::Leader, "Mode: leader"),
        (ServerMode::Follower, "Mode: follower"),
        (ServerMode::Observer, "Mode: observer"),
        (ServerMode::ReadOnly, "Mode: read-only"),
    ] {
        let text = format_srvr(&ServerStats::new(mode));
        assert!(text.lines().any(|l| l == line), "{text}");
    }
}

#[test]
fn stat_matches_zookeeper_layout() {
    // Captured from ZooKeeper 3.8.0 (printf stat | nc), after the version line:
    let zookeeper_rest = "Clients:\n /127.0.0.1:56928[0](queued=0,recved=1,sent=0)\n\n\
                          Latency min/avg/max: 0/0.0/0\n\
                          Received: 11\n\
                          Sent: 13\n\
                          Connections: 1\n\
                          Outstanding: 0\n\
                          Zxid: 0x0\n\
                          Mode: standalone\n\
                          Node count: 5\n";
    let mut stats = ServerStats::new(ServerMode::Standalone);
    stats.packets_received = 11;
    stats.packets_sent = 13;
    stats.alive_connections = 1;
    stats.node_count = 5;
    let clients = [" /127.0.0.1:56928[0](queued=0,recved=1,sent=0)".to_owned()];
    let ours = format_stat(&stats, &clients);
    let (_, our_rest) = ours.split_once('\n').expect("version line");
    assert_eq!(our_rest, zookeeper_rest);
}

#[test]
fn average_latency_prints_like_java_doubles() {
    let mut stats = ServerStats::new(ServerMode::Standalone);
    for ms in [0, 0, 1] {
        stats.record_latency(ms);
    }
    assert!(format_srvr(&stats).contains("Latency min/avg/max: 0/0.3333/1\n"));
    // Values ZooKeeper prints in scientific notation (checked with
    // Double.toString on OpenJDK 17).
    assert_eq!(java_double_to_string(1.0e-4), "1.0E-4");
    assert_eq!(java_double_to_string(1.0e7), "1.0E7");
    assert_eq!(java_double_to_string(9_999_999.5), "9999999.5");
}
