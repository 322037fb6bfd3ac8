"""Importing typed-up paper sheets in a real browser: preview, then save with progress."""

from __future__ import annotations

import sqlalchemy as sa

from campaign.models import Signature, SignatureSource
from tests.browser.test_organize_moderation import log_in
from tests.factories import make_campaign, make_signature, make_staff

SHEET = (
    "\ufeffNombre;Código postal;Correo;Visibilidad\r\n"
    "José Núñez ;11111;jose@example.org;público\r\n"
    "Ana Paper;22222;;\r\n"
    "Short Zip;1234;;paquete\r\n"
    "José Again;11111;JOSE@example.org;\r\n"
    "Online Person;11111;online@example.org;\r\n"
).encode()


def test_import_preview_then_save(page, live_server, db, artifacts, tmp_path):
    campaign = make_campaign()
    organizer = make_staff(campaign, "organizer")
    make_signature(campaign, email="online@example.org")
    db.session.commit()
    log_in(page, live_server, organizer)
    page.goto(f"{live_server}/organize/c/{campaign.slug}/paper")
    sheet = tmp_path / "sheets.csv"
    sheet.write_bytes(SHEET)
    page.set_input_files("#file", str(sheet))
    page.fill("#batch", "Rally sheets 1-3")
    page.click("text=Preview the import")
    page.wait_for_url("**/paper/import/**")
    summary = page.locator("#import-summary").inner_text()
    assert "2 valid" in summary and "1 invalid" in summary and "2 duplicates" in summary
    rows = page.locator("table.import-rows tbody tr")
    assert rows.count() == 5
    assert "ZIP must have 5 digits" in rows.nth(2).inner_text()
    assert "Same person as line 2" in rows.nth(3).inner_text()
    assert "Already signed" in rows.nth(4).inner_text()
    page.screenshot(path=str(artifacts / "organize-import-preview.png"), full_page=True)
    page.click("text=Invalid (1)")
    assert page.locator("table.import-rows tbody tr").count() == 1
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Signature)
            .where(Signature.source == SignatureSource.PAPER)
        )
        == 0
    )

    page.click("button:has-text('Save 2 signatures')")
    page.wait_for_selector("#import-done")
    assert "2 paper signatures saved" in page.locator("#import-done").inner_text()
    page.screenshot(path=str(artifacts / "organize-import-done.png"), full_page=True)
    db.session.expire_all()
    saved = db.session.scalars(
        sa.select(Signature).where(Signature.source == SignatureSource.PAPER)
    ).all()
    assert sorted(s.name for s in saved) == ["Ana Paper", "José Núñez"]
    assert {s.batch for s in saved} == {"Rally sheets 1-3"}
    page.click("text=See the totals")
    page.wait_for_url(f"**/organize/c/{campaign.slug}/")
    assert "1 on paper" not in page.content() and "2 on paper" in page.content()
