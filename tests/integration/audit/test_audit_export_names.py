"""The audit export reads like the audit page: names and sentences, never codes (issue 15 item 4).

Seen in the French XLSX: « Objet » « round 8 », « Prix » ``decouvrabilite``, « Tour » ``final``, and
the before/after as JSON only, while the page said « Odile a changé la phase du tour « Finale » ».
The action's code and the exact data keep columns of their own (for sorting and for the record).
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

from openpyxl import load_workbook

from judging.core.audit_event import AuditEvent

HOSTILE = '=HYPERLINK("http://evil.example","Prix")'


def _export(organizer_client, edition) -> dict[str, list]:
    response = organizer_client.get(f"/organizer/editions/{edition.id}/audit/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    header, *rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    return {name: [row[index] for row in rows] for index, name in enumerate(header)}


def test_the_export_names_objects_prizes_and_rounds_as_the_page_does(db, make, organizer, organizer_client):
    edition = make.edition(code="audit-names")
    prize = make.prize(
        edition, code="decouvrabilite", name={"fr": "Prix Découvrabilité", "en": "Discoverability"}
    )
    hostile = make.prize(edition, code="hostile", name={"fr": HOSTILE, "en": HOSTILE})
    final = make.round(prize, code="final", name={"fr": "Finale", "en": "Final"})
    db.add_all(
        [
            AuditEvent(
                action="round.phase_changed",
                at=datetime(2026, 11, 30, 18, tzinfo=UTC),
                actor_id=organizer.id,
                object_type="round",
                object_id=final.id,
                edition_id=edition.id,
                prize_id=prize.id,
                round_id=final.id,
                before={"phase": "judging"},
                after={"phase": "deliberation"},
            ),
            AuditEvent(
                action="prize.updated",
                at=datetime(2026, 11, 30, 19, tzinfo=UTC),
                actor_id=organizer.id,
                object_type="prize",
                object_id=hostile.id,
                edition_id=edition.id,
                prize_id=hostile.id,
            ),
        ]
    )
    db.commit()
    columns = _export(organizer_client, edition)
    phase, renamed = 1, 0  # newest first
    assert columns["Objet"][phase] == "Le tour «\u00a0Finale\u00a0»"
    assert columns["Prix"][phase] == "Prix Découvrabilité"
    assert columns["Tour"][phase] == "Finale"
    assert columns["Modifications"][phase] == "L’étape\u00a0: Évaluation → Délibération"
    assert "Finale" in columns["Ce qui s’est passé"][phase]
    readable = ("Objet", "Prix", "Tour", "Action", "Modifications", "Ce qui s’est passé")
    shown = " | ".join(str(value or "") for name in readable for value in columns[name])
    for code in ("decouvrabilite", "final ", "round", "judging", "deliberation", "phase_changed", "{"):
        assert code not in shown.lower().replace("finale", ""), code
    # a hostile name is text, never a formula, wherever it appears
    assert columns["Prix"][renamed] == "'" + HOSTILE
    assert columns["Objet"][renamed].startswith("Le prix «\u00a0=HYPERLINK")
    # the exact record stays, in its own columns
    assert columns["Code de l’action"][phase] == "round.phase_changed"
    assert '"deliberation"' in columns["Après (données exactes)"][phase]
