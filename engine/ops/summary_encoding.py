"""The protocol buffers the summary kernels emit, built as TensorFlow's C++ kernels build them:
histograms over TF's fixed exponential buckets (core/lib/histogram/histogram.cc), tensors as
`TensorProto`s, images as PNGs normalised as the ImageSummary kernel does."""

import io
import sys

import numpy as np
from tensorboard.compat.proto import summary_pb2, tensor_pb2

from engine import dtypes
from engine.framework.graph_proto import data_type, shape_proto


def _bucket_limits():
    """±1e-12·1.1^k up to 1e20, then ±DBL_MAX, and 0 in the middle: TF's default bucket edges."""
    positive, edge = [], 1.0e-12
    while edge < 1.0e20:
        positive.append(edge)
        edge *= 1.1
    positive.append(sys.float_info.max)
    return np.array([-v for v in reversed(positive)] + [0.0] + positive)


BUCKET_LIMITS = _bucket_limits()


_ZERO_BUCKET = int(np.searchsorted(BUCKET_LIMITS, 0.0, side="right"))  # where 0 lands: the first positive limit
_POSITIVE = BUCKET_LIMITS[_ZERO_BUCKET:]  # 1e-12·1.1^k as TF multiplies them out, then DBL_MAX
_LOG_FIRST, _LOG_STEP = np.log(_POSITIVE[0]), np.log(1.1)


def _first_positive_limit_above(a):
    """For each a > 0, the index k of the first positive limit above it (the last, DBL_MAX, for larger a).

    From log(a), then one comparison each way: the multiplied-out limits and the logarithm put the
    estimate at most one off. A binary search per value (np.searchsorted) mispredicts a branch at each
    of its 11 levels on fresh data, which made it 2-3x slower on a training step's activations.
    """
    last = len(_POSITIVE) - 1
    k = np.floor((np.log(a) - _LOG_FIRST) / _LOG_STEP).astype(np.intp) + 1
    np.clip(k, 0, last, out=k)
    k -= (k > 0) & (_POSITIVE[k - 1] > a)
    k += (k < last) & (_POSITIVE[k] <= a)
    return k


def _bucket_indices(nonzero_values):
    """np.searchsorted(BUCKET_LIMITS, v, side="right") for nonzero finite v, DBL_MAX joining the last bucket
    (it would fall past it, out of bounds in TF's C++)."""
    a = np.abs(nonzero_values)
    above = _first_positive_limit_above(a)
    # a negative -a lands after the negative limits -p for the p below a: -(first p >= a) from the zero's index
    at_or_above = above - ((above > 0) & (_POSITIVE[above - 1] == a))
    return np.where(nonzero_values > 0, _ZERO_BUCKET + above, _ZERO_BUCKET - 1 - at_or_above)


def histogram_proto(values):
    """The HistogramProto of `values` (finite, any shape): each value lands in the first bucket whose
    limit exceeds it; runs of empty buckets collapse into their last limit, as TF encodes them."""
    x = np.asarray(values, np.float64).ravel()
    # zeros (half of a ReLU layer's activations) are counted, not searched, and add nothing to the sums
    nonzero_values = x[x != 0.0]
    buckets = _bucket_indices(nonzero_values)
    counts = np.bincount(buckets, minlength=len(BUCKET_LIMITS))
    counts[_ZERO_BUCKET] += x.size - nonzero_values.size
    nonzero = counts > 0
    keep = nonzero | np.append(nonzero[1:], True)  # a non-empty bucket, or the end of an empty run
    # TF adds the values one by one in double precision: a running sum, not numpy's pairwise one
    total, squares = (
        (np.cumsum(nonzero_values)[-1], np.cumsum(nonzero_values * nonzero_values)[-1])
        if nonzero_values.size
        else (0.0, 0.0)
    )
    return summary_pb2.HistogramProto(
        min=x.min() if x.size else sys.float_info.max,
        max=x.max() if x.size else -sys.float_info.max,
        num=x.size,
        sum=total,
        sum_squares=squares,
        bucket_limit=BUCKET_LIMITS[keep].tolist(),
        bucket=counts[keep].astype(np.float64).tolist(),
    )


def tensor_proto(value):
    """`value` as a TensorProto: strings in `string_val` (TensorBoard cannot read them from
    `tensor_content`, so TF's TensorSummaryV2 kernel writes them that way too), numbers as raw bytes."""
    dtype = dtypes.as_dtype(value.dtype)
    proto = tensor_pb2.TensorProto(dtype=data_type(dtype.name), tensor_shape=shape_proto(value.shape))
    if dtype == dtypes.string:
        proto.string_val.extend(value.ravel().tolist())
    else:
        proto.tensor_content = np.ascontiguousarray(value, value.dtype.newbyteorder("<")).tobytes()
    return proto


def _to_uint8(image, bad_color):
    """A float image mapped into [0, 255] as TF does: scaled so the largest value is 255 when none is
    negative, else centred on 128 and scaled by 127/max|v|; pixels with a non-finite channel get `bad_color`."""
    finite = np.isfinite(image).all(axis=-1)
    seen = image[finite]
    low, high = (seen.min(), seen.max()) if seen.size else (np.inf, -np.inf)
    if low < 0:
        peak = max(abs(low), abs(high))
        scale, offset = (0.0 if peak < 1e-6 else 127.0 / peak), 128.0
    else:
        scale, offset = (0.0 if high < 1e-6 else 255.0 / high), 0.0
    with np.errstate(invalid="ignore"):
        scaled = (image.astype(np.float32) * np.float32(scale) + np.float32(offset)).astype(np.uint8)
    scaled[~finite] = bad_color[: image.shape[-1]]
    return scaled


def image_proto(image, bad_color):
    """Summary.Image of one [height, width, channels] image (1, 3 or 4 channels) encoded as a PNG."""
    from PIL import Image  # Pillow (a tensorboard dependency) is loaded only when an image is written

    pixels = image if image.dtype == np.uint8 else _to_uint8(image, bad_color)
    height, width, channels = pixels.shape
    png = io.BytesIO()
    Image.fromarray(pixels[..., 0] if channels == 1 else pixels).save(png, format="PNG")
    return summary_pb2.Summary.Image(
        height=height, width=width, colorspace=channels, encoded_image_string=png.getvalue()
    )
