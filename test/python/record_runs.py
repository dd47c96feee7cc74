"""Records small torch runs with losslab_torch for test/python/companion.test.ts.

Usage: record_runs.py OUT_DIR. Writes, per run NAME, NAME.losslab and what the test checks it
against: NAME.theta.bin (θ after every step 0 … steps as float32, one θ after another),
NAME.final.bin (the final θ as float64) and NAME.json (steps, parameters, losses and learning
rates as Python floats, which JSON carries exactly).
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))
from losslab_torch import Recorder  # noqa: E402


def mlp(inputs: int, activation: type) -> torch.nn.Sequential:
    return torch.nn.Sequential(
        torch.nn.Linear(inputs, 16), activation(),
        torch.nn.Linear(16, 16), activation(),
        torch.nn.Linear(16, 1),
    )


def theta(net: torch.nn.Module) -> np.ndarray:
    return torch.nn.utils.parameters_to_vector(net.parameters()).detach().numpy()


def record(out: str, name: str, net: torch.nn.Module, opt: torch.optim.Optimizer, steps: int,
           inputs: int, scheduler=None, **options) -> None:
    generator = torch.Generator().manual_seed(7)
    thetas = [theta(net).astype("<f4")]
    losses, lrs = [], []
    with Recorder(os.path.join(out, f"{name}.losslab"), model=net, optimizer=opt,
                  snapshot_every=5, run_id=name, label=name.upper(), batch_size=32, **options) as rec:
        for _ in range(steps):
            x = torch.rand(32, inputs, generator=generator) * 2 - 1
            y = torch.sin(3 * x.sum(dim=1, keepdim=True))
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(net(x), y)
            loss.backward()
            opt.step()
            lrs.append(opt.param_groups[0]["lr"])
            rec.step(loss=loss.item())
            losses.append(loss.item())
            thetas.append(theta(net).astype("<f4"))
            if scheduler is not None:
                scheduler.step()
    np.concatenate(thetas).tofile(os.path.join(out, f"{name}.theta.bin"))
    theta(net).astype("<f8").tofile(os.path.join(out, f"{name}.final.bin"))
    with open(os.path.join(out, f"{name}.json"), "w") as f:
        json.dump({"steps": steps, "parameters": int(thetas[0].size), "loss": losses, "lr": lrs}, f)


def main() -> None:
    out = sys.argv[1]
    torch.manual_seed(0)
    net = mlp(2, torch.nn.Tanh)
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4)
    record(out, "sgd", net, opt, 32, 2, torch.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5))
    torch.manual_seed(1)
    net = mlp(2, torch.nn.ReLU)
    opt = torch.optim.Adam(net.parameters(), lr=0.01, betas=(0.8, 0.99), amsgrad=True, maximize=False)
    record(out, "adam", net, opt, 30, 2)
    # A LossLab model on a LossLab dataset: 1-16-16-1 tanh on the sine set.
    torch.manual_seed(2)
    net = mlp(1, torch.nn.Tanh)
    opt = torch.optim.AdamW(net.parameters(), lr=0.01)
    record(out, "sine", net, opt, 30, 1, dataset={"kind": "sine", "n": 60, "seed": 1})


if __name__ == "__main__":
    main()
