"""The tuner: drives each tuning job's Optuna study, one pass at a time, from the API process.

A pass over a job (`Tuner.drive`) reads everything from the store and the study — nothing
lives only in memory, so an API restart, or another replica taking over an expired lease,
carries on where the last pass stopped:

1. finished trials (child jobs in a final state) are told to the study with their metric,
   read from JOB_DIR/<trialId>/ (`api.tuning.metrics`); with early stopping, running trials'
   new intermediate values go to the median pruner, and a trial it prunes is cancelled and
   counted as stopped early (its last value is its result);
2. a job being cancelled cancels its running trials and ends CANCELLED once none runs;
3. too many failed trials (`failure_reason`) fail the job, with the reason, cancelling the rest;
4. otherwise new trials are asked of the study and started as child jobs on the job's pool,
   never more than maxParallelTrials at once, until the budget is used; the job ends
   SUCCEEDED when the last trial has ended (FAILED if none succeeded);
5. trainingOutput is rewritten: the trials best first, completedTrialCount, the metric tag.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import optuna
from optuna.storages import RDBStorage
from optuna.trial import TrialState
from sqlalchemy.orm import Session

from api.context import AppContext
from api.states import JobState, ScaleTier, Severity
from api.store import jobs as store
from api.store import trials as trial_store
from api.store.logs import LogLine, append_job_logs
from api.store.models import Job, Project, TuningJob, TuningTrial, utcnow
from api.summaries import ScalarReader
from api.tuning import space
from api.tuning.metrics import Point, metric_series, trial_folder
from api.tuning.output import training_output
from api.tuning.study import load, optuna_storage, seeded, tell
from api.tuning_schemas import HyperparameterSpec
from scheduler.dispatch import BrokerUnavailable

log = logging.getLogger(__name__)
# Without maxFailedTrials, the job fails when its first trials all failed (the package is most likely
# broken) or when half its budget failed (success has become unlikely).
FIRST_TRIALS_FAILING = 3


def failure_reason(spec: HyperparameterSpec, budget: int, states: list[JobState]) -> str | None:
    """Why the job must fail given its finished trials' states (in trial order), or None."""
    failed = states.count(JobState.FAILED)
    if spec.max_failed_trials:
        limit = spec.max_failed_trials
        return f"{failed} trials failed, reaching maxFailedTrials ({limit})" if failed >= limit else None
    first = min(FIRST_TRIALS_FAILING, budget)
    if len(states) >= first and all(state is JobState.FAILED for state in states[:first]):
        return f"the first {first} trials all failed (maxFailedTrials unset: the platform stops here)"
    if failed * 2 >= budget:
        return f"{failed} of {budget} trials failed (maxFailedTrials unset: the platform stops at half)"
    return None


def trial_input(parent: Job, trial_id: int, values: dict[str, space.Value]) -> dict[str, Any]:
    """The child job's trainingInput: the job's, with the trial's flags after its args and its trial id."""
    training_input = dict(parent.training_input)
    training_input["args"] = [*training_input.get("args", []), *space.flags(values)]
    training_input["trialId"] = str(trial_id)
    return training_input


@dataclass
class _Pass:
    """One pass over one job: its session, study and what to dispatch once the pass has committed."""

    session: Session
    project: str
    job: Job
    tuning: TuningJob
    spec: HyperparameterSpec
    study: optuna.Study
    dispatch: list[tuple[str, str, ScaleTier]] = field(default_factory=list)

    def note(self, message: str, severity: Severity = Severity.INFO, trial_id: str = "") -> None:
        append_job_logs(self.session, self.job.id, [LogLine(message, severity, trial_id=trial_id)])


@dataclass
class Tuner:
    ctx: AppContext
    owner: str
    reader: ScalarReader = field(default_factory=ScalarReader)
    # Jobs this process has driven: on its first pass over a job it re-dispatches the trials still
    # QUEUED (their message may have been lost with a crash between the commit and the send).
    seen: set[int] = field(default_factory=set)

    @cached_property
    def storage(self) -> RDBStorage:
        # Opened on the first pass, in the tuner's thread: creating Optuna's tables must not delay the API's start.
        return optuna_storage(self.ctx.settings, self.ctx.engine)

    def run_once(self, lease_seconds: float) -> None:
        with self.ctx.transaction() as session:
            pks = trial_store.lease(session, self.owner, utcnow(), lease_seconds)
        for pk in pks:
            try:
                self.drive(pk)
            except Exception:  # one job's trouble (its storage unreachable) must not stop the others
                log.exception("tuning job %s: pass failed", pk)

    def drive(self, job_pk: int) -> None:
        with self.ctx.transaction() as session:
            job = session.get_one(Job, job_pk)
            tuning = session.get_one(TuningJob, job_pk)
            project = session.get_one(Project, job.project_id).name
            spec = HyperparameterSpec.model_validate(job.training_input["hyperparameters"])
            study = load(self.storage, tuning.study_name, spec)
            step = _Pass(session, project, job, tuning, spec, study)
            if job_pk not in self.seen:
                self._recover(step)
            self._step(step)
        for project, child_id, tier in step.dispatch:
            try:
                self.ctx.dispatch(project, child_id, tier)
            except BrokerUnavailable:
                log.warning("tuning job %s: the broker refused trial %s; sent again next pass", job_pk, child_id)
                self.seen.discard(job_pk)
                return
        self.seen.add(job_pk)

    def _recover(self, step: _Pass) -> None:
        rows = trial_store.trials_of(step.session, step.job.id)
        known = {trial.optuna_trial_id for trial, _ in rows}
        for frozen in step.study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            if frozen._trial_id not in known:  # asked, then the API stopped before its child job was stored
                self._start(step, frozen.number, frozen._trial_id, frozen.params)
        tier = ScaleTier(step.job.scale_tier)
        step.dispatch += [(step.project, child.job_id, tier) for _, child in rows if child.state == JobState.QUEUED]

    def _step(self, step: _Pass) -> None:
        rows = trial_store.trials_of(step.session, step.job.id)
        for trial, child in rows:
            if not trial.finished:
                self._follow(step, trial, child)
        state = JobState(step.job.state)
        running = [(trial, child) for trial, child in rows if not trial.finished]
        budget = space.trial_budget(step.spec)
        reason = failure_reason(step.spec, budget, [JobState(t.state) for t, _ in rows if t.finished])
        if state in (JobState.CANCELLING, JobState.CANCELLED) or state.is_terminal or reason:
            self._wind_down(step, state, running, reason)
        else:
            self._launch(step, len(rows), len(running), budget)
            rows = trial_store.trials_of(step.session, step.job.id)
            if len(rows) >= budget and all(trial.finished for trial, _ in rows):
                succeeded = any(trial.state == JobState.SUCCEEDED for trial, _ in rows)
                target = JobState.SUCCEEDED if succeeded else JobState.FAILED
                message = None if succeeded else "no trial succeeded; the trials' logs say why"
                store.transition(step.session, step.project, step.job.job_id, target, error_message=message)
                step.tuning.active = False
                step.session.refresh(step.job)
        step.job.training_output = training_output(step.spec, trial_store.trials_of(step.session, step.job.id))

    def _wind_down(
        self, step: _Pass, state: JobState, running: list[tuple[TuningTrial, Job]], reason: str | None
    ) -> None:
        if reason and not state.is_terminal:
            step.note(f"Stopping the tuning job: {reason}", Severity.ERROR)
            store.transition(step.session, step.project, step.job.job_id, JobState.FAILED, error_message=reason)
        for _, child in running:
            store.cancel_job(step.session, step.project, child.job_id)
        if not running:  # every trial has ended: so may the job, and the tuner is done with it
            if state is JobState.CANCELLING:
                store.transition(step.session, step.project, step.job.job_id, JobState.CANCELLED)
            step.tuning.active = False
        step.session.refresh(step.job)

    def _launch(self, step: _Pass, started: int, running: int, budget: int) -> None:
        distributions = space.distributions(step.spec)
        while running < step.spec.max_parallel_trials and started < budget:
            asked = seeded(step.study, step.spec).ask(distributions)
            self._start(step, asked.number, asked._trial_id, asked.params)
            running, started = running + 1, started + 1

    def _start(self, step: _Pass, number: int, optuna_trial_id: int, params: dict[str, Any]) -> None:
        """Store the study's trial as a child job, to dispatch once the pass has committed."""
        trial_id = number + 1
        values = space.trial_values(step.spec, params)
        child_input = trial_input(step.job, trial_id, values)
        child = trial_store.add_trial(
            step.session, step.project, step.job, trial_id, optuna_trial_id, values, child_input
        )
        if step.job.state == JobState.QUEUED:
            store.transition(step.session, step.project, step.job.job_id, JobState.RUNNING)
        step.note(f"Trial {trial_id} queued: {' '.join(space.flags(values))}", trial_id=str(trial_id))
        step.dispatch.append((step.project, child.job_id, ScaleTier(child.scale_tier)))

    def _series(self, step: _Pass, trial: TuningTrial) -> list[Point]:
        folder = trial_folder(step.job.training_input["jobDir"], trial.trial_id)
        return metric_series(self.reader, folder, step.spec.hyperparameter_metric_tag)

    def _follow(self, step: _Pass, trial: TuningTrial, child: Job) -> None:
        child_state = JobState(child.state)
        if child_state.is_terminal:
            self._finish(step, trial, child_state)
            return
        trial.state = child.state
        if step.spec.enable_trial_early_stopping and child_state is JobState.RUNNING and not trial.stopped_early:
            self._report(step, trial, child)

    def _report(self, step: _Pass, trial: TuningTrial, child: Job) -> None:
        series = self._series(step, trial)
        if len(series) <= trial.reported_steps:
            return
        running = optuna.trial.Trial(step.study, trial.optuna_trial_id)
        for point in series[trial.reported_steps :]:  # a step reported twice is ignored by Optuna
            running.report(point.value, point.step)
        trial.reported_steps = len(series)
        if running.should_prune():
            last = series[-1]
            step.note(
                f"Trial {trial.trial_id} stopped early at step {last.step}: its {step.spec.hyperparameter_metric_tag} "
                f"{last.value:g} is worse than the median of earlier trials at that step",
                trial_id=str(trial.trial_id),
            )
            trial.stopped_early = True
            store.cancel_job(step.session, step.project, child.job_id)

    def _finish(self, step: _Pass, trial: TuningTrial, child_state: JobState) -> None:
        series = self._series(step, trial) if child_state is JobState.SUCCEEDED or trial.stopped_early else []
        if trial.stopped_early:  # the value it was stopped on, not one written while the cancel travelled
            series = series[: trial.reported_steps]
        number = trial.trial_id - 1
        if series:
            last = series[-1]
            trial.objective_value, trial.training_step = last.value, last.step
            trial.state = JobState.SUCCEEDED.value
            if trial.stopped_early:
                tell(step.study, number, state=TrialState.PRUNED)
            else:
                tell(step.study, number, last.value)
        else:
            trial.state = child_state.value if child_state is not JobState.SUCCEEDED else JobState.FAILED.value
            tell(step.study, number, state=TrialState.FAIL)
            if child_state is JobState.SUCCEEDED:
                tag = step.spec.hyperparameter_metric_tag
                step.note(
                    f"Trial {trial.trial_id} reported no value of {tag!r} (neither engine.hypertune/cloudml-hypertune "
                    f"reports nor TensorBoard summaries under {trial.trial_id}/ in the job dir): counted as failed",
                    Severity.ERROR,
                    trial_id=str(trial.trial_id),
                )
        trial.finished = True
        done = (
            ""
            if trial.objective_value is None
            else f", {step.spec.hyperparameter_metric_tag} = {trial.objective_value:g}"
        )
        step.note(f"Trial {trial.trial_id} ended {trial.state}{done}", trial_id=str(trial.trial_id))
