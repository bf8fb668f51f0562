"""validate(): every error, each at its exact JSON path, with a stable code and a readable message."""

from __future__ import annotations

import copy

import pytest

from judging.exchange.validate import validate
from tests.scenarios import spec_document


def errors_of(doc) -> list[tuple[str, str]]:
    return [(e.path, e.code) for e in validate(doc)]


def changed(edit) -> list[tuple[str, str]]:
    doc = spec_document()
    edit(doc)
    return errors_of(doc)


def test_the_complete_example_has_no_error():
    assert errors_of(spec_document()) == []


def test_a_document_that_is_not_an_object():
    assert errors_of([1, 2]) == [("", "type")]


def test_format_is_checked():
    assert changed(lambda d: d.update(format="judging-edition/2")) == [("format", "format")]
    assert changed(lambda d: d.pop("format")) == [("format", "required")]


def test_missing_edition_and_lists_that_are_not_lists():
    def edit(d):
        del d["edition"]
        d["decisions"] = {"not": "a list"}

    assert changed(edit) == [("edition", "required"), ("decisions", "type")]


def test_lists_may_be_left_out():
    doc = spec_document()
    for key in ("prizes", "people", "juries", "applications", "conflicts", "scorecards", "decisions"):
        del doc[key]
    assert errors_of(doc) == []


@pytest.mark.parametrize(
    "value", ["2023-05-01T09:00:00", "2023-05-01", "May 1st", 20230501, "2023-13-01T09:00Z"]
)
def test_times_need_an_iso_8601_offset(value):
    assert changed(lambda d: d["edition"].update(applications_open=value)) == [
        ("edition.applications_open", "time")
    ]


def test_times_with_z_or_an_offset_are_fine():
    assert changed(lambda d: d["edition"].update(applications_open="2023-05-01T13:00:00Z")) == []
    assert changed(lambda d: d["edition"].update(applications_open="2023-05-01T15:00:00+02:00")) == []


def test_close_must_follow_open_and_the_zone_must_exist():
    def edit(d):
        d["edition"]["applications_close"] = d["edition"]["applications_open"]
        d["edition"]["timezone"] = "Mars/Olympus_Mons"

    assert changed(edit) == [("edition.timezone", "timezone"), ("edition.applications_close", "order")]


@pytest.mark.parametrize(
    "value", [{"fr": "Seul"}, {"fr": "Un", "en": 2}, 5, ["fr", "en"], {"fr": "Un", "en": "One", "de": "Eins"}]
)
def test_bilingual_text_is_a_string_or_fr_en_strings(value):
    assert changed(lambda d: d["prizes"][0].update(name=value)) == [("prizes[0].name", "text")]


def test_criterion_numbers():
    def edit(d):
        criteria = d["prizes"][0]["rounds"][0]["criteria"]
        criteria[0]["weight"] = 0
        criteria[1]["min"], criteria[1]["max"] = 5, 5
        criteria[2]["max"] = "10"
        d["prizes"][0]["rounds"][1]["criteria"][0]["weight"] = True
        d["prizes"][1]["rounds"][0]["criteria"][0]["max"] = 4.00001

    assert changed(edit) == [
        ("prizes[0].rounds[0].criteria[0].weight", "range"),
        ("prizes[0].rounds[0].criteria[1].max", "range"),
        ("prizes[0].rounds[0].criteria[2].max", "type"),
        ("prizes[0].rounds[1].criteria[0].weight", "type"),
        ("prizes[1].rounds[0].criteria[0].max", "precision"),
    ]


def test_duplicate_codes_within_their_parent():
    def edit(d):
        d["prizes"][1]["code"] = "innovation"
        d["prizes"][0]["rounds"][0]["criteria"][1]["code"] = "impact"
        d["prizes"][0]["questions"][1]["code"] = "website"

    errors = changed(edit)
    assert ("prizes[1].code", "duplicate") in errors
    assert ("prizes[0].rounds[0].criteria[1].code", "duplicate") in errors
    assert ("prizes[0].questions[1].code", "duplicate") in errors


def test_the_same_code_in_different_parents_is_fine():
    doc = spec_document()
    doc["prizes"][1]["rounds"][0]["code"] = "preselection"  # already a round of "innovation"
    doc["prizes"][1]["rounds"][0]["criteria"][0]["code"] = "impact"
    assert errors_of(doc) == []


def test_codes_have_a_safe_shape():
    assert changed(lambda d: d["prizes"][1].update(code="women in tech")) == [
        ("prizes[1].code", "code"),
        ("juries[1].prize", "unknown-prize"),
        ("applications[2].prize", "unknown-prize"),
        ("applications[3].prize", "unknown-prize"),
    ]


def test_duplicate_emails_ignore_case_and_duplicate_refs():
    def edit(d):
        d["people"].append({"email": "JUROR@example.org", "name": "Twin", "roles": [], "language": "fr"})
        d["applications"].append(copy.deepcopy(d["applications"][3]))

    assert changed(edit) == [("people[4].email", "duplicate"), ("applications[4].ref", "duplicate")]


@pytest.mark.parametrize(
    ("path", "edit"),
    [
        ("applications[0].status", lambda d: d["applications"][0].update(status="sent")),
        (
            "applications[0].organization.type",
            lambda d: d["applications"][0]["organization"].update(type="coop"),
        ),
        (
            "applications[0].organization.region",
            lambda d: d["applications"][0]["organization"].update(region="eu"),
        ),
        ("applications[0].language", lambda d: d["applications"][0].update(language="de")),
        ("people[2].roles[0]", lambda d: d["people"][2].update(roles=["admin"])),
        ("people[0].language", lambda d: d["people"][0].update(language="es")),
        ("prizes[0].rounds[0].method", lambda d: d["prizes"][0]["rounds"][0].update(method="borda")),
        ("prizes[0].rounds[0].phase", lambda d: d["prizes"][0]["rounds"][0].update(phase="later")),
        ("prizes[0].questions[4].type", lambda d: d["prizes"][0]["questions"][4].update(type="date")),
        ("decisions[0].outcome", lambda d: d["decisions"][0].update(outcome="gold")),
        ("scorecards[3].status", lambda d: d["scorecards"][3].update(status="done")),
        ("conflicts[0].source", lambda d: d["conflicts"][0].update(source="rumour")),
    ],
)
def test_unknown_enum_values(path, edit):
    assert changed(edit) == [(path, "enum")]


def test_enum_message_names_the_value_and_the_choices():
    doc = spec_document()
    doc["applications"][0]["status"] = "sent"
    (error,) = validate(doc)
    assert str(error) == (
        'applications[0].status: Unknown value "sent"; expected one of: '
        "draft, submitted, withdrawn, ineligible."
    )


def test_tie_break_entries():
    def edit(d):
        d["prizes"][0]["rounds"][0]["tie_break"] = ["criterion:charm", "coin-flip", "criterion:impact", 3]

    assert changed(edit) == [
        ("prizes[0].rounds[0].tie_break[0]", "unknown-criterion"),
        ("prizes[0].rounds[0].tie_break[1]", "enum"),
        ("prizes[0].rounds[0].tie_break[3]", "type"),
    ]


def test_tie_break_criterion_must_be_in_the_same_round():
    # "pitch" is a criterion of the final round, not of the preselection
    assert changed(lambda d: d["prizes"][0]["rounds"][0].update(tie_break=["criterion:pitch"])) == [
        ("prizes[0].rounds[0].tie_break[0]", "unknown-criterion")
    ]


def test_questions_options_and_word_limits():
    def edit(d):
        questions = d["prizes"][0]["questions"]
        del questions[2]["options"]  # a choice without options
        questions[3]["options"] = [{"code": "a", "label": "A"}]  # options on a text question
        questions[0]["max_words"] = 10  # a word limit on a url question
        questions[1]["max_words"] = 0

    assert changed(edit) == [
        ("prizes[0].questions[0].max_words", "not-allowed"),
        ("prizes[0].questions[1].max_words", "range"),
        ("prizes[0].questions[2].options", "required"),
        ("prizes[0].questions[3].options", "not-allowed"),
        ("applications[0].answers.stage", "enum"),
        ("applications[1].answers.stage", "enum"),
    ]


def test_answers_follow_their_question():
    def edit(d):
        answers = d["applications"][0]["answers"]
        answers["stage"] = "moon"
        answers["consent"] = "yes"
        answers["pitch"] = ["not", "text"]
        answers["deck"] = {"anything": "files are ignored"}
        answers["color"] = "blue"

    assert changed(edit) == [
        ("applications[0].answers.pitch", "type"),
        ("applications[0].answers.stage", "enum"),
        ("applications[0].answers.consent", "type"),
        ("applications[0].answers.color", "unknown-question"),
    ]


def test_organization_fields():
    def edit(d):
        d["applications"][0]["organization"]["country"] = "ca"
        d["applications"][1]["organization"] = {}
        d["applications"][2]["contact"] = "not an email"

    assert changed(edit) == [
        ("applications[0].organization.country", "country"),
        ("applications[1].organization", "empty"),
        ("applications[2].contact", "email"),
    ]


def test_presenter_needs_a_name_and_lifted_conflicts_a_reason():
    def edit(d):
        d["prizes"][0]["presenter"] = {"title": "Director"}
        del d["conflicts"][1]["lift_reason"]

    assert changed(edit) == [
        ("prizes[0].presenter.name", "required"),
        ("conflicts[1].lift_reason", "required"),
    ]


def test_references_to_unknown_things():
    def edit(d):
        d["juries"][0]["prize"] = "nope"
        d["juries"][1]["round"] = "semi-final"
        d["juries"][1]["jurors"] = ["ghost@example.org"]
        d["conflicts"][0]["application"] = "INN-404"
        d["scorecards"][0]["scores"]["charm"] = 3
        d["decisions"][1]["application"] = "INN-999"
        d["decisions"][0]["round"] = "final-four"

    assert changed(edit) == [
        ("juries[0].prize", "unknown-prize"),
        ("juries[1].round", "unknown-round"),
        ("juries[1].jurors[0]", "unknown-person"),
        ("conflicts[0].application", "unknown-application"),
        # the jury of innovation/preselection is gone, so no juror belongs to it any more
        ("scorecards[0].scores.charm", "unknown-criterion"),
        ("scorecards[0].juror", "not-in-jury"),
        ("scorecards[1].juror", "not-in-jury"),
        ("scorecards[2].juror", "not-in-jury"),
        ("scorecards[3].juror", "not-in-jury"),
        ("decisions[0].round", "unknown-round"),
        ("decisions[1].application", "unknown-application"),
    ]


def test_scores_are_numbers_within_the_scale():
    def edit(d):
        scores = d["scorecards"][0]["scores"]
        scores["impact"] = 10.5
        scores["novelty"] = 0  # min is 1
        scores["feasibility"] = "2"
        d["scorecards"][1]["scores"]["impact"] = None

    assert changed(edit) == [
        ("scorecards[0].scores.feasibility", "type"),
        ("scorecards[0].scores.impact", "range"),
        ("scorecards[0].scores.novelty", "range"),
        ("scorecards[1].scores.impact", "type"),  # null is not a score: leave the criterion out
    ]


def test_scorecard_rules():
    def edit(d):
        del d["scorecards"][0]["scores"]["impact"]  # required, on a submitted scorecard
        d["scorecards"][2]["scores"] = {"impact": 3, "gone": 1}  # a recused scorecard may keep its scores...
        d["scorecards"][3]["application"] = "WIT-001"  # another prize's draft

    assert changed(edit) == [
        ("scorecards[0].scores", "missing-score"),
        ("scorecards[2].scores.gone", "unknown-criterion"),  # ... of the round's criteria
        ("scorecards[3].application", "wrong-prize"),
        ("scorecards[3].application", "draft"),
    ]


def test_a_conflict_blocks_scoring_but_not_recusal():
    def edit(d):
        d["scorecards"][2]["status"] = "draft"  # Zoé has a conflict with INN-002

    assert changed(edit) == [("scorecards[2].juror", "conflict")]


def test_a_lifted_conflict_does_not_block():
    doc = spec_document()
    doc["conflicts"][0].update(lifted_at="2023-08-20T10:00:00-04:00", lift_reason="Left the company.")
    doc["scorecards"][2]["status"] = "draft"
    assert errors_of(doc) == []


def test_juries_need_jurors_with_the_juror_role():
    def edit(d):
        d["juries"][1]["jurors"] = ["alpha@example.org"]
        d["juries"][0]["chairs"] = ["founder@example.com"]
        d["juries"].append({"prize": "women-in-tech", "round": "preselection", "jurors": []})

    assert changed(edit) == [
        ("juries[0].chairs[0]", "not-juror"),
        ("juries[1].jurors[0]", "role"),
        ("juries[2].round", "duplicate"),
    ]


def test_duplicate_scorecards_conflicts_and_decisions():
    def edit(d):
        d["scorecards"].append(copy.deepcopy(d["scorecards"][1]))
        d["conflicts"].append(copy.deepcopy(d["conflicts"][0]))
        d["decisions"].append(copy.deepcopy(d["decisions"][0]))

    assert changed(edit) == [
        ("conflicts[2]", "duplicate"),
        ("scorecards[4]", "duplicate"),
        ("decisions[2]", "duplicate"),
    ]


def test_every_error_is_reported_at_once():
    doc = spec_document()
    doc["format"] = "other"
    doc["edition"]["code"] = ""
    doc["prizes"][0]["rounds"][0]["criteria"][2]["max"] = -5
    doc["people"][1]["email"] = "nobody"
    doc["applications"][0]["submitted_at"] = "yesterday"
    doc["decisions"][0]["outcome"] = "gold"
    errors = errors_of(doc)
    for expected in [
        ("format", "format"),
        ("edition.code", "code"),
        ("prizes[0].rounds[0].criteria[2].max", "range"),
        ("people[1].email", "email"),
        ("applications[0].submitted_at", "time"),
        ("decisions[0].outcome", "enum"),
    ]:
        assert expected in errors
    assert len(errors) >= 6


def test_messages_are_plain_english_with_the_values_filled_in():
    doc = spec_document()
    doc["scorecards"][0]["scores"]["impact"] = 12
    doc["prizes"][0]["rounds"][0]["criteria"][0]["weight"] = -1
    messages = [str(e) for e in validate(doc)]
    assert messages == [
        "prizes[0].rounds[0].criteria[0].weight: Must be greater than zero.",
        "scorecards[0].scores.impact: Score 12 is outside [0, 10].",
    ]


# Hostile documents: refused with their paths, never a crash -----------------------------------------


@pytest.mark.parametrize("bad", ["\x00", "\x1b[31m", "\ud800", "\udfff"])
def test_control_characters_and_lone_surrogates_are_refused_with_their_path(bad):
    def edit(d):
        d["edition"]["name"]["en"] = f"MTL{bad}Awards"
        d["applications"][1]["title"] = f"{bad}"

    assert changed(edit) == [("edition.name.en", "character"), ("applications[1].title", "character")]


def test_a_key_with_a_control_character_is_refused_and_tabs_and_newlines_are_fine():
    def edit(d):
        d["edition"]["name"]["en"] = "MTL\tTech\r\nAwards"
        d["edition"]["x\x00"] = 1

    assert changed(edit) == [("edition.'x\\x00'", "character")]


def test_the_character_message_names_the_code_point():
    doc = spec_document()
    doc["edition"]["code"] = "mtl\ud800"
    (error,) = validate(doc)
    assert str(error) == "edition.code: Contains a control character or a lone surrogate (U+D800): remove it."


@pytest.mark.parametrize(
    "value", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "1999-12-31T12:00Z"]
)
def test_times_outside_the_years_2000_to_2200_are_refused(value):
    assert changed(lambda d: d["edition"].update(ceremony_at=value)) == [
        ("edition.ceremony_at", "time-range")
    ]


def test_whole_numbers_past_the_database_integer_are_refused():
    def edit(d):
        d["prizes"][0]["finalists"] = 10**40
        d["prizes"][0]["rounds"][0]["jurors_per_application"] = 2**31

    assert changed(edit) == [
        ("prizes[0].finalists", "range"),
        ("prizes[0].rounds[0].jurors_per_application", "range"),
    ]


def test_nesting_past_the_limit_is_refused_at_its_path_without_recursion():
    deep: list = []
    inner = deep
    for _ in range(100_000):
        inner.append([])
        inner = inner[0]
    doc = spec_document()
    doc["edition"]["name"] = deep
    assert errors_of(doc) == [("edition.name" + "[0]" * 18, "depth")]
