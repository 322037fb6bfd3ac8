"""Chunk cache reuse, atomic output, progress reporting and the worker-process path."""

from __future__ import annotations

import dataclasses
import random
import tempfile
from pathlib import Path

import pytest
from conftest import GIVEN_NAMES, need_poppler, read_texts, run_tool, small_content

from campaign.pdf import PacketRenderError, build_packet
from campaign.pdf import build as build_module
from campaign.pdf.sample import make_content, make_roster_entry


def _replace_testimony(content, group_index: int, entry_index: int, **changes):
    groups = list(content.testimony_groups)
    entries = list(groups[group_index].entries)
    entries[entry_index] = dataclasses.replace(entries[entry_index], **changes)
    groups[group_index] = dataclasses.replace(groups[group_index], entries=tuple(entries))
    return dataclasses.replace(content, testimony_groups=tuple(groups))


def test_rebuilds_render_only_the_chunks_that_changed(tmp_path: Path) -> None:
    content = small_content()
    cache = tmp_path / "cache"
    first = build_packet(content, tmp_path / "a.pdf", cache_dir=cache, workers=0)
    assert first.chunks_cached == 0
    assert first.chunks_rendered > 10

    again = build_packet(content, tmp_path / "b.pdf", cache_dir=cache, workers=0)
    assert again.chunks_rendered == 0
    assert again.rendered_kinds == ()
    assert again.pages == first.pages
    assert again.content_hash == first.content_hash

    edited = _replace_testimony(content, 0, 1, body="A different statement.\n\nShort.")
    third = build_packet(edited, tmp_path / "c.pdf", cache_dir=cache, workers=0)
    # Its own chunk, and the cover/contents (new content hash); everything else is reused.
    assert third.rendered_kinds == ("cover", "testimony")
    assert third.content_hash != first.content_hash
    _reader, texts = read_texts(tmp_path / "c.pdf")
    assert any("A different statement." in t for t in texts)


def test_new_signatures_re_render_only_the_roster_pages_they_land_on(tmp_path: Path) -> None:
    content = make_content(2_500, 2, words=60)
    cache = tmp_path / "cache"
    first = build_packet(content, tmp_path / "a.pdf", cache_dir=cache, workers=0)
    roster_pages = first.rendered_kinds.count("roster")
    assert roster_pages >= 10

    rng = random.Random(5)
    added = [make_roster_entry(rng) for _ in range(3)]
    grown = make_content(0, 2, words=60, roster=list(content.roster) + added)
    second = build_packet(grown, tmp_path / "b.pdf", cache_dir=cache, workers=0)
    changed_roster = second.rendered_kinds.count("roster")
    assert 1 <= changed_roster <= 2 * len(added)
    # Totals changed, so the totals page and the cover are rendered again too.
    assert set(second.rendered_kinds) <= {"roster", "totals", "cover"}
    _reader, texts = read_texts(tmp_path / "b.pdf")
    everything = "\n".join(texts)
    for entry in added:
        assert entry.name.split()[0] in everything


def test_failed_build_leaves_no_file_and_no_temporary_file(tmp_path: Path) -> None:
    out = tmp_path / "out" / "packet.pdf"

    def fail_while_writing(stage: str, percent: int) -> None:
        if stage == "writing":
            assert any(p.name.endswith(".tmp") for p in out.parent.iterdir())
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        build_packet(
            small_content(),
            out,
            cache_dir=tmp_path / "cache",
            workers=0,
            progress=fail_while_writing,
        )
    assert not out.exists()
    assert list(out.parent.iterdir()) == []


def test_failed_rebuild_keeps_the_previous_packet(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "packet.pdf"
    cache = tmp_path / "cache"
    build_packet(small_content(), out, cache_dir=cache, workers=0)
    before = out.read_bytes()

    def broken(*args, **kwargs):
        raise OSError("no space left on device")

    monkeypatch.setattr(build_module, "render_to_file", broken)
    changed = small_content(ask="Vote NO, again.")
    with pytest.raises(PacketRenderError):
        build_packet(changed, out, cache_dir=cache, workers=0)
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "packet.pdf"]


def test_progress_goes_through_the_stages_up_to_100(tmp_path: Path) -> None:
    seen: list[tuple[str, int]] = []
    build_packet(
        small_content(),
        tmp_path / "p.pdf",
        cache_dir=tmp_path / "cache",
        workers=0,
        progress=lambda stage, percent: seen.append((stage, percent)),
    )
    stages = list(dict.fromkeys(stage for stage, _ in seen))
    assert stages == ["preparing", "rendering", "numbering", "merging", "writing"]
    percents = [percent for _, percent in seen]
    assert percents == sorted(percents)
    assert percents[-1] == 100


def test_worker_processes_render_the_same_packet(tmp_path: Path) -> None:
    content = small_content()
    result = build_packet(content, tmp_path / "p.pdf", cache_dir=tmp_path / "cache", workers=2)
    assert result.chunks_rendered > 10
    assert result.worker_peak_rss_mb > 0
    _reader, texts = read_texts(tmp_path / "p.pdf")
    assert len(texts) == result.pages
    everything = "\n".join(texts)
    for name in GIVEN_NAMES:
        assert name in everything
    assert f"page {result.pages} of {result.pages}" in texts[-1]


def test_cache_prunes_chunks_no_build_used_for_a_while(tmp_path: Path) -> None:
    import os

    cache = tmp_path / "cache"
    build_packet(small_content(), tmp_path / "a.pdf", cache_dir=cache, workers=0)
    old = 1_000_000_000  # 2001: far older than the cache's age limit
    for path in cache.rglob("*"):
        if path.is_file():
            os.utime(path, (old, old))
    changed = small_content(ask="A different ask.")
    result = build_packet(changed, tmp_path / "b.pdf", cache_dir=cache, workers=0)
    # The chunks the second build reused were kept and refreshed, and the old cover is gone.
    assert result.rendered_kinds == ("cover",)  # its page count is known from the last build
    again = build_packet(changed, tmp_path / "c.pdf", cache_dir=cache, workers=0)
    assert again.chunks_rendered == 0
    assert all(p.stat().st_mtime > old for p in cache.rglob("*") if p.is_file())
    first_again = build_packet(small_content(), tmp_path / "d.pdf", cache_dir=cache, workers=0)
    assert first_again.rendered_kinds == ("cover",)


def test_an_empty_packet_still_builds(tmp_path: Path) -> None:
    content = small_content(
        coalition=(),
        districts=(),
        zips=(),
        testimony_groups=(),
        roster=(),
        methods=(),
        signatures_verified=0,
        signatures_online=0,
        signatures_paper=0,
        signatures_counted_only=0,
        testimonies_support=0,
        testimonies_oppose=0,
        testimonies_neutral=0,
        committee=None,
        variant_note=None,
        decision_reference="",
        campaign_title="A title long enough to need two lines on the cover and to be cut "
        "short in the footer of every single page of the packet " * 2,
    )
    result = build_packet(content, tmp_path / "empty.pdf", cache_dir=tmp_path / "c", workers=0)
    _reader, texts = read_texts(tmp_path / "empty.pdf")
    everything = "\n".join(texts)
    labels = content.labels
    for text in (labels.no_endorsements, labels.no_testimony, labels.no_signatures):
        assert text in everything
    assert f"page {result.pages} of {result.pages}" in texts[-1]
    # The long title is cut in the footer; poppler must read that without complaint.
    pdftotext = run_tool(need_poppler("pdftotext"), str(tmp_path / "empty.pdf"), "-")
    assert pdftotext.returncode == 0
    assert pdftotext.stderr == ""


def _outline(reader) -> list[tuple[str, int]]:
    flat: list[tuple[str, int]] = []

    def walk(items) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                flat.append((item.title, reader.get_destination_page_number(item)))

    walk(reader.outline)
    return flat


def _same_as_a_cold_build(content, rebuilt: Path, tmp_path: Path) -> None:
    folder = Path(tempfile.mkdtemp(dir=tmp_path))  # a cache of its own each time
    cold = folder / "cold.pdf"
    build_packet(content, cold, cache_dir=folder / "cache", workers=0)
    cold_reader, cold_texts = read_texts(cold)
    reader, texts = read_texts(rebuilt)
    assert texts == cold_texts
    assert _outline(reader) == _outline(cold_reader)


def test_a_new_signer_lays_out_again_only_the_roster_pages_around_it(tmp_path: Path) -> None:
    content = make_content(2_500, 2, words=60)
    cache = tmp_path / "cache"
    first = build_packet(content, tmp_path / "a.pdf", cache_dir=cache, workers=0)
    roster_pages = first.rendered_kinds.count("roster")
    assert first.roster_pages_laid_out == roster_pages >= 10

    added = make_roster_entry(random.Random(8), district_index=4)
    grown = make_content(0, 2, words=60, roster=list(content.roster) + [added])
    second = build_packet(grown, tmp_path / "b.pdf", cache_dir=cache, workers=0)
    # The page it lands on, and at most the page before it (whose cut looked at its
    # first names) and one after it (if the new name pushed another over the edge).
    assert 1 <= second.roster_pages_laid_out <= 3
    assert 1 <= second.rendered_kinds.count("roster") <= second.roster_pages_laid_out
    _same_as_a_cold_build(grown, tmp_path / "b.pdf", tmp_path)
    everything = "\n".join(read_texts(tmp_path / "b.pdf")[1])
    assert added.name.split()[0] in everything


def test_a_signer_who_leaves_the_roster_is_gone_from_the_rebuilt_packet(tmp_path: Path) -> None:
    content = small_content()
    cache = tmp_path / "cache"
    build_packet(content, tmp_path / "a.pdf", cache_dir=cache, workers=0)
    leaving = content.roster[3]
    shrunk = small_content(roster=tuple(e for e in content.roster if e != leaving))
    again = build_packet(shrunk, tmp_path / "b.pdf", cache_dir=cache, workers=0)
    assert again.roster_pages_laid_out >= 1
    everything = "\n".join(read_texts(tmp_path / "b.pdf")[1])
    assert leaving.name not in everything
    _same_as_a_cold_build(shrunk, tmp_path / "b.pdf", tmp_path)


def test_known_roster_pages_are_laid_out_again_when_their_wording_or_pdf_is_gone(
    tmp_path: Path,
) -> None:
    content = make_content(1_500, 1, words=60)
    cache = tmp_path / "cache"
    first = build_packet(content, tmp_path / "a.pdf", cache_dir=cache, workers=0)
    pages = first.roster_pages_laid_out
    unchanged = build_packet(content, tmp_path / "b.pdf", cache_dir=cache, workers=0)
    assert unchanged.roster_pages_laid_out == 0 and unchanged.chunks_rendered == 0

    # Other wording of the roster: no page of the earlier layout is used.
    relabelled = dataclasses.replace(
        content, labels=dataclasses.replace(content.labels, continued="{district} (cont.)")
    )
    other = build_packet(relabelled, tmp_path / "c.pdf", cache_dir=cache, workers=0)
    assert other.roster_pages_laid_out == pages
    _same_as_a_cold_build(relabelled, tmp_path / "c.pdf", tmp_path)

    # The rendered chunks are gone (pruned, or the cache was cleared): laid out again.
    for path in (cache / "segments").rglob("*.json"):
        path.unlink()
    again = build_packet(content, tmp_path / "d.pdf", cache_dir=cache, workers=0)
    assert again.roster_pages_laid_out == pages
    assert again.rendered_kinds.count("roster") == pages
    _same_as_a_cold_build(content, tmp_path / "d.pdf", tmp_path)


def test_a_cover_that_grows_a_page_is_numbered_again(tmp_path: Path) -> None:
    content = small_content()
    cache = tmp_path / "cache"
    first = build_packet(content, tmp_path / "a.pdf", cache_dir=cache, workers=0)
    # Enough organizations to push the contents onto another page: the cover page count
    # the last build left behind is wrong, and every number after the cover moves.
    coalition = tuple(
        dataclasses.replace(content.coalition[0], organization=f"Neighbors Association {n}")
        for n in range(160)
    )
    grown = dataclasses.replace(content, coalition=coalition)
    second = build_packet(grown, tmp_path / "b.pdf", cache_dir=cache, workers=0)
    assert second.pages > first.pages
    assert second.rendered_kinds.count("cover") == 2
    _same_as_a_cold_build(grown, tmp_path / "b.pdf", tmp_path)
    _reader, texts = read_texts(tmp_path / "b.pdf")
    assert f"page {second.pages} of {second.pages}" in texts[-1]


def test_the_cover_renders_beside_the_roster_with_page_numbers_that_hold(
    tmp_path: Path, monkeypatch
) -> None:
    content = make_content(2_500, 2, words=60)
    cache = tmp_path / "cache"
    build_packet(content, tmp_path / "a.pdf", cache_dir=cache, workers=2)

    # Record, for each batch sent to the workers, which kinds were still rendering.
    sent: list[tuple[str, set[str]]] = []
    flush = build_module._Renderer.flush

    def recording_flush(self, content):
        if self.queue and self.workers and self.ready.is_set():
            pending = {batch[0].kind for batch, _id in self.pending.values()}
            sent.append((self.queue[0].kind, pending))
        flush(self, content)

    monkeypatch.setattr(build_module._Renderer, "flush", recording_flush)
    rng = random.Random(11)
    added = [make_roster_entry(rng) for _ in range(12)]
    grown = make_content(0, 2, words=60, roster=list(content.roster) + added)
    second = build_packet(grown, tmp_path / "b.pdf", cache_dir=cache, workers=2)

    # The cover went out while roster pages were still rendering, and its guessed page
    # numbers held: it was rendered once, and the packet is the same as a cold build's.
    assert any(kind == "cover" and "roster" in pending for kind, pending in sent)
    assert second.rendered_kinds.count("cover") == 1
    _same_as_a_cold_build(grown, tmp_path / "b.pdf", tmp_path)


def test_chunks_parsed_by_an_earlier_build_are_copied_unchanged(tmp_path: Path) -> None:
    from pypdf import PdfReader

    from campaign.pdf.merge import parsed_chunks

    parsed_chunks.clear()
    content = small_content()
    cache = tmp_path / "cache"
    build_packet(content, tmp_path / "a.pdf", cache_dir=cache, workers=0, tagged=False)
    # The second and third builds copy the chunks from readers the first one parsed; a
    # stamp or footer left in those readers would show up twice on their pages.
    for name in ("b.pdf", "c.pdf"):
        again = build_packet(content, tmp_path / name, cache_dir=cache, workers=0, tagged=False)
        assert again.chunks_rendered == 0
    assert len(parsed_chunks._readers) > 0
    first, third = PdfReader(tmp_path / "a.pdf"), PdfReader(tmp_path / "c.pdf")
    assert [len(p["/Contents"]) for p in third.pages] == [len(p["/Contents"]) for p in first.pages]
    assert read_texts(tmp_path / "c.pdf")[1] == read_texts(tmp_path / "a.pdf")[1]
    _same_as_a_cold_build(content, tmp_path / "c.pdf", tmp_path)


def test_a_build_collects_garbage_less_often_and_puts_the_thresholds_back(
    tmp_path: Path,
) -> None:
    import gc
    import threading

    from campaign.pdf.collection import BUILD_THRESHOLDS

    before = gc.get_threshold()
    assert before != BUILD_THRESHOLDS
    during: list[tuple[int, int, int]] = []
    second_started, first_may_finish = threading.Event(), threading.Event()

    def first(stage: str, _percent: int) -> None:
        during.append(gc.get_threshold())
        if stage == "writing":  # the other build starts and ends while this one is running
            second_started.set()
            assert first_may_finish.wait(60)

    def second(_stage: str, _percent: int) -> None:
        during.append(gc.get_threshold())

    errors: list[BaseException] = []

    def run_first() -> None:
        try:
            build_packet(
                small_content(),
                tmp_path / "1.pdf",
                cache_dir=tmp_path / "c1",
                workers=0,
                progress=first,
            )
        except BaseException as exc:  # noqa: BLE001 (reported below, in the test's thread)
            errors.append(exc)
            second_started.set()

    thread = threading.Thread(target=run_first)
    thread.start()
    assert second_started.wait(120)
    build_packet(
        small_content(), tmp_path / "2.pdf", cache_dir=tmp_path / "c2", workers=0, progress=second
    )
    assert gc.get_threshold() == BUILD_THRESHOLDS  # the first build is still running
    first_may_finish.set()
    thread.join(120)
    assert not errors
    assert set(during) == {BUILD_THRESHOLDS}
    assert gc.get_threshold() == before
