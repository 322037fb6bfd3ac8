"""Uploaded spreadsheets: kept briefly between a preview and its confirmation, read tolerantly.

A preview must never save anything, and the confirmation must save exactly what was previewed,
so the uploaded file is kept in the instance folder (not in the session cookie, which is small
and readable by its holder) under a random token, tied to the person and campaign that sent it,
and deleted after use or after a few hours.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from campaign.services import DomainError, NotFound

FOLDER = "uploads"
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
MAX_AGE_SECONDS = 12 * 60 * 60
DELIMITERS = (",", ";", "\t")


class UnreadableFile(DomainError):
    """The upload is not a table we can read: file_empty, too_many_rows (details: max),
    file_unreadable."""

    code = "file_unreadable"


def _folder(instance_path: str) -> Path:
    folder = Path(instance_path) / FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _write_private(path: Path, data: bytes) -> None:
    # Personal data: readable by the application's user only.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def store(
    instance_path: str,
    kind: str,
    data: bytes,
    *,
    user_id: int,
    campaign_id: int,
    meta: dict[str, Any] | None = None,
) -> str:
    """Keep an uploaded file until it is confirmed or discarded; returns its token."""
    purge_stale(instance_path)
    token = secrets.token_urlsafe(24)
    folder = _folder(instance_path)
    _write_private(folder / f"{token}.data", data)
    record = {
        "kind": kind,
        "user_id": user_id,
        "campaign_id": campaign_id,
        "stored_at": time.time(),
        "meta": meta or {},
    }
    _write_private(folder / f"{token}.json", json.dumps(record).encode())
    return token


def load(
    instance_path: str, token: str, kind: str, *, user_id: int, campaign_id: int
) -> tuple[bytes, dict[str, Any]]:
    """The file and metadata kept under a token, only for the person and campaign it was sent
    for; NotFound otherwise (also when it expired)."""
    if not TOKEN_PATTERN.match(token or ""):
        raise NotFound("no such upload")
    folder = _folder(instance_path)
    try:
        record = json.loads((folder / f"{token}.json").read_text())
        data = (folder / f"{token}.data").read_bytes()
    except (OSError, ValueError) as exc:
        raise NotFound("no such upload") from exc
    if (
        record.get("kind") != kind
        or record.get("user_id") != user_id
        or record.get("campaign_id") != campaign_id
    ):
        raise NotFound("no such upload")
    if time.time() - float(record.get("stored_at", 0)) > MAX_AGE_SECONDS:
        discard(instance_path, token)
        raise NotFound("upload expired")
    return data, record.get("meta") or {}


def discard(instance_path: str, token: str) -> None:
    """Delete a kept upload (no error if it is already gone)."""
    if not TOKEN_PATTERN.match(token or ""):
        return
    folder = _folder(instance_path)
    for suffix in (".data", ".json"):
        (folder / f"{token}{suffix}").unlink(missing_ok=True)


def purge_stale(instance_path: str) -> int:
    """Delete uploads older than MAX_AGE_SECONDS (abandoned previews); returns how many."""
    folder = _folder(instance_path)
    limit = time.time() - MAX_AGE_SECONDS
    removed = 0
    for path in folder.glob("*.json"):
        try:
            stored_at = float(json.loads(path.read_text()).get("stored_at", 0))
        except (OSError, ValueError):
            stored_at = 0
        if stored_at < limit:
            discard(instance_path, path.stem)
            removed += 1
    return removed


def decode_text(data: bytes) -> tuple[str, str]:
    """Text of an uploaded CSV and the encoding it was in: UTF-8 with or without BOM, UTF-16
    (Excel's "Unicode text"), else Windows-1252 / Latin-1, the usual Spanish-locale Excel."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


@dataclass
class Table:
    """Rows of a CSV: each row is (line number in the file, cells stripped of spaces)."""

    header: list[str]
    header_line: int
    rows: list[tuple[int, list[str]]]
    encoding: str
    delimiter: str


def read_table(data: bytes, *, max_rows: int) -> Table:
    """Read an uploaded CSV tolerantly: any common encoding, comma / semicolon / tab, CRLF or
    LF, spaces around cells, blank lines. The first non-blank line is the header."""
    if not data.strip():
        raise UnreadableFile("the file is empty", code="file_empty")
    text, encoding = decode_text(data)
    text = text.replace("\x00", "")
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(DELIMITERS, key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    header_line = 0
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            line = start
            start = reader.line_num + 1
            cells = [cell.strip() for cell in cells]
            if not any(cells):
                continue
            if header is None:
                header, header_line = cells, line
                continue
            rows.append((line, cells))
            if len(rows) > max_rows:
                raise UnreadableFile(
                    f"the file has more than {max_rows} rows", code="too_many_rows", max=max_rows
                )
    except csv.Error as exc:
        raise UnreadableFile(f"line {reader.line_num}: {exc}") from exc
    if header is None:
        raise UnreadableFile("the file is empty", code="file_empty")
    return Table(header, header_line, rows, encoding, delimiter)


def cell(cells: list[str], index: int) -> str:
    """A row's cell in a column, "" where the row is shorter than the header."""
    return cells[index] if index < len(cells) else ""


def normalize_header(name: str) -> str:
    """A column name reduced for matching: no accents, case, punctuation or extra spaces."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    plain = re.sub(r"[^a-z0-9]+", " ", plain)
    return " ".join(plain.split())
