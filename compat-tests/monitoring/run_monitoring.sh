#!/usr/bin/env bash
# Monitoring differential suite: every four-letter word and AdminServer command on Apache
# ZooKeeper 3.8.0 and zkrs after the same workload, plus zkrs's Prometheus /metrics checked
# against ZooKeeper's metric names and types. See run_monitoring.py.
#
# Usage: run_monitoring.sh --out DIR
# Env:   ZKRS_BIN     the zkrs binary (required)
#        COMPAT_VENV  python venv with kazoo (default compat-tests/.work/venv)
# Prints `monitoring: N passed, N failed`; writes DIR/outcomes.txt (PASS/FAIL <check>).
# Exit status: 0 when every check passed, 1 otherwise, 2 on a setup error.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
compat=$(dirname "$here")
out=
while (($#)); do
    case $1 in
        --out) out=$2; shift 2 ;;
        *) echo "run_monitoring.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[[ -n $out ]] || { echo "run_monitoring.sh: --out DIR is required" >&2; exit 2; }
venv=${COMPAT_VENV:-$compat/.work/venv}
[[ -x $venv/bin/python ]] || { echo "monitoring: no venv at $venv (run compat-tests/setup.sh)" >&2; exit 2; }
[[ -n ${ZKRS_BIN:-} && -x ${ZKRS_BIN} ]] || { echo "monitoring: zkrs binary not found: '${ZKRS_BIN:-}'" >&2; exit 2; }
exec timeout -k 10 600 "$venv/bin/python" "$here/run_monitoring.py" --out "$out" --zkrs-bin "$ZKRS_BIN"
