"""Logs as one JSON object a line, for a log collector to index: django-structlog binds a request id to
every line a request writes (the X-Request-ID of the reverse proxy, or a fresh one) and carries it into
the Celery tasks the request queues. The project's own loggers stay plain `logging` loggers: their
records pass through the same structlog processors, so they carry the request id too."""

import re

import structlog

# Applied to records of plain `logging` loggers (Django's, Celery's, the project's own).
_SHARED_PROCESSORS = [
    structlog.contextvars.merge_contextvars,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    structlog.stdlib.ExtraAdder(),
]

# Secrets that travel in addresses and would otherwise reach the logs with the request line: the key of a
# password-reset link (an invitation stays valid for days) and OAuth codes and states in a query string.
_SECRET_IN_PATH = re.compile(r"(/password/reset/key/)[^/?#\s]+")
_SECRET_IN_QUERY = re.compile(r"([?&](?:code|state|token|key|access_token|id_token)=)[^&#\s]*")


def _secrets_redacted(_logger, _method, event_dict: dict) -> dict:
    """Every text field of the line with those secrets replaced by `…`."""
    for name, value in event_dict.items():
        if isinstance(value, str) and ("/password/reset/key/" in value or "=" in value):
            event_dict[name] = _SECRET_IN_QUERY.sub(r"\1…", _SECRET_IN_PATH.sub(r"\1…", value))
    return event_dict


def logging_config(*, level: str, json: bool) -> dict:
    """The LOGGING setting: everything to standard error, as JSON lines or (*json* false) as readable
    key=value lines for a developer's terminal."""
    renderer = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info,
                    _secrets_redacted,
                    renderer,
                ],
                "foreign_pre_chain": _SHARED_PROCESSORS,
            }
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"django.db.backends": {"level": "WARNING"}},
    }


def structlog_configure() -> None:
    """Send structlog's own loggers (django-structlog's request and task events) through `logging`."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_SHARED_PROCESSORS[:-1],
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.UnicodeDecoder(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
