#!/usr/bin/env bash
# Install the real database servers the rdslink test suite and benchmarks start on loopback:
# PostgreSQL (any Debian version, found under /usr/lib/postgresql/*/bin), MariaDB 10.11 and openssl.
#
# Idempotent: does nothing when everything is already installed; runs `apt-get update` only when a
# package has no install candidate. Services are never started or left running: a temporary
# policy-rc.d forbids the packages' maintainer scripts from starting them (tests/dbservers.py starts
# throwaway servers in temp dirs itself and stops them). Works as root on a fresh Debian 12.
set -euo pipefail

PACKAGES=(postgresql mariadb-server mariadb-client openssl)

have_all() {
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || return 1
    command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || return 1
    command -v mariadb-install-db >/dev/null 2>&1 || return 1
    command -v openssl >/dev/null 2>&1 || return 1
    return 0
}

if have_all; then
    echo "install-test-deps: postgresql, mariadb-server and openssl already installed"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "install-test-deps: must run as root (or with sudo) to apt-get install ${PACKAGES[*]}" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive

needs_update=0
for pkg in "${PACKAGES[@]}"; do
    cand="$(apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate:/ {print $2}')"
    if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then needs_update=1; fi
done
if [ "$needs_update" -eq 1 ]; then
    echo "install-test-deps: apt-get update"
    $SUDO apt-get update -qq
fi

# Forbid service start-up during installation (exit 101 = "action forbidden" per invoke-rc.d policy).
POLICY=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$POLICY" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
    $SUDO chmod 755 "$POLICY"
    created_policy=1
fi
cleanup() { if [ "$created_policy" -eq 1 ]; then $SUDO rm -f "$POLICY"; fi; }
trap cleanup EXIT

declare -A was_running
for proc in mariadbd postgres; do
    if pgrep -x "$proc" >/dev/null 2>&1; then was_running[$proc]=1; else was_running[$proc]=0; fi
done

echo "install-test-deps: apt-get install ${PACKAGES[*]}"
$SUDO apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null

# Belt and braces: a systemd host ignores policy-rc.d. Stop only a server that was not running before
# this script and is running now, so the default ports are free and nothing is left behind.
for proc in mariadbd postgres; do
    if [ "${was_running[$proc]}" = "0" ] && pgrep -x "$proc" >/dev/null 2>&1; then
        svc="mariadb"; [ "$proc" = "postgres" ] && svc="postgresql"
        if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
            $SUDO systemctl stop "$svc" || true
        else
            $SUDO service "$svc" stop >/dev/null 2>&1 || true
        fi
    fi
done

if ! have_all; then
    echo "install-test-deps: installation finished but a server binary is still missing" >&2
    exit 1
fi
echo "install-test-deps: done"
