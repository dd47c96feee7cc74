"""Records a ResNet-scale run with losslab_torch for test/python/resnet-session.test.ts.

Usage: record_resnet.py OUT_FILE.losslab [--landscape]. A small CIFAR-style ResNet (three stages of
two basic blocks, 48/96/192 channels, batch norm: about 1.6 M parameters) trains a few SGD steps
on random 3×32×32 images on the CPU; the session holds its losses, learning rates and θ snapshots.
Beside it, OUT_FILE.json holds what the test checks: the steps, the parameter count, the losses
and learning rates, the snapshot steps, and the final θ's float64 sum and first entries.
With --landscape, the companion's landscape() adds a 5×5 filter-normalized landscape around the
final θ with the trajectory projected. Used by the e2e test too (test/e2e/recorded-session.e2e.ts).
"""

from __future__ import annotations

import json
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))
from losslab_torch import Recorder  # noqa: E402


class Block(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.skip = nn.Sequential()
        if stride != 1 or cin != cout:
            self.skip = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(out)) + self.skip(x))


class ResNet(nn.Module):
    def __init__(self, widths=(48, 96, 192), classes: int = 10) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, widths[0], 3, 1, 1, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU())
        layers, cin = [], widths[0]
        for i, w in enumerate(widths):
            layers += [Block(cin, w, 1 if i == 0 else 2), Block(w, w, 1)]
            cin = w
        self.layers = nn.Sequential(*layers)
        self.head = nn.Linear(cin, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.layers(self.stem(x))
        return self.head(out.mean(dim=(2, 3)))


def main() -> None:
    out = sys.argv[1]
    with_landscape = "--landscape" in sys.argv[2:]
    torch.manual_seed(0)
    torch.set_num_threads(1)
    net = ResNet()
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    generator = torch.Generator().manual_seed(1)
    images = torch.randn(32, 3, 32, 32, generator=generator)
    labels = torch.randint(0, 10, (32,), generator=generator)
    batches = [(images[i:i + 8], labels[i:i + 8]) for i in range(0, 32, 8)]
    loss_fn = nn.CrossEntropyLoss()
    losses, lrs = [], []
    steps = 8
    with Recorder(out, model=net, optimizer=opt, snapshot_every=2, run_id="resnet", label="ResNet SGD",
                  batch_size=8, title="A ResNet recorded by the companion") as rec:
        for t in range(steps):
            x, y = batches[t % len(batches)]
            opt.zero_grad()
            loss = loss_fn(net(x), y)
            loss.backward()
            opt.step()
            rec.step(loss=loss.item())
            losses.append(loss.item())
            lrs.append(opt.param_groups[0]["lr"])
        if with_landscape:
            from losslab_torch import landscape

            net.eval()
            landscape(net, loss_fn, batches, recorder=rec, resolution=5, span=1.0, seed=3)
        theta = torch.nn.utils.parameters_to_vector(net.parameters()).detach().double()
    with open(out + ".json", "w") as f:
        json.dump({
            "steps": steps,
            "parameters": int(theta.numel()),
            "loss": losses,
            "lr": lrs,
            "snapshotSteps": [0, 2, 4, 6, 8],
            "finalSum": float(theta.sum()),
            "finalHead": [float(v) for v in theta[:8]],
        }, f)


if __name__ == "__main__":
    main()
