#!/bin/sh
# make-plugin.sh BIN OUTDIR
#
# Lays out a Docker managed-plugin directory for ci-authz, ready for
#   docker plugin create ci-authz:latest OUTDIR
# (which `ci-authz install --plugin-dir OUTDIR` runs for you):
#
#   OUTDIR/config.json        copy of the repository's config.json
#   OUTDIR/rootfs/ci-authz    the static binary (config.json's entrypoint)
#   OUTDIR/rootfs/run/docker/plugins   where the daemon bind-mounts the
#                             plugin's exec dir; the socket is created here
#   OUTDIR/rootfs/etc/ci-authz         mount point of the "policy" mount
#   OUTDIR/rootfs/host                 mount point of the "hostroot" mount
#   OUTDIR/rootfs/tmp
#
# No docker build and no registry are involved. Running it again replaces
# OUTDIR/config.json and OUTDIR/rootfs and touches nothing else.
# Keep the layout in sync with the Dockerfile.
set -eu

usage() { echo "usage: $0 BIN OUTDIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
bin=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
config="$here/../config.json"

[ -n "$out" ] || usage
case "$out" in
/ | /. | /.. | . | ..) echo "$0: refusing to use '$out' as the plugin directory" >&2; exit 2 ;;
esac
if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then
	echo "$0: $bin is not an executable file; run 'make build' first" >&2
	exit 1
fi
if [ ! -f "$config" ]; then
	echo "$0: $config not found" >&2
	exit 1
fi
# The rootfs has no libc and no dynamic loader: the binary must be static
# (CGO_ENABLED=0, as 'make build' does).
if command -v readelf >/dev/null 2>&1 && readelf -l "$bin" 2>/dev/null | grep -q 'program interpreter'; then
	echo "$0: $bin is dynamically linked; build it with CGO_ENABLED=0 (make build)" >&2
	exit 1
fi

mkdir -p "$out"
rm -rf "$out/rootfs" "$out/config.json"
mkdir -p "$out/rootfs/run/docker/plugins" "$out/rootfs/etc/ci-authz" "$out/rootfs/host" "$out/rootfs/tmp"
chmod 1777 "$out/rootfs/tmp"
cp "$bin" "$out/rootfs/ci-authz"
chmod 0755 "$out/rootfs/ci-authz"
cp "$config" "$out/config.json"
chmod 0644 "$out/config.json"
echo "plugin directory $out ready: docker plugin create ci-authz:latest $out"
