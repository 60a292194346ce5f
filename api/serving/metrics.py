"""Prometheus metrics of online prediction, in a registry of the app's own (so two apps never mix them).

    mlctl_prediction_requests_total{model,version}         requests answered, errors included
    mlctl_prediction_errors_total{model,version,status}    by google.rpc status (INVALID_ARGUMENT, ...)
    mlctl_prediction_latency_seconds{model,version}        from the body read to the answer
    mlctl_prediction_batch_size{model,version}             instances per run of the model
    mlctl_models_loaded                                    models in the cache

A request that names no existing version is counted under model and version "". Requests and their
latencies are written into the metrics at each scrape of /metrics (`flush`), not one by one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
LABELS = ("model", "version")
FLUSH_EVERY = 1024  # requests a version counts before writing them into its metrics without a scrape


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "mlctl_prediction_requests", "Prediction requests answered", LABELS, registry=self.registry
        )
        self.errors = Counter(
            "mlctl_prediction_errors",
            "Prediction requests answered with an error",
            (*LABELS, "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "mlctl_prediction_latency_seconds",
            "Prediction latency in the server",
            LABELS,
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.batch_size = Histogram(
            "mlctl_prediction_batch_size",
            "Instances per run of a model",
            LABELS,
            buckets=BATCH_BUCKETS,
            registry=self.registry,
        )
        self.models_loaded = Gauge("mlctl_models_loaded", "Models in the serving cache", registry=self.registry)
        self._versions: dict[tuple[str, str], VersionMetrics] = {}

    def of(self, model: str, version: str) -> VersionMetrics:
        """The metrics of one version, looked up once: `labels()` is a locked dict lookup per call."""
        found = self._versions.get((model, version))
        if found is None:
            found = self._versions[model, version] = VersionMetrics(
                self.requests.labels(model, version), self.latency.labels(model, version)
            )
        return found

    def flush(self) -> None:
        """Write the requests counted since the last flush into the Prometheus metrics; on the event loop,
        the thread that counts them, before a scrape."""
        for counted in self._versions.values():
            counted.flush()

    def text(self) -> bytes:
        """The Prometheus text exposition of every metric (as of the last `flush`)."""
        return generate_latest(self.registry)


@dataclass
class VersionMetrics:
    """A version's requests and their latencies, appended to a list (no lock, ~1.5 µs a prediction less
    than the Prometheus calls) and written into the metrics at each scrape, or every `FLUSH_EVERY`."""

    requests: Any
    latency: Any
    pending: list[float] = field(default_factory=list)

    def count(self, seconds: float) -> None:
        self.pending.append(seconds)
        if len(self.pending) >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        pending, self.pending = self.pending, []
        if pending:
            self.requests.inc(len(pending))
            for seconds in pending:
                self.latency.observe(seconds)
