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


_ZERO_BUCKET = int(np.searchsorted(BUCKET_LIMITS, 0.0, side="right"))


def histogram_proto(values):
    """The HistogramProto of `values` (finite, any shape): each value lands in the first bucket whose
    limit exceeds it; runs of empty buckets collapse into their last limit, as TF encodes them."""
    x = np.asarray(values, np.float64).ravel()
    # zeros (half of a ReLU layer's activations) are counted, not searched, and add nothing to the sums
    nonzero_values = x[x != 0.0]
    # DBL_MAX itself would fall past the last bucket (out of bounds in TF's C++): it joins the last one
    buckets = np.minimum(np.searchsorted(BUCKET_LIMITS, nonzero_values, side="right"), len(BUCKET_LIMITS) - 1)
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
