#!/usr/bin/env bash
# The whole test suite: formatting, lints, and every test on SQLite and PostgreSQL.
# Installs what the tests need with apt-get (PostgreSQL, sslscan, SIPp, baresip, Dovecot,
# espeak-ng, Node.js and npm, Chromium, libopus-dev for the opus feature) and pip
# (sipvicious; aiosmtpd, the SMTP sink of the email tests; pocketsphinx, the speech sidecar)
# when it is missing.
# Usage: scripts/test.sh            (CI runs exactly this through .ci/run)
set -euo pipefail
cd "$(dirname "$0")/.."

# Free space where the build writes, printed at each stage: a full clean run takes about 9 GB
# (target/ ~8 GB with CARGO_INCREMENTAL=0, the crates registry, node_modules, test tools).
disk() {
    echo "==> disk free ($1): $(df -h --output=avail . 2>/dev/null | tail -1 | tr -d ' ')"
}
disk start

need_apt=()
command -v sslscan >/dev/null 2>&1 || need_apt+=(sslscan)
command -v sipp >/dev/null 2>&1 || need_apt+=(sip-tester)
command -v baresip >/dev/null 2>&1 || need_apt+=(baresip-core)
# Dovecot for the POP3/IMAP tests, espeak-ng for spoken prompts.
[ -x /usr/sbin/dovecot ] && [ -e /usr/lib/dovecot/imap ] && [ -e /usr/lib/dovecot/pop3 ] \
    || need_apt+=(dovecot-imapd dovecot-pop3d)
command -v espeak-ng >/dev/null 2>&1 || need_apt+=(espeak-ng)
# Node.js and npm build the agent console (crates/app/web runs `npm ci` and Vite).
command -v npm >/dev/null 2>&1 || need_apt+=(nodejs npm)
# Headless Chromium for the WebRTC tests.
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
# libopus for the tests of the opus feature (Opus legs transcoded to G.711).
pkg-config --exists opus 2>/dev/null || need_apt+=(libopus-dev pkg-config)
command -v pip3 >/dev/null 2>&1 || command -v pip >/dev/null 2>&1 || need_apt+=(python3-pip)
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    need_apt+=(postgresql)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "==> installing ${need_apt[*]}"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
    # The downloaded .deb files are not needed once installed (Chromium's alone is large).
    $SUDO apt-get clean
fi

if ! command -v sipvicious_svcrack >/dev/null 2>&1; then
    echo "==> installing sipvicious (PyPI)"
    PIP="$(command -v pip3 || command -v pip)"
    "$PIP" install -q sipvicious==0.3.8 2>/dev/null \
        || "$PIP" install -q --break-system-packages sipvicious==0.3.8
    # pyenv exposes new scripts only through its shims.
    if command -v pyenv >/dev/null 2>&1; then pyenv rehash; fi
fi

if ! python3 -c "import aiosmtpd" >/dev/null 2>&1; then
    echo "==> installing aiosmtpd (PyPI)"
    PIP="$(command -v pip3 || command -v pip)"
    "$PIP" install -q aiosmtpd 2>/dev/null || "$PIP" install -q --break-system-packages aiosmtpd
fi

if ! python3 -c "import pocketsphinx" >/dev/null 2>&1; then
    echo "==> installing pocketsphinx (PyPI; the speech sidecar of voice menus)"
    PIP="$(command -v pip3 || command -v pip)"
    "$PIP" install -q pocketsphinx==5.1.1 2>/dev/null \
        || "$PIP" install -q --break-system-packages pocketsphinx==5.1.1
fi

# The console must build here (elsewhere a missing npm embeds a placeholder page).
export SWITCHBOARD_WEB_REQUIRED=1

disk "tools installed"
echo "==> cargo fmt --check"
cargo fmt --all -- --check

echo "==> cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

disk "after clippy"
echo "==> cargo test (SQLite and PostgreSQL)"
# The PostgreSQL conformance suite and the sslscan test are mandatory under CI.
export CI="${CI:-true}"
scripts/test-postgres.sh run cargo test --workspace --locked

disk "after the tests"
echo "==> cargo test with the opus feature (libopus)"
cargo clippy -p sb-audio -p sb-media --all-targets --locked --features opus -- -D warnings
cargo test --locked -p sb-audio -p sb-media --features opus
cargo test --locked -p sb-engine --features opus --lib calls::sdp
