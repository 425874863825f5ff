// Whether this machine can have a hardware WebGPU adapter at all, known without asking Vulkan.

/** Device files through which Linux drivers reach a GPU: DRM render nodes, NVIDIA, WSL2. */
const DEVICE_FILES = ["/dev/nvidiactl", "/dev/dxg"];
/** Where Vulkan drivers list themselves; readable with plain --allow-read, unlike /dev. */
const ICD_DIRS = ["/usr/share/vulkan/icd.d", "/etc/vulkan/icd.d", "/usr/local/share/vulkan/icd.d"];

/**
 * True when this is Linux and no hardware WebGPU adapter can exist, so that only a software one
 * (Mesa's lavapipe) could answer. Probing that adapter loads lavapipe, whose rasteriser threads
 * can still run when the process exits and crash it (seen here on 1 exit in 5), so `auto` skips
 * the probe on such machines. With access to `/dev` (Deno grants it only with `--allow-all`) the
 * answer is exact: no `/dev/dri/renderD*`, `/dev/nvidiactl` or `/dev/dxg`. Without it, Graft
 * looks at the installed Vulkan drivers: a hardware adapter is assumed only where a vendor's own
 * driver (NVIDIA's) is installed; Mesa's drivers are installed on machines without a GPU too, so
 * on an AMD or Intel GPU ask for `webgpu` explicitly. False on other systems (probe as usual).
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
    // No access to /dev: decide from the installed drivers.
    return !vendorDriver();
  }
}

function vendorDriver(): boolean {
  for (const dir of ICD_DIRS) {
    try {
      for (const e of Deno.readDirSync(dir)) if (/nvidia/i.test(e.name)) return true;
    } catch {
      // Missing folder, or not readable: nothing listed there.
    }
  }
  return false;
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
