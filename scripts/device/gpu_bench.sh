#!/usr/bin/env bash
# Runs on the lent GPU machine (prepare with scripts/device/pack.sh here): the whole
# measurement in one go, results in $OUT (gpu.json, log.txt, vulkaninfo and nvidia-smi lines).
# SECONDS_PER_CASE (default 15) sets each case's measuring time.
set -u
cd "$(dirname "$0")/../.."
out=${OUT:-out/device}
mkdir -p "$out"
# The Vulkan loader, unless the image has one; the NVIDIA ICD where the driver mount keeps it.
if ! ldconfig -p | grep -q libvulkan.so.1; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
if ! ls /usr/share/vulkan/icd.d/nvidia* /etc/vulkan/icd.d/nvidia* >/dev/null 2>&1; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
xz -dc .device/deno.xz > /tmp/deno && chmod +x /tmp/deno
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv \
  > "$out/nvidia-smi.csv" 2>&1
/tmp/deno run -A --no-config --v8-flags=--expose-gc scripts/bench_gpu.bundle.js \
  --seconds "${SECONDS_PER_CASE:-15}" --out "$out" --python python3 2>&1 | tee "$out/log.txt"
