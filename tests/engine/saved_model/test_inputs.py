"""A signature's converters (made once per signature, used for every batch) give `to_array`'s arrays and
errors for every kind of value."""

import numpy as np
import pytest

from engine import dtypes
from engine.saved_model.errors import PredictionInputError
from engine.saved_model.inputs import _converter, to_array
from engine.saved_model.signature_def_utils import TensorInfo
from engine.tensor_shape import TensorShape

INFOS = [
    TensorInfo("x:0", dtypes.float32, TensorShape([None])),
    TensorInfo("x:0", dtypes.float32, TensorShape([None, 3])),
    TensorInfo("x:0", dtypes.float64, TensorShape(None)),
    TensorInfo("x:0", dtypes.bool, TensorShape([None])),
    TensorInfo("x:0", dtypes.int32, TensorShape([None])),
    TensorInfo("x:0", dtypes.string, TensorShape([None])),
]
VALUES = [
    [1.5, -2.25, 3e38],
    [1, 2, 3],
    [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
    [[1.0, 2.0], [3.0, 4.0]],
    [[1.0, 2.0], [3.0]],
    [True, False],
    ["a", "b"],
    [1.0, "b"],
    [],
    2.5,
    [2**40, 1],
    [None, 1.0],
]


def _outcome(convert, value):
    try:
        arr = convert(value)
    except PredictionInputError as exc:
        return str(exc)
    return arr.dtype, arr.shape, arr.tobytes() if arr.dtype != object else arr.tolist()


@pytest.mark.parametrize("info", INFOS, ids=lambda i: f"{i.dtype.name}{i.tensor_shape.as_tuple()}")
@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_a_converter_gives_to_arrays_array_or_error(info, value):
    assert _outcome(_converter("x", info), value) == _outcome(lambda v: to_array("x", info, v), value)


def test_a_float_converter_checks_kind_and_shape():
    convert = _converter("x", INFOS[1])
    np.testing.assert_array_equal(convert([[1, 2, 3]]), np.array([[1, 2, 3]], np.float32))
    with pytest.raises(PredictionInputError, match=r"Input 'x' expects float32 of shape \[\?,3\]; got shape \[1,2\]"):
        convert([[1.0, 2.0]])
    with pytest.raises(PredictionInputError, match="got bool values"):
        convert([[True, False, True]])
