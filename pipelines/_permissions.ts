// The Deno permissions `deno task cifar10` needs, checked at start-up: a run started without
// them (`deno run pipelines/cifar10.ts`, or `--out` outside the folders the task may write)
// stops before it reads anything, with the exact command that grants them.
//
// What each permission is for (the README's "Permissions" section says the same):
//   --allow-read   configs, data, weights and checkpoints wherever the user keeps them
//   --allow-write  the run folders (runs/) and the download cache (~/.cache/graft)
//   --allow-env    GRAFT_* settings, HOME / XDG_CACHE_HOME for the cache, and two variables
//                  that libraries read (yaml's LOG_TOKENS / LOG_STREAM, Mesa's XDG_RUNTIME_DIR,
//                  OpenBLAS's OPENBLAS_CORETYPE)
//   --allow-net    only the hosts of the CIFAR-10 archive and of the pretrained weights
//   --allow-ffi    only for the native backend (`deno task cifar10:cpu` runs without it)
import { isAbsolute, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultCacheDir } from "../data/mod.ts";

/** The hosts downloads come from: CIFAR-10, and torchvision/timm or Keras weights. */
export const NET_HOSTS: readonly string[] = Object.freeze([
  "www.cs.toronto.edu",
  "*.huggingface.co",
  "*.hf.co",
  "storage.googleapis.com",
]);

/** The environment variables read during a run (`GRAFT_*` stands for all of Graft's). */
export const ENV_VARS: readonly string[] = Object.freeze([
  "GRAFT_*",
  "HOME",
  "XDG_CACHE_HOME",
  "XDG_RUNTIME_DIR",
  "OPENBLAS_CORETYPE",
  "LOG_TOKENS",
  "LOG_STREAM",
]);

/** What a run needs: paths to read and write, hosts, and FFI for the native kernels. */
export interface Needs {
  readonly read: readonly string[];
  readonly write: readonly string[];
  readonly net: readonly string[];
  /** `required` for `--backend native`, `useful` for `auto` (else cpu runs), `no` otherwise. */
  readonly ffi: "required" | "useful" | "no";
}

function envOr(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/** The cache folder as a command line should spell it (`$HOME/.cache/graft` by default). */
function cacheForCommand(): string {
  if (Deno.permissions.querySync({ name: "env", variable: "HOME" }).state !== "granted") {
    return "$HOME/.cache/graft";
  }
  const dir = defaultCacheDir();
  const home = envOr("HOME");
  return home && dir === join(home, ".cache", "graft") ? "$HOME/.cache/graft" : dir;
}

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;

/** The needs known from the command line before the config is read. */
export function needsFromFlags(flags: {
  readonly config?: string | undefined;
  readonly data?: string | undefined;
  readonly out?: string | undefined;
  readonly resume?: string | undefined;
  readonly backend?: string | undefined;
}): Needs {
  const read: string[] = [];
  const write: string[] = [];
  const net: string[] = [];
  if (flags.config) read.push(flags.config);
  if (flags.resume) read.push(flags.resume), write.push(flags.resume);
  if (flags.data && URL_LIKE.test(flags.data)) net.push(new URL(flags.data).hostname);
  else if (flags.data) read.push(flags.data);
  write.push(flags.out ?? "runs");
  const backend = flags.backend ?? "auto";
  const ffi = backend === "native" ? "required" : backend === "auto" ? "useful" : "no";
  return { read, write, net, ffi };
}

function granted(d: Deno.PermissionDescriptor): boolean {
  return Deno.permissions.querySync(d).state === "granted";
}

/** The permissions in `needs` (and those every run needs) that were not granted, as words. */
export function missingPermissions(needs: Needs): string[] {
  const missing: string[] = [];
  const env = ["HOME", "GRAFT_CACHE", "LOG_TOKENS"].filter((v) =>
    !granted({ name: "env", variable: v })
  );
  if (env.length) missing.push(`env ${env.join(", ")}`);
  // Without HOME the cache folder is unknown: the env line above covers it.
  const cache = env.length ? [] : [defaultCacheDir()];
  for (const path of [...needs.read, ...cache]) {
    if (!granted({ name: "read", path })) missing.push(`read ${path}`);
  }
  for (const path of [...needs.write, ...cache]) {
    if (!granted({ name: "write", path })) missing.push(`write ${path}`);
  }
  for (const host of needs.net) {
    if (!granted({ name: "net", host })) missing.push(`net ${host}`);
  }
  if (needs.ffi === "required" && !granted({ name: "ffi" })) {
    missing.push("ffi (the native backend)");
  }
  return missing;
}

/** Quotes an argument for a POSIX shell when it needs it. */
export function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** How to name this CLI on a command line: a path relative to here, or its package export. */
function entryPoint(): string {
  const url = new URL("./cifar10.ts", import.meta.url);
  if (url.protocol !== "file:") return "jsr:@graft/graft/cli";
  const path = fileURLToPath(url);
  try {
    const rel = relative(Deno.cwd(), path);
    return rel.startsWith("..") || isAbsolute(rel) ? path : rel;
  } catch {
    return path; // no read permission for the working directory
  }
}

/**
 * The permission flags of a run with `needs` (the task's, widened to the paths given), quoted
 * for a POSIX shell.
 */
export function permissionFlags(needs: Needs): string[] {
  const cache = cacheForCommand();
  const writes = ["runs", cache.startsWith("$HOME/") ? `"$HOME"${cache.slice(5)}` : quote(cache)];
  for (const w of needs.write) if (w !== "runs") writes.push(quote(w));
  const hosts = [...NET_HOSTS, ...needs.net.filter((h) => !NET_HOSTS.includes(h))];
  return [
    "--no-prompt",
    "--allow-read",
    `--allow-write=${writes.join(",")}`,
    `"--allow-env=${ENV_VARS.join(",")}"`,
    `"--allow-net=${hosts.join(",")}"`,
    ...(needs.ffi === "no" ? [] : ["--allow-ffi"]),
  ];
}

/**
 * One message naming what is missing and the command that grants it, or undefined when the run
 * has what it needs.
 */
export function permissionAdvice(needs: Needs, args: readonly string[]): string | undefined {
  const missing = missingPermissions(needs);
  if (missing.length === 0) return undefined;
  const rest = args.map(quote).join(" ");
  const run = ["deno run", ...permissionFlags(needs), quote(entryPoint()), rest]
    .filter(Boolean).join(" ");
  // Normalised: "runs/../x" is outside what the task may write, "./runs/x" inside.
  const task =
    needs.write.map((w) => normalize(w)).every((w) => w === "runs" || w.startsWith("runs/")) &&
      needs.net.every((h) => NET_HOSTS.includes(h))
      ? `deno task cifar10${needs.ffi === "no" ? ":cpu" : ""}${rest ? ` ${rest}` : ""}\n  or: `
      : "";
  return `Missing Deno permissions: ${missing.join("; ")}: run\n  ${task}${run}\n`;
}
