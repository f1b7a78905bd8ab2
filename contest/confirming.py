"""A yes/no question that names a value to confirm, compared with the contest file's value.

"初选选30个对吗", "现场比拼是5月20到22号吗", "联系电话是0739-5123465对吗", "是区委宣传部搞的吗":
the asker names a count, a span of days, a phone number or a body and wants to hear whether
it is right. :func:`confirm` finds the value the question names for the answer's topic and
compares it with the file's: :attr:`Check.MATCHES` (yes), :attr:`Check.DIFFERS` (no; the
answer gives the right value), :attr:`Check.UNCLEAR` (a value is named, but the comparison
cannot be sure: no verdict, only the fact), or None when nothing comparable is named, so the
topic's own rule (if any) decides. A verdict is never a guess: "比拼是5月21号吗", where the
shows run 5月20日至22日, gets the dates without a yes or a no.

Every value compared comes from the :class:`~contest.definition.Contest`; nothing here knows
one contest. Pure: no I/O, no clock of its own.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from contest.definition import Contest, Stage
from contest.phrases import dotted_days, named_day, named_time, people, with_digits
from contest.questions import says, stages_named


class Check(StrEnum):
    """How a value the question names compares with the file's."""

    MATCHES = "matches"
    DIFFERS = "differs"
    UNCLEAR = "unclear"


def _same(agrees: bool) -> Check:
    return Check.MATCHES if agrees else Check.DIFFERS


# --- what a question names -------------------------------------------------------------------

# A count with its unit: "26个", "15名", "30项" (not 第16名 or 前15名: ranks, read apart)
_COUNT = re.compile(r"(?<![第前\d])(\d+)\s*(?:个|名|项|强|件|支)")
_QUOTA = re.compile(r"(?:名额|数量|总数|个数)\D{0,3}?(\d+)(?![\d月号日点])")
_TOP = re.compile(r"前\s*(\d+)")
_PLACE = re.compile(r"第\s*(\d+)")
_EACH = re.compile(r"每(个|一|1)?(类|组|类别|个类别)")
_ALL = re.compile(r"一共|总共|共计|合计|总计|加起来|总数|共")
# The question states the limit itself ("最多8个是吧", "上限是5人吗"), not whether a number fits
_LIMIT = re.compile(r"最多|上限|至多|顶多|最高|封顶|不超过|不能超过|不得超过|不多于|限时|限")
_PERMISSION = re.compile(r"可以|可不可以|能|行|允许|够")
_MAY = re.compile(r"能|可以|会|有机会")
_TWO = re.compile(r"两(?=[次个名人位天类项组])")
_MINUTES = re.compile(r"(\d+)\s*分钟")
# Asking whether there is such an award: "有没有…奖", "设不设…", "分不分一二三等奖"
_ASKS_HAS = re.compile(r"有没有|有无|有冇|设没设|设不设|分不分|有.{1,10}吗")
_RANKED = re.compile(r"[一二三]等")
_POINTS = re.compile(r"(\d+)\s*分(?!钟)")
_WORDS = re.compile(r"(\d+)\s*(?:个)?字")
# (not "其中一类", "哪一类", "这1类": one of them, not how many)
_CATEGORY_COUNT = re.compile(r"(?<![中哪这那同每])(\d+)\s*(?:个|种)?(?:大类|类别|类|组|方向|赛道)")
_DAYS_VALID = re.compile(r"(\d+)\s*(?:天|日)")
_PHONE = re.compile(r"\d[\d\- ]{5,}\d")
# A day: "5月20号", "5月20"; "22号" alone takes the month said before it ("5月20到22号")
_DAY = re.compile(r"(\d{1,2})月(\d{1,2})(?:日|号)?|(?<![\d月./])(\d{1,2})(?:日|号)")
_MONTH = re.compile(r"(\d{1,2})月份?(?![\d底末初上中下])")
MONTH_PART = re.compile(r"(\d{1,2})月(底|末|初|上旬|中旬|下旬|中)")
PARTS = {"初": (1, 10), "上旬": (1, 10), "中": (11, 20), "中旬": (11, 20), "下旬": (21, 31),
         "底": (21, 31), "末": (21, 31)}  # fmt: skip
_STARTS = re.compile(r"开始|开启|启动|开放|开通|开幕|开赛|(?<![一1])起(?!来)")
_ENDS = re.compile(r"结束|截止|截至|闭幕|收官|关闭|停止")


def _counts(text: str) -> list[int]:
    """Return the counts the question names with a unit ("26个项目", "名额是15"), in order."""
    found = [int(n) for n in _COUNT.findall(text)]
    return found + [int(n) for n in _QUOTA.findall(text) if int(n) not in found]


def _ranks(text: str) -> list[int]:
    return [int(n) for n in (*_TOP.findall(text), *_PLACE.findall(text))]


def _one(values: list[int]) -> int | None:
    """Return the one value named, or None when there is none or more than one."""
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else None


@dataclass(frozen=True)
class _Span:
    """Days the question names: one day, two days (from, to), a month or a part of one."""

    first: date
    last: date
    single: bool  # one day named, not a stretch of days


def _days(text: str, stage: Stage, contest: Contest, now: datetime) -> list[_Span] | None:
    """Return the days the question names, in the stage's year; None when it names none.

    An empty list means days are named that cannot be placed ("22号" for a stage running over
    two months).
    """
    start = stage.start.astimezone(contest.zone).date()
    end = stage.end.astimezone(contest.zone).date()

    def placed(month: int, day: int) -> date | None:
        year = end.year if month < start.month and end.year > start.year else start.year
        try:
            return date(year, month, day)
        except ValueError:
            return None

    named: list[date | None] = []
    month: int | None = None
    for m in _DAY.finditer(text):
        if m.group(1):
            month = int(m.group(1))
            named.append(placed(month, int(m.group(2))))
        elif month is not None:
            named.append(placed(month, int(m.group(3))))
        elif start.month == end.month:
            named.append(placed(start.month, int(m.group(3))))
        else:
            named.append(None)
    if named:
        if None in named or len(named) > 2:
            return []
        days = [d for d in named if d is not None]
        return [_Span(days[0], days[-1], single=len(days) == 1)]
    if (m := MONTH_PART.search(text)) is not None:
        if m.group(0) in with_digits(stage.source_text):
            return [_Span(start, end, single=start == end)]  # the notice's own words (5月下旬)
        month = int(m.group(1))
        first, last = PARTS[m.group(2)]
        last = min(last, calendar.monthrange(start.year, month)[1]) if 1 <= month <= 12 else last
        begin, finish = placed(month, first), placed(month, last)
        return [_Span(begin, finish, single=False)] if begin and finish else []
    if (m := _MONTH.search(text)) is not None:
        month = int(m.group(1))
        if not 1 <= month <= 12:
            return []
        begin = placed(month, 1)
        finish = placed(month, calendar.monthrange(begin.year if begin else start.year, month)[1])
        return [_Span(begin, finish, single=False)] if begin and finish else []
    day = named_day(text, now, contest.zone)  # 明天, 下周一
    return [_Span(day, day, single=True)] if day is not None else None


def _against_stage(
    text: str, stage: Stage, contest: Contest, now: datetime, *, opening: bool = False
) -> Check | None:
    """Compare the days (and time) a question names with a stage's start, end or both.

    开始 or 截止 in the question (or ``opening``) compares with that end of the stage only.
    """
    days = _days(text, stage, contest, now)
    clock = named_time(text)
    if days is None and clock is None:
        return None
    if days == []:
        return Check.UNCLEAR
    start, end = stage.start.astimezone(contest.zone), stage.end.astimezone(contest.zone)
    says_start = opening or bool(_STARTS.search(text))
    says_end = not opening and bool(_ENDS.search(text))
    anchor = start if says_start and not says_end else end if says_end and not says_start else None
    checks: list[Check] = []
    if days:
        span = days[0]
        if anchor is not None:
            checks.append(_same(span.first <= anchor.date() <= span.last))
        elif not span.single:  # from … to …, a month, a part of a month
            if (span.first, span.last) == (start.date(), end.date()):
                checks.append(Check.MATCHES)
            elif span.last < start.date() or span.first > end.date():
                checks.append(Check.DIFFERS)
            elif span.first != span.last and _DAY.search(text):
                checks.append(Check.DIFFERS)  # two days named, not the stage's two
            elif span.first <= start.date() and end.date() <= span.last:
                checks.append(Check.MATCHES)  # the stage lies within the month named
            else:
                checks.append(Check.UNCLEAR)
        elif start.date() == end.date():
            checks.append(_same(span.first == start.date()))
        elif span.first < start.date() or span.first > end.date():
            checks.append(Check.DIFFERS)
        else:
            checks.append(Check.UNCLEAR)  # a day within a stage of several days
    if clock is not None:
        if anchor is None:
            checks.append(Check.UNCLEAR)
        else:
            checks.append(_same(clock == anchor.time().replace(second=0, microsecond=0)))
    if Check.DIFFERS in checks:
        return Check.DIFFERS
    return Check.UNCLEAR if Check.UNCLEAR in checks else Check.MATCHES


# --- per topic -------------------------------------------------------------------------------


def _criterion(text: str, stage: Stage) -> Check | None:
    """Compare the points named beside one of the stage's criteria ("答辩占40分吗") with its max."""
    if stage.judging is None:
        return None
    named = [c for c in stage.judging.criteria if c.name in text]
    points = _one([int(n) for n in _POINTS.findall(text)])
    if len(named) != 1 or points is None:
        return None if points is None else Check.UNCLEAR
    return _same(points == named[0].max)


def _stage(text: str, contest: Contest, now: datetime, params: Mapping[str, str]) -> Check | None:
    stage = contest.stage(params.get("stage", ""))
    if stage is None:
        return None
    points = _criterion(text, stage)
    if points is not None:
        return points
    check = _against_stage(text, stage, contest, now)
    if check is not None and len(stages_named(text, contest)) > 1:
        return Check.UNCLEAR  # "初选结束后5月20号比拼对吧": whose days are named is not sure
    return check


def _opening(text: str, contest: Contest, now: datetime, _p: Mapping[str, str]) -> Check | None:
    return _against_stage(text, contest.submission_stage, contest, now, opening=True)


def _advance(text: str, contest: Contest, _now: datetime, _p: Mapping[str, str]) -> Check | None:
    advancing = [s for s in contest.stages if s.advances]
    following = contest.next_level
    named_next = following is not None and any(
        name and name in text for name in (following.name, following.short_name)
    )
    if named_next:
        return _quota(text, contest, _now, _p)
    if len(advancing) != 1:
        return None
    stage = advancing[0]
    per = stage.advance_per_category
    total = stage.advance_total or (per * len(contest.categories) if per else None)
    text = _POOL.sub("", text)  # "从47个里选26个": 47 is how many enter, not how many go on
    counts, ranks = _counts(text), _ranks(text)
    if counts and ranks or len(set(counts)) > 1:
        return Check.UNCLEAR  # "26个还是30个": more than one number to confirm
    if (count := _one(counts)) is not None:
        if per and _EACH.search(text):
            return _same(count == per)
        if _EACH.search(text):
            return Check.DIFFERS  # the file names a total, not a number per category
        if per and not _ALL.search(text):
            return _same(count in (per, total))
        return _same(count == total)
    if (rank := _one(ranks)) is not None:
        cut = per or total
        if cut is None:
            return None
        if rank > cut:
            return Check.DIFFERS
        if rank == cut or _PLACE.search(text) or _MAY.search(text):
            return Check.MATCHES  # "第20名能进吗", "前20名能进吗": they do go on
        return Check.UNCLEAR  # "是前20名进吗" where 26 go on: not the number that goes on
    return None


_POOL = re.compile(r"从?\d+个?(项目|案例)?(里|中|当中|之中)(面)?(?=选|挑|评|取|出)")


# A rank stated as who goes on ("去的是前10名", "前10名进市里对吧"), not asked ("前10名能去吗")
_IS_TOP = re.compile(r"是前\d+")
_TAG = re.compile(r"(?:对吧|对吗|对不对|是吧|是吗|没错吧|没错吗|吧)$")


def _quota(text: str, contest: Contest, _now: datetime, _p: Mapping[str, str]) -> Check | None:
    following = contest.next_level
    if following is None:
        return None
    if ranks := _ranks(text):
        return _top_as_quota(text, ranks, following.quota)
    count = _one(_counts(text))
    if count is None:
        return None
    return _same(count == following.quota) if following.quota is not None else Check.UNCLEAR


def _top_as_quota(text: str, ranks: list[int], quota: int | None) -> Check | None:
    """Compare a rank stated as the identity of those who go on with the quota.

    "推荐的是前10名对吧" confirms the quota (no where 15 go on); "前10名能去市里吗" asks whether
    the top ten are among them, and "第16名" is a place: both are the next-round rule's (None).
    """
    rank = _one(ranks)
    if quota is None or rank is None or _PLACE.search(text) or _MAY.search(text):
        return None
    if _IS_TOP.search(text) or _TAG.search(text):
        return _same(rank == quota)
    return None


def _stated_limit(text: str, named: list[int], limit: int | None) -> Check | None:
    """Compare a limit the question states ("最多8个是吧") with the file's; None otherwise."""
    if not named or not _LIMIT.search(text) or _PERMISSION.search(_LIMIT.sub("", text)):
        return None  # "7个人可以吗" asks whether 7 fits: the topic's own rule
    value = _one(named)
    if value is None or limit is None:
        return Check.UNCLEAR
    return _same(value == limit)


def _team(text: str, contest: Contest, _now: datetime, _p: Mapping[str, str]) -> Check | None:
    heads = people(text) or [int(n) for n in re.findall(r"(\d+)\s*个(?![案项月字])", text)]
    return _stated_limit(text, heads, contest.rules.team.max_members)


def _word_limit(text: str, contest: Contest, _now: datetime, _p: Mapping[str, str]) -> Check | None:
    named = [int(n) for n in _WORDS.findall(text) if int(n) >= 100]
    check = _stated_limit(text, named, contest.rules.word_limit)
    if check is Check.UNCLEAR and contest.rules.word_limit is None and _one(named) is not None:
        return Check.DIFFERS  # "是不是不能超过3000字": the file counts 字数 and sets no limit
    return check


def _presentation(
    text: str, contest: Contest, _now: datetime, _p: Mapping[str, str]
) -> Check | None:
    minutes = [int(n) for n in _MINUTES.findall(text)]
    if not minutes:
        return None
    limit = next((s.presentation_minutes for s in contest.stages if s.presentation_minutes), None)
    if _PERMISSION.search(_LIMIT.sub("", text)) and not _LIMIT.search(text):
        value = _one(minutes)  # "讲7分钟可以吗": within the limit or not
        if value is None or limit is None:
            return Check.UNCLEAR
        return _same(value <= limit)
    value = _one(minutes)
    return _same(value == limit) if value is not None and limit is not None else Check.UNCLEAR


def _categories(text: str, contest: Contest, _now: datetime, _p: Mapping[str, str]) -> Check | None:
    count = _one([int(n) for n in _CATEGORY_COUNT.findall(text)])
    return _same(count == len(contest.categories)) if count is not None else None


def _awards(text: str, contest: Contest, _now: datetime, _p: Mapping[str, str]) -> Check | None:
    plain = text.replace("1等", "一等").replace("2等", "二等").replace("3等", "三等")
    tiers = [t for t in contest.awards.tiers if t.name and t.name in plain]
    count = _one(_counts(plain))
    if count is None and _ASKS_HAS.search(plain):  # "有没有最佳创意奖", "分不分一二三等奖"
        ranked = _RANKED.findall(plain)
        if ranked and not any(r in t.name for t in contest.awards.tiers for r in ranked):
            return Check.DIFFERS  # ranks the file's awards do not have
        return Check.MATCHES if tiers else None
    if len(tiers) != 1 or count is None:
        return None if count is None else Check.UNCLEAR
    tier = tiers[0]
    known = tier.count or (tier.ranks[1] - tier.ranks[0] + 1 if tier.ranks else None)
    return _same(count == known) if known is not None else Check.UNCLEAR


def _register(text: str, contest: Contest, _now: datetime, _p: Mapping[str, str]) -> Check | None:
    if "有效" not in text:
        return None
    days = _one([int(n) for n in _DAYS_VALID.findall(text)])
    return _same(days == contest.registration.invite_valid_days) if days is not None else None


def _lead(text: str, contest: Contest, _now: datetime, _p: Mapping[str, str]) -> Check | None:
    """Compare a number of changes named ("最多能换一次对吗") with the file's replacements."""
    times = [int(n) for n in re.findall(r"(\d+)\s*次", text)]
    if not times:
        return None
    team = contest.rules.team
    if says("牵头人", text) or says(contest.terms.lead, text) or team.member_replacements is None:
        return Check.UNCLEAR  # the file says whether the lead may change, not how often
    count = _one(times)
    if count is None:
        return Check.UNCLEAR
    if _PERMISSION.search(_LIMIT.sub("", text)) and not _LIMIT.search(text):
        return _same(count <= team.member_replacements)  # "可以换两次吗": within the rule or not
    return _same(count == team.member_replacements)


def _digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)


# "联系人是王明吗": a person's name offered to confirm (a common surname and one or two more)
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_A_NAME = re.compile(
    rf"是([{_SURNAMES}][\u4e00-\u9fff]{{1,2}}?)(吗|吧|么|不|对吗|对吧|对不对|没错|$)"
)


def _contacts(text: str, contest: Contest, _now: datetime, _p: Mapping[str, str]) -> Check | None:
    named_people = [c for c in contest.contacts if c.name and c.name in text]
    numbers = [_digits(n) for n in _PHONE.findall(text) if len(_digits(n)) >= 7]
    if not numbers and not named_people and contest.contacts and _A_NAME.search(text):
        return Check.DIFFERS  # a name, not any contact's
    if not numbers:
        return Check.MATCHES if named_people and _asks_is(text) else None
    if not contest.contacts:
        return Check.UNCLEAR
    whose = named_people or contest.contacts
    known: set[str] = set()
    for contact in whose:
        for phone in (contact.phone, contact.mobile):
            if phone:
                known.add(_digits(phone))
                local = phone.rsplit("-", 1)[-1] if "-" in phone else ""
                if len(_digits(local)) >= 7:
                    known.add(_digits(local))  # "5123456" without the area code
    return _same(all(number in known for number in numbers))


def _asks_is(text: str) -> bool:
    """Tell whether the question asks "is it X" (是…吗, …对吧), not only something about X."""
    return bool(re.search(r"是|对吗|对吧|对不对|没错", text))


# Words that end the name of a body: 组织部, 工委, 宣传部, 总工会, 妇联 …
_BODY_END = re.compile(
    r"(委员会|联合会|办公室|总工会|工会|协会|团委|妇联|政府|中心|[部委局厅处科])"
)
# Words and verbs around a body's name that are no part of it
_FRAME = re.compile(
    r"是不是|是否|主办方|主办单位|牵头单位|组织单位|举办单位|承办单位|单位|主办|举办|承办|"
    r"协办|联办|办的|搞的|搞|发起|牵头|负责|一起|联合|共同|这个|这次|今年|本次|比赛|大赛|活动|"
    r"请问|[是由吗吧呢的了和跟与及对不没啊呀么嘛谁哪个啥]"
)


def _bodies(text: str) -> list[str]:
    """Return the names of bodies the question names ("区委宣传部", "组织部"), in order."""
    found = []
    for run in _FRAME.split(text):
        ends = [m.end() for m in _BODY_END.finditer(run)]
        body = run[: ends[-1]] if ends else ""
        if len(body) >= 3 or _BODY_END.fullmatch(body) and len(body) == 2:
            found.append(body)
    return found


def _organizer(text: str, contest: Contest, _now: datetime, _p: Mapping[str, str]) -> Check | None:
    """Compare the body named as the organizer with the organizers the file lists.

    A body that ends one of the organizers' names (组织部, 区委组织部 of 中共…区委组织部) is one
    of them; a body with a character no organizer's name has in that order (区委宣传部) is not;
    anything between (区委, 江川市委: part of the name, but not its end) is not decided.
    """
    names = [*contest.organizers, *re.split(r"[、，,；;]", contest.organizer_short)]
    names = [re.sub(r"\s", "", n) for n in names if n.strip()]
    bodies = _bodies(text)
    if not bodies:
        return None
    checks = []
    for body in bodies:
        if any(name.endswith(body) or body.endswith(name) for name in names):
            checks.append(Check.MATCHES)
        elif _other_level(body, names):
            checks.append(Check.DIFFERS)  # 市委组织部 where the organizer is a 区委's
        elif any(name in body or _in_order(body, name) for name in names):
            checks.append(Check.UNCLEAR)
        else:
            checks.append(Check.DIFFERS)
    if Check.DIFFERS in checks:
        return Check.DIFFERS
    return Check.UNCLEAR if Check.UNCLEAR in checks else Check.MATCHES


_LEVEL = re.compile(r"[省市区县]委")


def _other_level(body: str, names: list[str]) -> bool:
    """Tell whether the body names a party committee of a level no organizer is of.

    "江川市委组织部" is not "中共江川市东湖区委组织部": 市委 against 区委.
    """
    levels = set(_LEVEL.findall(body))
    return bool(levels) and not any(level in name for level in levels for name in names)


def _in_order(short: str, name: str) -> bool:
    """Tell whether every character of ``short`` is in ``name``, in the same order."""
    rest = iter(name)
    return all(char in rest for char in short)


def _facts(text: str, contest: Contest, _now: datetime, _p: Mapping[str, str]) -> Check | None:
    """Compare a count named with the figure of the fact the question names ("申报项目47个吗").

    The fact is named by its label, or by the entry word ("报了47个项目吗") when one label
    alone has it; "五十多个" (about, not a count) leaves no verdict.
    """
    count = _one(_counts(text))
    if count is None:
        return None
    if re.search(r"\d+\s*多|多\s*个|左右|上下|大概|约", text):
        return Check.UNCLEAR
    named = [label for label in contest.facts if label in text]
    if not named:
        entry = [label for label in contest.facts if contest.terms.entry in label]
        named = entry if len(entry) == 1 and contest.terms.entry in text else []
    if len(named) != 1:
        return None
    figures = [int(n) for n in re.findall(r"\d+", contest.facts[named[0]])]
    return _same(count == figures[0]) if figures else None


_COMPARERS: dict[str, Callable[[str, Contest, datetime, Mapping[str, str]], Check | None]] = {
    "stage": _stage,
    "opening": _opening,
    "advance": _advance,
    "provincial": _quota,
    "team": _team,
    "lead": _lead,
    "word_limit": _word_limit,
    "presentation": _presentation,
    "categories": _categories,
    "awards": _awards,
    "register": _register,
    "contacts": _contacts,
    "organizer": _organizer,
    "facts": _facts,
}


def confirm(
    topic: str, question: str, contest: Contest, now: datetime, params: Mapping[str, str]
) -> Check | None:
    """Compare the value a yes/no question names with the file's, for the answer's topic.

    None when the topic holds no value to compare or the question names none.
    """
    compare = _COMPARERS.get(topic)
    if compare is None:
        return None
    text = re.sub(r"\s+", "", question.lower())
    text = with_digits(dotted_days(_TWO.sub("2", text)))  # cn2an leaves 两次 as it is
    return compare(text, contest, now, params)
