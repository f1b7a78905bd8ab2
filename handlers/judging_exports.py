"""The judged stages' workbooks: the score sheet and the results list (openpyxl).

Score sheet (评分表): a sheet per category, one row per case, a column per judge and
criterion, each judge's total, the case's score by the file's rule, its rank (ties marked)
and its result. Results list (结果名单): every case with its rank, score and result, in
rank order per category. Built off the event loop; each export is in the audit log.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from contest.definition import Contest, Criterion, Stage
from contest.judging import Ranked, criteria_for, points, total
from handlers.exports import XLSX, ExportFile, in_export_thread, load_openpyxl
from handlers.judging import judged_stage, rules_of
from handlers.judging_stage import ranking_data
from storage.audit import record_event
from storage.db import SessionFactory, transaction
from storage.judging import (
    GivenScore,
    JudgedCase,
    advancing_ids,
    awards_of_stage,
    confirmed_scores,
)
from storage.models import Judge


@dataclass(frozen=True)
class SheetData:
    """What the score sheet of a stage holds, ready for a workbook."""

    stage: Stage
    judges: list[Judge]
    criteria: dict[str, list[Criterion]]  # category key → criteria
    rows: list[tuple[JudgedCase, Ranked, dict[int, GivenScore]]]
    awards: dict[int, str]
    advancing: set[int]


async def sheet_data(sessions: SessionFactory, contest: Contest, stage_key: str) -> SheetData:
    """Load a stage's scores, ranking and results for the score sheet."""
    stage = judged_stage(contest, stage_key)
    judging = rules_of(stage)
    async with sessions() as session:
        cases, judges, _, ranked = await ranking_data(session, contest, stage)
        scores: dict[int, dict[int, GivenScore]] = defaultdict(dict)
        for score in await confirmed_scores(session, stage_key=stage.key):
            scores[score.case_id][score.judge_id] = score
        awards = {
            k: a.tier for k, a in (await awards_of_stage(session, stage_key=stage.key)).items()
        }
        advancing = await advancing_ids(session, stage_key=stage.key)
    by_case = {r.case_id: r for r in ranked}
    criteria = {c.key: criteria_for(judging, c.key) for c in contest.categories}
    rows = [(c, by_case[c.case.id or 0], scores.get(c.case.id or 0, {})) for c in cases]
    return SheetData(stage, judges, criteria, rows, awards, advancing)


def _number(value: Decimal | None) -> float | str:
    return "" if value is None else float(value)


def _result(data: SheetData, case_id: int) -> str:
    if case_id in data.awards:
        return data.awards[case_id]
    return "晋级" if case_id in data.advancing else ""


def _bold(sheet: Any, head: list[str]) -> list[Any]:
    load_openpyxl()
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    cells = []
    for text in head:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = Font(bold=True)
        cells.append(cell)
    return cells


def score_sheet_workbook(contest: Contest, data: SheetData) -> bytes:
    """Build the score sheet of a stage: a sheet per category, a row per case."""
    load_openpyxl()
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    entry, judge_word = contest.terms.entry, contest.terms.judge
    for category in contest.categories:
        criteria = data.criteria[category.key]
        sheet = book.create_sheet(category.name[:31])
        head = [f"{entry}编号", f"{entry}名称", "单位"]
        for judge in data.judges:
            head += [f"{judge.label}·{c.name or '评分'}" for c in criteria]
            if len(criteria) > 1:
                head.append(f"{judge.label}·合计")
        head += ["得分", f"{judge_word}人数", "名次", "并列", "结果"]
        sheet.freeze_panes = "D2"
        sheet.append(_bold(sheet, head))
        for item, ranked, scores in data.rows:
            if item.category != category.key:
                continue
            row: list[object] = [item.case.id, item.title, item.unit.party_org]
            for judge in data.judges:
                score = scores.get(judge.id or 0)
                given = {k: Decimal(v) for k, v in (score.scores if score else {}).items()}
                row += [_number(given.get(c.key)) for c in criteria]
                if len(criteria) > 1:
                    row.append(_number(total(given, criteria)) if score else "")
            value = ranked.score
            row += [
                float(points(value.value)) if value else "",
                value.judges if value else 0,
                ranked.rank or "",
                "并列" if ranked.tied else "",
                _result(data, item.case.id or 0),
            ]
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def results_workbook(contest: Contest, data: SheetData) -> bytes:
    """Build the results list of a stage: rank order per category."""
    load_openpyxl()
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "结果名单"
    entry = contest.terms.entry
    sheet.append(["类别", "名次", f"{entry}编号", f"{entry}名称", "单位", "得分", "结果"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    names = {c.key: c.name for c in contest.categories}
    order = {c.key: n for n, c in enumerate(contest.categories)}
    rows = sorted(
        data.rows,
        key=lambda r: (order.get(r[0].category, 99), r[1].rank or 10**6, r[0].case.id or 0),
    )
    for item, ranked, _ in rows:
        sheet.append([
            names.get(item.category, item.category), ranked.rank or "", item.case.id,
            item.title, item.unit.party_org,
            float(points(ranked.score.value)) if ranked.score else "",
            _result(data, item.case.id or 0),
        ])  # fmt: skip
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _stamp(contest: Contest, now: datetime) -> str:
    return now.astimezone(contest.zone).strftime("%Y%m%d-%H%M")


async def export_score_sheet(
    *, sessions: SessionFactory, contest: Contest, stage_key: str, now: datetime,
    who: int | None, results: bool = False,
) -> ExportFile:  # fmt: skip
    """Export a judged stage's score sheet (or, with ``results``, its results list)."""
    data = await sheet_data(sessions, contest, stage_key)
    async with transaction(sessions) as session:
        await record_event(
            session, person_id=who, action="export", now=now,
            detail={"kind": "results" if results else "scores", "stage": stage_key},
        )  # fmt: skip
    build = results_workbook if results else score_sheet_workbook
    body = await in_export_thread(build, contest, data)
    what = "结果名单" if results else "评分表"
    name = f"{data.stage.name}{what}-{_stamp(contest, now)}.xlsx"
    return ExportFile(name, body, XLSX, len(data.rows))
