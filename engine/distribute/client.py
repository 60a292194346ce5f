"""The training task's side of the cluster protocol: one DEALER socket per ps task, requests sent to
all the ps tasks at once and their answers gathered (one round trip per step, whatever the ps count),
possibly later than they were sent, with a deadline that names the peer that did not answer."""

import time

import zmq

from engine import errors
from engine.distribute import wire
from engine.distribute.ps import UNINITIALIZED

DEFAULT_TIMEOUT_SECS = 30.0


class PsUninitialized(Exception):
    """A ps task has no values yet: the chief has not initialized (or restored) them."""


class PsClients:
    """Sockets to the ps tasks `addresses` (ps task i at addresses[i])."""

    def __init__(self, addresses, timeout_secs=DEFAULT_TIMEOUT_SECS):
        self.addresses = list(addresses)
        self.timeout_secs = timeout_secs
        # what the benchmark reports: bytes each way, and the time spent making and reading messages
        # (serialisation) and waiting for answers (the network and the ps's work)
        self.stats = dict.fromkeys(("bytes_sent", "bytes_received", "serialise_secs", "wait_secs"), 0)
        self._context = zmq.Context.instance()
        self._sockets = [self._connect(a) for a in self.addresses]

    def _connect(self, address):
        socket = self._context.socket(zmq.DEALER)
        socket.setsockopt(zmq.LINGER, 0)
        socket.connect(f"tcp://{address}")
        return socket

    def _peer(self, task):
        return f"parameter server ps:{task} at {self.addresses[task]}"

    def request(self, requests, timeout_secs=None):
        """Sends {task: (header, arrays)} to those ps tasks at once; returns {task: (header, arrays)}."""
        self.send(requests)
        return self.receive(requests, timeout_secs)

    def send(self, requests):
        """Sends {task: (header, arrays)} to those ps tasks at once, without waiting: `receive` reads
        the answers (a ps answers a task's requests in the order they were sent)."""
        started = time.perf_counter()
        for task, (header, arrays) in requests.items():
            self.stats["bytes_sent"] += wire.send(self._sockets[task], header, arrays)
        self.stats["serialise_secs"] += time.perf_counter() - started

    def receive(self, tasks, timeout_secs=None):
        """{task: (header, arrays)}: the answers of `tasks` to what was sent them. A ps that has not
        answered after `timeout_secs` (default: the clients') is given up only if it does not answer a
        ping either: a synchronous step waits for the slowest replica (which may be evaluating), and a
        loaded host may be slow, but a ps that is gone is named."""
        timeout_secs = timeout_secs or self.timeout_secs
        deadline = time.monotonic() + timeout_secs
        return {task: self._answer(task, deadline, timeout_secs) for task in tasks}

    def _answer(self, task, deadline, timeout_secs):
        socket = self._sockets[task]
        started = time.perf_counter()
        answered = socket.poll(max(0.0, deadline - time.monotonic()) * 1000)
        while not answered and self._alive(task, timeout_secs):
            answered = socket.poll(timeout_secs * 1000)
        self.stats["wait_secs"] += time.perf_counter() - started
        if not answered:
            # a late answer must not be read as the answer to the next request: start afresh
            socket.close()
            self._sockets[task] = self._connect(self.addresses[task])
            raise errors.UnavailableError(None, None, f"{self._peer(task)} did not answer within {timeout_secs:g} s")
        started = time.perf_counter()
        parts = socket.recv_multipart(copy=False)
        header, arrays = wire.unpack(parts)
        self.stats["serialise_secs"] += time.perf_counter() - started
        self.stats["bytes_received"] += wire.message_bytes(parts)
        if not header.get("ok"):
            if header.get("error") == UNINITIALIZED:
                raise PsUninitialized(self._peer(task))
            raise errors.InternalError(None, None, f"{self._peer(task)} refused a request: {header.get('error')}")
        return header, arrays

    def _alive(self, task, timeout_secs):
        """Whether ps `task` answers a ping on a connection of its own within `timeout_secs`."""
        probe = self._connect(self.addresses[task])
        try:
            wire.send(probe, {"cmd": "ping"})
            return bool(probe.poll(timeout_secs * 1000))
        finally:
            probe.close()

    def close(self):
        for socket in self._sockets:
            socket.close()
        self._sockets = []
