#!/bin/bash
# Builds the harness's page_owner kernel: Debian's linux-source-6.1 (apt), `make tinyconfig`
# plus page_owner.config (beside this script), bzImage only (no modules). The source tree and
# the image stay in the cache directory, never in the repository.
#
# Usage:  sudo test/harness/kernel/build.sh            # -> $KCACHE/bzImage (default /tmp/gt-cache/kernel)
# Then:   GT_CONF=test/harness/page-owner-runs.conf KERNEL=$KCACHE/bzImage test/harness/run.sh all
# About 25 min on 2 shared cores (nice -n 15 make -j2).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
KCACHE=${KCACHE:-${GT_CACHE:-/tmp/gt-cache}/kernel}
VER=${KVER:-6.1}
mkdir -p "$KCACHE"
if [ ! -f /usr/src/linux-source-$VER.tar.xz ]; then
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "linux-source-$VER" \
		build-essential bc bison flex libelf-dev libssl-dev cpio
fi
src="$KCACHE/linux-source-$VER"
[ -d "$src" ] || tar -xf "/usr/src/linux-source-$VER.tar.xz" -C "$KCACHE"
cd "$src"
make tinyconfig >/dev/null
scripts/kconfig/merge_config.sh -m .config "$HERE/page_owner.config" >/dev/null
make olddefconfig >/dev/null
# every option of the fragment must have survived olddefconfig
miss=0
while IFS= read -r l; do
	case "$l" in CONFIG_*=*) grep -qx "$l" .config || { echo "not set: $l" >&2; miss=1; } ;; esac
done < "$HERE/page_owner.config"
[ $miss -eq 0 ] || exit 1
t0=$SECONDS
nice -n 15 make -j"${JOBS:-2}" bzImage
cp arch/x86/boot/bzImage "$KCACHE/bzImage"
cp .config "$KCACHE/config"
echo "built $KCACHE/bzImage in $((SECONDS - t0)) s ($(make -s kernelrelease))"
