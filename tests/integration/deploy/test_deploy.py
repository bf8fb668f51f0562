"""docs/deploy.md, run: the guide's settings file, systemd units and nginx site, on this machine.

The commands are taken from the files in ``docs/deploy/`` (not copied here), with only the
machine's paths and ports swapped for the test's: ``/opt/judging/venv/bin/`` becomes this venv,
port 8000 a free one, the database a fresh PostgreSQL one, Redis a ``redis-server`` on a free port,
the mail server a real aiosmtpd, the certificate a self-signed one. Needs PostgreSQL
(``JUDGING_TEST_DATABASE_URL``), gunicorn, nginx and redis-server (``.ci/run`` installs them).
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import shlex
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.integration.deploy.scratch_db import scratch_postgres

DEPLOY = Path(__file__).resolve().parents[3] / "docs" / "deploy"
BIN = Path(sys.executable).parent
NEEDED = ("nginx", "redis-server", "openssl")


def settings_file() -> dict[str, str]:
    """``judging.env`` as systemd reads it (KEY=value, optional double quotes, # comments)."""
    settings = {}
    for line in (DEPLOY / "judging.env").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, value = line.split("=", 1)
            settings[key.strip()] = shlex.split(value)[0] if value.strip() else ""
    return settings


def unit_command(unit: str, key: str = "ExecStart") -> str:
    [line] = [line for line in (DEPLOY / unit).read_text().splitlines() if line.startswith(f"{key}=")]
    command = line.split("=", 1)[1].replace("%%", "%")  # systemd's escape for %
    return command.replace("/opt/judging/venv/bin/", f"{BIN}/")


def _wait_for(check, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {seconds} s")


class Machine:
    """The processes the guide starts, stopped (by their own pid) at the end."""

    def __init__(self, tmp_path: Path, env: dict[str, str]) -> None:
        self.tmp, self.env, self.processes = tmp_path, env, []

    def run(self, command: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            shlex.split(command), env=self.env, cwd=self.tmp, capture_output=True, text=True, timeout=300
        )

    def start(self, command: list[str], name: str) -> subprocess.Popen:
        log = (self.tmp / f"{name}.log").open("w")
        process = subprocess.Popen(command, env=self.env, cwd=self.tmp, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text()

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()


@pytest.fixture
def machine(tmp_path, database_url, smtp_server):
    missing = [
        tool for tool in NEEDED if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists()
    ]
    if missing or not (BIN / "gunicorn").exists():
        pytest.skip(f"needs {', '.join(missing) or 'gunicorn'}")
    with scratch_postgres(database_url, "deploy") as url:
        env = {"PATH": f"{BIN}:/usr/sbin:/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
        env |= settings_file()
        redis_port = free_port()
        env |= {
            "JUDGING_DATABASE_URL": url,
            "JUDGING_UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "RATELIMIT_STORAGE_URI": env["RATELIMIT_STORAGE_URI"].replace(":6379", f":{redis_port}"),
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp_server.port),
            "MAIL_USE_TLS": "0",
            "MAIL_USERNAME": "",
            "MAIL_PASSWORD": "",
        }
        box = Machine(tmp_path, env)
        box.start(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", ""], "redis")
        try:
            yield box
        finally:
            box.stop()


def _gunicorn(box: Machine, app_port: int) -> None:
    """The web unit's ExecStart, on a free port instead of 8000."""
    command = unit_command("judging.service").replace("127.0.0.1:8000", f"127.0.0.1:{app_port}")
    box.start(shlex.split(command), "gunicorn")


def _nginx(box: Machine, app_port: int) -> int:
    """The guide's nginx site with a self-signed certificate and free ports; returns the HTTPS port."""
    tls = box.tmp / "tls"
    tls.mkdir()
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=awards.example.org", "-keyout", str(tls / "key.pem"), "-out", str(tls / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    https, http_port = free_port(), free_port()
    site = (DEPLOY / "nginx-judging.conf").read_text()
    site = site.replace("/etc/letsencrypt/live/awards.example.org/fullchain.pem", str(tls / "cert.pem"))
    site = site.replace("/etc/letsencrypt/live/awards.example.org/privkey.pem", str(tls / "key.pem"))
    site = site.replace("127.0.0.1:8000", f"127.0.0.1:{app_port}")
    site = re.sub(r"listen (\[::\]:)?443", lambda m: f"listen {m.group(1) or '127.0.0.1:'}{https}", site)
    site = re.sub(r"listen (\[::\]:)?80;", lambda m: f"listen {m.group(1) or '127.0.0.1:'}{http_port};", site)
    site = site.replace("listen [::]:", "# listen [::]:")  # no IPv6 needed on loopback
    (box.tmp / "site.conf").write_text(site)
    (box.tmp / "nginx.conf").write_text(
        f"pid {box.tmp}/nginx.pid;\nerror_log {box.tmp}/nginx-error.log;\nevents {{}}\n"
        f"http {{ access_log off; client_body_temp_path {box.tmp}/body; proxy_temp_path {box.tmp}/proxy;\n"
        f"  include {box.tmp}/site.conf; }}\n"
    )
    box.start(["nginx", "-c", str(box.tmp / "nginx.conf"), "-g", "daemon off;"], "nginx")
    return https


def _caddy(box: Machine, app_port: int) -> int:
    """The guide's Caddyfile with Caddy's own local CA instead of Let's Encrypt; returns the HTTPS port."""
    https, http_port = free_port(), free_port()
    site = (DEPLOY / "Caddyfile").read_text().replace("127.0.0.1:8000", f"127.0.0.1:{app_port}")
    test_only = (
        f"{{\n\tadmin off\n\thttp_port {http_port}\n\thttps_port {https}\n\tlocal_certs\n"
        f"\tskip_install_trust\n\tdefault_sni awards.example.org\n\tstorage file_system {box.tmp}/caddy\n}}\n"
    )
    (box.tmp / "Caddyfile").write_text(test_only + site)
    box.start(["caddy", "run", "--config", str(box.tmp / "Caddyfile"), "--adapter", "caddyfile"], "caddy")
    return https


class Browser:
    """HTTPS through nginx with cookies, as a visitor of https://awards.example.org."""

    def __init__(self, port: int) -> None:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # self-signed
        self.base = f"https://127.0.0.1:{port}"
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=context),
            urllib.request.HTTPCookieProcessor(self.cookies),
        )

    def open(self, path: str, form: dict | None = None) -> tuple[int, str, dict]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        headers = {"Host": "awards.example.org", "Referer": f"https://awards.example.org{path}"}
        request = urllib.request.Request(self.base + path, data=data, headers=headers)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), dict(error.headers)

    def healthy(self) -> bool:
        """``/healthz`` answers 200 (connection refused and TLS not ready yet are "not yet")."""
        try:
            return self.open("/healthz")[0] == 200
        except (urllib.error.URLError, OSError):
            return False

    def csrf(self, path: str) -> str:
        status, page, _ = self.open(path)
        assert status == 200, page
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_the_deploy_guide_runs_as_written(machine, smtp_server):
    box = machine
    assert box.run(unit_command("judging.service", "ExecStartPre")).returncode == 0  # judging db upgrade
    organizer = box.run(
        "judging create-organizer --email odile@awards.example.org --name 'Odile Bernier' "
        "--password 'un-long-mot-de-passe-2026' --language fr"
    )
    assert organizer.returncode == 0, organizer.stderr
    check = box.run("judging check")
    assert check.returncode == 0, check.stderr
    assert "Ready: nothing to fix." in check.stdout

    app_port = free_port()
    _gunicorn(box, app_port)
    https = _nginx(box, app_port)
    browser = Browser(https)
    _wait_for(browser.healthy, "healthz through nginx")
    status, body, headers = browser.open("/healthz")
    assert json.loads(body) == {"status": "ok"}
    assert "Booting worker" in box.log("gunicorn") and box.log("gunicorn").count("Booting worker") == 2

    sender = box.start(shlex.split(unit_command("judging-mail.service")), "mail")
    _wait_for(lambda: "Sending mail as it arrives" in box.log("mail"), "mail sender started")
    token = browser.csrf("/auth/reset")
    status, page, headers = browser.open(
        "/auth/reset", {"csrf_token": token, "email": "odile@awards.example.org"}
    )
    assert status == 200
    _wait_for(lambda: smtp_server.to("odile@awards.example.org"), "reset mail through the sender", 30)
    assert "https://awards.example.org/auth/reset/" in smtp_server.body(
        smtp_server.to("odile@awards.example.org")[0]
    )
    sender.send_signal(signal.SIGTERM)
    assert sender.wait(60) == 0
    assert "Stopped." in box.log("mail")

    refused = []
    for _ in range(12):  # the login limit is counted in Redis, whichever worker answers
        token = browser.csrf("/auth/login")
        status, _, _ = browser.open("/auth/login", {"csrf_token": token, "email": "odile@awards.example.org",
                                                    "password": "wrong"})  # fmt: skip
        refused.append(status == 429)
    assert any(refused[:11]), refused
    import redis

    assert redis.from_url(box.env["RATELIMIT_STORAGE_URI"]).keys("LIMITS*")  # the counts live in Redis
    assert {cookie.name: cookie.secure for cookie in browser.cookies} == {"session": True}

    backup = unit_command("judging-backup.service").replace("/var/backups/judging", str(box.tmp))
    assert box.run(backup).returncode == 0
    [archive] = box.tmp.glob("judging-*.tar.gz")
    assert archive.stat().st_size > 0


def test_the_caddy_site_serves_the_app_over_https(machine):
    box = machine
    if shutil.which("caddy") is None:
        pytest.skip("needs caddy")
    assert box.run(unit_command("judging.service", "ExecStartPre")).returncode == 0  # judging db upgrade
    app_port = free_port()
    box.start(
        shlex.split(unit_command("judging.service").replace("127.0.0.1:8000", f"127.0.0.1:{app_port}")),
        "gunicorn",
    )
    browser = Browser(_caddy(box, app_port))
    _wait_for(browser.healthy, "healthz through Caddy")
    status, page, _ = browser.open("/auth/login")
    assert status == 200 and "Se connecter" in page
    assert {cookie.name: cookie.secure for cookie in browser.cookies} == {"session": True}


def test_the_systemd_units_are_valid(tmp_path):
    """``systemd-analyze verify`` on the four unit files (paths to this venv, this user)."""
    import getpass

    if shutil.which("systemd-analyze") is None:
        pytest.skip("needs systemd-analyze")
    (tmp_path / "judging.env").write_text((DEPLOY / "judging.env").read_text())
    user = getpass.getuser()
    units = []
    for name in ("judging.service", "judging-mail.service", "judging-backup.service", "judging-backup.timer"):
        text = (DEPLOY / name).read_text().replace("/opt/judging/venv/bin/", f"{BIN}/")
        text = text.replace("/etc/judging/judging.env", str(tmp_path / "judging.env"))
        text = re.sub(r"^(User|Group)=judging$", rf"\1={user}", text, flags=re.MULTILINE)
        (tmp_path / name).write_text(text)
        units.append(str(tmp_path / name))
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *units], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""
