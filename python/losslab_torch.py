"""LossLab's Python companion: record a PyTorch training run as a `.losslab` session.

A :class:`Recorder` is called once per optimizer step from an ordinary training loop (one
GPU or CPU, or DistributedDataParallel, where only rank 0 records and every other rank's
recorder does nothing) and writes a session LossLab opens: one network run with one step per
call, its losses, learning rates and gradient norms, θ snapshots every ``snapshot_every`` steps
(plus step 0 and the final θ) and the optimizer's settings::

    rec = Recorder("run.losslab", model=net, optimizer=opt, snapshot_every=10)
    for x, y in loader:
        opt.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
        rec.step(loss=loss.item())
    rec.close()

θ is ``torch.nn.utils.parameters_to_vector(model.parameters())``: every parameter tensor one
after another, each row-major. For an MLP of ``nn.Linear`` layers that is LossLab's own layout
(per layer W [out, in], then b [out]).

The session's format is defined in LossLab's ``electron/common/session.ts`` (see the README's
"file format" section): a zip of ``manifest.json`` and raw little-endian arrays
``arrays/<name>.bin``, each listed with its dtype, length and SHA-256. The run is marked as
recorded elsewhere (the network's ``source``): LossLab shows it as recorded and never retrains
it. Given a LossLab ``dataset`` spec and an MLP LossLab can build, the session also names the
dataset and model, so LossLab's network lab shows it with its data and landscapes.

A :func:`landscape` computes Li et al.'s filter-normalized loss landscape around the model's θ
with torch on the model's device and, given the recorder, writes it into the session with the
recorded trajectory projected onto its plane::

    landscape(net, loss_fn, loader, recorder=rec, resolution=31, span=1.0)

Depends on torch and numpy only.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import math
import os
import tempfile
import time
import zipfile
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import torch

__version__ = "1"

__all__ = ["Landscape", "Recorder", "RecorderError", "filter_normalized_direction", "landscape", "write_hessian",
           "mlp_model_spec", "optimizer_spec", "project_onto_plane", "__version__"]

#: What tells a LossLab session from any other zip, and the format version written.
SESSION_FORMAT = "losslab-session"
SESSION_VERSION = 1
#: LossLab reads sessions of at most 2 GiB (limits.ts: MAX_SESSION_BYTES), and no zip64.
MAX_SESSION_BYTES = 2 * 2**30
#: Steps a session's run may hold (limits.ts: MAX_RECORDED_STEPS).
MAX_RECORDED_STEPS = 10_000_000
#: Landscapes a session holds (limits.ts: MAX_RECORDED_LANDSCAPES), and a grid's largest side.
MAX_RECORDED_LANDSCAPES = 64
MAX_LANDSCAPE_RESOLUTION = 4096
#: Snapshot bytes kept before the spacing doubles (room left for the curves and manifest).
DEFAULT_MAX_SNAPSHOT_BYTES = int(1.75 * 2**30)

# LossLab's optimizer spec: its rule names (as in torch.optim) and each hyperparameter's bounds
# (schemas.ts: hyperSchema). A value outside them is named in `unmapped` instead.
_RULES = {
    torch.optim.SGD: "sgd",
    torch.optim.Adam: "adam",
    torch.optim.AdamW: "adamw",
    torch.optim.RMSprop: "rmsprop",
    torch.optim.Adagrad: "adagrad",
}
_BOUNDS: Dict[str, Tuple[float, float]] = {
    "lr": (0.0, 1e6),
    "momentum": (0.0, 0.9999),
    "dampening": (0.0, 1.0),
    "weightDecay": (0.0, 1e3),
    "eps": (1e-300, 1.0),
    "alpha": (0.0, 0.9999999),
    "lrDecay": (0.0, 1e3),
    "initialAccumulatorValue": (0.0, 1e6),
}
_BETA_BOUNDS = ((0.0, 0.99999), (0.0, 0.9999999))
# torch's name → LossLab's, per rule.
_NAMES = {
    "sgd": {"lr": "lr", "momentum": "momentum", "dampening": "dampening",
            "nesterov": "nesterov", "weight_decay": "weightDecay"},
    "adam": {"lr": "lr", "betas": "betas", "eps": "eps", "weight_decay": "weightDecay",
             "amsgrad": "amsgrad"},
    "rmsprop": {"lr": "lr", "alpha": "alpha", "eps": "eps", "weight_decay": "weightDecay",
                "momentum": "momentum", "centered": "centered"},
    "adagrad": {"lr": "lr", "lr_decay": "lrDecay", "weight_decay": "weightDecay",
                "initial_accumulator_value": "initialAccumulatorValue", "eps": "eps"},
}
_NAMES["adamw"] = _NAMES["adam"]
# Switches of torch's implementation that do not change the update rule's mathematics.
_IMPLEMENTATION = {"foreach", "fused", "capturable", "differentiable"}

# LossLab's activations (network.ts: activationNames) by torch module.
_ACTIVATIONS = {torch.nn.ReLU: "relu", torch.nn.Tanh: "tanh", torch.nn.Sigmoid: "sigmoid",
                torch.nn.Identity: "linear"}


class RecorderError(ValueError):
    """A model, optimizer or value the recorder cannot record; the message is one line."""


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _json_value(value: Any) -> Any:
    """A hyperparameter as JSON (tuples as lists, tensors as numbers, others as text)."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, (bool, int, str)) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (tuple, list)):
        return [_json_value(v) for v in value]
    return _one_line(repr(value))[:200]


def _in_bounds(key: str, value: Any) -> bool:
    if key in ("nesterov", "centered", "amsgrad"):
        return isinstance(value, bool)
    if key == "betas":
        return (isinstance(value, (tuple, list)) and len(value) == 2
                and all(isinstance(b, (int, float)) and lo <= b <= hi
                        for b, (lo, hi) in zip(value, _BETA_BOUNDS)))
    lo, hi = _BOUNDS[key]
    return isinstance(value, (int, float)) and not isinstance(value, bool) and lo <= value <= hi


def optimizer_spec(optimizer: torch.optim.Optimizer) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """LossLab's optimizer spec of a torch optimizer, and what does not map, by torch's names.

    SGD, Adam, AdamW, RMSprop and Adagrad map hyperparameter for hyperparameter (LossLab's
    rules follow torch.optim's). What LossLab has no place for is returned apart: ``maximize``
    when set, a value outside LossLab's bounds, a later parameter group's differing setting
    (``param_groups[1].lr``), and every setting of another optimizer class, whose spec is then
    plain SGD at its learning rate (the nearest rule LossLab knows, which it never runs).
    """
    groups = optimizer.param_groups
    first = groups[0]
    rule = next((name for cls, name in _RULES.items() if type(optimizer) is cls), None)
    unmapped: Dict[str, Any] = {}
    spec: Dict[str, Any] = {"optimizer": rule or "sgd"}
    names = _NAMES[rule] if rule else {"lr": "lr"}
    for key, value in first.items():
        if key == "params" or key in _IMPLEMENTATION or key == "initial_lr":
            continue
        if key == "maximize" and value is False:
            continue
        target = names.get(key)
        if target is not None and _in_bounds(target, value):
            spec[target] = list(value) if target == "betas" else value
        else:
            unmapped[key] = _json_value(value)
    for i, group in enumerate(groups[1:], start=1):
        for key, value in group.items():
            if key == "params" or key in _IMPLEMENTATION:
                continue
            if key not in first or _json_value(first[key]) != _json_value(value):
                unmapped[f"param_groups[{i}].{key}"] = _json_value(value)
    return spec, unmapped


def mlp_model_spec(model: torch.nn.Module) -> Dict[str, Any]:
    """LossLab's model spec (depth, width, activation) of an MLP LossLab can build.

    The model must be ``nn.Linear`` layers, each hidden one as wide as the others and followed
    by one activation LossLab has (ReLU, Tanh, Sigmoid, Identity), all the same; the output
    layer has none. Refuses anything else with a RecorderError naming what LossLab lacks.
    """
    layers = [m for m in model.modules() if not list(m.children())]
    linears: List[torch.nn.Linear] = []
    activations: List[str] = []
    for m in layers:
        if isinstance(m, torch.nn.Linear):
            if linears and len(activations) != len(linears):
                raise RecorderError("LossLab's MLPs have one activation between two linear layers")
            if m.bias is None:
                raise RecorderError("LossLab's linear layers have a bias; this one has none")
            linears.append(m)
        elif type(m) in _ACTIVATIONS:
            if len(activations) != len(linears) - 1 or not linears:
                raise RecorderError("LossLab's MLPs have one activation after each hidden layer")
            activations.append(_ACTIVATIONS[type(m)])
        else:
            raise RecorderError(f"LossLab's MLPs have no {type(m).__name__} layer")
    if len(linears) < 2 or len(activations) != len(linears) - 1:
        raise RecorderError("LossLab's MLPs have at least one hidden layer and no output activation")
    widths = {m.out_features for m in linears[:-1]}
    if len(widths) != 1 or len(set(activations)) != 1:
        raise RecorderError("LossLab's MLPs have hidden layers of one width and one activation")
    return {"depth": len(linears) - 1, "width": widths.pop(), "activation": activations[0]}


def _rank(rank: Optional[int]) -> int:
    """This process's rank: the one given, else torch.distributed's, else $RANK, else 0."""
    if rank is not None:
        return int(rank)
    dist = torch.distributed
    if dist.is_available() and dist.is_initialized():
        return int(dist.get_rank())
    return int(os.environ.get("RANK", "0") or 0)


def _now() -> str:
    """An ISO 8601 UTC time as LossLab's manifest takes it (milliseconds, `Z`)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


class Recorder:
    """Records one training run, step by step, into a `.losslab` session at ``path``.

    Call :meth:`step` after each ``optimizer.step()`` (and before a learning-rate scheduler's
    step: the learning rate is read from the optimizer's first parameter group), then
    :meth:`close`; or use it as a context manager. On a rank other than 0 (``rank=``, else
    torch.distributed's, else ``$RANK``) every method does nothing and no file is written.

    Args:
        path: the session file to write (replaced atomically at close).
        model: the model whose θ is recorded (a DistributedDataParallel wrapper is fine).
        optimizer: its settings are recorded (see :func:`optimizer_spec`).
        snapshot_every: steps between two kept θ snapshots (doubled as needed to keep the
            snapshots under ``max_snapshot_bytes``).
        run_id: the run's id in LossLab, at most 64 characters.
        label: the run's label, at most 120 characters.
        title: the session's title.
        batch_size: examples per step, when known (LossLab shows it; 32 when not given).
        dataset: a LossLab dataset spec (``{"kind": "moons", "n": 400, "seed": 0}``) the model
            trained on; the model must then be an MLP LossLab builds (see :func:`mlp_model_spec`),
            so LossLab can show its data and landscapes. ``model_spec`` overrides or completes
            the derived model spec (``loss``, ``l2``…).
        rank: this process's rank (see above).
        max_snapshot_bytes: bytes of θ snapshots kept before the spacing doubles.
    """

    def __init__(
        self,
        path: str,
        *,
        model: torch.nn.Module,
        optimizer: torch.optim.Optimizer,
        snapshot_every: int = 10,
        run_id: str = "torch",
        label: Optional[str] = None,
        title: Optional[str] = None,
        batch_size: Optional[int] = None,
        dataset: Optional[Dict[str, Any]] = None,
        model_spec: Optional[Dict[str, Any]] = None,
        rank: Optional[int] = None,
        max_snapshot_bytes: int = DEFAULT_MAX_SNAPSHOT_BYTES,
    ) -> None:
        self.rank = _rank(rank)
        self.active = self.rank == 0
        self.closed = False
        if not isinstance(snapshot_every, int) or not 1 <= snapshot_every <= 1_000_000:
            raise RecorderError(f"snapshot_every must be a whole number from 1 to 1000000, not {snapshot_every!r}")
        if not 1 <= len(run_id) <= 64:
            raise RecorderError("run_id must have 1 to 64 characters")
        inner = model.module if isinstance(model, torch.nn.parallel.DistributedDataParallel) else model
        named = list(inner.named_parameters())
        if not named:
            raise RecorderError("the model has no parameters: there is no θ to record")
        for name, p in named:
            if p.dtype not in (torch.float32, torch.float64):
                raise RecorderError(
                    f"parameter {name} is {str(p.dtype).replace('torch.', '')}: LossLab records θ of float32 or float64 parameters only (cast the model, or record a float32 copy)"
                )
        self.model = inner
        self.optimizer = optimizer
        self.params = [p for _, p in named]
        self.tensors = [{"name": name, "shape": list(p.shape)} for name, p in named]
        self.size = sum(p.numel() for p in self.params)
        if not self.active:
            return
        spec, unmapped = optimizer_spec(optimizer)
        self.config: Dict[str, Any] = {"runId": run_id, "optimizer": spec, "snapshotEvery": snapshot_every}
        if batch_size is not None:
            self.config["batchSize"] = int(batch_size)
        if label is not None:
            self.config["label"] = label[:120]
        kind = type(optimizer)
        module = "torch.optim" if kind in _RULES else kind.__module__
        self.optimizer_name = f"{module}.{kind.__qualname__}"
        self.unmapped = unmapped
        self.dataset = dataset
        self.model_spec: Optional[Dict[str, Any]] = None
        if dataset is not None:
            self.model_spec = {**mlp_model_spec(inner), **(model_spec or {})}
        self.title = title
        self.path = path
        self.description = repr(inner)[:100_000]
        self.created_at = _now()
        self.every = snapshot_every
        self.spacing = snapshot_every
        self.max_snapshot_bytes = max(int(max_snapshot_bytes), 2 * 4 * self.size)
        self.loss: List[float] = []
        self.accuracy: List[float] = []
        self.grad_norm: List[float] = []
        self.lr: List[float] = []
        self.update_ms: List[float] = []
        self.status = "finished"
        self.reason: Optional[str] = None
        self.landscapes: List["Landscape"] = []
        self.stopped = False
        # Diverged: θ now is past the steps kept, the run ends at _last_good.
        self._frozen = False
        # The θ snapshots go to a scratch file as they come: a large model's snapshots need not
        # fit in memory. snapshot_steps[k] is the step of the k-th θ there.
        directory = os.path.dirname(os.path.abspath(path))
        self._scratch = tempfile.NamedTemporaryFile(prefix=".losslab-", suffix=".f32", dir=directory, delete=False)
        self.snapshot_steps: List[int] = []
        # The latest finite θ (float64, on the CPU) and its step: the final θ if θ goes bad.
        self._last_good: Tuple[int, np.ndarray] = (0, self._theta())
        self._snapshot(0, self._last_good[1])
        self._clock = time.perf_counter()

    # -- θ -------------------------------------------------------------------------------

    def _theta(self) -> np.ndarray:
        """θ now, as float64 on the CPU (exact for float32 and float64 parameters)."""
        with torch.no_grad():
            flat = torch.nn.utils.parameters_to_vector([p.detach().to(torch.float64) for p in self.params])
        return flat.cpu().numpy()

    def _snapshot(self, step: int, theta: np.ndarray, thin: bool = True) -> None:
        self._scratch.write(theta.astype("<f4").tobytes())
        self.snapshot_steps.append(step)
        if thin and len(self.snapshot_steps) * 4 * self.size > self.max_snapshot_bytes:
            self._thin()

    def _thin(self) -> None:
        """Doubles the spacing, keeping the snapshots at its multiples (as LossLab's store does)."""
        self.spacing *= 2
        self._scratch.flush()
        row = 4 * self.size
        kept: List[int] = []
        with open(self._scratch.name, "r+b") as f:
            for k, step in enumerate(self.snapshot_steps):
                if step % self.spacing == 0:
                    f.seek(k * row)
                    data = f.read(row)
                    f.seek(len(kept) * row)
                    f.write(data)
                    kept.append(step)
            f.truncate(len(kept) * row)
        self._scratch.seek(len(kept) * row)
        self.snapshot_steps = kept

    # -- steps ---------------------------------------------------------------------------

    def step(
        self,
        loss: float,
        *,
        accuracy: Optional[float] = None,
        grad_norm: Optional[float] = None,
        lr: Optional[float] = None,
    ) -> None:
        """Records the step just taken (call it after ``optimizer.step()``).

        Args:
            loss: the batch's loss at θ before the step (a float, or a one-element tensor).
            accuracy: the batch's accuracy in [0, 1], if any.
            grad_norm: ‖∇L‖ of the step; by default the norm of the parameters' gradients now
                (after any clipping: pass what ``clip_grad_norm_`` returned for the norm before).
            lr: the step's learning rate; by default the optimizer's first group's.
        """
        if not self.active or self.stopped:
            return
        if self.closed:
            raise RecorderError("the recorder is closed")
        now = time.perf_counter()
        loss_value = float(loss.item() if isinstance(loss, torch.Tensor) else loss)
        if grad_norm is None:
            grads = [p.grad.detach().to(torch.float64).pow(2).sum() for p in self.params if p.grad is not None]
            if not grads:
                raise RecorderError("the parameters have no gradients: call step() after backward() and optimizer.step(), or give grad_norm=")
            grad_value = float(torch.stack([g.cpu() for g in grads]).sum().sqrt())
        else:
            grad_value = float(grad_norm.item() if isinstance(grad_norm, torch.Tensor) else grad_norm)
        acc = math.nan if accuracy is None else float(accuracy)
        if not (math.isnan(acc) or 0.0 <= acc <= 1.0):
            raise RecorderError(f"accuracy must be between 0 and 1, not {acc}")
        t = len(self.loss) + 1
        if not math.isfinite(loss_value) or math.isnan(grad_value):
            self._diverge(t, f"the loss was {loss_value}" if not math.isfinite(loss_value) else "the gradient was NaN")
            return
        if len(self.loss) >= MAX_RECORDED_STEPS:
            self._stop(f"LossLab holds at most {MAX_RECORDED_STEPS} steps of a run")
            return
        self.loss.append(loss_value)
        self.accuracy.append(acc)
        self.grad_norm.append(grad_value)
        self.lr.append(float(lr) if lr is not None else float(self.optimizer.param_groups[0]["lr"]))
        self.update_ms.append((now - self._clock) * 1000.0)
        self._clock = now
        if t % self.spacing == 0:
            theta = self._theta()
            if not np.isfinite(theta).all():
                self._diverge(t, "θ was not finite")
                return
            self._last_good = (t, theta)
            self._snapshot(t, theta)

    def _diverge(self, step: int, what: str) -> None:
        """Stops recording at `step`: θ now is past it, so the run ends at the last θ kept."""
        good = self._last_good[0]
        self.status = "diverged"
        self.reason = f"diverged at step {step}: {what} (kept up to step {good}, its last θ snapshot)"
        self.stopped = True
        self._frozen = True

    def _stop(self, why: str) -> None:
        self.reason = why
        self.stopped = True

    # -- the file ------------------------------------------------------------------------

    def close(self) -> None:
        """Writes the session (θ now is the final θ) and frees the scratch file."""
        if not self.active or self.closed:
            return
        self.closed = True
        try:
            self._write()
        finally:
            self._scratch.close()
            if os.path.exists(self._scratch.name):
                os.unlink(self._scratch.name)

    def _final(self) -> Tuple[int, np.ndarray]:
        """The steps kept and θ after them: θ now, or the latest finite θ when it is not."""
        steps = len(self.loss)
        if self._frozen:
            return self._last_good
        theta = self._last_good[1] if self._last_good[0] == steps else self._theta()
        if np.isfinite(theta).all():
            return steps, theta
        good, theta = self._last_good
        self.status = "diverged"
        self.reason = f"diverged after step {good}: θ was not finite after step {steps}"
        return good, theta

    def _write(self) -> None:
        steps, final = self._final()
        # Steps past the kept end (θ went bad after them) go, with their snapshots.
        for name in ("loss", "accuracy", "grad_norm", "lr", "update_ms"):
            del getattr(self, name)[steps:]
        while self.snapshot_steps and self.snapshot_steps[-1] > steps:
            self.snapshot_steps.pop()
        if self.snapshot_steps[-1] != steps:
            self._scratch.seek(len(self.snapshot_steps) * 4 * self.size)
            self._snapshot(steps, final, thin=False)
        self._scratch.truncate(len(self.snapshot_steps) * 4 * self.size)
        self._scratch.flush()

        at = "network/runs/0"
        arrays: Dict[str, Tuple[str, Any]] = {}

        def put(name: str, dtype: str, values: Any) -> str:
            # A landscape's arrays sit beside the run's: network/landscapes/k/…
            full = os.path.normpath(f"{at}/{name}").replace(os.sep, "/")
            arrays[full] = (dtype, values)
            return full

        f64 = lambda values: np.asarray(values, dtype="<f8")  # noqa: E731
        empty = np.zeros(0, dtype="<f8")
        refs = {
            "loss": put("loss", "f64", f64(self.loss)),
            "accuracy": put("accuracy", "f64", f64(self.accuracy)),
            "gradNorm": put("grad-norm", "f64", f64(self.grad_norm)),
            "lr": put("lr", "f64", f64(self.lr)),
            "updateMs": put("update-ms", "f64", f64(self.update_ms)),
            "epochStep": put("epoch-step", "f64", empty),
            "trainLoss": put("train-loss", "f64", empty),
            "trainAccuracy": put("train-accuracy", "f64", empty),
            "validationLoss": put("validation-loss", "f64", empty),
            "validationAccuracy": put("validation-accuracy", "f64", empty),
            "epochMs": put("epoch-ms", "f64", empty),
            "snapshotSteps": put("snapshot-steps", "u32", np.asarray(self.snapshot_steps, dtype="<u4")),
            "snapshots": put("snapshots", "f32", self._scratch.name),
            "finalTheta": put("final-theta", "f64", final.astype("<f8")),
        }
        recorded_by = f"PyTorch {torch.__version__} (losslab_torch {__version__})"
        source: Dict[str, Any] = {"recordedBy": recorded_by}
        if self.description is not None:
            source["description"] = self.description
        source["tensors"] = self.tensors
        source["optimizer"] = {"name": self.optimizer_name, **({"unmapped": self.unmapped} if self.unmapped else {})}
        reason = self.reason or f"recorded by {recorded_by}"
        run = {
            "config": self.config,
            "changes": [],
            "status": self.status,
            "reason": reason[:2000],
            "steps": steps,
            "epochs": 0,
            "parameters": self.size,
            "snapshotSpacing": self.spacing,
            "arrays": refs,
        }
        landscapes = [self._put_landscape(ls, k, steps, put) for k, ls in enumerate(self.landscapes)]
        network: Dict[str, Any] = {}
        if self.dataset is not None and self.model_spec is not None:
            network["dataset"] = self.dataset
            network["model"] = self.model_spec
        network.update({"source": source, "runs": [run], "landscapes": landscapes})

        table: Dict[str, Dict[str, Any]] = {}
        entries: List[Tuple[str, str, Any]] = []
        total = 0
        for name, (dtype, values) in arrays.items():
            if isinstance(values, str):  # the scratch file of f32 snapshots
                digest, nbytes = _hash_file(values)
                length = nbytes // 4
            else:
                data = values.tobytes()
                digest, nbytes, length = hashlib.sha256(data).hexdigest(), len(data), values.size
                values = data
            table[name] = {"dtype": dtype, "length": int(length), "sha256": digest}
            entries.append((f"arrays/{name}.bin", dtype, values))
            total += nbytes
        saved = _now()
        manifest = {
            "format": SESSION_FORMAT,
            "version": SESSION_VERSION,
            "createdAt": self.created_at,
            "savedAt": saved,
            "app": {"name": "losslab_torch", "version": __version__},
            **({"title": self.title[:500]} if self.title is not None else {}),
            "network": network,
            "view": {},
            "arrays": table,
        }
        text = json.dumps(manifest, allow_nan=False, ensure_ascii=False).encode("utf-8")
        if total + len(text) > MAX_SESSION_BYTES - 2**20:
            raise RecorderError(f"the session would hold {total + len(text)} bytes; LossLab reads at most {MAX_SESSION_BYTES} (lower max_snapshot_bytes)")
        stamp = time.localtime()[:6]
        partial = self.path + ".partial"
        with zipfile.ZipFile(partial, "w", allowZip64=False) as zf:
            # The manifest first, as LossLab writes it; floating-point arrays stored.
            zf.writestr(zipfile.ZipInfo("manifest.json", stamp), text, zipfile.ZIP_DEFLATED)
            for entry, dtype, data in entries:
                method = zipfile.ZIP_STORED if dtype.startswith("f") else zipfile.ZIP_DEFLATED
                info = zipfile.ZipInfo(entry, stamp)
                info.compress_type = method
                if isinstance(data, str):
                    with open(data, "rb") as src, zf.open(info, "w") as dst:
                        for chunk in iter(lambda: src.read(2**22), b""):
                            dst.write(chunk)
                else:
                    zf.writestr(info, data)
        os.replace(partial, self.path)

    # -- landscapes ----------------------------------------------------------------------

    def add_landscape(self, ls: "Landscape") -> None:
        """Adds a landscape (see :func:`landscape`) to the session, with the run's θ snapshots
        so far and θ now projected onto its plane (read one at a time from the scratch file).
        Call it after the last step: the projection holds the steps recorded until then."""
        if not self.active:
            return
        if self.closed:
            raise RecorderError("the recorder is closed")
        if ls.center.size != self.size:
            raise RecorderError(f"the landscape's θ has {ls.center.size} entries; the recorded θ has {self.size}")
        if len(self.landscapes) >= MAX_RECORDED_LANDSCAPES:
            raise RecorderError(f"a session holds at most {MAX_RECORDED_LANDSCAPES} landscapes")
        self._scratch.flush()
        kept = list(self.snapshot_steps)
        now = len(self.loss)
        extra = not kept or kept[-1] != now
        steps = kept + ([now] if extra else [])
        row = 4 * self.size
        measure = ls.trajectory_loss
        losses: List[float] = []

        def points() -> Any:
            """θ at each step, one at a time, measured on the way when asked."""
            with open(self._scratch.name, "rb") as f:
                for k in range(len(kept)):
                    f.seek(k * row)
                    theta = np.frombuffer(f.read(row), dtype="<f4").astype(np.float64)
                    if measure is not None:
                        losses.append(measure(theta))
                    yield theta
            if extra:
                theta = self._theta()
                if measure is not None:
                    losses.append(measure(theta))
                yield theta

        alpha, beta, distance = project_onto_plane(ls.center, ls.d1, ls.d2, points())
        ls.projection = {"steps": np.asarray(steps, dtype="<f8"), "alpha": alpha, "beta": beta,
                         "distance": distance}
        if measure is not None:
            ls.projection["loss"] = np.asarray(losses, dtype="<f8")
        ls.step = now
        self.landscapes.append(ls)

    def _put_landscape(self, ls: "Landscape", k: int, steps: int, put: Any) -> Dict[str, Any]:
        """The manifest entry of landscape k, its arrays handed to `put` (network/landscapes/k/…)."""
        base = f"../../landscapes/{k}"
        proj = ls.projection or {}
        keep = np.asarray(proj.get("steps", []), dtype="<f8") <= steps
        arrays = {
            "values": put(f"{base}/values", "f32", ls.values.astype("<f4").reshape(-1)),
            "center": put(f"{base}/center", "f64", ls.center.astype("<f8")),
            "d1": put(f"{base}/d1", "f64", ls.d1.astype("<f8")),
            "d2": put(f"{base}/d2", "f64", ls.d2.astype("<f8")),
        }
        projections = []
        if proj and keep.any():
            refs = {name: put(f"{base}/projections/0/{name}", "f64",
                              np.asarray(proj[name], dtype="<f8")[keep])
                    for name in ("steps", "alpha", "beta", "distance", "loss") if name in proj}
            projections.append({"runId": self.config["runId"], "arrays": refs})
        finite = ls.values[np.isfinite(ls.values)]
        return {
            "id": f"torch-{k}",
            "label": ls.label[:200],
            "resolution": ls.resolution,
            "range": [[ls.span[0][0], ls.span[0][1]], [ls.span[1][0], ls.span[1][1]]],
            "split": ls.split,
            "min": float(finite.min()) if finite.size else "NaN",
            "max": float(finite.max()) if finite.size else "NaN",
            "centerLoss": ls.center_loss if math.isfinite(ls.center_loss) else str(ls.center_loss),
            "centerOf": {"runId": self.config["runId"], "at": "current", "step": min(ls.step, steps)},
            "directions": {"kind": "random", "seed": ls.seed},
            "arrays": arrays,
            "projections": projections,
        }

    def __enter__(self) -> "Recorder":
        return self

    def __exit__(self, kind: Any, error: Any, _trace: Any) -> None:
        if self.active and not self.closed and error is not None and self.reason is None:
            self.reason = _one_line(f"training stopped at step {len(self.loss)}: {kind.__name__}: {error}")[:2000]
        self.close()


def _hash_file(name: str) -> Tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(name, "rb") as f:
        for chunk in iter(lambda: f.read(2**22), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


# -- Loss landscapes (Li, Xu, Taylor, Studer and Goldstein, NeurIPS 2018) ---------------------


def filter_normalized_direction(params: List[torch.Tensor], generator: torch.Generator,
                                ignore: str = "biasbn") -> List[torch.Tensor]:
    """A random direction in θ-space, normalized filter by filter (Li et al.'s ``norm='filter'``).

    For each parameter tensor W, a direction D of the same shape is drawn from N(0, 1); then each
    filter of D — each slice along the first dimension: an output unit's row of a Linear's
    [out, in] weight, one output channel's [in, kh, kw] kernel of a Conv — is rescaled to the norm
    of the same filter of W: D_i ← D_i · ‖W_i‖ / (‖D_i‖ + 1e-10). Tensors of one dimension
    (biases, batch norm's weight and bias) are zeroed with ``ignore="biasbn"`` (Li et al.'s
    default in their plots), else they are W itself (their code's other case). The draw is made
    on the CPU in float64 with ``generator`` (so a seed gives the same direction on any device)
    and moved to each tensor's device.
    """
    if ignore not in ("biasbn", ""):
        raise RecorderError(f"ignore must be 'biasbn' or '', not {ignore!r}")
    direction = []
    for w in params:
        d = torch.randn(w.shape, generator=generator, dtype=torch.float64).to(w.device)
        wd = w.detach().to(torch.float64)
        if w.dim() <= 1:
            d = torch.zeros_like(wd) if ignore == "biasbn" else wd.clone()
        else:
            flat_d = d.reshape(d.shape[0], -1)
            flat_w = wd.reshape(wd.shape[0], -1)
            scale = flat_w.norm(dim=1) / (flat_d.norm(dim=1) + 1e-10)
            d = (flat_d * scale[:, None]).reshape(w.shape)
        direction.append(d)
    return direction


def project_onto_plane(center: np.ndarray, d1: np.ndarray, d2: np.ndarray,
                       points: Any) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each θ's least-squares (α, β) on the plane center + α d1 + β d2, and its distance from it
    (LossLab's projectOntoPlane): [α, β] solves the 2×2 normal equations of [d1 d2]. ``points``
    may be any iterable (a generator reading one θ at a time)."""
    g11, g12, g22 = float(d1 @ d1), float(d1 @ d2), float(d2 @ d2)
    det = g11 * g22 - g12 * g12
    if not det > 0:
        raise RecorderError("d1 and d2 do not span a plane")
    alpha, beta, distance = [], [], []
    for theta in points:
        r = np.asarray(theta, dtype=np.float64) - center
        r1, r2 = float(d1 @ r), float(d2 @ r)
        a = (g22 * r1 - g12 * r2) / det
        b = (g11 * r2 - g12 * r1) / det
        alpha.append(a)
        beta.append(b)
        distance.append(float(np.linalg.norm(r - a * d1 - b * d2)))
    return np.asarray(alpha), np.asarray(beta), np.asarray(distance)


class Landscape:
    """L(θ* + α d1 + β d2) on a grid, as :func:`landscape` computed it.

    ``values[j, i]`` is L at (alphas[i], betas[j]) (β the slow axis, as the session stores it);
    ``center``, ``d1``, ``d2`` are θ*, d1 and d2 as float64 numpy vectors in θ's order.
    """

    def __init__(self, *, alphas: np.ndarray, betas: np.ndarray, values: np.ndarray,
                 center: np.ndarray, d1: np.ndarray, d2: np.ndarray, center_loss: float,
                 seed: int, split: str, label: str, trajectory_loss: Any = None) -> None:
        self.alphas, self.betas, self.values = alphas, betas, values
        self.center, self.d1, self.d2 = center, d1, d2
        self.center_loss = center_loss
        self.seed, self.split, self.label = seed, split, label
        self.resolution = int(alphas.size)
        self.span = ((float(alphas[0]), float(alphas[-1])), (float(betas[0]), float(betas[-1])))
        #: θ → L(θ), to give each projected point its loss (None: not measured).
        self.trajectory_loss = trajectory_loss
        self.projection: Optional[Dict[str, np.ndarray]] = None
        self.step = 0


def landscape(model: torch.nn.Module, loss_fn: Any, loader: Any, *, recorder: Optional[Recorder] = None,
              resolution: int = 21, span: float = 1.0, seed: int = 0, ignore: str = "biasbn",
              batches: Optional[int] = None, split: str = "train", trajectory_loss: bool = True,
              progress: Any = None) -> Optional[Landscape]:
    """Li et al.'s loss landscape around the model's θ, computed with torch on its device.

    θ* is the model's parameters now; d1 and d2 are :func:`filter_normalized_direction`s drawn
    with ``torch.Generator().manual_seed(seed)`` and ``seed + 1``. For each (α, β) of a
    ``resolution`` × ``resolution`` grid over [−span, span]², the parameters are set to
    θ* + α d1 + β d2 and L is the mean of ``loss_fn(model(x), y)`` over ``loader`` (its first
    ``batches`` batches), each batch weighted by its size, under ``torch.no_grad()`` and in
    ``model.eval()`` (batch norm uses its running statistics, as in Li et al.'s evaluation); the
    parameters and the model's mode are restored afterwards, also on an exception. ``loader``
    yields ``(x, y)`` pairs (a DataLoader, a list), moved to the parameters' device; the batches
    are read once and kept. Given the ``recorder``, the landscape joins its session with the
    run's θ snapshots projected onto the plane (and, with ``trajectory_loss``, L at each of them).
    ``progress(done, total)`` is called after each grid point. Under DDP pass every rank's
    recorder: ranks other than 0 return None at once. It costs resolution² passes over the
    batches.
    """
    if not isinstance(resolution, int) or not 2 <= resolution <= MAX_LANDSCAPE_RESOLUTION:
        raise RecorderError(f"resolution must be a whole number from 2 to {MAX_LANDSCAPE_RESOLUTION}, not {resolution!r}")
    if not (isinstance(span, (int, float)) and math.isfinite(span) and span > 0):
        raise RecorderError(f"span must be a finite number above 0, not {span!r}")
    if split not in ("train", "validation"):
        raise RecorderError(f"split must be 'train' or 'validation', not {split!r}")
    if recorder is not None and not recorder.active:
        return None
    inner = model.module if isinstance(model, torch.nn.parallel.DistributedDataParallel) else model
    params = list(inner.parameters())
    device = params[0].device
    center = [p.detach().clone() for p in params]
    data = []
    for b, (x, y) in enumerate(loader):
        if batches is not None and b >= batches:
            break
        data.append((x, y))
    if not data:
        raise RecorderError("the loader gave no batches")
    d1 = filter_normalized_direction(params, torch.Generator().manual_seed(seed), ignore)
    d2 = filter_normalized_direction(params, torch.Generator().manual_seed(seed + 1), ignore)

    def vector(tensors: List[torch.Tensor]) -> np.ndarray:
        flat = [t.detach().to(torch.float64).reshape(-1) for t in tensors]
        return torch.nn.utils.parameters_to_vector(flat).cpu().numpy()

    def mean_loss() -> float:
        total, count = 0.0, 0
        for x, y in data:
            x, y = x.to(device), y.to(device)
            n = int(x.shape[0]) if getattr(x, "dim", lambda: 0)() > 0 else 1
            total += float(loss_fn(inner(x), y)) * n
            count += n
        return total / count

    def restore() -> None:
        with torch.no_grad():
            for p, c in zip(params, center):
                p.copy_(c)
        inner.train(was_training)

    def loss_at(theta: np.ndarray) -> float:
        """L at a θ of the trajectory (a flat float64 vector), θ* restored after."""
        flat = torch.from_numpy(np.asarray(theta, dtype=np.float64))
        inner.eval()
        try:
            with torch.no_grad():
                at = 0
                for p in params:
                    n = p.numel()
                    p.copy_(flat[at:at + n].reshape(p.shape).to(device=device, dtype=p.dtype))
                    at += n
                return mean_loss()
        finally:
            restore()

    alphas = np.linspace(-span, span, resolution)
    betas = np.linspace(-span, span, resolution)
    values = np.full((resolution, resolution), np.nan, dtype=np.float64)
    was_training = inner.training
    inner.eval()
    try:
        with torch.no_grad():
            center_loss = mean_loss()
            for j, b in enumerate(betas):
                for i, a in enumerate(alphas):
                    for p, c, u, v in zip(params, center, d1, d2):
                        p.copy_((c.to(torch.float64) + float(a) * u + float(b) * v).to(p.dtype))
                    values[j, i] = mean_loss()
                    if progress is not None:
                        progress(j * resolution + i + 1, resolution * resolution)
    finally:
        restore()
    values[~np.isfinite(values)] = np.nan
    result = Landscape(alphas=alphas, betas=betas, values=values, center=vector(center),
                       d1=vector(d1), d2=vector(d2), center_loss=center_loss, seed=seed, split=split,
                       label=f"filter-normalized random directions (seed {seed}), torch",
                       trajectory_loss=loss_at if trajectory_loss else None)
    if recorder is not None:
        recorder.add_landscape(result)
    return result


# -- Hessians computed elsewhere (PyHessian) --------------------------------------------------


def _floats(values: Any, what: str) -> List[float]:
    """A list of finite floats (tensors, numpy arrays and lists alike), refused otherwise."""
    out = [float(v.item() if isinstance(v, torch.Tensor) else v) for v in np.asarray(values, dtype=object).ravel()]
    for i, v in enumerate(out):
        if not math.isfinite(v):
            raise RecorderError(f"{what}[{i}] is {v}: LossLab reads finite numbers only")
    return out


def write_hessian(path: str, *, eigenvalues: Any, trace: Any = None, density: Any = None,
                  parameters: Optional[int] = None, loss: Optional[float] = None,
                  grad_norm: Optional[float] = None, label: Optional[str] = None,
                  step: Optional[int] = None) -> None:
    """Writes PyHessian's results as a JSON file LossLab's critical-points lab opens.

    ``eigenvalues``: ``hessian.eigenvalues(top_n=k)[0]`` (the top k, largest first);
    ``trace``: ``hessian.trace()`` (Hutchinson's samples; their mean is the estimate);
    ``density``: ``hessian.density(iter, n_v)`` — the pair (eigen_list_full, weight_list_full)
    of SLQ's nodes and weights per probe. ``parameters`` is θ's length (``sum(p.numel() for p in
    model.parameters())``); ``loss``, ``grad_norm``, ``label`` and ``step`` are shown with it.
    The file (``"format": "losslab-hessian"``, ``"version": 1``) is documented in LossLab's
    README. Does nothing on a rank other than 0 (see :class:`Recorder`).
    """
    if _rank(None) != 0:
        return
    record: Dict[str, Any] = {
        "format": "losslab-hessian",
        "version": 1,
        "recordedBy": f"PyHessian via losslab_torch {__version__}, PyTorch {torch.__version__}",
    }
    if label is not None:
        record["label"] = str(label)[:120]
    if step is not None:
        record["step"] = int(step)
    if parameters is not None:
        record["parameters"] = int(parameters)
    if loss is not None:
        record["loss"] = _floats([loss], "loss")[0]
    if grad_norm is not None:
        record["gradNorm"] = _floats([grad_norm], "grad_norm")[0]
    record["eigenvalues"] = _floats(eigenvalues, "eigenvalues")
    if not record["eigenvalues"]:
        raise RecorderError("eigenvalues is empty")
    if trace is not None:
        record["trace"] = _floats(trace if isinstance(trace, (list, tuple, np.ndarray)) else [trace], "trace")
    if density is not None:
        eigen, weight = density
        record["density"] = {"eigen": [_floats(e, "density eigen") for e in eigen],
                             "weight": [_floats(w, "density weight") for w in weight]}
        if [len(e) for e in record["density"]["eigen"]] != [len(w) for w in record["density"]["weight"]]:
            raise RecorderError("density: eigen and weight must have the same shape (probes × nodes)")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(record, f, allow_nan=False)
