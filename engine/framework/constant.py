"""Constants and the conversion of Python and numpy values to tensors, with TensorFlow's dtype rules."""

import numpy as np

from engine import dtypes
from engine.framework import eager
from engine.framework.graph import Tensor
from engine.framework.registry import NOT_DIFFERENTIABLE, apply_op, defop
from engine.tensor_shape import TensorShape


def _const_infer(inputs, *, value, dtype):
    return [(TensorShape(value.shape), dtype)]


defop("Const", lambda *, value, dtype: value, _const_infer, grad=NOT_DIFFERENTIABLE)


def _default_dtype(arr):
    """TF 1's choice for Python values: floats are float32, ints int32 (int64 when they do not fit)."""
    kind = arr.dtype.kind
    if kind == "f":
        return dtypes.float32
    if kind in "iu":
        fits = arr.size == 0 or (arr.min() >= -(2**31) and arr.max() < 2**31)
        return dtypes.int32 if fits else dtypes.int64
    if kind == "b":
        return dtypes.bool
    if kind in "USO":
        return dtypes.string
    raise TypeError(f"Cannot convert {arr!r} to a tensor: unsupported element type {arr.dtype}.")


def _encode_strings(arr):
    """`arr` as an object array of bytes (TF's strings); numpy's own encoder for str arrays."""
    if arr.dtype.kind == "U" and not np.char.endswith(arr, "\x00").any():  # NUL-ended strings would lose it
        return np.char.encode(arr, "utf-8").astype(object)
    out = np.empty(arr.shape, dtype=object)
    flat = out.reshape(-1)
    for i, item in enumerate(arr.reshape(-1)):
        if isinstance(item, str | np.str_):
            flat[i] = item.encode("utf-8")
        elif isinstance(item, np.bytes_):
            flat[i] = bytes(item)
        elif isinstance(item, bytes):
            flat[i] = item  # kept as it is: tf.data's text lines are bytes that carry their file and line
        else:
            raise TypeError(f"Expected string, got {item!r} of type '{type(item).__name__}' instead.")
    return out


def _check_python_value(arr, dtype, value):
    # Python values must fit the requested type as TF checks them: 1.5 is no int32, True no float32
    kind, want = arr.dtype.kind, dtype.as_numpy_dtype
    ok = (
        (dtype.is_floating and kind in "fiu")
        or (dtype.is_integer and kind in "iu")
        or (dtype.is_bool and kind == "b")
        or (dtype == dtypes.string and kind in "USO")
        or arr.size == 0
    )
    if not ok:
        raise TypeError(f"Expected {dtype.name}, got {value!r} of type '{type(value).__name__}' instead.")
    if dtype.is_integer and arr.size and (arr.min() < np.iinfo(want).min or arr.max() > np.iinfo(want).max):
        raise TypeError(f"Value {value!r} is out of range for {dtype.name}.")


def to_numpy(value, dtype=None):
    """A read-only numpy array of `value` with TF's dtype rules (our own copy, never the caller's)."""
    dtype = None if dtype is None else dtypes.as_dtype(dtype)
    if type(value) is str and (dtype is None or dtype == dtypes.string) and not value.endswith("\x00"):
        arr = np.array(value.encode("utf-8"), dtype=object)  # a summary's tag, an assert's message
        arr.setflags(write=False)
        return arr, dtypes.string
    from_numpy = isinstance(value, np.ndarray | np.generic)
    try:
        arr = np.array(value)
    except ValueError as err:
        raise ValueError(f"Cannot convert a ragged or irregular value to a tensor: {err}") from None
    if arr.dtype.kind == "S" and not from_numpy:
        arr = np.array(value, dtype=object)  # numpy's fixed-width bytes would drop trailing NUL bytes
    if arr.dtype.kind in "USO":
        if dtype not in (None, dtypes.string):
            raise TypeError(f"Expected {dtype.name}, got {value!r} of type '{type(value).__name__}' instead.")
        arr, dtype = _encode_strings(arr), dtypes.string
    elif dtype is None:
        dtype = dtypes.as_dtype(arr.dtype) if from_numpy else _default_dtype(arr)
    elif not from_numpy:
        _check_python_value(arr, dtype, value)
    if dtype != dtypes.string:
        arr = arr.astype(dtype.as_numpy_dtype, copy=False)
    arr.setflags(write=False)
    return arr, dtype


def _fill_to_shape(arr, shape):
    shape = tuple(shape)
    size = int(np.prod(shape))
    if arr.size == size:
        return arr.reshape(shape)
    if arr.size == 1:
        return np.broadcast_to(arr.reshape(()), shape).copy()
    if arr.size < size:  # TF 1 repeats the last element to fill the rest
        return np.concatenate([arr.reshape(-1), np.repeat(arr.reshape(-1)[-1:], size - arr.size)]).reshape(shape)
    raise TypeError(f"Too many elements provided. Needed at most {size}, but received {arr.size}")


def constant(value, dtype=None, shape=None, name="Const", verify_shape=False):
    """A tensor holding `value`: `tf.constant([[1, 2], [3, 4]])` is an int32 tensor of shape (2, 2)."""
    arr, dtype = to_numpy(value, dtype)
    if shape is not None:
        if verify_shape and arr.shape != tuple(shape):
            raise TypeError(f"Expected Tensor's shape: {tuple(shape)}, got {arr.shape}.")
        arr = _fill_to_shape(arr, shape)
        arr.setflags(write=False)
    if eager.executing_eagerly():
        return eager.EagerTensor(arr, dtype)
    return apply_op("Const", [], {"value": arr, "dtype": dtype}, name=name)


def convert_to_tensor(value, dtype=None, name=None, preferred_dtype=None, dtype_hint=None):
    """`value` as a Tensor: tensors pass through (their dtype checked), anything else becomes a Const."""
    dtype = None if dtype is None else dtypes.as_dtype(dtype)
    if isinstance(value, Tensor):
        if dtype is not None and value.dtype != dtype:
            raise ValueError(
                f"Tensor conversion requested dtype {dtype.name} for Tensor with dtype {value.dtype.name}: {value!r}"
            )
        return value
    if hasattr(value, "__tf_tensor__"):
        return value.__tf_tensor__(dtype, name)
    if isinstance(value, list | tuple) and _contains_tensor(value):
        from engine.ops.concat_ops import stack

        return stack([convert_to_tensor(v, dtype) for v in value], name=name or "packed")
    hint = preferred_dtype or dtype_hint
    if dtype is None and hint is not None:
        try:
            return constant(value, hint, name=name or "Const")
        except (TypeError, ValueError):
            pass  # the hint is only a preference: fall back to the value's own type
    return constant(value, dtype, name=name or "Const")


def _contains_tensor(value):
    return any(
        isinstance(v, Tensor) or hasattr(v, "__tf_tensor__") or (isinstance(v, list | tuple) and _contains_tensor(v))
        for v in value
    )


def convert_n_to_tensor(values, dtype=None, name=None):
    return [convert_to_tensor(v, dtype) for v in values]


def constant_value(tensor):
    """The value of `tensor` if it is known when the graph is built (a constant, a static shape), else None."""
    if not isinstance(tensor, Tensor):
        return None
    if hasattr(tensor, "_value"):  # an eager tensor
        return np.asarray(tensor._value)
    op = tensor.op
    if op.type == "Const":
        return op.get_attr("value")
    if op.type == "Shape" and op.inputs[0].shape.is_fully_defined():
        return np.array(op.inputs[0].shape.as_list(), dtype=tensor.dtype.as_numpy_dtype)
    if op.type == "Identity":
        return constant_value(op.inputs[0])
    if op.type == "Pack":
        parts = [constant_value(t) for t in op.inputs]
        return None if any(p is None for p in parts) else np.stack(parts, axis=op.get_attr("axis"))
    return None
