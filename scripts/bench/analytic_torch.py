"""PyTorch side of scripts/bench/analytic.mjs: the same analytic workloads, written as a PyTorch
user would. Prints one JSON line, with the process's peak RSS (peakRssMb). The caller sets one
thread (OPENBLAS_NUM_THREADS, OMP_NUM_THREADS, MKL_NUM_THREADS) and OpenBLAS's environment
(analytic.mjs runs each workload with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset and set).

  analytic_torch.py race CONFIGS_JSON   8 optimizers x steps on Rosenbrock, one 2-D point each,
                                        stepped with torch.optim one step at a time (float64);
                                        only each run's final point is kept
  analytic_torch.py basins DTYPE N STEPS LR   an N x N grid of starts on Himmelblau as one
                                        (2, N*N) tensor, stepped with torch.optim.Adam
"""
import json
import resource
import sys
import time

import torch

torch.set_num_threads(1)


def rosenbrock(p):
    x, y = p[0], p[1]
    return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2


class LectureRMSProp:
    """The lecture's RMSProp (not in torch.optim): s0 = g0^2, s = a s + (1 - a) g^2,
    theta -= lr g / (sqrt(s) + eps)."""

    def __init__(self, params, lr, alpha=0.99, eps=1e-10):
        self.params = list(params)
        self.lr, self.alpha, self.eps = lr, alpha, eps
        self.sq = None

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self):
        p = self.params[0]
        g = p.grad
        if self.sq is None:
            self.sq = g * g
        else:
            self.sq.mul_(self.alpha).addcmul_(g, g, value=1 - self.alpha)
        p.sub_(self.lr * g / (self.sq.sqrt() + self.eps))


def make_optimizer(config, params):
    name = config["optimizer"]
    lr = config["lr"]
    if name == "sgd":
        return torch.optim.SGD(
            params, lr=lr, momentum=config.get("momentum", 0), nesterov=config.get("nesterov", False)
        )
    if name == "adagrad":
        return torch.optim.Adagrad(params, lr=lr)
    if name == "rmsprop":
        if config.get("variant") == "lecture":
            return LectureRMSProp(params, lr=lr)
        return torch.optim.RMSprop(params, lr=lr)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr)
    raise ValueError(name)


def race(configs, start, steps):
    finals = []
    elapsed = 0.0
    for config in configs:
        p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
        opt = make_optimizer(config, [p])
        t0 = time.perf_counter()
        for _ in range(steps):
            opt.zero_grad()
            loss = rosenbrock(p)
            loss.backward()
            opt.step()
        elapsed += time.perf_counter() - t0
        finals.append(p.detach().tolist())
    return {"steps": steps * len(configs), "seconds": elapsed, "finals": finals}


def basins(dtype, n, steps, lr):
    dtype = {"float32": torch.float32, "float64": torch.float64}[dtype]
    # The grid of LossLab's basin map: corners included, row-major with y the slow axis.
    axis = torch.linspace(-5, 5, n, dtype=torch.float64)
    ys, xs = torch.meshgrid(axis, axis, indexing="ij")
    theta = torch.stack([xs.reshape(-1), ys.reshape(-1)]).to(dtype).requires_grad_(True)
    opt = torch.optim.Adam([theta], lr=lr)
    t0 = time.perf_counter()
    for _ in range(steps):
        opt.zero_grad()
        x, y = theta[0], theta[1]
        loss = ((x * x + y - 11) ** 2 + (x + y * y - 7) ** 2).sum()
        loss.backward()
        opt.step()
    seconds = time.perf_counter() - t0
    return {
        "pointSteps": n * n * steps,
        "seconds": seconds,
        "finals": theta.detach().to(torch.float64).T.reshape(-1).tolist(),
    }


if __name__ == "__main__":
    if sys.argv[1] == "race":
        spec = json.loads(sys.argv[2])
        result = race(spec["configs"], spec["start"], spec["steps"])
    else:
        result = basins(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
    # ru_maxrss is in kB on Linux.
    result["peakRssMb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))
