#!/bin/sh
# Post-image (D1): the firmware's config and command line, then the SD card image with
# boot, root slot A, root slot B and data (genimage.cfg). $1 is BINARIES_DIR.
set -eu

BOARD_DIR="$(dirname "$0")"
GENIMAGE_TMP="${BUILD_DIR}/genimage.tmp"

install -m 0644 "$BOARD_DIR/config.txt" "$1/rpi-firmware/config.txt"
# the firmware passes this to U-Boot only; boot.scr sets the kernel's command line per slot
echo "console=ttyAMA0,115200" > "$1/rpi-firmware/cmdline.txt"

ROOTPATH_TMP="$(mktemp -d)"
trap 'rm -rf "$ROOTPATH_TMP"' EXIT
rm -rf "$GENIMAGE_TMP"

genimage \
	--rootpath "$ROOTPATH_TMP" \
	--tmppath "$GENIMAGE_TMP" \
	--inputpath "$1" \
	--outputpath "$1" \
	--config "$BOARD_DIR/genimage.cfg"
