"""Independent reference for the model zoo: rebuilds a network in PyTorch from
a small JSON spec, loads the TF-Slim-named weights (HWIO) from a safetensors
file, runs the input in eval mode and writes the logits.

usage: torch_reference.py SPEC.json WEIGHTS.safetensors OUT.f32

Only Debian's python3-torch (and numpy) are needed; it is a test tool, never a
runtime dependency of the toolkit.
"""
import json
import math
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(2)


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    data = raw[8 + n :]
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        assert e["dtype"] == "F32", e
        b, t = e["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[b:t], dtype="<f4").reshape(e["shape"]).copy())
    return out


def conv_weight(w):
    # TF HWIO -> PyTorch OIHW
    return w.permute(3, 2, 0, 1).contiguous()


def same_pad(size, k, s):
    out = math.ceil(size / s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def tf_max_pool_same(x, k, s):
    ph = same_pad(x.shape[2], k, s)
    pw = same_pad(x.shape[3], k, s)
    x = F.pad(x, (pw[0], pw[1], ph[0], ph[1]), value=float("-inf"))
    return F.max_pool2d(x, k, s)


def vgg(spec, W, x):
    scope = spec["scope"]
    for b, block in enumerate(spec["blocks"]):
        for l, layer in enumerate(block):
            k = layer["kernel"] if isinstance(layer, dict) else 3
            name = f"{scope}/conv{b + 1}/conv{b + 1}_{l + 1}"
            x = F.relu(F.conv2d(x, conv_weight(W[name + "/weights"]), W[name + "/biases"], padding=k // 2))
            if b == 0 and l == 0 and spec.get("lrnAfterFirstConv"):
                x = F.local_response_norm(x, size=5, alpha=1e-4, beta=0.75, k=2.0)
        x = F.max_pool2d(x, 2, 2)
    widths = spec["fcUnits"] + [spec["numClasses"]]
    first = 8 - len(widths) + 1
    for i, _ in enumerate(widths):
        name = f"{scope}/fc{first + i}"
        x = F.conv2d(x, conv_weight(W[name + "/weights"]), W[name + "/biases"])
        if i < len(widths) - 1:
            x = F.relu(x)
    return x.flatten(1)


def conv_bn(W, name, x, stride, relu):
    w = conv_weight(W[name + "/weights"])
    k = w.shape[2]
    if stride == 1:
        x = F.conv2d(x, w, padding=k // 2)
    else:
        total = k - 1
        x = F.pad(x, (total // 2, total - total // 2, total // 2, total - total // 2))
        x = F.conv2d(x, w, stride=stride)
    bn = name + "/BatchNorm"
    x = F.batch_norm(x, W[bn + "/moving_mean"], W[bn + "/moving_variance"], W[bn + "/gamma"], W[bn + "/beta"], False, 0.0, 1e-5)
    return F.relu(x) if relu else x


def resnet(spec, W, x):
    scope = spec["scope"]
    x = conv_bn(W, f"{scope}/conv1", x, 2, True)
    x = tf_max_pool_same(x, 3, 2)
    depth_in = 64
    for b, block in enumerate(spec["blocks"]):
        for u in range(block["units"]):
            stride = block["stride"] if u == block["units"] - 1 else 1
            depth = block["baseDepth"] * 4
            s = f"{scope}/block{b + 1}/unit_{u + 1}/bottleneck_v1"
            if depth == depth_in:
                shortcut = x[:, :, ::stride, ::stride] if stride > 1 else x
            else:
                shortcut = conv_bn(W, s + "/shortcut", x, stride, False)
            r = conv_bn(W, s + "/conv1", x, 1, True)
            r = conv_bn(W, s + "/conv2", r, stride, True)
            r = conv_bn(W, s + "/conv3", r, 1, False)
            x = F.relu(shortcut + r)
            depth_in = depth
    x = x.mean(dim=(2, 3), keepdim=True)
    x = F.conv2d(x, conv_weight(W[f"{scope}/logits/weights"]), W[f"{scope}/logits/biases"])
    return x.flatten(1)


# The MobileNet paper's Table 1: (stride, output depth) of the full conv and
# the 13 depthwise-separable layers that follow.
MOBILENET_V1_TABLE = [(2, 32)] + [(1, 64), (2, 128), (1, 128), (2, 256), (1, 256), (2, 512)] + [(1, 512)] * 5 + [(2, 1024), (1, 1024)]


def tf_same(x, k, s):
    """TF's SAME padding (the extra pixel at the bottom/right) as an explicit pad."""
    ph = same_pad(x.shape[2], k, s)
    pw = same_pad(x.shape[3], k, s)
    return F.pad(x, (pw[0], pw[1], ph[0], ph[1]))


def bn_relu6(W, name, x):
    bn = name + "/BatchNorm"
    x = F.batch_norm(x, W[bn + "/moving_mean"], W[bn + "/moving_variance"], W[bn + "/gamma"], W[bn + "/beta"], False, 0.0, 1e-3)
    return torch.clamp(x, 0.0, 6.0)


def mobilenet_v1(spec, W, x):
    depth = lambda d: max(int(d * spec["multiplier"]), 8)
    for i, (stride, d) in enumerate(MOBILENET_V1_TABLE):
        name = f"MobilenetV1/Conv2d_{i}"
        if i == 0:
            x = F.conv2d(tf_same(x, 3, stride), conv_weight(W[name + "/weights"]), stride=stride)
            x = bn_relu6(W, name, x)
            continue
        dw = W[name + "_depthwise/depthwise_weights"]  # [kh, kw, in, multiplier]
        channels, mult = dw.shape[2], dw.shape[3]
        w = dw.permute(2, 3, 0, 1).reshape(channels * mult, 1, dw.shape[0], dw.shape[1])
        x = F.conv2d(tf_same(x, 3, stride), w, stride=stride, groups=channels)
        x = bn_relu6(W, name + "_depthwise", x)
        pw = conv_weight(W[name + "_pointwise/weights"])
        assert pw.shape[0] == depth(d), (name, pw.shape, depth(d))
        x = bn_relu6(W, name + "_pointwise", F.conv2d(x, pw))
    x = x.mean(dim=(2, 3), keepdim=True)
    name = "MobilenetV1/Logits/Conv2d_1c_1x1"
    x = F.conv2d(x, conv_weight(W[name + "/weights"]), W[name + "/biases"])
    return x.flatten(1)


def conv_same(W, name, x, stride, bias):
    """TF-Slim's conv2d_same: explicit padding when strided, SAME otherwise."""
    w = conv_weight(W[name + "/weights"])
    k = w.shape[2]
    b = W[name + "/biases"] if bias else None
    if stride == 1:
        return F.conv2d(x, w, b, padding=k // 2)
    total = k - 1
    x = F.pad(x, (total // 2, total - total // 2, total // 2, total - total // 2))
    return F.conv2d(x, w, b, stride=stride)


def bn_relu(W, bn, x):
    x = F.batch_norm(x, W[bn + "/moving_mean"], W[bn + "/moving_variance"], W[bn + "/gamma"], W[bn + "/beta"], False, 0.0, 1e-5)
    return F.relu(x)


def resnet_v2(spec, W, x):
    scope = spec["scope"]
    x = conv_same(W, f"{scope}/conv1", x, 2, True)
    x = tf_max_pool_same(x, 3, 2)
    depth_in = 64
    for b, block in enumerate(spec["blocks"]):
        for u in range(block["units"]):
            stride = block["stride"] if u == block["units"] - 1 else 1
            depth = block["baseDepth"] * 4
            s = f"{scope}/block{b + 1}/unit_{u + 1}/bottleneck_v2"
            preact = bn_relu(W, s + "/preact", x)
            if depth == depth_in:
                shortcut = x[:, :, ::stride, ::stride] if stride > 1 else x
            else:
                shortcut = conv_same(W, s + "/shortcut", preact, stride, True)
            r = bn_relu(W, s + "/conv1/BatchNorm", conv_same(W, s + "/conv1", preact, 1, False))
            r = bn_relu(W, s + "/conv2/BatchNorm", conv_same(W, s + "/conv2", r, stride, False))
            r = conv_same(W, s + "/conv3", r, 1, True)
            x = shortcut + r
            depth_in = depth
    x = bn_relu(W, f"{scope}/postnorm", x)
    x = x.mean(dim=(2, 3), keepdim=True)
    x = F.conv2d(x, conv_weight(W[f"{scope}/logits/weights"]), W[f"{scope}/logits/biases"])
    return x.flatten(1)


def alexnet_v2(spec, W, x):
    def conv(name, x, stride=1, pad=None, relu=True):
        w = conv_weight(W[f"alexnet_v2/{name}/weights"])
        x = F.conv2d(x, w, W[f"alexnet_v2/{name}/biases"], stride=stride, padding=w.shape[2] // 2 if pad is None else pad)
        return F.relu(x) if relu else x
    x = F.max_pool2d(conv("conv1", x, 4, 0), 3, 2)
    x = F.max_pool2d(conv("conv2", x), 3, 2)
    x = F.max_pool2d(conv("conv5", conv("conv4", conv("conv3", x))), 3, 2)
    x = conv("fc8", conv("fc7", conv("fc6", x, pad=0)), relu=False)
    return x.flatten(1)


def tf_conv(x, w, stride, padding):
    """A TF conv (SAME: the extra pixel at the bottom/right; VALID: none)."""
    kh, kw = w.shape[2], w.shape[3]
    if padding == "SAME":
        ph, pw = same_pad(x.shape[2], kh, stride), same_pad(x.shape[3], kw, stride)
        x = F.pad(x, (pw[0], pw[1], ph[0], ph[1]))
    return F.conv2d(x, w, stride=stride)


def tf_avg_pool_same(x, k):
    """TF's SAME average pool at stride 1: padding is not counted in the mean."""
    return F.avg_pool2d(x, k, 1, padding=k // 2, count_include_pad=False)


def inception_ops(scope, W, depth, ops, x):
    """A branch (or the stem) of TF-Slim's Inception: convs with scale-free BatchNorm, pools, split pairs."""

    def conv_bn(name, x, op):
        w = conv_weight(W[name + "/weights"])
        assert w.shape[0] == depth(op["depth"]) and list(w.shape[2:]) == op["kernel"], (name, w.shape)
        x = tf_conv(x, w, op.get("stride", 1), op.get("padding", "SAME"))
        bn = name + "/BatchNorm"
        assert bn + "/gamma" not in W, "Inception's BatchNorm has no scale"
        x = F.batch_norm(x, W[bn + "/moving_mean"], W[bn + "/moving_variance"], None, W[bn + "/beta"], False, 0.0, 1e-3)
        return F.relu(x)

    for op in ops:
        if "pool" in op:
            same = op["padding"] == "SAME"
            if op["pool"] == "avg":
                assert same and op["stride"] == 1
                x = tf_avg_pool_same(x, op["size"])
            elif same:
                x = tf_max_pool_same(x, op["size"], op["stride"])
            else:
                x = F.max_pool2d(x, op["size"], op["stride"])
        elif "split" in op:
            x = torch.cat([conv_bn(f"{scope}/{o['conv']}", x, o) for o in op["split"]], 1)
        else:
            x = conv_bn(f"{scope}/{op['conv']}", x, op)
    return x


def inception_layers(scope, W, depth, layers, x):
    for layer in layers:
        if "branches" in layer:
            x = torch.cat([inception_ops(f"{scope}/{layer['name']}/Branch_{b}", W, depth, ops, x) for b, ops in enumerate(layer["branches"])], 1)
        else:
            x = inception_ops(scope, W, depth, [layer], x)
    return x


def inception_logits(W, name, x, window):
    x = F.avg_pool2d(x, min(x.shape[2], window), 1)
    return F.conv2d(x, conv_weight(W[name + "/weights"]), W[name + "/biases"]).flatten(1)


def inception_v3(spec, W, x):
    depth = lambda d: max(int(d * spec.get("multiplier", 1)), 16)
    x = inception_layers("InceptionV3", W, depth, spec["stem"] + spec["blocks"], x)
    return inception_logits(W, "InceptionV3/Logits/Conv2d_1c_1x1", x, 8)


def inception_v1(spec, W, x):
    x = inception_layers("InceptionV1", W, lambda d: d, spec["layers"], x)
    return inception_logits(W, "InceptionV1/Logits/Conv2d_0c_1x1", x, 7)


def inception_v2(spec, W, x):
    """TF-Slim's Inception-V2: a separable 7x7/2 stem with biases and ReLU (no BatchNorm), then the table."""
    depth = lambda d: max(int(d * spec.get("multiplier", 1)), 16)
    stem = "InceptionV2/Conv2d_1a_7x7"
    dw, pw = W[stem + "/depthwise_weights"], W[stem + "/pointwise_weights"]
    assert list(dw.shape) == [7, 7, 3, min(depth(64) // 3, 8)] and pw.shape[3] == depth(64), (dw.shape, pw.shape)
    assert stem + "/BatchNorm/beta" not in W
    # TF's depthwise filter [h, w, in, m] feeds output channel c*m + j from input c.
    ch, m = dw.shape[2], dw.shape[3]
    x = F.conv2d(tf_same(x, 7, 2), dw.permute(2, 3, 0, 1).reshape(ch * m, 1, 7, 7), stride=2, groups=ch)
    x = F.relu(F.conv2d(x, conv_weight(pw), W[stem + "/biases"]))
    x = inception_layers("InceptionV2", W, depth, spec["layers"], x)
    assert x.shape[2] <= 7, x.shape
    return inception_logits(W, "InceptionV2/Logits/Conv2d_1c_1x1", x, x.shape[2])


# The MobileNetV2 paper's Table 2: expansion t, depth c, repeats n, first stride s.
MOBILENET_V2_TABLE = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]


def make_divisible(v, divisor=8):
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def mobilenet_v2(spec, W, x):
    mult = spec["multiplier"]

    def bn(name, x, relu6=True):
        b = name + "/BatchNorm"
        x = F.batch_norm(x, W[b + "/moving_mean"], W[b + "/moving_variance"], W[b + "/gamma"], W[b + "/beta"], False, 0.0, 1e-3)
        return torch.clamp(x, 0.0, 6.0) if relu6 else x

    x = bn("MobilenetV2/Conv", F.conv2d(tf_same(x, 3, 2), conv_weight(W["MobilenetV2/Conv/weights"]), stride=2))
    i = 0
    for t, c, n, s in MOBILENET_V2_TABLE:
        for r in range(n):
            stride = s if r == 0 else 1
            name = "MobilenetV2/expanded_conv" + (f"_{i}" if i else "")
            inp = x
            if t > 1:
                x = bn(name + "/expand", F.conv2d(x, conv_weight(W[name + "/expand/weights"])))
            dw = W[name + "/depthwise/depthwise_weights"]
            ch = dw.shape[2]
            x = F.conv2d(tf_same(x, 3, stride), dw.permute(2, 3, 0, 1).reshape(ch, 1, 3, 3), stride=stride, groups=ch)
            x = bn(name + "/depthwise", x)
            x = bn(name + "/project", F.conv2d(x, conv_weight(W[name + "/project/weights"])), relu6=False)
            assert x.shape[1] == make_divisible(c * mult), (name, x.shape)
            if stride == 1 and inp.shape[1] == x.shape[1]:
                x = x + inp
            i += 1
    x = bn("MobilenetV2/Conv_1", F.conv2d(x, conv_weight(W["MobilenetV2/Conv_1/weights"])))
    x = x.mean(dim=(2, 3), keepdim=True)
    name = "MobilenetV2/Logits/Conv2d_1c_1x1"
    return F.conv2d(x, conv_weight(W[name + "/weights"]), W[name + "/biases"]).flatten(1)


NETWORKS = {"inception_v1": inception_v1, "inception_v2": inception_v2, "mobilenet_v2": mobilenet_v2, "inception_v3": inception_v3, "alexnet_v2": alexnet_v2, "resnet_v2": resnet_v2, "vgg": vgg, "resnet": resnet, "mobilenet_v1": mobilenet_v1}


def main():
    spec = json.load(open(sys.argv[1]))
    W = read_safetensors(sys.argv[2])
    x = W.pop("input").permute(0, 3, 1, 2).contiguous()  # NHWC -> NCHW
    with torch.no_grad():
        out = NETWORKS[spec["kind"]](spec, W, x)
    out.numpy().astype("<f4").tofile(sys.argv[3])


if __name__ == "__main__":
    main()
