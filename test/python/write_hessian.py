"""Writes PyHessian-shaped results with losslab_torch.write_hessian, for hessian-file.test.ts.

Usage: write_hessian.py OUT_DIR. A diagonal Hessian diag(3, 2, 1, -0.5) whose SLQ with m = n
has nodes its eigenvalues and weights v_i² (a Rademacher v normalized: 1/4 each), computed
here as PyHessian's density() returns them: lists per probe.
"""

import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))
from losslab_torch import write_hessian  # noqa: E402

out = sys.argv[1]
lam = [3.0, 2.0, 1.0, -0.5]
write_hessian(os.path.join(out, "saddle.json"), eigenvalues=[torch.tensor(3.0), 2.0],
              trace=[5.5, 5.0, 6.0], density=([lam, lam], [[0.25] * 4, [0.25] * 4]),
              parameters=4, loss=0.125, grad_norm=0.0, label="diag", step=40)
write_hessian(os.path.join(out, "top.json"), eigenvalues=np.array([4.0, 1.0]))
