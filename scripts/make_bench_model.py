#!/usr/bin/env python3
"""Writes a synthetic ELMo model with the shapes of the published original-size model
(2x4096_512_2048cnn_2xhighway, 93.6M parameters) for scripts/bench: a bilm-tf style weight
dump (every float32 dataset at the root, contiguous, named as bilm-tf's dump_weights names them)
plus its options.json. Random weights from a fixed seed, scaled like a trained model's
(about 1/sqrt(fan_in)), so the run-time behaviour (clipping, saturation) is plausible.

usage: make_bench_model.py OUT_FOLDER [--seed N]
"""
import json
import os
import sys

import h5py
import numpy as np

OPTIONS = {
    "lstm": {"use_skip_connections": True, "projection_dim": 512, "cell_clip": 3, "proj_clip": 3,
             "dim": 4096, "n_layers": 2},
    "char_cnn": {"activation": "relu",
                 "filters": [[1, 32], [2, 32], [3, 64], [4, 128], [5, 256], [6, 512], [7, 1024]],
                 "n_highway": 2, "embedding": {"dim": 16}, "n_characters": 262,
                 "max_characters_per_token": 50},
}


def tensors(options):
    """(name, shape, scale) in bilm-tf dump order."""
    cnn, lstm = options["char_cnn"], options["lstm"]
    E, P, D, L = cnn["embedding"]["dim"], lstm["projection_dim"], lstm["dim"], lstm["n_layers"]
    F = sum(n for _, n in cnn["filters"])
    out = [("char_embed", (261, E), 1.0)]
    for i, (w, n) in enumerate(cnn["filters"]):
        out.append((f"CNN/W_cnn_{i}", (1, w, E, n), (w * E) ** -0.5))
        out.append((f"CNN/b_cnn_{i}", (n,), 0.01))
    for k in range(cnn["n_highway"]):
        out += [(f"CNN_high_{k}/W_carry", (F, F), F ** -0.5), (f"CNN_high_{k}/b_carry", (F,), 0.01),
                (f"CNN_high_{k}/W_transform", (F, F), F ** -0.5), (f"CNN_high_{k}/b_transform", (F,), 0.01)]
    out += [("CNN_proj/W_proj", (F, P), F ** -0.5), ("CNN_proj/b_proj", (P,), 0.01)]
    for d in range(2):
        for l in range(L):
            scope = f"RNN_{d}/RNN/MultiRNNCell/Cell{l}/LSTMCell"
            out += [(f"{scope}/W_0", (2 * P, 4 * D), (2 * P) ** -0.5), (f"{scope}/B", (4 * D,), 0.01),
                    (f"{scope}/W_P_0", (D, P), D ** -0.5)]
    return out


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        sys.exit(__doc__)
    folder = args[0]
    seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 20180215
    os.makedirs(folder, exist_ok=True)
    weights = os.path.join(folder, "weights.hdf5")
    rng = np.random.default_rng(seed)
    count = 0
    with h5py.File(weights + ".part", "w") as f:
        for name, shape, scale in tensors(OPTIONS):
            data = rng.standard_normal(shape, dtype=np.float32)
            data *= np.float32(scale)
            f.create_dataset(name, data=data)
            count += data.size
    os.replace(weights + ".part", weights)
    with open(os.path.join(folder, "options.json"), "w") as f:
        json.dump(OPTIONS, f, indent=1)
    print(f"{weights}: {count} parameters, {os.path.getsize(weights)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
