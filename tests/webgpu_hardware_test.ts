import assert from "node:assert/strict";
import { noGpuDevice } from "../backends/webgpu/mod.ts";
import { useBackend } from "../backends/mod.ts";

function gpuDeviceFiles(): string[] {
  const found: string[] = [];
  try {
    for (const e of Deno.readDirSync("/dev/dri")) {
      if (e.name.startsWith("renderD")) found.push(`/dev/dri/${e.name}`);
    }
  } catch { /* none */ }
  for (const f of ["/dev/nvidiactl", "/dev/dxg"]) {
    try {
      Deno.statSync(f);
      found.push(f);
    } catch { /* none */ }
  }
  return found;
}

function canReadDev(): boolean {
  try {
    Deno.statSync("/dev/null");
    return true;
  } catch {
    return false;
  }
}

Deno.test("noGpuDevice() is true exactly on a Linux machine without a GPU", () => {
  if (Deno.build.os !== "linux") return assert.equal(noGpuDevice(), false);
  if (canReadDev()) return assert.equal(noGpuDevice(), gpuDeviceFiles().length === 0);
  // Without access to /dev: only NVIDIA's installed Vulkan driver counts as a hardware GPU.
  const nvidia = ["/usr/share/vulkan/icd.d", "/etc/vulkan/icd.d", "/usr/local/share/vulkan/icd.d"]
    .some((d) => {
      try {
        return [...Deno.readDirSync(d)].some((e) => /nvidia/i.test(e.name));
      } catch {
        return false;
      }
    });
  assert.equal(noGpuDevice(), !nvidia);
});

Deno.test(
  "auto skips the WebGPU probe where no GPU device exists, and says why",
  { ignore: !noGpuDevice() },
  async () => {
    const info = await useBackend("auto", { quiet: true });
    assert.notEqual(info.chosen, "webgpu");
    if (info.chosen === "cpu") assert.match(info.detail, /webgpu: no GPU device on this machine/);
  },
);
