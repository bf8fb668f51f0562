"""The chair's board says who abstained or declared a conflict on each pitch, with the reason, in the
reader's language, on the page and in the JSON the page polls."""

from __future__ import annotations

import re

from tests.integration.live.test_live_final import base, card_of, client_of


def board_cells(html: str) -> dict[str, str]:
    """Each board row's « abstained or recused » cell, keyed by the row's application id."""
    rows = re.findall(r'<tr data-application="(\d+)">(.*?)</tr>', html, flags=re.S)
    cells = {}
    for application_id, row in rows:
        found = re.search(r'<td class="live-abstained">(.*?)</td>', row, flags=re.S)
        cells[application_id] = found.group(1) if found else None
    return cells


def stand_aside(db, final, juror):
    """The juror abstains on the first pitch; the second juror declares a conflict on it."""
    first = final.apps[0]
    for user, status in ((juror, "abstained"), (final.jurors[2], "recused")):
        card_of(db, final, user, first).status = status
        db.commit()  # before the next card_of, which expires what is not committed
    return first


def test_the_board_names_who_abstained_or_declared_a_conflict_in_french(app, db, final, juror):
    first = stand_aside(db, final, juror)
    chair = client_of(app, final.chair)
    html = chair.get(f"/jury{base(final)}/control").get_data(as_text=True)
    assert "Abstention ou récusation" in html
    cells = board_cells(html)
    assert cells[str(first.id)] == "Jules Juré (abstention), Samuel Second (conflit d’intérêts)"
    assert cells[str(final.apps[1].id)] == "—"
    assert 'data-abstention="abstention"' in html and 'data-recusal="conflit d’intérêts"' in html
    board = chair.get(f"/jury{base(final)}/board.json").get_json()["board"]
    row = next(r for r in board if r["application_id"] == first.id)
    assert row["abstained"] == ["Jules Juré"] and row["recused"] == ["Samuel Second"]
    assert row["waiting"] == ["Charlotte Présidente"]  # those standing aside are not waited for


def test_the_board_says_it_in_english_too(app, db, final, juror, organizer):
    first = stand_aside(db, final, juror)
    html = client_of(app, organizer, "en").get(f"/organizer{base(final)}/control").get_data(as_text=True)
    assert "Abstained or recused" in html
    assert board_cells(html)[str(first.id)] == "Jules Juré (abstention), Samuel Second (conflict of interest)"
    assert 'data-recusal="conflict of interest"' in html
