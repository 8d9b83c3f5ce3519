#!/usr/bin/env bash
# Round trips of one data directory between Apache ZooKeeper 3.8.0 and zkrs (see
# run_durability.py). Prints `durability: N passed, N failed`; exit 1 on a failure.
#
# Env: ZKRS_BIN   the zkrs binary (default: target/release/zkrs, built here when unset)
#      DURABILITY_WORK   work directory (default: compat-tests/.work/durability)
# Needs what compat-tests/setup.sh installs (the zookeeper Debian package and a JDK).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
if [[ -z ${ZKRS_BIN:-} ]]; then
    (cd "$repo" && cargo build --release -p server >/dev/null)
    ZKRS_BIN=$repo/target/release/zkrs
fi
command -v javac >/dev/null || { echo "durability: javac missing (run compat-tests/setup.sh)" >&2; exit 1; }
exec timeout -k 30 900 python3 "$here/run_durability.py" --zkrs "$ZKRS_BIN" \
    --work "${DURABILITY_WORK:-$repo/compat-tests/.work/durability}"
