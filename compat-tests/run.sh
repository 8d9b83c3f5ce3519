#!/usr/bin/env bash
# zkrs test command: cargo tests + compatibility suites against real ZooKeeper clients.
#
# Usage: compat-tests/run.sh [options] [suite ...]
#   suites:  cargo zkcli kazoo monitoring durability diff kafka curator c-client
#            (default: all, in that order)
#   --skip-cargo              do not run `cargo test --workspace`
#   --reference               run the suites against Apache ZooKeeper 3.8.0 instead of zkrs
#                             (validates the harness: expect zero zkcli diffs and only the
#                             known kazoo failures)
#   --write-zkcli-expected    regenerate compat-tests/zkcli/expected.txt from the reference
#                             server and exit
# Env:
#   ZKRS_BIN      zkrs binary to test (default: target/release/zkrs, built here with
#                 `cargo build --release -p server`; when set, nothing is built)
#   COMPAT_OUT    results directory (default: compat-tests/.work/results)
#   KAZOO_TIMEOUT, KAZOO_TEST_TIMEOUT, KAZOO_PYTEST_ARGS   see kazoo/run_kazoo.sh
#
# Prints `<suite>: N passed, N failed` per suite and a final `N passed, N failed` line.
# Exit status 1 when cargo test failed or a suite had a failure that is not listed in its
# known-failures.txt (or could not run); known failures that now pass are only reported.
set -euo pipefail

# The body is one function, parsed completely before it runs: editing this file (or a
# git checkout) during a run cannot change what the running shell executes.
main() {

compat=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$compat")
cd "$repo"

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

suites=()
skip_cargo=0
candidate=zkrs
write_expected=0
while (($#)); do
    case $1 in
        cargo | zkcli | kazoo | monitoring | durability | diff | kafka | curator | c-client) suites+=("$1") ;;
        --skip-cargo) skip_cargo=1 ;;
        --reference) candidate=reference ;;
        --write-zkcli-expected) write_expected=1 ;;
        -h | --help) usage; exit 0 ;;
        *) echo "run.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
((${#suites[@]})) || suites=(cargo zkcli kazoo monitoring durability diff kafka curator c-client)
if ((skip_cargo)); then
    filtered=()
    for s in "${suites[@]}"; do [[ $s == cargo ]] || filtered+=("$s"); done
    suites=("${filtered[@]+"${filtered[@]}"}")
fi
wants() { local s; for s in "${suites[@]+"${suites[@]}"}"; do [[ $s == "$1" ]] && return 0; done; return 1; }

default_out=$compat/.work/results
if [[ $candidate == reference ]]; then default_out=$compat/.work/results-reference; fi
out=${COMPAT_OUT:-$default_out}
rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)

# --- bounded child processes, stopped on exit ------------------------------------------
child=
on_exit() {
    trap '' TERM INT
    if [[ -n $child ]]; then
        if kill -0 "$child" 2>/dev/null; then
            kill -TERM "$child" 2>/dev/null || true
            wait "$child" 2>/dev/null || true
        fi
        reap_group "$child"
    fi
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# run_bounded SECONDS LOGFILE CMD...: run CMD under timeout(1) (its own process group, so a
# timeout or our trap takes down everything it started); output to LOGFILE ("-": ours).
run_bounded() {
    local secs=$1 logfile=$2 rc pid
    shift 2
    if [[ $logfile == - ]]; then
        timeout -k 30 "$secs" "$@" &
    else
        timeout -k 30 "$secs" "$@" >"$logfile" 2>&1 &
    fi
    pid=$!
    child=$pid
    rc=0
    wait "$pid" || rc=$?
    child=
    reap_group "$pid"   # whatever the command left behind in timeout's process group
    return "$rc"
}

# reap_group PGID: SIGTERM a process group, SIGKILL it if it is not gone within 15 s.
reap_group() {
    local i
    kill -TERM -- "-$1" 2>/dev/null || return 0
    for ((i = 0; i < 150; i++)); do
        kill -0 -- "-$1" 2>/dev/null || return 0
        sleep 0.1   # polling for the group to exit, with a deadline
    done
    kill -KILL -- "-$1" 2>/dev/null || true
}

failed_any=0
total_pass=0
total_fail=0
add_counts() {
    local p f
    read -r p f <"$1"
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
}

reference_flag=()
if [[ $candidate == reference ]]; then reference_flag=(--reference-run); fi
t_all=$SECONDS
run_bounded 900 - "$compat/setup.sh" || { echo "run.sh: compat-tests/setup.sh failed" >&2; exit 1; }

if ((write_expected)); then
    run_bounded 600 - python3 "$compat/zkcli/run_zkcli.py" --write-expected --out "$out/zkcli"
    exit $?
fi

# --- the zkrs binary -------------------------------------------------------------------
zkrs_ok=1
if [[ $candidate == zkrs ]] && [[ ${#suites[@]} -gt 0 ]] && ! { ((${#suites[@]} == 1)) && wants cargo; }; then
    if [[ -n ${ZKRS_BIN:-} ]]; then
        echo "run.sh: using ZKRS_BIN=$ZKRS_BIN (not building)"
    else
        ZKRS_BIN=$repo/target/release/zkrs
        t0=$SECONDS
        if ! run_bounded 1800 "$out/cargo-build.log" cargo build --release -p server; then
            echo "run.sh: cargo build --release -p server FAILED; tail of $out/cargo-build.log:"
            tail -n 40 "$out/cargo-build.log"
            failed_any=1
            zkrs_ok=0   # never test a stale binary
        fi
        echo "run.sh: cargo build --release -p server took $((SECONDS - t0))s"
    fi
    if [[ ! -x $ZKRS_BIN || -d $ZKRS_BIN ]]; then
        echo "run.sh: zkrs binary missing: $ZKRS_BIN"
        zkrs_ok=0
        failed_any=1
    else
        ZKRS_BIN=$(cd "$(dirname "$ZKRS_BIN")" && pwd)/$(basename "$ZKRS_BIN")
    fi
    export ZKRS_BIN
fi

# --- cargo test ------------------------------------------------------------------------
if wants cargo; then
    t0=$SECONDS
    rc=0
    run_bounded 1200 "$out/cargo-test.log" cargo test --workspace --no-fail-fast --color never || rc=$?
    read -r p f < <(awk '/^test result: /{
            for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i }
        } END { print p + 0, f + 0 }' "$out/cargo-test.log")
    echo "cargo: $p passed, $f failed"
    echo "$p $f" >"$out/cargo.counts"
    add_counts "$out/cargo.counts"
    if ((rc != 0)); then
        failed_any=1
        echo "cargo: cargo test --workspace exited with status $rc; log: $out/cargo-test.log"
        grep -E '^(error(\[E[0-9]+\])?:|test .* FAILED|---- .* stdout ----|failures:$|    [A-Za-z_:0-9]+$)' \
            "$out/cargo-test.log" | head -n 60 || true
    fi
    echo "cargo: took $((SECONDS - t0))s"
fi

# --- zkcli -----------------------------------------------------------------------------
if wants zkcli; then
    t0=$SECONDS
    broken=()
    if [[ $candidate == zkrs && $zkrs_ok == 0 ]]; then
        broken=(--broken "no usable zkrs binary (build failed or missing); suite not run")
    else
        rc=0
        run_bounded 600 - python3 "$compat/zkcli/run_zkcli.py" --candidate "$candidate" \
            --out "$out/zkcli" || rc=$?
        ((rc == 0)) || broken=(--broken "zkcli runner exited with status $rc")
    fi
    rc=0
    python3 "$compat/lib/report.py" --suite zkcli --outcomes "$out/zkcli/outcomes.txt" \
        --known "$compat/zkcli/known-failures.txt" --counts "$out/zkcli.counts" \
        "${broken[@]+"${broken[@]}"}" ${reference_flag[@]+"${reference_flag[@]}"} || rc=$?
    ((rc == 0)) || failed_any=1
    add_counts "$out/zkcli.counts"
    if [[ -s $out/zkcli/diff.txt ]]; then echo "zkcli: diffs: $out/zkcli/diff.txt"; fi
    echo "zkcli: took $((SECONDS - t0))s"
fi

# --- kazoo -----------------------------------------------------------------------------
if wants kazoo; then
    t0=$SECONDS
    broken=()
    if [[ $candidate == zkrs && $zkrs_ok == 0 ]]; then
        broken=(--broken "no usable zkrs binary (build failed or missing); suite not run")
    else
        # run_kazoo.sh bounds pytest itself (KAZOO_TIMEOUT); this is a backstop.
        rc=0
        run_bounded $((${KAZOO_TIMEOUT:-1200} + 120)) - "$compat/kazoo/run_kazoo.sh" \
            --candidate "$candidate" --out "$out/kazoo" || rc=$?
        case $rc in
            0) ;;
            5) broken=(--broken "pytest did not complete (crashed or internal error); see the log") ;;
            4) broken=(--broken "zkrs failed the preflight (start + one kazoo session); suite not run") ;;
            3) broken=(--broken "suite timed out (KAZOO_TIMEOUT=${KAZOO_TIMEOUT:-1200}s); tests not reached are not counted") ;;
            *) broken=(--broken "kazoo runner exited with status $rc") ;;
        esac
    fi
    rc=0
    python3 "$compat/lib/report.py" --suite kazoo --outcomes "$out/kazoo/kazoo-outcomes.txt" \
        --known "$compat/kazoo/known-failures.txt" --counts "$out/kazoo.counts" \
        "${broken[@]+"${broken[@]}"}" ${reference_flag[@]+"${reference_flag[@]}"} || rc=$?
    ((rc == 0)) || failed_any=1
    add_counts "$out/kazoo.counts"
    echo "kazoo: log: $out/kazoo/kazoo-pytest.log"
    echo "kazoo: took $((SECONDS - t0))s"
fi

# --- suites that print their own `<suite>: N passed, N failed` line --------------------
# run_counted SUITE SECONDS KIND CMD...: runs CMD, takes the counts from its output (a run
# without that line counts as one failure) and fails on a non-zero exit status. KIND
# `pair`: the suite compares zkrs with the reference itself (not run with --reference);
# `either`: CMD gets `--candidate zkrs|reference` appended.
run_counted() {
    local name=$1 secs=$2 kind=$3 rc=0 line p f
    shift 3
    t0=$SECONDS
    if [[ $kind == pair && $candidate != zkrs ]]; then
        echo "$name: runs against zkrs only (it compares zkrs with the reference itself)"
        return
    fi
    if [[ $kind == either ]]; then set -- "$@" --candidate "$candidate"; fi
    if [[ $candidate == zkrs ]] && ((zkrs_ok == 0)); then
        echo "$name: not run: no usable zkrs binary"
        echo "0 1" >"$out/$name.counts"
    else
        run_bounded "$secs" "$out/$name.log" "$@" || rc=$?
        line=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed" "$out/$name.log" | tail -n 1 || true)
        if [[ -n $line ]]; then
            read -r p f < <(sed -E 's/^[^:]+: ([0-9]+) passed, ([0-9]+) failed.*/\1 \2/' <<<"$line")
        else
            p=0 f=1
        fi
        if ((rc != 0 && f == 0)); then f=1; fi
        echo "$p $f" >"$out/$name.counts"
    fi
    read -r p f <"$out/$name.counts"
    echo "$name: $p passed, $f failed"
    # The runners exit non-zero only on unexpected failures (known ones are counted, not
    # fatal) or when they could not run.
    if ((rc != 0)); then
        failed_any=1
        echo "$name: exit status $rc; log: $out/$name.log"
        tail -n 30 "$out/$name.log" 2>/dev/null || true
    fi
    add_counts "$out/$name.counts"
    echo "$name: took $((SECONDS - t0))s"
}

if wants monitoring; then
    run_counted monitoring 700 pair "$compat/monitoring/run_monitoring.sh" --out "$out/monitoring"
fi
if wants durability; then
    run_counted durability 1000 pair env DURABILITY_WORK="$out/durability-work" \
        "$compat/durability/run.sh"
fi
if wants diff; then
    run_counted diff 900 pair python3 "$compat/diff/difftest.py" --out "$out/diff"
fi
if wants kafka; then
    run_counted kafka 600 either python3 "$compat/kafka/run_kafka.py" --out "$out/kafka"
fi
if wants curator; then
    run_counted curator 600 either python3 "$compat/curator/run_curator.py" --out "$out/curator"
fi
if wants c-client; then
    run_counted c-client 600 either python3 "$compat/c-client/run_c_client.py" --out "$out/c-client"
fi

# --- the compatibility matrix ---------------------------------------------------------
# run-info.txt describes this run; a run of every suite into the default directory
# regenerates compat-tests/RESULTS.md from it and the other server's last run, any other
# run writes its matrix next to its results only.
{
    echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "commit=$(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)"
    if [[ $candidate == zkrs && -n ${ZKRS_BIN:-} && -x ${ZKRS_BIN:-} ]]; then
        echo "zkrs=$("$ZKRS_BIN" --version 2>/dev/null | head -n 1)"
    fi
    echo "suites=${suites[*]+"${suites[*]}"}"
} >"$out/run-info.txt"
matrix=$out/RESULTS.md
if [[ -z ${COMPAT_OUT:-} && ${#suites[@]} -ge 8 ]]; then matrix=$compat/RESULTS.md; fi
if [[ $candidate == zkrs ]]; then
    zkrs_results=$out reference_results=$compat/.work/results-reference
else
    zkrs_results=$compat/.work/results reference_results=$out
fi
python3 "$compat/lib/results_md.py" --zkrs "$zkrs_results" --reference "$reference_results" \
    --write "$matrix" || echo "run.sh: could not write $matrix"

echo "run.sh: total time $((SECONDS - t_all))s; results in $out"
echo "$total_pass passed, $total_fail failed"
exit "$failed_any"
}

main "$@"
