"""Build step: ship the top-level ``templates/``, ``static/`` and ``migrations/`` inside the wheel.

The repository keeps those folders at its top level; a wheel must carry them, so ``build_py``
copies them to ``judging/_bundled/`` in the build (never in the checkout) and compiles the
translation catalogs. ``judging.core.paths`` finds them there in an installed package, and at the top
of the checkout in an editable install (where nothing is copied). Everything else is in
``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
BUNDLED = ("templates", "static", "migrations")


class BuildWithBundledFolders(build_py):
    """``build_py`` plus the top-level folders (wheel and sdist-built wheel, not editable)."""

    def run(self) -> None:
        editable = getattr(self, "editable_mode", False)
        if not editable:  # a module deleted since the last build must not ship from build/lib
            shutil.rmtree(Path(self.build_lib) / "judging", ignore_errors=True)
        super().run()
        if editable:
            return  # an editable install reads the checkout's folders directly
        target = Path(self.build_lib) / "judging" / "_bundled"
        for name in BUNDLED:
            if (target / name).exists():
                shutil.rmtree(target / name)
            shutil.copytree(HERE / name, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        self._compile_catalogs(Path(self.build_lib) / "judging" / "translations")

    @staticmethod
    def _compile_catalogs(translations: Path) -> None:
        """Fresh ``.mo`` files from the ``.po`` catalogs being shipped."""
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po_path in translations.glob("*/LC_MESSAGES/messages.po"):
            with po_path.open("rb") as handle:
                catalog = read_po(handle, locale=po_path.parent.parent.name)
            with po_path.with_suffix(".mo").open("wb") as handle:
                write_mo(handle, catalog)


setup(cmdclass={"build_py": BuildWithBundledFolders})
