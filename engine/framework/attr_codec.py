"""Op attribute values to and from JSON, each tagged with its type so the round trip is exact.

    DType            {"type": "float32"}
    TensorShape      {"shape": [2, null]}   (unknown rank: {"shape": null})
    numpy array      {"tensor": {"dtype", "shape", "tensor_content": base64}}   (strings: "string_val")
    numpy scalar     {"scalar": <the same as a 0-d tensor>}
    bool/int/float   {"b": true}, {"i": 3}, {"f": 0.5}   (non-finite floats as "nan", "inf", "-inf")
    str / bytes      {"s": "SAME"}, {"bytes": base64}
    tuple / list     {"tuple": [...]}, {"list": [...]}   (kernels index with tuples: the kind matters)
    None             {"none": true}
    nested graph     {"graph": {"kind", "meta", "def"}}  (see `register_graph_kind`)

Python functions (py_func's) have no serialisable form: encoding one is a ValueError naming the op.
"""

import base64
import math

import numpy as np

from engine import dtypes
from engine.tensor_shape import TensorShape

# kind -> (class, encode(value) -> (graph, meta), decode(meta, fill) -> value); see register_graph_kind
GRAPH_KINDS = {}
_KIND_OF_CLASS = {}  # class -> its kind (the first registered): one lookup per attr value encoded


def register_graph_kind(kind, cls, encode, decode):
    """Declares how an attr value holding a graph (a FuncGraph of control flow, ...) is serialised.

    `encode(value)` returns the graph to write and a JSON-able `meta` (input/output tensor names, ...);
    `decode(meta, fill)` rebuilds the value: `fill(graph, names=())` imports the written nodes into
    `graph` (a fresh one, made while the enclosing graph being imported into is the default graph)
    and returns the tensors ("x:0") and ops ("x") of `names`, named as they were written: the import
    may rename nodes.
    """
    GRAPH_KINDS[kind] = (cls, encode, decode)
    _KIND_OF_CLASS.clear()
    for known, (known_cls, _, _) in reversed(GRAPH_KINDS.items()):
        _KIND_OF_CLASS[known_cls] = known


def _b64(data):
    return base64.b64encode(data).decode("ascii")


def encode_array(arr):
    arr = np.asarray(arr)
    if arr.dtype == object:
        return {"dtype": "string", "shape": list(arr.shape), "string_val": [_b64(s) for s in arr.reshape(-1)]}
    little = arr.astype(arr.dtype.newbyteorder("<"), copy=False)
    return {"dtype": arr.dtype.name, "shape": list(arr.shape), "tensor_content": _b64(little.tobytes())}


def decode_array(spec):
    """A read-only array, as constants are everywhere in the engine."""
    if spec["dtype"] == "string":
        arr = np.empty(len(spec["string_val"]), dtype=object)
        arr[:] = [base64.b64decode(s) for s in spec["string_val"]]
    else:
        dtype = np.dtype(spec["dtype"])
        raw = np.frombuffer(base64.b64decode(spec["tensor_content"]), dtype=dtype.newbyteorder("<"))
        arr = raw.astype(dtype, copy=False)
    arr = arr.reshape(spec["shape"])
    arr.setflags(write=False)
    return arr


def encode_shape(shape):
    """The tagged JSON form of a TensorShape."""
    dims = shape.as_tuple()
    return {"shape": None if dims is None else list(dims)}


def encode_attr(value, encode_graph, where):
    """The tagged JSON form of one attr value; `encode_graph(graph)` writes a nested graph's def."""
    kind = _KIND_OF_CLASS.get(type(value))
    if kind is not None:
        graph, meta = GRAPH_KINDS[kind][1](value)
        return {"graph": {"kind": kind, "meta": meta, "def": encode_graph(graph)}}
    if value is None:
        return {"none": True}
    if isinstance(value, dtypes.DType):
        return {"type": value.name}
    if isinstance(value, TensorShape):
        return encode_shape(value)
    if isinstance(value, np.ndarray):
        return {"tensor": encode_array(value)}
    if isinstance(value, np.generic):
        return {"scalar": encode_array(value)}
    if isinstance(value, tuple | list):
        tag = "tuple" if isinstance(value, tuple) else "list"
        return {tag: [encode_attr(v, encode_graph, where) for v in value]}
    return _encode_python_scalar(value, where)


def _encode_python_scalar(value, where):
    if isinstance(value, bool):
        return {"b": value}
    if isinstance(value, int):
        return {"i": value}
    if isinstance(value, float):
        return {"f": value if math.isfinite(value) else repr(value)}
    if isinstance(value, str):
        return {"s": value}
    if isinstance(value, bytes):
        return {"bytes": _b64(value)}
    if callable(value):
        raise ValueError(
            f"Cannot serialise {where}: it holds the Python function {value!r}, which a graph def cannot "
            "carry (py_func/numpy_function ops only run in the process that built them)."
        )
    hint = " (register its kind with register_graph_kind)" if hasattr(value, "as_graph_def") else ""
    raise TypeError(f"Cannot serialise {where}: values of type {type(value).__name__} have no graph def form{hint}.")


_DECODERS = {
    "none": lambda v, _: None,
    "type": lambda v, _: dtypes.as_dtype(v),
    "shape": lambda v, _: TensorShape(v),
    "tensor": lambda v, _: decode_array(v),
    "scalar": lambda v, _: decode_array(v)[()],
    "tuple": lambda v, fill: tuple(decode_attr(x, fill) for x in v),
    "list": lambda v, fill: [decode_attr(x, fill) for x in v],
    "b": lambda v, _: bool(v),
    "i": lambda v, _: int(v),
    "f": lambda v, _: float(v),
    "s": lambda v, _: str(v),
    "bytes": lambda v, _: base64.b64decode(v),
    "graph": lambda v, fill: GRAPH_KINDS[v["kind"]][2](v["meta"], lambda g, names=(): fill(g, v["def"], names)),
}


def decode_attr(encoded, fill):
    """The attr value of a tagged JSON form; `fill(graph, graph_def, names)` imports a nested graph."""
    ((tag, value),) = encoded.items()
    if tag not in _DECODERS:
        raise ValueError(f"Unknown attr value tag {tag!r} in graph def")
    if tag == "graph" and value["kind"] not in GRAPH_KINDS:
        raise ValueError(f"Unknown nested graph kind {value['kind']!r} in graph def")
    return _DECODERS[tag](value, fill)
