"""The torch-engine side of `deno task bench cpu`: trains the module Graft's PyTorch engine
builds from a spec (engines/torch/python/model.py, from the description `describeTorch` wrote)
for a fixed number of steps on synthetic CIFAR-sized batches, with the engine's set-up (frozen
nodes without gradients, frozen BatchNorm in eval mode, SGD lr 0.001 momentum 0.9), and prints
one JSON line as torch_bench.py does.

Usage: python3 torch_engine_bench.py MODULE.json BATCH STEPS WARMUP THREADS [DEVICE]
THREADS 0 keeps PyTorch's default; DEVICE cpu (default) or cuda (float32, TF32 off).
"""
import json
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
# Beside this file when packed for the GPU machine, else the repository's engine.
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "engines", "torch", "python"))
from model import GraftModule  # noqa: E402


def main():
    module_file = sys.argv[1]
    batch, steps, warmup, threads = map(int, sys.argv[2:6])
    device = torch.device(sys.argv[6] if len(sys.argv) > 6 else "cpu")
    if threads:
        torch.set_num_threads(threads)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.manual_seed(0)
    with open(module_file) as f:
        description = json.load(f)
    model = GraftModule(description).to(device)
    model.train()
    for node, module in model.nodes():
        if not node["trainable"]:
            for p in module.parameters(recurse=False):
                p.requires_grad_(False)
            if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                module.eval()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params, lr=0.001, momentum=0.9)
    x = torch.rand(batch, *description["input"], device=device)
    y = torch.randint(0, description["classes"], (batch,), device=device)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        loss = step()
    dt = time.perf_counter() - t0
    print(json.dumps({
        "side": "engine",
        "model": description["name"],
        "batch": batch,
        "steps": steps,
        "seconds": dt,
        "images_per_s": batch * steps / dt,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "threads": torch.get_num_threads(),
        "device": str(device),
        "last_loss": loss,
    }))


if __name__ == "__main__":
    main()
