#!/usr/bin/env bash
# Install the Debian packages the test session's real upstream servers need.
# Idempotent: each package set is installed only when its binary is missing.
# Needs root (or passwordless sudo) and access to the Debian package mirror.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

missing=()

have() { command -v "$1" >/dev/null 2>&1 || [ -x "$1" ]; }

# Samba AD DC (the "Active Directory" upstream) and the ldb tools used to load it.
# samba-ad-provision carries the schema files provisioning needs.
if ! have samba-tool || ! have samba || ! have ldbadd \
    || [ ! -d /usr/share/samba/setup ]; then
    missing+=(samba samba-ad-dc samba-ad-provision ldb-tools)
fi
# OpenLDAP (the non-AD directory variant).
if ! have /usr/sbin/slapd || ! have ldapsearch; then
    missing+=(slapd ldap-utils)
fi
# Redis (shared cache).
if ! have redis-server; then
    missing+=(redis-server)
fi
# PostgreSQL (social data store).
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    missing+=(postgresql)
fi
# Chromium, driven by Playwright in the GraphiQL page's browser test.
if ! have /usr/bin/chromium; then
    missing+=(chromium)
fi
# Prometheus (scrapes the gateway's /metrics in tests/gateway/test_metrics.py).
if ! have prometheus; then
    missing+=(prometheus)
fi

# HAProxy (the load balancer in front of two gateways in tests/gateway/test_scale_out.py).
if ! have haproxy && ! have /usr/sbin/haproxy; then
    missing+=(haproxy)
fi

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-packages: all packages present"
    exit 0
fi

echo "install-packages: installing ${missing[*]}"
# slapd asks questions at install time; answer them up front.
if printf '%s\n' "${missing[@]}" | grep -qx slapd; then
    printf '%s\n' \
        "slapd slapd/no_configuration boolean true" \
        "slapd shared/organization string Northshire" \
        "slapd slapd/domain string northshire.test" \
        | $SUDO debconf-set-selections
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${missing[@]}"
# Debian starts the services it installs where an init system runs; the test
# session starts its own private instances, so stop any system ones that would
# hold the fixed Samba ports.
for svc in samba-ad-dc smbd nmbd winbind slapd redis-server postgresql prometheus haproxy; do
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
        $SUDO systemctl stop "$svc" || true
    fi
done
echo "install-packages: done"
