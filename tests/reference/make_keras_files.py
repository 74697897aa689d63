"""Writes the same small model's weights the way each Keras generation does,
with h5py (what Keras itself writes HDF5 with): conv2d (3×3×1×2 + bias),
a weightless max-pooling and flatten, dense (8×3 + bias).

usage: make_keras_files.py OUT_DIR
"""
import io
import json
import sys
import zipfile

import h5py
import numpy as np

out = sys.argv[1]
K = np.arange(18, dtype="f4").reshape(3, 3, 1, 2) / 8
KB = np.array([0.5, -0.5], "f4")
D = np.linspace(-1, 1, 24, dtype="f4").reshape(8, 3)
DB = np.array([1, 2, 3], "f4")


def legacy(g, names_of, *, as_bytes=True, nested=""):
    """layer_names / weight_names as Keras 1-2 and tf.keras write them."""
    enc = (lambda s: s.encode()) if as_bytes else (lambda s: s)
    layers = ["conv2d_1", "max_pooling2d_1", "flatten_1", "dense_1"]
    g.attrs["layer_names"] = [enc(n) for n in layers]
    values = {"conv2d_1": [K, KB], "dense_1": [D, DB]}
    for layer in layers:
        lg = g.create_group(layer)
        names = names_of(layer) if layer in values else []
        # An empty list, as Keras passes it, becomes an empty float64 array in h5py.
        lg.attrs["weight_names"] = [enc(n) for n in names] if names else []
        for n, v in zip(names, values.get(layer, [])):
            lg.create_dataset(n, data=v)


keras1 = lambda l: [f"{l}_W:0", f"{l}_b:0"]
keras2 = lambda l: [f"{l}/kernel:0", f"{l}/bias:0"]

with h5py.File(f"{out}/keras1_weights.h5", "w") as f:  # Keras 1.2 save_weights
    legacy(f, keras1)
with h5py.File(f"{out}/keras1_model.h5", "w") as f:  # Keras 1.2 model.save
    f.attrs["keras_version"] = b"1.2.2"
    f.attrs["model_config"] = json.dumps({"class_name": "Sequential"}).encode()
    legacy(f.create_group("model_weights"), keras1)
    f.create_group("optimizer_weights").attrs["weight_names"] = [b"Adam/iterations:0"]
with h5py.File(f"{out}/keras21_model.h5", "w") as f:  # Keras 2.1 model.save, no optimizer
    f.attrs["keras_version"] = np.bytes_(b"2.1.6")
    f.attrs["backend"] = np.bytes_(b"tensorflow")
    mw = f.create_group("model_weights")
    mw.attrs["keras_version"] = b"2.1.6"
    legacy(mw, keras2)
with h5py.File(f"{out}/keras23_weights.h5", "w") as f:  # Keras 2.3 save_weights, str attrs
    f.attrs["keras_version"] = "2.3.1"
    f.attrs["backend"] = "tensorflow"
    legacy(f, keras2, as_bytes=False)
with h5py.File(f"{out}/tfkeras22_nested.h5", "w") as f:  # tf.keras 2.2: a Sequential inside
    f.attrs["keras_version"] = "2.3.0-tf"
    f.attrs["layer_names"] = [b"input_1", b"sequential"]
    f.create_group("input_1").attrs["weight_names"] = []
    seq = f.create_group("sequential")
    seq.attrs["weight_names"] = [b"conv2d/kernel:0", b"conv2d/bias:0", b"dense/kernel:0", b"dense/bias:0"]
    for n, v in [("conv2d/kernel:0", K), ("conv2d/bias:0", KB), ("dense/kernel:0", D), ("dense/bias:0", DB)]:
        seq.create_dataset(n, data=v)
with h5py.File(f"{out}/keras3_legacy.h5", "w") as f:  # Keras 3 model.save("x.h5")
    f.attrs["keras_version"] = "3.3.3"
    mw = f.create_group("model_weights")
    legacy(mw, lambda l: ["kernel", "bias"], as_bytes=False)
with h5py.File(f"{out}/chunked.h5", "w") as f:  # layer_names split: > 64 KB of names
    legacy(f, keras2)
    names = f.attrs["layer_names"]
    del f.attrs["layer_names"]
    f.attrs["layer_names0"], f.attrs["layer_names1"] = names[:2], names[2:]


def keras3(f):
    """Keras 3 save_weights after fit (Adam): a vars group per object, numbered datasets.

    As saving_lib writes it: the model's own (empty) `vars`, `layers/<name>/vars` for every
    layer (empty for weightless ones), a Dropout's SeedGenerator state (uint32 [2]) under the
    layer, and `optimizer/vars`: the iteration count (int64 scalar), the learning rate
    (float32 scalar), then a momentum and a velocity per trainable variable, in turn.
    """
    f.attrs["metadata"] = json.dumps({"keras_version": "3.3.3"})
    for layer, vals in [("conv2d", [K, KB]), ("max_pooling2d", []), ("dropout", []), ("dense", [D, DB])]:
        v = f.create_group(f"layers/{layer}/vars")
        for i, x in enumerate(vals):
            v.create_dataset(str(i), data=x)
    f.create_group("layers/dropout/seed_generator/vars").create_dataset(
        "0", data=np.array([1337, 0], "u4"))
    f.create_group("vars")
    opt = f.create_group("optimizer/vars")
    opt.create_dataset("0", data=np.array(7, "i8"))
    opt.create_dataset("1", data=np.array(0.001, "f4"))
    for i, x in enumerate([K, KB, D, DB]):
        opt.create_dataset(str(2 + 2 * i), data=(x * 0.1).astype("f4"))
        opt.create_dataset(str(3 + 2 * i), data=(x * x * 0.01).astype("f4"))


with h5py.File(f"{out}/keras3.weights.h5", "w") as f:
    keras3(f)
buf = io.BytesIO()
with h5py.File(buf, "w") as f:
    keras3(f)
with zipfile.ZipFile(f"{out}/model.keras", "w") as z:  # Keras 3 model.save("x.keras")
    z.writestr("metadata.json", json.dumps({"keras_version": "3.3.3"}))
    z.writestr("config.json", json.dumps({"class_name": "Sequential"}))
    z.writestr("model.weights.h5", buf.getvalue())
with zipfile.ZipFile(f"{out}/deflated.keras", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("config.json", "{}")
    z.writestr("model.weights.h5", buf.getvalue())
