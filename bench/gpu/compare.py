"""Prints Graft (WebGPU) and PyTorch (CUDA float32) images/s side by side from JSON lines.

Graft's first line per model is `train()` on the real data path (what users run); the second,
a minimal loop on fixed device batches (what TensorFlow.js alone does).
"""
import json
import sys


def load(path):
    rows = {}
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    r = json.loads(line)
                    rows[(r.get("loop", "minimal"), r["model"])] = r
    except FileNotFoundError:
        pass
    return rows


graft, torch = load(sys.argv[1]), load(sys.argv[2])
models = sorted({m for _, m in graft} | {m for _, m in torch}, key=lambda m: (m != "cifar_vgg16", m))
print(f"{'model':<12} {'graft loop':<10} {'graft img/s':>12} {'pytorch img/s':>14} "
      f"{'graft/pytorch':>14} {'graft epoch (50k)':>18} {'data wait/step':>15}")
for model in models:
    t = torch.get(("minimal", model))
    ti = t["imagesPerSec"] if t else None
    for loop in ["train()", "minimal"]:
        g = graft.get((loop, model))
        if not g:
            continue
        gi = g["imagesPerSec"]
        ratio = f"{gi / ti:.3f}" if gi and ti else "n/a"
        ge = f"{50000 / gi:.1f} s" if gi else "n/a"
        wait = g.get("dataWaitMsPerStep")
        ws = f"{wait:.1f} ms" if wait is not None else "-"
        ts = f"{ti:.1f}" if ti else "missing"
        print(f"{model:<12} {loop:<10} {gi:>12.1f} {ts:>14} {ratio:>14} {ge:>18} {ws:>15}")
