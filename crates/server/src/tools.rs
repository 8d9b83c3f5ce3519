//! The offline subcommands of `zkrs` (see [`crate::cli::Tool`]): counterparts of
//! `zkTxnLogToolkit.sh` (`TxnLogToolkit`) and a data directory check.

use std::io::Write;
use std::process::ExitCode;

use crate::cli::Tool;
use crate::persist::recovery::{BaseSnapshot, RecoveryOptions};
use crate::persist::{dump, DataDirs};

/// Runs `tool`, printing to stdout; the exit code says whether it succeeded.
pub fn run(tool: &Tool) -> ExitCode {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result = match tool {
        Tool::TxnlogDump { file } => dump::dump_txn_log(file, &mut out),
        Tool::SnapshotDump { file, dump_data } => {
            dump::dump_snapshot(file, *dump_data, &mut out).map(|()| true)
        }
        Tool::CheckDatadir {
            data_dir,
            log_dir,
            extended_types,
            trust_empty,
        } => {
            let dirs = DataDirs::new(data_dir, log_dir.as_deref().unwrap_or(data_dir));
            let opts = RecoveryOptions {
                trust_empty_snapshot: *trust_empty,
                tree_config: datatree::TreeConfig {
                    extended_types_enabled: *extended_types,
                },
                repair: false,
                ..RecoveryOptions::default()
            };
            dump::check_datadir(&dirs, &opts, &load_snapshot, &mut out)
        }
    };
    let _ = out.flush();
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("zkrs: {e}");
            ExitCode::from(1)
        }
    }
}

/// The snapshot loader of the offline tools and the server.
///
/// # Errors
/// See [`crate::persist::snapshot_io::load_newest`].
pub fn load_snapshot(
    snap_dir: &std::path::Path,
    config: datatree::TreeConfig,
) -> Result<Option<BaseSnapshot>, crate::error::Error> {
    crate::persist::snapshot_io::load_newest(snap_dir, config)
}
