"""Fixtures for the packet PDF engine: small packets, a canary web server, PDF readers."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from campaign.pdf import PacketContent, PacketResult, RosterEntry, build_packet
from campaign.pdf.sample import DISTRICTS, make_content, sort_roster
from tests.canary import CanaryServer, running_canary

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "pdf"

# Short names that never wrap in a roster column, so each appears whole in extracted text.
GIVEN_NAMES = (
    "Ana Mejía",
    "Bilal Abdi",
    "Carmen Ruiz",
    "Dang Thi Lan",
    "Efua Mensah",
    "Fátima Hassan",
    "Gustavo Peña",
    "Hana Kowalenko",
    "Iñaki Zubiri",
    "Jun Park",
    "Kofi Boateng",
    "Lucía Ortiz",
    "Marisol Díaz",
    "Nadia Шевченко",
    "Óscar Núñez",
    "Priya Shah",
    "Quang Tran",
    "Rosa Flores",
    "Søren Holm",
    "Tomás Reyes",
    "Umar Farouk",
    "Valeria Cruz",
    "Wei Chen",
    "Ximena López",
    "Yusuf Okafor",
    "Zoë Martin",
)
# Names that must never appear: they are not in the content given to the engine.
NOT_GIVEN_NAMES = ("Beatrix Vandersloot", "Cornelius Fairweather", "Dmitri Yevtushenkov")


def roster_of(names: tuple[str, ...], per_name: int = 1) -> tuple[RosterEntry, ...]:
    """A sorted roster spreading the given names over the sample districts."""
    entries = []
    for i, name in enumerate(names * per_name):
        d = i % len(DISTRICTS)
        entries.append(
            RosterEntry(
                district=DISTRICTS[d],
                name=name,
                zip=f"{10010 + d * 7:05d}",
                signed_on="2024-05-12",
                source="paper" if i % 5 == 0 else "online",
            )
        )
    return sort_roster(entries)


def small_content(**changes: object) -> PacketContent:
    """A small packet: the given names in the roster, six short testimonies."""
    content = make_content(0, 6, words=90, roster=list(roster_of(GIVEN_NAMES)))
    return dataclasses.replace(content, **changes) if changes else content


@dataclasses.dataclass
class BuiltPacket:
    """A packet built once for a whole test module."""

    content: PacketContent
    path: Path
    result: PacketResult
    reader: PdfReader
    texts: list[str]


def read_texts(path: Path) -> tuple[PdfReader, list[str]]:
    """pypdf reader and the extracted text of every page."""
    reader = PdfReader(path)
    return reader, [page.extract_text() or "" for page in reader.pages]


def squash(text: str) -> str:
    """Text without any whitespace, to compare across line wraps."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltPacket:
    """The small packet, rendered in this process."""
    folder = tmp_path_factory.mktemp("packet")
    content = small_content()
    out = folder / "packet.pdf"
    result = build_packet(content, out, cache_dir=folder / "cache", workers=0)
    reader, texts = read_texts(out)
    return BuiltPacket(content, out, result, reader, texts)


@pytest.fixture()
def canary() -> Iterator[CanaryServer]:
    """A running canary server; its `requests` must stay empty."""
    with running_canary() as server:
        yield server


def need_poppler(tool: str) -> str:
    """Path of a poppler-utils tool, or skip the test saying how to get it."""
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} not found: install poppler-utils (apt-get install -y poppler-utils)")
    return path


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    """Run a command line tool and capture its output as text."""
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
