"""A request id for every request, carried into its log records and into the Celery tasks it
enqueues, so one id follows a piece of work from the HTTP request to the worker that finishes it.

- The middleware takes a well-formed ``X-Request-ID`` from the client or proxy, or makes one, and
  returns it in the response header of the same name.
- ``RequestIdFilter`` (installed on the log handlers) puts ``request_id`` on every record.
- ``before_task_publish`` copies the current id into the task's headers; ``task_prerun`` makes it
  the current id in the worker while the task runs, so the worker's records carry it too.
"""

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from celery.signals import (
    after_setup_logger,
    after_setup_task_logger,
    before_task_publish,
    task_postrun,
    task_prerun,
)
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
TASK_HEADER = "cim_request_id"
# Ids from outside are logged and echoed: letters, digits and a few separators, bounded.
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

_current: ContextVar[str] = ContextVar("cim_request_id", default="")


def get_request_id() -> str:
    return _current.get()


def set_request_id(value: str) -> Any:
    return _current.set(value)


def new_request_id() -> str:
    return uuid.uuid4().hex


def clean_request_id(value: str | None) -> str:
    value = (value or "").strip()
    return value if _VALID.match(value) else new_request_id()


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = clean_request_id(request.headers.get(HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        token = _current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record ("-" outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            # django.request logs a 4xx/5xx after the middleware returned: read it off the request.
            from_request = getattr(getattr(record, "request", None), "request_id", None)
            record.request_id = _current.get() or from_request or "-"
        return True


@before_task_publish.connect(dispatch_uid="cim_request_id_publish")
def _add_request_id_header(headers: dict | None = None, **kwargs: Any) -> None:
    request_id = _current.get()
    if headers is not None and request_id and not headers.get(TASK_HEADER):
        headers[TASK_HEADER] = request_id


_task_tokens: dict[str, Any] = {}


@task_prerun.connect(dispatch_uid="cim_request_id_prerun")
def _enter_task(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    request = getattr(task, "request", None)
    request_id = getattr(request, TASK_HEADER, None)
    if request_id is None:
        headers = getattr(request, "headers", None) or {}
        request_id = headers.get(TASK_HEADER)
    # A task enqueued outside a request (beat, a sweep) gets an id of its own.
    _task_tokens[task_id or ""] = _current.set(clean_request_id(request_id))


@task_postrun.connect(dispatch_uid="cim_request_id_postrun")
def _leave_task(task_id: str | None = None, **kwargs: Any) -> None:
    token = _task_tokens.pop(task_id or "", None)
    if token is not None:
        try:
            _current.reset(token)
        except ValueError:  # reset from another context (a different thread); just clear it
            _current.set("")


@after_setup_logger.connect(dispatch_uid="cim_request_id_worker_logs")
@after_setup_task_logger.connect(dispatch_uid="cim_request_id_worker_task_logs")
def _worker_log_format(logger: logging.Logger | None = None, **kwargs: Any) -> None:
    """The worker's handlers (set up by Celery) get the request id and, with LOG_FORMAT=json,
    the same JSON lines as the web processes."""
    from django.conf import settings

    if logger is None:
        return
    for handler in logger.handlers:
        if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
            handler.addFilter(RequestIdFilter())
        if getattr(settings, "LOG_FORMAT", "text") == "json":
            handler.setFormatter(json_formatter())


def json_formatter() -> logging.Formatter:
    from django.conf import settings
    from pythonjsonlogger.json import JsonFormatter

    spec = dict(settings.LOGGING["formatters"]["json"])
    spec.pop("()", None)
    return JsonFormatter(spec.pop("format"), **spec)
