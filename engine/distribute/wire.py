"""The message format between cluster tasks: one JSON header frame, then the arrays' raw bytes. Nothing
is pickled. Arrays under 64 kB travel packed one after another in one frame (a frame costs each side
more than copying a few kB: a step's dozen small gradients are one frame, not a dozen); a larger array
has a frame of its own, sent and received without copies. The header gives each array's dtype, shape,
frame and byte offset; the receiver's arrays are read-only views of the received buffers.

    send(socket, {"cmd": "pull", "names": ["w"]})
    header, arrays = unpack(socket.recv_multipart(copy=False))
"""

import json
import math

import numpy as np

from engine.tensor_shape import TensorShape

# below this size ZeroMQ copies a frame faster than it tracks a zero-copy one (its documented advice):
# pyzmq's default copy_threshold, which `send` leaves it to apply frame by frame
ZERO_COPY_BYTES = 64 * 1024
_PACKED = 1  # the frame of the small arrays (frame 0 is the header)
# each packed array starts at a multiple of this: an int64 after an odd count of float32s stays aligned
# (numpy takes slower paths on misaligned arrays)
_ALIGN = 16


def _json_default(value):
    if isinstance(value, TensorShape):
        return value.as_list() if value.ndims is not None else None
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot send {type(value).__name__} in a message header")


def frames(header, arrays=()):
    """The frames of a message: the header (with each array's dtype, shape, frame and offset added),
    the small arrays' bytes packed in one frame, then each large array."""
    arrays = [a if a.flags.c_contiguous else np.ascontiguousarray(a) for a in map(np.asarray, arrays)]
    small, large, layout, offset = [], [], [], 0
    for a in arrays:
        if a.nbytes < ZERO_COPY_BYTES:
            pad = -offset % _ALIGN
            if pad:
                small.append(bytes(pad))
            layout.append([a.dtype.str, list(a.shape), _PACKED, offset + pad])
            small.append(a)
            offset += pad + a.nbytes
        else:
            large.append(a)
            layout.append([a.dtype.str, list(a.shape), _PACKED + len(large), 0])
    header = json.dumps(dict(header, arrays=layout), default=_json_default).encode()
    return [header, b"".join(small), *large] if arrays else [header]


def send(socket, header, arrays=(), prefix=()):
    """Sends the message on `socket` (after the `prefix` frames, a ROUTER's peer); returns its bytes."""
    parts = frames(header, arrays)
    socket.send_multipart([*prefix, *parts], copy=False)  # pyzmq still copies each frame under its threshold
    return message_bytes(parts)


def _buffer(part):
    """The bytes of a received zmq Frame, or of a part given as bytes."""
    return part.buffer if hasattr(part, "buffer") else part


def unpack(parts):
    """(header dict, [arrays]) from the frames of one message (zmq Frames or bytes); the arrays are
    read-only views of the received buffers."""
    buffers = [_buffer(p) for p in parts]
    header = json.loads(bytes(buffers[0]))
    arrays = []
    for dtype, shape, frame, offset in header.pop("arrays"):
        dtype = np.dtype(dtype)
        count = math.prod(shape)
        arrays.append(np.frombuffer(buffers[frame], dtype, count, offset).reshape(shape))
    return header, arrays


def message_bytes(parts):
    """The bytes a message puts on the wire (header and arrays), for the benchmark's accounting."""
    return sum(memoryview(_buffer(p)).nbytes for p in parts)
