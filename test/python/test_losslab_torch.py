"""Unit tests of python/losslab_torch.py (run by test/python/companion.test.ts, or
`python3 -m unittest test_losslab_torch` from this folder)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import unittest
import zipfile

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import losslab_torch  # noqa: E402
from losslab_torch import (  # noqa: E402
    Recorder, RecorderError, filter_normalized_direction, landscape, mlp_model_spec, optimizer_spec,
    project_onto_plane)
import numpy as np  # noqa: E402


def tiny() -> torch.nn.Sequential:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))


def train(net: torch.nn.Module, opt: torch.optim.Optimizer, rec: Recorder, steps: int) -> None:
    for _ in range(steps):
        opt.zero_grad()
        loss = net(torch.ones(3, 2)).pow(2).mean()
        loss.backward()
        opt.step()
        rec.step(loss=loss)


def manifest(path: str) -> dict:
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read("manifest.json"))


class RecorderTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "run.losslab")

    def tearDown(self) -> None:
        self.dir.cleanup()

    def test_context_manager_writes_the_session_on_exit(self) -> None:
        net = tiny()
        opt = torch.optim.SGD(net.parameters(), lr=0.1)
        with Recorder(self.path, model=net, optimizer=opt, snapshot_every=2) as rec:
            train(net, opt, rec, 5)
            self.assertFalse(os.path.exists(self.path))
        run = manifest(self.path)["network"]["runs"][0]
        self.assertEqual(run["steps"], 5)
        self.assertEqual(run["status"], "finished")
        self.assertEqual(os.listdir(self.dir.name), ["run.losslab"])  # no scratch file left

    def test_an_exception_in_the_loop_is_the_reason(self) -> None:
        net = tiny()
        opt = torch.optim.SGD(net.parameters(), lr=0.1)
        with self.assertRaises(KeyError):
            with Recorder(self.path, model=net, optimizer=opt) as rec:
                train(net, opt, rec, 3)
                raise KeyError("batch")
        run = manifest(self.path)["network"]["runs"][0]
        self.assertEqual(run["steps"], 3)
        self.assertIn("KeyError", run["reason"])

    def test_other_ranks_do_nothing(self) -> None:
        net = tiny()
        opt = torch.optim.SGD(net.parameters(), lr=0.1)
        with Recorder(self.path, model=net, optimizer=opt, rank=1) as rec:
            train(net, opt, rec, 4)
        self.assertFalse(rec.active)
        self.assertEqual(os.listdir(self.dir.name), [])

    def test_the_rank_comes_from_torch_distributed(self) -> None:
        dist = torch.distributed
        saved = (dist.is_available, dist.is_initialized, dist.get_rank)
        dist.is_available, dist.is_initialized, dist.get_rank = (lambda: True), (lambda: True), (lambda: 3)
        try:
            net = tiny()
            rec = Recorder(self.path, model=net, optimizer=torch.optim.SGD(net.parameters(), lr=0.1))
        finally:
            dist.is_available, dist.is_initialized, dist.get_rank = saved
        self.assertEqual(rec.rank, 3)
        rec.step(loss=1.0)
        rec.close()
        self.assertEqual(os.listdir(self.dir.name), [])

    def test_refuses_parameters_not_float32_or_float64(self) -> None:
        net = tiny().half()
        with self.assertRaises(RecorderError) as caught:
            Recorder(self.path, model=net, optimizer=torch.optim.SGD(net.parameters(), lr=0.1))
        message = str(caught.exception)
        self.assertNotIn("\n", message)
        self.assertIn("float16", message)
        self.assertIn("0.weight", message)

    def test_a_non_finite_loss_ends_the_run_at_its_last_snapshot(self) -> None:
        net = tiny()
        opt = torch.optim.SGD(net.parameters(), lr=0.1)
        with Recorder(self.path, model=net, optimizer=opt, snapshot_every=2) as rec:
            train(net, opt, rec, 5)
            rec.step(loss=float("nan"))
            rec.step(loss=1.0)
        run = manifest(self.path)["network"]["runs"][0]
        self.assertEqual(run["status"], "diverged")
        self.assertEqual(run["steps"], 4)
        self.assertIn("step 6", run["reason"])

    def test_snapshots_thin_by_doubling_the_spacing(self) -> None:
        net = tiny()
        opt = torch.optim.SGD(net.parameters(), lr=0.1)
        size = sum(p.numel() for p in net.parameters())
        with Recorder(self.path, model=net, optimizer=opt, snapshot_every=1,
                      max_snapshot_bytes=4 * size * 4) as rec:
            train(net, opt, rec, 9)
        m = manifest(self.path)
        run = m["network"]["runs"][0]
        self.assertEqual(run["snapshotSpacing"], 4)
        self.assertEqual(m["arrays"][run["arrays"]["snapshotSteps"]]["length"], 4)  # 0 4 8 9

    def test_optimizer_settings_map_and_the_rest_is_named(self) -> None:
        net = tiny()
        groups = [{"params": [net[0].weight, net[0].bias]}, {"params": list(net[2].parameters()), "lr": 0.5}]
        spec, unmapped = optimizer_spec(torch.optim.RMSprop(groups, lr=0.01, momentum=0.5, centered=True, maximize=True))
        self.assertEqual(spec, {"optimizer": "rmsprop", "lr": 0.01, "alpha": 0.99, "eps": 1e-8,
                                "weightDecay": 0, "momentum": 0.5, "centered": True})
        self.assertEqual(unmapped, {"maximize": True, "param_groups[1].lr": 0.5})
        spec, unmapped = optimizer_spec(torch.optim.Adagrad(net.parameters(), lr_decay=0.1))
        self.assertEqual(spec["lrDecay"], 0.1)
        spec, unmapped = optimizer_spec(torch.optim.ASGD(net.parameters(), lr=0.02))
        self.assertEqual(spec, {"optimizer": "sgd", "lr": 0.02})
        self.assertIn("lambd", unmapped)

    def test_mlp_model_spec(self) -> None:
        net = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 8),
                                  torch.nn.Tanh(), torch.nn.Linear(8, 2))
        self.assertEqual(mlp_model_spec(net), {"depth": 2, "width": 8, "activation": "tanh"})
        with self.assertRaisesRegex(RecorderError, "no Conv1d layer"):
            mlp_model_spec(torch.nn.Sequential(torch.nn.Conv1d(1, 1, 1)))

    def test_version(self) -> None:
        self.assertEqual(losslab_torch.__version__, "1")


class LandscapeTest(unittest.TestCase):
    def test_directions_are_normalized_filter_by_filter(self) -> None:
        torch.manual_seed(0)
        net = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.BatchNorm2d(3), torch.nn.Flatten(),
                                  torch.nn.Linear(3 * 4 * 4, 5))
        params = list(net.parameters())
        d = filter_normalized_direction(params, torch.Generator().manual_seed(1))
        conv, linear = d[0], d[4]
        for k in range(3):  # each output channel's 2×3×3 kernel
            self.assertAlmostEqual(float(conv[k].norm()), float(params[0][k].double().norm()), delta=1e-9)
        for k in range(5):  # each output unit's row
            self.assertAlmostEqual(float(linear[k].norm()), float(params[4][k].double().norm()), delta=1e-9)
        # Biases and batch norm's weight and bias: zeroed; kept as W with ignore="".
        for i in (1, 2, 3, 5):
            self.assertEqual(float(d[i].abs().sum()), 0.0)
        kept = filter_normalized_direction(params, torch.Generator().manual_seed(1), ignore="")
        self.assertTrue(torch.equal(kept[2], params[2].detach().double()))
        self.assertTrue(torch.equal(kept[0], conv))
        # Not the weights themselves: a random direction (another seed, another direction).
        other = filter_normalized_direction(params, torch.Generator().manual_seed(2))
        self.assertFalse(torch.allclose(other[0], conv))

    def test_a_linear_models_landscape_is_its_quadratic(self) -> None:
        # L(w) = mean((X w − y)²) for a bias-free linear model: along w* + α u + β v it is the
        # quadratic mean((r + α Xu + β Xv)²) with r = X w* − y, known in closed form.
        torch.manual_seed(3)
        net = torch.nn.Linear(3, 2, bias=False).double()
        x = torch.randn(20, 3, dtype=torch.float64)
        y = torch.randn(20, 2, dtype=torch.float64)
        loader = [(x[:12], y[:12]), (x[12:], y[12:])]  # unequal batches: weighted by size
        w = net.weight.detach().clone()
        ls = landscape(net, torch.nn.functional.mse_loss, loader, resolution=7, span=0.5, seed=4)
        self.assertTrue(torch.equal(net.weight, w))  # θ* restored exactly
        self.assertTrue(net.training)  # and the mode
        u = torch.from_numpy(ls.d1).reshape(2, 3)
        v = torch.from_numpy(ls.d2).reshape(2, 3)
        self.assertEqual(ls.values.shape, (7, 7))
        for j, b in enumerate(ls.betas):
            for i, a in enumerate(ls.alphas):
                want = float(((x @ (w + a * u + b * v).T - y) ** 2).mean())
                self.assertAlmostEqual(ls.values[j, i], want, delta=1e-12 * max(1.0, want))
        self.assertAlmostEqual(ls.center_loss, float(((x @ w.T - y) ** 2).mean()), delta=1e-12)
        np.testing.assert_array_equal(ls.alphas, np.linspace(-0.5, 0.5, 7))

    def test_projection_solves_the_plane(self) -> None:
        rng = np.random.default_rng(0)
        c, d1, d2, off = (rng.standard_normal(50) for _ in range(4))
        normal = off - d1 * (d1 @ off) / (d1 @ d1)
        e2 = d2 - d1 * (d1 @ d2) / (d1 @ d1)
        normal -= e2 * (e2 @ normal) / (e2 @ e2)  # orthogonal to the plane
        a, b, dist = project_onto_plane(c, d1, d2, [c + 0.3 * d1 - 0.2 * d2 + normal, c])
        np.testing.assert_allclose(a, [0.3, 0.0], atol=1e-12)
        np.testing.assert_allclose(b, [-0.2, 0.0], atol=1e-12)
        np.testing.assert_allclose(dist, [np.linalg.norm(normal), 0.0], atol=1e-12)

    def test_the_landscape_joins_the_session_with_the_trajectory(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "run.losslab")
            net = tiny()
            opt = torch.optim.SGD(net.parameters(), lr=0.1)
            data = [(torch.ones(3, 2), torch.zeros(3, 1))]
            with Recorder(path, model=net, optimizer=opt, snapshot_every=2) as rec:
                train(net, opt, rec, 5)
                ls = landscape(net, torch.nn.functional.mse_loss, data, recorder=rec, resolution=3)
            m = manifest(path)
            entry = m["network"]["landscapes"][0]
            self.assertEqual(entry["resolution"], 3)
            self.assertEqual(entry["centerOf"], {"runId": "torch", "at": "current", "step": 5})
            arrays = entry["projections"][0]["arrays"]
            with zipfile.ZipFile(path) as zf:
                read = lambda name: np.frombuffer(zf.read(f"arrays/{name}.bin"), dtype="<f8")  # noqa: E731
                np.testing.assert_array_equal(read(arrays["steps"]), [0, 2, 4, 5])
                # The last point is θ* itself: on the plane's origin, its loss the centre's.
                self.assertEqual(read(arrays["alpha"])[-1], 0.0)
                self.assertEqual(read(arrays["distance"])[-1], 0.0)
                self.assertEqual(read(arrays["loss"])[-1], ls.center_loss)
                values = np.frombuffer(zf.read(f"arrays/{entry['arrays']['values']}.bin"), dtype="<f4")
                self.assertEqual(values[4], np.float32(ls.center_loss))  # (α, β) = (0, 0)

    def test_bad_arguments_are_refused(self) -> None:
        net = tiny()
        with self.assertRaisesRegex(RecorderError, "resolution"):
            landscape(net, torch.nn.functional.mse_loss, [], resolution=1)
        with self.assertRaisesRegex(RecorderError, "no batches"):
            landscape(net, torch.nn.functional.mse_loss, [])


if __name__ == "__main__":
    unittest.main()
