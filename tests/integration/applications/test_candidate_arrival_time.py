"""A click made in time counts: the deadline is judged against the time the request reached the server.

The app's clock is moved past the deadline *inside* the request (Flask's ``request_started`` signal
fires after the arrival stamp and before the route), as when a worker gets to a queued request late.
Behind a trusted proxy the proxy's ``X-Request-Start`` counts, clamped; without one it is ignored.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import request_started
from sqlalchemy import select

from judging.core.clock import MAX_QUEUE_WAIT, arrival_time, parse_request_start, server_saw_it_at
from judging.mail.models import OutgoingMail
from tests.conftest import login
from tests.factories import aware
from tests.scenarios import contest, form_for, post_form, start, text_of

CLOSE = aware(2031, 8, 16, 3, 59, 59)  # 2031-08-15 23:59:59 in Montréal (EDT, UTC-4)


@pytest.fixture
def proxy_hops() -> int:
    return 0


@pytest.fixture
def app_config(mail_app_config, proxy_hops):
    return {**mail_app_config, "PROXY_HOPS": proxy_hops}


def _setup(client, make, db, clock, *, language: str = "en"):
    c = contest(make, db, applications_open=CLOSE - timedelta(days=60), applications_close=CLOSE)
    clock.set(CLOSE - timedelta(days=3))
    user = make.user(email="rush@example.org", language=language)
    db.commit()
    login(client, user)
    return c, start(client, c)


@pytest.fixture
def setup(client, make, db, clock):
    return _setup(client, make, db, clock)


@pytest.fixture
def worker_reaches_it_at(app, clock):
    """``worker_reaches_it_at(moment)``: inside each request, after the arrival stamp, it is ``moment``."""
    moments = []

    def move_clock(sender, **extra):
        if moments:
            clock.set(moments[-1])

    request_started.connect(move_clock, app)
    yield moments.append
    request_started.disconnect(move_clock, app)


def epoch(moment) -> float:
    return moment.timestamp()


def receipts(db) -> list[str]:
    """The receipts waiting in the outbox (mail leaves after the request), by recipient."""
    return list(
        db.scalars(select(OutgoingMail.to_address).where(OutgoingMail.template == "application_submitted"))
    )


def test_a_click_that_arrived_in_time_is_submitted_though_a_worker_reaches_it_late(
    client, db, setup, clock, worker_reaches_it_at
):
    c, application = setup
    clock.set(CLOSE - timedelta(seconds=2))  # the request reaches the server
    worker_reaches_it_at(CLOSE + timedelta(seconds=40))  # a worker gets to it 42 s later
    response = post_form(client, application, form_for(c))
    assert response.status_code == 302
    db.expire_all()
    assert application.status == "submitted"
    assert application.submitted_at == CLOSE - timedelta(seconds=2)  # the time it arrived
    assert receipts(db) == ["rush@example.org"]


def test_a_draft_saved_while_queued_is_stamped_with_its_arrival(
    client, db, setup, clock, worker_reaches_it_at
):
    c, application = setup
    arrived = CLOSE - timedelta(minutes=5)
    clock.set(arrived)
    worker_reaches_it_at(CLOSE + timedelta(minutes=1))
    response = post_form(client, application, form_for(c, action="save", title="Tapé à temps"))
    assert response.status_code == 302
    db.expire_all()
    assert application.title == "Tapé à temps"
    assert application.updated_at == arrived


def test_a_late_click_is_refused_with_the_deadline_and_the_arrival_in_montreal_time(client, db, setup, clock):
    c, application = setup
    clock.set(CLOSE + timedelta(seconds=31))
    response = post_form(client, application, form_for(c, title="Trop tard"))
    assert response.status_code == 409
    assert (
        "The call for applications closed on August 15, 2031 at 11:59:59\u202fPM (EDT) and your request "
        "reached us on August 16, 2031 at 12:00:30\u202fAM (EDT): your application was not submitted. "
        "Your draft is saved."
    ) in text_of(response)
    db.expire_all()
    assert application.status == "draft" and application.title == "Trop tard"
    assert receipts(db) == []


def test_the_refusal_speaks_montreal_french(client, make, db, clock):
    c, application = _setup(client, make, db, clock, language="fr")
    clock.set(CLOSE + timedelta(minutes=2, seconds=30))
    html = text_of(post_form(client, application, form_for(c)))
    assert (
        "L’appel de candidatures a pris fin le 15 août 2031 à 23 h 59 min 59 s (HAE) et votre demande "
        "nous est parvenue le 16 août 2031 à 0 h 02 min 29 s (HAE)\u00a0: votre candidature n’a pas été "
        "soumise. Votre brouillon est enregistré."
    ) in html
    assert "-0400" not in html and "-0500" not in html


def test_without_a_trusted_proxy_the_request_start_header_is_ignored(client, db, setup, clock):
    c, application = setup
    clock.set(CLOSE + timedelta(seconds=30))
    forged = f"t={epoch(CLOSE - timedelta(seconds=30)):.3f}"
    response = post_form(client, application, form_for(c), headers={"X-Request-Start": forged})
    assert response.status_code == 409
    db.expire_all()
    assert application.status == "draft"


@pytest.mark.parametrize("proxy_hops", [1])
@pytest.mark.parametrize(
    "header",
    [
        f"t={epoch(CLOSE - timedelta(seconds=5)):.3f}",  # nginx: t=${msec}
        f"t={int(epoch(CLOSE - timedelta(seconds=5)) * 1000)}",  # milliseconds (Caddy's unix_ms)
        f"t={int(epoch(CLOSE - timedelta(seconds=5)) * 1_000_000)}",  # microseconds (Apache's %t)
        str(int(epoch(CLOSE - timedelta(seconds=5)) * 1000)),  # without "t="
    ],
)
def test_behind_a_trusted_proxy_its_request_start_counts(client, db, setup, clock, header):
    c, application = setup
    clock.set(CLOSE + timedelta(seconds=25))  # the app saw it after the proxy had queued it for 30 s
    response = post_form(client, application, form_for(c), headers={"X-Request-Start": header})
    assert response.status_code == 302
    db.expire_all()
    assert application.status == "submitted"
    assert application.submitted_at == CLOSE - timedelta(seconds=5)


@pytest.mark.parametrize("proxy_hops", [1])
def test_a_request_start_in_the_future_is_clamped_to_the_apps_own_stamp(client, db, setup, clock):
    c, application = setup
    own = CLOSE - timedelta(seconds=10)
    clock.set(own)
    future = f"t={epoch(CLOSE + timedelta(hours=3)):.3f}"
    response = post_form(client, application, form_for(c), headers={"X-Request-Start": future})
    assert response.status_code == 302
    db.expire_all()
    assert application.submitted_at == own


@pytest.mark.parametrize("proxy_hops", [1])
def test_an_ancient_request_start_moves_a_request_back_ten_minutes_at_most(client, db, setup, clock):
    c, application = setup
    clock.set(CLOSE + timedelta(minutes=20))
    ancient = f"t={epoch(CLOSE - timedelta(days=1)):.3f}"
    response = post_form(client, application, form_for(c), headers={"X-Request-Start": ancient})
    assert response.status_code == 409
    assert "reached us on August 16, 2031 at 12:09:59\u202fAM (EDT)" in text_of(response)  # own − 10 min
    db.expire_all()
    assert application.status == "draft"


@pytest.fixture
def server_stamp():
    """``server_stamp(moment)`` plays the gunicorn worker: the server saw the request at ``moment``."""
    yield server_saw_it_at
    server_saw_it_at(None)


def test_the_moment_the_server_queued_the_request_counts(client, db, setup, clock, server_stamp):
    c, application = setup
    clock.set(CLOSE + timedelta(seconds=20))  # a thread was free 21 s after the request was queued
    server_stamp(CLOSE - timedelta(seconds=1))
    response = post_form(client, application, form_for(c))
    assert response.status_code == 302
    db.expire_all()
    assert application.status == "submitted"
    assert application.submitted_at == CLOSE - timedelta(seconds=1)


@pytest.mark.parametrize("value", [None, "", "t=", "soon", "t=12ab", "t=-5", "t=1e9", "t=" + "9" * 30])
def test_an_unreadable_request_start_is_no_stamp(value):
    assert parse_request_start(value) is None


def test_the_nearest_proxys_stamp_wins_and_the_window_is_bounded():
    own = CLOSE
    two = parse_request_start("t=1000000000.000, t=" + f"{epoch(CLOSE - timedelta(seconds=3)):.3f}")
    assert two == CLOSE - timedelta(seconds=3)
    assert arrival_time(own, None) == own
    assert arrival_time(own, own - timedelta(hours=1)) == own - MAX_QUEUE_WAIT
    assert arrival_time(own, own + timedelta(seconds=1)) == own
