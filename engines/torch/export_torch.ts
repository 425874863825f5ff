import { join } from "node:path";
import { stringify } from "yaml";
import { holdOut, loadCifar10 } from "../../data/mod.ts";
import { fromJSON } from "../../dsl/mod.ts";
import { readCheckpoint } from "../../weights/checkpoint.ts";
import { parseConfig } from "../../pipelines/_config.ts";
import { encodeSplit, makeJob, writeAtomic, writeJob, writeWeights } from "./_job.ts";
import { engineReady, PYTHON_FILES } from "./_python.ts";
import { EngineError } from "./errors.ts";
import { torchrunArgs } from "./train_torch.ts";

/**
 * Options of {@linkcode exportTorch}.
 *
 * @example
 * ```ts
 * import type { ExportTorchOptions } from "@graft/graft/engines/torch";
 * const o: ExportTorchOptions = { data: "cifar-10-binary.tar.gz", nodes: 2, gpusPerNode: 8 };
 * ```
 */
export interface ExportTorchOptions {
  /** CIFAR-10 to prepare (default: the run config's `data.path`). */
  readonly data?: string;
  /** Machines in the launch files. Default 2. */
  readonly nodes?: number;
  /** Processes (GPUs) per machine in the launch files. Default 8. */
  readonly gpusPerNode?: number;
  /** Replace `out` if it holds anything. Default false. */
  readonly overwrite?: boolean;
}

/**
 * Writes a folder that trains a run's spec with PyTorch without Deno: `graft_torch/` (the
 * engine's module and trainer), `job.json` (the module description and the resolved settings),
 * `config.yaml` (the run's config), `weights.safetensors` (the run's last weights, the starting
 * point), `data/` (CIFAR-10 prepared as the run used it: the same held-out validation split), and
 * launch files for a Slurm batch job (`launch/slurm.sbatch`) and a Kubeflow PyTorchJob
 * (`launch/pytorchjob.yaml`), whose torchrun command lines are the ones the engine runs.
 *
 * @example
 * ```ts ignore
 * import { exportTorch } from "@graft/graft/engines/torch";
 * await exportTorch("runs/cifar10-20261201", "export/torch");
 * ```
 */
export async function exportTorch(
  runDir: string,
  out: string,
  options: ExportTorchOptions = {},
): Promise<string[]> {
  const pythonDir = engineReady();
  const configFile = join(runDir, "config.yaml");
  let text: string;
  try {
    text = await Deno.readTextFile(configFile);
  } catch (e) {
    throw new EngineError("Cannot export", [
      `${runDir} is not a run folder: ${configFile} cannot be read (${(e as Error).message})`,
    ]);
  }
  const { config } = parseConfig(text, configFile);
  const ckpt = await readCheckpoint(runDir).catch((e: Error) => {
    throw new EngineError("Cannot export", [`${runDir} holds no checkpoint: ${e.message}`]);
  });
  const spec = fromJSON(ckpt.spec.toJSON());
  try {
    const entries = [...Deno.readDirSync(out)];
    if (entries.length && !options.overwrite) {
      throw new EngineError("Cannot export", [`${out} is not empty (pass --overwrite)`]);
    }
    if (entries.length) await Deno.remove(out, { recursive: true });
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const dataPath = options.data ?? config.data.path ?? undefined;
  const data = await loadCifar10({
    ...(dataPath !== undefined ? { data: dataPath } : {}),
    ...(config.data.cacheDir !== null ? { cacheDir: config.data.cacheDir } : {}),
    ...(config.data.limitTest !== null ? { limitTest: config.data.limitTest } : {}),
  });
  const held = holdOut(data.train, config.data.validation, config.train.seed);
  const train = held.train.limit(config.data.limitTrain ?? undefined);
  // Written into a temporary sibling, renamed into place at the end: nothing half-written stays.
  const tmp = `${out}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    await Deno.mkdir(join(tmp, "data"), { recursive: true });
    await Deno.mkdir(join(tmp, "graft_torch"));
    await Deno.mkdir(join(tmp, "launch"));
    for (const f of PYTHON_FILES) {
      await Deno.copyFile(join(pythonDir, f), join(tmp, "graft_torch", f));
    }
    await writeAtomic(join(tmp, "data", "train.safetensors"), encodeSplit(train));
    const validation = held.validation.size > 0;
    if (validation) {
      await writeAtomic(join(tmp, "data", "validation.safetensors"), encodeSplit(held.validation));
    }
    await writeAtomic(join(tmp, "data", "test.safetensors"), encodeSplit(data.test));
    await writeWeights(join(tmp, "weights.safetensors"), ckpt.weights);
    const t = config.train;
    const es = t.earlyStopping;
    const job = makeJob(spec, {
      epochs: t.epochs,
      batchSize: t.batchSize,
      seed: t.seed,
      labelSmoothing: t.labelSmoothing,
      optimizer: t.optimizer,
      schedule: t.schedule,
      augment: config.data.augment,
      ...(config.data.resize !== null ? { resize: config.data.resize } : {}),
      evaluateBatchSize: t.evaluateBatchSize,
      ...(es ? { earlyStopping: es } : {}),
      checkpoints: { dir: "checkpoints", monitor: validation ? "valAccuracy" : "loss" },
    }, {
      train: "data/train.safetensors",
      trainSize: train.size,
      validation: validation ? "data/validation.safetensors" : null,
      test: "data/test.safetensors",
      initialWeights: "weights.safetensors",
      finalWeights: "final.safetensors",
      resume: null,
    });
    await writeJob(tmp, job);
    await Deno.writeTextFile(join(tmp, "config.yaml"), stringify(config));
    const nodes = options.nodes ?? 2;
    const gpus = options.gpusPerNode ?? 8;
    await Deno.writeTextFile(join(tmp, "launch", "slurm.sbatch"), slurm(config.name, nodes, gpus));
    await Deno.writeTextFile(
      join(tmp, "launch", "pytorchjob.yaml"),
      pytorchJob(config.name, nodes, gpus),
    );
    await Deno.writeTextFile(join(tmp, "README.md"), readme(config.name, nodes, gpus));
    await Deno.rename(tmp, out);
  } catch (e) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw e;
  }
  const files: string[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const e of Deno.readDirSync(dir)) {
      if (e.isDirectory) walk(join(dir, e.name), `${prefix}${e.name}/`);
      else files.push(`${prefix}${e.name}`);
    }
  };
  walk(out, "");
  return files.sort();
}

/** The torchrun command of a launch file, as the engine builds it. */
export function launchCommand(nodes: number, gpus: number, endpoint: string, id: string): string {
  const args = torchrunArgs(
    {
      kind: "torchrun",
      nprocPerNode: gpus,
      nnodes: nodes,
      rdzvEndpoint: endpoint,
      rdzvId: id,
      maxRestarts: 3,
    },
    "graft_torch/train.py",
    "job.json",
    "logs",
    1800,
  );
  return ["torchrun", ...args].join(" ");
}

function slurm(name: string, nodes: number, gpus: number): string {
  return `#!/bin/bash
# Trains ${name} on ${nodes} machines × ${gpus} GPUs with torchrun (NCCL). Submit from this folder:
#   sbatch launch/slurm.sbatch
# Not run by Graft's tests (no Slurm cluster there); its torchrun line is the one they test.
#SBATCH --job-name=graft-${name}
#SBATCH --nodes=${nodes}
#SBATCH --ntasks-per-node=1
#SBATCH --gpus-per-node=${gpus}
#SBATCH --cpus-per-task=${gpus * 4}
#SBATCH --output=logs/%x-%j.out
set -euo pipefail
cd "$SLURM_SUBMIT_DIR"
mkdir -p logs
head=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)
srun ${launchCommand(nodes, gpus, "$head:29400", "$SLURM_JOB_ID")}
`;
}

function pytorchJob(name: string, nodes: number, gpus: number): string {
  const command = launchCommand(nodes, gpus, "$(MASTER_ADDR):29400", name).split(" ");
  const container = (role: string) => ({
    replicas: role === "Master" ? 1 : nodes - 1,
    restartPolicy: "OnFailure",
    template: {
      spec: {
        containers: [{
          name: "pytorch",
          image: "pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime",
          workingDir: "/workspace/graft",
          command,
          resources: { limits: { "nvidia.com/gpu": gpus } },
          volumeMounts: [{ name: "graft", mountPath: "/workspace/graft" }],
        }],
        volumes: [{ name: "graft", persistentVolumeClaim: { claimName: `graft-${name}` } }],
      },
    },
  });
  const job = {
    apiVersion: "kubeflow.org/v1",
    kind: "PyTorchJob",
    metadata: { name: `graft-${name.replace(/[^a-z0-9-]/g, "-")}` },
    spec: {
      pytorchReplicaSpecs: {
        Master: container("Master"),
        ...(nodes > 1 ? { Worker: container("Worker") } : {}),
      },
    },
  };
  return `# A Kubeflow PyTorchJob training ${name} on ${nodes} pods × ${gpus} GPUs. This folder must be on
# the volume claim graft-${name} (mounted at /workspace/graft): kubectl apply -f launch/pytorchjob.yaml
# Not run by Graft's tests (no cluster there); its torchrun line is the one they test.
${stringify(job)}`;
}

function readme(name: string, nodes: number, gpus: number): string {
  return `# ${name}: trained with PyTorch, without Deno

Written by \`deno task cifar10 export RUN_DIR --format torch\`. Needs Python with PyTorch 1.13 or
newer, nothing else.

- \`graft_torch/\`: the module builder (\`model.py\`) and the trainer (\`train.py\`).
- \`job.json\`: the spec as torch modules, the resolved training settings (every step's learning
  rate included), the data and weight files.
- \`weights.safetensors\`: the run's last weights (Graft's layout), the starting point.
- \`data/\`: CIFAR-10 as the run used it (the same held-out validation split).
- \`launch/slurm.sbatch\`, \`launch/pytorchjob.yaml\`: ${nodes} machines × ${gpus} GPUs.

\`\`\`sh
python3 graft_torch/train.py job.json > events.jsonl                 # one process (CUDA if any)
torchrun --nnodes 1 --nproc_per_node 2 --rdzv_backend c10d --rdzv_endpoint 127.0.0.1:0 \\
  --redirects 2 --tee 2 graft_torch/train.py job.json                 # data-parallel here
sbatch launch/slurm.sbatch                                            # Slurm
kubectl apply -f launch/pytorchjob.yaml                               # Kubernetes (Kubeflow)
\`\`\`

(\`--redirects 2 --tee 2\`: PyTorch 1.13's torchrun cannot parse its default \`--redirects 0\` on
Python 3.11.) Events (one JSON object per line) go to standard output; checkpoints (\`checkpoints/last.safetensors\`,
\`best.safetensors\`, Graft's format: \`loadWeights()\` reads them) and \`final.safetensors\` to this
folder. Set \`"resume": "checkpoints/last.safetensors"\` in job.json to continue a stopped run. In
Python: \`model = GraftModule(json.load(open("job.json"))["module"])\` (from \`graft_torch/model.py\`)
has torchvision's state-dict keys.
`;
}
