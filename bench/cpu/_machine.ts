/**
 * The machine a benchmark ran on: CPU model, cores, memory and the SIMD instruction sets that
 * decide which GEMM and convolution kernels oneDNN, OpenBLAS and PyTorch pick.
 *
 * @module
 */

/** A benchmark machine, as printed in benchmark headers and `bench/RESULTS.md`. */
export interface Machine {
  /** `AMD EPYC`, `Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz`, ... */
  readonly cpu: string;
  readonly cores: number;
  readonly ramGiB: number;
  /** The SIMD flags of interest present (`avx2`, `fma`, `avx512f`, ..., `amx_tile`). */
  readonly isa: readonly string[];
  /** One line: `AMD EPYC, 2 cores, 24 GiB RAM, linux/x86_64, ISA avx2 fma avx512f ...`. */
  readonly line: string;
}

/** The instruction-set flags worth naming, in the order printed. */
const ISA_FLAGS: readonly string[] = [
  "sse4_2",
  "avx",
  "avx2",
  "fma",
  "avx512f",
  "avx512dq",
  "avx512bw",
  "avx512vl",
  "avx512_vnni",
  "avx512_bf16",
  "amx_tile",
  "amx_bf16",
  "neon",
  "asimd",
];

// Deno reads /proc only with --allow-all; Python is at hand in every CPU benchmark.
const SCRIPT = "import re,os,json;c=open('/proc/cpuinfo').read();m=open('/proc/meminfo').read();" +
  "n=re.search(r'model name\\s*:\\s*(.*)',c);f=re.search(r'(?:flags|Features)\\s*:\\s*(.*)',c);" +
  "print(json.dumps({'cpu':n.group(1) if n else '?','cores':os.cpu_count()," +
  "'ram':int(re.search(r'MemTotal:\\s+(\\d+)',m).group(1))/2**20," +
  "'flags':f.group(1).split() if f else []}))";

/**
 * Describes this machine, asking `python` to read `/proc` (Linux); elsewhere only the core count
 * and platform are known.
 *
 * @example
 * ```ts
 * const m = await describeMachine("/usr/bin/python3");
 * console.log(m.line);
 * ```
 */
export async function describeMachine(python: string): Promise<Machine> {
  const platform = `${Deno.build.os}/${Deno.build.arch}`;
  try {
    const out = await new Deno.Command(python, { args: ["-c", SCRIPT], stdout: "piped" }).output();
    const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
      cpu: string;
      cores: number;
      ram: number;
      flags: string[];
    };
    const have = new Set(info.flags);
    const isa = ISA_FLAGS.filter((f) => have.has(f));
    const ramGiB = Math.round(info.ram);
    return {
      cpu: info.cpu,
      cores: info.cores,
      ramGiB,
      isa,
      line: `${info.cpu}, ${info.cores} cores, ${ramGiB} GiB RAM, ${platform}, ISA ${
        isa.join(" ") || "unknown"
      }`,
    };
  } catch {
    const cores = navigator.hardwareConcurrency;
    return { cpu: "?", cores, ramGiB: 0, isa: [], line: `${cores} cores, ${platform}` };
  }
}
