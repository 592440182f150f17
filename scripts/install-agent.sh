#!/bin/sh
# rackwatch agent installer (S20, SEC), served by the appliance at GET /install.sh with its own
# HTTPS address and public-key pin in place of the placeholders below. The admin page's "Add
# server" dialog shows the command:
#
#   curl --pinnedpubkey 'sha256//…' -k -fsS https://<appliance>:8443/install.sh \
#     | sudo sh -s -- --token <enrollment token> --pin 'sha256//…'
#
# With a pin, every download is made by curl trusting that public key only (-k: a self-signed
# certificate verifies against no CA, the pin is the check), and the agent is given the pin
# (RW_PIN) for its enrollment over HTTPS and for MQTT over TLS.
# Downloads the agent (one file) from the appliance, checks its SHA-256, installs it in
# /opt/rackwatch-agent as the systemd service rackwatch-agent, run by the system user
# rackwatch-agent with its state (identity, last configuration, queue of unsent batches) in
# /var/lib/rackwatch-agent, and starts it. Run again to upgrade (the state is kept).
# --with-modem also installs the serialport runtime a sentinel's modem channel loads (S13, B4),
# from the appliance too, as /opt/rackwatch-agent/node_modules beside the agent.
# POSIX sh: no bashisms, so that dash, busybox ash and bash all run it.
set -eu

APPLIANCE='__APPLIANCE_URL__'
PIN='__APPLIANCE_PIN__'
TOKEN=''
ROOT=''
ACTION=install
PURGE=no
IO_CAPS=yes
AGENT_HOSTNAME=''
NODE=''
WITH_MODEM=no

SERVICE=rackwatch-agent
AGENT_USER=rackwatch-agent
INSTALL_DIR=/opt/rackwatch-agent
BUNDLE_NAME=rackwatch-agent.js
STATE_DIR=/var/lib/rackwatch-agent
CONFIG_DIR=/etc/rackwatch-agent
UNIT_DIR=/etc/systemd/system
NODE_MAJOR_MIN=20

usage() {
  cat <<'TEXT'
Usage: install-agent.sh [options]

Installs (or upgrades) the rackwatch agent as the systemd service rackwatch-agent.

  --appliance URL   the appliance, e.g. https://10.0.0.2:8443 (filled in when served by it)
  --pin sha256//…   the appliance's public key: downloads, enrollment and MQTT trust that key
                    only (filled in when served by it; needs curl)
  --token T         enrollment token from the appliance's admin page (first install only)
  --hostname NAME   the name this server reports under (default: its host name)
  --node PATH       the Node.js (20 or later) to run the agent with (default: node in PATH)
  --with-modem      also install the serialport runtime (from the appliance, checked like the
                    agent) beside the agent: needed by a sentinel whose alarm goes out as SMS
                    through a GSM modem on this server; run again with it after an upgrade
                    of the appliance to bring it up to date (needs tar)
  --no-io-caps      run without CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE: top processes by disk
                    I/O then covers the agent's own processes only
  --uninstall       stop and remove the service, the program and its settings; the state
                    (identity, unsent batches) is kept for a reinstall
  --purge           with --uninstall: also remove the state and the rackwatch-agent user
  --root DIR        write the files below DIR only (a test or an image build): no user is
                    created, no systemctl is called
  --help            this text
TEXT
}

die() {
  printf 'install-agent.sh: %s\n' "$*" >&2
  exit 1
}
say() { printf '%s\n' "$*"; }

need_value() { [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value (see --help)"; }

while [ $# -gt 0 ]; do
  case $1 in
    --appliance) need_value "$@"; APPLIANCE=$2; shift 2 ;;
    --appliance=*) APPLIANCE=${1#*=}; shift ;;
    --pin) need_value "$@"; PIN=$2; shift 2 ;;
    --pin=*) PIN=${1#*=}; shift ;;
    --token) need_value "$@"; TOKEN=$2; shift 2 ;;
    --token=*) TOKEN=${1#*=}; shift ;;
    --hostname) need_value "$@"; AGENT_HOSTNAME=$2; shift 2 ;;
    --hostname=*) AGENT_HOSTNAME=${1#*=}; shift ;;
    --node) need_value "$@"; NODE=$2; shift 2 ;;
    --node=*) NODE=${1#*=}; shift ;;
    --root) need_value "$@"; ROOT=$2; shift 2 ;;
    --root=*) ROOT=${1#*=}; shift ;;
    --no-io-caps) IO_CAPS=no; shift ;;
    --with-modem) WITH_MODEM=yes; shift ;;
    --uninstall) ACTION=uninstall; shift ;;
    --purge) PURGE=yes; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
[ "$PURGE" = no ] || [ "$ACTION" = uninstall ] || die "--purge goes with --uninstall"
if [ -n "$ROOT" ]; then
  case $ROOT in /*) ;; *) ROOT=$(pwd)/$ROOT ;; esac
  ROOT=${ROOT%/}
fi

UNIT_FILE=$ROOT$UNIT_DIR/$SERVICE.service
ENV_FILE=$ROOT$CONFIG_DIR/agent.env
BUNDLE=$ROOT$INSTALL_DIR/$BUNDLE_NAME

[ "$(uname -s)" = Linux ] || die "the agent runs on Linux only (this is $(uname -s))"
if [ -z "$ROOT" ]; then
  [ "$(id -u)" = 0 ] || die "run as root: the command of the appliance's Add server dialog ends in | sudo sh -s -- …"
  command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ] \
    || die "this server does not run systemd; the agent can still be run by hand: node rackwatch-agent.js --help"
fi

# ---- uninstall ---------------------------------------------------------------------------------
if [ "$ACTION" = uninstall ]; then
  if [ -z "$ROOT" ]; then
    systemctl disable --now "$SERVICE" >/dev/null 2>&1 || true
  fi
  rm -f "$UNIT_FILE"
  rm -rf "$ROOT$INSTALL_DIR" "$ROOT$CONFIG_DIR"
  say "removed the service $SERVICE ($UNIT_FILE), $ROOT$INSTALL_DIR and $ROOT$CONFIG_DIR"
  if [ -z "$ROOT" ]; then systemctl daemon-reload; fi
  if [ "$PURGE" = yes ]; then
    rm -rf "$ROOT$STATE_DIR"
    say "removed the state $ROOT$STATE_DIR (the identity: a reinstall enrolls as a new server)"
    if [ -z "$ROOT" ] && id "$AGENT_USER" >/dev/null 2>&1; then
      userdel "$AGENT_USER" 2>/dev/null || deluser "$AGENT_USER" 2>/dev/null || say "could not remove the user $AGENT_USER"
      say "removed the user $AGENT_USER"
    fi
  else
    say "kept $ROOT$STATE_DIR (identity and unsent batches; --uninstall --purge removes it)"
  fi
  exit 0
fi

# ---- what the agent needs ----------------------------------------------------------------------
case $APPLIANCE in
  http://?* | https://?*) APPLIANCE=${APPLIANCE%/} ;;
  *) die "no appliance address: pass --appliance http://<appliance>:8080 (or fetch this script from the appliance)" ;;
esac
case $APPLIANCE in *[!A-Za-z0-9:/.%_~\[\]-]*) die "--appliance: '$APPLIANCE' is not a plain http(s)://host[:port] address" ;; esac
case $TOKEN in *[!A-Za-z0-9._~+/=-]*) die "--token: unexpected characters in the token" ;; esac
# a script run from a file, not served by the appliance, has no pin unless --pin gives one
case $PIN in *APPLIANCE_PIN*) PIN='' ;; esac
case $PIN in
  '') ;;
  sha256//*[!A-Za-z0-9+/=]*) die "--pin: expected sha256// and 44 base64 characters" ;;
  sha256//????????????????????????????????????????????) ;;
  *) die "--pin: expected sha256// and 44 base64 characters" ;;
esac
case $AGENT_HOSTNAME in *[!A-Za-z0-9._-]*) die "--hostname: letters, digits, '.', '_' and '-' only" ;; esac
if [ -z "$TOKEN" ] && [ ! -f "$ROOT$STATE_DIR/identity.json" ]; then
  die "--token is needed for the first install: the enrollment token on the appliance's admin page"
fi

# Node.js: the agent is one JavaScript file and needs Node 20 or later (docs/agent.md "Installing agents")
if [ -z "$NODE" ]; then
  NODE=$(command -v node 2>/dev/null || true)
  for candidate in /usr/bin/node /usr/local/bin/node; do
    [ -n "$NODE" ] || { [ -x "$candidate" ] && NODE=$candidate; } || true
  done
fi
[ -n "$NODE" ] && [ -x "$NODE" ] || die "Node.js $NODE_MAJOR_MIN or later is needed and none was found.
  Debian 13, Ubuntu 24.10 and later: apt-get install nodejs
  older releases, RHEL and others: https://github.com/nodesource/distributions
  then run this again (or pass --node /path/to/node)"
case $NODE in /*) ;; *) NODE=$(cd "$(dirname "$NODE")" && pwd)/$(basename "$NODE") ;; esac
NODE_VERSION=$("$NODE" -e 'process.stdout.write(process.versions.node)' 2>/dev/null || true)
NODE_MAJOR=${NODE_VERSION%%.*}
case $NODE_MAJOR in '' | *[!0-9]*) die "$NODE does not run (is it Node.js?)" ;; esac
[ "$NODE_MAJOR" -ge "$NODE_MAJOR_MIN" ] || die "Node.js $NODE_MAJOR_MIN or later is needed; $NODE is $NODE_VERSION.
  Debian 13, Ubuntu 24.10 and later: apt-get install nodejs
  older releases, RHEL and others: https://github.com/nodesource/distributions
  then run this again (or pass --node /path/to/node)"

if [ -n "$PIN" ]; then
  command -v curl >/dev/null 2>&1 || die "curl is needed to download with the pinned key (--pin): install curl"
  # -k: no CA vouches for a self-signed certificate; --pinnedpubkey refuses any other key
  fetch() { curl -fsS --retry 3 --pinnedpubkey "$PIN" -k -o "$2" "$1"; }
elif command -v curl >/dev/null 2>&1; then
  fetch() { curl -fsSL --retry 3 -o "$2" "$1"; }
elif command -v wget >/dev/null 2>&1; then
  fetch() { wget -q -O "$2" "$1"; }
else
  die "curl or wget is needed to download the agent"
fi
if command -v sha256sum >/dev/null 2>&1; then
  sha256() { sha256sum "$1" | awk '{print $1}'; }
elif command -v shasum >/dev/null 2>&1; then
  sha256() { shasum -a 256 "$1" | awk '{print $1}'; }
elif command -v openssl >/dev/null 2>&1; then
  sha256() { openssl dgst -sha256 "$1" | awk '{print $NF}'; }
else
  die "sha256sum, shasum or openssl is needed to check the download"
fi

# ---- download and check ------------------------------------------------------------------------
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
# fetch_checked NAME WHAT: downloads $APPLIANCE/agent/NAME into $work and checks it against
# NAME.sha256; fails (status 1) only when NAME itself cannot be downloaded
fetch_checked() {
  fetch "$APPLIANCE/agent/$1" "$work/$1" 2>/dev/null || return 1
  fetch "$APPLIANCE/agent/$1.sha256" "$work/$1.sha256" || die "cannot download $APPLIANCE/agent/$1.sha256"
  expected=$(awk 'NR == 1 {print tolower($1)}' "$work/$1.sha256")
  actual=$(sha256 "$work/$1")
  case $expected in
    [0-9a-f]*) [ ${#expected} -eq 64 ] || die "$APPLIANCE/agent/$1.sha256 is not a SHA-256" ;;
    *) die "$APPLIANCE/agent/$1.sha256 is not a SHA-256" ;;
  esac
  [ "$expected" = "$actual" ] || die "checksum mismatch for the downloaded $2 (expected $expected, got $actual):
  the download is damaged or did not come from this appliance; nothing was installed"
}
fetch_checked "$BUNDLE_NAME" agent || die "cannot download $APPLIANCE/agent/$BUNDLE_NAME"
"$NODE" "$work/$BUNDLE_NAME" --help >/dev/null 2>&1 || die "the downloaded agent does not start with $NODE ($NODE_VERSION); nothing was installed"
say "downloaded the agent from $APPLIANCE (sha256 $actual, checked)"
# the netlink addon for this machine (docs/agent.md "Installing agents"): TCP sockets at a fifth of the
# cost of /proc/net/tcp; without it the agent reads /proc/net/tcp
PLATFORM=$("$NODE" -e 'process.stdout.write(process.platform + "-" + process.arch)')
ADDON_NAME=sock-diag-$PLATFORM.node
if fetch_checked "$ADDON_NAME" 'netlink addon'; then
  say "downloaded the netlink addon $ADDON_NAME (sha256 $actual, checked)"
else
  ADDON_NAME=
  say "the appliance has no netlink addon for $PLATFORM: the agent will read /proc/net/tcp (slower, same figures)"
fi

# the serialport runtime of a sentinel's modem channel (docs/agent.md "Sentinel"): the appliance's
# own, built for this architecture; it must load with this Node before anything is installed
SERIALPORT_NAME=
if [ "$WITH_MODEM" = yes ]; then
  command -v tar >/dev/null 2>&1 || die "tar is needed to unpack the serialport runtime (--with-modem): install tar"
  SERIALPORT_NAME=serialport-$PLATFORM.tar.gz
  fetch_checked "$SERIALPORT_NAME" 'serialport runtime' \
    || die "cannot download $APPLIANCE/agent/$SERIALPORT_NAME: the appliance has no serialport runtime for $PLATFORM (--with-modem); nothing was installed"
  SERIALPORT_SHA=$actual
  mkdir "$work/serialport"
  tar -xzf "$work/$SERIALPORT_NAME" -C "$work/serialport" || die "cannot unpack $SERIALPORT_NAME; nothing was installed"
  "$NODE" -e 'require(process.argv[1] + "/node_modules/serialport")' "$work/serialport" >/dev/null 2>&1 \
    || die "the serialport runtime from $APPLIANCE does not load with $NODE ($NODE_VERSION, $PLATFORM); nothing was installed"
  say "downloaded the serialport runtime $SERIALPORT_NAME (sha256 $SERIALPORT_SHA, checked; it loads)"
fi

# ---- the user ----------------------------------------------------------------------------------
if [ -z "$ROOT" ]; then
  if id "$AGENT_USER" >/dev/null 2>&1; then
    say "the user $AGENT_USER exists"
  else
    nologin=/usr/sbin/nologin
    [ -x "$nologin" ] || nologin=/sbin/nologin
    if command -v useradd >/dev/null 2>&1; then
      useradd --system --user-group --home-dir "$STATE_DIR" --no-create-home --shell "$nologin" \
        --comment 'rackwatch agent' "$AGENT_USER"
    elif command -v adduser >/dev/null 2>&1; then
      addgroup -S "$AGENT_USER" 2>/dev/null || true
      adduser -S -D -H -h "$STATE_DIR" -s "$nologin" -G "$AGENT_USER" "$AGENT_USER"
    else
      die "cannot create the system user $AGENT_USER: neither useradd nor adduser is here"
    fi
    say "created the system user $AGENT_USER"
  fi
fi

# ---- files -------------------------------------------------------------------------------------
umask 022
mkdir -p "$ROOT$INSTALL_DIR" "$ROOT$UNIT_DIR" "$ROOT$CONFIG_DIR" "$ROOT$STATE_DIR"
cp "$work/$BUNDLE_NAME" "$BUNDLE.new"
chmod 0755 "$BUNDLE.new"
mv -f "$BUNDLE.new" "$BUNDLE"
say "installed $BUNDLE"
rm -f "$ROOT$INSTALL_DIR"/sock-diag-*.node
if [ -n "$ADDON_NAME" ]; then
  cp "$work/$ADDON_NAME" "$ROOT$INSTALL_DIR/$ADDON_NAME"
  chmod 0644 "$ROOT$INSTALL_DIR/$ADDON_NAME"
  say "installed $ROOT$INSTALL_DIR/$ADDON_NAME"
fi
# node_modules beside the agent, where its import('serialport') looks: a symlink to a fresh
# directory, renamed over the old link in one step (rename(2)), so that a modem channel loading
# it during an upgrade finds the old runtime or the new one, never half of one
if [ -n "$SERIALPORT_NAME" ]; then
  modules=$ROOT$INSTALL_DIR/node_modules
  fresh=$(mktemp -d "$ROOT$INSTALL_DIR/serialport.XXXXXX")
  chmod 0755 "$fresh"
  tar -xzf "$work/$SERIALPORT_NAME" -C "$fresh"
  # a node_modules an operator made by hand (npm install serialport) gives way to the appliance's
  if [ -d "$modules" ] && [ ! -L "$modules" ]; then
    rm -rf "$modules"
    say "replaced the node_modules made by hand in $ROOT$INSTALL_DIR"
  fi
  ln -s "$(basename "$fresh")/node_modules" "$modules.new"
  "$NODE" -e 'require("fs").renameSync(process.argv[1], process.argv[2])' "$modules.new" "$modules"
  for old in "$ROOT$INSTALL_DIR"/serialport.*; do
    [ "$old" = "$fresh" ] || rm -rf "$old"
  done
  say "installed the serialport runtime in $modules (sha256 $SERIALPORT_SHA)"
fi

chmod 0700 "$ROOT$STATE_DIR"
if [ -z "$ROOT" ]; then chown "$AGENT_USER:$AGENT_USER" "$ROOT$STATE_DIR"; fi

if [ -n "$TOKEN" ]; then
  # the token lets anyone enroll servers: readable by root only (systemd reads it before
  # starting the service as its user); the agent needs it only until its first start
  (umask 077 && printf 'RW_TOKEN=%s\n' "$TOKEN" > "$ENV_FILE.new")
  chmod 0600 "$ENV_FILE.new"
  mv -f "$ENV_FILE.new" "$ENV_FILE"
  say "wrote the enrollment token to $ENV_FILE (mode 0600)"
fi

if [ "$IO_CAPS" = yes ]; then
  CAPS='CAP_DAC_READ_SEARCH CAP_SYS_PTRACE'
else
  CAPS=''
fi
{
  cat <<UNIT
# written by install-agent.sh from $APPLIANCE; run it again to upgrade, with --uninstall to remove
[Unit]
Description=rackwatch agent (sends this server's metrics to the rackwatch appliance)
Documentation=$APPLIANCE/
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=$AGENT_USER
Group=$AGENT_USER
Environment=RW_APPLIANCE=$APPLIANCE
Environment=RW_STATE_DIR=$STATE_DIR
UNIT
  if [ -n "$PIN" ]; then printf 'Environment=RW_PIN=%s\n' "$PIN"; fi
  if [ -n "$AGENT_HOSTNAME" ]; then printf 'Environment=RW_HOSTNAME=%s\n' "$AGENT_HOSTNAME"; fi
  cat <<UNIT
EnvironmentFile=-$CONFIG_DIR/agent.env
# V8 sizes its heap before the agent's code runs, hence flags here: a 1 MB young generation and
# the smaller code and heap layouts took ~1 MB off the agent's RSS peak for no measurable CPU, and
# without Sparkplug (V8's baseline compiler; the agent turns the optimizing one off itself) its
# code space stays put: ~2 MB less with 100 checks, CPU within the noise (docs/benchmarks.md,
# "V8 flags for the agent's memory", "Sparkplug off, applied")
ExecStart=$NODE --max-semi-space-size=1 --optimize-for-size --no-sparkplug $INSTALL_DIR/$BUNDLE_NAME
Restart=on-failure
RestartSec=10
# exit code 2 is a configuration the agent cannot run with (see the journal): no point retrying
RestartPreventExitStatus=2
StateDirectory=rackwatch-agent
StateDirectoryMode=0700
# Top processes by disk I/O reads /proc/<pid>/io of every process; for other users' processes
# the kernel wants both of these (file access, then the ptrace access check). Nothing else.
AmbientCapabilities=$CAPS
CapabilityBoundingSet=$CAPS
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=$STATE_DIR
ProtectHome=read-only

[Install]
WantedBy=multi-user.target
UNIT
} > "$UNIT_FILE.new"
chmod 0644 "$UNIT_FILE.new"
mv -f "$UNIT_FILE.new" "$UNIT_FILE"
say "wrote the service $UNIT_FILE (runs: $NODE $INSTALL_DIR/$BUNDLE_NAME as $AGENT_USER)"

# ---- start -------------------------------------------------------------------------------------
if [ -n "$ROOT" ]; then
  say "installed below $ROOT: no user created, no service started (--root)"
  exit 0
fi
systemctl daemon-reload
systemctl enable "$SERVICE" >/dev/null 2>&1
systemctl restart "$SERVICE"
sleep 2
if systemctl is-active --quiet "$SERVICE"; then
  say "started the service $SERVICE (enabled at boot); it appears on $APPLIANCE within a few seconds"
  say "logs: journalctl -u $SERVICE -f"
else
  say "the service $SERVICE did not stay up; its last log lines:"
  journalctl -u "$SERVICE" -n 20 --no-pager 2>/dev/null || true
  exit 1
fi
