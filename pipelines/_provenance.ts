// What a run was made with: Graft, Deno and TensorFlow.js versions, the Graft source's git
// commit, the backend actually used, the machine, and when it ran. Written to a run folder as
// `provenance.json` at the start and completed at the end.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BackendInfo } from "../backends/mod.ts";
import denoJson from "../deno.json" with { type: "json" };

/** The facts about a run that make it reproducible or explain its speed. */
export interface Provenance {
  readonly graft: string;
  readonly deno: string;
  readonly v8: string;
  readonly typescript: string;
  readonly tfjs: string;
  /** Commit of the Graft source tree, when it is a git checkout. */
  readonly gitCommit: string | null;
  readonly backend: {
    readonly requested: string;
    readonly chosen: string;
    readonly tfBackend: string;
    /** Libraries or adapter found (e.g. oneDNN version, WebGPU adapter). */
    readonly detail: string;
  };
  readonly machine: {
    readonly os: string;
    readonly arch: string;
    readonly cpu: string | null;
    readonly cores: number;
    readonly memoryGiB: number | null;
  };
  /** The command's arguments. */
  readonly args: readonly string[];
  /** ISO times; `endedAt` and `wallSeconds` once the run ended. */
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly wallSeconds: number | null;
}

const VERSION_OF = (spec: string) => spec.slice(spec.lastIndexOf("@") + 1);

async function readText(path: string): Promise<string | null> {
  try {
    return (await Deno.readTextFile(path)).trim();
  } catch {
    return null;
  }
}

/** The commit checked out in the git tree holding `dir`, read from `.git` without running git. */
export async function gitCommit(dir: string): Promise<string | null> {
  for (let d = dir;; d = dirname(d)) {
    const dotGit = join(d, ".git");
    let gitDir: string | null = null;
    try {
      const stat = await Deno.stat(dotGit);
      if (stat.isDirectory) gitDir = dotGit;
      else {
        const text = await readText(dotGit); // a worktree: "gitdir: /path"
        if (text?.startsWith("gitdir:")) gitDir = text.slice(7).trim();
      }
    } catch { /* not here: look further up */ }
    if (gitDir) {
      const head = await readText(join(gitDir, "HEAD"));
      if (!head) return null;
      if (!head.startsWith("ref:")) return head;
      const ref = head.slice(4).trim();
      const common = await readText(join(gitDir, "commondir"));
      const commonDir = common ? join(gitDir, common) : gitDir;
      for (const base of [gitDir, commonDir]) {
        const sha = await readText(join(base, ref));
        if (sha) return sha;
      }
      const packed = await readText(join(commonDir, "packed-refs"));
      const line = packed?.split("\n").find((l) => l.endsWith(` ${ref}`));
      return line ? line.split(" ")[0]! : null;
    }
    if (dirname(d) === d) return null;
  }
}

async function cpuModel(): Promise<string | null> {
  const info = await readText("/proc/cpuinfo");
  const line = info?.split("\n").find((l) => l.startsWith("model name"));
  return line ? line.slice(line.indexOf(":") + 1).trim() : null;
}

function memoryGiB(): number | null {
  try {
    return Math.round(Deno.systemMemoryInfo().total / 2 ** 30 * 10) / 10;
  } catch {
    return null;
  }
}

/** Collects the provenance of a run starting now on `backend`. */
export async function collectProvenance(
  backend: BackendInfo,
  args: readonly string[] = Deno.args,
): Promise<Provenance> {
  const here = dirname(fileURLToPath(import.meta.url));
  return {
    graft: denoJson.version,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
    tfjs: VERSION_OF(denoJson.imports["@tensorflow/tfjs-core"]),
    gitCommit: await gitCommit(here),
    backend: {
      requested: backend.requested,
      chosen: backend.chosen,
      tfBackend: backend.tfBackend,
      detail: backend.detail,
    },
    machine: {
      os: Deno.build.os,
      arch: Deno.build.arch,
      cpu: await cpuModel(),
      cores: navigator.hardwareConcurrency,
      memoryGiB: memoryGiB(),
    },
    args: [...args],
    startedAt: new Date().toISOString(),
    endedAt: null,
    wallSeconds: null,
  };
}

/** The same provenance with the run's end time and wall time filled in. */
export function endProvenance(p: Provenance, end: Date = new Date()): Provenance {
  return {
    ...p,
    endedAt: end.toISOString(),
    wallSeconds: Math.round((end.getTime() - Date.parse(p.startedAt)) / 100) / 10,
  };
}
