#!/bin/bash
# Ground-truth capture harness: boots a stock Debian kernel under QEMU (TCG),
# fragments memory with fragwork, runs a step list and saves the captures.
#
# Usage:  harness/run.sh all            # every run listed in runs.conf
#         harness/run.sh RUN-NAME ...   # selected runs
#         KERNEL=/path/bzImage harness/run.sh RUN-NAME   # boot that kernel image instead of the
#                                       # run's Debian package (amd64; drivers built in, no modules;
#                                       # kernel/build.sh builds the page_owner one)
# KERNEL_APPEND adds kernel parameters to every selected run (e.g. "page_owner=on cma=64M").
# Needs root on Debian 12 with apt access (packages are downloaded, never
# copied into the repository). Cache dir: $GT_CACHE (default /tmp/gt-cache).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${GT_CACHE:-/tmp/gt-cache}
OUTROOT=${GT_OUT:-/tmp/gt-captures}
CONF=${GT_CONF:-$HERE/runs.conf}
mkdir -p "$CACHE"

# ---------- host packages ----------
# $1 = the arches of the selected runs (the arm64 tools only when an arm64 run is selected)
need_host() {
	local pk=()
	command -v qemu-system-x86_64 >/dev/null || pk+=(qemu-system-x86)
	command -v gcc >/dev/null || pk+=(gcc libc6-dev)
	case " $1 " in *" arm64 "*)
		command -v qemu-system-aarch64 >/dev/null || pk+=(qemu-system-arm)
		command -v aarch64-linux-gnu-gcc >/dev/null || pk+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross) ;;
	esac
	command -v cpio >/dev/null || pk+=(cpio)
	if [ ${#pk[@]} -gt 0 ]; then
		apt-get update -q
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${pk[@]}"
	fi
}

# ---------- kernel + busybox for an arch ----------
# $1 = amd64|arm64, $2 = kernel package name
fetch_arch() {
	local arch=$1 kpkg=$2 d="$CACHE/$arch/$2"
	if [ ! -f "$d/.done" ]; then
		mkdir -p "$d" && cd "$d"
		if [ "$arch" != amd64 ] && ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
			dpkg --add-architecture "$arch"
			apt-get update -q >&2
		fi
		rm -f ./*.deb
		if [ "$kpkg" = none ]; then :
		elif ! apt-get download "$kpkg:$arch" >&2 2>/dev/null; then
			# the exact ABI package may have left the mirror: take the one
			# the metapackage points at now (recorded in the run's vm file)
			kpkg=$(apt-cache depends "linux-image-$arch:$arch" | sed -n 's/.*Depends: \(linux-image-[^:]*\).*/\1/p' | head -1)
			echo "note: falling back to $kpkg" >&2
			apt-get download "$kpkg:$arch" >&2
		fi
		apt-get download "busybox-static:$arch" >&2
		[ "$kpkg" = none ] || dpkg -x linux-image-*.deb root
		dpkg -x busybox-static_*.deb root
		touch .done
		cd - >/dev/null
	fi
	echo "$d/root"
}

# ---------- one run ----------
# run NAME ARCH KPKG MEM_MB APPEND GT_WL GT_PRE GT_SEQ TIMEOUT_S
do_run() {
	local name=$1 arch=$2 kpkg=$3 mem=$4 append=$5 wl=$6 pre=$7 seq=$8 tmo=${9:-1800}
	local root work out kimage=${KERNEL:-}
	if [ -n "$kimage" ]; then
		[ "$arch" = amd64 ] || { echo "[$name] KERNEL= is for amd64 runs only"; return 1; }
		[ -f "$kimage" ] || { echo "[$name] KERNEL=$kimage: no such file"; return 1; }
		kimage=$(readlink -f "$kimage")
		root=$(fetch_arch "$arch" none)
		append="$append ${KERNEL_APPEND:-}"
	elif [ "$kpkg" = none ]; then
		echo "[$name] this run boots a custom kernel: set KERNEL=/path/bzImage (kernel/build.sh)"; return 1
	else
		root=$(fetch_arch "$arch" "$kpkg")
	fi
	work="$CACHE/work/$name"
	out="$OUTROOT/$name"
	rm -rf "$work" && mkdir -p "$work/initramfs/lib/modules" "$work/initramfs/bin"
	local kver=custom
	[ -n "$kimage" ] || kver=$(ls "$root/lib/modules")
	local cc mods qemu console
	if [ "$arch" = amd64 ]; then
		cc=gcc
		mods="virtio virtio_ring virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk"
		console=ttyS0
		qemu=(qemu-system-x86_64 -accel tcg -smp 2 -m "$mem" -nographic -no-reboot
			-drive "file=$work/out.img,format=raw,if=virtio")
	else
		cc=aarch64-linux-gnu-gcc
		mods="virtio virtio_ring virtio_mmio virtio_blk"
		console=ttyAMA0
		qemu=(qemu-system-aarch64 -accel tcg -M virt -cpu cortex-a57 -smp 2 -m "$mem" -nographic -no-reboot
			-drive "file=$work/out.img,format=raw,if=none,id=d0" -device virtio-blk-device,drive=d0)
	fi
	$cc -O2 -Wall -static -o "$work/initramfs/fragwork" "$HERE/fragwork.c"
	cp "$root/bin/busybox" "$work/initramfs/bin/busybox"
	cp "$HERE/init.sh" "$work/initramfs/init" && chmod +x "$work/initramfs/init"
	cp "$HERE/../../capture/buddyscope-capture" "$work/initramfs/buddyscope-capture" # bsc: steps
	: > "$work/initramfs/modules.order"
	[ -z "$kimage" ] || mods="" # a custom image has its drivers built in
	for m in $mods; do
		f=$(find "$root/lib/modules/$kver" -name "$m.ko" -o -name "$m.ko.xz" | head -1)
		if [ -n "$f" ]; then
			case "$f" in
			*.xz) xz -dc "$f" > "$work/initramfs/lib/modules/$m.ko" ;;
			*) cp "$f" "$work/initramfs/lib/modules/" ;;
			esac
			echo "$m.ko" >> "$work/initramfs/modules.order"
		fi
	done
	(cd "$work/initramfs" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initrd.gz"
	truncate -s 256M "$work/out.img"
	local cmdline="console=$console loglevel=4 panic=-1 $append gt_wl=$wl gt_pre=$pre gt_seq=$seq"
	local kfile="$root/boot/vmlinuz-$kver"
	if [ -n "$kimage" ]; then kfile=$kimage; kpkg="custom:$(basename "$kimage") sha256=$(sha256sum "$kimage" | cut -c1-16)"; fi
	echo "[$name] booting $kpkg ($arch) mem=${mem}M: $cmdline"
	local t0=$SECONDS
	timeout "$tmo" "${qemu[@]}" -kernel "$kfile" -initrd "$work/initrd.gz" \
		-append "$cmdline" < /dev/null > "$work/console.log" 2>&1 || echo "[$name] qemu exit $?"
	echo "[$name] VM ran $((SECONDS - t0)) s"
	rm -rf "$out" && mkdir -p "$out"
	if ! { tar -tf "$work/out.img" 2>/dev/null || true; } | grep -c steps.log >/dev/null || ! tar -xf "$work/out.img" -C "$out"; then
		echo "[$name] no tar on disk; trying base64 from console"
		tr -d '\r' < "$work/console.log" | sed -n '/=== GT-BEGIN-TGZ/,/=== GT-END-TGZ/p' |
			grep -E '^[A-Za-z0-9+/=]+$' | base64 -d | tar -xzf - -C "$out" || echo "[$name] FAILED: no captures"
	fi
	# binary page maps were gzipped inside the VM to keep its memory unperturbed
	# (kept as .gz when the raw file would exceed 2 MiB, i.e. VMs above 1 GiB of PFNs)
	find "$out" -name 'kpage*.gz' | while read -r f; do
		if [ "$(gzip -dc "$f" | wc -c)" -le 2097152 ]; then gunzip -f "$f"; fi
	done
	tr -d '\r' < "$work/console.log" > "$out/console.log"
	echo "vm: arch=$arch kernel_pkg=${kpkg// /_} mem_mb=$mem qemu=$(${qemu[0]} --version | head -1)" > "$out/vm"
	python3 "$HERE/summarize.py" "$out" > "$out/RUN.md"
	echo "[$name] done -> captures/$name"
}

sel=("$@")
[ ${#sel[@]} -eq 0 ] && { echo "usage: $0 all | RUN-NAME..."; exit 1; }
arches=$(while IFS='|' read -r name arch _; do
	case "$name" in ''|'#'*) continue ;; esac
	if [ "${sel[0]}" = all ] || printf '%s\n' "${sel[@]}" | grep -qx "$(echo $name)"; then echo $arch; fi
done < "$CONF" | sort -u | tr '\n' ' ')
need_host "$arches"
while IFS='|' read -r name arch kpkg mem append wl pre seq tmo; do
	case "$name" in ''|'#'*) continue ;; esac
	name=$(echo $name)
	if [ "${sel[0]}" = all ] || printf '%s\n' "${sel[@]}" | grep -qx "$name"; then
		do_run "$name" $arch $kpkg $mem "$(echo $append)" "$(echo $wl)" "$(echo $pre)" "$(echo $seq)" $tmo
	fi
done < "$CONF"
python3 "$HERE/index.py" "$OUTROOT" > "$OUTROOT/INDEX.md"
