"""PyTorch side of scripts/bench/hessian.mjs: one measurement per process, one line of JSON.

    python3 hessian.py power|spectrum|density DATA_DIR [N PROBES ITERATIONS BINS]

DATA_DIR holds what LossLab wrote: data (standardized, float32), θ (float64, in
torch.nn.Linear's parameter order, as LossLab keeps it). Each workload runs once untimed, then
REPEATS times timed; the median is reported, with the process's peak RSS.

  power     λ_max of the 2-64-64-1 ReLU MLP (MSE, 1,024 points) by power iteration with 20
            Hessian-vector products, PyHessian's way: the gradient with create_graph once, then
            each H·v by torch.autograd.grad of the gradient against v (double backprop).
  spectrum  every eigenvalue of the 1,443-parameter tanh MLP 8-32-32-3 (softmax cross-entropy,
            512 points): torch.autograd.functional.hessian, then torch.linalg.eigvalsh, float32.
            Writes the eigenvalues to DATA_DIR/spectrum-torch.f64 for the comparison.
  density   PyHessian's density(): stochastic Lanczos quadrature of the 64-256-256-10 digits MLP
            on its first N digits, PROBES Rademacher probes × ITERATIONS Lanczos steps with full
            reorthogonalization, Gaussian-broadened on BINS points.
"""
import json
import math
import os
import resource
import sys
import time

import numpy as np
import torch

torch.set_num_threads(1)
torch.manual_seed(0)

REPEATS = 3
POWER_HVPS = 20


def load(data, name, dtype):
    return np.fromfile(os.path.join(data, name), dtype=dtype)


def mlp(sizes, activation):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(activation())
    return torch.nn.Sequential(*layers)


def set_theta(net, theta):
    torch.nn.utils.vector_to_parameters(torch.from_numpy(theta.astype(np.float32)), net.parameters())


def peak_rss_mb():
    # ru_maxrss is in kB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn):
    fn()  # untimed: first-call costs (allocations, kernel selection)
    seconds, result = [], None
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - t0)
    return float(np.median(seconds)), result


def dot(xs, ys):
    return sum(torch.sum(x * y) for x, y in zip(xs, ys))


def normalized(vs):
    norm = torch.sqrt(dot(vs, vs))
    return [v / (norm + 1e-6) for v in vs]


def power(data):
    x = torch.from_numpy(load(data, 'a-x.f32', np.float32).reshape(-1, 2))
    y = torch.from_numpy(load(data, 'a-y.f32', np.float32).reshape(-1, 1))
    net = mlp([2, 64, 64, 1], torch.nn.ReLU)
    set_theta(net, load(data, 'power-theta.f64', np.float64))
    params = [p for p in net.parameters()]
    criterion = torch.nn.MSELoss()

    def run():
        # pyhessian.hessian.__init__ and eigenvalues(top_n=1, maxIter=20) without its early stop
        # (PyHessian calls loss.backward(create_graph=True) and reads p.grad: the same graph).
        loss = criterion(net(x), y)
        grads = torch.autograd.grad(loss, params, create_graph=True)
        v = normalized([torch.randn_like(p) for p in params])
        eigenvalue = None
        for _ in range(POWER_HVPS):
            hv = torch.autograd.grad(grads, params, grad_outputs=v, only_inputs=True, retain_graph=True)
            eigenvalue = dot(hv, v).item()
            v = normalized(hv)
        return eigenvalue

    seconds, value = timed(run)
    return dict(seconds=seconds, lambdaMax=value, hvps=POWER_HVPS)


def spectrum(data):
    sizes = [8, 32, 32, 3]
    x = torch.from_numpy(load(data, 's-x.f32', np.float32).reshape(-1, sizes[0]))
    y = torch.from_numpy(load(data, 's-y.f32', np.float32).astype(np.int64))
    theta = torch.from_numpy(load(data, 's-theta.f64', np.float64).astype(np.float32))

    def loss(t):
        h, at = x, 0
        for l, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            w = t[at:at + fan_in * fan_out].view(fan_out, fan_in)
            at += fan_in * fan_out
            b = t[at:at + fan_out]
            at += fan_out
            h = h @ w.T + b
            if l < len(sizes) - 2:
                h = torch.tanh(h)
        return torch.nn.functional.cross_entropy(h, y)

    parts = dict(hessian=[], eigen=[])

    def run():
        t0 = time.perf_counter()
        hessian = torch.autograd.functional.hessian(loss, theta)
        t1 = time.perf_counter()
        values = torch.linalg.eigvalsh(hessian)
        parts['hessian'].append(t1 - t0)
        parts['eigen'].append(time.perf_counter() - t1)
        return values

    seconds, values = timed(run)
    values.to(torch.float64).numpy().tofile(os.path.join(data, 'spectrum-torch.f64'))
    # The untimed first run is parts[…][0].
    return dict(seconds=seconds, hessianSeconds=float(np.median(parts['hessian'][1:])),
                eigenSeconds=float(np.median(parts['eigen'][1:])),
                parameters=int(theta.numel()))


def density(data, n, probes, iterations, bins):
    x = torch.from_numpy(load(data, 'b-x.f32', np.float32).reshape(-1, 64)[:n].copy())
    y = torch.from_numpy(load(data, 'b-y.f32', np.float32).astype(np.int64)[:n].copy())
    net = mlp([64, 256, 256, 10], torch.nn.ReLU)
    set_theta(net, load(data, 'b-theta.f64', np.float64))
    params = [p for p in net.parameters()]
    criterion = torch.nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(0)

    def run():
        # pyhessian.hessian.density(iter, n_v): Lanczos with full reorthogonalization from
        # Rademacher probes; the nodes and weights of each probe's Gauss quadrature.
        loss = criterion(net(x), y)
        grads = torch.autograd.grad(loss, params, create_graph=True)

        def hvp(v):
            return torch.autograd.grad(grads, params, grad_outputs=v, only_inputs=True, retain_graph=True)

        nodes, weights = [], []
        for _ in range(probes):
            v = [torch.randint(0, 2, p.shape, generator=generator).float() * 2 - 1 for p in params]
            v = normalized(v)
            basis, alphas, betas = [v], [], []
            w = None
            for i in range(iterations):
                if i == 0:
                    w = hvp(v)
                    alpha = dot(w, v)
                    w = [a - alpha * b for a, b in zip(w, v)]
                else:
                    beta = torch.sqrt(dot(w, w))
                    betas.append(beta.item())
                    if betas[-1] != 0:
                        # orthnormal(w, v_list): Gram-Schmidt against every earlier vector.
                        for u in basis:
                            c = dot(w, u)
                            w = [a - c * b for a, b in zip(w, u)]
                        v = normalized(w)
                    else:
                        v = normalized([torch.randn_like(p) for p in params])
                    basis.append(v)
                    w = hvp(v)
                    alpha = dot(w, v)
                    w = [a - alpha * b - betas[-1] * c for a, b, c in zip(w, v, basis[-2])]
                alphas.append(alpha.item())
            t = np.diag(alphas) + np.diag(betas, 1) + np.diag(betas, -1)
            values, vectors = np.linalg.eigh(t)
            nodes.append(values)
            weights.append(vectors[0, :] ** 2)
        # pyhessian.density_plot.density_generate: Gaussian broadening on a grid with margins.
        lo = min(v.min() for v in nodes)
        hi = max(v.max() for v in nodes)
        margin = 0.01 * max(hi - lo, 1e-12)
        grid = np.linspace(lo - margin, hi + margin, bins)
        sigma2 = (1e-5 * max(hi - lo, 1e-12)) ** 2 * 1e4
        curve = np.zeros(bins)
        for vs, ws in zip(nodes, weights):
            for node, weight in zip(vs, ws):
                curve += weight * np.exp(-((grid - node) ** 2) / (2 * sigma2)) / math.sqrt(2 * math.pi * sigma2)
        curve /= probes
        return float(hi), float(lo)

    seconds, (top, bottom) = timed(run)
    return dict(seconds=seconds, lambdaMax=top, lambdaMin=bottom, examples=int(len(y)),
                parameters=sum(p.numel() for p in params))


if __name__ == '__main__':
    workload, data = sys.argv[1], sys.argv[2]
    if workload == 'power':
        result = power(data)
    elif workload == 'spectrum':
        result = spectrum(data)
    elif workload == 'density':
        result = density(data, *(int(a) for a in sys.argv[3:7]))
    else:
        raise SystemExit(f'unknown workload {workload}')
    result['peakRssMb'] = peak_rss_mb()
    result['torch'] = torch.__version__
    result['threads'] = torch.get_num_threads()
    result['coretype'] = os.environ.get('OPENBLAS_CORETYPE', '')
    print(json.dumps(result))
