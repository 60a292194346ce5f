"""The embedded broker's own publish (`scheduler.broker.Channel._put`) against kombu's consumer side."""

from __future__ import annotations

from pathlib import Path

from kombu import Connection

from scheduler.broker import celery_broker


def test_published_messages_are_received_once_in_order_by_queue(tmp_path: Path) -> None:
    url, transport = celery_broker(f"sqla+sqlite:///{tmp_path}/broker.db")
    with Connection(url, transport=transport) as connection:
        basic, gpu = connection.SimpleQueue("basic"), connection.SimpleQueue("gpu")
        for n in range(3):
            basic.put({"job": f"b{n}", "args": ["p", n]})
        gpu.put({"job": "g0"})
        received = []
        for _ in range(3):
            message = basic.get(timeout=2)
            received.append(message.payload)
            message.ack()
        assert received == [{"job": "b0", "args": ["p", 0]}, {"job": "b1", "args": ["p", 1]},
                            {"job": "b2", "args": ["p", 2]}]  # fmt: skip
        assert basic.qsize() == 0
        assert gpu.get(timeout=2).payload == {"job": "g0"}
        basic.close()
        gpu.close()
