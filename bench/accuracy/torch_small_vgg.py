"""PyTorch side of the time-to-accuracy benchmark: the recipe of pipelines/cifar10_small.yaml.

Same network (3x3 convs 32-32-M-64-64-M-128-M, dense 128, dense 10), same initialisation
(kaiming-normal fan-out convs, normal(0, 0.01) dense, zero biases), same data handling
(CIFAR-10 mean/std, 4-pixel zero-padded random crop, horizontal flip), Adam lr 0.002 with a
per-step one-cycle schedule (no momentum cycling), batch 64. Prints one JSON line per epoch;
the last one also holds the test accuracy, measured once after training (as Graft's run).

Run: /usr/bin/python3 torch_small_vgg.py ARCHIVE EPOCHS [THREADS]
"""
import json
import sys
import tarfile
import time

import numpy as np
import torch
from torch import nn

MEAN = np.array([0.4914, 0.4822, 0.4465], dtype=np.float32)
STD = np.array([0.2470, 0.2435, 0.2616], dtype=np.float32)


def read(archive):
    train, test = [], None
    with tarfile.open(archive, "r:gz") as tar:
        for m in tar.getmembers():
            if not m.isfile() or not m.name.endswith(".bin"):
                continue
            raw = np.frombuffer(tar.extractfile(m).read(), dtype=np.uint8).reshape(-1, 3073)
            if m.name.endswith("test_batch.bin"):
                test = raw
            else:
                train.append((m.name, raw))
    train = np.concatenate([r for _, r in sorted(train)])

    def split(raw):
        x = raw[:, 1:].reshape(-1, 3, 32, 32).astype(np.float32) / 255.0
        x = (x - MEAN[None, :, None, None]) / STD[None, :, None, None]
        return torch.from_numpy(x), torch.from_numpy(raw[:, 0].astype(np.int64))

    return split(train), split(test)


def model():
    layers, c = [], 3
    for v in [32, 32, "M", 64, 64, "M", 128, "M"]:
        if v == "M":
            layers.append(nn.MaxPool2d(2))
        else:
            layers += [nn.Conv2d(c, v, 3, padding=1), nn.ReLU()]
            c = v
    net = nn.Sequential(*layers, nn.Flatten(), nn.Linear(128 * 4 * 4, 128), nn.ReLU(),
                        nn.Linear(128, 10))
    for m in net.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0, 0.01)
            nn.init.zeros_(m.bias)
    return net


def augment(x, gen):
    n = x.shape[0]
    pad = torch.nn.functional.pad(x, (4, 4, 4, 4), value=0.0)
    out = torch.empty_like(x)
    dy = torch.randint(0, 9, (n,), generator=gen)
    dx = torch.randint(0, 9, (n,), generator=gen)
    flip = torch.rand(n, generator=gen) < 0.5
    for i in range(n):
        crop = pad[i, :, dy[i]:dy[i] + 32, dx[i]:dx[i] + 32]
        out[i] = crop.flip(2) if flip[i] else crop
    return out


def main():
    archive, epochs = sys.argv[1], int(sys.argv[2])
    torch.set_num_threads(int(sys.argv[3]) if len(sys.argv) > 3 else 2)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    (xtr, ytr), (xte, yte) = read(archive)
    # Zero padding in raw pixels is (0 - mean) / std once normalised, as Graft pads.
    zero = torch.from_numpy(-MEAN / STD)[None, :, None, None]
    net = model()
    opt = torch.optim.Adam(net.parameters(), lr=0.002)
    steps = epochs * ((len(xtr) + 63) // 64)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.002, total_steps=steps,
                                                cycle_momentum=False)
    loss_fn = nn.CrossEntropyLoss()
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        net.train()
        order = torch.randperm(len(xtr), generator=gen)
        total, correct, seen = 0.0, 0, 0
        for b in range(0, len(xtr), 64):
            idx = order[b:b + 64]
            x = augment(xtr[idx] - zero, gen) + zero
            y = ytr[idx]
            out = net(x)
            loss = loss_fn(out, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
            correct += (out.argmax(1) == y).sum().item()
            seen += len(idx)
        line = {"epoch": epoch, "loss": total / seen, "accuracy": correct / seen}
        if epoch == epochs:
            net.eval()
            with torch.no_grad():
                hits = sum((net(xte[i:i + 500]).argmax(1) == yte[i:i + 500]).sum().item()
                           for i in range(0, len(xte), 500))
            line["testAccuracy"] = hits / len(xte)
        line["elapsedMs"] = (time.perf_counter() - start) * 1000
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
