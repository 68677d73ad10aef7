"""A grading worker checks its sandbox before consuming the grading queue: when the sandbox is not
isolated and isolation is required it leaves the queue alone and says why (for /readyz); a worker that
does not consume grading is not checked."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from celery import Celery
from celery.signals import celeryd_after_setup, worker_process_init, worker_shutdown
from django.core.cache import cache

from grading import sandbox, worker
from grading.engines import get_engine
from grading.sandbox import IsolationReport
from lms.health import GRADING_ISOLATION_CACHE_KEY, GRADING_ISOLATION_TTL

BROKEN = IsolationReport(ok=False, problems=["no isolation: unshare cannot create the namespaces: denied"])


@pytest.fixture
def app():
    app = Celery("grading-check-test", set_as_current=False)
    app.conf.task_default_queue = "default"
    return app


def _queues(app, *names):
    queues = app.amqp.queues
    queues.select(list(names))
    return queues


def test_a_worker_whose_sandbox_is_not_isolated_leaves_the_grading_queue(app, settings, monkeypatch):
    """Isolation required and the self-test failing: the worker stops consuming `grading` (and only
    that), and records the refusal with the reason."""
    settings.GRADING_SANDBOX_REQUIRE_ISOLATION = True
    monkeypatch.setattr(sandbox, "self_test", lambda **_: BROKEN)
    queues = _queues(app, "default", "grading")
    status = worker.check_isolation("grading@host-1", queues)
    assert status == "refused"
    assert set(queues.consume_from) == {"default"}
    entry = cache.get(GRADING_ISOLATION_CACHE_KEY)["grading@host-1"]
    assert entry["status"] == "refused"
    assert entry["reason"] == BROKEN.reason


def test_a_development_worker_grades_unconfined_and_says_so(app, settings, monkeypatch):
    """Isolation not required (development): the worker keeps the grading queue but records that it
    grades without isolation."""
    settings.GRADING_SANDBOX_REQUIRE_ISOLATION = False
    monkeypatch.setattr(sandbox, "self_test", lambda **_: BROKEN)
    queues = _queues(app, "grading")
    assert worker.check_isolation("dev@host", queues) == "unconfined"
    assert set(queues.consume_from) == {"grading"}
    assert cache.get(GRADING_ISOLATION_CACHE_KEY)["dev@host"]["status"] == "unconfined"


def test_a_worker_with_an_isolated_sandbox_consumes_grading(app, settings, monkeypatch):
    """A passing self-test keeps the grading queue and is recorded as ok."""
    settings.GRADING_SANDBOX_REQUIRE_ISOLATION = True
    monkeypatch.setattr(sandbox, "self_test", lambda **_: IsolationReport(ok=True))
    queues = _queues(app, "default", "grading")
    assert worker.check_isolation("grading@host-2", queues) == "ok"
    assert set(queues.consume_from) == {"default", "grading"}
    entry = cache.get(GRADING_ISOLATION_CACHE_KEY)["grading@host-2"]
    assert (entry["status"], entry["reason"]) == ("ok", "")


def test_a_worker_without_the_grading_queue_is_not_checked(app, monkeypatch):
    """Only workers consuming `grading` run the self-test."""

    def fail(**_):
        raise AssertionError("the self-test ran")

    monkeypatch.setattr(sandbox, "self_test", fail)
    assert worker.check_isolation("default@host", _queues(app, "default")) == ""
    assert cache.get(GRADING_ISOLATION_CACHE_KEY) is None


def test_the_check_runs_when_a_worker_starts_and_is_forgotten_when_it_stops(app, settings, monkeypatch):
    """The check is wired to Celery's worker start-up (after -Q is applied, before consuming) and the
    record is removed at shutdown."""
    settings.GRADING_SANDBOX_REQUIRE_ISOLATION = True
    monkeypatch.setattr(sandbox, "self_test", lambda **_: BROKEN)
    queues = _queues(app, "grading")
    celeryd_after_setup.send(sender="grading@host-3", instance=SimpleNamespace(app=app), conf=app.conf)
    assert queues.consume_from == {}
    assert cache.get(GRADING_ISOLATION_CACHE_KEY)["grading@host-3"]["status"] == "refused"
    assert "grading@host-3" in worker._heartbeats
    worker_shutdown.send(sender=type("Worker", (), {"hostname": "grading@host-3"})())
    assert "grading@host-3" not in cache.get(GRADING_ISOLATION_CACHE_KEY)
    assert "grading@host-3" not in worker._heartbeats


def test_the_record_expires_unless_the_heartbeat_refreshes_it(app, settings, monkeypatch):
    """The workers' record is stored with a timeout (not forever); the heartbeat refreshes the
    worker's `seen_at`, and puts its entry back if the cache lost it."""
    settings.GRADING_SANDBOX_REQUIRE_ISOLATION = True
    monkeypatch.setattr(sandbox, "self_test", lambda **_: IsolationReport(ok=True))
    timeouts = []
    real_set = cache.set

    def spy(key, value, timeout=None, **kwargs):
        if key == GRADING_ISOLATION_CACHE_KEY:
            timeouts.append(timeout)
        return real_set(key, value, timeout=timeout, **kwargs)

    monkeypatch.setattr(worker.cache, "set", spy)
    worker.check_isolation("grading@host-4", _queues(app, "grading"))
    assert timeouts == [GRADING_ISOLATION_TTL]
    first = cache.get(GRADING_ISOLATION_CACHE_KEY)["grading@host-4"]["seen_at"]
    cache.delete(GRADING_ISOLATION_CACHE_KEY)
    worker.heartbeat("grading@host-4")
    entry = cache.get(GRADING_ISOLATION_CACHE_KEY)["grading@host-4"]
    assert entry["status"] == "ok"
    assert entry["seen_at"] >= first
    assert timeouts == [GRADING_ISOLATION_TTL, GRADING_ISOLATION_TTL]


@pytest.mark.parametrize("engine", ["fork", "nbgrader"])
def test_the_worker_probes_the_sandbox_of_the_engine_that_grades(app, monkeypatch, settings, engine):
    """The self-test runs its probe through the configured engine (`Engine.run_cells`): the fork
    engine's zygote children are what grade, so they are what is checked."""
    settings.GRADING_ENGINE = engine
    seen = []

    def probe(*, run):
        seen.append(run)
        return IsolationReport(ok=True)

    monkeypatch.setattr(sandbox, "self_test", probe)
    assert worker.check_isolation("grading@host", _queues(app, "grading")) == "ok"
    (run,) = seen
    assert run.__self__.name == engine
    assert run.__func__ is type(get_engine(engine)).run_cells


def test_each_pool_process_of_a_grading_worker_warms_the_engine_up(app, settings, monkeypatch):
    """A pool process of a worker whose self-test let it grade makes the engine ready when it starts
    (Celery's `worker_process_init`: the fork engine's zygote, not started by the first submission); a
    pool process of a worker that refused the grading queue does not."""
    warmed = []

    class Engine:
        def run_cells(self, nb, *, limits, config):
            raise AssertionError("the self-test is replaced here")

        def warm(self):
            warmed.append(True)

    monkeypatch.setattr(worker, "_grades", False)
    monkeypatch.setattr(worker, "get_engine", lambda name=None: Engine())
    settings.GRADING_SANDBOX_REQUIRE_ISOLATION = True
    monkeypatch.setattr(sandbox, "self_test", lambda **_: BROKEN)
    worker.check_isolation("grading@host-5", _queues(app, "grading"))
    worker_process_init.send(sender=None)
    assert warmed == []
    monkeypatch.setattr(sandbox, "self_test", lambda **_: IsolationReport(ok=True))
    worker.check_isolation("grading@host-6", _queues(app, "grading"))
    worker_process_init.send(sender=None)
    assert warmed == [True]
