"""`mlctl local train` and `local predict`: a trainer package, or an exported model, with no server.

`local train` is the trainer runtime a worker runs (`trainer.run_job`), with a sink that prints the
job's log to the terminal instead of sending it to the API. `local predict` loads the export with the
serving code of the API (`api.serving`: the same loader, input checks and answers) in this process.
They are the CLI commands that import below the API client (see docs/architecture.md).
"""

from __future__ import annotations

import json
import signal
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from cli.context import CliContext
from cli.local_cluster import GCLOUD_START_PORT, local_tasks, run_local_cluster
from cli.predict import InputFile, read_request, show_predictions
from cli.status import API_STATUSES, ExitStatus
from trainer import JobSpec, JobState, LogLine, RuntimeConfig, Severity, run_job

app = typer.Typer(help="Run trainer packages on this machine, without a server.", no_args_is_help=True)
QUIET_SEVERITIES = frozenset({Severity.DEBUG, Severity.INFO})


class TerminalSink:
    """The job's lines as it prints them: INFO and DEBUG to stdout, the rest to stderr.

    A replica of a local cluster (`task`) puts its task name in front of each line.
    """

    def __init__(self, task: str = "") -> None:
        self.prefix = f"[{task}] " if task else ""

    def state(self, state: JobState, message: str, closing: Sequence[LogLine] = ()) -> None:
        self.log(closing)
        if state.is_terminal:
            typer.echo(f"{self.prefix}Job ended {state.value}" + (f": {message}" if message else ""), err=True)

    def log(self, lines: Sequence[LogLine]) -> None:
        for line in lines:
            quiet = line.severity in QUIET_SEVERITIES
            print(
                self.prefix + (line.message if quiet else f"{line.severity.value}: {line.message}"),
                file=sys.stdout if quiet else sys.stderr,
                flush=True,
            )

    def heartbeat(self) -> None:
        """Nobody watches a local job's pulse."""


@app.command("train")
def train(
    package_path: Annotated[Path, typer.Option(exists=True, file_okay=False, help="The trainer's package folder.")],
    module_name: Annotated[str, typer.Option(help="The module to run, e.g. trainer.task.")],
    user_args: Annotated[list[str] | None, typer.Argument(help="Arguments for the trainer, after `--`.")] = None,
    job_dir: Annotated[str | None, typer.Option(help="Where the job writes checkpoints (path or fsspec URL).")] = None,
    scale_tier: Annotated[str, typer.Option(help="The tier whose resource limits apply.")] = "BASIC",
    distributed: Annotated[bool, typer.Option(help="Run a master, workers and parameter servers.")] = False,
    worker_count: Annotated[int, typer.Option(min=0, help="Workers, with --distributed.")] = 2,
    parameter_server_count: Annotated[int, typer.Option(min=0, help="Parameter servers, with --distributed.")] = 2,
    evaluator_count: Annotated[int, typer.Option(min=0, max=1, help="Evaluators, with --distributed.")] = 0,
    start_port: Annotated[int, typer.Option(min=1, max=65000, help="The first port of the cluster.")] = (
        GCLOUD_START_PORT
    ),
) -> None:
    """Run `python -m MODULE ARGS --job-dir D` from the package folder, logs to the terminal; Ctrl-C cancels it.

    With --distributed, every replica of a cluster runs as a process of its own with its TF_CONFIG
    (localhost ports from --start-port), its lines prefixed with its task name; the others stop when
    the master ends, and the exit status is the master's.

    Example: mlctl local train --package-path trainer --module-name trainer.task --job-dir /tmp/out -- --steps 100
    """
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda signum, frame: _stop(stop, frame))
    spec = JobSpec(
        job_id="local",
        python_module=module_name,
        package_dir=package_path,
        args=tuple(user_args or ()),
        job_dir=job_dir,
        scale_tier=scale_tier,
        cancel=stop.is_set,
    )
    with tempfile.TemporaryDirectory(prefix="mlctl-local-") as work:
        if distributed:
            tasks = local_tasks(worker_count, parameter_server_count, evaluator_count)
            result = run_local_cluster(spec, tasks, start_port, Path(work), TerminalSink)
        else:
            result = run_job(spec, TerminalSink(), RuntimeConfig(work_root=Path(work), grace_seconds=5.0))
    if result.state is not JobState.SUCCEEDED:
        raise typer.Exit(ExitStatus.JOB_NOT_SUCCEEDED)


def _stop(stop: threading.Event, _frame: FrameType | None) -> None:
    typer.echo("Stopping the job (Ctrl-C)...", err=True)
    stop.set()


@app.command("predict")
def predict(
    typer_ctx: typer.Context,
    model_dir: Annotated[str, typer.Option(help="The exported model folder (or an fsspec URL).")],
    json_instances: InputFile = None,
    text_instances: InputFile = None,
    signature_name: Annotated[str | None, typer.Option(help="A signature other than serving_default.")] = None,
) -> None:
    """Predict with an exported model on this machine, as the server would answer.

    Example: mlctl local predict --model-dir out/export/exporter/1700000000 --json-instances instances.json
    """
    # Imported here: the engine and the serving code take a second to import, which no other command needs.
    from api.errors import ApiError
    from api.serving import instances
    from api.serving.cache import load_servable
    from api.serving.runtime import INPUT_ERRORS, input_error, runner, signature_key
    from engine.saved_model import ModelLoadError

    ctx: CliContext = typer_ctx.obj
    body = read_request(json_instances, text_instances, None)
    try:
        predictor = load_servable(model_dir)
        key = signature_key(predictor, signature_name)
        request = instances.rows(body["instances"], predictor.signatures[key].inputs, len(body["instances"]) or 1)
        run = runner(predictor, key)
        try:
            outputs = run(request.columns)
        except INPUT_ERRORS as exc:
            raise input_error(run, request, exc) from None
    except ModelLoadError as exc:
        typer.echo(f"ERROR: {model_dir} cannot be served: {exc}", err=True)
        raise typer.Exit(ExitStatus.FAILED_PRECONDITION) from exc
    except ApiError as exc:
        typer.echo(f"ERROR: {exc.message}", err=True)
        raise typer.Exit(API_STATUSES.get(exc.status, ExitStatus.ERROR)) from exc
    answer = instances.answer_of(instances.jsonable(outputs), 0, request.count, False, bare_single=False)
    show_predictions(ctx, json.loads(instances.dumps({"predictions": answer})))
