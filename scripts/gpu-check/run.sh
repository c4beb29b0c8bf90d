#!/usr/bin/env bash
# The webgpu backend's checks on the GPU machine, as one prepared run (scripts/gpu-check/prepare.sh
# builds what it carries). Needs no Node, npm or root there: it unpacks the carried Node, the bundle
# and dawn.node, and, where the machine lacks them, the Vulkan loader and glvnd libraries from the
# carried .deb files (dpkg -x, or Python when dpkg is missing) into a scratch folder on LD_LIBRARY_PATH;
# where no Vulkan ICD manifest exists it writes one for NVIDIA's libGLX_nvidia.so.0 (VK_ICD_FILENAMES).
#
#   bash scripts/gpu-check/run.sh        (the repository root as working directory)
#   CARRY=.gpu-check OUT=... GPU_CHECK_SECONDS=540 bash scripts/gpu-check/run.sh
#
# Stages, each time-boxed so partial results come back within GPU_CHECK_SECONDS (default 540):
#   1. environment: nvidia-smi, Vulkan loader and ICDs found, Node's version    -> $OUT/env.txt
#   2. WGSL kernels on webgpu against the cpu backend                          -> $OUT/kernels.log
#   3. canonical VAE (784-400-20), 10 epochs at batch 1024, then the K = 5000
#      log-likelihood over the first LOGLIK_EXAMPLES test images (default 2000,
#      timed and scaled to 10,000; the host's share, drawing the noise, timed apart) -> $OUT/train-b1024.log
#   4. the PyTorch peer on CUDA at batch 128 and 1024 (10 epochs each)          -> $OUT/peer-b128.log, peer-b1024.log
#   5. canonical VAE, 10 epochs at batch 128 (epoch lines as they come)        -> $OUT/train-b128.log
#   6. the conv VAE, 2 epochs at batch 128, if time is left                     -> $OUT/train-conv.log
# Every stage's last line `result: {...}` is gathered into $OUT/results.jsonl; $OUT/summary.txt
# holds the figures the issue asks for beside the PyTorch ones.
set -uo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
CARRY=${CARRY:-$REPO/.gpu-check}
OUT=${OUT:-$REPO/gpu-check-out}
BUDGET=${GPU_CHECK_SECONDS:-540}
START=$(date +%s)
mkdir -p "$OUT"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
log() { echo "[gpu-check $(($(date +%s) - START))s] $*" | tee -a "$OUT/run.log"; }
left() { echo $((BUDGET - ($(date +%s) - START))); }
# Seconds for a stage: its cap, or what is left minus a margin for the summary, whichever is less.
stage_seconds() {
  local cap=$1 rest
  rest=$(($(left) - 15))
  ((rest < cap)) && cap=$rest
  echo "$cap"
}
unxz_to() { # unxz_to FILE.xz DEST: xz, else Python's lzma
  if command -v xz >/dev/null; then xz -dc "$1" >"$2"; else python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; fi
}
deb_extract() { # deb_extract FILE.deb DIR: dpkg -x, else an ar + tar reader in Python
  if command -v dpkg >/dev/null; then dpkg -x "$1" "$2"; return; fi
  python3 - "$1" "$2" <<'PY'
import io, sys, tarfile
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'!<arch>\n', 'not an ar archive'
pos = 8
while pos < len(data):
    name = data[pos:pos + 16].decode().strip().rstrip('/')
    size = int(data[pos + 48:pos + 58].decode().strip())
    body = data[pos + 60:pos + 60 + size]
    if name.startswith('data.tar'):
        tarfile.open(fileobj=io.BytesIO(body)).extractall(sys.argv[2])
    pos += 60 + size + (size % 2)
PY
}

[[ -d "$CARRY" ]] || { log "no carry folder at $CARRY (scripts/gpu-check/prepare.sh makes it)"; exit 1; }
log "carry: $(head -1 "$CARRY/MANIFEST" 2>/dev/null)"

# --- Node, the bundle, dawn.node ------------------------------------------------------------------
unxz_to "$CARRY/node.xz" "$WORK/node" && chmod +x "$WORK/node"
unxz_to "$CARRY/app.tar.xz" "$WORK/app.tar" && tar -C "$WORK" -xf "$WORK/app.tar" && rm "$WORK/app.tar"
NODE="$WORK/node"
APP="$WORK/app"
"$NODE" --version >/dev/null 2>&1 || { log "the carried Node does not run here: $("$NODE" --version 2>&1 | head -1)"; exit 1; }

# --- Vulkan: the loader, the glvnd libraries, an ICD -----------------------------------------------
has_lib() { ldconfig -p 2>/dev/null | grep -q "$1" || compgen -G "/usr/lib/x86_64-linux-gnu/$1*" >/dev/null || compgen -G "/usr/lib64/$1*" >/dev/null; }
LOCAL="$WORK/root"
mkdir -p "$LOCAL"
for pair in libvulkan1:libvulkan.so.1 libglvnd0:libGLdispatch.so.0 libgl1:libGL.so.1 libglx0:libGLX.so.0 libegl1:libEGL.so.1; do
  pkg=${pair%%:*} lib=${pair#*:}
  if has_lib "$lib"; then continue; fi
  deb=$(ls "$CARRY"/debs/"${pkg}"_*.deb 2>/dev/null | head -1)
  if [[ -n "$deb" ]]; then deb_extract "$deb" "$LOCAL" && log "unpacked $pkg (for $lib) into a scratch folder"; else log "missing $lib and no carried $pkg .deb"; fi
done
if [[ -d "$LOCAL/usr/lib/x86_64-linux-gnu" ]]; then export LD_LIBRARY_PATH="$LOCAL/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; fi
ICDS=$(ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json /usr/local/share/vulkan/icd.d/*.json 2>/dev/null | tr '\n' ' ')
if [[ -z "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" && "$ICDS" != *nvidia* ]]; then
  if has_lib libGLX_nvidia.so.0; then
    printf '{"file_format_version":"1.0.0","ICD":{"library_path":"libGLX_nvidia.so.0","api_version":"1.3.0"}}\n' >"$WORK/nvidia_icd.json"
    export VK_ICD_FILENAMES="$WORK/nvidia_icd.json"
    log "no NVIDIA ICD manifest: wrote one for libGLX_nvidia.so.0 (VK_ICD_FILENAMES)"
  else
    log "no NVIDIA ICD manifest and no libGLX_nvidia.so.0 (the container may lack the 'graphics' driver capability)"
  fi
fi

{
  echo "date: $(date -u +%FT%TZ)"
  echo "uname: $(uname -a)"
  echo "glibc: $(ldd --version 2>&1 | head -1)"
  echo "node: $("$NODE" --version)"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | sed 's/^/gpu: /'
  echo "ICD manifests: ${ICDS:-none} ${VK_ICD_FILENAMES:+VK_ICD_FILENAMES=$VK_ICD_FILENAMES}"
  echo "LD_LIBRARY_PATH: ${LD_LIBRARY_PATH:-}"
  for lib in libvulkan.so.1 libGLX_nvidia.so.0 libEGL_nvidia.so.0 libGLdispatch.so.0; do echo "$lib: $(ldconfig -p 2>/dev/null | grep -m1 "$lib" | sed 's/.*=> //' || true)"; done
  python3 -c 'import torch; print("torch:", torch.__version__, "cuda:", torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")' 2>&1
} >"$OUT/env.txt" 2>&1
log "environment: $(grep -E '^(gpu|torch):' "$OUT/env.txt" | tr '\n' ' ')"

export VAEKIT_MNIST="$CARRY/mnist"
: >"$OUT/results.jsonl"
run_stage() { # run_stage NAME CAP_SECONDS COMMAND...
  local name=$1 cap secs
  cap=$2
  shift 2
  secs=$(stage_seconds "$cap")
  if ((secs < 20)); then log "$name: skipped, $(left) s left"; echo "{\"stage\":\"$name\",\"ok\":false,\"error\":\"skipped: no time left\"}" >>"$OUT/results.jsonl"; return; fi
  log "$name: up to $secs s"
  timeout --signal=TERM --kill-after=5 "$secs" "$@" >"$OUT/$name.log" 2>&1
  local rc=$?
  local line
  line=$(grep '^result: ' "$OUT/$name.log" | tail -1 | sed 's/^result: //')
  if [[ -n "$line" ]]; then echo "{\"name\":\"$name\",\"rc\":$rc,\"result\":$line}" >>"$OUT/results.jsonl"; else echo "{\"name\":\"$name\",\"rc\":$rc,\"result\":null}" >>"$OUT/results.jsonl"; fi
  log "$name: exit $rc; $(tail -1 "$OUT/$name.log" | cut -c1-300)"
}

CHECK=("$NODE" "$APP/check.mjs")
run_stage kernels 90 "${CHECK[@]}" kernels
run_stage train-b1024 150 "${CHECK[@]}" train --batch 1024 --epochs 10 --loglik-samples 5000 --loglik-examples "${LOGLIK_EXAMPLES:-2000}" --chunk-rows 50000

PEER="$APP/torch_vae.py"
[[ -f "$PEER" ]] || PEER="$REPO/../shared/peers/torch_vae.py"
[[ -f "$PEER" ]] || PEER="$REPO/shared/peers/torch_vae.py"
if [[ -f "$PEER" ]]; then
  run_stage peer-b128 90 python3 "$PEER" --data "$VAEKIT_MNIST" --epochs 10 --batch-size 128 --device cuda
  run_stage peer-b1024 60 python3 "$PEER" --data "$VAEKIT_MNIST" --epochs 10 --batch-size 1024 --device cuda
  # The peer prints a last JSON line (no 'result: ' prefix): gather it too.
  for b in 128 1024; do
    j=$(grep -E '^\{' "$OUT/peer-b$b.log" 2>/dev/null | tail -1)
    [[ -n "$j" ]] && echo "{\"name\":\"peer-b$b-json\",\"result\":$j}" >>"$OUT/results.jsonl"
  done
else
  log "no torch_vae.py (carried, ../shared/peers or shared/peers): the PyTorch peer is not run"
fi

run_stage train-b128 260 "${CHECK[@]}" train --batch 128 --epochs 10
run_stage train-conv 120 "${CHECK[@]}" train --arch conv --batch 128 --epochs 2

# --- Summary: the issue's figures ----------------------------------------------------------------
python3 - "$OUT" <<'PY' 2>&1 | tee "$OUT/summary.txt"
import json, sys, os
out = sys.argv[1]
rows = [json.loads(l) for l in open(os.path.join(out, 'results.jsonl')) if l.strip()]
by = {r.get('name') or r.get('stage'): r for r in rows}
def res(name):
    r = by.get(name) or {}
    return r.get('result') or {}
k = res('kernels')
print('WGSL kernels against cpu:', 'all ok' if k.get('ok') else f"NOT ok: {[c for c in k.get('checks', []) if not c.get('ok')] or k.get('error')}")
print('adapter:', k.get('adapter'))
def peer_epoch(b):
    p = res(f'peer-b{b}-json')
    for key in ('median_epoch_s', 'epoch_s', 'mean_epoch_s'):
        if key in p: return p[key], p
    return None, p
for b, limit in ((128, 3.0), (1024, 2.0)):
    v = res(f'train-b{b}')
    pe, p = peer_epoch(b)
    ve = v.get('median_epoch_s')
    ratio = f"{ve / pe:.2f}x PyTorch (target <= {limit}x)" if ve and pe else 'no ratio'
    print(f"batch {b}: vaekit webgpu median epoch {ve} s over {v.get('epochs')} epochs, test -ELBO {v.get('test_neg_elbo')}; PyTorch CUDA {pe} s, test {p.get('test_loss') or p.get('test_neg_elbo')}; {ratio}")
ll = res('train-b1024').get('loglik')
print('K=5000 log-likelihood:', f"{ll['seconds']:.1f} s for {ll['examples']} test images, {ll['seconds_per_10k']:.1f} s per 10,000 (target < 30 s; host noise alone {ll['host_noise_s_per_10k']:.1f} s per 10,000), estimate {ll['value']:.2f} +- {ll['standardError']:.2f} nats" if ll else 'not measured')
c = res('train-conv')
print('conv VAE on webgpu: median epoch', c.get('median_epoch_s'), 's at batch 128, test -ELBO', c.get('test_neg_elbo'))
print('CPU reference for the -ELBO after 10 epochs at batch 128: the README/bench figure (compare within 0.5 nats)')
PY
log "done in $(($(date +%s) - START)) s; results in $OUT"
