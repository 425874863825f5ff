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

Deno.test("noGpuDevice() is true exactly on a Linux machine without a GPU device file", () => {
  const expected = Deno.build.os === "linux" && gpuDeviceFiles().length === 0;
  assert.equal(noGpuDevice(), expected);
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
