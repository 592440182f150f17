#!/bin/sh
# Post-build (D1): a read-only root whose state lives on /data, ModemManager kept off the
# modem, the appliance's units enabled, and RAUC's keyring. $1 is TARGET_DIR; `--no-rauc`
# (the emulated board, which has no A/B slots) skips the keyring and the mark-good unit.
# The keyring is the CA certificate bundles are checked against: given from outside the
# tree through RACKWATCH_RAUC_KEYRING (its signing key never enters the image or the repo).
set -eu

TARGET="$1"
RAUC=yes
if [ "${2:-}" = --no-rauc ]; then RAUC=no; fi

# read-only root: what must persist is linked to /data
ln -sf /data/hostname "$TARGET/etc/hostname"
# the network settings the console asks root for (D5): root installs them on /data; the name
# sorts before Buildroot's eth0.network (DHCP), so networkd takes ours
mkdir -p "$TARGET/etc/systemd/network"
ln -sf /data/network/10-rackwatch.network "$TARGET/etc/systemd/network/10-rackwatch.network"
mkdir -p "$TARGET/data" "$TARGET/boot"

# the technician's login shell; dropbear refuses a login whose shell is not in /etc/shells
grep -qx /usr/bin/rackwatch-console "$TARGET/etc/shells" 2>/dev/null || echo /usr/bin/rackwatch-console >>"$TARGET/etc/shells"

# ModemManager would probe the modem with its own AT commands (the udev rule also tags it)
mkdir -p "$TARGET/etc/systemd/system"
ln -sf /dev/null "$TARGET/etc/systemd/system/ModemManager.service"

# the appliance and its helpers at boot
wants="$TARGET/etc/systemd/system/multi-user.target.wants"
sysinit="$TARGET/etc/systemd/system/sysinit.target.wants"
timers="$TARGET/etc/systemd/system/timers.target.wants"
paths="$TARGET/etc/systemd/system/paths.target.wants"
mkdir -p "$wants" "$sysinit" "$timers" "$paths"
for unit in rackwatch.service rackwatch-setup-issue.service; do
	ln -sf "/usr/lib/systemd/system/$unit" "$wants/$unit"
done
if [ "$RAUC" = yes ]; then
	ln -sf /usr/lib/systemd/system/rackwatch-mark-good.service "$wants/rackwatch-mark-good.service"
fi
for unit in rackwatch-firstboot.service rackwatch-clock-restore.service rackwatch-factory-reset.service \
	rackwatch-console-init.service; do
	ln -sf "/usr/lib/systemd/system/$unit" "$sysinit/$unit"
done
ln -sf /usr/lib/systemd/system/rackwatch-console-requests.path "$paths/rackwatch-console-requests.path"
ln -sf /usr/lib/systemd/system/rackwatch-clock-save.timer "$timers/rackwatch-clock-save.timer"

[ "$RAUC" = yes ] || exit 0
# a build without a keyring cannot install any update: refuse it rather than ship it
if [ -z "${RACKWATCH_RAUC_KEYRING:-}" ] || [ ! -s "$RACKWATCH_RAUC_KEYRING" ]; then
	echo "post-build: set RACKWATCH_RAUC_KEYRING to the RAUC CA certificate (buildroot/README.md)" >&2
	exit 1
fi
install -D -m 0644 "$RACKWATCH_RAUC_KEYRING" "$TARGET/etc/rauc/keyring.pem"
