"""The made-up contest of another city, and the words that belong only to the other contests."""

from __future__ import annotations

from pathlib import Path

from contest.definition import Contest, load_contest

CONTESTS = Path(__file__).resolve().parent.parent / "contests"
OTHER_CITY = "donghu-2026"


def _words_of(contest: Contest) -> set[str]:
    """Return the names and terms that identify a contest."""
    terms = contest.words
    words = {
        contest.name,
        contest.short_name,
        contest.organizer_short,
        contest.theme,
        contest.website,
        *contest.organizers,
        *(c.name for c in contest.categories),
        *(s.name for s in contest.stages),
        *(s.name for s in contest.registration.submitters),
        *(c.name for c in contest.contacts),
        *(c.phone for c in contest.contacts),
        *(t.name for t in contest.awards.tiers),
        terms.entry,
        terms.document,
        terms.document_short,
        terms.lead,
        terms.lead_member,
        terms.member,
        terms.submitter,
        terms.city,
        terms.area_code,
        terms.earlier_level,
    }
    if contest.next_level:
        words |= {contest.next_level.name, contest.next_level.short_name}
    for form in (contest.forms.unit, contest.forms.contact, contest.forms.member):
        words |= {f.label for f in form.fields}
    words |= {contest.forms.case.title, *(f.label for f in contest.forms.case.fields)}
    return {w for w in words if w}


def foreign_words(own: str = OTHER_CITY) -> set[str]:
    """Return the words of the other shipped contests that the file ``own`` never uses."""
    own_text = (CONTESTS / f"{own}.toml").read_text(encoding="utf-8")
    own_words = _words_of(load_contest(CONTESTS / f"{own}.toml"))
    words: set[str] = set()
    for path in sorted(CONTESTS.glob("*.toml")):
        if path.stem in (own, "TEMPLATE"):
            continue
        words |= _words_of(load_contest(path))
    return {w for w in words if w not in own_text and not any(w in o for o in own_words)}
