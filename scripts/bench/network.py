"""PyTorch side of scripts/bench/network.mjs: one measurement per process, one line of JSON.

    python3 network.py train-mlp|train-digits|landscape DATA_DIR

DATA_DIR holds what LossLab wrote: the data (standardized, float32), initial weights, the
landscape's centre and directions (float64, in torch.nn.Linear's parameter order), and
LossLab's own grid for comparison. The JSON includes the process's peak RSS (peakRssMb). The
caller sets the thread counts and OpenBLAS's environment (network.mjs runs each workload with
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset and set).
"""
import json
import os
import resource
import sys
import time

import numpy as np
import torch

torch.set_num_threads(1)
torch.manual_seed(0)

# Warm-ups as long as LossLab's (network.mjs): both sides measured at steady state.
TRAIN_A = dict(warmup=300, steps=300)
TRAIN_B = dict(warmup=100, steps=150)
GRID = 51


def load(data, name, dtype):
    return np.fromfile(os.path.join(data, name), dtype=dtype)


def mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def set_theta(net, theta):
    torch.nn.utils.vector_to_parameters(torch.from_numpy(theta.astype(np.float32)), net.parameters())


def peak_rss_mb():
    # ru_maxrss is in kB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn, steps):
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        loss = fn()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return dict(stepsPerSecond=steps / wall, cpuStepsPerSecond=steps / cpu, loss=float(loss))


def train_mlp(data):
    x = torch.from_numpy(load(data, 'a-x.f32', np.float32).reshape(-1, 2))
    y = torch.from_numpy(load(data, 'a-y.f32', np.float32).reshape(-1, 1))
    net = mlp([2, 64, 64, 1])
    set_theta(net, load(data, 'a-theta.f64', np.float64))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    criterion = torch.nn.MSELoss()

    def step():
        opt.zero_grad()
        loss = criterion(net(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(TRAIN_A['warmup']):
        step()
    return timed(step, TRAIN_A['steps'])


def train_digits(data):
    x = torch.from_numpy(load(data, 'b-x.f32', np.float32).reshape(-1, 64))
    y = torch.from_numpy(load(data, 'b-y.f32', np.float32).astype(np.int64))
    net = mlp([64, 256, 256, 10])
    set_theta(net, load(data, 'b-theta.f64', np.float64))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    criterion = torch.nn.CrossEntropyLoss()
    n, batch = len(y), 256
    state = dict(order=torch.randperm(n), at=0)

    def step():
        # Batches of a fresh permutation each epoch, as a DataLoader with shuffle=True does.
        if state['at'] >= n:
            state['order'], state['at'] = torch.randperm(n), 0
        idx = state['order'][state['at']:state['at'] + batch]
        state['at'] += batch
        opt.zero_grad()
        loss = criterion(net(x[idx]), y[idx])
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(TRAIN_B['warmup']):
        step()
    return timed(step, TRAIN_B['steps'])


def landscape(data):
    """Li et al.'s plot_surface.py: for each grid point, set the weights, evaluate the loss."""
    x = torch.from_numpy(load(data, 'a-x.f32', np.float32).reshape(-1, 2))
    y = torch.from_numpy(load(data, 'a-y.f32', np.float32).reshape(-1, 1))
    net = mlp([2, 64, 64, 1])
    net.eval()
    criterion = torch.nn.MSELoss()

    def split(vector):
        out, at = [], 0
        for p in net.parameters():
            out.append(torch.from_numpy(vector[at:at + p.numel()].astype(np.float32)).view_as(p))
            at += p.numel()
        return out

    weights = split(load(data, 'c-center.f64', np.float64))
    d1 = split(load(data, 'c-d1.f64', np.float64))
    d2 = split(load(data, 'c-d2.f64', np.float64))
    coords = np.linspace(-1, 1, GRID)
    grid = np.zeros((GRID, GRID), dtype=np.float32)
    t0 = time.perf_counter()
    for j, b in enumerate(coords):
        for i, a in enumerate(coords):
            # net_plotter.set_weights: p.data = w + a·d₁ + b·d₂, per parameter tensor.
            for p, w, u, v in zip(net.parameters(), weights, d1, d2):
                p.data = w + a * u + b * v
            with torch.no_grad():
                grid[j, i] = criterion(net(x), y).item()
    seconds = time.perf_counter() - t0
    theirs = load(data, 'c-grid.f32', np.float32).reshape(GRID, GRID)
    return dict(seconds=seconds, maxDiff=float(np.max(np.abs(grid - theirs))))


if __name__ == '__main__':
    workload, data = sys.argv[1], sys.argv[2]
    result = dict(train_mlp=train_mlp, train_digits=train_digits, landscape=landscape)[
        workload.replace('-', '_')
    ](data)
    result['torch'] = torch.__version__
    result['peakRssMb'] = peak_rss_mb()
    print(json.dumps(result))
