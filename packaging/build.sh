#!/usr/bin/env bash
# Builds msb's own image (packaging/Dockerfile) with buildah and writes it as a docker-archive:
#   bash packaging/build.sh OUT.tar [TAG]
# The bases come from this machine (no registry pull): the static busybox from busybox-static,
# /usr/bin/node (Node 20) with the libraries `ldd` lists, and npm for the builder stage. The
# builder stage runs `npm ci` against the npm registry (--network host). Needs root and buildah.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
OUT=${1:?usage: build.sh OUT.tar [TAG]}
TAG=${2:-localhost/msb:latest}
W=$(mktemp -d /tmp/msb-image-build.XXXXXX)
trap 'rm -rf "$W"' EXIT
CTX=$W/ctx
mkdir -p "$CTX"

NODE=$(readlink -f "$(command -v node)")
NPM=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")   # .../node_modules/npm

# --- node-runtime.tar: busybox, node, its shared libraries, CA certificates, an unprivileged user
R=$W/node
mkdir -p "$R/usr/bin" "$R/usr/lib" "$R/etc/ssl/certs" "$R/tmp" "$R/root"
for d in bin sbin lib lib64; do ln -s "usr/$d" "$R/$d"; done
mkdir -p "$R/usr/sbin" "$R/usr/lib64"
cp "$(command -v busybox)" "$R/usr/bin/busybox"
for t in sh ls cat env; do ln -s busybox "$R/usr/bin/$t"; done
cp "$NODE" "$R/usr/bin/node"
for lib in $(ldd "$NODE" | grep -o '/[^ ]*'); do
  real=$(readlink -f "$lib")
  dest=$R/usr${lib#/usr}
  mkdir -p "$(dirname "$dest")"
  cp "$real" "$dest"
done
cp -L /etc/ssl/certs/ca-certificates.crt "$R/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/bin/sh\nnonroot:x:65532:65532:nonroot:/home/nonroot:/bin/sh\n' > "$R/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' > "$R/etc/group"
chmod 1777 "$R/tmp"
tar --numeric-owner -C "$R" -cf "$CTX/node-runtime.tar" .

# --- npm.tar: npm and its `npm`/`npx` commands
N=$W/npm
mkdir -p "$N/usr/lib/node_modules" "$N/usr/bin"
cp -a "$NPM" "$N/usr/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$N/usr/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$N/usr/bin/npx"
tar --numeric-owner -C "$N" -cf "$CTX/npm.tar" .

# --- the rest of the context: what the Dockerfile copies from the repository
cp "$ROOT/package.json" "$ROOT/package-lock.json" "$ROOT/tsconfig.json" "$CTX/"
cp -r "$ROOT/src" "$ROOT/bin" "$CTX/"
mkdir -p "$CTX/scripts" && cp "$ROOT/scripts/build.mjs" "$CTX/scripts/"
cp "$HERE/prune-tests.mjs" "$CTX/"

# MSB_BUILD_STORAGE=DIR keeps buildah's storage (and so its layer cache) between builds.
S=${MSB_BUILD_STORAGE:-$W}
B=(buildah --storage-driver vfs --root "$S/storage" --runroot "$S/runroot")
"${B[@]}" build --isolation chroot --network host --layers --pull-never ${MSB_BUILD_VERBOSE:+--log-level info} -q -f "$HERE/Dockerfile" -t "$TAG" "$CTX" >/dev/null
# Smoke test: the image runs msb.
ctr=$("${B[@]}" from --pull-never -q "$TAG")
"${B[@]}" run --isolation chroot "$ctr" -- /usr/bin/node /opt/msb/bin/msb.js --version >/dev/null
"${B[@]}" rm "$ctr" >/dev/null
rm -f "$OUT"
"${B[@]}" push -q "$TAG" "docker-archive:$OUT.tmp:$TAG" >/dev/null
mv "$OUT.tmp" "$OUT"
