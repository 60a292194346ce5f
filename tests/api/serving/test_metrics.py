"""A version's requests and latencies are held until a scrape flushes them (or FLUSH_EVERY of them
are counted), then written into the Prometheus metrics, each exactly once."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from api.serving.metrics import FLUSH_EVERY, Metrics


def _samples(metrics: Metrics) -> dict[str, float]:
    text = metrics.text().decode()
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.labels.get("model") == "m"
        and sample.name.endswith(("requests_total", "seconds_count", "seconds_sum"))
    }


def test_requests_are_written_at_a_flush_once_each() -> None:
    metrics = Metrics()
    for seconds in (0.25, 0.5):
        metrics.of("m", "v1").count(seconds)
    assert _samples(metrics).get("mlctl_prediction_requests_total", 0.0) == 0.0  # held until a flush
    metrics.flush()
    want = {
        "mlctl_prediction_requests_total": 2.0,
        "mlctl_prediction_latency_seconds_count": 2.0,
        "mlctl_prediction_latency_seconds_sum": 0.75,
    }
    assert _samples(metrics) == want
    metrics.flush()
    assert _samples(metrics) == want  # nothing written twice


def test_a_busy_version_writes_its_requests_without_a_scrape() -> None:
    metrics = Metrics()
    for _ in range(FLUSH_EVERY + 1):
        metrics.of("m", "v1").count(0.001)
    assert _samples(metrics)["mlctl_prediction_requests_total"] == FLUSH_EVERY
    metrics.flush()
    assert _samples(metrics)["mlctl_prediction_requests_total"] == FLUSH_EVERY + 1
