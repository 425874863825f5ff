"""ResNet parity fixtures (called by make_fixtures.py).

Reduced-width torchvision ResNets, built with torchvision's own `ResNet._make_layer` so every
module name is torchvision's (`conv1`, `bn1`, `layer1.0.conv1`, `layer2.0.downsample.0`, `fc`):

- `resnet_basic_tiny`: BasicBlock, blocks [2, 1, 1, 1], widths 8-16-32-64, ImageNet stem
  (7x7/2 conv, 3x3/2 max pool), 64x64 input.
- `resnet_bottleneck_tiny`: Bottleneck, blocks [1, 2, 1, 1], widths 4-8-16-32 (outputs x4), ImageNet
  stem, 64x64 input; layer1.0 has a stride-1 downsample (channel change only).
- `resnet_cifar_tiny`: BasicBlock, blocks [1, 1, 1, 1], widths 8-16-32-64, CIFAR stem (3x3/1 conv,
  no max pool), 32x32 input.
- `resnet_keras_tiny.h5`: Keras Applications' `ResNet50` layout (v1: stride on the first 1x1
  convolution of a block, convolutions with biases, BatchNorm epsilon 1.001e-5), Bottleneck
  blocks [1, 2, 1, 1], widths 4-8-16-32, 64x64 input, layers named and ordered as Keras saves
  them (`conv1_conv`, `conv1_bn`, `conv2_block1_1_conv`, ..., `conv2_block1_0_conv`,
  `conv2_block1_3_conv`, `conv2_block1_0_bn`, `conv2_block1_3_bn`, ..., `predictions`).

Every model is in eval mode with random weights and non-trivial BatchNorm statistics.
`resnet_tiny_io.safetensors` holds `input64`, `input32` (NCHW) and `logits_<name>` per model.
"""
from pathlib import Path

import h5py
import numpy as np
import torch
from torch import nn
from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet

CLASSES = 10
BATCH = 2
KERAS_EPS = 1.001e-5


class TinyResNet(ResNet):
    """torchvision's ResNet with stage widths w, 2w, 4w, 8w instead of 64..512."""

    def __init__(self, block, layers, width, cifar_stem=False):
        nn.Module.__init__(self)
        self._norm_layer = nn.BatchNorm2d
        self.inplanes = width
        self.dilation = 1
        self.groups = 1
        self.base_width = 64
        if cifar_stem:
            self.conv1 = nn.Conv2d(3, width, kernel_size=3, stride=1, padding=1, bias=False)
        else:
            self.conv1 = nn.Conv2d(3, width, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.Identity() if cifar_stem else nn.MaxPool2d(3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, width, layers[0])
        self.layer2 = self._make_layer(block, 2 * width, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 4 * width, layers[2], stride=2)
        self.layer4 = self._make_layer(block, 8 * width, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(8 * width * block.expansion, CLASSES)


def randomise(model: nn.Module) -> nn.Module:
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                fan_in = m.weight[0].numel()
                m.weight.normal_(0, (2.0 / fan_in) ** 0.5)
                if m.bias is not None:
                    m.bias.normal_(0, 0.1)
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.2)
                m.running_mean.normal_(0, 0.3)
                m.running_var.uniform_(0.5, 2.0)
                m.num_batches_tracked.fill_(321)
    return model.eval()


def biased(conv: nn.Conv2d) -> nn.Conv2d:
    out = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride,
                    conv.padding, bias=True)
    with torch.no_grad():
        out.weight.copy_(conv.weight)
    return out


def keras_v1(model: TinyResNet) -> TinyResNet:
    """Turns a bottleneck TinyResNet into Keras Applications' ResNet50 layout (before weights)."""
    model.conv1 = biased(model.conv1)
    for layer in (model.layer1, model.layer2, model.layer3, model.layer4):
        for block in layer:
            stride = block.conv2.stride
            block.conv1 = biased(block.conv1)
            block.conv2 = biased(block.conv2)
            block.conv3 = biased(block.conv3)
            block.conv1.stride, block.conv2.stride = stride, (1, 1)
            if block.downsample is not None:
                block.downsample[0] = biased(block.downsample[0])
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.eps = KERAS_EPS
    return model


def write_keras_resnet_h5(path: Path, model: TinyResNet) -> None:
    """Writes the Keras 2 `save_weights` HDF5 layout of Keras Applications' ResNet50."""
    layers = [("input_1", []), ("conv1_pad", [])]

    def conv(name, m):
        kernel = m.weight.detach().permute(2, 3, 1, 0).numpy()  # OIHW -> HWIO
        layers.append((name, [("kernel:0", kernel), ("bias:0", m.bias.detach().numpy())]))

    def bn(name, m):
        layers.append((name, [
            ("gamma:0", m.weight.detach().numpy()),
            ("beta:0", m.bias.detach().numpy()),
            ("moving_mean:0", m.running_mean.detach().numpy()),
            ("moving_variance:0", m.running_var.detach().numpy()),
        ]))

    conv("conv1_conv", model.conv1)
    bn("conv1_bn", model.bn1)
    layers += [("conv1_relu", []), ("pool1_pad", []), ("pool1_pool", [])]
    for stage, layer in enumerate((model.layer1, model.layer2, model.layer3, model.layer4)):
        for i, block in enumerate(layer):
            name = f"conv{stage + 2}_block{i + 1}"
            # Keras' functional model lists layers by depth: the shortcut's conv sits beside the
            # block's third conv, and its BatchNorm beside the third BatchNorm.
            conv(f"{name}_1_conv", block.conv1)
            bn(f"{name}_1_bn", block.bn1)
            layers.append((f"{name}_1_relu", []))
            conv(f"{name}_2_conv", block.conv2)
            bn(f"{name}_2_bn", block.bn2)
            layers.append((f"{name}_2_relu", []))
            if block.downsample is not None:
                conv(f"{name}_0_conv", block.downsample[0])
            conv(f"{name}_3_conv", block.conv3)
            if block.downsample is not None:
                bn(f"{name}_0_bn", block.downsample[1])
            bn(f"{name}_3_bn", block.bn3)
            layers += [(f"{name}_add", []), (f"{name}_out", [])]
    layers.append(("avg_pool", []))
    layers.append(("predictions", [
        ("kernel:0", model.fc.weight.detach().t().contiguous().numpy()),
        ("bias:0", model.fc.bias.detach().numpy()),
    ]))
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([n.encode() for n, _ in layers], dtype="S")
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.11.0"
        for name, weights in layers:
            g = f.create_group(name)
            g.attrs["weight_names"] = np.array([f"{name}/{w}".encode() for w, _ in weights], dtype="S")
            for w, arr in weights:
                g.create_dataset(f"{name}/{w}", data=np.ascontiguousarray(arr, dtype=np.float32))


def make_resnet_fixtures(out: Path, write_safetensors) -> None:
    torch.manual_seed(2025)
    io = {"input64": torch.randn(BATCH, 3, 64, 64), "input32": torch.randn(BATCH, 3, 32, 32)}
    models = [
        ("resnet_basic_tiny", BasicBlock, [2, 1, 1, 1], 8, False, 11),
        ("resnet_bottleneck_tiny", Bottleneck, [1, 2, 1, 1], 4, False, 12),
        ("resnet_cifar_tiny", BasicBlock, [1, 1, 1, 1], 8, True, 13),
    ]
    for name, block, blocks, width, cifar, seed in models:
        torch.manual_seed(seed)
        model = randomise(TinyResNet(block, blocks, width, cifar_stem=cifar))
        x = io["input32" if cifar else "input64"]
        with torch.no_grad():
            io[f"logits_{name}"] = model(x)
        meta = {
            "format": "pt",
            "arch": f"torchvision ResNet {block.__name__} blocks={blocks} width={width} "
                    f"cifar_stem={cifar} classes={CLASSES}",
        }
        write_safetensors(out / f"{name}.safetensors", model.state_dict(), meta)
        print(f"{name}: logits[0,:3]={io[f'logits_{name}'][0, :3].tolist()}")
    torch.manual_seed(14)
    keras = randomise(keras_v1(TinyResNet(Bottleneck, [1, 2, 1, 1], 4)))
    with torch.no_grad():
        io["logits_resnet_keras_tiny"] = keras(io["input64"])
    write_keras_resnet_h5(out / "resnet_keras_tiny.h5", keras)
    print(f"resnet_keras_tiny: logits[0,:3]={io['logits_resnet_keras_tiny'][0, :3].tolist()}")
    write_safetensors(out / "resnet_tiny_io.safetensors", io, {"torch": torch.__version__})
