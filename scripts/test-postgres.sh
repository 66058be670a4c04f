#!/usr/bin/env bash
# A throwaway PostgreSQL on 127.0.0.1 (a free port, a temp dir) for the storage tests.
#
#   scripts/test-postgres.sh start          # prints `export SWITCHBOARD_TEST_POSTGRES_URL=...`
#                                           # and the stop command; eval "$(… start)" to use it
#   scripts/test-postgres.sh stop DIR       # stops the server and removes DIR
#   scripts/test-postgres.sh run CMD...     # start, run CMD with the URL exported, stop;
#                                           # exits with CMD's status
#
# Installs the `postgresql` package with apt-get when no initdb/pg_ctl is found on PATH or in
# /usr/lib/postgresql/*/bin. PostgreSQL refuses to run as root, so as root the server runs as
# the `postgres` system user in a directory it owns. Messages go to stderr.
set -euo pipefail

log() { echo "test-postgres: $*" >&2; }

find_bindir() {
    if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v pg_ctl)"
        return 0
    fi
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$dir" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/initdb" ]; then
        echo "$dir"
        return 0
    fi
    return 1
}

ensure_postgres() {
    local bindir
    if bindir=$(find_bindir); then
        echo "$bindir"
        return 0
    fi
    log "PostgreSQL not found; installing it with apt-get"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y postgresql >&2
    find_bindir || { log "no initdb/pg_ctl after installing postgresql"; exit 1; }
}

# Runs a command as the server's owner: `postgres` when we are root, ourselves otherwise.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
    local port tries=0
    while [ $tries -lt 200 ]; do
        port=$((20000 + RANDOM % 20000))
        if ! port_in_use "$port"; then
            echo "$port"
            return 0
        fi
        tries=$((tries + 1))
    done
    log "no free port found"
    exit 1
}

start() {
    local bindir dir port
    bindir=$(ensure_postgres)
    dir=$(mktemp -d "${TMPDIR:-/tmp}/sb-postgres.XXXXXX")
    chmod 700 "$dir"
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --home-dir "$dir" postgres
        chown postgres: "$dir"
    fi
    as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 \
        --locale=C >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    port=$(free_port)
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" \
        start >&2 || { cat "$dir/server.log" >&2; exit 1; }
    echo "$bindir" >"$dir/bindir"
    log "PostgreSQL $("$bindir/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$port in $dir"
    echo "export SWITCHBOARD_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:$port/postgres"
    echo "# stop with: $0 stop $dir"
}

stop() {
    local dir=${1:?usage: $0 stop DIR}
    [ -f "$dir/bindir" ] || { log "$dir is not a server started by this script"; exit 1; }
    as_owner "$(cat "$dir/bindir")/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
    rm -rf "$dir"
    log "stopped and removed $dir"
}

run() {
    [ $# -gt 0 ] || { log "usage: $0 run CMD..."; exit 2; }
    local out dir url status
    out=$(start)
    url=$(echo "$out" | sed -n 's/^export SWITCHBOARD_TEST_POSTGRES_URL=//p')
    dir=$(echo "$out" | sed -n 's/^# stop with: .* stop //p')
    trap 'stop "$dir"' EXIT
    status=0
    SWITCHBOARD_TEST_POSTGRES_URL=$url "$@" || status=$?
    exit $status
}

case "${1:-}" in
    start) start ;;
    stop) shift; stop "$@" ;;
    run) shift; run "$@" ;;
    *) log "usage: $0 start | stop DIR | run CMD..."; exit 2 ;;
esac
