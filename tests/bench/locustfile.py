"""Locust users for the load test (run by ``tests/bench/bench_load.py``, not by hand nor by pytest).

Locust lives in its own virtualenv (``$BENCH_VENV``, see ``run_all.sh``): it registers pytest fixtures that
break the suite. This file imports nothing from the project; ``bench_load.py`` writes a plan (JSON,
``LOAD_PLAN``) with the accounts and pages, and reads back what the users did (``LOAD_OUT``) to
check in the database that nothing was lost.

Scenarios (``LOAD_SCENARIO``):

- ``browse``: jurors, candidates and organizers reading their main pages (think time 1–3 s);
- ``jurors``: jurors scoring: the dashboard, the next scorecard, an autosave, then submit;
- ``rush``: the deadline rush: every candidate logs in, waits for the rush to start
  (``LOAD_RUSH_AT``, epoch seconds), then opens the form at a random moment of the next
  ``LOAD_RUSH_SECONDS`` and submits it.

Each user logs in through the login form and sends the CSRF token read from each form it posts.
"""

from __future__ import annotations

import html
import itertools
import json
import os
import random
import re
import threading
import time
from html.parser import HTMLParser

from locust import HttpUser, between, constant, events, task
from locust.exception import StopUser

PLAN = json.loads(open(os.environ["LOAD_PLAN"], encoding="utf-8").read())  # noqa: SIM115
SCENARIO = os.environ.get("LOAD_SCENARIO", "browse")
PASSWORD = PLAN["password"]
DONE: list[dict] = []  # what succeeded, checked against the database afterwards
_lock = threading.Lock()
_accounts = {
    role: itertools.cycle(PLAN["accounts"].get(role) or [None])
    for role in ("juror", "candidate", "organizer")
}
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(text: str) -> str:
    match = CSRF_RE.search(text)
    if not match:
        return ""
    return match.group(1) or match.group(2)


class FormReader(HTMLParser):
    """The named fields of each form of a page; ``fields`` are those of the largest form."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[list[dict]] = []
        self.inside = False
        self.textarea: dict | None = None
        self.select: dict | None = None

    @property
    def fields(self) -> list[dict]:
        return max(self.forms, key=len) if self.forms else []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = True
            self.forms.append([])
            return
        if not self.inside:
            return
        fields = self.forms[-1]
        if tag == "input" and a.get("name"):
            fields.append({"kind": a.get("type", "text"), **a})
        elif tag == "textarea" and a.get("name"):
            self.textarea = {"kind": "textarea", "value": "", **a}
            fields.append(self.textarea)
        elif tag == "select" and a.get("name"):
            self.select = {"kind": "select", "options": [], "value": None, **a}
            fields.append(self.select)
        elif tag == "option" and self.select is not None:
            self.select["options"].append(a.get("value", ""))
            if "selected" in a:
                self.select["value"] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea["value"] += data


def fill_application(text: str, email: str) -> dict[str, str]:
    """The candidate's form as the browser would send it, the blanks filled in as a person would."""
    reader = FormReader()
    reader.feed(text)
    data: dict[str, str] = {}
    radios_done: set[str] = set()
    for f in reader.fields:
        name, kind = f["name"], f["kind"]
        if kind in ("file", "submit", "button"):
            continue
        if kind == "checkbox":
            if (name == "consent" or "checked" in f) and not name.endswith("_remove"):
                data[name] = f.get("value") or "y"
            continue
        if kind == "radio":
            if name in radios_done:
                continue
            if "checked" in f or name not in data:
                data[name] = f.get("value", "")
            if "checked" in f:
                radios_done.add(name)
            continue
        if kind == "select":
            chosen = f["value"] if f["value"] else next((o for o in f["options"] if o), "")
            data[name] = chosen
            continue
        value = (
            html.unescape(f.get("value") or "") if kind != "textarea" else html.unescape(f["value"]).strip()
        )
        if not value:
            if name == "contact_email" or kind == "email":
                value = email
            elif kind == "url" or name == "website":
                value = "https://projet-rush.example"
            elif kind == "textarea":
                value = "Notre projet aide les gens de la région avec un outil simple et ouvert."
            else:
                value = "Projet Rush"
        data[name] = value
    data["action"] = "submit"
    return data


class Account(HttpUser):
    abstract = True
    role = "juror"

    def on_start(self) -> None:
        with _lock:
            self.account = next(_accounts[self.role])
        if self.account is None:
            raise StopUser()
        page = self.client.get("/auth/login", name="login form")
        with self.client.post(
            "/auth/login",
            data={"email": self.account["email"], "password": PASSWORD, "csrf_token": csrf_token(page.text)},
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"status {response.status_code}")
                raise StopUser()


# --- browse: the main pages, read by 50 people -------------------------------------------------------------


class Reader(Account):
    abstract = True
    wait_time = between(1, 3)

    @task
    def read(self) -> None:
        page = random.choice(self.account["pages"])  # noqa: S311 (each account reads its own pages)
        self.client.get(page["url"], name=f"{self.role}: {page['name']}")


class JurorReader(Reader):
    role = "juror"
    weight = 3
    abstract = SCENARIO != "browse"


class CandidateReader(Reader):
    role = "candidate"
    weight = 2
    abstract = SCENARIO != "browse"


class OrganizerReader(Reader):
    role = "organizer"
    weight = 1
    abstract = SCENARIO != "browse"


# --- jurors: scoring ---------------------------------------------------------------------------------------

NEXT_RE = re.compile(r'id="next-\d+" href="([^"]+)"')
SCORE_INPUT_RE = re.compile(r'name="(score-[^"]+)"[^>]*data-min="([^"]+)" data-max="([^"]+)"', re.S)


class Juror(Account):
    role = "juror"
    wait_time = constant(1)
    abstract = SCENARIO != "jurors"

    @task
    def score_next(self) -> None:
        dashboard = self.client.get("/jury/", name="juror: dashboard")
        found = NEXT_RE.search(dashboard.text)
        if not found:
            raise StopUser()  # nothing left to score
        url = html.unescape(found.group(1))
        page = self.client.get(url, name="juror: scorecard")
        token = csrf_token(page.text)
        scores = {
            name: str(random.randint(int(float(low)), int(float(high))))  # noqa: S311
            for name, low, high in SCORE_INPUT_RE.findall(page.text)
        }
        if not scores or not token:
            return
        self.client.post(
            url + "/autosave",
            data={**scores, "csrf_token": token, "comment": "Bon dossier."},
            name="juror: autosave",
        )
        with self.client.post(
            url,
            data={**scores, "csrf_token": token, "comment": "Bon dossier.", "action": "submit"},
            name="juror: submit",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302:
                response.success()
                with _lock:
                    DONE.append(
                        {"kind": "scorecard", "juror": self.account["email"], "url": url, "scores": scores}
                    )
            else:
                response.failure(f"status {response.status_code}")


# --- rush: 500 candidates submitting in the last minute -----------------------------------------------------


class RushCandidate(Account):
    role = "candidate"
    wait_time = constant(3600)
    abstract = SCENARIO != "rush"

    @task
    def submit(self) -> None:
        start = float(os.environ["LOAD_RUSH_AT"])
        window = float(os.environ.get("LOAD_RUSH_SECONDS", "60"))
        time.sleep(max(0.0, start + random.uniform(0, window) - time.time()))  # noqa: S311
        url = f"/candidate/applications/{self.account['application_id']}/edit"
        form = self.client.get(url, name="candidate: form")
        data = fill_application(form.text, self.account["email"])
        with self.client.post(
            url, data=data, name="candidate: submit", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code == 302 and "/edit" not in response.headers.get("Location", ""):
                response.success()
                with _lock:
                    DONE.append(
                        {
                            "kind": "submission",
                            "application_id": self.account["application_id"],
                            "at": time.time(),
                        }
                    )
            else:
                problems = re.findall(r'invalid-feedback[^"]*"[^>]*>([^<]+)<', response.text or "")
                alert = re.findall(r"alert-danger[^>]*>([^<]+)<", response.text or "")
                response.failure(f"status {response.status_code}: {'; '.join(alert + problems)[:300]}")
        raise StopUser()


@events.test_stop.add_listener
def _write_done(**_kwargs) -> None:
    out = os.environ.get("LOAD_OUT")
    if out:
        with open(out, "w", encoding="utf-8") as handle:
            json.dump(DONE, handle)
