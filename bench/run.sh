#!/usr/bin/env bash
# Reproduces docs/benchmarks.md: zkrs and Apache ZooKeeper 3.8 side by side on this machine.
#
#   bench/run.sh            # the full comparison (about 20 minutes on 2 cores)
#   bench/run.sh --quick    # a 3-minute smoke run of every phase
#   bench/run.sh --help     # every knob of `zkrs-bench compare`
#
# Installs Debian's zookeeper (the reference server and its jars) when missing, builds zkrs and
# zkrs-bench in release mode, raises the open-file limit (10,000 sessions need 10,000 sockets
# on each side), then runs `zkrs-bench compare`, which starts both servers on free loopback
# ports, measures, stops them and rewrites the generated part of docs/benchmarks.md, the SVG
# charts and docs/benchmarks/results.jsonl.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

jars_ok() {
    local jar
    while read -r jar; do
        [[ -z $jar || $jar == \#* ]] && continue
        [[ -e /usr/share/java/$jar.jar ]] || return 1
    done <compat-tests/lib/reference-jars.txt
}
if ! jars_ok || ! command -v java >/dev/null; then
    sudo=()
    ((EUID == 0)) || sudo=(sudo)
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q update
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q install -y --no-install-recommends \
        zookeeper zookeeper-bin
fi

cargo build --release -p server -p bench
ulimit -n "$(ulimit -Hn)" || true
exec target/release/zkrs-bench compare "$@"
