"""PyTorch side of `deno task bench cpu`: trains one model for a fixed number of steps on
synthetic CIFAR-sized batches and prints one JSON line (images/s, peak RSS).

Usage: python3 torch_bench.py MODEL BATCH STEPS WARMUP THREADS
MODEL: cifar_vgg16 | cifar_vgg16_bn | seed_recipe | small_cnn | cifar_resnet18
"""
import json
import resource
import sys
import time

import torch
import torch.nn as nn
import torchvision


def cifar_vgg16():
    # VGG16 features, then one 10-way linear layer (32x32 input gives 1x1x512).
    vgg = torchvision.models.vgg16(weights=None)
    return nn.Sequential(vgg.features, nn.Flatten(), nn.Linear(512, 10))


def cifar_vgg16_bn():
    # The same with BatchNorm after every convolution.
    vgg = torchvision.models.vgg16_bn(weights=None)
    return nn.Sequential(vgg.features, nn.Flatten(), nn.Linear(512, 10))


def seed_recipe():
    # torchvision vgg16 at 32x32 (its adaptive avgpool pads to 7x7), head replaced with
    # 10 classes, features frozen.
    vgg = torchvision.models.vgg16(weights=None)
    vgg.classifier[6] = nn.Linear(4096, 10)
    for p in vgg.features.parameters():
        p.requires_grad = False
    return vgg


def small_cnn():
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 8 * 8, 10),
    )


def cifar_resnet18():
    # torchvision resnet18, 10 classes, with the CIFAR stem: 3x3 stride-1 conv1, no max pool.
    model = torchvision.models.resnet18(weights=None, num_classes=10)
    model.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
    model.maxpool = nn.Identity()
    return model


def main():
    name, batch, steps, warmup, threads = sys.argv[1], *map(int, sys.argv[2:6])
    default_threads = torch.get_num_threads()
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = {
        "cifar_vgg16": cifar_vgg16,
        "cifar_vgg16_bn": cifar_vgg16_bn,
        "seed_recipe": seed_recipe,
        "small_cnn": small_cnn,
        "cifar_resnet18": cifar_resnet18,
    }[name]()
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params, lr=0.001, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.rand(batch, 3, 32, 32)
    y = torch.randint(0, 10, (batch,))

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
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
        "side": "pytorch",
        "model": name,
        "batch": batch,
        "steps": steps,
        "seconds": dt,
        "images_per_s": batch * steps / dt,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "threads": torch.get_num_threads(),
        "default_threads": default_threads,
        "last_loss": loss,
        "version": torch.__version__,
    }))


if __name__ == "__main__":
    main()
