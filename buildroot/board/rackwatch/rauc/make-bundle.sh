#!/bin/sh
# Builds a signed RAUC update bundle (D1) from a finished build's rootfs.ext4:
#   make-bundle.sh <BINARIES_DIR> <version> <out.raucb>
# The signing certificate and key come from outside the tree and the image
# (RACKWATCH_RAUC_CERT, RACKWATCH_RAUC_KEY: a file path or a PKCS#11 URI); the image holds
# only the CA certificate (post-build.sh).
set -eu

if [ "$#" -ne 3 ]; then
	echo "usage: $0 <BINARIES_DIR> <version> <out.raucb>" >&2
	exit 2
fi
images="$1"
version="$2"
out="$3"
: "${RACKWATCH_RAUC_CERT:?set RACKWATCH_RAUC_CERT to the signing certificate}"
: "${RACKWATCH_RAUC_KEY:?set RACKWATCH_RAUC_KEY to the signing key (file or PKCS#11 URI)}"
rauc="${HOST_DIR:-$(dirname "$images")/host}/bin/rauc"
[ -x "$rauc" ] || rauc=rauc

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
sed "s/@VERSION@/$version/" "$(dirname "$0")/manifest.raucm.in" > "$work/manifest.raucm"
cp "$images/rootfs.ext4" "$work/rootfs.ext4"
rm -f "$out"
"$rauc" bundle --cert="$RACKWATCH_RAUC_CERT" --key="$RACKWATCH_RAUC_KEY" "$work" "$out"
