"""Logs as one JSON object a line, for a log collector to index: django-structlog binds a request id to
every line a request writes (the X-Request-ID of the reverse proxy, or a fresh one) and carries it into
the Celery tasks the request queues. The project's own loggers stay plain `logging` loggers: their
records pass through the same structlog processors, so they carry the request id too."""

import structlog

# Applied to records of plain `logging` loggers (Django's, Celery's, the project's own).
_SHARED_PROCESSORS = [
    structlog.contextvars.merge_contextvars,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    structlog.stdlib.ExtraAdder(),
]


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
