"""Prints Graft (WebGPU) and PyTorch (CUDA float32) images/s side by side from JSON lines."""
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
                    rows[r["model"]] = r
    except FileNotFoundError:
        pass
    return rows


graft, torch = load(sys.argv[1]), load(sys.argv[2])
print(f"{'model':<12} {'graft img/s':>12} {'pytorch img/s':>14} {'graft/pytorch':>14} "
      f"{'graft epoch (50k)':>18} {'pytorch epoch':>14}")
for model in ["cifar_vgg16", "seed"]:
    g, t = graft.get(model), torch.get(model)
    gi = g["imagesPerSec"] if g else None
    ti = t["imagesPerSec"] if t else None
    ratio = f"{gi / ti:.3f}" if gi and ti else "n/a"
    ge = f"{50000 / gi:.1f} s" if gi else "n/a"
    te = f"{50000 / ti:.1f} s" if ti else "n/a"
    gs = f"{gi:.1f}" if gi else "missing"
    ts = f"{ti:.1f}" if ti else "missing"
    print(f"{model:<12} {gs:>12} {ts:>14} {ratio:>14} {ge:>18} {te:>14}")
