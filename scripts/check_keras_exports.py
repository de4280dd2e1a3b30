#!/usr/bin/env python3
"""Loads the files `elmokit export --to keras-…` writes with real Keras 3 and checks that Keras
predicts the fixtures' outputs from them (fixtures/keras/<model>.io.h5).

For every model and every source layout, the source is converted to .elmk and exported to all
four Keras targets; each export is loaded the way a Keras user would load it:
  keras-model-h5           keras.models.load_model(path)           (legacy full model)
  keras                    keras.models.load_model(path)           (.keras archive)
  keras3-weights-h5        model.load_weights(path)                (model built from <model>.keras)
  keras-legacy-weights-h5  model.load_weights(path)                (idem, legacy save_weights layout)
and must predict `output` from `input` within 1e-5.

A full-model export keeps the source's own model_config: from a tf-keras 2 source that is a
tf-keras config, which Keras 3 refuses exactly as it refuses the source file itself. Those
cases are reported as "tf-keras" (not failures) when the source fails the same way; with
--tf-keras (run under a tf-keras 2 environment, TF_USE_LEGACY_KERAS=1) they are loaded with
tf-keras instead:
    TF_USE_LEGACY_KERAS=1 /tmp/tfenv/bin/python scripts/check_keras_exports.py --tf-keras

Setup (see scripts/requirements-keras.txt), from the repository root, after `swift build`:
    python3 -m venv /tmp/kerasenv && /tmp/kerasenv/bin/pip install -r scripts/requirements-keras.txt
    KERAS_BACKEND=jax /tmp/kerasenv/bin/python scripts/check_keras_exports.py [--elmokit .build/debug/elmokit]
Exit status 0 when every export loads and predicts within tolerance.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

if "--tf-keras" in sys.argv:
    import tf_keras as keras  # noqa: E402
else:
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras  # noqa: E402

MODELS = ["simple_rnn", "simple_rnn_relu", "lstm", "lstm_last", "gru_reset_after", "gru_reset_before",
          "gru_go_backwards", "bidi_lstm", "stacked"]
SOURCES = ["h5", "keras2.h5", "keras", "weights.h5", "legacy_weights.h5", "keras2_weights.h5"]
TARGETS = {"keras-model-h5": ".h5", "keras": ".keras", "keras3-weights-h5": ".weights.h5", "keras-legacy-weights-h5": ".h5"}


def config_for(model, source):
    if source == "keras2_weights.h5":
        return f"fixtures/keras/{model}.keras2.h5"
    if source in ("weights.h5", "legacy_weights.h5"):
        return f"fixtures/keras/{model}.keras"
    return None


def loads(keras, model):
    """Whether this Keras loads the tf-keras 2 source file itself."""
    try:
        keras.models.load_model(f"fixtures/keras/{model}.keras2.h5", compile=False)
        return True
    except Exception:
        return False


def run(elmokit, *args):
    subprocess.run([elmokit, *args], check=True, stdout=subprocess.DEVNULL)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--elmokit", default=".build/debug/elmokit")
    parser.add_argument("--tf-keras", action="store_true", help="load with tf-keras 2 (only the Keras 2 sources and legacy targets)")
    args = parser.parse_args()
    sources = ["keras2.h5", "keras2_weights.h5"] if args.tf_keras else SOURCES
    targets = {t: x for t, x in TARGETS.items() if not args.tf_keras or t in ("keras-model-h5", "keras-legacy-weights-h5")}
    failures = 0
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for model in MODELS:
            with h5py.File(f"fixtures/keras/{model}.io.h5", "r") as io:
                x, expected = io["input"][...], io["output"][...]
            for source in sources:
                elmk = os.path.join(tmp, f"{model}.{source}.elmk")
                options = config_for(model, source)
                run(args.elmokit, "convert", f"fixtures/keras/{model}.{source}", "-o", elmk,
                    *(["--options", options] if options else []))
                cells = []
                for target, suffix in targets.items():
                    out = os.path.join(tmp, f"{model}.{source}.{target}{suffix}")
                    run(args.elmokit, "export", elmk, "--to", target, "-o", out)
                    try:
                        if target in ("keras-model-h5", "keras"):
                            net = keras.models.load_model(out, compile=False)
                        else:
                            builder = f"fixtures/keras/{model}." + ("keras2.h5" if args.tf_keras else "keras")
                            net = keras.models.load_model(builder, compile=False)
                            for w in net.weights:
                                w.assign(np.zeros(tuple(w.shape), dtype="float32"))
                            net.load_weights(out)
                        got = np.asarray(net.predict(x, verbose=0))
                        diff = float(np.max(np.abs(got - expected))) if got.shape == expected.shape else float("inf")
                    except Exception as e:  # report and go on: one table of every case
                        if target == "keras-model-h5" and "keras2" in source and not args.tf_keras and not loads(keras, model):
                            cells.append("tf-keras")
                            continue
                        print(f"{model}.{source} -> {target}: {type(e).__name__}: {e}", file=sys.stderr)
                        diff = float("nan")
                    ok = diff <= 1e-5
                    failures += 0 if ok else 1
                    cells.append(f"{diff:.1e}" if ok else f"FAIL {diff}")
                rows.append(f"| {model} | {source} | " + " | ".join(cells) + " |")
    print("| model | source | " + " | ".join(targets) + " |")
    print("|---|---|" + "---|" * len(targets))
    print("\n".join(rows))
    print(f"keras {keras.__version__}, backend {keras.backend.backend()}: {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
