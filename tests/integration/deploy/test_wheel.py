"""The wheel is the software: built, installed in a fresh venv outside the checkout, it runs the demo.

No network: the new virtual environment (without pip, without the checkout) finds the
dependencies through a ``.pth`` file that points at a folder of links to this venv's
site-packages, minus the editable ``judging``; pip installs the wheel with ``--no-index`` and
still checks that every declared dependency is there. Deselect with ``-m "not wheel"``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import time
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.wheel

CHECKOUT = Path(__file__).resolve().parents[3]
#: What a release is built from (the sdist's content, see MANIFEST.in).
SOURCES = (
    "judging", "templates", "static", "migrations", "pyproject.toml", "setup.py", "MANIFEST.in",
    "README.md", "alembic.ini", "babel.cfg",
)  # fmt: skip

#: Run by the installed package's Python: the demo's home page, a stylesheet and a PDF.
FETCH_PAGES = textwrap.dedent(
    """
    import json, sys
    import judging
    from judging import create_app
    from judging.devdata import demo
    from judging.db import session
    from judging.editions.models import Edition
    from sqlalchemy import select

    app = create_app({"WTF_CSRF_ENABLED": False, "PUBLIC_URL": "http://localhost"})
    client = app.test_client()
    home = client.get("/")
    css = client.get("/static/css/app.css")
    health = client.get("/healthz")  # the installed migrations are found: the schema is at head
    login = client.post(
        "/auth/login", data={"email": demo.ORGANIZER_EMAIL, "password": demo.DEMO_PASSWORD}
    )
    with app.app_context():
        edition_id = session.scalar(select(Edition.id).where(Edition.code == demo.EDITION_CODE))
    pdf = client.get(f"/organizer/editions/{edition_id}/report.pdf")
    print(json.dumps({
        "package": judging.__file__,
        "home": [home.status_code, home.get_data(as_text=True)],
        "css": css.status_code,
        "health": [health.status_code, health.get_json()],
        "login": login.status_code,
        "pdf": [pdf.status_code, pdf.mimetype, pdf.get_data()[:5].decode("latin-1"), len(pdf.get_data())],
    }))
    """
)


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{command}: {result.stdout}\n{result.stderr}"
    return result


def _clean_env(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("JUDGING_", "PYTHON"))}
    env.update(
        {
            "JUDGING_DATABASE_URL": f"sqlite:///{tmp_path / 'judging.sqlite'}",
            "JUDGING_UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "SECRET_KEY": "wheel-test-secret",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        }
    )
    return env


def _source_copy(tmp_path: Path) -> Path:
    """The checkout's sources without its ``build/`` folder (a stale one would hide a broken build)."""
    source = tmp_path / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in SOURCES:
        if (CHECKOUT / name).is_dir():
            shutil.copytree(CHECKOUT / name, source / name, ignore=ignore)
        elif (CHECKOUT / name).exists():
            shutil.copy2(CHECKOUT / name, source / name)
    return source


def _venv_with_dependencies(tmp_path: Path) -> Path:
    """A fresh venv (no pip, no checkout) that sees this venv's dependencies but not its ``judging``."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    links = tmp_path / "dependencies"
    links.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not entry.name.startswith(("judging", "__editable__", "_virtualenv", "distutils-precedence")):
            (links / entry.name).symlink_to(entry)
    [site_packages] = venv.glob("lib/python*/site-packages")
    (site_packages / "dependencies.pth").write_text(f"{links}\n")
    return venv


def test_the_wheel_installs_outside_the_checkout_and_serves_the_demo(tmp_path):
    env = _clean_env(tmp_path)
    dist = tmp_path / "dist"
    pip = [sys.executable, "-m", "pip"]
    _run([*pip, "wheel", "-q", "--no-deps", "-w", str(dist), str(_source_copy(tmp_path))], tmp_path, env)
    [wheel] = dist.glob("judging-*-py3-none-any.whl")
    members = zipfile.ZipFile(wheel).namelist()
    for expected in (
        "judging/_bundled/templates/base.html",
        "judging/_bundled/static/css/app.css",
        "judging/_bundled/migrations/env.py",
        "judging/translations/fr/LC_MESSAGES/messages.mo",
    ):
        assert expected in members
    assert not [name for name in members if "__pycache__" in name]

    venv = _venv_with_dependencies(tmp_path)
    started = time.perf_counter()
    _run([*pip, "--python", str(venv / "bin" / "python"), "install", "-q", "--no-index",
          "--find-links", str(dist), "judging"], tmp_path, env)  # fmt: skip
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    upgraded = _run([str(venv / "bin" / "judging"), "db", "upgrade"], workdir, env)
    assert "Database is up to date." in upgraded.stdout
    loaded = _run([str(venv / "bin" / "judging"), "demo", "--no-serve"], workdir, env)
    assert "mtl-2026" in loaded.stdout
    fetched = _run([str(venv / "bin" / "python"), "-c", FETCH_PAGES], workdir, env)
    seconds = time.perf_counter() - started
    print(f"wheel {wheel.stat().st_size} bytes, {len(members)} files; install to demo pages {seconds:.1f} s")

    pages = json.loads(fetched.stdout.strip().splitlines()[-1])
    assert pages["package"].startswith(str(venv))  # the installed copy, not the checkout
    status, html = pages["home"]
    assert status == 200
    assert "Prix de l’innovation" in html  # the demo edition
    assert "Se connecter" in html and "Log in" not in html  # French, from the compiled catalog
    assert pages["css"] == 200
    assert pages["health"] == [200, {"status": "ok"}]
    assert pages["login"] == 302
    assert pages["pdf"][:3] == [200, "application/pdf", "%PDF-"]
