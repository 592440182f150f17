#!/usr/bin/env bash
# Offline checks of the board image (D1): what can be checked without building Buildroot.
#   scripts/check-board.sh                          the checks that need no Buildroot tree (CI)
#   BUILDROOT_DIR=<buildroot checkout> scripts/check-board.sh   also the Buildroot-side checks
# Buildroot is no package on the registries this project uses: BUILDROOT_DIR is a checkout of
# its public git repository (https://gitlab.com/buildroot.org/buildroot). BOARD_TREE (default
# buildroot/) is the BR2_EXTERNAL tree checked. Every check prints one line, `ok` or `FAIL`;
# the exit status is the number of failures (0: all passed). Tools come from
# scripts/setup.sh --test (genimage, rauc, mtools, dosfstools, squashfs-tools, shellcheck).
# the checks are functions run through check(): shellcheck cannot see those calls
# shellcheck disable=SC2317
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
repo=$(pwd)
tree=$(cd "${BOARD_TREE:-buildroot}" && pwd)
board="$tree/board/rackwatch"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
# check <name> <command…>: runs it quietly, shows its output only when it fails
check() {
	local name=$1; shift
	if "$@" >"$work/out" 2>&1; then ok "$name"; else fail "$name"; sed 's/^/     /' "$work/out"; fi
}
need() { command -v "$1" >/dev/null 2>&1 || { fail "$1 is not installed (scripts/setup.sh --test)"; return 1; }; }

# 1. every file of the tree is there
files=(external.desc Config.in external.mk
	package/rackwatch/Config.in package/rackwatch/rackwatch.mk
	package/rackwatch/rackwatch.service package/rackwatch/rackwatch-firstboot.service
	package/rackwatch/rackwatch-mark-good.service package/rackwatch/rackwatch-setup-issue.service
	package/rackwatch/rackwatch-clock-restore.service package/rackwatch/rackwatch-clock-save.service
	package/rackwatch/rackwatch-clock-save.timer package/rackwatch/rackwatch-factory-reset.service
	package/rackwatch/rackwatch-console-init.service package/rackwatch/rackwatch-console-requests.path
	package/rackwatch/rackwatch-console-requests.service
	configs/rackwatch_rpi4_64_defconfig configs/rackwatch_qemu_aarch64_defconfig
	board/rackwatch/post-build.sh board/rackwatch/post-image.sh board/rackwatch/genimage.cfg
	board/rackwatch/config.txt board/rackwatch/boot.cmd
	board/rackwatch/rauc/manifest.raucm.in board/rackwatch/rauc/make-bundle.sh
	board/rackwatch/rootfs-overlay/etc/fstab board/rackwatch/rootfs-overlay/etc/chrony.conf
	board/rackwatch/rootfs-overlay/etc/fw_env.config board/rackwatch/rootfs-overlay/etc/rauc/system.conf
	board/rackwatch/rootfs-overlay/etc/udev/rules.d/90-rackwatch-modem.rules
	board/rackwatch/rootfs-overlay/usr/libexec/rackwatch/firstboot
	board/rackwatch/rootfs-overlay/usr/libexec/rackwatch/setup-issue
	board/rackwatch/rootfs-overlay/usr/libexec/rackwatch/mark-good
	board/rackwatch/rootfs-overlay/usr/libexec/rackwatch/clock
	board/rackwatch/rootfs-overlay/usr/libexec/rackwatch/factory-reset
	README.md)
missing=()
for f in "${files[@]}"; do [ -s "$tree/$f" ] || missing+=("$f"); done
if [ ${#missing[@]} -eq 0 ]; then ok "all ${#files[@]} files of the tree are present"; else fail "missing: ${missing[*]}"; fi
if grep -q '^/dev/mmcblk0p4[[:space:]]\+/data[[:space:]]' "$tree/board/rackwatch/rootfs-overlay/etc/fstab"; then
	ok "fstab mounts the data partition at /data"
else
	fail "fstab does not mount /dev/mmcblk0p4 at /data"
fi

# 2. shellcheck on every shell script (by its #! line), this one included
if need shellcheck; then
	scripts=("$repo/scripts/check-board.sh")
	while IFS= read -r f; do
		head -n1 "$f" | grep -qE '^#!.*(/|env )(ba)?sh' && scripts+=("$f")
	done < <(find "$tree" -type f -not -path '*/app-bundle/*' | sort)
	check "shellcheck on ${#scripts[@]} shell scripts" shellcheck "${scripts[@]}"
fi

# 3. genimage.cfg with dummy inputs: the card gets boot, rootfs A, rootfs B and data
if need genimage && need mcopy && need mkfs.vfat; then
	in="$work/genimage/in"
	mkdir -p "$in/rpi-firmware/overlays" "$work/genimage/root" "$work/genimage/out"
	for f in bcm2711-rpi-4-b.dtb bcm2711-rpi-cm4.dtb u-boot.bin boot.scr Image rpi-firmware/start4.elf \
		rpi-firmware/fixup4.dat rpi-firmware/config.txt rpi-firmware/cmdline.txt rpi-firmware/overlays/uart2.dtbo; do
		echo dummy >"$in/$f"
	done
	mke2fs -q -t ext4 "$in/rootfs.ext4" 16M
	check "genimage accepts genimage.cfg with dummy inputs" genimage --rootpath "$work/genimage/root" \
		--tmppath "$work/genimage/tmp" --inputpath "$in" --outputpath "$work/genimage/out" --config "$board/genimage.cfg"
	if [ -s "$work/genimage/out/sdcard.img" ]; then
		# the MBR's four entries: type and first sector
		parts=$(python3 -c 'import struct,sys
d=open(sys.argv[1],"rb").read(512)
print(" ".join("%x@%d" % (d[446+16*i+4], struct.unpack("<I", d[446+16*i+8:446+16*i+12])[0]) for i in range(4)))' "$work/genimage/out/sdcard.img")
		if [[ "$parts" =~ ^c@[0-9]+\ 83@[0-9]+\ 83@[0-9]+\ 83@[0-9]+$ ]]; then
			ok "sdcard.img: boot (FAT), rootfs A, rootfs B, data ($parts)"
		else
			fail "sdcard.img partitions are not boot + rootfs A + rootfs B + data: $parts"
		fi
	fi
fi

# 4. the units pass systemd-analyze verify, in a root made of the overlay, the units and stubs
#    of the board's programs (verify checks that every ExecStart exists)
if need systemd-analyze; then
	root="$work/root"
	mkdir -p "$root/usr/lib/systemd/system" "$root/usr/bin" "$root/etc"
	# systemd's own units (sysinit.target, time-set.target…), as Buildroot's systemd installs them
	cp -a /usr/lib/systemd/system/. "$root/usr/lib/systemd/system/"
	cp -a "$board/rootfs-overlay/." "$root/"
	cp "$tree"/package/rackwatch/*.service "$tree"/package/rackwatch/*.timer "$tree"/package/rackwatch/*.path "$root/usr/lib/systemd/system/"
	for stub in node rauc; do printf '#!/bin/sh\n' >"$root/usr/bin/$stub"; chmod 755 "$root/usr/bin/$stub"; done
	# fstab's /data becomes data.mount on the board (systemd-fstab-generator), which verify does not run
	printf '[Mount]\nWhat=/dev/mmcblk0p4\nWhere=/data\nType=ext4\n' >"$root/usr/lib/systemd/system/data.mount"
	units=()
	for u in "$tree"/package/rackwatch/*.service "$tree"/package/rackwatch/*.timer "$tree"/package/rackwatch/*.path; do units+=("$root/usr/lib/systemd/system/$(basename "$u")"); done
	verify() {
		# systemd-analyze verify warns (and still exits 0) about many things: any line naming
		# one of our units is a failure
		systemd-analyze verify --root="$root" --man=no "${units[@]}" >"$work/verify" 2>&1 || { cat "$work/verify"; return 1; }
		! grep -E 'rackwatch|data\.mount' "$work/verify" || return 1
	}
	check "systemd-analyze verify on ${#units[@]} units" verify
fi

# 4b. every unit of the package is installed by rackwatch.mk and enabled by post-build.sh (a unit
#     left out of either is never started on the board), and the console's requests to root (D5)
#     fit together: the path unit watches the spool root's helper reads, the factory reset's
#     marker is the one the boot unit waits for, the tech login is in the group that may write
units_installed() {
	local mk="$tree/package/rackwatch/rackwatch.mk" post="$board/post-build.sh" bad=0 u name
	for u in "$tree"/package/rackwatch/*.service "$tree"/package/rackwatch/*.timer "$tree"/package/rackwatch/*.path; do
		name=$(basename "$u")
		grep -qE "(^|[[:space:],])$name([[:space:],\\]|$)" "$mk" || { echo "rackwatch.mk does not install $name"; bad=1; }
		# a unit started by another (a service started by its path or timer, or by a Requires=) needs no link
		case "$name" in rackwatch-clock-save.service | rackwatch-console-requests.service) continue ;; esac
		if [ "$name" = rackwatch-mark-good.service ]; then grep -q "$name" "$post" && continue; fi
		grep -qE "(for unit in|ln -sf).*$name|^[[:space:]]+$name" "$post" || { echo "post-build.sh does not enable $name"; bad=1; }
	done
	local unitdir="$tree/package/rackwatch"
	grep -qx 'PathExists=/run/rackwatch-console/requests/network.request' "$unitdir/rackwatch-console-requests.path" || { echo 'the path unit does not watch /run/rackwatch-console/requests/network.request'; bad=1; }
	grep -qx 'PathExists=/run/rackwatch-console/requests/reset.request' "$unitdir/rackwatch-console-requests.path" || { echo 'the path unit does not watch /run/rackwatch-console/requests/reset.request'; bad=1; }
	grep -qx 'ConditionPathExists=/data/.rackwatch-factory-reset' "$unitdir/rackwatch-factory-reset.service" || { echo 'rackwatch-factory-reset.service does not wait for /data/.rackwatch-factory-reset'; bad=1; }
	grep -q '^MARKER=.rackwatch-factory-reset$' "$board/rootfs-overlay/usr/libexec/rackwatch/factory-reset" || { echo 'the factory-reset script does not look for .rackwatch-factory-reset'; bad=1; }
	grep -qE '^[[:space:]]*tech .* [a-z,]*rwconsole[a-z,]* ' "$mk" || { echo 'the tech login is not in the group rwconsole (it could not write its requests)'; bad=1; }
	# shellcheck disable=SC2016 # the line as post-build.sh has it, $TARGET unexpanded
	grep -q 'ln -sf /data/network/10-rackwatch.network "$TARGET/etc/systemd/network/10-rackwatch.network"' "$post" \
		|| { echo 'post-build.sh does not link /etc/systemd/network/10-rackwatch.network to /data'; bad=1; }
	return "$bad"
}
check "every unit is installed by rackwatch.mk and enabled, and the console's requests to root fit together" units_installed

# 5. RAUC: system.conf loads, and the bundle recipe makes a bundle that verifies against the CA
#    (a throwaway CA here; the real signing key stays outside the tree and the image)
if need rauc && need mksquashfs && need openssl; then
	r="$work/rauc"
	mkdir -p "$r/images"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$r/key.pem" -out "$r/cert.pem" -subj /CN=rackwatch-check \
		-days 1 -addext extendedKeyUsage=codeSigning >/dev/null 2>&1
	head -c 65536 /dev/urandom >"$r/images/rootfs.ext4" # incompressible: RAUC wants more than 4 KiB of squashfs
	check "make-bundle.sh signs a RAUC bundle" env RACKWATCH_RAUC_CERT="$r/cert.pem" RACKWATCH_RAUC_KEY="$r/key.pem" HOST_DIR="$r/none" \
		"$board/rauc/make-bundle.sh" "$r/images" 0.0.0-check "$r/update.raucb"
	rauc_info() {
		rauc --conf="$board/rootfs-overlay/etc/rauc/system.conf" --keyring="$r/cert.pem" info "$r/update.raucb" >"$work/rauc-info" 2>&1 \
			|| { cat "$work/rauc-info"; return 1; }
		grep -q "Compatible:.*'$(sed -n 's/^compatible=//p' "$board/rootfs-overlay/etc/rauc/system.conf")'" "$work/rauc-info" \
			|| { echo "the bundle's compatible is not system.conf's"; cat "$work/rauc-info"; return 1; }
	}
	check "RAUC loads system.conf and verifies the bundle (rauc $(rauc --version | cut -d' ' -f2))" rauc_info
fi

# 6. the board bundle builds and holds arm64 native modules (from dist/: npm run build first)
bundle_check() {
	local out="$work/bundle" build=()
	[ -s dist/appliance.js ] && build=(--no-build)
	node scripts/bundle-board.mjs --arch arm64 --out "$out" "${build[@]}" || return 1
	local serial="$out/node_modules/@serialport/bindings-cpp/prebuilds/linux-arm64/@serialport+bindings-cpp.armv8.glibc.node"
	file -b "$serial" | grep -q 'ARM aarch64' || { echo "not an arm64 addon: $serial: $(file -b "$serial")"; return 1; }
	if find "$out/node_modules" -name '*.node' -exec file -b {} + | grep -v 'ARM aarch64'; then echo 'a native module is not for arm64'; return 1; fi
	[ ! -e "$out/node_modules/better-sqlite3/build" ] || { echo "better-sqlite3's host build is in the bundle"; return 1; }
	[ -s "$out/node_modules/better-sqlite3/binding.gyp" ] || { echo "better-sqlite3's sources (for Buildroot to compile) are missing"; return 1; }
	for f in appliance.js webui/index.html agent.js console.js console-root-helper.js sock-diag-linux-arm64.node bin/rackwatch-console manifest.json; do
		[ -s "$out/$f" ] || { echo "missing in the bundle: $f"; return 1; }
	done
	# the console (D5): the technician's login shell runs the bundle's console.js, on the appliance's
	# data dir, and console.js runs from the bundle alone (no native addon, nothing from the tree)
	[ -x "$out/bin/rackwatch-console" ] || { echo "bin/rackwatch-console is not executable"; return 1; }
	grep -q '^exec /usr/bin/node /opt/rackwatch/console.js' "$out/bin/rackwatch-console" || { echo "bin/rackwatch-console does not run /opt/rackwatch/console.js"; return 1; }
	grep -q "$(sed -n 's/^Environment=RW_DATA_DIR=//p' "$tree/package/rackwatch/rackwatch.service")" "$out/bin/rackwatch-console" \
		|| { echo "bin/rackwatch-console's data dir is not rackwatch.service's"; return 1; }
	(cd "$work" && node "$out/console.js" --help) | grep -q '^Usage: rackwatch-console' || { echo "the bundle's console.js does not run on its own"; return 1; }
	# on the board the console asks root for network changes and resets through the spool the
	# path unit watches, and the units run the bundle's root helper
	grep -q "^: \"\${RW_CONSOLE_REQUESTS:=$(sed -n 's|^PathExists=\(.*\)/requests/network.request$|\1|p' "$tree/package/rackwatch/rackwatch-console-requests.path")}\"" "$out/bin/rackwatch-console" \
		|| { echo "bin/rackwatch-console's requests dir is not the one rackwatch-console-requests.path watches"; return 1; }
	(cd "$work" && node "$out/console-root-helper.js" --help) | grep -q '^Usage: console-root-helper' || { echo "the bundle's console-root-helper.js does not run on its own"; return 1; }
	for u in rackwatch-console-init.service rackwatch-console-requests.service; do
		grep -q '^ExecStart=/usr/bin/node /opt/rackwatch/console-root-helper.js ' "$tree/package/rackwatch/$u" || { echo "$u does not run /opt/rackwatch/console-root-helper.js"; return 1; }
	done
	node -e 'const m = require(process.argv[1]); if (m.console?.file !== "console.js") process.exit(1)' "$out/manifest.json" \
		|| { echo "manifest.json does not name the console"; return 1; }
	grep -q 'ln -sf /opt/rackwatch/bin/rackwatch-console .*/usr/bin/rackwatch-console' "$tree/package/rackwatch/rackwatch.mk" \
		|| { echo "the Buildroot package does not install rackwatch-console in /usr/bin"; return 1; }
	grep -q '^[[:space:]]*tech .* /usr/bin/rackwatch-console ' "$tree/package/rackwatch/rackwatch.mk" || { echo "the tech login's shell is not rackwatch-console"; return 1; }
}
if need file && need node; then check "the arm64 board bundle builds and holds only arm64 native modules and the console" bundle_check; fi

# 7. with a Buildroot tree: the defconfigs load, nothing in them is dropped, the package is known,
#    and check-package has no warning
if [ -z "${BUILDROOT_DIR:-}" ]; then
	echo "skip the Buildroot checks: BUILDROOT_DIR is not set (a checkout of Buildroot's git repository)"
else
	br=$(cd "$BUILDROOT_DIR" && pwd)
	brmake() { make -C "$br" -s BR2_EXTERNAL="$tree" O="$work/br-$1" "${@:2}"; }
	list_defconfigs() {
		brmake list list-defconfigs >"$work/list" 2>&1 || { cat "$work/list"; return 1; }
		grep -q rackwatch_rpi4_64_defconfig "$work/list" || { cat "$work/list"; return 1; }
		grep -q rackwatch_qemu_aarch64_defconfig "$work/list" || { cat "$work/list"; return 1; }
	}
	check "make list-defconfigs lists both rackwatch defconfigs" list_defconfigs
	for defconfig in rackwatch_rpi4_64_defconfig rackwatch_qemu_aarch64_defconfig; do
		check "make $defconfig" brmake "$defconfig" "$defconfig"
		# Kconfig drops an unknown symbol or one whose dependencies are unmet without a word
		survived() {
			local dropped=0 line
			while IFS= read -r line; do
				grep -qxF "$line" "$work/br-$defconfig/.config" || { echo "DROPPED: $line"; dropped=1; }
			done < <(grep -E '^(# )?BR2_' "$tree/configs/$defconfig")
			return "$dropped"
		}
		check "every BR2_ line of $defconfig is in .config" survived
	done
	show_info() {
		brmake rackwatch_rpi4_64_defconfig rackwatch-show-info >"$work/info" 2>&1 || { cat "$work/info"; return 1; }
		grep -q '"version": "[^"]' "$work/info" || { cat "$work/info"; return 1; }
		grep -q '"local+' "$work/info" || { cat "$work/info"; return 1; }
	}
	check "make rackwatch-show-info (a version, a local site)" show_info
	# check-package needs python3-magic and flake8: Debian's python3 has them, a pyenv one may not
	py=python3
	python3 -c 'import magic, flake8' 2>/dev/null || py=/usr/bin/python3
	check_package() {
		(cd "$tree" && find . -type f -not -path './app-bundle/*' | sort | xargs "$py" "$br/utils/check-package" -b) >"$work/cp" 2>&1 || { cat "$work/cp"; return 1; }
		grep -q '^0 warnings generated' "$work/cp" || { cat "$work/cp"; return 1; }
		tail -2 "$work/cp"
	}
	check "utils/check-package on every file of the tree, no warning" check_package
	sed 's/^/     /' "$work/out"
fi

echo "check-board: $failures failure(s)"
exit "$failures"
