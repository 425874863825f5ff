#!/usr/bin/env bash
# Graft's GPU benchmark on a lent machine (no network, no Deno, no Node; PyTorch present).
# Unpacks the Deno binary and the Vulkan loader that pack.sh put next to this script, prints the
# WebGPU adapter, then trains at batch $BATCH (a) a CIFAR-style VGG16 and (b) the seed recipe in
# Graft on WebGPU (train() on the carried CIFAR-10 records, then a minimal loop) and in PyTorch
# on CUDA (float32, TF32 off), and prints images/s side by side.
#
#   bash bench/gpu/dist/run.sh                 # on the device: batch 128, 20 timed steps
#   BATCH=4 STEPS=1 WARMUP=1 bash bench/gpu/dist/run.sh   # locally, on llvmpipe and CPU torch
# GRAFT_CARRIED_VULKAN=1 uses the carried loader even where the system has one.
#
# Every stage has a time limit so the whole call stays under 8 minutes.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="${GRAFT_GPU_WORK:-/tmp/graft-gpu}"
BATCH="${BATCH:-128}"
STEPS="${STEPS:-20}"
WARMUP="${WARMUP:-3}"
EVERY="${EVERY:-5}"
TORCH_STEPS="${TORCH_STEPS:-$((STEPS * 3))}"
GRAFT_LIMIT="${GRAFT_LIMIT:-170}"   # seconds per Graft model (compile + warm-up + steps)
TORCH_LIMIT="${TORCH_LIMIT:-90}"    # seconds for both PyTorch models
MODELS="${MODELS:-cifar_vgg16,seed}"
start=$(date +%s)
mkdir -p "$work"
echo "== Graft GPU benchmark: batch $BATCH, $STEPS Graft steps, $TORCH_STEPS PyTorch steps"

# 1. Deno (xz-compressed; python's lzma when xz is missing).
if [ ! -x "$work/deno" ]; then
  if command -v xz >/dev/null 2>&1; then
    xz -dc "$here/deno.xz" >"$work/deno.tmp"
  else
    python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2],"wb"))' \
      "$here/deno.xz" "$work/deno.tmp"
  fi
  chmod +x "$work/deno.tmp" && mv "$work/deno.tmp" "$work/deno"
fi
"$work/deno" --version | head -1

# 2. The Vulkan loader: the system's when present, else Debian's libvulkan1 carried here.
if [ -n "${GRAFT_CARRIED_VULKAN:-}" ] || ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1'; then
  deb="$(ls "$here"/libvulkan1_*.deb | head -1)"
  mkdir -p "$work/vk"
  if command -v dpkg-deb >/dev/null 2>&1; then
    dpkg-deb -x "$deb" "$work/vk"
  else
    python3 - "$deb" "$work/vk" <<'PY'
import io, sys, tarfile
data = open(sys.argv[1], "rb").read()
pos = 8  # "!<arch>\n", then 60-byte member headers
while pos < len(data):
    name = data[pos:pos + 16].decode().strip().rstrip("/")
    size = int(data[pos + 48:pos + 58])
    body = data[pos + 60:pos + 60 + size]
    if name.startswith("data.tar"):
        tarfile.open(fileobj=io.BytesIO(body)).extractall(sys.argv[2])
    pos += 60 + size + (size & 1)
PY
  fi
  export LD_LIBRARY_PATH="$work/vk/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "Vulkan loader: carried libvulkan1 ($(basename "$deb"))"
else
  echo "Vulkan loader: system $(ldconfig -p | grep -m1 'libvulkan.so.1' | awk '{print $NF}')"
fi

# 3. The NVIDIA Vulkan driver (ICD) mounted by the container runtime.
if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
  for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json \
    /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
    if [ -f "$f" ]; then
      export VK_DRIVER_FILES="$f" VK_ICD_FILENAMES="$f"
      echo "Vulkan driver: $f ($(grep -o '"library_path"[^,]*' "$f"))"
      break
    fi
  done
fi
command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"

# 4. Graft on WebGPU, one process per model so a slow one cannot starve the other.
export DENO_DIR="$work/deno_dir" DENO_NO_UPDATE_CHECK=1
: >"$work/graft.jsonl"
for model in ${MODELS//,/ }; do
  echo "== Graft (WebGPU): $model, train() on CIFAR-10 records, then the minimal loop"
  timeout "$GRAFT_LIMIT" "$work/deno" run --allow-env --allow-read="$here" --no-config --no-lock \
    "$here/train.js" --data "$here/cifar10" --models "$model" --batch "$BATCH" --steps "$STEPS" \
    --warmup "$WARMUP" --every "$EVERY" --max-seconds "$((GRAFT_LIMIT / 4))" |
    tee -a "$work/graft.jsonl"
  [ "${PIPESTATUS[0]}" -eq 0 ] || echo "Graft $model failed or ran past ${GRAFT_LIMIT}s"
done

# 5. PyTorch on CUDA (CPU when there is no CUDA device: local tests only).
py=""
for p in python3 /usr/bin/python3 python /opt/conda/bin/python; do
  if "$p" -c 'import torch' >/dev/null 2>&1; then py="$p"; break; fi
done
: >"$work/torch.jsonl"
if [ -n "$py" ]; then
  echo "== PyTorch ($py)"
  timeout "$TORCH_LIMIT" "$py" "$here/torch_bench.py" --batch "$BATCH" --steps "$TORCH_STEPS" \
    --warmup "$WARMUP" --every "$EVERY" | tee "$work/torch.jsonl"
else
  echo "No python with torch found: PyTorch side skipped"
fi

# 5b. Graft's PyTorch engine on CUDA: the module it builds from the same specs.
if [ -n "$py" ] && [ -f "$here/torch_engine_bench.py" ]; then
  dev=$("$py" -c 'import torch; print("cuda" if torch.cuda.is_available() else "cpu")')
  for model in cifar_vgg16 seed; do
    echo "== Graft's torch engine ($dev): $model"
    timeout "$TORCH_LIMIT" "$py" "$here/torch_engine_bench.py" "$here/engine_$model.json" \
      "$BATCH" "$TORCH_STEPS" "$WARMUP" 0 "$dev" | tee -a "$work/engine.jsonl"
  done
fi

# 6. Side by side.
echo "== Images/s at batch $BATCH (Graft: tfjs WebGPU through Deno; PyTorch: float32, TF32 off)"
if [ -n "$py" ]; then "$py" "$here/compare.py" "$work/graft.jsonl" "$work/torch.jsonl"; fi
echo "== Total $(($(date +%s) - start)) s"
