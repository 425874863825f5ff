"""The training data as Deno prepared it (safetensors: `pixels` U8 [N, C, H, W] with CIFAR-style
normalisation and augmentation, and a resize when asked, or `x` F32 [N, H, W, C] used as is),
batched exactly as Graft's datasets batch it (data/dataset.ts), drawing from the same generator."""
import torch

import safetensors_io

PAD = 4


class Split:
    def __init__(self, path, normalize, resize=None):
        tensors, _ = safetensors_io.read(path)
        self.labels = tensors["labels"].long()
        self.size = int(self.labels.shape[0])
        if "pixels" in tensors:
            self.pixels = tensors["pixels"]
            self.x = None
            mean, std = normalize["mean"], normalize["std"]
            # Graft computes raw * scale + shift in double precision, then rounds to float32.
            self.scale = torch.tensor([1 / (255 * s) for s in std], dtype=torch.float64)
            self.shift = torch.tensor([-m / s for m, s in zip(mean, std)], dtype=torch.float64)
            h, w = self.pixels.shape[2], self.pixels.shape[3]
            self.resize = (int(resize[0]), int(resize[1])) if resize and tuple(resize) != (h, w) \
                else None
        else:
            self.pixels = None
            self.x = tensors["x"].permute(0, 3, 1, 2).contiguous()

    def batch(self, indices, rng=None, keep=None):
        """Images `indices` (NCHW float32) and labels; with `rng`, draws every image's crop and
        flip in order (as Graft does) and returns only the images in range `keep`."""
        n = len(indices)
        lo, hi = keep if keep is not None else (0, n)
        draws = []
        if self.pixels is not None and rng is not None:
            for _ in range(n):
                dy = rng.int(2 * PAD + 1) - PAD
                dx = rng.int(2 * PAD + 1) - PAD
                draws.append((dy, dx, rng.next() < 0.5))
        idx = torch.tensor(indices[lo:hi], dtype=torch.long)
        labels = self.labels[idx]
        if self.pixels is None:
            return self.x[idx], labels
        raw = self.pixels[idx].to(torch.float64)
        if draws:
            h, w = raw.shape[2], raw.shape[3]
            padded = torch.nn.functional.pad(raw, (PAD, PAD, PAD, PAD))
            crops = []
            for b, (dy, dx, flip) in enumerate(draws[lo:hi]):
                c = padded[b, :, PAD + dy:PAD + dy + h, PAD + dx:PAD + dx + w]
                crops.append(torch.flip(c, dims=[2]) if flip else c)
            raw = torch.stack(crops) if crops else raw
        x = (raw * self.scale.view(1, -1, 1, 1) + self.shift.view(1, -1, 1, 1)).to(torch.float32)
        if self.resize is not None and len(x):
            # As Graft: after augmentation and normalisation, torchvision's bilinear Resize (a
            # triangle filter widened when shrinking, weights normalised inside the image).
            x = torch.nn.functional.interpolate(x, size=self.resize, mode="bilinear",
                                                align_corners=False, antialias=True)
        return x, labels
