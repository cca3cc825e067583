#!/usr/bin/env python3
"""Writes test/fixtures/models/tiny-test.onnx + tiny-test.json.

A genuine (hand-built, not trained) convolutional graph with toonstream's model contract:
uint8 NHWC [N,H,W,3] in, uint8 NHWC [N,H,W,3] out, any N/H/W. Inside: Cast -> /255 ->
NCHW -> 3x3 depthwise blur (seeded jitter on the weights) -> posterise to 4 levels ->
3x3 Laplacian edge magnitude darkens outlines -> Clip -> NHWC -> x255 -> Cast uint8.
It is a test fixture only: it makes images visibly flatter and outlined, nothing more.

Usage: python scripts/make-test-model.py [OUT_DIR]   (default test/fixtures/models)
       python scripts/make-test-model.py --stand-in DIR
The second form writes a random-weight plain conv net with the compute of a small cartoon
generator (~3.8 GFLOPs at 256x256) for measuring serving overhead at a realistic model cost. Its
output is black-box noise: it is for benchmarks only and is never committed or served as a model.
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

NAME = "tiny-test"
OPSET = 17


def build(seed: int = 7) -> onnx.ModelProto:
    rng = np.random.default_rng(seed)
    # Depthwise 3x3 blur, one kernel per channel, with a little seeded jitter (weights sum to 1).
    blur = np.full((3, 1, 3, 3), 1.0 / 9.0, dtype=np.float32)
    blur += rng.normal(0.0, 0.01, size=blur.shape).astype(np.float32)
    blur /= blur.sum(axis=(2, 3), keepdims=True)
    # Luma Laplacian: 3 input channels -> 1 edge channel.
    lap = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=np.float32)
    luma = np.array([0.299, 0.587, 0.114], dtype=np.float32)
    edge_w = (luma[:, None, None] * lap[None, :, :])[None, :, :, :].astype(np.float32)  # [1,3,3,3]

    inits = [
        numpy_helper.from_array(blur, "blur_w"),
        numpy_helper.from_array(np.zeros(3, np.float32), "blur_b"),
        numpy_helper.from_array(edge_w, "edge_w"),
        numpy_helper.from_array(np.zeros(1, np.float32), "edge_b"),
        numpy_helper.from_array(np.array(1.0 / 255.0, np.float32), "inv255"),
        numpy_helper.from_array(np.array(255.0, np.float32), "c255"),
        numpy_helper.from_array(np.array(4.0, np.float32), "levels"),
        numpy_helper.from_array(np.array(0.125, np.float32), "half_step"),
        numpy_helper.from_array(np.array(3.0, np.float32), "ink"),
        numpy_helper.from_array(np.array(0.0, np.float32), "zero"),
        numpy_helper.from_array(np.array(1.0, np.float32), "one"),
    ]
    nodes = [
        helper.make_node("Cast", ["input"], ["x_f"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["x_f", "inv255"], ["x01"]),
        helper.make_node("Transpose", ["x01"], ["x_nchw"], perm=[0, 3, 1, 2]),
        helper.make_node("Conv", ["x_nchw", "blur_w", "blur_b"], ["blurred"],
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1], group=3),
        # posterise: floor(x * 4) / 4 + 1/8
        helper.make_node("Mul", ["blurred", "levels"], ["scaled"]),
        helper.make_node("Floor", ["scaled"], ["floored"]),
        helper.make_node("Div", ["floored", "levels"], ["stepped"]),
        helper.make_node("Add", ["stepped", "half_step"], ["poster"]),
        helper.make_node("Conv", ["x_nchw", "edge_w", "edge_b"], ["edges"],
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Abs", ["edges"], ["edge_mag"]),
        helper.make_node("Mul", ["edge_mag", "ink"], ["ink_amt"]),
        helper.make_node("Sub", ["poster", "ink_amt"], ["inked"]),  # broadcasts [N,1,H,W]
        helper.make_node("Clip", ["inked", "zero", "one"], ["clipped"]),
        helper.make_node("Transpose", ["clipped"], ["y_nhwc"], perm=[0, 2, 3, 1]),
        helper.make_node("Mul", ["y_nhwc", "c255"], ["y255"]),
        helper.make_node("Round", ["y255"], ["y_round"]),
        helper.make_node("Cast", ["y_round"], ["output"], to=TensorProto.UINT8),
    ]
    graph = helper.make_graph(
        nodes,
        NAME,
        [helper.make_tensor_value_info("input", TensorProto.UINT8, ["N", "H", "W", 3])],
        [helper.make_tensor_value_info("output", TensorProto.UINT8, ["N", "H", "W", 3])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="toonstream-make-test-model")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    return model


def build_float_io() -> onnx.ModelProto:
    """A valid graph that breaks the contract (float32 in/out): the engine must refuse it."""
    graph = helper.make_graph(
        [helper.make_node("Identity", ["input"], ["output"])],
        "float-io",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", "H", "W", 3])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", "H", "W", 3])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def build_stand_in(seed: int = 11, width: int = 16, depth: int = 12) -> onnx.ModelProto:
    rng = np.random.default_rng(seed)
    inits = [numpy_helper.from_array(np.array(1.0 / 255.0, np.float32), "inv255"),
             numpy_helper.from_array(np.array(255.0, np.float32), "c255"),
             numpy_helper.from_array(np.array(0.0, np.float32), "zero"),
             numpy_helper.from_array(np.array(1.0, np.float32), "one")]
    nodes = [helper.make_node("Cast", ["input"], ["x_f"], to=TensorProto.FLOAT),
             helper.make_node("Mul", ["x_f", "inv255"], ["x01"]),
             helper.make_node("Transpose", ["x01"], ["h0"], perm=[0, 3, 1, 2])]
    chans = [3] + [width] * depth + [3]
    for i in range(len(chans) - 1):
        cin, cout = chans[i], chans[i + 1]
        w = rng.normal(0, (2.0 / (9 * cin)) ** 0.5, size=(cout, cin, 3, 3)).astype(np.float32)
        inits += [numpy_helper.from_array(w, f"w{i}"), numpy_helper.from_array(np.zeros(cout, np.float32), f"b{i}")]
        nodes.append(helper.make_node("Conv", [f"h{i}", f"w{i}", f"b{i}"], [f"c{i}"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]))
        act = "Relu" if i < len(chans) - 2 else "Sigmoid"
        nodes.append(helper.make_node(act, [f"c{i}"], [f"h{i + 1}"]))
    last = f"h{len(chans) - 1}"
    nodes += [helper.make_node("Clip", [last, "zero", "one"], ["clipped"]),
              helper.make_node("Transpose", ["clipped"], ["y_nhwc"], perm=[0, 2, 3, 1]),
              helper.make_node("Mul", ["y_nhwc", "c255"], ["y255"]),
              helper.make_node("Round", ["y255"], ["y_round"]),
              helper.make_node("Cast", ["y_round"], ["output"], to=TensorProto.UINT8)]
    graph = helper.make_graph(nodes, "standin-conv16",
                              [helper.make_tensor_value_info("input", TensorProto.UINT8, ["N", "H", "W", 3])],
                              [helper.make_tensor_value_info("output", TensorProto.UINT8, ["N", "H", "W", 3])],
                              initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def write_stand_in(out_dir: str) -> None:
    os.makedirs(out_dir, exist_ok=True)
    model = build_stand_in()
    onnx.save(model, os.path.join(out_dir, "standin-conv16.onnx"))
    convs = [i for i in model.graph.initializer if len(i.dims) == 4]
    params = int(sum(np.prod(i.dims) for i in model.graph.initializer if i.name.startswith(("w", "b"))))
    macs = sum(int(np.prod(i.dims)) for i in convs) * 256 * 256
    c = card(model)
    c.update({"name": "standin-conv16", "style": "none (random weights)", "kind": "hq",
              "description": "Benchmark stand-in with random weights: the compute of a small generator, "
                             "no cartoon look. Never ship or serve it as a model.",
              "files": {"fp32": "standin-conv16.onnx"}, "params": params, "gflopsAt256": round(2 * macs / 1e9, 2)})
    with open(os.path.join(out_dir, "standin-conv16.json"), "w") as f:
        json.dump(c, f, indent=2)
        f.write("\n")
    print(f"wrote standin-conv16.onnx and .json in {out_dir} ({c['gflopsAt256']} GFLOPs at 256x256)")


def card(model: onnx.ModelProto) -> dict:
    params = int(sum(np.prod(i.dims) for i in model.graph.initializer if len(i.dims) == 4))
    # multiply-adds of the two convs per pixel (3*9 depthwise + 1*27 edge), 2 FLOPs each
    gflops = 2 * (3 * 9 + 27) * 256 * 256 / 1e9
    return {
        "name": NAME,
        "style": "test-posterise",
        "kind": "fast",
        "description": "Test fixture, not a product model: hand-set 3x3 convolutions that posterise "
                       "colours and darken edges. Used by toonstream's tests and as the bench fallback.",
        "files": {"fp32": f"{NAME}.onnx"},
        "input": {"layout": "NHWC", "dtype": "uint8", "channels": 3, "multipleOf": 1,
                  "workingShortSide": 256},
        "params": params,
        "gflopsAt256": round(gflops, 4),
        "training": {"data": [], "steps": 0, "imagesSeen": 0, "hardware": "none (hand-set weights)",
                     "wallClockMinutes": 0},
        "metrics": {},
    }


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--stand-in":
        write_stand_in(sys.argv[2])
        return
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "test", "fixtures", "models")
    os.makedirs(out_dir, exist_ok=True)
    model = build()
    onnx.save(model, os.path.join(out_dir, f"{NAME}.onnx"))
    with open(os.path.join(out_dir, f"{NAME}.json"), "w") as f:
        json.dump(card(model), f, indent=2)
        f.write("\n")
    # Not a model card beside it: tests copy it into a temporary models dir to check rejection.
    contract_dir = os.path.join(out_dir, "..", "onnx")
    os.makedirs(contract_dir, exist_ok=True)
    onnx.save(build_float_io(), os.path.join(contract_dir, "float-io.onnx"))
    print(f"wrote {NAME}.onnx, {NAME}.json in {os.path.normpath(out_dir)} and float-io.onnx in {os.path.normpath(contract_dir)}")


if __name__ == "__main__":
    main()
