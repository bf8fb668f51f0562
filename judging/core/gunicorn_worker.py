"""A gunicorn worker that tells the application when each request arrived (``gunicorn -k``).

With gunicorn alone, the application stamps a request when a worker starts it (see
``judging.core.clock``): the time it waited for a free worker is not seen, and a click made a second
before the deadline can be stamped after it when hundreds arrive together. This threaded worker
accepts connections at once in its main loop and notes when each request was queued for a thread;
the application's stamp is that moment::

    gunicorn -w 2 -k judging.core.gunicorn_worker.ArrivalThreadWorker --threads 4 'judging:create_app()'

Behind nginx or Caddy, the proxy's ``X-Request-Start`` does the same from further out.
"""

from __future__ import annotations

from typing import Any

from gunicorn.workers.gthread import ThreadWorker

from judging.core import clock


class ArrivalThreadWorker(ThreadWorker):
    """gunicorn's ``gthread`` worker, plus the moment each request was queued for a thread."""

    def enqueue_req(self, conn: Any) -> None:
        conn.judging_queued_at = clock.now()
        super().enqueue_req(conn)

    def handle(self, conn: Any) -> Any:
        clock.server_saw_it_at(getattr(conn, "judging_queued_at", None))
        try:
            return super().handle(conn)
        finally:
            clock.server_saw_it_at(None)
