#!/usr/bin/env python3
"""Generate small ELMo (bilm-tf layout) variant models and their expected outputs.

Usage: python3 scripts/make_elmo_variant_fixtures.py [--skip-check]

Writes fixtures/elmo-variants/ (relative to the repository root):
  sentences.txt                     6 whitespace-tokenised sentences, one a line
  <variant>/options.json            bilm-tf options
  <variant>/weights.hdf5            bilm-tf weight dump (float32 datasets at the root)
  <variant>/vocab.txt               token_input only
  <variant>/expected.hdf5           dataset "i" = (L+1, n_i, W) float32 for sentence i,
                                    stateless (zero LSTM state per sentence), boundaries removed

The forward pass below is an independent NumPy implementation written from
the rules of bilm-tf's `bilm/model.py` and `bilm/data.py` as the project's format
notes (elmo-formats.md, §1–2) restate them (it imports nothing from bilm-tf or
AllenNLP). Before writing anything it is checked against the real bilm-tf test
model in .cache/reference/elmo/ (fetched by scripts/fetch-reference) with the
stateful fixture protocol; the script stops if the max abs diff is >= 2e-6.

Requires only numpy and h5py. Output is deterministic: fixed seeds, weights are
read back from the written files before computing expectations, HDF5 datasets
are written with track_times=False, files with libver ("v108", "v108") (the HDF5
1.8 format with compact groups; the default "earliest" format spends ~2 KB per
group and would more than double the size; readable by libhdf5 >= 1.8).
"""
import json
import os
import sys

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "elmo-variants")
REF = os.path.join(ROOT, ".cache", "reference", "elmo")
CHECK_TOL = 2e-6
# HDF5 1.8 file format (compact groups): the default "earliest" format spends ~2 KB per group.
LIBVER = ("v108", "v108")

# --------------------------------------------------------------------------
# Sentences (shared by every variant)
# --------------------------------------------------------------------------
SENTENCES = [
    "The garçon from Málaga ordered a café au lait .",
    "Ångström",
    "Doctors call it Pneumonoultramicroscopicsilicovolcanoconiosis-Málaga , a made-up word .",
    "naïve tourists in São Paulo said 東京 is far 😀 !",
    "Le garçon et la fille sont à Málaga , pas à Zürich .",
    "It was the best of times , it was the worst of times .",
]
# Words left out of token_input/vocab.txt so that <UNK> is used.
OOV_WORDS = ["Ångström", "😀"]

# --------------------------------------------------------------------------
# Forward pass (elmo-formats.md §2: bilm-tf's pass), float64 internally
# --------------------------------------------------------------------------
BOS_CHAR, EOS_CHAR, BOW, EOW, PAD = 256, 257, 258, 259, 260


def char_ids(token, max_chars=50):
    """50-slot char code of one token, already shifted by +1 (0 = padding)."""
    if token == "<S>":
        code = [BOW, BOS_CHAR, EOW]
    elif token == "</S>":
        code = [BOW, EOS_CHAR, EOW]
    else:
        b = token.encode("utf-8", "ignore")[: max_chars - 2]  # byte truncation
        code = [BOW] + list(b) + [EOW]
    code = code + [PAD] * (max_chars - len(code))
    return np.asarray(code, dtype=np.int64) + 1


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def clip_value(v):
    """options value -> clip bound or None (omitted/null/0 => no clipping)."""
    return float(v) if v else None


class BiLM:
    """bilm-tf biLM read from options.json + weights.hdf5 (+ vocab.txt for token input)."""

    def __init__(self, options, weights, vocab=None):
        self.options = options
        lstm = options["lstm"]
        self.L = int(lstm.get("n_layers", 1))
        self.D = int(lstm["dim"])
        self.P = int(lstm["projection_dim"])
        self.cell_clip = clip_value(lstm.get("cell_clip"))
        self.proj_clip = clip_value(lstm.get("proj_clip"))
        self.skip = bool(lstm["use_skip_connections"])
        self.bidirectional = bool(options.get("bidirectional", True))
        self.has_proj = self.P < self.D  # BT only adds num_proj when P < D
        self.stats = {"cell_clipped": 0, "cell_total": 0, "proj_clipped": 0, "proj_total": 0}
        w = {k: np.asarray(v, dtype=np.float64) for k, v in weights.items()}

        self.char_input = "char_cnn" in options
        if self.char_input:
            cnn = options["char_cnn"]
            self.max_chars = int(cnn["max_characters_per_token"])
            self.act = {"relu": lambda x: np.maximum(x, 0.0), "tanh": np.tanh}[cnn["activation"]]
            # zero row in front: shifted id 0 = padding
            self.char_table = np.vstack([np.zeros((1, w["char_embed"].shape[1])), w["char_embed"]])
            self.convs = [(w["CNN/W_cnn_%d" % i][0], w["CNN/b_cnn_%d" % i])
                          for i in range(len(cnn["filters"]))]
            for (W, _), (width, n) in zip(self.convs, cnn["filters"]):
                assert W.shape[0] == width and W.shape[2] == n
            n_highway = cnn.get("n_highway") or 0
            self.highways = [tuple(w["CNN_high_%d/%s" % (k, name)]
                                   for name in ("W_carry", "b_carry", "W_transform", "b_transform"))
                             for k in range(n_highway)]
            F = sum(n for _, n in cnn["filters"])
            self.cnn_proj = (w["CNN_proj/W_proj"], w["CNN_proj/b_proj"]) if F != self.P else None
        else:
            # token input: vocab id + 1, zero row in front (row 0 = padding)
            self.vocab = {word: i for i, word in enumerate(vocab)}
            self.unk = self.vocab["<UNK>"]
            self.embedding = np.vstack([np.zeros((1, self.P)), w["embedding"]])
            assert w["embedding"].shape == (len(vocab), self.P)

        self.cells = []  # [direction][layer] = (W_0, B, W_P_0 or None)
        for d in range(2 if self.bidirectional else 1):
            layers = []
            for l in range(self.L):
                pre = "RNN_%d/RNN/MultiRNNCell/Cell%d/LSTMCell/" % (d, l)
                wp = w.get(pre + "W_P_0")
                assert (wp is not None) == self.has_proj, pre
                layers.append((w[pre + "W_0"], w[pre + "B"], wp))
            self.cells.append(layers)
        for name in weights:  # nothing unexpected in the file
            if name.startswith("RNN_"):
                d = int(name[4])
                assert d < len(self.cells), name

    # ---- token embedding ------------------------------------------------
    def token_embedding(self, token):
        if not self.char_input:
            return self.embedding[self.vocab.get(token, self.unk) + 1]
        e = self.char_table[char_ids(token, self.max_chars)]  # (50, E)
        feats = []
        for W, b in self.convs:  # W: (width, E, n); VALID cross-correlation
            width = W.shape[0]
            T = e.shape[0] - width + 1
            y = np.zeros((T, W.shape[2])) + b
            for s in range(width):
                y += e[s:s + T] @ W[s]
            feats.append(self.act(y.max(axis=0)))  # max over time, then activation
        f = np.concatenate(feats)
        for W_carry, b_carry, W_transform, b_transform in self.highways:
            g = sigmoid(f @ W_carry + b_carry)
            t = np.maximum(f @ W_transform + b_transform, 0.0)  # highway is always ReLU
            f = g * t + (1.0 - g) * f
        if self.cnn_proj is not None:
            f = f @ self.cnn_proj[0] + self.cnn_proj[1]
        return f

    # ---- LSTM ---------------------------------------------------------------
    def zero_state(self):
        """state[direction][layer] = (h (P,), c (D,))"""
        return [[(np.zeros(self.P), np.zeros(self.D)) for _ in range(self.L)]
                for _ in range(len(self.cells))]

    def _cell(self, params, x, h, c):
        W, B, WP = params
        z = np.concatenate([x, h]) @ W + B
        D = self.D
        i, j, f, o = z[:D], z[D:2 * D], z[2 * D:3 * D], z[3 * D:]
        c = sigmoid(f + 1.0) * c + sigmoid(i) * np.tanh(j)  # forget bias +1.0 at run time
        if self.cell_clip is not None:
            self.stats["cell_clipped"] += int(np.sum(np.abs(c) > self.cell_clip))
            self.stats["cell_total"] += c.size
            c = np.clip(c, -self.cell_clip, self.cell_clip)
        m = sigmoid(o) * np.tanh(c)
        if WP is None:
            return m, c  # no projection: proj_clip is not applied
        h = m @ WP
        if self.proj_clip is not None:
            self.stats["proj_clipped"] += int(np.sum(np.abs(h) > self.proj_clip))
            self.stats["proj_total"] += h.size
            h = np.clip(h, -self.proj_clip, self.proj_clip)
        return h, c

    def _stack(self, layers, X, state):
        """Run one direction's stack over X (T, P). Returns per-layer outputs and final states."""
        outs, new_state = [], []
        inp = X
        for l, params in enumerate(layers):
            h, c = state[l]
            hs = []
            for t in range(inp.shape[0]):
                h, c = self._cell(params, inp[t], h, c)
                hs.append(h)
            out = np.stack(hs)
            if self.skip and l >= 1:
                out = out + inp  # residual; recurrent state keeps the LSTM's own h
            outs.append(out)
            new_state.append((h, c))
            inp = out
        return outs, new_state

    def run(self, tokens, state=None):
        """One sentence (list of tokens, no markers). Returns ((L+1, n, W) float64, final state)."""
        if state is None:
            state = self.zero_state()
        toks = ["<S>"] + list(tokens) + ["</S>"]
        X = np.stack([self.token_embedding(t) for t in toks])  # (n+2, P)
        f_outs, f_state = self._stack(self.cells[0], X, state[0])
        layers = [X]
        new_state = [f_state]
        if self.bidirectional:
            b_outs, b_state = self._stack(self.cells[1], X[::-1], state[1])
            b_outs = [o[::-1] for o in b_outs]
            new_state.append(b_state)
            layers = [np.concatenate([X, X], axis=1)]
            layers += [np.concatenate([f, b], axis=1) for f, b in zip(f_outs, b_outs)]
        else:
            layers += f_outs
        out = np.stack(layers)[:, 1:-1]  # remove <S>, </S>
        return out, new_state


def load_model(folder, options_name="options.json", weights_name="weights.hdf5"):
    with open(os.path.join(folder, options_name), encoding="utf-8") as fh:
        options = json.load(fh)
    weights = {}
    with h5py.File(os.path.join(folder, weights_name), "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                assert obj.dtype == np.float32, name
                weights[name] = obj[()]
        f.visititems(visit)
    vocab = None
    vocab_path = os.path.join(folder, "vocab.txt")
    if "char_cnn" not in options:
        with open(vocab_path, encoding="utf-8") as fh:
            vocab = fh.read().split("\n")[:-1]
    return BiLM(options, weights, vocab)


# --------------------------------------------------------------------------
# Check against the real bilm-tf fixture (stateful protocol)
# --------------------------------------------------------------------------
def check_reference():
    model = load_model(REF, weights_name="lm_weights.hdf5")
    with open(os.path.join(REF, "sentences.json"), encoding="utf-8") as fh:
        streams = json.load(fh)
    expected = [h5py.File(os.path.join(REF, "lm_embeddings_%d.hdf5" % k), "r")
                for k in range(len(streams))]
    states = [model.zero_state() for _ in streams]  # one state row per stream
    worst = 0.0
    worst_first = 0.0
    for i in range(len(streams[0])):  # batch i = (stream0[i], stream1[i], stream2[i])
        for k, stream in enumerate(streams):
            tokens = stream[i].split()
            out, states[k] = model.run(tokens, states[k])
            top = out[-1].astype(np.float32)
            e = expected[k][str(i)][()]
            ref = np.concatenate([e[0], e[1]], axis=-1)[: len(tokens)]
            assert ref.shape == top.shape, (ref.shape, top.shape)
            diff = float(np.max(np.abs(top.astype(np.float64) - ref.astype(np.float64))))
            worst = max(worst, diff)
            if i == 0:
                worst_first = max(worst_first, diff)
    for f in expected:
        f.close()
    return worst, worst_first


# --------------------------------------------------------------------------
# Variants
# --------------------------------------------------------------------------
BASE_CHAR_CNN = {
    "embedding": {"dim": 4},
    "filters": [[1, 4], [2, 8], [3, 8]],
    "n_highway": 1,
    "n_characters": 262,
    "max_characters_per_token": 50,
    "activation": "relu",
}
BASE_LSTM = {
    "cell_clip": 1,
    "use_skip_connections": True,
    "n_layers": 2,
    "proj_clip": 0.5,
    "projection_dim": 8,
    "dim": 16,
}


def variant(name, seed, doc, lstm=None, char_cnn=None, drop_lstm=(), drop_cnn=(),
            top=None, token_input=False):
    l = dict(BASE_LSTM, **(lstm or {}))
    for k in drop_lstm:
        del l[k]
    options = {"lstm": l}
    if not token_input:
        c = json.loads(json.dumps(BASE_CHAR_CNN))
        c.update(char_cnn or {})
        for k in drop_cnn:
            del c[k]
        options["char_cnn"] = c
    options.update(top or {})
    return {"name": name, "seed": seed, "doc": doc, "options": options,
            "token_input": token_input}


VARIANTS = [
    variant("one_layer", 101,
            "n_layers 1; LSTM names still use `MultiRNNCell/Cell0` (the standard layout).",
            lstm={"n_layers": 1}),
    variant("three_layers_skip", 102,
            "n_layers 3 with skip connections: residual added for layers 1 and 2, never layer 0.",
            lstm={"n_layers": 3}),
    variant("no_skip", 103,
            "n_layers 2, `use_skip_connections: false` (no residual at all).",
            lstm={"use_skip_connections": False}),
    variant("no_projection", 104,
            "`projection_dim == dim == 8`: no `W_P_0` datasets, the LSTM output h is m itself; "
            "`proj_clip` is 0.25 (it would bite if applied) and must be ignored. F=20 != P so "
            "`CNN_proj` exists.",
            lstm={"dim": 8, "proj_clip": 0.25}),
    variant("no_highway", 105,
            "`char_cnn.n_highway` key absent (means 0): no `CNN_high_*` datasets.",
            drop_cnn=("n_highway",)),
    variant("tanh_activation", 106,
            "`char_cnn.activation: \"tanh\"` for the conv features (highway stays ReLU); "
            "`cell_clip` and `proj_clip` keys absent (no clipping).",
            char_cnn={"activation": "tanh"}, drop_lstm=("cell_clip", "proj_clip")),
    variant("unidirectional", 107,
            "top-level `\"bidirectional\": false`: only `RNN_0` datasets; every output layer is P "
            "wide and layer 0 is the token embedding once (not duplicated).",
            top={"bidirectional": False}),
    variant("n_characters_261", 108,
            "`n_characters: 261` as written by bilm-tf `train()` (the file still has 261 "
            "`char_embed` rows; inference adds the zero row regardless) plus training-only keys "
            "(`bidirectional`, `n_tokens_vocab`, `unroll_steps`, `dropout`, `all_clip_norm_val`, "
            "`n_epochs`, `n_train_tokens`, `batch_size`, `n_negative_samples_batch`) that must be "
            "accepted and ignored.",
            char_cnn={"n_characters": 261},
            top={"bidirectional": True, "dropout": 0.1, "all_clip_norm_val": 10.0,
                 "n_epochs": 10, "n_train_tokens": 768648884, "batch_size": 128,
                 "n_tokens_vocab": 793471, "unroll_steps": 20,
                 "n_negative_samples_batch": 8192}),
    variant("token_input", 109,
            "no `char_cnn`: token-level model with an `embedding` dataset (V, P) in weights.hdf5 "
            "(see \"Token-input convention\" below); words of `vocab.txt` minus "
            + ", ".join("\"%s\"" % w for w in OOV_WORDS) + " so `<UNK>` is used.",
            token_input=True),
]


def make_vocab():
    words = ["<S>", "</S>", "<UNK>"]
    for s in SENTENCES:
        for t in s.split():
            if t not in words and t not in OOV_WORDS:
                words.append(t)
    return words


def make_weights(v, vocab):
    """Weights ~ N(0, 0.3^2), drawn from one RNG in a fixed order; float32."""
    rng = np.random.default_rng(v["seed"])
    opts = v["options"]
    lstm = opts["lstm"]
    P, D, L = lstm["projection_dim"], lstm["dim"], lstm["n_layers"]
    w = {}

    def draw(name, shape):
        w[name] = rng.normal(0.0, 0.3, size=shape).astype(np.float32)

    if "char_cnn" in opts:
        cnn = opts["char_cnn"]
        E = cnn["embedding"]["dim"]
        F = sum(n for _, n in cnn["filters"])
        draw("char_embed", (261, E))  # always 261 trained rows
        for i, (width, n) in enumerate(cnn["filters"]):
            draw("CNN/W_cnn_%d" % i, (1, width, E, n))
            draw("CNN/b_cnn_%d" % i, (n,))
        for k in range(cnn.get("n_highway") or 0):
            draw("CNN_high_%d/W_carry" % k, (F, F))
            draw("CNN_high_%d/b_carry" % k, (F,))
            draw("CNN_high_%d/W_transform" % k, (F, F))
            draw("CNN_high_%d/b_transform" % k, (F,))
        if F != P:
            draw("CNN_proj/W_proj", (F, P))
            draw("CNN_proj/b_proj", (P,))
    else:
        draw("embedding", (len(vocab), P))
    for d in range(2 if opts.get("bidirectional", True) else 1):
        for l in range(L):
            pre = "RNN_%d/RNN/MultiRNNCell/Cell%d/LSTMCell/" % (d, l)
            draw(pre + "W_0", (P + P, 4 * D))
            draw(pre + "B", (4 * D,))
            if P < D:
                draw(pre + "W_P_0", (D, P))
    return w


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------
def new_h5(path):
    if os.path.exists(path):
        os.remove(path)
    return h5py.File(path, "w", libver=LIBVER)


def put(f, name, data):
    parent = f
    for part in name.split("/")[:-1]:
        if part not in parent:
            parent.create_group(part)
        parent = parent[part]
    parent.create_dataset(name.split("/")[-1], data=data, track_times=False)


def write_text(path, text):
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def main():
    skip_check = "--skip-check" in sys.argv[1:]
    versions = "numpy %s, h5py %s, HDF5 %s" % (np.__version__, h5py.__version__,
                                              h5py.version.hdf5_version)
    print("versions:", versions)

    # 1. validate the forward pass on the real bilm-tf fixture
    if skip_check:
        check_line = None
        print("reference check skipped (--skip-check)")
    else:
        if not os.path.exists(os.path.join(REF, "lm_weights.hdf5")):
            sys.exit("missing %s: run scripts/fetch-reference first (or pass --skip-check)" % REF)
        worst, worst_first = check_reference()
        print("reference check (stateful, 10 batches x 3 streams, top layer): "
              "max abs diff %.3g (batch 0 only: %.3g)" % (worst, worst_first))
        if not worst < CHECK_TOL:
            sys.exit("reference check FAILED (>= %g)" % CHECK_TOL)
        check_line = "%.3g" % worst

    # 2. generate the variants
    os.makedirs(OUT, exist_ok=True)
    write_text(os.path.join(OUT, "sentences.txt"), "".join(s + "\n" for s in SENTENCES))
    with open(os.path.join(OUT, "sentences.txt"), encoding="utf-8") as fh:
        sentences = [line.split() for line in fh.read().split("\n")[:-1]]
    long_tok = [t for s in sentences for t in s if len(t.encode("utf-8")) > 50]
    assert long_tok and any(t.encode("utf-8")[47] >= 0xC0 for t in long_tok)  # cut mid-character
    assert any(len(s) == 1 for s in sentences)

    rows = []
    for v in VARIANTS:
        folder = os.path.join(OUT, v["name"])
        os.makedirs(folder, exist_ok=True)
        vocab = make_vocab() if v["token_input"] else None
        if vocab is not None:
            v["options"]["n_tokens_vocab"] = len(vocab)
            write_text(os.path.join(folder, "vocab.txt"), "".join(w + "\n" for w in vocab))
        write_text(os.path.join(folder, "options.json"), json.dumps(v["options"], indent=2) + "\n")
        weights = make_weights(v, vocab)
        with new_h5(os.path.join(folder, "weights.hdf5")) as f:
            for name in sorted(weights):
                put(f, name, weights[name])

        model = load_model(folder)  # read back what was written
        outs = [model.run(s)[0].astype(np.float32) for s in sentences]
        with new_h5(os.path.join(folder, "expected.hdf5")) as f:
            for i, o in enumerate(outs):
                put(f, str(i), o)
        st = model.stats
        frac = lambda a, b: "%.1f%%" % (100.0 * st[a] / st[b]) if st[b] else "n/a"
        rows.append((v, outs[0].shape[0], outs[0].shape[2],
                     frac("cell_clipped", "cell_total"), frac("proj_clipped", "proj_total")))
        print("%-18s L+1=%d W=%-2d cell clipped %s, proj clipped %s"
              % (v["name"], rows[-1][1], rows[-1][2], rows[-1][3], rows[-1][4]))

    write_text(os.path.join(OUT, "README.md"), readme(rows, check_line, versions))


def readme(rows, check_line, versions):
    table = "\n".join("| `%s` | %d | %d | %s | %s | %s |" % (v["name"], nl, w, cc, pc, v["doc"])
                      for v, nl, w, cc, pc in rows)
    check = ("max abs diff **%s**" % check_line) if check_line else "(check skipped in the last run)"
    return """# ELMo variant fixtures

Small random bilm-tf models (`options.json` + `weights.hdf5`) that differ from the standard
layout in one respect each, with the expected biLM outputs. Generated by
`scripts/make_elmo_variant_fixtures.py` with an independent NumPy forward pass written from
the rules of bilm-tf's `bilm/model.py` and `bilm/data.py` as
the project's format notes (`elmo-formats.md`, §1–2) restate them (float64 internally, results cast to float32).

## Files

* `sentences.txt`: 6 sentences, one a line, tokens separated by single spaces (split on
  whitespace). They include accented words (`garçon`, `Málaga`, `Zürich`, `São`), CJK and a 4-byte
  emoji, a single-token sentence (`Ångström`, line 1) and a 53-byte token
  (`Pneumonoultramicroscopicsilicovolcanoconiosis-Málaga`) whose truncation to 48 bytes cuts the
  UTF-8 sequence of `á` in half (byte 47 = 0xC3 is kept, 0xA1 is dropped).
* `<variant>/options.json`, `<variant>/weights.hdf5`: the model. All datasets float32 at bilm-tf
  names (`char_embed`, `CNN/W_cnn_i`, `CNN_high_k/...`, `CNN_proj/...`,
  `RNN_d/RNN/MultiRNNCell/Cell<l>/LSTMCell/{W_0,B,W_P_0}`).
* `<variant>/expected.hdf5`: for sentence i (0-based line number) dataset `"i"`, float32, shape
  `(L+1, n_i, W)`, W = 2P (P for `unidirectional`): layer 0 = token embedding (duplicated
  `[x; x]` when bidirectional), layer k = `[forward_k; backward_k]`, `<S>`/`</S>` removed — the
  layout of bilm-tf `dump_bilm_embeddings` / `allennlp elmo --all`. Every sentence is run
  **stateless**: zero LSTM state for each sentence and direction (unlike the bilm-tf/AllenNLP
  fixtures, which carry state between batches).
* `token_input/vocab.txt`: the vocabulary of the token-input model.

Unless the variant says otherwise: E=4, filters `[[1,4],[2,8],[3,8]]` (F=20), n_highway 1, relu,
n_characters 262, max_characters_per_token 50, P=8, D=16, n_layers 2, skip connections on,
cell_clip 1, proj_clip 0.5. Weights are N(0, 0.3²) (fixed seed per variant), so gates do not
saturate; the clip values were chosen so that clipping actually happens (share of clipped
values over all sentences in the table; the real models use 3, which these weights never reach).

| variant | L+1 | W | cell values clipped | projected h clipped | what it tests |
|---|---|---|---|---|---|
%s

## Token-input convention (`token_input`)

* No `char_cnn` section in `options.json`; `n_tokens_vocab` = number of lines of `vocab.txt`.
* `weights.hdf5` holds `embedding` of shape (V, P), V = lines of `vocab.txt`, row k = vocab line k
  (in bilm-tf the same table is read from a separate `embedding_weight_file`; here it is in
  `weights.hdf5`, as `dump_weights` would write it). No `CNN*` datasets.
* `vocab.txt` is UTF-8, one token per line: `<S>`, `</S>`, `<UNK>`, then the words of
  `sentences.txt` in first-occurrence order, except %s.
* Token id = vocab line index + 1, looked up in `[zero row; embedding]` (row 0 = padding), i.e.
  the token embedding is `embedding[line_index]`. Unknown tokens (exact string match fails) map to
  `<UNK>`; the sentence markers are the vocab entries `<S>` and `</S>`. Sentence 1 (`Ångström`)
  is therefore `<S> <UNK> </S>`.

## Check of the forward pass

Before writing, the script runs the real bilm-tf test model that AllenNLP 0.9.0 ships
(`.cache/reference/elmo/`, fetched by `scripts/fetch-reference`) with the fixture protocol:
batch i = (stream0[i], stream1[i], stream2[i]), LSTM state carried per row across the 10
batches, top layer compared with `lm_embeddings_k.hdf5`. Last result: %s (the script fails at
>= 2e-6).

## Regenerating

    python3 scripts/make_elmo_variant_fixtures.py            # needs .cache/reference (scripts/fetch-reference)
    python3 scripts/make_elmo_variant_fixtures.py --skip-check

Needs only numpy and h5py. Output is byte-for-byte reproducible with a given numpy/h5py/HDF5
(datasets written with `track_times=False`, fixed seeds). Generated with %s.

The HDF5 files use the 1.8 file format (`libver=("v108", "v108")`: superblock v2, compact
link storage in v2 object headers) instead of the "earliest" format of the real bilm-tf dumps,
only to keep the folder small (the old symbol-table groups cost ~2 KB each). Any libhdf5 >= 1.8
reads them; checked with libhdf5 1.10.8.
""" % (table, ", ".join("`%s`" % w for w in OOV_WORDS), check, versions)


if __name__ == "__main__":
    main()
