#!/usr/bin/env bash
# Packs the GPU benchmark into bench/gpu/dist/ (git-ignored) for a machine without network,
# Deno or Node: the xz-compressed Deno binary, a `deno bundle` of bench/gpu/train.ts, Debian's
# libvulkan1 .deb, a slice of the real CIFAR-10 records (cifar10/, 6,000 by default), run.sh,
# torch_bench.py and compare.py. Fails when the folder exceeds 64 MiB
# (what the device tool carries). Reuses deno.xz and the .deb when they are already there.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=bench/gpu/dist
mkdir -p "$out"

deno bundle --quiet --platform deno -o "$out/train.js" bench/gpu/main.ts

bin="$(readlink -f "$(command -v deno)")"
if [ ! -s "$out/deno.xz" ] || [ "$out/deno.xz" -ot "$bin" ]; then
  echo "Compressing $bin ($(du -m "$bin" | cut -f1) MiB) with xz -9: about 2 minutes on 2 cores"
  xz -T0 -9 -c "$bin" >"$out/deno.xz.tmp"
  mv "$out/deno.xz.tmp" "$out/deno.xz"
fi

if ! ls "$out"/libvulkan1_*.deb >/dev/null 2>&1; then
  (cd "$out" && apt-get download libvulkan1 2>/dev/null)
fi

# Real CIFAR-10 records for train() and evaluate(): the first $PER_FILE of each batch file
# (3,073 bytes each: label, then 32×32×3 pixels), as a folder loadCifar10 reads.
archive="${CIFAR:-../shared/cifar10/cifar-10-binary.tar.gz}"
PER_FILE="${PER_FILE:-1000}"
slice="$out/cifar10/cifar-10-batches-bin"
if [ ! -s "$slice/test_batch.bin" ] || [ "$(stat -c %s "$slice/test_batch.bin")" -ne $((PER_FILE * 3073)) ]; then
  mkdir -p "$slice"
  for f in data_batch_1 data_batch_2 data_batch_3 data_batch_4 data_batch_5 test_batch; do
    (tar -xzOf "$archive" "cifar-10-batches-bin/$f.bin" || true) | head -c $((PER_FILE * 3073)) \
      >"$slice/$f.bin.tmp"
    mv "$slice/$f.bin.tmp" "$slice/$f.bin"
  done
fi

cp bench/gpu/run.sh bench/gpu/torch_bench.py bench/gpu/compare.py "$out/"
# Graft's PyTorch engine: its module builder, the bench step, and the models' descriptions.
cp engines/torch/python/model.py bench/cpu/torch_engine_bench.py "$out/"
deno run --allow-write="$out" bench/gpu/engine_modules.ts "$out"
"$bin" --version | head -1 >"$out/VERSION"

bytes=$(du -sb "$out" | cut -f1)
limit=$((64 * 1024 * 1024))
ls -l "$out"
echo "Total: $((bytes / 1024 / 1024)) MiB of 64 MiB"
if [ "$bytes" -ge "$limit" ]; then
  echo "Packed benchmark is too large: $bytes bytes, the device tool carries at most $limit" >&2
  exit 1
fi
