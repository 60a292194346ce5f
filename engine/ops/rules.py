"""Shape and dtype rules shared by the op declarations: broadcasting, dtype families, axes."""

from engine import dtypes
from engine.framework.constant import constant_value
from engine.framework.registry import OP_MARK, DTypeError, ShapeError
from engine.tensor_shape import TensorShape

FLOATS = (dtypes.float16, dtypes.float32, dtypes.float64)
INTEGERS = (dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64, dtypes.uint8, dtypes.uint16)
NUMERIC = FLOATS + INTEGERS
SIGNED = FLOATS + (dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64)
BOOLS = (dtypes.bool,)
ANY = None

_PARAM_NAMES = ("x", "y", "z")


def check_dtype(tensor, allowed, param="x"):
    if allowed is not None and tensor.dtype not in allowed:
        names = ", ".join(d.name for d in allowed)
        raise DTypeError(
            f"Value passed to parameter '{param}' has DataType {tensor.dtype.name} not in list of "
            f"allowed values: {names}"
        )


def same_dtype(inputs):
    """The common dtype of `inputs`; TF never promotes implicitly, so a mismatch is an error."""
    first = inputs[0].dtype
    for i, t in enumerate(inputs[1:], start=1):
        if t.dtype != first:
            raise DTypeError(
                f"Input '{_PARAM_NAMES[i] if i < 3 else i}' of {OP_MARK} has type {t.dtype.name} that does not match "
                f"type {first.name} of argument '{_PARAM_NAMES[0]}'."
            )
    return first


def broadcast_dims(a, b):
    """numpy broadcasting of two static shapes (tuples with None for unknown dims, or None)."""
    if a is None or b is None:
        return None
    if a == b or not b:  # the usual cases (same shapes, a scalar operand) need no walk over the dims
        return a
    if not a:
        return b
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x == 1:
            out.append(y)
        elif y == 1 or y == x:
            out.append(x)
        elif x is None:
            out.append(y)
        elif y is None:
            out.append(x)
        else:
            raise ShapeError(f"Dimensions must be equal, but are {x} and {y}")
    return tuple(reversed(out))


def broadcast_all(inputs):
    dims = ()
    for t in inputs:
        dims = broadcast_dims(dims, t.shape.as_tuple())
    return TensorShape(dims)


def elementwise(allowed=ANY, out_dtype=None):
    """Rule of an op applied element by element (with broadcasting) to inputs of one dtype."""

    def infer(inputs, **attrs):
        dtype = same_dtype(inputs)
        check_dtype(inputs[0], allowed)
        return [(broadcast_all(inputs), out_dtype or dtype)]

    return infer


def same_as_input(allowed=ANY):
    def infer(inputs, **attrs):
        check_dtype(inputs[0], allowed)
        return [(inputs[0].shape, inputs[0].dtype)]

    return infer


def normalize_axis(axis, rank, op_desc="axis"):
    """A non-negative axis, or a ShapeError naming the valid range."""
    if rank is None:
        return axis
    if not -rank <= axis < max(rank, 1):
        raise ShapeError(f"{op_desc} {axis} is out of range for a tensor of rank {rank} (expected [-{rank}, {rank}))")
    return axis % rank if rank else 0


def static_axes(axis):
    """A reduction's `axis` argument as None or a tuple of ints (it must be known when building)."""
    if axis is None:
        return None
    if hasattr(axis, "dtype") and hasattr(axis, "op"):
        value = constant_value(axis)
        if value is None:
            raise ValueError("The reduction axis must be known when the graph is built (a constant).")
        axis = value.tolist()
    if isinstance(axis, int):
        return (int(axis),)
    return tuple(int(a) for a in axis)
