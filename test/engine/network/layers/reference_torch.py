"""PyTorch reference for the conv test: the same network, the same θ (LossLab's layout, which is
torch's), full-batch SGD with momentum; prints the loss before each step as JSON.

The network: x (n, 64) viewed as (n, 8, 8, 1) channels-last, i.e. (n, 1, 8, 8) for torch;
conv 3×3 (valid) → tanh → max-pool 2 → flatten in channels-last order (h, w, c) as Keras
does → dense → cross-entropy on the logits.
"""
import json
import sys

import torch

spec = json.load(open(sys.argv[1]))
torch.set_default_dtype(torch.float64)
x = torch.tensor(spec["x"]).reshape(-1, 8, 8, 1).permute(0, 3, 1, 2)
y = torch.tensor(spec["y"], dtype=torch.long)
theta = torch.tensor(spec["theta"])
f = spec["filters"]
conv = torch.nn.Conv2d(1, f, 3)
pool_out = 3  # (8 - 2) // 2
dense = torch.nn.Linear(pool_out * pool_out * f, 10)
params = [conv.weight, conv.bias, dense.weight, dense.bias]
torch.nn.utils.vector_to_parameters(theta, params)
opt = torch.optim.SGD(params, lr=spec["lr"], momentum=spec["momentum"])
losses = []
for _ in range(spec["steps"]):
    opt.zero_grad()
    h = torch.nn.functional.max_pool2d(torch.tanh(conv(x)), 2)
    h = h.permute(0, 2, 3, 1).reshape(x.shape[0], -1)
    loss = torch.nn.functional.cross_entropy(dense(h), y)
    loss.backward()
    losses.append(loss.item())
    opt.step()
print(json.dumps({"losses": losses, "theta": torch.nn.utils.parameters_to_vector(params).tolist()}))
