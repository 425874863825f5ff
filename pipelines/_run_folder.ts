// A run folder that never lies: refused when it holds another run (unless asked to overwrite),
// locked by one process at a time, its files replaced atomically, and its state in run.json.
import { join } from "node:path";
import { ConfigError } from "./_config.ts";

/** What `run.json` says about a run. */
export interface RunStatus {
  /** `running` while a process trains into it; `failed` or `finished` once it stopped. */
  readonly status: "running" | "failed" | "finished";
  /** Epochs whose checkpoint and metrics line are written. */
  readonly epoch: number;
  /** The epochs asked for. */
  readonly epochs: number;
  /** The process that wrote this. */
  readonly pid: number;
  /** When this was written (ISO 8601). */
  readonly updated: string;
  /** Why the run failed (one line), or why it stopped early. */
  readonly reason?: string;
}

/** The lock file's name inside a run folder. */
export const LOCK_FILE = "run.lock";
/** The status file's name inside a run folder. */
export const STATUS_FILE = "run.json";

/** Writes text atomically: a temporary file in the same folder, then a rename. */
export async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  await Deno.writeTextFile(tmp, text);
  await Deno.rename(tmp, path);
}

async function entries(dir: string): Promise<string[] | undefined> {
  try {
    const names: string[] = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    return names;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    if (e instanceof Deno.errors.NotADirectory) {
      throw new ConfigError("from the command line", [{
        key: "--out",
        message: `${dir} is a file, not a run folder`,
      }]);
    }
    throw e;
  }
}

/**
 * Checks that `dir` may receive a new run: it does not exist or is empty, or `overwrite` is set
 * (then it is emptied when the run starts). Throws a ConfigError naming `--out` otherwise.
 */
export async function checkNewRunFolder(dir: string, overwrite: boolean): Promise<void> {
  const names = await entries(dir);
  if (!names || names.length === 0 || overwrite) return;
  throw new ConfigError("from the command line", [{
    key: "--out",
    message: `${dir} already holds a run (${names.sort().slice(0, 4).join(", ")}${
      names.length > 4 ? ", ..." : ""
    }): continue it with --resume ${dir}, replace it with --overwrite, or choose another --out`,
  }]);
}

/** A run folder held by this process. */
export class RunFolder {
  readonly dir: string;
  readonly checkpoints: string;
  #lock: Deno.FsFile | undefined;

  private constructor(dir: string) {
    this.dir = dir;
    this.checkpoints = join(dir, "checkpoints");
  }

  /**
   * Takes the folder: creates it, takes its lock, then empties it (`overwrite`), checks that it
   * is still empty (`new`: another run may have filled it since it was checked) or leaves it as
   * it is (`resume`). A lock held by a live process is an error naming that process; one left by
   * a dead process is taken over and reported through `log`.
   */
  static async open(
    dir: string,
    mode: "new" | "overwrite" | "resume",
    log: (line: string) => void,
  ): Promise<RunFolder> {
    const folder = new RunFolder(dir);
    await Deno.mkdir(dir, { recursive: true });
    await folder.#takeLock(log);
    const others = ((await entries(dir)) ?? []).filter((name) => name !== LOCK_FILE);
    if (mode === "overwrite") {
      for (const name of others) await Deno.remove(join(dir, name), { recursive: true });
    } else if (mode === "new" && others.length) {
      await folder.close();
      await checkNewRunFolder(dir, false);
    }
    await Deno.mkdir(folder.checkpoints, { recursive: true });
    return folder;
  }

  // An OS lock (flock) on run.lock: released by the kernel when the process dies, so a killed
  // run never leaves a lock that blocks the next one; the file names the holder's PID.
  async #takeLock(log: (line: string) => void): Promise<void> {
    const path = join(this.dir, LOCK_FILE);
    for (;;) {
      const file = await Deno.open(path, { read: true, write: true, create: true });
      const previous = new TextDecoder().decode(await Deno.readFile(path)).trim();
      if (!(await file.tryLock(true))) {
        file.close();
        throw new ConfigError("from the command line", [{
          key: "--out",
          message: `${this.dir} is in use by process ${previous || "(unknown)"} (lock file ` +
            `${path}): wait for it to finish, or stop it`,
        }]);
      }
      // The holder before us may have removed the file as we opened it: then lock the new one.
      const same = await Deno.stat(path).then((s) => s.ino === file.statSync().ino, () => false);
      if (!same) {
        file.close();
        continue;
      }
      if (previous) {
        log(`Removed a stale lock of process ${previous} (no longer running) from ${path}\n`);
      }
      await file.truncate(0);
      await file.write(new TextEncoder().encode(`${Deno.pid}\n`));
      this.#lock = file;
      return;
    }
  }

  /** Releases the lock (the folder stays). */
  async close(): Promise<void> {
    const file = this.#lock;
    if (!file) return;
    this.#lock = undefined;
    await Deno.remove(join(this.dir, LOCK_FILE)).catch(() => {});
    await file.unlock().catch(() => {});
    file.close();
  }

  /** Removes temporary files a killed run left behind; returns their names. */
  async removeOrphans(): Promise<string[]> {
    const removed: string[] = [];
    for (const dir of [this.dir, this.checkpoints]) {
      for (const name of (await entries(dir)) ?? []) {
        if (name.endsWith(".tmp") || name.endsWith(".part")) {
          await Deno.remove(join(dir, name), { recursive: true });
          removed.push(dir === this.dir ? name : `checkpoints/${name}`);
        }
      }
    }
    return removed;
  }

  /**
   * On SIGINT or SIGTERM: marks the run failed (`interrupted by SIGINT`), releases the lock and
   * exits (130 or 143). Returns the function that removes the handlers.
   */
  onInterrupt(status: () => Omit<RunStatus, "pid" | "updated" | "status" | "reason">): () => void {
    const listeners: [Deno.Signal, () => void][] = [];
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      const listener = () => {
        const full: RunStatus = {
          ...status(),
          status: "failed",
          reason: `interrupted by ${signal}`,
          pid: Deno.pid,
          updated: new Date().toISOString(),
        };
        const path = join(this.dir, STATUS_FILE);
        Deno.writeTextFileSync(`${path}.signal.tmp`, JSON.stringify(full, null, 2) + "\n");
        Deno.renameSync(`${path}.signal.tmp`, path);
        try {
          Deno.removeSync(join(this.dir, LOCK_FILE));
        } catch { /* already gone */ }
        Deno.exit(signal === "SIGINT" ? 130 : 143);
      };
      try {
        Deno.addSignalListener(signal, listener);
        listeners.push([signal, listener]);
      } catch { /* a platform without this signal */ }
    }
    return () => {
      for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
    };
  }

  /** Writes `run.json`. */
  // Synchronous on purpose: no write of it is ever in flight when a signal handler writes
  // `failed` (an async rename finishing after the handler's would bring `running` back).
  setStatus(status: Omit<RunStatus, "pid" | "updated">): Promise<void> {
    const full: RunStatus = { ...status, pid: Deno.pid, updated: new Date().toISOString() };
    const path = join(this.dir, STATUS_FILE);
    const tmp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
    Deno.writeTextFileSync(tmp, JSON.stringify(full, null, 2) + "\n");
    Deno.renameSync(tmp, path);
    return Promise.resolve();
  }
}

/** Reads a run folder's `run.json`, if it has one. */
export async function readStatus(dir: string): Promise<RunStatus | undefined> {
  try {
    const value = JSON.parse(await Deno.readTextFile(join(dir, STATUS_FILE)));
    return typeof value === "object" && value !== null && typeof value.status === "string"
      ? value as RunStatus
      : undefined;
  } catch {
    return undefined;
  }
}
