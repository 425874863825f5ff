// Whether this machine can have a hardware WebGPU adapter at all, known without asking Vulkan.

/** Device files through which Linux drivers reach a GPU: DRM render nodes, NVIDIA, WSL2. */
const DEVICE_FILES = ["/dev/nvidiactl", "/dev/dxg"];

/**
 * True when this is Linux and it has no GPU device file (`/dev/dri/renderD*`, `/dev/nvidiactl`,
 * `/dev/dxg`): only a software adapter (Mesa's lavapipe) could then answer a WebGPU request.
 * Probing that adapter loads lavapipe, which starts rasteriser threads that can still run when
 * Deno unloads the driver at exit and crash the process (seen here on 1 exit in 5), so `auto`
 * skips the probe on such machines. False where it cannot tell (another OS, no read permission).
 *
 * @example
 * ```ts ignore
 * if (!noGpuDevice()) await registerWebGpu();
 * ```
 */
export function noGpuDevice(): boolean {
  if (Deno.build.os !== "linux") return false;
  try {
    return !renderNode() && !DEVICE_FILES.some(exists);
  } catch {
    return false; // no permission to look: probe as before
  }
}

function renderNode(): boolean {
  try {
    for (const e of Deno.readDirSync("/dev/dri")) if (e.name.startsWith("renderD")) return true;
    return false;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}
