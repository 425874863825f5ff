"""The PyTorch side of the GPU benchmark: the same two models as train.ts, float32, TF32 off.

(a) CIFAR-style VGG16: VGG16 features, then a 10-way linear layer, 32x32 input.
(b) The seed recipe: torchvision-layout vgg16 at 32x32 (adaptive pool to 7x7, 4096-wide
    classifier), new 10-way head, `features` frozen, SGD lr 0.001 momentum 0.9.

Defined here without torchvision (it may be missing on the device machine); layout, names and
initialisation follow torchvision's. Prints one JSON line per model.
"""
import argparse
import json
import time

import torch
import torch.nn as nn

CFG16 = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]


def features() -> nn.Sequential:
    layers, c = [], 3
    for v in CFG16:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(c, v, 3, padding=1), nn.ReLU(inplace=True)]
            c = v
    return nn.Sequential(*layers)


def init(m: nn.Module) -> None:
    for mod in m.modules():
        if isinstance(mod, nn.Conv2d):
            nn.init.kaiming_normal_(mod.weight, mode="fan_out", nonlinearity="relu")
            nn.init.zeros_(mod.bias)
        elif isinstance(mod, nn.Linear):
            nn.init.normal_(mod.weight, 0, 0.01)
            nn.init.zeros_(mod.bias)


class Vgg16(nn.Module):
    """torchvision.models.vgg16 layout: features, avgpool, classifier."""

    def __init__(self, classes: int = 1000) -> None:
        super().__init__()
        self.features = features()
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(),
            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(),
            nn.Linear(4096, classes),
        )

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


def cifar_vgg16() -> nn.Module:
    m = nn.Sequential(features(), nn.Flatten(), nn.Linear(512, 10))
    init(m)
    return m


def seed_recipe() -> nn.Module:
    m = Vgg16()
    init(m)
    m.classifier[6] = nn.Linear(4096, 10)
    for p in m.features.parameters():
        p.requires_grad = False
    return m


def run(name: str, model: nn.Module, lr: float, args, device) -> None:
    model = model.to(device).train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params, lr=lr, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(0)
    pool = [(torch.rand(args.batch, 3, 32, 32, generator=g) * 2 - 1,
             torch.randint(0, 10, (args.batch,), generator=g)) for _ in range(4)]

    def step(i):
        x, y = pool[i % len(pool)]
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    t0 = time.perf_counter()
    for i in range(args.warmup):
        step(i).item()
    sync()
    t1 = time.perf_counter()
    losses = []
    for i in range(args.steps):
        loss = step(i)
        if (i + 1) % args.every == 0 or i + 1 == args.steps:
            losses.append(round(loss.item(), 4))
    sync()
    t2 = time.perf_counter()
    seconds = t2 - t1
    print(json.dumps({
        "framework": "pytorch",
        "backend": device.type,
        "model": name,
        "batch": args.batch,
        "steps": args.steps,
        "warmupSeconds": round(t1 - t0, 2),
        "seconds": round(seconds, 3),
        "imagesPerSec": round(args.steps * args.batch / seconds, 1),
        "losses": losses,
    }), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--every", type=int, default=10)
    ap.add_argument("--models", default="cifar_vgg16,seed")
    args = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = True
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.type == "cuda":
        print(f"PyTorch {torch.__version__} on {torch.cuda.get_device_name(0)}, float32, TF32 off",
              flush=True)
    else:
        print(f"PyTorch {torch.__version__} on CPU (no CUDA device): fallback for local tests",
              flush=True)
    for name in args.models.split(","):
        if name == "cifar_vgg16":
            run(name, cifar_vgg16(), 0.01, args, device)
        elif name == "seed":
            run(name, seed_recipe(), 0.001, args, device)
        else:
            raise SystemExit(f"Unknown model: {name}")


if __name__ == "__main__":
    main()
