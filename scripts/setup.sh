#!/usr/bin/env bash
# Installs what rackwatch needs on a Debian machine with Node 20+: Debian packages where missing
# (rrdtool + rrdcached for storage, socat for the modem simulator's pseudo-terminals, a C++
# toolchain and Node's headers in case better-sqlite3 has to be built from source), then the npm
# dependencies. Needs no internet beyond the npm registry and the Debian mirror.
#   scripts/setup.sh          what the appliance needs
#   scripts/setup.sh --test   also what the tests need (Debian's chromium and a Korean font for the UI
#                             tests, curl for the agent installer's tests,
#                             mosquitto-clients for the MQTT-over-TLS tests, monitoring-plugins-basic
#                             for the script checks' tests)
#   scripts/setup.sh --bench  also the benchmarks' baselines (mosquitto, prometheus-node-exporter, goaccess)
#   scripts/setup.sh --arm64  also what scripts/arm64-smoke.sh needs: mmdebstrap, qemu-user-static and the
#                             aarch64 cross compiler (about 250 MB, hence a flag of its own)
set -euo pipefail
cd "$(dirname "$0")/.."

# node first: everything below needs it, and nothing is worth installing without it
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "setup: Node.js 20 or later and npm are needed (Debian 13: apt-get install nodejs npm)" >&2
  exit 1
fi
node_version=$(node -p process.versions.node)
if [ "${node_version%%.*}" -lt 20 ]; then
  echo "setup: Node.js 20 or later is needed (found $node_version)" >&2
  exit 1
fi

# openssl: the appliance signs its self-signed TLS certificate with the openssl CLI at first start;
# fping: the appliance's ping probes (docs/probes.md; Debian gives it cap_net_raw)
want=(rrdtool:rrdtool rrdcached:rrdcached socat:socat openssl:openssl make:make g++:g++ python3:python3 fping:fping)
for arg in "$@"; do
  case "$arg" in
    # curl: the agent installer downloads with curl or wget, and a minimal Debian has neither
    # genimage…shellcheck: scripts/check-board.sh, the board image's offline checks (D1);
    # python3-magic and flake8: Buildroot's utils/check-package, when BUILDROOT_DIR is given;
    # monitoring-plugins-basic: the script checks' tests (S6);
    # prometheus (with promtool), prometheus-alertmanager and victoria-metrics: the federation tests
    # (S19) start their own on loopback; the packages' system services are stopped and disabled below
    --test) want+=(promtool:prometheus prometheus-alertmanager:prometheus-alertmanager victoria-metrics:victoria-metrics chromium:chromium fc-list:fonts-nanum curl:curl mosquitto_sub:mosquitto-clients
                   genimage:genimage rauc:rauc mcopy:mtools mkfs.vfat:dosfstools mksquashfs:squashfs-tools
                   shellcheck:shellcheck file:file python3-magic:python3-magic flake8:python3-flake8
                   check_tcp:monitoring-plugins-basic) ;;
    --bench) want+=(mosquitto:mosquitto prometheus-node-exporter:prometheus-node-exporter goaccess:goaccess) ;;
    --arm64) want+=(mmdebstrap:mmdebstrap qemu-aarch64-static:qemu-user-static aarch64-linux-gnu-g++:g++-aarch64-linux-gnu
                    curl:curl file:file) ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

missing=()
for pair in "${want[@]}"; do
  cmd=${pair%%:*}; pkg=${pair#*:}
  if [ "$pkg" = fonts-nanum ] || [ "$pkg" = python3-magic ] || [ "$pkg" = monitoring-plugins-basic ]; then
    # fonts-nanum: Korean glyphs for the UI screenshots (chromium renders empty boxes without a
    # CJK font); python3-magic: a Python module, no command; monitoring-plugins: in
    # /usr/lib/nagios/plugins, not on PATH
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  elif ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$cmd" ] && [ ! -x "/usr/bin/$cmd" ]; then
    missing+=("$pkg")
  fi
done

# Where better-sqlite3's prebuilt binary cannot be downloaded (it comes from GitHub), npm compiles
# it, and node-gyp then downloads Node's headers from nodejs.org unless told where they are: on a
# machine that reaches only the npm registry and the Debian mirror both downloads fail. So node-gyp
# is given headers from this machine: the running node's own (official builds and NodeSource's
# package ship them next to the binary), else Debian's (libnode-dev, installed when missing; they
# match Debian's nodejs). This overrides a nodedir in ~/.npmrc: what works must not depend on one.
node_prefix=$(node -p 'require("path").resolve(process.execPath, "../..")')
headers_version() { # x.y.z of the Node headers under prefix $1, nothing when there are none
  local h="$1/include/node/node_version.h"
  [ -f "$1/include/node/node.h" ] && [ -f "$h" ] || return 0
  awk '/^#define NODE_(MAJOR|MINOR|PATCH)_VERSION / { v = v sep $3; sep = "." } END { print v }' "$h"
}
find_nodedir() { # the first prefix with headers of the running node's major.minor, else the first with any
  local dir v first=""
  for dir in "$node_prefix" /usr /usr/local; do
    v=$(headers_version "$dir")
    [ -n "$v" ] || continue
    [ -n "$first" ] || first=$dir
    if [ "${v%.*}" = "${node_version%.*}" ]; then echo "$dir"; return; fi
  done
  echo "$first"
}
nodedir=${npm_config_nodedir:-$(find_nodedir)} # a nodedir set in the environment is the caller's choice
if [ -z "$nodedir" ]; then missing+=(libnode-dev); fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages with apt-get: ${missing[*]}"
  # env, not export: sudo drops the environment, and a debconf question would wait unseen
  apt=(env DEBIAN_FRONTEND=noninteractive apt-get -qq -o DPkg::Lock::Timeout=300)
  if [ "$(id -u)" -ne 0 ]; then apt=(sudo "${apt[@]}"); fi
  # dpkg's per-package lines and "Reading database ... 5%" progress go to stdout, which -qq does
  # not silence; errors and warnings go to stderr, which stays. The lock timeout waits for an
  # apt run already under way (unattended-upgrades on a freshly booted machine) instead of failing.
  "${apt[@]}" update >/dev/null
  # the rrdcached package starts a system-wide daemon; rackwatch runs its own instance, so the
  # system one is harmless (and absent where there is no init system)
  "${apt[@]}" install -y --no-install-recommends "${missing[@]}" >/dev/null
  # prometheus, prometheus-alertmanager and victoria-metrics start system services on 9090, 9093
  # and 8428 (where there is an init system); the tests run their own on free ports, so the system
  # ones are stopped and kept from starting at boot
  for svc in prometheus prometheus-alertmanager victoria-metrics; do
    case " ${missing[*]} " in *" $svc "*)
      if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        if [ "$(id -u)" -ne 0 ]; then sudo systemctl disable --now "$svc" >/dev/null 2>&1 || true
        else systemctl disable --now "$svc" >/dev/null 2>&1 || true; fi
      fi ;;
    esac
  done
  if [ -z "$nodedir" ]; then nodedir=$(find_nodedir); fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  if [ -n "$nodedir" ]; then
    headers=$(headers_version "$nodedir")
    # said, and npm ci still tried: it only matters if better-sqlite3 has to be compiled here
    if [ -n "$headers" ] && [ "${headers%%.*}" != "${node_version%%.*}" ]; then
      echo "setup: warning: the Node.js headers in $nodedir/include/node are version $headers but node is $node_version:" >&2
      echo "setup: warning: a better-sqlite3 compiled against them will not load. Install headers of node's version (Debian: libnode-dev of the same version as nodejs)." >&2
    elif [ -n "$headers" ] && [ "${headers%.*}" != "${node_version%.*}" ]; then
      echo "setup: warning: the Node.js headers in $nodedir/include/node are version $headers but node is $node_version:" >&2
      echo "setup: warning: compiling better-sqlite3 against them usually works; if it fails, install headers of node's version (Debian: libnode-dev of the same version as nodejs)." >&2
    fi
    export npm_config_nodedir=$nodedir
  else
    echo "setup: warning: no Node.js headers found; if better-sqlite3 has to be compiled, node-gyp will try to download them from nodejs.org" >&2
  fi
  # measured on a 2-core machine shared with other work, npm cache empty: 1.8 to 3.6 min, up to
  # 1.5 min of it compiling better-sqlite3. Its prebuilt binary is tried first; where GitHub cannot
  # be reached that fails within about 10 s (Node's HTTP agent times out), so it is left to try.
  echo "setup: installing npm packages with npm ci (2 to 4 minutes: better-sqlite3 is compiled from source unless its prebuilt binary can be downloaded)"
  npm ci --no-audit --no-fund
fi
