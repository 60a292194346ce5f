"""`POST /v1/projects/{p}/models/{m}[/versions/{v}]:predict` (ML Engine), `/metrics`, and the echo route.

These are plain Starlette routes, not FastAPI ones: the body is read with a size limit and parsed
by orjson, with no pydantic model in the way, because this is the path that must keep up with
thousands of requests a second. Errors still go through `api.errors` like every other route.

`POST /v1/echo` parses a JSON body and writes it back through the same stack: the HTTP ceiling
that `bench/predict.py` measures predictions against.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from api.auth import predict_access
from api.errors import ApiError, InvalidArgument, ResourceExhausted
from api.serving import instances
from api.serving.runtime import Serving, signature_key
from api.store.versions import Deployment

router = APIRouter()
JSON = "application/json"
_NOT_JSON_NUMBERS = (b"NaN", b"Infinity")


def serving_of(request: Request) -> Serving:
    serving: Serving = request.app.state.serving
    return serving


def json_response(body: Any, status_code: int = 200) -> Response:
    return Response(instances.dumps(body), status_code, media_type=JSON)


async def read_json(request: Request, limit: int) -> Any:
    """The body as JSON, refused past `limit` bytes (by Content-Length first, then while reading)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ResourceExhausted(f"body: {declared} bytes; the limit is {limit} bytes")
    body = bytearray()  # appended in place: a body in many chunks is not copied once per chunk
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ResourceExhausted(f"body: over the limit of {limit} bytes")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        hint = "; NaN and Infinity are not JSON numbers" if any(w in body for w in _NOT_JSON_NUMBERS) else ""
        raise InvalidArgument(f"body: not JSON ({exc}){hint}") from None


async def predict_json(
    serving: Serving, deployment: Deployment, body: Any, columnar_ok: bool = False
) -> instances.Answer:
    """The answer to a body with `instances` (rows) or, for TF Serving (`columnar_ok`), also `inputs`."""
    if not isinstance(body, dict) or not ("instances" in body or (columnar_ok and "inputs" in body)):
        forms = ("instances", "inputs") if columnar_ok else ("instances",)
        raise InvalidArgument(f"body: expected a JSON object with {' or '.join(repr(form) for form in forms)}")
    loaded = serving.ready(deployment) or await serving.loaded(deployment)
    key = signature_key(loaded.predictor, body.get("signature_name"))
    inputs = loaded.predictor.signatures[key].inputs
    limit = serving.settings.max_instances_per_request
    if "instances" in body:
        request = instances.rows(body["instances"], inputs, limit)
    else:
        request = instances.columnar(body["inputs"], inputs, limit)
    outputs, start, stop = await serving.predict(deployment, loaded, key, request)
    value = instances.answer_of(outputs, start, stop, request.columnar, bare_single=columnar_ok)
    return instances.Answer(value, request.columnar)


Handler = Callable[[Serving, Deployment, Any], Awaitable[Any]]


async def measured(request: Request, project: str, model: str, version: str | None, handle: Handler) -> Response:
    """Resolve the version, run `handle`, and count the request, its errors and its latency."""
    await predict_access(request, project)
    serving = serving_of(request)
    started = time.perf_counter()
    names = ("", "")
    try:
        body = await read_json(request, serving.settings.max_predict_body_bytes)
        deployment = serving.known(project, model, version) or await serving.deployment(project, model, version)
        names = (deployment.model, deployment.version)
        return json_response(await handle(serving, deployment, body))
    except ApiError as exc:
        serving.metrics.errors.labels(*names, exc.status).inc()
        raise
    finally:
        serving.metrics.of(*names).count(time.perf_counter() - started)


async def _ml_engine(serving: Serving, deployment: Deployment, body: Any) -> Any:
    return {"predictions": (await predict_json(serving, deployment, body)).value}


async def predict_default(request: Request) -> Response:
    params = request.path_params
    return await measured(request, params["project"], params["model"], None, _ml_engine)


async def predict_version(request: Request) -> Response:
    params = request.path_params
    return await measured(request, params["project"], params["model"], params["version"], _ml_engine)


async def echo(request: Request) -> Response:
    return json_response(await read_json(request, serving_of(request).settings.max_predict_body_bytes))


async def metrics(request: Request) -> Response:
    metrics = serving_of(request).metrics
    metrics.flush()
    # In a thread: the registry's store collector (api/metrics.py) queries the database.
    text = await run_in_threadpool(metrics.text)
    return Response(text, media_type="text/plain; version=0.0.4; charset=utf-8")


router.add_route("/v1/projects/{project}/models/{model}:predict", predict_default, ["POST"])
router.add_route("/v1/projects/{project}/models/{model}/versions/{version}:predict", predict_version, ["POST"])
router.add_route("/v1/echo", echo, ["POST"])
router.add_route("/metrics", metrics, ["GET"])
