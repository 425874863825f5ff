"""Runs a spec's module once in eval mode: python3 forward.py MODULE.json WEIGHTS.safetensors
INPUT.safetensors OUT.safetensors. WEIGHTS holds Graft-layout weights (any Graft checkpoint or
weights file), INPUT an `x` F32 [N, H, W, C] batch; OUT gets the `logits`."""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402
from model import GraftModule, load_graft_weights  # noqa: E402


def main(argv):
    module_file, weights_file, input_file, out_file = argv[1:5]
    with open(module_file) as f:
        description = json.load(f)
    model = GraftModule(description)
    tensors, _ = safetensors_io.read(weights_file)
    weights = {k[8:] if k.startswith("weights/") else k: v for k, v in tensors.items()
               if not k.startswith("optimizer/")}
    load_graft_weights(model, weights, weights_file)
    model.eval()
    x = safetensors_io.read(input_file)[0]["x"].permute(0, 3, 1, 2).contiguous()
    with torch.no_grad():
        logits = model(x)
    safetensors_io.write(out_file, {"logits": logits})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
