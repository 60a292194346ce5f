"""One table over the op registry: every op's values against numpy, its static shape and its dtype.

Each row builds the op through the public `tf` function on given inputs and compares with a numpy
reference. The inputs are fed both as constants (fully known shapes) and through placeholders with
unknown dimensions, so the shape rule is checked in both situations; a new op without a row fails
`test_every_op_has_a_row`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest

import engine as tf
from engine.framework.registry import OPS
from engine.ops import categorical_ops, sparse_ops

rng = np.random.default_rng(0)


def F(*shape, low=-3.0, high=3.0, dtype=np.float32):
    return rng.uniform(low, high, shape).astype(dtype)


def I(*shape, low=-5, high=6, dtype=np.int32):  # noqa: E743
    return rng.integers(low, high, shape).astype(dtype)


def B(*shape):
    return rng.integers(0, 2, shape).astype(bool)


def POS(*shape):
    return F(*shape, low=0.1, high=4.0)


@dataclass
class Row:
    op: str
    build: Callable
    reference: Callable
    inputs: list = field(default_factory=list)
    rtol: float = 1e-6
    data_dependent: bool = False  # output dims that depend on values (where, boolean_mask) stay unknown
    needs_static_shape: bool = False  # like TF, unstack/split need the split dimension when building


def sigmoid(x):
    return 1 / (1 + np.exp(-x.astype(np.float64)))


def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def int_mean(x, axis=None):
    s = x.astype(np.int64).sum(axis)
    n = x.size // np.size(s)
    return (np.sign(s) * (np.abs(s) // n)).astype(x.dtype)


def elementwise(op, fn, ref, make, **kw):
    """Rows for a binary op: same shapes, broadcasting (incl. a scalar) and an empty shape."""
    return [
        Row(op, fn, ref, [make(3, 4), make(3, 4)], **kw),
        Row(op, fn, ref, [make(2, 1, 4), make(3, 1)], **kw),
        Row(op, fn, ref, [make(), make(5)], **kw),
        Row(op, fn, ref, [make(0, 3), make(3)], **kw),
    ]


def unary(op, fn, ref, make=F, **kw):
    return [
        Row(op, fn, ref, [make(3, 4)], **kw),
        Row(op, fn, ref, [make()], **kw),
        Row(op, fn, ref, [make(0, 2)], **kw),
    ]


def NONZERO_I(*shape):
    x = I(*shape)
    return np.where(x == 0, 3, x).astype(np.int32)


ROWS = [
    *elementwise("Add", tf.add, np.add, F),
    *elementwise("Add", tf.add, np.add, I),
    *elementwise("Sub", tf.subtract, np.subtract, F),
    *elementwise("Mul", tf.multiply, np.multiply, I),
    *elementwise("RealDiv", tf.truediv, np.true_divide, POS),
    Row("RealDiv", tf.truediv, lambda a, b: a.astype(np.float64) / b, [I(4), NONZERO_I(4)]),
    Row("Div", tf.div, np.floor_divide, [I(6), NONZERO_I(6)]),
    *elementwise("FloorDiv", tf.floordiv, np.floor_divide, POS),
    Row("FloorDiv", tf.floordiv, np.floor_divide, [I(6), NONZERO_I(6)]),
    Row("FloorMod", tf.mod, np.mod, [I(6), NONZERO_I(6)]),
    *elementwise("FloorMod", tf.floormod, np.mod, POS),
    *elementwise("Pow", tf.pow, np.power, POS, rtol=1e-5),
    *elementwise("Maximum", tf.maximum, np.maximum, F),
    *elementwise("Minimum", tf.minimum, np.minimum, I),
    *elementwise("SquaredDifference", tf.squared_difference, lambda a, b: (a - b) ** 2, F),
    *elementwise("Equal", tf.equal, np.equal, I),
    *elementwise("NotEqual", tf.not_equal, np.not_equal, I),
    *elementwise("Less", tf.less, np.less, F),
    *elementwise("LessEqual", tf.less_equal, np.less_equal, I),
    *elementwise("Greater", tf.greater, np.greater, F),
    *elementwise("GreaterEqual", tf.greater_equal, np.greater_equal, I),
    *elementwise("LogicalAnd", tf.logical_and, np.logical_and, B),
    *elementwise("LogicalOr", tf.logical_or, np.logical_or, B),
    *unary("Neg", tf.negative, np.negative),
    *unary("Abs", tf.abs, np.abs, I),
    *unary("Sign", tf.sign, np.sign),
    *unary("Square", tf.square, np.square, I),
    *unary("Sqrt", tf.sqrt, np.sqrt, POS),
    *unary("Rsqrt", tf.rsqrt, lambda x: 1 / np.sqrt(x), POS),
    *unary("Exp", tf.exp, np.exp),
    *unary("Log", tf.log, np.log, POS),
    *unary("Log1p", tf.log1p, np.log1p, POS),
    *unary("Sigmoid", tf.sigmoid, sigmoid),
    Row("Sigmoid", tf.sigmoid, sigmoid, [np.array([-100, -20, 0, 20, 100], np.float32)]),
    *unary("Tanh", tf.tanh, np.tanh),
    *unary("Floor", tf.floor, np.floor),
    *unary("Ceil", tf.ceil, np.ceil),
    Row("Round", tf.round, np.round, [np.array([0.5, 1.5, 2.5, -0.5, -1.7], np.float32)]),
    *unary("Reciprocal", tf.reciprocal, np.reciprocal, POS),
    *unary("Sin", tf.sin, np.sin),
    *unary("Cos", tf.cos, np.cos),
    Row("IsNan", tf.is_nan, np.isnan, [np.array([1, np.nan, np.inf], np.float32)]),
    Row("IsInf", tf.is_inf, np.isinf, [np.array([1, np.nan, -np.inf], np.float32)]),
    Row("IsFinite", tf.is_finite, np.isfinite, [np.array([1, np.nan, np.inf], np.float32)]),
    *unary("LogicalNot", tf.logical_not, np.logical_not, B),
    Row("Cast", lambda x: tf.cast(x, tf.int32), lambda x: x.astype(np.int32), [F(3, 4)]),
    Row("Cast", lambda x: tf.cast(x, tf.float64), lambda x: x.astype(np.float64), [I(5)]),
    Row("Cast", lambda x: tf.cast(x, tf.bool), lambda x: x.astype(bool), [I(5)]),
    Row("Sum", tf.reduce_sum, np.sum, [F(3, 4)], rtol=1e-5),
    Row("Sum", lambda x: tf.reduce_sum(x, axis=1), lambda x: x.sum(1, dtype=x.dtype), [I(3, 4)]),
    Row("Sum", lambda x: tf.reduce_sum(x, 0, keepdims=True), lambda x: x.sum(0, keepdims=True), [F(0, 4)]),
    Row("Mean", lambda x: tf.reduce_mean(x, [0, 2]), lambda x: x.mean((0, 2)), [F(2, 3, 4)], rtol=1e-5),
    Row("Mean", tf.reduce_mean, int_mean, [I(3, 4)]),
    Row("Mean", lambda x: tf.reduce_mean(x, -1), lambda x: int_mean(x, -1), [I(3, 4)]),
    Row("Prod", lambda x: tf.reduce_prod(x, 1), lambda x: x.prod(1, dtype=x.dtype), [I(3, 4)]),
    Row("Max", lambda x: tf.reduce_max(x, 1, keepdims=True), lambda x: x.max(1, keepdims=True), [F(3, 4)]),
    Row("Min", tf.reduce_min, np.min, [I(3, 4)]),
    Row("Any", lambda x: tf.reduce_any(x, 0), lambda x: x.any(0), [B(3, 4)]),
    Row("All", tf.reduce_all, np.all, [B(3, 4)]),
    Row("ArgMax", lambda x: tf.argmax(x, 1), lambda x: x.argmax(1), [F(3, 4)]),
    Row("ArgMax", tf.argmax, lambda x: x.argmax(0), [I(5, 2)]),
    Row("ArgMin", lambda x: tf.argmin(x, -1), lambda x: x.argmin(-1), [F(3, 4)]),
    Row("MatMul", tf.matmul, np.matmul, [F(3, 4), F(4, 5)], rtol=1e-5),
    Row(
        "MatMul",
        lambda a, b: tf.matmul(a, b, transpose_a=True, transpose_b=True),
        lambda a, b: a.T @ b.T,
        [F(4, 3), F(5, 4)],
        rtol=1e-5,
    ),
    Row("MatMul", tf.matmul, np.matmul, [F(2, 3, 4), F(2, 4, 5)], rtol=1e-5),
    Row("MatMul", tf.matmul, np.matmul, [I(2, 3), I(3, 2)]),
    Row(
        "Tensordot",
        lambda a, b: tf.tensordot(a, b, 1),
        lambda a, b: np.tensordot(a, b, 1),
        [F(2, 3), F(3, 4)],
        rtol=1e-5,
    ),
    Row(
        "Tensordot",
        lambda a, b: tf.tensordot(a, b, [[0], [1]]),
        lambda a, b: np.tensordot(a, b, [[0], [1]]),
        [F(3, 2), F(4, 3)],
        rtol=1e-5,
    ),
    Row("Cumsum", tf.cumsum, lambda x: x.cumsum(0, dtype=x.dtype), [I(4, 3)]),
    Row(
        "Cumsum",
        lambda x: tf.cumsum(x, 1, exclusive=True, reverse=True),
        lambda x: np.flip(np.cumsum(np.flip(x, 1), 1) - np.flip(x, 1), 1),
        [F(2, 4)],
        rtol=1e-5,
    ),
    Row("ClipByValue", lambda x: tf.clip_by_value(x, -1.0, 1.5), lambda x: np.clip(x, -1, 1.5), [F(3, 4)]),
    Row("TopKV2", lambda x: tf.top_k(x, 2)[0], lambda x: -np.sort(-x, -1)[..., :2], [F(3, 5)]),
    Row(
        "TopKV2",
        lambda x: tf.top_k(x, 3)[1],
        lambda x: np.array([[1, 3, 0]], np.int32),
        [np.array([[1, 5, 0, 5]], np.int32)],
    ),
    Row("Identity", tf.identity, lambda x: x, [F(3)]),
    Row("StopGradient", tf.stop_gradient, lambda x: x, [F(3)]),
    Row("Shape", tf.shape, lambda x: np.array(x.shape, np.int32), [F(2, 3)]),
    Row("Size", tf.size, lambda x: np.int32(x.size), [F(2, 3)]),
    Row("Rank", tf.rank, lambda x: np.int32(x.ndim), [F(2, 3)]),
    Row("Reshape", lambda x: tf.reshape(x, [3, 2]), lambda x: x.reshape(3, 2), [I(2, 3)]),
    Row("Reshape", lambda x: tf.reshape(x, [-1, 4]), lambda x: x.reshape(-1, 4), [F(2, 3, 4)]),
    Row("Reshape", lambda x: tf.reshape(x, [-1]), lambda x: x.reshape(-1), [F(0, 3)]),
    Row("ExpandDims", lambda x: tf.expand_dims(x, 1), lambda x: x[:, None], [F(3, 2)]),
    Row("ExpandDims", lambda x: tf.expand_dims(x, -1), lambda x: x[..., None], [F(3, 2)]),
    Row("Squeeze", tf.squeeze, np.squeeze, [F(1, 3, 1)]),
    Row("Squeeze", lambda x: tf.squeeze(x, [2]), lambda x: x.squeeze(2), [F(1, 3, 1)]),
    Row("Transpose", tf.transpose, np.transpose, [F(2, 3, 4)]),
    Row("Transpose", lambda x: tf.transpose(x, [1, 0, 2]), lambda x: x.transpose(1, 0, 2), [F(2, 3, 4)]),
    Row("Pack", lambda a, b: tf.stack([a, b]), lambda a, b: np.stack([a, b]), [I(3), I(3)]),
    Row("Pack", lambda a, b: tf.stack([a, b], axis=1), lambda a, b: np.stack([a, b], 1), [F(2, 3), F(2, 3)]),
    Row("Unpack", lambda x: tf.unstack(x)[1], lambda x: x[1], [F(3, 2)], needs_static_shape=True),
    Row("Unpack", lambda x: tf.unstack(x, axis=1)[0], lambda x: x[:, 0], [F(3, 2)], needs_static_shape=True),
    Row("ConcatV2", lambda a, b: tf.concat([a, b], 0), lambda a, b: np.concatenate([a, b]), [F(2, 3), F(1, 3)]),
    Row("ConcatV2", lambda a, b: tf.concat([a, b], -1), lambda a, b: np.concatenate([a, b], -1), [I(2, 3), I(2, 1)]),
    Row("SplitV", lambda x: tf.split(x, 2, axis=1)[1], lambda x: x[:, 2:], [F(3, 4)], needs_static_shape=True),
    Row("SplitV", lambda x: tf.split(x, [1, -1])[1], lambda x: x[1:], [F(4, 2)], needs_static_shape=True),
    Row("Slice", lambda x: tf.slice(x, [1, 0], [1, 2]), lambda x: x[1:2, 0:2], [I(2, 3)]),
    Row("Slice", lambda x: tf.slice(x, [0, 1], [-1, -1]), lambda x: x[:, 1:], [I(2, 3)]),
    Row("StridedSlice", lambda x: x[:, 1], lambda x: x[:, 1], [I(2, 3)]),
    Row("StridedSlice", lambda x: x[::-2, 1:], lambda x: x[::-2, 1:], [F(5, 3)]),
    Row("StridedSlice", lambda x: x[..., tf.newaxis, -1], lambda x: x[..., None, -1], [F(2, 3, 4)]),
    Row("StridedSlice", lambda x: tf.strided_slice(x, [0, 1], [2, 3], [1, 1]), lambda x: x[0:2, 1:3], [F(3, 4)]),
    Row("GatherV2", lambda p: tf.gather(p, [2, 0, 2]), lambda p: p[[2, 0, 2]], [F(3, 2)]),
    Row("GatherV2", lambda p: tf.gather(p, [[1], [0]], axis=1), lambda p: np.take(p, [[1], [0]], 1), [I(3, 2)]),
    Row("GatherNd", lambda p: tf.gather_nd(p, [[0, 1], [2, 0]]), lambda p: p[[0, 2], [1, 0]], [F(3, 2)]),
    Row("GatherNd", lambda p: tf.gather_nd(p, [[1]]), lambda p: p[[1]], [F(3, 2)]),
    Row(
        "OneHot",
        lambda i: tf.one_hot(i, 4),
        lambda i: np.eye(4, dtype=np.float32)[i] * (i >= 0)[..., None],
        [np.array([0, 3, -1, 2], np.int32)],
    ),
    Row(
        "OneHot",
        lambda i: tf.one_hot(i, 3, 5, 1, axis=0, dtype=tf.int32),
        lambda i: np.where(np.eye(3, dtype=bool)[i].T, 5, 1).astype(np.int32),
        [np.array([0, 2], np.int32)],
    ),
    Row("Tile", lambda x: tf.tile(x, [2, 3]), lambda x: np.tile(x, [2, 3]), [I(2, 2)]),
    Row("Pad", lambda x: tf.pad(x, [[1, 0], [2, 1]]), lambda x: np.pad(x, [[1, 0], [2, 1]]), [F(2, 3)]),
    Row(
        "Pad",
        lambda x: tf.pad(x, [[1, 1], [2, 2]], "REFLECT"),
        lambda x: np.pad(x, [[1, 1], [2, 2]], "reflect"),
        [I(3, 3)],
    ),
    Row("Pad", lambda x: tf.pad(x, [[1, 1]], "SYMMETRIC"), lambda x: np.pad(x, [[1, 1]], "symmetric"), [I(3)]),
    Row("Select", tf.where, np.where, [B(3, 4), F(3, 4), F(3, 4)]),
    Row("Select", tf.where, lambda c, x, y: np.where(c[:, None], x, y), [B(3), I(3, 2), I(3, 2)]),
    Row("Where", tf.where, lambda c: np.argwhere(c), [B(3, 4)], data_dependent=True),
    Row("BooleanMask", tf.boolean_mask, lambda t, m: t[m], [F(4, 2), B(4)], data_dependent=True),
    Row(
        "BooleanMask",
        lambda t, m: tf.boolean_mask(t, m, axis=1),
        lambda t, m: t[:, m],
        [F(2, 3), B(3)],
        data_dependent=True,
    ),
    Row("Fill", lambda: tf.fill([2, 3], 7), lambda: np.full([2, 3], 7, np.int32)),
    Row("Fill", lambda: tf.zeros([40, 30]), lambda: np.zeros([40, 30], np.float32)),
    Row("ZerosLike", tf.zeros_like, np.zeros_like, [I(2, 3)]),
    Row("OnesLike", tf.ones_like, np.ones_like, [F(2, 3)]),
    Row("Range", lambda: tf.range(5), lambda: np.arange(5, dtype=np.int32)),
    Row("Range", lambda: tf.range(1, 2, 0.25), lambda: np.arange(1, 2, 0.25, dtype=np.float32)),
    Row("LinSpace", lambda: tf.linspace(0.0, 1.0, 5), lambda: np.linspace(0, 1, 5, dtype=np.float32)),
    # float rows for the ops above whose rows use integers, so their gradients are checked too
    *unary("Abs", tf.abs, np.abs),
    *unary("Square", tf.square, np.square),
    Row("Mul", tf.multiply, np.multiply, [F(2, 1, 4), F(3, 1)]),
    Row("Minimum", tf.minimum, np.minimum, [F(3, 4), F(4)]),
    Row("Min", lambda x: tf.reduce_min(x, 0), lambda x: x.min(0), [F(3, 4)]),
    Row("Prod", lambda x: tf.reduce_prod(x, [0, 2]), lambda x: x.prod((0, 2)), [F(2, 3, 2)], rtol=1e-5),
    Row("Prod", lambda x: tf.reduce_prod(x, 1), lambda x: x.prod(1), [np.array([[0, 2, 3], [1, 0, 0]], np.float32)]),
    Row("Tile", lambda x: tf.tile(x, [2, 1, 3]), lambda x: np.tile(x, [2, 1, 3]), [F(2, 3, 1)]),
    Row("Fill", lambda v: tf.fill([2, 3], v), lambda v: np.full([2, 3], v), [F()]),
    Row("Slice", lambda x: tf.slice(x, [1, 0], [2, -1]), lambda x: x[1:3, :], [F(3, 4)]),
    Row("AddN", lambda a, b, c: tf.add_n([a, b, c]), lambda a, b, c: a + b + c, [F(3, 4), F(3, 4), F(3, 4)]),
    Row(
        "UnsortedSegmentSum",
        lambda d: tf.unsorted_segment_sum(d, [0, 2, 0, 1], 4),
        lambda d: np.stack([d[0] + d[2], d[3], d[1], 0 * d[0]]),
        [F(4, 2)],
    ),
    Row(
        "ScatterNd",
        lambda u: tf.scatter_nd([[1], [3], [1]], u, [4, 3]),
        lambda u: np.stack([0 * u[0], u[0] + u[2], 0 * u[0], u[1]]),
        [F(3, 3)],
    ),
    Row("BroadcastTo", lambda x: tf.broadcast_to(x, [2, 3, 4]), lambda x: np.broadcast_to(x, (2, 3, 4)), [F(3, 1)]),
    *unary("Relu", tf.nn.relu, lambda x: np.maximum(x, 0)),
    *unary("Relu6", tf.nn.relu6, lambda x: np.clip(x, 0, 6), lambda *s: F(*s, low=-3, high=9)),
    *unary("Elu", tf.nn.elu, lambda x: np.where(x > 0, x, np.expm1(x))),
    *unary("Selu", tf.nn.selu, lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x))),
    *unary("Softplus", tf.nn.softplus, lambda x: np.log1p(np.exp(x.astype(np.float64)))),
    *unary("LeakyRelu", tf.nn.leaky_relu, lambda x: np.where(x > 0, x, 0.2 * x)),
    Row("Softmax", tf.nn.softmax, softmax, [F(3, 4)]),
    Row("Softmax", lambda x: tf.nn.softmax(x, axis=0), lambda x: softmax(x, 0), [F(3, 4)]),
    Row("LogSoftmax", tf.nn.log_softmax, lambda x: np.log(softmax(x.astype(np.float64))), [F(3, 4)], rtol=1e-5),
    Row(
        "SoftmaxCrossEntropyWithLogits",
        lambda y, x: tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=x),
        lambda y, x: -(y * np.log(softmax(x.astype(np.float64)))).sum(-1),
        [softmax(F(3, 4)).astype(np.float32), F(3, 4)],  # labels that sum to 1: TF's gradient assumes it
        rtol=1e-5,
    ),
    Row(
        "SparseSoftmaxCrossEntropyWithLogits",
        lambda x, y: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x),
        lambda x, y: -np.log(np.take_along_axis(softmax(x.astype(np.float64)), y[:, None], -1)[:, 0]),
        [F(3, 4), np.array([3, 0, 1], np.int32)],
        rtol=1e-5,
    ),
    Row(
        "StringToNumber",
        tf.string_to_number,
        lambda s: np.array([1.5, -2, 300], np.float32),
        [np.array([b"1.5", b"-2", b"3e2"], object)],
    ),
    Row(
        "StringToNumber",
        lambda s: tf.string_to_number(s, tf.int32),
        lambda s: np.array([7, -1], np.int32),
        [np.array([b"7", b"-1"], object)],
    ),
    Row("AsString", tf.as_string, lambda x: np.array([b"3", b"-20"], object), [np.array([3, -20], np.int32)]),
    Row(
        "AsString",
        lambda x: tf.as_string(x, precision=2),
        lambda x: np.array([[b"0.50"], [b"-1.25"]], object),
        [np.array([[0.5], [-1.25]], np.float32)],
    ),
    Row(
        "StringToHashBucketFast",  # TF's string_to_hash_bucket_op_test: Fingerprint64 % 10
        lambda s: tf.string_to_hash_bucket_fast(s, 10),
        lambda s: np.array([[9, 2], [2, 5]], np.int64),
        [np.array([[b"a", b"b"], [b"c", b"d"]], object)],
    ),
    Row(
        "Bucketize",
        lambda x: categorical_ops.bucketize(x, [-1.0, 0.0, 2.0]),
        lambda x: np.searchsorted(np.float32([-1, 0, 2]), x, side="right").astype(np.int32),
        [F(3, 4)],
    ),
    Row(
        "IndexTableLookup",
        lambda k: categorical_ops.index_lookup(k, ["c", "a"]),
        lambda k: np.array([1, -1, 0], np.int64),
        [np.array([b"a", b"z", b"c"], object)],
    ),
    Row(
        "IndexTableLookup",  # OOV: 3 + Fingerprint64("1234") % 4
        lambda k: categorical_ops.index_lookup(k, [7, 9, 8], num_oov_buckets=4),
        lambda k: np.array([[2, 3 + 882600748797058222 % 4]], np.int64),
        [np.array([[8, 1234]], np.int64)],
    ),
    Row(
        "SparseToDense",
        lambda i, shape, v, d: tf.sparse_tensor_to_dense(tf.SparseTensor(i, v, shape), d),
        lambda i, shape, v, d: np.array([[d, v[0]], [d, d], [v[1], d]], np.float32),
        [np.array([[0, 1], [2, 0]], np.int64), np.array([3, 2], np.int64), F(2), F()],
    ),
    Row(
        "SparseCrossHashed",  # TF's sparse_cross_op_test: test_hashed_zero_bucket_no_hash_key
        lambda a, b, c: sparse_ops.sparse_cross_hashed([a, b, c]).values,
        lambda *_: np.array([1971693436396284976], np.int64),
        [np.array([[f"batch1-FC{i}-F1".encode()]], object) for i in (1, 2, 3)],
        data_dependent=True,
    ),
]

# ops whose behaviour is a session or graph mechanism rather than a computation; tested in their own files
TESTED_ELSEWHERE = {"Const", "Placeholder", "PlaceholderWithDefault", "NoOp"}
# kernels that exist only as gradients of other ops (tests/engine/test_gradients.py checks them)
GRADIENT_KERNELS = {
    "StridedSliceGrad",
    "GatherGrad",
    "BooleanMaskGrad",
    "SumToShape",
    "ProdGrad",
    "ReluGrad",
    "MeanGrad",
}


def row_id(row):
    return f"{row.op}-" + "-".join("x".join(map(str, np.shape(a))) or "scalar" for a in row.inputs)


def test_every_op_has_a_row():
    covered = {row.op for row in ROWS}
    other_files = {n for n in OPS if n in TESTED_ELSEWHERE | GRADIENT_KERNELS or _declared_outside_table(n)}
    assert set(OPS) - covered - other_files == set()


# modules whose ops are checked by their own test files (control flow, state, logging)
_OWN_TEST_MODULES = (
    "engine.ops.control_flow_ops",
    "engine.ops.state_ops",
    "engine.ops.random_ops",
    "engine.ops.logging_ops",
    "engine.framework.func_graph",
    "engine.ops.loop_ops",
    "engine.ops.functional_ops",
    "engine.ops.script_ops",
    "engine.ops.training_ops",
    "engine.ops.summary_ops",
    "engine.ops.io_ops",
    "engine.ops.csv_ops",  # tests/engine/data/
    "engine.ops.parsing_ops",
    "engine.data.iterator_ops",
    "engine.ops.image_ops",  # tests/engine/test_image_ops.py
    "engine.ops.image_resize_ops",
    "engine.ops.serving_fused_ops",  # tests/engine/saved_model/test_serving_plan.py: against the unfused plan
)


def _declared_outside_table(name):
    return getattr(OPS[name].kernel, "__module__", "") in _OWN_TEST_MODULES


def _check(value, expected, rtol):
    expected = np.asarray(expected)
    assert np.shape(value) == expected.shape
    assert np.asarray(value).dtype == expected.dtype or expected.dtype == np.float64
    if expected.dtype.kind in "fc":
        np.testing.assert_allclose(value, expected, rtol=rtol, atol=1e-6)
    else:
        np.testing.assert_array_equal(value, expected)


def _expected(row):
    expected = np.asarray(row.reference(*row.inputs))
    inputs_dtype = row.inputs[0].dtype if row.inputs else None
    if expected.dtype == np.float64 and inputs_dtype == np.float32:
        expected = expected.astype(np.float32)
    return expected


@pytest.mark.parametrize("row", ROWS, ids=row_id)
def test_values_and_static_shape_with_constants(row):
    out = row.build(*[tf.constant(a) for a in row.inputs])
    with tf.Session() as sess:
        value = sess.run(out)
    _check(value, _expected(row), row.rtol)
    if row.data_dependent:
        assert out.shape.is_compatible_with(np.shape(value)) and out.shape.ndims == np.ndim(value)
    else:
        assert out.shape.as_list() == list(np.shape(value)), f"{row.op}: static shape {out.shape}"
    assert out.dtype.as_numpy_dtype == np.asarray(value).dtype or out.dtype == tf.string


@pytest.mark.parametrize("row", [r for r in ROWS if r.inputs], ids=row_id)
def test_values_through_placeholders_of_unknown_shape(row):
    shapes = [a.shape if row.needs_static_shape else [None] * a.ndim for a in row.inputs]
    holders = [tf.placeholder(tf.as_dtype(a.dtype), s) for a, s in zip(row.inputs, shapes)]
    out = row.build(*holders)
    with tf.Session() as sess:
        value = sess.run(out, dict(zip(holders, row.inputs)))
    _check(value, _expected(row), row.rtol)
    assert out.shape.is_compatible_with(np.shape(value)), f"{row.op}: {out.shape} vs {np.shape(value)}"


@pytest.mark.parametrize("row", ROWS[::7], ids=row_id)
def test_same_kernels_in_eager_mode(row, eager):
    out = row.build(*[tf.constant(a) for a in row.inputs])
    _check(out.numpy(), _expected(row), row.rtol)
    assert out.shape.as_list() == list(np.shape(out.numpy()))
