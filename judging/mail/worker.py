"""The mail sender outside requests: ``judging send-mail --watch`` and the development server's thread.

One loop, two homes. ``MailSender.run`` polls the outbox about every second and sends what is
due (``mail.deliver_pending``). When the mail server or the database is unreachable it backs
off (1 s, 2 s, 4 s … up to a minute) instead of hammering them, and goes back to a one-second
poll after the first success. ``stop()`` (SIGTERM/SIGINT in the command) ends the loop after the
mail in hand: a mail is never left half-sent by a clean stop.

Each pass opens its own app context, hence its own database session, closed at the end of the
pass: the sender never shares a session with a request.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from judging.db import session
from judging.mail.outbox import SendReport, deliver_pending

log = logging.getLogger("judging.mail")

POLL_INTERVAL = 1.0
MAX_BACKOFF = 60.0
#: Mails sent in one pass (one app context and session) before the next pass begins.
PASS_LIMIT = 200


class MailSender:
    """Send the outbox's mail as it arrives until ``stop()``; see the module docstring."""

    def __init__(
        self,
        app: Flask,
        *,
        poll_interval: float = POLL_INTERVAL,
        max_backoff: float = MAX_BACKOFF,
        on_pass: Callable[[SendReport], None] | None = None,
    ) -> None:
        self.app = app
        self.poll_interval = poll_interval
        self.max_backoff = max_backoff
        self.on_pass = on_pass
        self.stopping = threading.Event()
        self.totals = SendReport()
        self._backoff = 0.0

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> SendReport:
        """Loop until ``stop()``; returns the totals."""
        while not self.stopping.is_set():
            delay = self.run_once()
            self.stopping.wait(delay)
        return self.totals

    def run_once(self) -> float:
        """One pass over the due mail; returns how long to wait before the next one."""
        try:
            with self.app.app_context():
                report = deliver_pending(session, limit=PASS_LIMIT, should_stop=self.stopping.is_set)
        except SQLAlchemyError as error:  # the database is away: wait and try again, never die
            log.warning("mail sender: database unavailable (%s); retrying", type(error).__name__)
            return self._back_off()
        except Exception:  # anything else: logged, and the loop goes on (a sender that dies sends nothing)
            log.exception("mail sender: pass failed; retrying")
            return self._back_off()
        self._add(report)
        if self.on_pass is not None and (report.sent or report.failed or report.gave_up):
            self.on_pass(report)
        if report.server_down:
            return self._back_off()
        if report.sent:
            self._backoff = 0.0  # the server answers again
        if report.sent + report.failed >= PASS_LIMIT:
            return 0.0  # more is due at once (a deadline rush): no pause between passes
        # a pass that tried nothing says nothing new about the server: keep the current wait
        return max(self.poll_interval, self._backoff)

    def _back_off(self) -> float:
        self._backoff = min(self.max_backoff, max(self.poll_interval, self._backoff * 2))
        return self._backoff

    def _add(self, report: SendReport) -> None:
        self.totals.sent += report.sent
        self.totals.failed += report.failed
        self.totals.gave_up += report.gave_up


def start_in_thread(app: Flask) -> MailSender | None:
    """Start the sender in a daemon thread of the serving process when ``MAIL_WORKER`` is ``thread``.

    For ``judging demo`` and ``judging run`` only (one process): under gunicorn, run
    ``judging send-mail --watch`` (or cron) beside it instead.
    """
    mode = app.config.get("MAIL_WORKER", "thread")
    if mode != "thread":
        if mode != "off":
            log.warning("JUDGING_MAIL_WORKER=%r is neither 'thread' nor 'off': no background sender", mode)
        return None
    sender = MailSender(app)
    threading.Thread(target=sender.run, name="judging-mail-sender", daemon=True).start()
    log.info("mail sender started in the background (JUDGING_MAIL_WORKER=off to disable)")
    return sender


@contextmanager
def stop_on_signals(sender: MailSender) -> Iterator[None]:
    """While inside, SIGTERM and SIGINT ask ``sender`` to stop after the mail in hand."""

    def _stop(signum: int, _frame: object) -> None:
        log.info("mail sender: %s received, stopping after the mail in hand", signal.Signals(signum).name)
        sender.stop()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
