"""The Faust worker shell every service uses: resources, projection consumers, clean shutdown.

A service's `worker.py` builds its app with `build_app`, adds timers or agents if it needs them,
and hands its projections to `ProjectionsService`. On SIGTERM or Ctrl-C Faust stops the services:
each projection finishes and commits its batch in flight, then the pool and producer close.

A projection that loses the database or the broker (`faults.outage`) does not stop the worker:
it logs, waits with backoff and starts again with a fresh consumer, which seeks to the offsets
stored in PostgreSQL, so the batch that was in flight (rolled back) is applied once, later.
Timers wrap their bodies in `every_tick` for the same reason: a tick that fails is retried by
the next one instead of ending the timer (or, as Faust does with a task that raises, the worker).
"""

from __future__ import annotations

import asyncio
import functools
import time
import weakref
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ClassVar

import asyncpg
import faust
import mode
import structlog

from services.infra import archive, db, faults, health, metrics, vault
from services.infra.consumer import Projection, ProjectionRunner
from services.infra.embedded import free_port
from services.infra.kafka import EventProducer, ensure_topics
from services.infra.settings import Settings

log = structlog.get_logger(__name__)


def build_app(service: str, settings: Settings, *, web_port: int | None = None) -> faust.App:
    """The service's Faust app; its web server answers /healthz, /readyz and /metrics."""
    assert settings.kafka_bootstrap_servers, "the broker address must be resolved before a worker"
    session_s = settings.kafka_session_timeout_ms / 1000
    if web_port is None:
        web_port = settings.worker_web_port or free_port()
    datadir = settings.ideastorm_home / "faust" / service
    datadir.parent.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        f"ideastorm-{service}",
        broker=f"kafka://{settings.kafka_bootstrap_servers}",
        store="memory://",
        datadir=str(datadir),
        web_enabled=True,
        web_bind=settings.worker_web_host,
        web_port=web_port,
        broker_session_timeout=session_s,
        broker_heartbeat_interval=max(session_s / 6, 0.2),
        broker_rebalance_timeout=max(session_s, 10),
        topic_replication_factor=settings.kafka_replication_factor,
        topic_allow_declare=True,
        producer_acks=-1,
        processing_guarantee="at_least_once",
        autodiscover=False,
    )
    _add_health_pages(app, service)
    # the port may be picked here (0 = any free port): say where the health endpoints are
    log.info("worker.web", service=service,
             url=f"http://{settings.worker_web_host}:{web_port}")
    return app


def _add_health_pages(app: faust.App, service: str) -> None:
    @app.page("/healthz")
    async def healthz(view: faust.web.View, request: faust.web.Request) -> faust.web.Response:
        """The process is alive."""
        return view.json({"status": "ok", "service": service})

    @app.page("/readyz")
    async def readyz(view: faust.web.View, request: faust.web.Request) -> faust.web.Response:
        """Broker and database reachable, migrations applied, projections assigned."""
        problems: list[str] = []
        runners: list[ProjectionRunner] = []
        for resources in ProjectionsService.instances:
            if not resources.ready.is_set():
                problems.append(f"{resources.service}: starting")
                continue
            runners.extend(resources.runners)
            problems += await health.readiness_problems(
                pool=resources.pool, producer=resources.producer,
                schemas=[resources.service], consumers=resources.runners)
        return view.json(health.readiness_body(problems, runners),
                         status=503 if problems else 200)

    @app.page("/metrics")
    async def prometheus(view: faust.web.View, request: faust.web.Request) -> faust.web.Response:
        """Prometheus metrics of this worker."""
        return view.bytes(metrics.render(), headers={"Content-Type": metrics.CONTENT_TYPE})


class ProjectionsService(mode.Service):
    """Owns the pool and producer of one service and runs its projection consumers."""

    # the worker's /readyz reports on every instance in this process
    instances: ClassVar[weakref.WeakSet[ProjectionsService]] = weakref.WeakSet()

    def __init__(
        self,
        service: str,
        settings: Settings,
        make_projections: Callable[[ProjectionsService], Sequence[Projection]],
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.service = service
        self.settings = settings
        self.make_projections = make_projections
        self.pool: asyncpg.Pool | None = None
        self.producer: EventProducer | None = None
        self.runners: list[ProjectionRunner] = []
        self.ready = asyncio.Event()
        self._runner_tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        ProjectionsService.instances.add(self)

    async def on_start(self) -> None:
        s = self.settings
        assert s.database_url and s.kafka_bootstrap_servers
        await ensure_topics(s.kafka_bootstrap_servers,
                            replication_factor=s.kafka_replication_factor)
        self.pool = await db.create_pool(s.database_url, min_size=s.db_pool_min,
                                         max_size=s.db_pool_max)
        await db.migrate(self.pool, self.service)
        await archive.setup(self.pool)
        await vault.setup(self.pool)  # re-shred before any projection opens a text
        self.producer = EventProducer(s.kafka_bootstrap_servers, archive=self.pool)
        await self.producer.start()
        for index, projection in enumerate(self.make_projections(self)):
            self.runners.append(self._runner(projection))
            self._runner_tasks.append(asyncio.create_task(self._run(index)))
        self.ready.set()
        log.info("worker.started", service=self.service,
                 projections=[r.projection.name for r in self.runners])

    def _runner(self, projection: Projection) -> ProjectionRunner:
        s = self.settings
        assert self.pool is not None and self.producer is not None and s.kafka_bootstrap_servers
        return ProjectionRunner(
            projection, pool=self.pool, producer=self.producer,
            bootstrap=s.kafka_bootstrap_servers,
            session_timeout_ms=s.kafka_session_timeout_ms,
            heartbeat_interval_ms=s.kafka_heartbeat_interval_ms,
            max_records=s.consumer_max_records, poll_ms=s.consumer_poll_ms,
            fetch_wait_ms=s.consumer_fetch_wait_ms,
        )

    async def _run(self, index: int) -> None:
        """Run the projection `self.runners[index]` until the worker stops, through outages."""
        backoff = faults.Backoff(first=0.5, most=self.settings.outage_backoff_max_s)
        while not self._stopping.is_set():
            runner = self.runners[index]
            started = time.monotonic()
            try:
                await runner.run()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                outage = faults.outage(exc)
                if outage is None:
                    log.exception("projection.crashed", projection=runner.projection.name)
                    # a projection that cannot go on must not fail silently: stop the worker
                    asyncio.get_running_loop().call_soon(self._crash_worker)
                    raise
                if time.monotonic() - started > STEADY_S:
                    backoff.reset()  # it ran fine for a while: this is a new outage
                delay = backoff.next()
                log.warning("projection.waiting", projection=runner.projection.name,
                            outage=outage, error=repr(exc)[:300], retry_in_s=delay,
                            attempt=backoff.attempts)
            if await _wait(self._stopping, delay):
                return
            # what a batch committed and could not send before the outage goes out first
            # (it would otherwise wait for the next write to its partitions)
            if self.producer is not None:
                try:
                    await self.producer.deliver_pending()
                except Exception as exc:  # noqa: BLE001 - still away: the runner will say so
                    log.warning("projection.pending_not_delivered", error=repr(exc)[:300])
            # the consumer of a failed run is closed; a fresh one rejoins the group and seeks
            # to the stored offsets when its partitions are assigned
            self.runners[index] = self._runner(runner.projection)
            log.info("projection.resuming", projection=runner.projection.name)

    def _crash_worker(self) -> None:
        import os
        import signal

        os.kill(os.getpid(), signal.SIGTERM)

    async def on_stop(self) -> None:
        self._stopping.set()
        for runner in self.runners:
            runner.stop()
        if self._runner_tasks:
            await asyncio.wait(self._runner_tasks, timeout=30)
        if self.producer:
            await self.producer.stop()
        if self.pool:
            await self.pool.close()
        log.info("worker.stopped", service=self.service)


# A projection that ran this long before an outage starts its backoff from the beginning again.
STEADY_S = 30.0


async def _wait(event: asyncio.Event, seconds: float) -> bool:
    """Wait `seconds`, or less if `event` is set; True if it was."""
    try:
        await asyncio.wait_for(event.wait(), seconds)
    except TimeoutError:
        return False
    return True


Tick = Callable[[], Awaitable[None]]


def every_tick(name: str) -> Callable[[Tick], Tick]:
    """For the body of a timer: a tick that fails is logged (a warning while the database or
    broker is away, with the traceback otherwise) and the next tick tries again."""

    def wrap(tick: Tick) -> Tick:
        @functools.wraps(tick)
        async def guarded() -> None:
            try:
                await tick()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                outage = faults.outage(exc)
                if outage is not None:
                    log.warning("timer.waiting", timer=name, outage=outage,
                                error=repr(exc)[:300])
                else:
                    log.exception("timer.failed", timer=name)

        return guarded

    return wrap


async def through_outages(what: str, call: Callable[[], Awaitable[object]]) -> None:
    """`call()`, repeated with backoff while the database or the broker is away (for an agent
    that must not drop the event it is handling); any other failure is raised."""
    backoff = faults.Backoff(first=0.5, most=15.0)
    while True:
        try:
            await call()
            return
        except Exception as exc:
            outage = faults.outage(exc)
            if outage is None:
                raise
            delay = backoff.next()
            log.warning("outage.waiting", what=what, outage=outage, error=repr(exc)[:300],
                        retry_in_s=delay)
            await asyncio.sleep(delay)


def run_worker(app: faust.App, loglevel: str = "WARNING") -> None:
    """Run the Faust worker in the foreground until SIGTERM / SIGINT."""
    worker = faust.Worker(app, loglevel=loglevel, quiet=True)
    worker.execute_from_commandline()
