#!/usr/bin/env python3
"""Generate small Keras recurrent-model fixtures for ELMoKit's Keras readers.

Everything is deterministic: weights and inputs come from numpy generators
seeded with a fixed per-model seed, so regenerating gives the same numbers
(and, except where noted in the README, the same bytes).

What it writes into ``fixtures/keras/`` (see the generated README.md there):

* ``<model>.weights.h5``         Keras 3 native weights   (``model.save_weights``)
* ``<model>.keras``              Keras 3 zip archive       (``model.save``)
* ``<model>.h5``                 legacy full-model HDF5    (``model.save('x.h5')``)
* ``<model>.legacy_weights.h5``  legacy save_weights HDF5  (layer groups at the
                                 file root, written with Keras 3's own
                                 ``legacy_h5_format.save_weights_to_hdf5_group``)
* ``<model>.io.h5``              ``input``, Keras' own ``output``, a copy of the
                                 weights that were set, and handy attributes
* ``<model>.keras2.h5`` / ``<model>.keras2_weights.h5``  real Keras 2 files
                                 (tf-keras), only from ``--keras2`` mode
* ``broken_*.h5`` etc.           damaged files for error tests
* ``README.md``                  regenerated from the files themselves

Every Keras output is cross-checked against an independent numpy
implementation of each cell (the formulas below are the documentation):

* SimpleRNN: h_t = act(x_t W + h_{t-1} U + b)
* LSTM (blocks i, f, c, o):  z = x W + h U + b;  i = σ(z_i), f = σ(z_f),
  o = σ(z_o), c_t = f ⊙ c_{t-1} + i ⊙ tanh(z_c), h_t = o ⊙ tanh(c_t)
* GRU (blocks z, r, h):
  - reset_after=True,  bias (2, 3u) = [input bias; recurrent bias]:
    xz,xr,xh = x W + b_in;  hz,hr,hh = h U + b_rec
    z = σ(xz + hz), r = σ(xr + hr), h~ = tanh(xh + r ⊙ hh)
  - reset_after=False, bias (3u,):
    xz,xr,xh = x W + b;  z = σ(xz + h U_z), r = σ(xr + h U_r),
    h~ = tanh(xh + (r ⊙ h) U_h)
  - h_t = z ⊙ h_{t-1} + (1 − z) ⊙ h~
* go_backwards=True: the layer reads x[T-1], …, x[0]; with
  return_sequences=True the output is in *processing* order, i.e.
  output[:, t] belongs to input step T-1-t (Keras does not flip it back).
* Bidirectional(merge_mode='concat'): concat([forward, backward], -1) where
  the backward sequence *is* flipped back to input time order.

Usage (Keras 3, jax backend; the default mode)::

    python3 -m venv /tmp/kerasenv
    /tmp/kerasenv/bin/pip install -r scripts/requirements-keras.txt
    KERAS_BACKEND=jax /tmp/kerasenv/bin/python scripts/make_keras_fixtures.py

Optional real Keras 2 files (tf-keras 2.x, needs tensorflow-cpu)::

    python3 -m venv /tmp/tfenv
    /tmp/tfenv/bin/pip install tensorflow-cpu==<ver> tf-keras==<ver> h5py
    TF_USE_LEGACY_KERAS=1 CUDA_VISIBLE_DEVICES= \\
        /tmp/tfenv/bin/python scripts/make_keras_fixtures.py --keras2
    # then re-run the Keras 3 command (or --readme-only) to refresh README.md

``--readme-only`` rebuilds README.md from the files present (needs only h5py).
``--out DIR`` writes somewhere else (default: fixtures/keras next to scripts/).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import sys
import zipfile
import zlib

import numpy as np

BATCH, TIMESTEPS, FEATURES = 2, 5, 3
WEIGHT_SCALE = 0.5  # every weight (biases too) ~ N(0, 0.5²): gates not saturated
TOLERANCE = 1e-5

# ---------------------------------------------------------------------------
# Model table. Each model: list of recurrent layer specs (applied in order).
# ---------------------------------------------------------------------------


def L(type_, name, units, **kw):
    spec = dict(type=type_, name=name, units=units, return_sequences=True)
    spec.update(kw)
    return spec


MODELS = {
    "simple_rnn": [L("SimpleRNN", "simple_rnn", 4, activation="tanh")],
    "simple_rnn_relu": [L("SimpleRNN", "simple_rnn", 4, activation="relu")],
    "lstm": [L("LSTM", "lstm", 4)],
    "lstm_last": [L("LSTM", "lstm", 4, return_sequences=False)],
    "gru_reset_after": [L("GRU", "gru", 4, reset_after=True)],
    "gru_reset_before": [L("GRU", "gru", 4, reset_after=False)],
    "gru_go_backwards": [L("GRU", "gru", 4, reset_after=True, go_backwards=True)],
    "bidi_lstm": [L("LSTM", "lstm", 4, bidirectional="concat",
                    wrapper_name="bidirectional")],
    "stacked": [L("LSTM", "lstm", 4), L("GRU", "gru", 3, reset_after=True)],
}

NOTES = {
    "simple_rnn": "SimpleRNN(4, activation='tanh', return_sequences=True)",
    "simple_rnn_relu": "SimpleRNN(4, activation='relu', return_sequences=True)",
    "lstm": "LSTM(4, return_sequences=True)",
    "lstm_last": "LSTM(4) (return_sequences=False: output is (batch, units))",
    "gru_reset_after": "GRU(4, reset_after=True, return_sequences=True)",
    "gru_reset_before": "GRU(4, reset_after=False, return_sequences=True)",
    "gru_go_backwards": ("GRU(4, go_backwards=True, reset_after=True, "
                         "return_sequences=True) — output in processing "
                         "(reversed) order"),
    "bidi_lstm": ("Bidirectional(LSTM(4, return_sequences=True), "
                  "merge_mode='concat') — output (batch, time, 8) = [fwd, bwd]"),
    "stacked": "LSTM(4, return_sequences=True) -> GRU(3, reset_after=True, "
               "return_sequences=True)",
}


def model_seed(name: str) -> int:
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


def gate_count(spec) -> int:
    return {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}[spec["type"]]


def weight_shapes(spec, in_dim):
    u, g = spec["units"], gate_count(spec)
    if spec["type"] == "GRU" and spec.get("reset_after", True):
        bias = (2, g * u)
    else:
        bias = (g * u,)
    return [(in_dim, g * u), (u, g * u), bias]


def make_weights(name):
    """Deterministic weights + input for model `name`.

    Returns (x, per_layer) where per_layer[i] is a list of directions, each a
    list [kernel, recurrent_kernel, bias] of float32 arrays.
    """
    rng = np.random.default_rng(model_seed(name))
    x = rng.normal(size=(BATCH, TIMESTEPS, FEATURES)).astype(np.float32)
    per_layer = []
    in_dim = FEATURES
    for spec in MODELS[name]:
        ndir = 2 if spec.get("bidirectional") else 1
        dirs = []
        for _ in range(ndir):
            dirs.append([rng.normal(scale=WEIGHT_SCALE, size=s).astype(np.float32)
                         for s in weight_shapes(spec, in_dim)])
        per_layer.append(dirs)
        in_dim = spec["units"] * ndir
    return x, per_layer


# ---------------------------------------------------------------------------
# Independent numpy reference (float64)
# ---------------------------------------------------------------------------


def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


ACTS = {"tanh": np.tanh, "relu": lambda v: np.maximum(v, 0.0)}


def np_rnn(spec, w, x):
    """Run one direction of one layer; returns the full (B, T, u) sequence in
    processing order (reversed time if go_backwards)."""
    k, rk, b = (a.astype(np.float64) for a in w)
    x = x.astype(np.float64)
    if spec.get("go_backwards"):
        x = x[:, ::-1]
    B, T, _ = x.shape
    u = spec["units"]
    h = np.zeros((B, u))
    c = np.zeros((B, u))
    outs = []
    for t in range(T):
        xt = x[:, t]
        if spec["type"] == "SimpleRNN":
            h = ACTS[spec.get("activation", "tanh")](xt @ k + h @ rk + b)
        elif spec["type"] == "LSTM":
            z = xt @ k + h @ rk + b
            i, f, cc, o = np.split(z, 4, axis=-1)
            c = sigmoid(f) * c + sigmoid(i) * np.tanh(cc)
            h = sigmoid(o) * np.tanh(c)
        elif spec["type"] == "GRU":
            if spec.get("reset_after", True):
                xz, xr, xh = np.split(xt @ k + b[0], 3, axis=-1)
                hz, hr, hh = np.split(h @ rk + b[1], 3, axis=-1)
                z = sigmoid(xz + hz)
                r = sigmoid(xr + hr)
                cand = np.tanh(xh + r * hh)
            else:
                xz, xr, xh = np.split(xt @ k + b, 3, axis=-1)
                uz, ur, uh = np.split(rk, 3, axis=-1)
                z = sigmoid(xz + h @ uz)
                r = sigmoid(xr + h @ ur)
                cand = np.tanh(xh + (r * h) @ uh)
            h = z * h + (1.0 - z) * cand
        outs.append(h)
    return np.stack(outs, axis=1)


def np_model(name, per_layer, x):
    y = x.astype(np.float64)
    for spec, dirs in zip(MODELS[name], per_layer):
        if spec.get("bidirectional"):
            fwd = np_rnn(spec, dirs[0], y)
            bwd = np_rnn(dict(spec, go_backwards=True), dirs[1], y)
            if spec["return_sequences"]:
                bwd = bwd[:, ::-1]  # Bidirectional flips the backward output back
                y = np.concatenate([fwd, bwd], axis=-1)
            else:
                y = np.concatenate([fwd[:, -1], bwd[:, -1]], axis=-1)
        else:
            seq = np_rnn(spec, dirs[0], y)
            y = seq if spec["return_sequences"] else seq[:, -1]
    return y


# ---------------------------------------------------------------------------
# Keras model building (works with keras 3 and tf_keras 2)
# ---------------------------------------------------------------------------


def make_layer(keras, spec):
    kw = dict(return_sequences=spec["return_sequences"], name=spec["name"])
    if spec.get("go_backwards"):
        kw["go_backwards"] = True
    if spec["type"] == "SimpleRNN":
        layer = keras.layers.SimpleRNN(spec["units"], activation=spec.get("activation", "tanh"), **kw)
    elif spec["type"] == "LSTM":
        layer = keras.layers.LSTM(spec["units"], **kw)
    elif spec["type"] == "GRU":
        layer = keras.layers.GRU(spec["units"], reset_after=spec.get("reset_after", True), **kw)
    else:
        raise ValueError(spec["type"])
    if spec.get("bidirectional"):
        layer = keras.layers.Bidirectional(layer, merge_mode=spec["bidirectional"],
                                           name=spec["wrapper_name"])
    return layer


def build_model(keras, name):
    inp = keras.Input(shape=(TIMESTEPS, FEATURES), name="input")
    y = inp
    layers = []
    for spec in MODELS[name]:
        layer = make_layer(keras, spec)
        layers.append(layer)
        y = layer(y)
    model = keras.Model(inp, y, name=name)
    return model, layers


def set_weights(layers, per_layer):
    for layer, dirs in zip(layers, per_layer):
        flat = [a for d in dirs for a in d]
        current = layer.get_weights()
        assert [c.shape for c in current] == [f.shape for f in flat], (
            layer.name, [c.shape for c in current], [f.shape for f in flat])
        layer.set_weights(flat)


def max_diff(a, b):
    return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))


# ---------------------------------------------------------------------------
# Keras 3 mode
# ---------------------------------------------------------------------------


def _renumber_shared_ids(cfg):
    """Keras 3 config.json marks shared objects with `shared_object_id` =
    Python id() (a memory address). Replace them by 1, 2, ... in order of first
    appearance; only equality between ids matters to Keras."""
    mapping = {}

    def walk(o):
        if isinstance(o, dict):
            for k, v in o.items():
                if k == "shared_object_id":
                    o[k] = mapping.setdefault(v, len(mapping) + 1)
                else:
                    walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)
    walk(cfg)
    return cfg


def normalize_keras_zip(path):
    """Make a .keras archive byte-reproducible: fixed zip timestamps, a fixed
    metadata.json date_saved and renumbered config.json shared_object_id
    values. Content otherwise untouched (json.dumps with Keras' own default
    formatting, so an untouched config round-trips byte-identically)."""
    with zipfile.ZipFile(path) as zf:
        entries = [(i.filename, zf.read(i.filename)) for i in zf.infolist()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for fn, data in entries:
            if fn == "metadata.json":
                meta = json.loads(data)
                meta["date_saved"] = "1980-01-01@00:00:00"
                data = json.dumps(meta).encode()
            elif fn == "config.json":
                data = json.dumps(_renumber_shared_ids(json.loads(data))).encode()
            info = zipfile.ZipInfo(fn, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    with open(path, "wb") as f:
        f.write(buf.getvalue())


def write_io(h5py, path, name, x, y, per_layer, model, keras_version, backend, diff):
    specs = MODELS[name]
    with h5py.File(path, "w", track_order=True) as f:
        f.create_dataset("input", data=x)
        f.create_dataset("output", data=y.astype(np.float32))
        f["output"].attrs["source"] = f"keras {keras_version} ({backend}) model.predict(input)"
        g = f.create_group("weights")
        g.attrs["note"] = ("copy of the arrays set with layer.set_weights (not written by "
                           "Keras); kernel (in, g*u), recurrent_kernel (u, g*u), bias")
        for spec, dirs in zip(specs, per_layer):
            lname = spec.get("wrapper_name", spec["name"])
            lg = g.create_group(lname)
            for dname, d in zip(["forward", "backward"] if len(dirs) == 2 else [None], dirs):
                dg = lg.create_group(dname) if dname else lg
                for wname, a in zip(["kernel", "recurrent_kernel", "bias"], d):
                    dg.create_dataset(wname, data=a)
        a = f.attrs
        a["model"] = name
        a["description"] = NOTES[name]
        a["layer_type"] = ",".join(("Bidirectional(" + s["type"] + ")") if s.get("bidirectional")
                                   else s["type"] for s in specs)
        a["layer_names"] = ",".join(s.get("wrapper_name", s["name"]) for s in specs)
        a["units"] = np.array([s["units"] for s in specs], np.int64) if len(specs) > 1 \
            else np.int64(specs[0]["units"])
        a["input_dim"] = np.int64(FEATURES)
        a["timesteps"] = np.int64(TIMESTEPS)
        a["batch"] = np.int64(BATCH)
        a["return_sequences"] = np.int64(specs[-1]["return_sequences"])
        s0 = specs[0]
        if s0["type"] == "SimpleRNN":
            a["activation"] = s0.get("activation", "tanh")
        else:
            a["activation"] = "tanh"
            a["recurrent_activation"] = "sigmoid"
        if any(s["type"] == "GRU" for s in specs):
            a["reset_after"] = np.int64([s for s in specs if s["type"] == "GRU"][0].get("reset_after", True))
        a["go_backwards"] = np.int64(bool(s0.get("go_backwards")))
        if s0.get("bidirectional"):
            a["merge_mode"] = s0["bidirectional"]
        a["seed"] = np.int64(model_seed(name))
        a["weight_scale"] = WEIGHT_SCALE
        a["keras_version"] = keras_version
        a["backend"] = backend
        a["max_abs_diff_numpy"] = diff


def broken_fixtures(keras, h5py, out):
    report = {}
    # 1. GRU .weights.h5 whose bias has the wrong shape
    dst = os.path.join(out, "broken_gru_bias.weights.h5")
    shutil.copyfile(os.path.join(out, "gru_reset_after.weights.h5"), dst)
    with h5py.File(dst, "r+") as f:
        old = f["layers/gru/cell/vars/2"].shape
        del f["layers/gru/cell/vars/2"]
        f.create_dataset("layers/gru/cell/vars/2",
                         data=np.random.default_rng(1).normal(scale=0.5, size=(2, 10)).astype(np.float32))
    report["broken_gru_bias.weights.h5"] = (
        f"copy of gru_reset_after.weights.h5 with layers/gru/cell/vars/2 (bias) {old} -> (2, 10); "
        "kernel (3, 12) and recurrent_kernel (4, 12) are unchanged, so 10 != 3*units")

    # 2. Dense-only model, legacy full-model h5
    inp = keras.Input(shape=(TIMESTEPS, FEATURES), name="input")
    dense = keras.layers.Dense(4, name="dense")
    m = keras.Model(inp, dense(inp), name="no_recurrent")
    rng = np.random.default_rng(2)
    dense.set_weights([rng.normal(scale=0.5, size=w.shape).astype(np.float32) for w in dense.get_weights()])
    m.save(os.path.join(out, "no_recurrent.h5"))
    report["no_recurrent.h5"] = ("legacy full-model h5 of Input(5,3) -> Dense(4) (layer 'dense': "
                                 "kernel (3, 4), bias (4,)); contains no recurrent layer")

    # 3. Bidirectional legacy h5 whose backward weights have another unit count
    dst = os.path.join(out, "bidi_mismatch.h5")
    shutil.copyfile(os.path.join(out, "bidi_lstm.h5"), dst)
    base = "model_weights/bidirectional/bidirectional/backward_lstm/lstm_cell/"
    rng = np.random.default_rng(3)
    with h5py.File(dst, "r+") as f:
        for wn, shape in [("kernel", (3, 20)), ("recurrent_kernel", (5, 20)), ("bias", (20,))]:
            del f[base + wn]
            f.create_dataset(base + wn, data=rng.normal(scale=0.5, size=shape).astype(np.float32))
    report["bidi_mismatch.h5"] = (
        "copy of bidi_lstm.h5; the backward LSTM's kernel/recurrent_kernel/bias were replaced by "
        "a self-consistent units=5 set (3, 20)/(5, 20)/(20,) while forward keeps units=4 "
        "(3, 16)/(4, 16)/(16,) and model_config still says units=4")

    # 4. legacy h5 whose model_config says units=5 while weights have 4
    dst = os.path.join(out, "config_mismatch.h5")
    shutil.copyfile(os.path.join(out, "lstm.h5"), dst)
    with h5py.File(dst, "r+") as f:
        cfg = json.loads(f.attrs["model_config"])
        n = 0
        for layer in cfg["config"]["layers"]:
            if layer["class_name"] == "LSTM":
                assert layer["config"]["units"] == 4
                layer["config"]["units"] = 5
                n += 1
        assert n == 1
        dtype = f.attrs.get_id("model_config").dtype
        f.attrs.modify("model_config", json.dumps(cfg))
        assert f.attrs.get_id("model_config").dtype == dtype
    report["config_mismatch.h5"] = ("copy of lstm.h5 whose model_config LSTM config has "
                                    "\"units\": 5; the weights are still units=4 (3, 16)/(4, 16)/(16,)")
    # sanity: Keras itself refuses the broken ones
    for fn in ["config_mismatch.h5", "bidi_mismatch.h5"]:
        try:
            keras.saving.load_model(os.path.join(out, fn))
        except Exception as e:  # noqa: BLE001
            report[fn] += f". Keras 3 load_model raises {type(e).__name__}"
        else:
            report[fn] += ". (Keras 3 load_model did NOT raise!)"
    m2, layers2 = build_model(keras, "gru_reset_after")
    try:
        m2.load_weights(os.path.join(out, "broken_gru_bias.weights.h5"))
    except Exception as e:  # noqa: BLE001
        report["broken_gru_bias.weights.h5"] += f". Keras 3 load_weights raises {type(e).__name__}"
    else:
        report["broken_gru_bias.weights.h5"] += ". (Keras 3 load_weights did NOT raise!)"
    return report


def run_keras3(out):
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import h5py
    import keras
    from keras.src.legacy.saving import legacy_h5_format

    keras.utils.set_random_seed(0)  # initial (overwritten) weights deterministic too
    backend = keras.backend.backend()
    print(f"keras {keras.__version__}, backend {backend}, h5py {h5py.__version__}, numpy {np.__version__}")
    checks = {}
    for name in MODELS:
        x, per_layer = make_weights(name)
        model, layers = build_model(keras, name)
        set_weights(layers, per_layer)
        y = np.asarray(model.predict(x, verbose=0))
        ref = np_model(name, per_layer, x)
        diff = max_diff(y, ref)
        assert y.shape == ref.shape, (y.shape, ref.shape)
        assert diff < TOLERANCE, (name, diff)

        p = lambda ext: os.path.join(out, name + ext)  # noqa: E731
        model.save_weights(p(".weights.h5"))
        model.save(p(".keras"))
        normalize_keras_zip(p(".keras"))
        model.save(p(".h5"))
        with h5py.File(p(".legacy_weights.h5"), "w") as f:
            legacy_h5_format.save_weights_to_hdf5_group(f, model)
        write_io(h5py, p(".io.h5"), name, x, y, per_layer, model, keras.__version__, backend, diff)

        # reload every layout with Keras itself and compare predictions
        reload = {}
        m = keras.saving.load_model(p(".keras"))
        reload[".keras"] = max_diff(m.predict(x, verbose=0), y)
        m = keras.saving.load_model(p(".h5"))
        reload[".h5"] = max_diff(m.predict(x, verbose=0), y)
        m, _ = build_model(keras, name)
        m.load_weights(p(".weights.h5"))
        reload[".weights.h5"] = max_diff(m.predict(x, verbose=0), y)
        m, _ = build_model(keras, name)
        with h5py.File(p(".legacy_weights.h5"), "r") as f:
            legacy_h5_format.load_weights_from_hdf5_group(f, m)
        reload[".legacy_weights.h5"] = max_diff(m.predict(x, verbose=0), y)
        assert all(v == 0.0 for v in reload.values()), (name, reload)
        checks[name] = dict(keras_vs_numpy=diff, reload=reload, shape=list(y.shape))
        print(f"  {name:18s} out {str(y.shape):12s} max|keras - numpy| = {diff:.3e}   "
              f"reloads (.keras/.h5/.weights.h5/.legacy_weights.h5) identical")

    report = broken_fixtures(keras, h5py, out)
    for k, v in report.items():
        print(f"  {k}: {v}")
    info = dict(keras=keras.__version__, backend=backend, h5py=h5py.__version__,
                numpy=np.__version__, python=sys.version.split()[0],
                jax=__import__("jax").__version__ if backend == "jax" else None,
                checks=checks, broken=report)
    with open(os.path.join(out, "crosscheck_keras3.json"), "w") as f:
        json.dump(info, f, indent=1, sort_keys=True)
        f.write("\n")


# ---------------------------------------------------------------------------
# Keras 2 mode (tf-keras)
# ---------------------------------------------------------------------------


def run_keras2(out):
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import h5py
    import tensorflow as tf
    import tf_keras as keras

    tf.random.set_seed(0)
    print(f"tf-keras {keras.__version__}, tensorflow {tf.__version__}, h5py {h5py.__version__}")
    checks = {}
    for name in MODELS:
        x, per_layer = make_weights(name)
        model, layers = build_model(keras, name)
        set_weights(layers, per_layer)
        y = np.asarray(model.predict(x, verbose=0))
        ref = np_model(name, per_layer, x)
        diff = max_diff(y, ref)
        assert diff < TOLERANCE, (name, diff)
        io_path = os.path.join(out, name + ".io.h5")
        vs3 = None
        if os.path.exists(io_path):
            with h5py.File(io_path, "r") as f:
                assert np.array_equal(f["input"][()], x)
                vs3 = max_diff(f["output"][()], y)
                assert vs3 < TOLERANCE, (name, vs3)
        model.save(os.path.join(out, name + ".keras2.h5"))  # full model, HDF5
        model.save_weights(os.path.join(out, name + ".keras2_weights.h5"))  # .h5 -> HDF5
        m = keras.models.load_model(os.path.join(out, name + ".keras2.h5"))
        r1 = max_diff(m.predict(x, verbose=0), y)
        m, _ = build_model(keras, name)
        m.load_weights(os.path.join(out, name + ".keras2_weights.h5"))
        r2 = max_diff(m.predict(x, verbose=0), y)
        assert r1 == 0.0 and r2 == 0.0
        checks[name] = dict(keras_vs_numpy=diff, keras2_vs_keras3_io=vs3)
        print(f"  {name:18s} max|tf-keras - numpy| = {diff:.3e}   "
              f"max|tf-keras - keras3 io.h5 output| = {vs3 if vs3 is None else f'{vs3:.3e}'}")
    info = dict(tf_keras=keras.__version__, tensorflow=tf.__version__, h5py=h5py.__version__,
                numpy=np.__version__, python=sys.version.split()[0], checks=checks)
    with open(os.path.join(out, "crosscheck_keras2.json"), "w") as f:
        json.dump(info, f, indent=1, sort_keys=True)
        f.write("\n")


# ---------------------------------------------------------------------------
# README
# ---------------------------------------------------------------------------


def _attr_repr(h5py, obj, key):
    aid = obj.attrs.get_id(key)
    dt = aid.dtype
    val = obj.attrs[key]
    sinfo = h5py.check_string_dtype(dt)
    if sinfo is not None:
        kind = f"{'vlen' if sinfo.length is None else f'fixed[{sinfo.length}]'} {sinfo.encoding} string"
    else:
        kind = str(dt)
    shape = aid.shape
    if key in ("model_config", "training_config"):
        text = str(val)
        return f"{kind}, shape {shape}, JSON ({len(text)} chars, see below)"
    if isinstance(val, np.ndarray):
        v = [e.decode() if isinstance(e, bytes) else e for e in val.tolist()]
    elif isinstance(val, bytes):
        v = val.decode()
    else:
        v = val.item() if hasattr(val, "item") else val
    return f"{kind}, shape {shape} = {v!r}"


def dump_h5(h5py, path):
    lines = []
    with h5py.File(path, "r") as f:
        def attrs(obj, indent):
            for k in obj.attrs:
                lines.append(f"{indent}@{k}: {_attr_repr(h5py, obj, k)}")
        lines.append("/")
        attrs(f, "    ")

        def visit(n, o):
            if isinstance(o, h5py.Dataset):
                layout = {0: "compact", 1: "contiguous", 2: "chunked"}.get(
                    o.id.get_create_plist().get_layout(), "other")
                filters = f", filters {o.compression}" if o.compression else ""
                lines.append(f"{n}  dataset {o.dtype} {o.shape} {layout}{filters}")
            else:
                lines.append(f"{n}/")
            attrs(o, "    ")
        f.visititems(visit)
    return "\n".join(lines)


def _names(v):
    return [e.decode() if isinstance(e, bytes) else str(e) for e in np.atleast_1d(v).tolist()]


def weight_paths(h5py, path):
    """Weight datasets in Keras order: legacy files via layer_names then
    weight_names; Keras 3 files via visititems (vars/0, 1, 2 sort correctly)."""
    res = []
    with h5py.File(path, "r") as f:
        root = f["model_weights"] if "model_weights" in f else f
        if "layer_names" in root.attrs:
            prefix = "model_weights/" if root is not f else ""
            for lname in _names(root.attrs["layer_names"]):
                wn = root[lname].attrs["weight_names"]
                for w_ in (_names(wn) if np.asarray(wn).dtype != np.float64 else []):
                    d = root[lname][w_]
                    res.append((prefix + lname + "/" + w_, d.shape, str(d.dtype)))
        else:
            f.visititems(lambda n, o: res.append((n, o.shape, str(o.dtype)))
                         if isinstance(o, h5py.Dataset) else None)
    return res


def write_readme(out):
    import h5py

    def load(fn):
        p = os.path.join(out, fn)
        return json.load(open(p)) if os.path.exists(p) else None

    k3, k2 = load("crosscheck_keras3.json"), load("crosscheck_keras2.json")
    files = sorted(fn for fn in os.listdir(out) if fn != "README.md")
    W = []
    w = W.append
    w("# Keras recurrent-layer fixtures\n")
    w("Generated by `scripts/make_keras_fixtures.py` (this README too: do not edit by hand, "
      "re-run the script). Weights and inputs are deterministic (numpy `default_rng` seeded with "
      f"`crc32(model name)`); every weight, biases included, is drawn from N(0, {WEIGHT_SCALE}²) so "
      f"gates are not saturated. All models: batch {BATCH}, timesteps {TIMESTEPS}, input dim {FEATURES}, "
      "Functional models `Input(shape=(5, 3), name='input') -> layers`, model name = fixture name, "
      "layer names fixed (`simple_rnn`, `lstm`, `gru`, `bidirectional`).\n")
    w("## Regenerate\n")
    w("```sh\ncd <repo root>\npython3 -m venv /tmp/kerasenv\n"
      "/tmp/kerasenv/bin/pip install -r scripts/requirements-keras.txt\n"
      "KERAS_BACKEND=jax /tmp/kerasenv/bin/python scripts/make_keras_fixtures.py\n"
      "# optional real Keras 2 files (see the tf-keras pins in scripts/requirements-keras.txt):\n"
      "python3 -m venv /tmp/tfenv\n"
      "/tmp/tfenv/bin/pip install tensorflow-cpu==TFVER tensorflow==TFVER tf-keras==TFVER h5py==H5VER numpy==NPVER\n"
      "TF_USE_LEGACY_KERAS=1 /tmp/tfenv/bin/python scripts/make_keras_fixtures.py --keras2\n"
      "/tmp/kerasenv/bin/python scripts/make_keras_fixtures.py --readme-only   # refresh this README\n```\n"
      .replace("TFVER", (k2 or {}).get("tf_keras", "2.x"))
      .replace("H5VER", (k2 or {}).get("h5py", "3.x")).replace("NPVER", (k2 or {}).get("numpy", "2.x")))
    w("## Versions\n")
    if k3:
        w(f"* Keras 3 files: keras {k3['keras']} (backend {k3['backend']}, jax {k3['jax']}), "
          f"h5py {k3['h5py']}, numpy {k3['numpy']}, Python {k3['python']}")
    if k2:
        w(f"* Keras 2 files: tf-keras {k2['tf_keras']}, tensorflow {k2['tensorflow']}, "
          f"h5py {k2['h5py']}, numpy {k2['numpy']}, Python {k2['python']}")
    else:
        w("* Keras 2 files: not generated (no `--keras2` run)")
    w("")
    w("## Models\n")
    w("| model | layers | output shape | max abs diff Keras 3 vs numpy | max abs diff tf-keras vs numpy | tf-keras vs Keras 3 |")
    w("| --- | --- | --- | --- | --- | --- |")
    for name in MODELS:
        c3 = (k3 or {}).get("checks", {}).get(name, {})
        c2 = (k2 or {}).get("checks", {}).get(name, {})
        f = lambda v: "—" if v is None else f"{v:.2e}"  # noqa: E731
        w(f"| `{name}` | {NOTES[name]} | {tuple(c3.get('shape', []))} | {f(c3.get('keras_vs_numpy'))} | "
          f"{f(c2.get('keras_vs_numpy'))} | {f(c2.get('keras2_vs_keras3_io'))} |")
    w("\nThe numpy reference (float64) is in the script, with the formulas in its docstring: "
      "LSTM gate blocks i, f, c, o; GRU z, r, h; `h = z*h_prev + (1-z)*h~`; reset_after=True uses "
      "bias (2, 3u) = [input bias; recurrent bias] and `h~ = tanh(x W_h + b_in_h + r*(h U_h + b_rec_h))`; "
      "reset_after=False uses bias (3u,) and `h~ = tanh(x W_h + b_h + (r*h) U_h)`. Activation tanh, "
      "recurrent activation sigmoid (Keras 3 and tf.keras 2 default; *Keras 2.2.x defaulted to "
      "hard_sigmoid*). The script also reloads every file with Keras itself and checks the "
      "predictions are identical.\n")
    w("**go_backwards** (`gru_go_backwards`): Keras reverses the input and, with return_sequences=True, "
      "returns the outputs in *processing order*: `output[:, t]` is the state after consuming "
      "`input[:, T-1-t]`, so `output[:, -1]` is the final state (after `input[:, 0]`). It is **not** "
      "flipped back. `Bidirectional` on the other hand flips its backward sequence back to input time "
      "order before concatenating `[forward, backward]` on the last axis.\n")
    w("## Files per model\n")
    w("| suffix | written by | layout |")
    w("| --- | --- | --- |")
    w("| `.weights.h5` | Keras 3 `model.save_weights(path)` | native Keras 3 weights (`layers/<snake_case_class>/cell/vars/<i>`) |")
    w("| `.keras` | Keras 3 `model.save(path)` | zip: `metadata.json`, `config.json`, `model.weights.h5` (same layout as `.weights.h5`). The script rewrites the zip with fixed timestamps, `date_saved = 1980-01-01@00:00:00` and `shared_object_id` values (originally Python `id()`s) renumbered 1, 2, … so it is byte-reproducible; entries are stored (no compression) |")
    w("| `.h5` | Keras 3 `model.save('x.h5')` | legacy Keras-2-style full model: root attrs `model_config` etc., group `model_weights/` |")
    w("| `.legacy_weights.h5` | Keras 3 `keras.src.legacy.saving.legacy_h5_format.save_weights_to_hdf5_group(h5py.File(path,'w'), model)` | legacy save_weights layout: layer groups at the file root, no `model_config`. (Keras 3's public `save_weights` only accepts `.weights.h5`, so this private helper is how Keras 3 writes this layout) |")
    w("| `.keras2.h5` | tf-keras 2 `model.save('x.h5')` | real Keras 2 full model (weight names end in `:0`) |")
    w("| `.keras2_weights.h5` | tf-keras 2 `model.save_weights('x.h5')` | real Keras 2 save_weights layout |")
    w("| `.io.h5` | this script (h5py) | `input` (batch, time, features) float32, `output` float32 = Keras 3 `model.predict(input)`, `weights/<layer>[/forward|backward]/{kernel,recurrent_kernel,bias}` = copy of the arrays that were set, root attrs below |")
    w("")
    w("`.io.h5` root attributes: `model`, `description`, `layer_type` (e.g. `LSTM`, `Bidirectional(LSTM)`, "
      "`LSTM,GRU`), `layer_names`, `units` (int64, or int64 array for `stacked`), `input_dim`, `timesteps`, "
      "`batch`, `return_sequences` (0/1), `activation`, `recurrent_activation` (LSTM/GRU), `reset_after` "
      "(GRU models, 0/1), `go_backwards` (0/1), `merge_mode` (bidi), `seed`, `weight_scale`, "
      "`keras_version`, `backend`, `max_abs_diff_numpy`.\n")
    w("## Weight dataset paths (all models, all layouts)\n")
    w("Shapes in parentheses; all weights float32. Within each layer the order is kernel, recurrent_kernel, "
      "bias (Keras 3 `vars/0,1,2`; legacy `weight_names` order). Legacy files are listed here in "
      "`layer_names` / `weight_names` order (dataset path = `[model_weights/]<layer name>/<weight name>`); "
      "HDF5 itself lists group members alphabetically (bias before kernel), so a reader must follow "
      "`weight_names` (legacy) or the numeric `vars/<i>` names (Keras 3), never listing order.\n")
    suffixes = [".weights.h5", ".h5", ".legacy_weights.h5", ".keras2.h5", ".keras2_weights.h5"]
    for name in MODELS:
        w(f"### `{name}`\n")
        w("```")
        for suf in suffixes:
            p = os.path.join(out, name + suf)
            if not os.path.exists(p):
                continue
            w(f"{name}{suf}:")
            for n, shape, dt in weight_paths(h5py, p):
                w(f"  {n}  {shape}")
        with zipfile.ZipFile(os.path.join(out, name + ".keras")) as zf:
            w(f"{name}.keras -> model.weights.h5: same paths as {name}.weights.h5")
        w("```\n")
    w("## Full HDF5 dumps (h5py `visititems`, with attributes and their HDF5 types)\n")
    w("Attribute notes: in the legacy files (Keras 3 and tf-keras alike), `layer_names` / `weight_names` are arrays of "
      "variable-length strings and a layer **without** weights has `weight_names` as an empty float64 "
      "array (shape (0,)); root `model_config` is a scalar variable-length string holding JSON. "
      "Attributes longer than 64 KB would be split into `<name>0`, `<name>1`, … (not the case here). "
      "Keras 3 `.weights.h5` groups have a `name` attribute only on `vars` groups; the group path uses "
      "the snake_case class name (`lstm`, `gru`, `simple_rnn`, `bidirectional`, `input_layer`), not the "
      "layer name, and datasets are named `0`, `1`, `2`. Scalar string attributes written from a Python `str` "
      "are variable-length (utf-8 or ascii character set as shown). All weight datasets are little-endian "
      "float32, contiguous, unfiltered.\n")
    w("**Layer order in Keras 3 `.weights.h5`**: the file does not record it (no creation-order "
      "tracking; `layers/` lists `gru, input_layer, lstm` for `stacked`). Only the unique-name suffix "
      "orders layers of the *same* class (`lstm`, `lstm_1`, …, in model order); the order across "
      "classes comes from the model config (`config.json` in a `.keras` archive) or from the caller. "
      "Legacy files record it in `layer_names` (which includes the weightless `input` layer). "
      "In a Keras 3 Bidirectional the directions are `forward_layer` / `backward_layer`; in legacy "
      "files they are `forward_<inner name>` / `backward_<inner name>`.\n")
    dump_set = ["lstm", "bidi_lstm", "stacked", "gru_reset_before"]
    for name in dump_set:
        for suf in suffixes:
            p = os.path.join(out, name + suf)
            if os.path.exists(p):
                w(f"### `{name}{suf}`\n")
                w("```")
                w(dump_h5(h5py, p))
                w("```\n")
    w("(the other models follow the same pattern; their weight paths are listed above)\n")
    w("### `model_config` of `lstm.h5` (Keras 3) \n")
    with h5py.File(os.path.join(out, "lstm.h5"), "r") as f:
        w("```json\n" + json.dumps(json.loads(f.attrs["model_config"]), indent=1) + "\n```\n")
    if os.path.exists(os.path.join(out, "lstm.keras2.h5")):
        w("### `model_config` of `lstm.keras2.h5` (tf-keras 2)\n")
        with h5py.File(os.path.join(out, "lstm.keras2.h5"), "r") as f:
            w("```json\n" + json.dumps(json.loads(f.attrs["model_config"]), indent=1) + "\n```\n")
    w("## `.keras` archive contents\n")
    with zipfile.ZipFile(os.path.join(out, "bidi_lstm.keras")) as zf:
        w("`bidi_lstm.keras`:\n")
        w("```")
        for i in zf.infolist():
            w(f"{i.filename:18s} {i.file_size:7d} bytes  {'stored' if i.compress_type == 0 else 'deflated'}")
        w("```\n")
        w("`metadata.json`: `" + zf.read("metadata.json").decode() + "`\n")
        w("`config.json` (Keras 3 serialization: `module`, `class_name`, `config`, `registered_name`, "
          "`build_config`, …; the Bidirectional layer's inner `layer` and `backward_layer` configs are nested):\n")
        w("```json\n" + json.dumps(json.loads(zf.read("config.json")), indent=1) + "\n```\n")
    w("## Broken fixtures (for error tests)\n")
    for k, v in ((k3 or {}).get("broken") or {}).items():
        w(f"* `{k}`: {v}.")
    w("")
    w("## Not done / limits\n")
    if not k2:
        w("* Real Keras 2 files were not generated.")
    w("* `.keras` archives are post-processed (zip timestamps, `metadata.json` `date_saved`, `config.json` "
      "`shared_object_id`s) for "
      "reproducibility; everything else is exactly as Keras wrote it. Keras 3 `.h5` files embed "
      "`keras_version`/`backend` attrs, so a different Keras version changes bytes.")
    w("* Keras 3 always names the legacy weights by variable path **without** `:0` "
      "(e.g. `lstm/lstm_cell/kernel`); only the tf-keras files have `:0` suffixes.\n")
    w("## All files\n")
    w("| file | bytes |")
    w("| --- | --- |")
    total = 0
    for fn in files:
        sz = os.path.getsize(os.path.join(out, fn))
        total += sz
        w(f"| `{fn}` | {sz} |")
    w(f"\nTotal (without README): {total} bytes.\n")
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write("\n".join(W))
    print(f"wrote README.md ({len(files)} files, {total} bytes)")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(here), "fixtures", "keras"))
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--keras2", action="store_true", help="write real Keras 2 files with tf-keras")
    g.add_argument("--readme-only", action="store_true", help="only regenerate README.md")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if args.keras2:
        run_keras2(args.out)
    elif not args.readme_only:
        run_keras3(args.out)
    write_readme(args.out)


if __name__ == "__main__":
    main()
