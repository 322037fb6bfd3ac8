"""The web app runs WeasyPrint, pydyf and pypdf as published; only the rendering workers don't.

The packet's speed-ups (campaign/pdf/fast_paths.py) replace library functions, so they are
installed by the rendering workers' forkserver alone. A fresh interpreter notes every
function of the three libraries, then does what a web worker does (builds the app, imports
the packet service and every campaign.pdf module but the forkserver's preload, renders a
printable page) and must find each function still the library's own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from campaign.pdf import fast_paths
from campaign.pdf.build import _context

REPO = Path(__file__).resolve().parents[2]

WEB_WORKER = r"""
import importlib, json, pkgutil, sys

LIBRARIES = ("weasyprint", "pydyf", "pypdf")


def modules():
    for name in LIBRARIES:
        package = importlib.import_module(name)
        yield package
        for info in pkgutil.walk_packages(package.__path__, name + "."):
            if info.name.startswith("weasyprint.__main__"):
                continue
            try:
                yield importlib.import_module(info.name)
            except ImportError:  # an optional dependency that is not installed
                continue


def functions():
    # Every function and method the libraries define, by where it is found.
    found = {}
    for module in list(modules()):
        for name, value in list(vars(module).items()):
            where = f"{module.__name__}.{name}"
            if callable(value) and not isinstance(value, type):
                found[where] = value
            elif isinstance(value, type) and value.__module__.startswith(LIBRARIES):
                for attribute, member in list(vars(value).items()):
                    if callable(member) or isinstance(member, (staticmethod, classmethod)):
                        found[f"{where}.{attribute}"] = member
    return found


before = functions()

from campaign import create_app

app = create_app(json.loads(sys.argv[1]))
import campaign.pdf
import campaign.services.packets

for info in pkgutil.iter_modules(campaign.pdf.__path__, "campaign.pdf."):
    if info.name != "campaign.pdf.worker_preload":  # the rendering workers' forkserver only
        importlib.import_module(info.name)
with app.app_context():
    pdf = campaign.pdf.render_html_to_pdf("<p>Ana María, Nguyễn Thị, Иван</p>")
assert pdf.startswith(b"%PDF")

after = functions()
changed = sorted(where for where, value in before.items() if after.get(where) is not value)
print(json.dumps({"checked": len(before), "changed": changed,
                  "speedups": [r.key for r in campaign.pdf.fast_paths.replacements()]}))
"""


def test_a_web_worker_runs_the_libraries_as_published(tmp_path: Path) -> None:
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", WEB_WORKER, json.dumps(config)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["checked"] > 1000
    assert report["speedups"]  # the speed-ups were imported, and still nothing was replaced
    assert report["changed"] == []


def _replaced_here() -> list[str]:
    return [r.key for r in fast_paths.replacements() if r.installed()]


def test_the_rendering_workers_use_the_speedups() -> None:
    with ProcessPoolExecutor(1, mp_context=_context()) as pool:
        in_worker = pool.submit(_replaced_here).result(timeout=120)
    assert in_worker == [r.key for r in fast_paths.replacements()]
    assert _replaced_here() == []  # this process (the tests, like the web) is left alone


@pytest.mark.parametrize("replacement", fast_paths.replacements(), ids=lambda r: r.key)
def test_another_library_version_keeps_the_librarys_own(replacement, monkeypatch, caplog):
    monkeypatch.setattr(fast_paths, "installed_version", lambda _library: "0.0.1")
    with caplog.at_level("WARNING", logger=fast_paths.__name__):
        assert replacement.install() is False
    assert not replacement.installed()
    assert getattr(replacement.owner, replacement.name) is replacement.original
    assert f"{replacement.library} 0.0.1" in caplog.text
    assert replacement.written_for in caplog.text


@pytest.mark.parametrize("replacement", fast_paths.replacements(), ids=lambda r: r.key)
def test_the_pinned_versions_are_installed(replacement):
    assert fast_paths.installed_version(replacement.library) == replacement.written_for, (
        f"campaign/pdf/{replacement.key}.py was copied from {replacement.library} "
        f"{replacement.written_for}: compare it with the installed version and update it "
        "(docs/pdf-speedups.md), or remove it"
    )
