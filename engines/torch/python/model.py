"""Builds a torch.nn.Module from Graft's module description (written by the op table in
compile/_torch_ops.ts): one submodule per spec node, named by the node's dotted path, so the
state dict uses torchvision's keys (`features.0.weight`). Also converts weights between this
layout and Graft's (channels last) for checkpoints that both engines read."""
import torch
import torch.nn.functional as F
from torch import nn


class PaddedConv2d(nn.Conv2d):
    """A convolution with asymmetric zero padding `pad` = [left, right, top, bottom] (TensorFlow's
    "same" with a stride); the state dict is that of nn.Conv2d."""

    def __init__(self, *args, pad, **kwargs):
        super().__init__(*args, padding=0, **kwargs)
        self.pad = list(pad)

    def forward(self, x):
        return super().forward(F.pad(x, self.pad))


class PaddedPool2d(nn.Module):
    """Max or average pooling with asymmetric "same" padding: padded values never win a max and
    are not counted in an average (TensorFlow's semantics)."""

    def __init__(self, kind, kernel_size, stride, pad):
        super().__init__()
        self.kind, self.kernel_size, self.stride, self.pad = kind, kernel_size, stride, list(pad)

    def forward(self, x):
        if self.kind == "max":
            return F.max_pool2d(F.pad(x, self.pad, value=float("-inf")), self.kernel_size,
                                self.stride)
        total = F.avg_pool2d(F.pad(x, self.pad), self.kernel_size, self.stride)
        ones = torch.ones_like(x[:1, :1])
        count = F.avg_pool2d(F.pad(ones, self.pad), self.kernel_size, self.stride)
        return total / count


class GlobalAvgPool2d(nn.Module):
    """Mean over height and width: [N, C, H, W] -> [N, C]."""

    def forward(self, x):
        return x.mean(dim=(2, 3))


class Add(nn.Module):
    """Sum of its inputs (residual connections)."""

    def forward(self, *xs):
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out


class Concat(nn.Module):
    """Concatenation of its inputs along Graft's channel axis (channels last there, so the
    channel dimension here: 1 for [N, C, H, W] and [N, C])."""

    def forward(self, *xs):
        return torch.cat(xs, dim=1)


def _pool(kind, kw):
    if "pad" in kw:
        return PaddedPool2d(kind, kw["kernel_size"], kw["stride"], kw["pad"])
    if kind == "max":
        return nn.MaxPool2d(kw["kernel_size"], kw["stride"], kw.get("padding", 0))
    return nn.AvgPool2d(kw["kernel_size"], kw["stride"], kw.get("padding", 0),
                        count_include_pad=kw.get("count_include_pad", True))


def _conv(kw):
    kw = dict(kw)
    if "pad" in kw:
        return PaddedConv2d(**kw)
    return nn.Conv2d(**kw)


MODULES = {
    "Conv2d": _conv,
    "Linear": lambda kw: nn.Linear(**kw),
    "ReLU": lambda kw: nn.ReLU(),
    "Dropout": lambda kw: nn.Dropout(**kw),
    "MaxPool2d": lambda kw: _pool("max", kw),
    "AvgPool2d": lambda kw: _pool("avg", kw),
    "AdaptiveAvgPool2d": lambda kw: nn.AdaptiveAvgPool2d(tuple(kw["output_size"])),
    "GlobalAvgPool2d": lambda kw: GlobalAvgPool2d(),
    "Flatten": lambda kw: nn.Flatten(),
    "BatchNorm1d": lambda kw: nn.BatchNorm1d(**kw),
    "BatchNorm2d": lambda kw: nn.BatchNorm2d(**kw),
    "Add": lambda kw: Add(),
    "Concat": lambda kw: Concat(),
}


class GraftModule(nn.Module):
    """The spec's graph: nodes in topological order, each fed by the outputs its `inputs` name
    (`input` is the image batch, NCHW)."""

    def __init__(self, description):
        super().__init__()
        self.description = description
        self._graph = []
        for node in description["nodes"]:
            factory = MODULES.get(node["module"])
            if factory is None:
                raise ValueError(f"Unknown module {node['module']} at {node['path']}")
            self._place(node["path"], factory(node["kwargs"]))
            self._graph.append((node["path"], tuple(node["inputs"])))
        self._output = description["output"]
        object.__setattr__(self, "_lookup", {p: self.get_submodule(p) for p, _ in self._graph})

    def _place(self, path, module):
        parent = self
        parts = path.split(".")
        for part in parts[:-1]:
            child = parent._modules.get(part)
            if child is None:
                child = nn.Module()
                parent.add_module(part, child)
            parent = child
        parent.add_module(parts[-1], module)

    def forward(self, x):
        values = {"input": x}
        for path, inputs in self._graph:
            values[path] = self._lookup[path](*(values[i] for i in inputs))
        return values[self._output]

    def nodes(self):
        """(description node, module) pairs in graph order."""
        return [(n, self._lookup[n["path"]]) for n in self.description["nodes"]]


def to_graft(tensor, layout):
    """A torch-layout tensor as Graft stores it (channels last)."""
    t = tensor.detach().cpu().float()
    if layout == "hwio":
        return t.permute(2, 3, 1, 0).contiguous()
    if layout == "io":
        return t.t().contiguous()
    if isinstance(layout, dict):  # a dense layer after a channels-first flatten of [h, w, c]
        h, w, c = layout["flatten"]
        out = t.shape[0]
        return t.reshape(out, c, h, w).permute(2, 3, 1, 0).reshape(h * w * c, out).contiguous()
    return t.contiguous()


def from_graft(tensor, layout):
    """The inverse of to_graft."""
    t = tensor.float()
    if layout == "hwio":
        return t.permute(3, 2, 0, 1).contiguous()
    if layout == "io":
        return t.t().contiguous()
    if isinstance(layout, dict):
        h, w, c = layout["flatten"]
        out = t.shape[1]
        return t.reshape(h, w, c, out).permute(3, 2, 0, 1).reshape(out, c * h * w).contiguous()
    return t.contiguous()


def weight_entries(model):
    """(graft key, torch tensor (parameter or buffer), layout, trainable, group) per weight."""
    out = []
    for node, module in model.nodes():
        tensors = dict(module.named_parameters(recurse=False))
        tensors.update(dict(module.named_buffers(recurse=False)))
        for w in node.get("weights", []):
            out.append((f"{node['path']}/{w['graft']}", tensors[w["torch"]], w["layout"],
                        node["trainable"], node["group"]))
    return out


def graft_weights(model):
    """Every weight in Graft's names and layout (for checkpoints)."""
    return {key: to_graft(t, layout) for key, t, layout, _, _ in weight_entries(model)}


def load_graft_weights(model, weights, source):
    """Copies Graft-layout weights into the model; every weight must be present with its shape."""
    problems = []
    entries = weight_entries(model)
    for key, t, layout, _, _ in entries:
        v = weights.get(key)
        if v is None:
            problems.append(f"{source} has no weight {key}")
            continue
        value = from_graft(v, layout)
        if tuple(value.shape) != tuple(t.shape):
            problems.append(f"{source} has {key} of shape {list(v.shape)}, the model "
                            f"{list(to_graft(t, layout).shape)}")
    if problems:
        raise ValueError("; ".join(problems))
    with torch.no_grad():
        for key, t, layout, _, _ in entries:
            t.copy_(from_graft(weights[key], layout))
