#!/usr/bin/python3
"""Makes Graft's weight-parity fixtures with PyTorch (run: /usr/bin/python3 tools/make_fixtures.py).

VGG: a reduced torchvision VGG (narrow cfg, small classifier, 32x32 input so the adaptive pool to 7x7
upsamples 4x4 maps), with random weights, with and without BatchNorm (eval mode, non-trivial
running statistics). Each model is written twice:

- `vgg_tiny[_bn].safetensors`: the PyTorch state dict under torchvision's names (OIHW, [out, in],
  `num_batches_tracked` as I64), exactly what `torch.save(model.state_dict())` holds.
- `vgg_tiny[_bn].h5`: the Keras HDF5 weights layout (root attribute `layer_names`, one group per
  layer with `weight_names`, HWIO kernels, [in, out] dense kernels, the first dense's rows in
  channels-last flatten order), with Keras Applications-style names (block1_conv1, fc1, ...).

`vgg_tiny_io.safetensors` holds the input batch (NCHW, as PyTorch takes it) and PyTorch's logits
for both models.

ResNet (see `tools/_resnet_fixtures.py`): reduced-width torchvision ResNets (basic and bottleneck
blocks with downsample shortcuts, the ImageNet stem and the CIFAR stem) as torchvision-named
safetensors with non-trivial BatchNorm statistics, a Keras-Applications-`ResNet50`-style HDF5
file, and `resnet_tiny_io.safetensors` with the inputs and PyTorch's logits.

Tests read these files only; they never need PyTorch.
"""
import json
import struct
import sys
from pathlib import Path

import h5py
import numpy as np
import torch
from torch import nn
from torchvision.models.vgg import VGG, make_layers

from _resnet_fixtures import make_resnet_fixtures

CFG = [8, "M", 16, "M", 16, "M"]
LAST_CHANNELS = 16
HIDDEN = 8
CLASSES = 10
BATCH = 2
OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures"


def tiny_vgg(batch_norm: bool, seed: int) -> VGG:
    torch.manual_seed(seed)
    model = VGG(make_layers(CFG, batch_norm=batch_norm), num_classes=CLASSES, init_weights=False)
    # torchvision's classifier is fixed at 512*7*7 -> 4096; keep its module indices, shrink it.
    model.classifier = nn.Sequential(
        nn.Linear(LAST_CHANNELS * 7 * 7, HIDDEN),
        nn.ReLU(True),
        nn.Dropout(),
        nn.Linear(HIDDEN, HIDDEN),
        nn.ReLU(True),
        nn.Dropout(),
        nn.Linear(HIDDEN, CLASSES),
    )
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                fan_in = m.weight[0].numel()
                m.weight.normal_(0, (2.0 / fan_in) ** 0.5)
                m.bias.normal_(0, 0.1)
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.2)
                m.running_mean.normal_(0, 0.3)
                m.running_var.uniform_(0.5, 2.0)
                m.num_batches_tracked.fill_(123)
    return model.eval()


def write_safetensors(path: Path, tensors: dict, metadata: dict) -> None:
    header = {"__metadata__": metadata}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        arr = t.detach().cpu().contiguous().numpy()
        dtype = {np.dtype("float32"): "F32", np.dtype("int64"): "I64"}[arr.dtype]
        raw = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def write_keras_h5(path: Path, model: VGG) -> None:
    """Writes the Keras 2 `save_weights` HDF5 layout for the tiny VGG."""
    layers = []  # (name, [(weight_name, array)])
    layers.append(("input_1", []))
    block, conv_in_block = 1, 0
    feats = list(model.features)
    for i, m in enumerate(feats):
        if isinstance(m, nn.Conv2d):
            conv_in_block += 1
            name = f"block{block}_conv{conv_in_block}"
            kernel = m.weight.detach().permute(2, 3, 1, 0).numpy()  # OIHW -> HWIO
            layers.append((name, [("kernel:0", kernel), ("bias:0", m.bias.detach().numpy())]))
        elif isinstance(m, nn.BatchNorm2d):
            name = f"block{block}_bn{conv_in_block}"
            layers.append((name, [
                ("gamma:0", m.weight.detach().numpy()),
                ("beta:0", m.bias.detach().numpy()),
                ("moving_mean:0", m.running_mean.detach().numpy()),
                ("moving_variance:0", m.running_var.detach().numpy()),
            ]))
        elif isinstance(m, nn.MaxPool2d):
            layers.append((f"block{block}_pool", []))
            block, conv_in_block = block + 1, 0
    layers.append(("flatten", []))
    denses = [m for m in model.classifier if isinstance(m, nn.Linear)]
    for name, m in zip(["fc1", "fc2", "predictions"], denses):
        w = m.weight.detach()
        if name == "fc1":
            # PyTorch flattens (C, H, W); Keras channels_last flattens (H, W, C).
            w = w.reshape(w.shape[0], LAST_CHANNELS, 7, 7).permute(0, 2, 3, 1).reshape(w.shape[0], -1)
        layers.append((name, [("kernel:0", w.t().contiguous().numpy()), ("bias:0", m.bias.detach().numpy())]))
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([n.encode() for n, _ in layers], dtype="S")
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.11.0"
        for name, weights in layers:
            g = f.create_group(name)
            g.attrs["weight_names"] = np.array([f"{name}/{w}".encode() for w, _ in weights], dtype="S")
            for w, arr in weights:
                g.create_dataset(f"{name}/{w}", data=np.ascontiguousarray(arr, dtype=np.float32))


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(2024)
    x = torch.randn(BATCH, 3, 32, 32)
    io = {"input": x}
    for bn, seed in ((False, 1), (True, 2)):
        model = tiny_vgg(bn, seed)
        stem = "vgg_tiny_bn" if bn else "vgg_tiny"
        with torch.no_grad():
            logits = model(x)
        io[f"logits_{stem}"] = logits
        meta = {"format": "pt", "arch": f"torchvision VGG cfg={CFG} bn={bn} hidden={HIDDEN}"}
        write_safetensors(OUT / f"{stem}.safetensors", model.state_dict(), meta)
        write_keras_h5(OUT / f"{stem}.h5", model)
        print(f"{stem}: logits[0,:3]={logits[0, :3].tolist()}")
    write_safetensors(OUT / "vgg_tiny_io.safetensors", io, {"torch": torch.__version__})
    make_resnet_fixtures(OUT, write_safetensors)  # after VGG: VGG's random stream stays
    for p in sorted(OUT.iterdir()):
        print(f"{p.name}: {p.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
