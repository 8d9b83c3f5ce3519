#!/usr/bin/env bash
# kazoo 2.11.0's own test suite (`pytest --pyargs kazoo.tests`), run through its own
# harness against a one-node "cluster". With --candidate zkrs (the default) a `java` shim
# first on PATH makes the harness start $ZKRS_BIN instead of QuorumPeerMain; with
# --candidate reference the harness runs Apache ZooKeeper 3.8.0 (validates the suite).
#
# Usage: run_kazoo.sh [--candidate zkrs|reference] --out DIR [-- extra pytest args]
# Env:   ZKRS_BIN            the zkrs binary (required for --candidate zkrs)
#        COMPAT_VENV         python venv with kazoo + test deps (default compat-tests/.work/venv)
#        KAZOO_TIMEOUT       whole-suite timeout in seconds (default 1200)
#        KAZOO_TEST_TIMEOUT  per-test timeout in seconds (default 45; see compat_plugin.py)
#        KAZOO_PYTEST_ARGS   extra pytest arguments, e.g. "-k 'not Gevent and not Eventlet'"
# Writes DIR/kazoo-outcomes.txt (PASS/FAIL/SKIP <test id>), DIR/kazoo-durations.txt
# (<seconds> <test id>) and DIR/kazoo-pytest.log.
# Exit status: 0 when pytest finished (whatever the test results), 3 on a suite timeout,
# 4 when zkrs fails the preflight (start + one kazoo session), 5 when pytest did not
# complete (crash, internal error), 2 on a setup error.
set -euo pipefail

# The body is one function, parsed completely before it runs: editing this file (or a
# git checkout) during a run cannot change what the running shell executes.
main() {

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
compat=$(dirname "$here")
candidate=zkrs
out=
while (($#)); do
    case $1 in
        --candidate) candidate=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --) shift; break ;;
        *) echo "run_kazoo.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[[ -n $out ]] || { echo "run_kazoo.sh: --out DIR is required" >&2; exit 2; }
mkdir -p "$out"
out=$(cd "$out" && pwd)

venv=${COMPAT_VENV:-$compat/.work/venv}
[[ -x $venv/bin/python ]] || { echo "kazoo: no venv at $venv (run compat-tests/setup.sh)" >&2; exit 2; }

real_java=$(command -v java) || { echo "kazoo: java not found" >&2; exit 2; }
export COMPAT_REAL_JAVA=$real_java
path=$PATH
case $candidate in
    zkrs)
        if [[ -z ${ZKRS_BIN:-} || ! -x ${ZKRS_BIN} ]]; then
            echo "kazoo: zkrs binary not found: '${ZKRS_BIN:-}'" >&2
            exit 2
        fi
        ZKRS_BIN=$(cd "$(dirname "$ZKRS_BIN")" && pwd)/$(basename "$ZKRS_BIN")
        export ZKRS_BIN
        path=$here/shim:$PATH
        ;;
    reference) unset ZKRS_BIN ;;
    *) echo "run_kazoo.sh: --candidate must be zkrs or reference" >&2; exit 2 ;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/kazoo-suite.XXXXXX")
pytest_pid=
# reap_group PGID: SIGTERM a process group, SIGKILL it if it is not gone within 15 s.
# timeout(1) leads its own group with pytest and every server the harness started; when
# pytest dies abruptly (a crash, a SIGKILL) nobody stops those servers but us.
reap_group() {
    local i
    kill -TERM -- "-$1" 2>/dev/null || return 0
    for ((i = 0; i < 150; i++)); do
        kill -0 -- "-$1" 2>/dev/null || return 0
        sleep 0.1   # polling for the group to exit, with a deadline
    done
    kill -KILL -- "-$1" 2>/dev/null || true
}
pytest_pgid=
cleanup() {
    trap '' TERM INT   # timeout(1) signals both us and our group: finish cleaning up
    if [[ -n $pytest_pid ]] && kill -0 "$pytest_pid" 2>/dev/null; then
        kill -TERM "$pytest_pid" 2>/dev/null || true   # timeout forwards it to its group
        wait "$pytest_pid" 2>/dev/null || true
    fi
    if [[ -n $pytest_pgid ]]; then reap_group "$pytest_pgid"; fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A block of 5 ports (client, election, quorum, admin, secure client) at 23000 + k*100.
# The harness binds them only while a server runs, so a free-port check alone would let
# two concurrent runs on one machine pick the same block: hold a lock on it as well (the
# fd is inherited by pytest and the servers, and released when they are all gone).
port_offset=
for base in $(seq 23000 100 29900); do
    exec {lockfd}>>"/tmp/compat-tests-kazoo-ports-$base.lock" || continue
    if flock -n "$lockfd" && python3 "$compat/lib/servers.py" port-block-free "$base" 5; then
        port_offset=$base
        break
    fi
    exec {lockfd}>&-
done
[[ -n $port_offset ]] || { echo "kazoo: no free port block in 23000-29999" >&2; exit 2; }
outcomes=$out/kazoo-outcomes.txt
durations=$out/kazoo-durations.txt
log=$out/kazoo-pytest.log
: >"$outcomes"
: >"$durations"

export ZOOKEEPER_VERSION=3.8.0
export ZOOKEEPER_CLASSPATH=$(python3 "$compat/lib/servers.py" classpath)
export ZOOKEEPER_CLUSTER_SIZE=1
export ZOOKEEPER_PORT_OFFSET=$port_offset
export CI=true
export COMPAT_OUTCOMES=$outcomes
export COMPAT_DURATIONS=$durations
export COMPAT_TEST_TIMEOUT=${KAZOO_TEST_TIMEOUT:-45}
export PYTHONPATH=$here${PYTHONPATH:+:$PYTHONPATH}
export PYTHONDONTWRITEBYTECODE=1
unset ZOOKEEPER_PATH ZOOKEEPER_JAAS_AUTH ZOOKEEPER_LOCAL_SESSION_RO ZOOKEEPER_OBSERVER_START_ID KRB5_TEST_ENV
mkdir -p "$work/tmp" "$work/run"
export TMPDIR=$work/tmp   # the harness mkdtemp()s each server's working dir here

suite_timeout=${KAZOO_TIMEOUT:-1200}
extra=()
if [[ -n ${KAZOO_PYTEST_ARGS:-} ]]; then
    eval "extra=(${KAZOO_PYTEST_ARGS})"
fi

if [[ $candidate == zkrs ]]; then
    # Fail fast when the server cannot even serve one session (see preflight.py).
    timeout -k 10 120 "$venv/bin/python" "$here/preflight.py" zkrs "$ZKRS_BIN" \
        >"$out/kazoo-preflight.log" 2>&1 &
    pytest_pgid=$!
    prc=0
    wait "$pytest_pgid" || prc=$?
    reap_group "$pytest_pgid"
    pytest_pgid=
    if ((prc != 0)); then
        cat "$out/kazoo-preflight.log" >&2
        echo "kazoo: zkrs failed the preflight; suite not run" >&2
        exit 4
    fi
fi

echo "kazoo: candidate=$candidate ports=$port_offset-$((port_offset + 4)) timeout=${suite_timeout}s log=$log"
start=$(date +%s)
set +e
(
    cd "$work/run"
    PATH=$path exec timeout -k 30 "$suite_timeout" \
        "$venv/bin/python" -m pytest --pyargs kazoo.tests \
        -p compat_plugin -p no:cacheprovider -p no:timeout \
        -v -rfE --color=no "${extra[@]}" "$@"
) >"$log" 2>&1 &
pytest_pid=$!
pytest_pgid=$pytest_pid   # timeout(1) calls setpgid(0, 0): it leads its own group
wait "$pytest_pid"
rc=$?
pytest_pid=
set -e
reap_group "$pytest_pgid"
pytest_pgid=
echo "kazoo: pytest exit status $rc after $(($(date +%s) - start))s"
sort -rn "$durations" | sed -n "1,5s/^/kazoo: slowest: /p"   # sed reads it all: no SIGPIPE under pipefail
elapsed=$(($(date +%s) - start))
if ((rc == 124 || (rc == 137 && elapsed >= suite_timeout))); then
    echo "kazoo: suite timed out after ${suite_timeout}s" >&2
    exit 3
fi
if ((rc > 1)); then
    # 0 = all passed, 1 = some tests failed; anything else (a crash, an internal or usage
    # error, no tests collected) means the run is incomplete.
    echo "kazoo: pytest did not complete normally (status $rc); tail of $log:" >&2
    tail -n 30 "$log" >&2
    exit 5
fi
exit 0
}

main "$@"
