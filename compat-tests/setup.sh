#!/usr/bin/env bash
# Installs what the compat suites need; idempotent and quiet unless something fails.
#
# * Debian packages: zookeeper + zookeeper-bin 3.8.0 (zkCli.sh, the reference server and
#   its jars in /usr/share/java; they pull in a JRE), python3-venv when the venv module
#   is missing. apt runs only when something is missing.
# * A python venv ($COMPAT_VENV, default compat-tests/.work/venv) with kazoo 2.11.0 and
#   its pinned test dependencies (kazoo/requirements.txt); rebuilt only when that file
#   changes.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
venv=${COMPAT_VENV:-$here/.work/venv}
requirements=$here/kazoo/requirements.txt
log=$(mktemp "${TMPDIR:-/tmp}/compat-setup.XXXXXX")
trap 'rm -f "$log"' EXIT

fail() {
    echo "compat-tests/setup.sh: $1 failed:" >&2
    tail -n 60 "$log" >&2
    exit 1
}

sudo=()
if ((EUID != 0)); then
    command -v sudo >/dev/null || { echo "setup.sh: need root or sudo for apt-get" >&2; exit 1; }
    sudo=(sudo)
fi

# Runs apt-get, waiting (bounded) for another apt/dpkg to release its locks.
apt_get() {
    local deadline=$((SECONDS + 900)) attempt
    attempt=$(mktemp "${TMPDIR:-/tmp}/compat-setup-apt.XXXXXX")
    while :; do
        if "${sudo[@]+"${sudo[@]}"}" env DEBIAN_FRONTEND=noninteractive \
            apt-get -q -o DPkg::Lock::Timeout=60 "$@" >"$attempt" 2>&1; then
            cat "$attempt" >>"$log"
            rm -f "$attempt"
            return 0
        fi
        cat "$attempt" >>"$log"
        if grep -q "Could not get lock\|Unable to lock\|Unable to acquire" "$attempt" &&
            ((SECONDS < deadline)); then
            sleep 5   # polling for another apt run to finish, not synchronising
            continue
        fi
        rm -f "$attempt"
        return 1
    done
}

# --- Debian packages -------------------------------------------------------------------
jars_ok() {
    local jar
    while read -r jar; do
        [[ -z $jar || $jar == \#* ]] && continue
        [[ -e /usr/share/java/$jar.jar ]] || return 1
    done <"$here/lib/reference-jars.txt"
}

pkgs=()
if [[ ! -x /usr/share/zookeeper/bin/zkCli.sh ]] || ! jars_ok || ! command -v java >/dev/null; then
    pkgs+=(zookeeper zookeeper-bin)
fi
command -v python3 >/dev/null || pkgs+=(python3)
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    pkgs+=(python3-venv)
fi
if ((${#pkgs[@]})); then
    apt_get update || fail "apt-get update"
    apt_get install -y --no-install-recommends "${pkgs[@]}" || fail "apt-get install ${pkgs[*]}"
fi
[[ -x /usr/share/zookeeper/bin/zkCli.sh ]] || fail "zkCli.sh check (/usr/share/zookeeper/bin/zkCli.sh)"
jars_ok || fail "reference jar check (compat-tests/lib/reference-jars.txt)"

# --- python venv with kazoo and its test dependencies --------------------------------
want=$(sha256sum "$requirements" | cut -d' ' -f1)-$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
stamp=$venv/.compat-requirements
if [[ ! -x $venv/bin/python || ! -f $stamp || $(cat "$stamp") != "$want" ]] ||
    ! "$venv/bin/python" -c 'import kazoo, pytest, pytest_timeout' >/dev/null 2>&1; then
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    python3 -m venv "$venv" >>"$log" 2>&1 || fail "python3 -m venv $venv"
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements" >>"$log" 2>&1 ||
        fail "pip install -r $requirements"
    echo "$want" >"$stamp"
fi
