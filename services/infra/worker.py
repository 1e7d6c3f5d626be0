"""The Faust worker shell every service uses: resources, projection consumers, clean shutdown.

A service's `worker.py` builds its app with `build_app`, adds timers or agents if it needs them,
and hands its projections to `ProjectionsService`. On SIGTERM or Ctrl-C Faust stops the services:
each projection finishes and commits its batch in flight, then the pool and producer close.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import asyncpg
import faust
import mode
import structlog

from services.infra import archive, db, health, metrics, vault
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
        for projection in self.make_projections(self):
            runner = ProjectionRunner(
                projection, pool=self.pool, producer=self.producer,
                bootstrap=s.kafka_bootstrap_servers,
                session_timeout_ms=s.kafka_session_timeout_ms,
                heartbeat_interval_ms=s.kafka_heartbeat_interval_ms,
                max_records=s.consumer_max_records, poll_ms=s.consumer_poll_ms,
                fetch_wait_ms=s.consumer_fetch_wait_ms,
            )
            self.runners.append(runner)
            self._runner_tasks.append(asyncio.create_task(self._run(runner)))
        self.ready.set()
        log.info("worker.started", service=self.service,
                 projections=[r.projection.name for r in self.runners])

    async def _run(self, runner: ProjectionRunner) -> None:
        try:
            await runner.run()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("projection.crashed", projection=runner.projection.name)
            # a projection that cannot go on must not fail silently: stop the worker
            asyncio.get_running_loop().call_soon(self._crash_worker)
            raise

    def _crash_worker(self) -> None:
        import os
        import signal

        os.kill(os.getpid(), signal.SIGTERM)

    async def on_stop(self) -> None:
        for runner in self.runners:
            runner.stop()
        if self._runner_tasks:
            await asyncio.wait(self._runner_tasks, timeout=30)
        if self.producer:
            await self.producer.stop()
        if self.pool:
            await self.pool.close()
        log.info("worker.stopped", service=self.service)


def run_worker(app: faust.App, loglevel: str = "WARNING") -> None:
    """Run the Faust worker in the foreground until SIGTERM / SIGINT."""
    worker = faust.Worker(app, loglevel=loglevel, quiet=True)
    worker.execute_from_commandline()
