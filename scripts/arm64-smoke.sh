#!/usr/bin/env bash
# arm64 proof (D1): the board bundle runs on arm64. Builds (once) an arm64 Debian root with
# mmdebstrap and qemu-user-static, installs the board bundle into it (`npm run bundle:board --
# --arch arm64`), starts the appliance in it under emulation with its own rrdcached, enrolls an
# agent running natively on loopback (the chroot shares this machine's network), and checks that a
# sample lands in an RRD file, that health is ok and that the web UI's page and script load.
#   scripts/arm64-smoke.sh
# Needs root (chroot, mounts, binfmt_misc), scripts/setup.sh --arm64 (mmdebstrap, qemu-user-static,
# the aarch64 cross compiler) and, on the first run only, the Debian mirror this machine's apt uses.
# better-sqlite3@12 has no arm64 prebuild: it is compiled here with the cross compiler against the
# root's own Node headers (Debian's libnode-dev), as Buildroot compiles it with its toolchain.
# Cached between runs under ARM64_CACHE (default var/cache/arm64): the root, keyed by the suite, the
# mirror and the package list; the compiled addon, keyed by better-sqlite3's, Node's and the
# compiler's versions. ARM64_SUITE: Debian trixie (Node 20; bookworm's is 18, older than the
# appliance needs). Prints how long each step took; exits non-zero naming the check that failed.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

SUITE=${ARM64_SUITE:-trixie}
# openssl: the appliance makes its self-signed certificate with the CLI; libnode-dev: the headers
# better-sqlite3 is compiled against
PACKAGES=(nodejs rrdtool rrdcached openssl libnode-dev)
cache=${ARM64_CACHE:-$repo/var/cache/arm64}
# the appliance's data dir, inside the root
DATA=/var/lib/rackwatch-smoke
# emulated start-up and the first sample take a while; these bound a hang, not a measurement
READY_TIMEOUT_S=${ARM64_READY_TIMEOUT_S:-600}
SAMPLE_TIMEOUT_S=${ARM64_SAMPLE_TIMEOUT_S:-300}

started=$SECONDS
step_started=$SECONDS
say() { echo "arm64-smoke: $*"; }
die() { echo "arm64-smoke: FAIL $*" >&2; exit 1; }
step_done() { say "$1 ($((SECONDS - step_started)) s)"; step_started=$SECONDS; }

[ "$(id -u)" -eq 0 ] || die "needs root (chroot, mounts, binfmt_misc)"
for tool in mmdebstrap qemu-aarch64-static aarch64-linux-gnu-g++ curl openssl file; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed (scripts/setup.sh --arm64)"
done

# The Debian mirror this machine's apt uses (the only network this script reaches besides loopback).
debian_mirror() {
	{
		sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]\+\).*/\2/p' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null
		sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | tr ' ' '\n'
	} | grep -E '^https?://.*/debian/?$' | head -n1
}
mirror=${ARM64_MIRROR:-$(debian_mirror)}
[ -n "$mirror" ] || die "no Debian mirror in /etc/apt/sources.list* (set ARM64_MIRROR)"

# arm64 programs run through qemu-aarch64-static, registered with binfmt_misc; the F flag makes the
# kernel open the interpreter at registration, so the chroot needs no copy of it
ensure_binfmt() {
	[ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
	[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] && return 0
	local conf=/usr/lib/binfmt.d/qemu-aarch64.conf
	[ -s "$conf" ] || die "$conf is missing (qemu-user-static)"
	grep -v '^#' "$conf" | head -n1 >/proc/sys/fs/binfmt_misc/register
}
ensure_binfmt
grep -q '^flags: .*F' /proc/sys/fs/binfmt_misc/qemu-aarch64 || die "qemu-aarch64 is registered without the F flag: chrooted programs cannot find it"

# 1. the root, built once per suite, mirror and package list
key=$(printf '%s\n' "$SUITE" "$mirror" "${PACKAGES[@]}" | sha256sum | cut -c1-16)
root="$cache/root-$key"
mkdir -p "$cache"
if [ -e "$root/.complete" ]; then
	step_done "arm64 root: cached ($root)"
else
	rm -rf "$root" "$root.partial"
	# roots of other keys are stale: one root at a time (about 400 MB)
	find "$cache" -maxdepth 1 -name 'root-*' -exec rm -rf {} +
	say "building the $SUITE arm64 root from $mirror (${PACKAGES[*]})"
	mmdebstrap --quiet --mode=root --arch=arm64 --variant=essential --include="$(IFS=,; echo "${PACKAGES[*]}")" \
		--aptopt='Acquire::Retries "3"' --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
		--dpkgopt='path-exclude=/usr/share/locale/*' "$SUITE" "$root.partial" "$mirror"
	touch "$root.partial/.complete"
	mv "$root.partial" "$root"
	step_done "arm64 root built"
fi
node_arm64=$(chroot "$root" /usr/bin/env -i /usr/bin/node -p 'process.version + " " + process.arch')
[[ "$node_arm64" == *" arm64" ]] || die "the root's node is not arm64: $node_arm64"
step_done "the root's node runs under emulation: $node_arm64"

# 2. the board bundle, from dist/ (built here unless already built)
bundle=$(mktemp -d)
app_pid=''
agent_pid=''
cleanup() {
	for pid in $agent_pid $app_pid; do kill "$pid" 2>/dev/null || true; done
	for pid in $agent_pid $app_pid; do wait "$pid" 2>/dev/null || true; done
	for m in dev/pts dev proc; do mountpoint -q "$root/$m" && umount "$root/$m"; done
	rm -rf "$bundle"
}
trap cleanup EXIT
build=()
[ -s dist/appliance.js ] && [ -s dist/webui/index.html ] && build=(--no-build)
node scripts/bundle-board.mjs --arch arm64 --out "$bundle/rackwatch" "${build[@]}" >/dev/null
step_done "board bundle made (npm run bundle:board -- --arch arm64)"

# 3. better-sqlite3 for arm64: cross-compiled against the root's Node headers (the Buildroot
#    package's way: npm's install script with the target's arch and headers)
bsq_version=$(node -p 'require("./node_modules/better-sqlite3/package.json").version')
headers=$(awk '/^#define NODE_(MAJOR|MINOR|PATCH)_VERSION / { v = v sep $3; sep = "." } END { print v }' "$root/usr/include/node/node_version.h")
gxx=$(aarch64-linux-gnu-g++ -dumpfullversion)
addon="$cache/better-sqlite3-$bsq_version-node$headers-gcc$gxx.node"
if [ -s "$addon" ]; then
	step_done "better-sqlite3 $bsq_version for arm64: cached"
else
	src="$bundle/bsq/better-sqlite3"
	mkdir -p "$(dirname "$src")"
	cp -a "$bundle/rackwatch/node_modules/better-sqlite3" "$src"
	(cd "$src" && env CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ LINK=aarch64-linux-gnu-g++ AR=aarch64-linux-gnu-ar \
		npm_config_arch=arm64 npm_config_target_arch=arm64 npm_config_nodedir="$root/usr" npm_config_build_from_source=true \
		npm run install --offline --foreground-scripts >"$bundle/bsq.log" 2>&1) || { tail -n 40 "$bundle/bsq.log"; die "better-sqlite3 did not compile for arm64"; }
	file -b "$src/build/Release/better_sqlite3.node" | grep -q 'ARM aarch64' || die "the compiled better-sqlite3 is not arm64: $(file -b "$src/build/Release/better_sqlite3.node")"
	cp "$src/build/Release/better_sqlite3.node" "$addon.partial"
	mv "$addon.partial" "$addon"
	find "$cache" -maxdepth 1 -name 'better-sqlite3-*.node' ! -path "$addon" -delete
	step_done "better-sqlite3 $bsq_version cross-compiled for arm64 against Node $headers"
fi
mkdir -p "$bundle/rackwatch/node_modules/better-sqlite3/build/Release"
cp "$addon" "$bundle/rackwatch/node_modules/better-sqlite3/build/Release/better_sqlite3.node"

# 4. the bundle installed where the board has it, a fresh data dir, the kernel's file systems
rm -rf "$root/opt/rackwatch" "${root:?}$DATA"
cp -a "$bundle/rackwatch" "$root/opt/rackwatch"
mkdir -p "$root$DATA" "$root/dev" "$root/proc"
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
step_done "bundle installed in the root at /opt/rackwatch"

# 5. the appliance under emulation, listening on loopback only, every port chosen by the kernel
log="$cache/appliance.log"
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp LANG=C.UTF-8 \
	RW_DATA_DIR="$DATA" RW_LISTEN=127.0.0.1 RW_PUBLIC_ADDRESS=127.0.0.1 RW_HTTP_PLAIN=serve RW_MODEM=none \
	RW_HTTP_PORT=0 RW_HTTPS_PORT=0 RW_MQTT_PORT=0 RW_MQTTS_PORT=0 RW_RRD_WRITE_INTERVAL=10 \
	/usr/bin/node /opt/rackwatch/appliance.js >"$log" 2>&1 &
app_pid=$!
ready=''
for _ in $(seq "$READY_TIMEOUT_S"); do
	ready=$(sed -n 's/^rackwatch ready //p' "$log")
	[ -n "$ready" ] && break
	kill -0 "$app_pid" 2>/dev/null || { tail -n 40 "$log"; die "the appliance exited under emulation"; }
	sleep 1
done
[ -n "$ready" ] || { tail -n 40 "$log"; die "the appliance was not ready within ${READY_TIMEOUT_S} s"; }
port() { node -p "JSON.parse(process.argv[1]).$1" "$ready"; }
http_port=$(port httpPort)
https_port=$(port httpsPort)
step_done "appliance ready under emulation ($ready)"

# 6. an agent on this machine, natively, enrolled with the token and the TLS key pin
token=$(cat "$root$DATA/enroll-token")
pin="sha256//$(openssl x509 -in "$root$DATA/tls/cert.pem" -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)"
RW_APPLIANCE="https://127.0.0.1:$https_port" RW_PIN="$pin" RW_TOKEN="$token" RW_STATE_DIR="$bundle/agent" \
	RW_HOSTNAME=arm64-smoke-agent RW_INTERVAL=5 node dist/agent.js >"$cache/agent.log" 2>&1 &
agent_pid=$!

# 7. a sample in an RRD file, read by the root's rrdtool (through rrdcached, which flushes it first)
sample=''
for _ in $(seq "$SAMPLE_TIMEOUT_S"); do
	kill -0 "$agent_pid" 2>/dev/null || { tail -n 20 "$cache/agent.log"; die "the agent exited"; }
	# the agent's files (rrd/<agent id>/), not the store's empty templates (rrd/.templates/)
	file=$(find "$root$DATA/rrd" -path '*/.*' -prune -o -name '*.rrd' -print 2>/dev/null | sort | head -n1)
	if [ -n "$file" ]; then
		in_root=${file#"$root"}
		# `timestamp: value…` once a value other than U (unknown) is in the file
		sample=$(chroot "$root" /usr/bin/rrdtool lastupdate --daemon "unix:$DATA/run/rrdcached.sock" "$in_root" 2>/dev/null \
			| grep -E '^[0-9]+:.*[0-9]' | grep -vE '^[0-9]+:( U)+$' || true)
		[ -n "$sample" ] && break
	fi
	sleep 1
done
[ -n "$sample" ] || { tail -n 20 "$log"; tail -n 20 "$cache/agent.log"; die "no sample landed in an RRD file within ${SAMPLE_TIMEOUT_S} s"; }
step_done "a sample landed in ${in_root#"$DATA/"}: $sample"

# 8. health and the web UI, over loopback
health=$(curl -fsS "http://127.0.0.1:$http_port/api/v1/health") || die "GET /api/v1/health failed: $health"
[[ "$health" == *'"status":"ok"'* ]] || die "health is not ok: $health"
page=$(curl -fsS "http://127.0.0.1:$http_port/") || die "GET / failed"
[[ "$page" == *'<title>rackwatch</title>'* ]] || die "GET / is not the web UI's page"
script=$(sed -n 's/.*<script type="module" src="\([^"]*\)".*/\1/p' <<<"$page")
curl -fsS -o /dev/null "http://127.0.0.1:$http_port/$script" || die "the page's script $script did not load"
step_done "health ok ($health); the web UI's page and $script load"

say "ok: the appliance runs on arm64 under emulation ($((SECONDS - started)) s in all)"
