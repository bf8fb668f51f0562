"""Lists of people read whole are ordered as a dictionary orders names (« Émile » before « Zoé »),
not by code points (where « É » comes after « z ») nor by the database's collation."""

from __future__ import annotations

import re

from judging.core.audit_event import AuditEvent
from judging.core.collation import sorted_by_name

NAMES = ["Zoé Zimmer", "Émile Éthier", "Eve Ebert", "élodie Ellis", "Adam Arsenault"]
EXPECTED = ["Adam Arsenault", "élodie Ellis", "Émile Éthier", "Eve Ebert", "Zoé Zimmer"]


def _shown_in_order(page: str, names: list[str]) -> list[str]:
    return sorted(names, key=page.index)


def test_sorted_by_name_is_stable_and_follows_the_collation():
    rows = [("Éric", 2), ("Eric", 1), ("Éric", 1), ("zoé", 1), ("Zoé", 0)]
    ordered = sorted_by_name(rows, lambda row: row[0])
    assert [name for name, _ in ordered] == ["Eric", "Éric", "Éric", "zoé", "Zoé"]
    assert [n for name, n in ordered if name == "Éric"] == [2, 1]  # equal names keep the fetched order


def test_people_page_orders_names_like_a_dictionary(app, db, make, organizer_client):
    for name in NAMES:
        make.user(name=name, roles=["juror"])
    db.commit()
    page = organizer_client.get("/organizer/people").get_data(as_text=True)
    assert _shown_in_order(page, NAMES) == EXPECTED


def test_jury_candidates_and_audit_people_filter_order_names_like_a_dictionary(
    app, db, make, organizer, organizer_client
):
    rnd = make.round()
    users = [
        make.user(name=name, email=f"juror{n}@example.org", roles=["juror"]) for n, name in enumerate(NAMES)
    ]
    for user in users:
        db.add(
            AuditEvent(
                action="edition.updated",
                object_type="edition",
                edition_id=rnd.prize.edition_id,
                actor_id=user.id,
            )
        )
    db.commit()
    email_of = {user.name: user.email for user in users}

    jury = f"/organizer/editions/{rnd.prize.edition_id}/prizes/{rnd.prize_id}/rounds/{rnd.id}/jury"
    page = organizer_client.get(jury).get_data(as_text=True)
    add_member = re.search(r'<select[^>]*name="user_id".*?</select>', page, re.S).group(0)
    assert _shown_in_order(add_member, [email_of[name] for name in NAMES]) == [email_of[n] for n in EXPECTED]

    page = organizer_client.get(f"/organizer/editions/{rnd.prize.edition_id}/audit").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="person".*?</select>', page, re.S).group(0)
    assert _shown_in_order(select, NAMES) == EXPECTED
