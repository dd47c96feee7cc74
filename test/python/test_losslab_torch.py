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
from losslab_torch import Recorder, RecorderError, mlp_model_spec, optimizer_spec  # noqa: E402


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


if __name__ == "__main__":
    unittest.main()
