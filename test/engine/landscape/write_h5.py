"""Writes loss-landscape .h5 files as Li et al.'s code lays them out (its h5_util / plot_surface:
`xcoordinates`, `ycoordinates`, `train_loss`, `train_acc`, `test_loss`, `test_acc`; the
trajectory file's `proj_xcoord`, `proj_ycoord`), for test/engine/landscape/h5-file.test.ts.

Usage: write_h5.py OUT_DIR. The surfaces are closed forms the test recomputes:
train_loss = x² + 2y² + 0.5, test_loss = train_loss + 0.25, train_acc = 100 − train_loss,
filled as the code's crunch loop does (losses.ravel()[k] at meshgrid(x, y)'s k-th point, −1
where not computed: here the last point of the 2-D train_loss).
"""

import os
import sys

import h5py
import numpy as np


def write_surface(path: str, x: np.ndarray, y=None) -> None:
    with h5py.File(path, "w") as f:
        f["xcoordinates"] = x
        if y is None:
            loss = x ** 2 + 0.5
            f["train_loss"] = loss
            f["train_acc"] = 100 - loss
            return
        f["ycoordinates"] = y
        xm, ym = np.meshgrid(x, y)
        coords = np.c_[xm.ravel(), ym.ravel()]
        loss = -np.ones(shape=(len(x), len(y)))
        test = -np.ones(shape=(len(x), len(y)))
        for k, (a, b) in enumerate(coords):
            test.ravel()[k] = a ** 2 + 2 * b ** 2 + 0.75
            if k < len(coords) - 1:  # the last point not computed yet
                loss.ravel()[k] = a ** 2 + 2 * b ** 2 + 0.5
        f["train_loss"] = loss
        f["test_loss"] = test
        f["train_acc"] = 100 - test


def main() -> None:
    out = sys.argv[1]
    write_surface(os.path.join(out, "surface.h5"), np.linspace(-1, 1, 11), np.linspace(-1, 1, 11))
    write_surface(os.path.join(out, "wide.h5"), np.linspace(-1, 1, 5), np.linspace(-0.5, 0.5, 3))
    write_surface(os.path.join(out, "line.h5"), np.linspace(-1, 1, 21))
    with h5py.File(os.path.join(out, "surface.h5_proj_cos.h5"), "w") as f:
        f["proj_xcoord"] = np.array([0.8, 0.5, 0.25, 0.1, 0.0])
        f["proj_ycoord"] = np.array([-0.6, -0.3, -0.1, 0.05, 0.0])
    with h5py.File(os.path.join(out, "bad-size.h5"), "w") as f:
        f["xcoordinates"] = np.linspace(-1, 1, 4)
        f["ycoordinates"] = np.linspace(-1, 1, 4)
        f["train_loss"] = np.zeros(15)
    with h5py.File(os.path.join(out, "not-landscape.h5"), "w") as f:
        f["weights"] = np.zeros(3)


if __name__ == "__main__":
    main()
