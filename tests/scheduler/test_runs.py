"""The worker's protocol with the API, called directly: claims, fencing by run id, log batches stored
once, releases. Jobs are BASIC_TPU, which no worker of the test platform serves."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.client import ApiError
from scheduler.client import ClaimBusy, RunAborted, WorkerApi
from tests.live import job_body, start_server
from tests.scheduler.platform import Platform, messages

embedded_only = pytest.mark.parametrize("platform", ["embedded"], indirect=True)
LINE = {"message": "hello", "severity": "INFO", "taskName": "master-replica-0", "trialId": ""}


@pytest.fixture
def api(platform: Platform) -> Iterator[WorkerApi]:
    worker = WorkerApi(platform.url, platform.server.settings.worker_token_value(), patience=5)
    yield worker
    worker.close()


def _queued(platform: Platform, project: str, job_id: str) -> None:
    platform.client(project).create_job(job_body(job_id, scaleTier="BASIC_TPU"))


@embedded_only
def test_a_held_job_is_not_claimed_twice_and_a_taken_back_run_is_fenced_off(
    platform: Platform, project: str, api: WorkerApi
) -> None:
    _queued(platform, project, "held")
    first = api.claim(project, "held", "w1")
    assert first.run_id and first.attempt == 1 and first.training_input["scaleTier"] == "BASIC_TPU"
    with pytest.raises(ClaimBusy):
        api.claim(project, "held", "w2")
    api.release(project, "held", first.run_id, "stopping", failed=False)
    second = api.claim(project, "held", "w2")
    assert second.run_id != first.run_id and second.attempt == 1  # a stop does not use an attempt
    with pytest.raises(RunAborted):
        api.heartbeat(project, "held", first.run_id)
    assert api.heartbeat(project, "held", second.run_id) == "QUEUED"


@embedded_only
def test_a_retried_log_batch_or_final_state_is_stored_once_and_states_follow_the_table(
    platform: Platform, project: str, api: WorkerApi
) -> None:
    _queued(platform, project, "logged")
    run = api.claim(project, "logged", "w1").run_id
    assert run is not None
    for seq in (1, 1, 2):  # batch 1 sent twice, as after a lost answer
        api.append_logs(project, "logged", run, seq, [{**LINE, "message": f"batch {seq}"}])
    assert messages(platform.client(project), "logged")[1:] == ["batch 1", "batch 2"]
    assert api.report_state(project, "logged", run, "RUNNING", "") == "RUNNING"
    closing = {"seq": 3, "lines": [{**LINE, "message": "Job completed successfully."}]}
    for _ in range(2):  # the final state with its closing batch, sent twice, as after a lost answer
        answer = api.report_state(project, "logged", run, "SUCCEEDED", "", {"consumedMLUnits": 0.5}, closing)
        assert answer == "SUCCEEDED"
    assert api.report_state(project, "logged", run, "RUNNING", "") == "SUCCEEDED"  # terminal stays terminal
    assert messages(platform.client(project), "logged")[1:] == ["batch 1", "batch 2", "Job completed successfully."]
    job = platform.client(project).get_job("logged")
    assert job["trainingOutput"]["consumedMLUnits"] == 0.5
    assert api.claim(project, "logged", "w2").reason == "the job is already SUCCEEDED"


@embedded_only
def test_a_job_cancelled_before_its_claim_ends_cancelled(platform: Platform, project: str, api: WorkerApi) -> None:
    _queued(platform, project, "early")
    run = api.claim(project, "early", "w1").run_id
    assert run is not None
    platform.client(project).cancel_job("early")  # QUEUED with a claim: cancelled at once
    assert platform.client(project).get_job("early")["state"] == "CANCELLED"
    assert api.heartbeat(project, "early", run) == "CANCELLED"


def test_a_job_the_broker_cannot_take_ends_failed_with_the_reason(tmp_path: Path) -> None:
    server = start_server(tmp_path, broker_url="redis://127.0.0.1:1/0")  # nothing listens on port 1
    try:
        client = server.client("p")
        with pytest.raises(ApiError) as refused:
            client.create_job(job_body("orphan"))
        assert refused.value.code == 503 and "broker cannot be reached" in refused.value.message
        job = client.get_job("orphan")
        assert job["state"] == "FAILED" and job["errorMessage"].startswith("not queued: the broker cannot be reached")
    finally:
        server.stop()
