"""The cluster's message format: arrays under 64 kB travel packed in one frame, a larger one in a frame
of its own; every array comes back with its dtype, shape and values, as a read-only view."""

import numpy as np

from engine.distribute import wire


def test_small_arrays_share_one_frame_and_a_large_one_has_its_own():
    small = [np.arange(6, dtype=np.int64).reshape(2, 3), np.array(2.5, np.float32), np.zeros((0, 3), np.float32)]
    large = np.linspace(0, 1, 20_000, dtype=np.float32)  # 80 kB
    strided = np.arange(10, dtype=np.float64)[::3]
    parts = wire.frames({"cmd": "push", "step": 3}, [*small, large, strided])
    assert len(parts) == 3  # the header, the four small arrays packed, the large one
    assert parts[2] is large  # sent as it is, without a copy
    header, arrays = wire.unpack([bytes(p) for p in parts])  # as received: buffers of their own
    assert header == {"cmd": "push", "step": 3}
    for sent, received in zip([*small, large, strided], arrays):
        assert (received.dtype, received.shape) == (sent.dtype, sent.shape)
        np.testing.assert_array_equal(received, sent)
        assert not received.flags.writeable and received.flags.aligned
    # the packed arrays start at multiples of 16 bytes: 48 bytes, 4 (+ 12 of padding), 0, 32
    assert wire.message_bytes(parts) == len(parts[0]) + 48 + 16 + 80_000 + 32


def test_a_message_without_arrays_is_its_header_alone():
    parts = wire.frames({"cmd": "ping"})
    assert len(parts) == 1
    assert wire.unpack(parts) == ({"cmd": "ping"}, [])
