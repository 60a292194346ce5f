"""Checking `predict` inputs against a signature and turning them into arrays of the signature's dtypes.

Each problem is a `PredictionInputError` that names the input, what the signature expects and what
came: "Input 'x' expects float32 of shape [?, 3]; got string values".
"""

import functools
from dataclasses import replace

import numpy as np

from engine import dtypes
from engine.framework.registry import format_shape
from engine.saved_model.errors import PredictionInputError
from engine.tensor_shape import TensorShape

# numpy kinds a value may have for each kind of signature dtype (an int is a fine float, not vice versa)
_ACCEPTED_KINDS = {"f": "iuf", "i": "iu", "u": "iu", "b": "b"}
_KIND_NAMES = {"f": "float", "i": "integer", "u": "integer", "b": "bool", "U": "string", "S": "string", "c": "complex"}


def describe(info):
    shape = info.tensor_shape
    return f"{info.dtype.name} of " + ("any shape" if shape.ndims is None else f"shape {format_shape(shape)}")


def _error(key, info, what):
    return PredictionInputError(f"Input '{key}' expects {describe(info)}; got {what}")


def _probe(key, info, value):
    """`value` as an array of whatever numpy makes of it: ragged lists are refused here."""
    try:
        return np.asarray(value)
    except ValueError:
        raise _error(key, info, "a ragged list (nested lists of different lengths)") from None


def _strings(key, info, value, probe):
    items = np.asarray(value, dtype=object) if probe.dtype != object else probe
    bad = next((v for v in items.reshape(-1) if not isinstance(v, str | bytes)), None)
    if bad is not None:
        raise _error(key, info, f"the non-string value {bad!r}")
    out = np.empty(items.shape, dtype=object)
    out.reshape(-1)[:] = [v.encode("utf-8") if isinstance(v, str) else v for v in items.reshape(-1)]
    return out


def _numbers(key, info, probe):
    np_dtype = np.dtype(info.dtype.as_numpy_dtype)
    kind = probe.dtype.kind
    if probe.size and kind not in _ACCEPTED_KINDS[np_dtype.kind]:
        what = _KIND_NAMES.get(kind)
        raise _error(key, info, f"{what} values" if what else f"values that are not numbers ({probe.dtype})")
    if probe.size and np_dtype.kind in "iu":
        limits = np.iinfo(np_dtype)
        if probe.min() < limits.min or probe.max() > limits.max:
            raise _error(key, info, f"a value out of the range of {info.dtype.name}")
    return probe.astype(np_dtype, copy=False)


def _check_shape(key, info, arr):
    dims = info.tensor_shape.as_tuple()
    if dims is None:
        return
    if arr.ndim != len(dims):
        raise _error(
            key, info, f"shape {format_shape(TensorShape(arr.shape))} (rank {arr.ndim}, expected rank {len(dims)})"
        )
    for d, n in zip(dims, arr.shape):  # a loop, not any(generator): this runs for every input of every batch
        if d is not None and d != n:
            raise _error(key, info, f"shape {format_shape(TensorShape(arr.shape))}")


def to_array(key, info, value):
    """The value of input `key` as an array of the dtype and shape of `info` (a TensorInfo)."""
    probe = _probe(key, info, value)
    if info.dtype == dtypes.string:
        arr = _strings(key, info, value, probe)
    else:
        arr = _numbers(key, info, probe)
    _check_shape(key, info, arr)
    return arr


def _converter(key, info):
    """`to_array` for one input, with what it reads of `info` looked up once: the values of a float or
    bool input whose rank is known, of an accepted kind and shape, are converted at once; anything else
    (strings, integer ranges, the errors) goes through `to_array`."""
    general = functools.partial(to_array, key, info)
    dims = info.tensor_shape.as_tuple()
    if info.dtype == dtypes.string or dims is None:
        return general
    np_dtype = np.dtype(info.dtype.as_numpy_dtype)
    if np_dtype.kind in "iu":
        return general
    accepted, rank = _ACCEPTED_KINDS[np_dtype.kind], len(dims)
    known = [(i, d) for i, d in enumerate(dims) if d is not None]

    def convert(value):
        probe = _probe(key, info, value)
        if probe.ndim != rank or (probe.size and probe.dtype.kind not in accepted):
            return general(value)
        for i, d in known:
            if probe.shape[i] != d:
                return general(value)
        return probe.astype(np_dtype, copy=False)

    return convert


def converters(signature):
    """{input name: value → array} for `feed_values`: made once per signature (a server converts every
    input of every batch)."""
    return {key: _converter(key, info) for key, info in signature.inputs.items()}


def feed_values(signature_key, signature, inputs, optional=frozenset(), convert=None):
    """{input name: array to feed} in the order of `signature.inputs`, from `inputs` ({name: list or array}).
    An input named in `optional` (one with a default in the graph) may be left out: it is then not fed.
    `convert` is the signature's `converters`, if the caller keeps them."""
    if not isinstance(inputs, dict):
        raise PredictionInputError(
            f"predict() takes a dict of input name -> values; got {type(inputs).__name__} "
            f"(the signature '{signature_key}' takes {sorted(signature.inputs)})"
        )
    unknown = sorted(set(inputs) - set(signature.inputs))
    if unknown:
        raise PredictionInputError(
            f"Unknown input '{unknown[0]}': the signature '{signature_key}' takes {sorted(signature.inputs)}"
        )
    missing = [key for key in signature.inputs if key not in inputs and key not in optional]
    if missing:
        info = signature.inputs[missing[0]]
        raise PredictionInputError(
            f"Missing input '{missing[0]}': the signature '{signature_key}' expects it as {describe(info)}"
        )
    convert = convert or converters(signature)
    return {key: convert[key](inputs[key]) for key in signature.inputs if key in inputs}


def instance_signature(signature):
    """The signature as one instance sees it: each input without its batch (first) dimension."""
    inputs = {
        key: replace(info, tensor_shape=TensorShape(info.tensor_shape.as_tuple()[1:]))
        if info.tensor_shape.ndims
        else info
        for key, info in signature.inputs.items()
    }
    return replace(signature, inputs=inputs)
