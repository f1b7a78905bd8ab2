"""A message as people send it: several questions at once, about now, about themselves.

:func:`ask` splits a message into its questions ("截止是哪天 字数有要求吗" asks two), matches
each with :func:`contest.questions.match`, and decides a yes or no where the question is a
yes/no question ("能不能…", "…吗", "来得及吗") and the contest, the clock or the asker's own
cases decide it: "现在还能报吗" is yes until the submission deadline, "下周一交来得及吗" compares
next Monday with it, "牵头人能换吗" is the contest's team rule. The handler passes ``now`` (read
once at the edge) and an :class:`~contest.questions.Asker` (the unit's cases); everything else
comes from the contest. Pure: no I/O, no clock of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from itertools import accumulate

from contest.confirming import MONTH_PART, PARTS, Check, confirm
from contest.definition import Contest, Editing, Stage, Submitter
from contest.phrases import (
    clock_readings,
    named_day,
    named_days,
    named_time,
    numbers,
    people,
    with_digits,
)
from contest.questions import (
    CHINESE_CHARACTER,
    UNSURE,
    Answer,
    Asker,
    chosen_between,
    in_common_words,
    match,
    named_fields,
    named_stage,
    names_participant,
    respell,
    says,
    segment,
    topic_texts,
    vocabulary,
    with_aliases,
)
from contest.schedule import position

SMALL_TALK = ("greeting", "thanks")
WHOLE_MESSAGE = ("recommend",)  # a described project is one question, however it is split
# A numbered item ("请问：1.申报截止时间 2.团队人数上限") breaks too; "5.1交" is a day
_NUMBERED = r"(?<![\d.])\d{1,2}[.、．)）](?!\d)"
_BREAK = re.compile(
    rf"({_NUMBERED}|[？?。！!；;\n，,、：:\s]+|另外|顺便问一?下|再问一?下|还想问一?下?|还有(?![几多什么啥哪没])|以及|和|"
    r"然后(?=[^，,。？?\s]{4}))"
)
_CUE = re.compile(
    r"[吗呢么嘛]|伐(?=[\s？?。！!~～]|$)|(?<![十百千万\d])几|多少|多久|多长|什么|啥|怎么|怎样|如何|咋|哪|谁|能否|是否|可否|可以|"
    r"能不能|有没有|来得及|(.)不\1|(..)不\2|(.)没\3|(..)没\4|(不|没有?)[呀啊哦咧哈啦]?$"
)
_YES_NO = re.compile(
    r"[吗嘛]|(?<![怎什那这多要])么|能不能|可不可以|是不是|行不行|要不要|用不用|有没有|够不够|"
    r"算不算|来[得的]及|赶[得的]?[上及]|赶趟|"
    r"能否|是否|可否|(.)不\1|(..)不\2|(.)没\3|(..)没\4|不$|没有?$|行不|会不会|对不对|好不好|成不成|"
    r"有问题|没问题吧|(算数|作数|有效|管用)吧$|[行对好成是算]吧$|[了的]吧$|(能|可以|会|肯定|应该|一定|有资格).*吧$|"
    r"是[^，,。？?]*吧$|还在[^，,。？?]*吧$|正在[^，,。？?]*吧$|已经[^，,。？?]*吧$|(不用|不需要|无需|不必)[^，,。？?]*吧$|没错[吧吗]?$|没记错|对[吗么]|(还没|没有?|未)[^，,。？?]{1,6}吧$"
)
# "是23号吗" after "比拼几号结束": a value offered to confirm the question before it, nothing more
_ONLY_A_VALUE = re.compile(
    r"\d+\s*(?:月份?|[日号点时个名项人字天类]|分钟)?|[零〇一二两三四五六七八九十百千]+(?=[月日号点个名项人字天类])|"
    r"[月日号点个名项人字天类]|上午|下午|晚上|中午|早上|月底|月初|上旬|中旬|下旬|[:：\-到至]|"
    r"是不是|就是|还是|是|对吗|对吧|对不对|没错|吗|吧|呢|么|嘛|的|啊|呀"
)
_AGAIN = re.compile(r"还要|还得|还需|还用|再[去到报交传]|也要|也得|重新|另外|别的|其他|其它")
_OFFICIAL = re.compile(
    r"算|认不认|认吗|认可|承认|正式|正规|官方|有效|只能|只在|只用|看到|看得到|看得见|收到|收得到|作数|作不作数"
)
_ONLY_HERE = re.compile(r"只(能|在|用|有)[^，,。？?\s]{0,4}(这|此|机器人|bot|小助手|本)")
# "申报书直接微信发给组织科行不行", "要不要打印纸质的": a way of handing in beside the bot
_ELSEWHERE = re.compile(r"邮件|邮箱|微信发|发微信|纸质|打印|邮寄|u盘|当面交|送过去|送到|送去")
_NO_NEED = re.compile(r"(不用|不需要|不需|无需|不必|用不着|没必要)[^，,。？?\s]{0,3}$")
# "有官方申报网站吗", "有没有专门的申报系统": whether a site of the organizer's own exists
_SITE = r"[^，,。？?\s]{0,8}(网站|网页|平台|系统|官网)"
_HAS_SITE = re.compile(rf"有{_SITE}(吗|么|没|不)|有没有{_SITE}")
_ENOUGH = re.compile(r"就(行|可以|够|好|完事|算完)")
_SELF = re.compile(r"自己|直接|单独|自行")
_CONTRACT = re.compile(r"聘|合同|编外|临时|派遣|借调")
_FREE_FORM = re.compile(r"视频|ppt|表演|唱|演|小品|情景剧|道具|音乐|快板|相声|朗诵|三句半")
# "有字数限制吗", "zs有要求不": whether there is a limit, not whether a length keeps to it
_LIMIT_SET = re.compile(r"[限线]制|限定|上[限线]|要求|规定")
_MORE_THAN = re.compile(r"超过|超出|多于|多过|以上")
_NOT_MORE = re.compile(r"不(能|得|可|可以|会|要)?(超过|超出|多于|多过)")
_HEADS = re.compile(r"(\d+)\s*个(?![案项月字])")
_LATE = re.compile(r"晚[几一两]?[天点]|晚交|晚点交|延期|延长|推迟|宽限|缓交|往后推")
_CLOSED = re.compile(
    r"(截止|结束|关闭|关|过期|过)了(没|吗|么|不|吧)|(结束|关闭|过期)没|已经(截止|结束|关闭|关|过期)了|"
    r"(已经|是不是|是否)?(过了?|超过了?|错过了?)(截止|期限|时间|日期|ddl|时限)|"
    r"(截止|期限|ddl)(时间|日期)?(是不是|是否)?(已经)?(过了|过去了)|超时了|逾期了|已经截止|已截止"
)
# "过了截止日期还能补交吗" asks about handing in late, not whether it has closed
_THEN_HAND_IN = re.compile(r"能|可以|让|允许|补|收|交|报")
# "还没截止吧", "没过截止时间吧": whether it is still open, the other way round
_STILL_OPEN = re.compile(r"(还没|没有?|未)(过|到|超过)?(截止|结束|关闭|过期|期限|ddl)")
# "申报截止4月25号对吗", "4.25截止没错吧": a day said as the deadline, then asked to confirm
_DAY = r"(\d{1,2}月(\d{1,2}[日号]?|底|初)|\d{1,2}[.\-/]\d{1,2}|\d{1,2}[日号])"
_SAID_AS_DEADLINE = re.compile(
    rf"(截止|截至|ddl)(日期|时间)?(到|在|于|为)?{_DAY}(?![^，,。？?]*[交报传])"
    rf"|{_DAY}(就|便|才)?(截止|截至|结束)(?!前|之前|以前)"
)
_CONFIRMING = re.compile(r"(对[吗么吧]|对不对|是吗|是吧|没错|没记错|吧|哈)[？?。！!\s]*$")
# "截止是不是5月底", "截止时间是4月30号吗": the question names the deadline's value to confirm
_IS_IT = re.compile(r"(截止|截至|结束|最后一天|ddl)[^，,。？?；;]{0,6}?(是不是|是否|就是|是)")
_NOT_DONE = re.compile(
    r"(没有?|未|尚未|还没有?)(开始|正式)?(实施|落地|开展|做|搞|启动|干)|计划|打算|准备做|明年|才搞|才启动|"
    r"(光|只)有(个)?想法|只是(个)?想法|"
    r"下半年|策划"
)
_BECOME = re.compile(r"(当|做|担任|作为)(项目|团队)?(负责人|牵头人|组长|队长)")
_COPIED = re.compile(
    r"抄|照搬|别的单位|其他单位|别人|拿来|借用|借鉴|兄弟|模仿|仿照|效仿|复刻|搬过来|(参考|学习)(了)?(外地|别|其他|人家)|"
    r"(别的|别个|其他|其它|人家|隔壁)(的)?(街道|镇|社区|村|支部|地方|区|单位|医院|学校)|拿过来|"
    r"照着(别人|人家|他们|她们|它们|别的|隔壁)?(的)?(写|抄|做|弄|整|来)|套用|照葫芦画瓢"
)
_ADVANCE = re.compile(r"推|进|晋级|参加|去|上|送|入选|选送")
_RANK = re.compile(r"前(\d+)|第(\d+)名")


def ask(
    message: str, contest: Contest, *, now: datetime, asker: Asker | None = None
) -> list[Answer]:
    """Return the answers to every question in the message, in order, with their verdicts."""
    message = _without_apology(in_common_words(message))
    introduced = _without_introduction(message, contest)
    # "我们是柳湾街道的 截止时间": a topic named after who they are is asked
    if _only_introduces(message) and (_WILL_ASK.search(message) or introduced is None):
        # "您好，我是区直机关党工委的联络员，有几个问题想向您咨询。": asks nothing yet
        return [replace(match("您好", contest), question=message)]
    whole = match(message, contest)
    if whole.topic not in WHOLE_MESSAGE and (asked := introduced) is not None:
        # "您好 我是柳湾街道党工委的 申报书截止到几点": who they are asks nothing
        message, whole = asked
    if whole.topic not in WHOLE_MESSAGE and (now_asked := without_the_past(message)) != message:
        # "之前听说只有区直单位能报 今年街道也能报了嘛": how it was before asks nothing
        rest = match(now_asked, contest)
        if rest.confident and rest.score >= vocabulary().min_score:
            message, whole = now_asked, rest

    groups = (
        [message]
        if whole.topic in WHOLE_MESSAGE or _chooses_between(whole, message, contest)
        else _questions(message)
    )
    if len(groups) == 1 and whole.topic not in WHOLE_MESSAGE:
        # "截止时间 还有字数要求": no piece asks, yet each is a question. A message that does
        # ask and reads well whole stays whole: "我们是街道的 申报书交给谁" asks one thing.
        pieces = _parts(message)
        about_them = (
            whole.confident
            and whole.topic in _ABOUT_THE_ASKER
            and any(_INTRODUCTION.fullmatch(p) for p in pieces)
        )  # "我们是区直单位的支部 也能报吧": who they are is what the question asks about
        if not about_them and (not whole.confident or not _CUE.search(message)):
            groups = pieces
            asking = [p for p in groups if not (_TELLS.match(p) and not _CUE.search(p))]
            if not whole.confident and len(asking) == 1 < len(groups):
                # "我们草稿写了一半 还有几天能交": what they tell of themselves asks nothing
                whole, groups = match(asking[0], contest), asking
    if len(groups) == 1 and (glued := _glued(message, contest)) is not None:
        groups = glued  # "几号截止最多几个人": two questions typed without a break
    answers: list[Answer] = []
    if whole.topic in WHOLE_MESSAGE:
        answers = _project_then_questions(message, contest)
    if len(groups) > 1:
        # "组织科电话多少 pls 顺便问下…": a plea between the questions asks nothing
        groups = [g for g in groups if not _PLEA.fullmatch(g.strip().lower())] or groups
        matched = [match(group, contest) for group in groups]  # each piece matched once
        # "刚抢完群里红包哈哈 顺便问下…": what the message opens with, asking nothing and sure
        # of nothing, is small talk before the questions
        told = next(
            (
                at
                for at, (g, a) in enumerate(zip(groups, matched, strict=True))
                if not (_tells(g, a) or _WILL_ASK.fullmatch(g.strip()))
            ),
            len(groups),
        )
        if told < len(groups):
            matched = matched[told:]
        seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
        for answer in matched:
            key = (answer.topic, tuple(sorted(answer.params.items())))
            if answer.confident and answer.topic not in SMALL_TALK and key not in seen:
                seen.add(key)
                answers.append(answer)
        # "领导让我对接擂台赛的事 截止是几号": one question after what is told is that question
        one_after_told = told > 0 and len(answers) == 1
        if (len(answers) < 2 and not one_after_told) or not all(a.confident for a in matched):
            answers = []

        def decided(answer: Answer) -> bool:
            return verdict(answer, contest, now, asker) is not None

        answers = _without_weak_pieces(_unstated_with_its_words(answers, decided), decided)
    if not answers:
        answers = [whole]
    answers = [_before_the_opening(a, contest, now) for a in answers]
    return [replace(a, verdict=verdict(a, contest, now, asker)) for a in answers]


_PLEA = re.compile(
    r"(pls|plz|please|求求你?了?|球球了?|拜托了?|麻烦了?|麻烦您了?|急+|在线等|蹲一?个?|救命|"
    r"家人们|宝子们?|挺急的|谢谢|[!！?？~～。.…\s])+"
)


# "我不太会用手机 打字慢 多包涵。。。": an apology before the question asks nothing
_APOLOGY = re.compile(
    r"(我|俺)?(年纪大了|岁数大了|眼神不好|眼睛不好|老花眼?)|"
    r"(我|俺)?(不太|不大|不怎么|不咋|不)会(用|玩|弄)(手机|电脑|智能手机|微信|这个|这些)|"
    r"打字(太|比较|很|有点)?慢|(请|还请)?(多多|多)?(包涵|见谅|担待)|不好意思"
)


def _without_apology(message: str) -> str:
    """Return the message without the apologies around its question, if it asks more."""
    rest = _APOLOGY.sub(" ", message)
    return rest if len(CHINESE_CHARACTER.findall(rest)) >= 2 else message


def _tells(piece: str, answer: Answer) -> bool:
    """Tell whether a piece of a message only tells (刚抢完群里红包): no question, no topic."""
    return (
        not answer.confident
        and not _CUE.search(piece)
        and len(CHINESE_CHARACTER.findall(piece)) >= 4
    )


UNSTATED = "not_said"
_WEAK = 4.0  # a piece sure of a topic by one or two weak words ("离青石镇远不远")


def _unstated_with_its_words(
    answers: list[Answer], decided: Callable[[Answer], bool]
) -> list[Answer]:
    """Keep a subject the file does not state as the one question, without the weak pieces
    around it: "比拼的场地定下来没有 离青石镇远不远" asks of the venue only. A weak piece the
    file answers yes or no to ("评审专家都是谁，初选是匿名评的吗") is a question of its own."""
    unstated = [a for a in answers if a.topic == UNSTATED]
    if not unstated or len(unstated) == len(answers):
        return answers
    kept = [a for a in answers if a.topic == UNSTATED or a.score >= _WEAK or decided(a)]
    return kept if len(kept) > 1 else unstated[:1]


_STRONG = 6.0  # a piece sure of its topic by its own words
_FAINT = 2.0  # a piece beside it that hardly names a topic of its own ("咋填")


def _without_weak_pieces(answers: list[Answer], decided: Callable[[Answer], bool]) -> list[Answer]:
    """Drop the weak pieces beside a question sure of its topic: "联络员办公电话要带区号不 咋填"
    asks of the office phone only, "咋填" follows it. A weak piece the file answers yes or no
    to stays a question of its own."""
    if len(answers) < 2 or max(a.score for a in answers) < _STRONG:
        return answers
    kept = [a for a in answers if a.score >= _FAINT or decided(a)]
    return kept or answers


_WHICH_CATEGORY = "类"  # the word a which-category question asks with (报哪类)


def _project_then_questions(message: str, contest: Contest) -> list[Answer]:
    """Answer a described project's category and the questions asked after it, if any.

    "我们社区给老人开了个助浴点，报哪类好，成员最多几个": the project and its category are one
    question, however split; a confident question of another topic at the end is another.
    Empty when nothing else is asked.
    """
    groups = _questions(message)
    for cut in range(len(groups) - 1, 0, -1):
        if _WHICH_CATEGORY not in groups[cut - 1]:
            continue  # "…建章立制 这种项目归哪类啊": the category is what the end asks
        project = match("".join(groups[:cut]), contest)
        if project.topic not in WHOLE_MESSAGE or not project.confident:
            continue
        after = [match(group, contest) for group in groups[cut:]]
        if all(
            a.confident
            and a.topic not in (*SMALL_TALK, *WHOLE_MESSAGE)
            and (a.topic == "categories" or _WHICH_CATEGORY not in a.question)
            for a in after
        ):
            return [project, *after]  # "…报哪类 总共有几类啊" asks the list too
    return []


def _chooses_between(whole: Answer, message: str, contest: Contest) -> bool:
    """Tell whether the message asks which of two named categories fits its project, as one
    question ("看病难问题，请问属于服务民生类还是赋能发展类？"): its pieces are not two."""
    return whole.topic == "recommend" and whole.confident and bool(chosen_between(message, contest))


def _before_the_opening(answer: Answer, contest: Contest, now: datetime) -> Answer:
    """Answer "能先报上去吗", asked before handing in opens, with the opening, not the deadline
    (nor the way of handing in: "现在可以在这里提交了吗")."""
    if answer.topic not in _HANDED_IN_NOW or now >= contest.submission_stage.start:
        return answer
    question = answer.question
    day = named_day(question, now, contest.zone)
    opening_day = contest.submission_stage.start.astimezone(contest.zone).date()
    if (day is not None and day >= opening_day) or _CLOSED.search(question.lower()):
        return answer  # "4月30号能交吗" asks of a day; "截止了吗" of the close
    if not _HAND_IN_NOW.search(question):
        return answer
    return replace(answer, topic="opening", params={})


_HANDED_IN_NOW = ("deadline", "official_system", "submit")


# "我是柳湾街道的联络员", "我们是桃源街道党工委的", "想咨询两个事": who asks, and that they will
_INTRODUCTION = re.compile(
    r"(我|我们|咱|咱们|俺|俺们)(这边|这里)?(是|在)[^，,。？?！!\s]{1,24}|"
    r"(想|我想|我们想|请|麻烦)?(咨询|问|请教|了解)(一?下)?[一两二三几]个(事|问题|事情|情况)"
)


# "有几个问题想向您咨询", "想咨询下擂台赛的事", "后面有几个事要麻烦你", "今年由我负责对接":
# that they will ask, not what
_WILL_ASK = re.compile(
    r"(还|后面|等下|待会儿?)?有[一两二三几]个(事|问题|事情|情况)[^，,。？?]{0,10}|"
    r"想(向您|跟您|跟你)?(咨询|请教|问问|了解)(一?下)?[^，,。？?]{0,10}(的事|的问题|的情况|的事情)|"
    r"想(向您|跟您|跟你)?(咨询|请教|问问|了解)(一?下)?(点|些|一些|几个)(事|问题|事情|情况)|"
    r"(要|得)?麻烦(你|您)(一下)?|[^，,。？?]{0,12}由我(来)?负责(对接|联系)[^，,。？?]{0,4}|报到|"
    r"[^，,。？?\s]{0,8}(让|派|安排)我(来)?(负责)?(对接|联系)[^，,。？?\s]{0,8}的事"
)
_GREETING_WORDS = re.compile(
    r"(您好|你好|老师好|领导好|大家好)[嘛呀啊哈]?|打扰了?|在吗|哈喽|嗨|喂|hi|hello", re.I
)


def _only_introduces(message: str) -> bool:
    """Tell whether a message only says who is asking and that they will ask (no question)."""
    if re.search(r"[？?]", message):
        return False
    said = bool(_INTRODUCTION.search(message)) or bool(_WILL_ASK.search(message))
    if not said or _CUE.search(_GREETING_WORDS.sub(" ", _WILL_ASK.sub(" ", message))):
        return False  # "我们是街道的能参加吗" asks
    rest = _GREETING_WORDS.sub(" ", _INTRODUCTION.sub(" ", _WILL_ASK.sub(" ", message)))
    if _MAY_ENTER.search(rest) or is_yes_no(rest.strip()):
        return False  # "我们是区直单位的支部 也能报吧": a short question after who they are
    return not _CUE.search(rest) and len(re.sub(r"[\s，,。！!、]", "", rest)) <= 6


_ABOUT_THE_ASKER = ("participants", "district", "my_cases")
_MAY_ENTER = re.compile(r"(能|可以|可不可以|能不能)(报|参加|参赛|申报)|有资格|够资格")


def _without_introduction(message: str, contest: Contest) -> tuple[str, Answer] | None:
    """Return the message without the parts that only say who is asking, if it asks more.

    Kept only when what is left is a confident answer on its own: "我们是街道的 申报书交给谁"
    stays whole when the rest alone is unsure. A message that only introduces the asker beside a
    greeting ("您好 我是柳湾街道的联络员") is the greeting.
    """
    parts = _parts(message)
    told = [p for p in parts if _INTRODUCTION.fullmatch(p)]
    if not told or len(told) == len(parts):
        return None
    rest = [p for p in parts if p not in told]
    left = " ".join(rest)
    answer = match(left, contest)
    if not answer.confident or answer.topic in _ABOUT_THE_ASKER or _MAY_ENTER.search(left):
        return None  # "俺们是镇上的党委 能参加不": who they are is what it asks about
    return left, answer


# What asks in a question typed without a break: a question word, or a yes/no ending
_ASKS = re.compile(
    r"(?<![那这])几[号个人天点位名项次]?|多少[个人天字]?|什么|啥|怎么|咋|哪|谁|(.)[不没]\1|吗|[么不没]$"
)
_GLUED_MAX = 30  # a longer message without a break is one question told at length


_OPEN_END = re.compile(r"(什么|啥|哪|哪个|哪些|几|[去到在给往向跟和把被让是的要能]|可以)$")


def _asks_of_something(half: str) -> bool:
    """Tell whether a half asks and names something beside the asking and a value."""
    if not _ASKS.search(half):
        return False
    return len(_ASKS.sub("", half).strip(" 到至和")) >= 2


def _glued(message: str, contest: Contest) -> list[str] | None:
    """Split two questions typed without a break ("主办方是谁电话多少"), if that is what it is.

    Tried only between two asking words of a short message, at the matcher's word boundaries;
    kept only when both halves are confident answers to different topics. Of several such
    splits, the one whose weaker half scores highest.
    """
    text = message.strip(" ？?。！!")
    cues = list(_ASKS.finditer(text))
    if len(text) > _GLUED_MAX or _BREAK.search(text) or len(cues) < 2:
        return None
    best: tuple[float, list[str]] | None = None
    ends = set(accumulate(len(w) for w in segment(text)[:-1]))
    ends.update(c.end() for c in cues)  # "截止是几号|字数…", where 几号字 is one word
    for at in sorted(ends):
        if not cues[0].end() <= at <= cues[-1].start():
            continue
        halves = [text[:at], text[at:]]
        if not all(_asks_of_something(h) for h in halves) or _OPEN_END.search(halves[0]):
            continue  # "到几号" asks of nothing; "能评什么|荣誉吗" cuts 什么 from what it asks
        left, right = (match(h, contest) for h in halves)
        if not (left.confident and right.confident) or left.topic == right.topic:
            continue
        if {left.topic, right.topic} & {*SMALL_TALK, *WHOLE_MESSAGE, UNSURE}:
            continue
        weaker = min(left.score, right.score)
        if best is None or weaker > best[0]:
            best = (weaker, halves)
    return best[1] if best else None


def _parts(message: str) -> list[str]:
    """Return the message's pieces; a when-clause goes with what follows it ("比拼的时候 评委会
    当场提问伐" is one question)."""
    parts: list[str] = []
    at = 0
    for piece in _BREAK.split(message):
        if not piece or _BREAK.fullmatch(piece):
            continue
        start = message.index(piece, at)
        if parts and _WHEN_CLAUSE.search(parts[-1]) and message[at:start].strip(" ，,") == "":
            parts[-1] += message[at:start] + piece  # as typed, so it is found in the message
        else:
            parts.append(piece)
        at = start + len(piece)
    return parts


_WHEN_CLAUSE = re.compile(r"(的时候|之时|之后|以后|期间)$")


# A word that opens another question, or the next number of a list ("…时间 2.团队人数上限")
_ANOTHER = re.compile(
    rf"[\s，,。；;：:]*(顺便|再问|还想问|{_NUMBERED})|[\s，,。；;：:]+(另外|以及)"
)


def _questions(message: str) -> list[str]:
    """Split a message into its questions; a piece that asks nothing joins the next one."""
    parts = _parts(message)
    ends = _BREAK.findall(message)
    groups: list[str] = []
    pending = ""
    at = 0
    opened = False  # the pending piece follows a word that opens another question
    for index, part in enumerate(parts):
        if not pending:
            opened = bool(_ANOTHER.match(message, at)) and bool(groups)
        pending += part
        at = message.index(part, at) + len(part)
        # "留个联系人电话 顺便问下…": a word that opens another question closes this one
        asked = (
            bool(_CUE.search(part))
            or (index < len(ends) and bool(re.search(r"[？?]", ends[index])))
            or bool(_ANOTHER.match(message, at))
        )
        if asked:
            groups.append(pending)
            pending = ""
    if pending:
        if groups and not opened:  # "…怎么提交 顺便问下联系人电话" asks a second thing
            groups[-1] += pending
        else:
            groups.append(pending)
    joined: list[str] = []
    for group in groups:
        if joined and (_only_a_value(group) or _FOLLOW_UP.fullmatch(group.strip())):
            joined[-1] += group  # "比拼几号结束 是23号吗", "…怎么写 有样例没" ask one thing
        else:
            joined.append(group)
    return joined or [message]


# Asking after the question before for an example of it ("申报党组织名称怎么写 有样例没")
_FOLLOW_UP = re.compile(
    r"(是否有|有没有|有)(个)?(参考)?(样例|范例|例子|模板|参考|示例|样板)(吗|没|没有|不|么|嘛)?"
)


def _only_a_value(piece: str) -> bool:
    """Tell whether a piece only offers a value to confirm ("是23号吗", "是不是30个")."""
    stripped = piece.strip(" ？?。！!，,")
    return bool(re.search(r"\d|[一二两三四五六七八九十]", stripped)) and not _ONLY_A_VALUE.sub(
        "", stripped
    ).strip(" ？?。！!，,")


_TELLS = re.compile(r"(我们|我|咱们|咱|俺们|俺|本单位|我单位|我们单位)")
_TRAILING = re.compile(r"[咯啊呀哦啦哈噻撒嘞呗]+[？?。！!\s]*$")  # "还能交不咯": 不 still ends it
# Words said after the question ("还能交不 求求了", "开了没啊老铁"): they ask nothing
_TAGGED = re.compile(
    r"[\s，,]*(求求了|求求你了|求求|拜托了?|谢谢了?|谢啦|多谢|老铁|亲|急急急|急|在线等|哈哈|"
    r"plz|pls|please|thx|thanks)[？?。！!\s]*$"
)
# A statement asked by its tone: "就算正式报上了？" (a question mark, and no question word)
_WH = re.compile(r"几|多少|多久|多长|什么|啥|怎么|怎样|如何|咋|哪|谁|为何|为什么")
# Particles of other regions that ask yes or no: 伐 (吴语), 噻 after 了 (西南官话: "…了噻")
_REGIONAL_YES_NO = re.compile(r"伐$|噻$|撒$|咩$|啵$|了哇$|㗎$|[了求]木$")
_OFFERED = re.compile(r"[吧哈][？?。！!\s]*$")
_ASKED_MIDWAY = re.compile(
    r"((就行|就可以|就好|就够|对|是|没错)了?吧|了没有?|了吗)[？?，,。！!\s]+\S"
)


def is_yes_no(question: str) -> bool:
    """Tell whether the question wants a yes or a no ("能不能…", "可以…吗", "来得及吗")."""
    untagged = question.strip()
    while (shorter := _TAGGED.sub("", untagged)) != untagged:
        untagged = shorter
    bare = untagged.strip(" ？?。！!")
    if _REGIONAL_YES_NO.search(bare):
        return True
    if _YES_NO.search(_TRAILING.sub("", bare)):
        return True
    return untagged.endswith(("？", "?")) and not _WH.search(untagged) and len(bare) >= 4


# "以前都是打印好送到组织部", "往年好像不行", "之前听说只有区直单位能报": how things were
# done before, told as background; "去年报过的项目" (a project, not a practice) is no such thing
_PAST = r"(以前|之前|原来|以往|过去|往年|去年|历年|前几年|上一?届|早先|从前)"
_PAST_PRACTICE = re.compile(
    rf"{_PAST}(都|一般|通常|一直|总|向来|是|的时候|听说|好像|据说|只)|(听说|说){_PAST}"
)
_PRESENT = re.compile(r"今年|现在|这次|这回|本次|本届|这届|如今|目前")
_PIECES = re.compile(r"([\s，,。；;！!？?]+)")


def without_the_past(question: str) -> str:
    """Return the question without what it tells of how things were done before.

    "前任说以前都是打印好送到组织部 今年在这里交完就算报上了吧" asks of this year's channel:
    the paper of the past is no way of handing in asked about. A piece that tells of the past
    and asks nothing is left out, and so is a piece's past up to the present it turns to
    ("以前都是纸质的今年还要吗"); a question about the past itself stays. The question as it
    was when nothing else is left.
    """
    kept: list[str] = []
    for piece in _PIECES.split(question):
        past = _PAST_PRACTICE.search(piece)
        if past is not None:
            present = _PRESENT.search(piece, past.end())
            if present is not None:
                piece = piece[present.start() :]
            elif not (_YES_NO.search(piece) or _CUE.search(piece)):
                piece = " "
        kept.append(piece)
    rest = "".join(kept).strip()
    return rest if CHINESE_CHARACTER.search(rest) else question


def _yes_no_before_an_aside(question: str) -> bool:
    """Tell whether a yes/no question is followed only by what asks nothing: "这算数不
    别到时候白弄了" (a worry said after it)."""
    pieces = [p for p in _PIECES.split(question) if p.strip() and not _PIECES.fullmatch(p)]
    asides = 0
    while len(pieces) > 1 and not _CUE.search(pieces[-1]) and not is_yes_no(pieces[-1]):
        pieces.pop()
        asides += 1
    return asides > 0 and is_yes_no(pieces[-1])


def verdict(answer: Answer, contest: Contest, now: datetime, asker: Asker | None) -> str | None:
    """Return "yes" or "no" when the answer's yes/no question is decided here, else None."""
    # "在这报就行了吧 不用再上别的系统": a clause asked with 吧, then said again another way
    asked = (
        is_yes_no(answer.question)
        or bool(_ASKED_MIDWAY.search(answer.question))
        or _yes_no_before_an_aside(answer.question)
    )
    # "初选进30个吧": a value offered with 吧 asks to confirm it, though 吧 alone asks nothing
    if answer.topic == UNSURE or not (asked or _OFFERED.search(answer.question)):
        return None
    # what was done before decides nothing of now ("以前都是打印好送到…")
    question = respell(without_the_past(answer.question), contest)  # 视屏: 视频
    # "初选选30个对吗": a value named to confirm is compared with the file's before any rule
    # "今天的申报入口开放了没有" asks whether it is open now, not whether today is the day
    handing_in_now = answer.topic == "opening" and (
        _HAND_IN_NOW.search(question) or _asks_open_now(question, contest, now)
    )
    # "还没到4月 这会儿能先报吗" asks about handing in now, not whether it opens in April
    check = None if handing_in_now else confirm(answer.topic, question, contest, now, answer.params)
    if check is not None:
        return None if check is Check.UNCLEAR else ("yes" if check is Check.MATCHES else "no")
    # "申报截止是4月30号下午5点哈": a deadline said to confirm, with no question word
    said = answer.topic == "deadline" and bool(
        _SAID_AS_DEADLINE.search(with_digits(question.lower())) or _IS_IT.search(question.lower())
    )
    decide = _DECIDERS.get(answer.topic) if asked or said else None
    result = decide(question, contest, now, asker) if decide is not None else None
    if result is None and _CONFIRMING.search(question):
        result = _restated(question, answer, contest)
    return None if result is None else ("yes" if result else "no")


def _asks_open_now(question: str, contest: Contest, now: datetime) -> bool:
    """Tell whether the question asks if handing in is open now ("今天的申报入口开放了没有"),
    not whether a day it names is the opening day."""
    if not _OPENED.search(question):
        return False
    return named_day(question, now, contest.zone) in (None, now.astimezone(contest.zone).date())


# What a restatement is made of besides the file's words ("…对吧", "我理解得对吧", "是吗")
_RESTATING = re.compile(
    r"(我|我们)?(理解|记|听|看)[得的]?(对|没错)|对[吗么吧伐]|对不对|是[吗吧伐]|没错|请问|"
    r"麻烦|问一?下|是不是|是否|就是|的话|[了的吧吗呢啊呀]"
)


_NEGATION = re.compile(r"[不没非无未别]")


def _restated(question: str, answer: Answer, contest: Contest) -> bool | None:
    """Say yes when a confirmation restates the file's own words ("大赛主题是…对吧").

    Every word of two characters or more the question says must be in one of the texts the
    answer's topic is made of, in the question's order (the words that ask of the topic set
    aside): "区直单位由镇街党委报送" says words of the file, not what it says. A negation
    (不, 没, 非 …) leaves no verdict, and so does anything else: a word the file does not
    say is no proof of a no.
    """
    texts = topic_texts(answer.topic, contest, answer.params)
    if not texts:
        return None
    topic = vocabulary().topic(answer.topic)
    # the words that ask of the topic ("大赛主题是…": 大赛, 主题) are not restated facts
    asking = " ".join((topic.label, *topic.examples)) if topic else ""
    plain = _RESTATING.sub(" ", question)
    if _NEGATION.search(plain):
        return None  # "区直单位不由…报送对吧": one character turns the file's words round
    words = [w for w in segment(plain) if len(w.strip()) >= 2 and w not in asking]
    if len(words) < 2 or len("".join(words)) < 6:
        return None
    return True if any(_in_order(words, text) for text in texts) else None


def _in_order(words: list[str], text: str) -> bool:
    """Tell whether one text says every word, in the question's order."""
    at = 0
    for word in words:
        at = text.find(word, at)
        if at < 0:
            return False
        at += len(word)
    return True


def _deadline(question: str, contest: Contest, now: datetime, _asker: Asker | None) -> bool | None:
    stage = contest.submission_stage
    day = named_day(question, now, contest.zone)
    lowered = question.lower()
    if _STILL_OPEN.search(lowered):
        return now <= stage.end  # "还没截止吧" asks whether it is still open
    said = _IS_IT.search(lowered) or (
        _SAID_AS_DEADLINE.search(with_digits(lowered)) and _CONFIRMING.search(lowered)
    )
    if said and day is not None:
        # "听说4月25号就截止了 对吧": the day said is confirmed, not whether it has closed
        return _is_the_deadline(question, day, stage.end.astimezone(contest.zone))
    closed = _CLOSED.search(lowered)
    if closed and not _THEN_HAND_IN.search(lowered[closed.end() :]):
        return now > stage.end  # "截止了没", "是不是已经过了截止时间" ask whether it has closed
    if said:
        return _is_the_deadline(question, day, stage.end.astimezone(contest.zone))
    if now > stage.end or _LATE.search(question):
        return False  # nothing is accepted after the deadline; the file gives no extension
    clock = named_time(question)
    if clock is not None:  # "4月30号晚上8点交行吗": the moment, not just the day
        moment = datetime.combine(day or now.astimezone(contest.zone).date(), clock, contest.zone)
        return stage.start <= moment <= stage.end
    if day is not None:
        last_day = stage.end.astimezone(contest.zone).date()
        first_day = stage.start.astimezone(contest.zone).date()
        return first_day <= day <= last_day
    month = _MONTH_ONLY.search(with_digits(question))
    if month is not None:  # "5月份还能交吗": some day of that month is still open, or none
        asked = int(month.group(1))
        start, end = stage.start.astimezone(contest.zone), stage.end.astimezone(contest.zone)
        return start.month <= asked <= end.month
    if (stretch := named_days(question, now, contest.zone)) is not None:
        first, last = stretch  # "下周还能交吗": some day of the week is still open, or none
        return first <= stage.end.astimezone(contest.zone).date() and (
            stage.start.astimezone(contest.zone).date() <= last
        )
    return stage.start <= now


_MONTH_ONLY = re.compile(r"(?<!\d)(\d{1,2})\s*月份?(?![\d上中下初底])(?!\s*\d)")


def _is_the_deadline(question: str, day: date | None, end: datetime) -> bool | None:
    """Tell whether the day, or part of a month, that the question names is the deadline's."""
    if day is not None:
        clocks = clock_readings(question)  # "今天六点吧": 18:00 is one of its readings
        return day == end.date() and (not clocks or end.time().replace(second=0) in clocks)
    if (m := MONTH_PART.search(with_digits(question))) is not None:
        first, last = PARTS[m.group(2)]
        return int(m.group(1)) == end.month and first <= end.day <= last
    return None  # nothing to compare: the answer gives the moment, without a verdict


_OVER = re.compile(r"超没超|超不超|超了[吗么没吧]|超过了[吗么没吧]|超标|超员|多了[吗么没吧]")


def _team(question: str, contest: Contest, _now: datetime, _asker: Asker | None) -> bool | None:
    heads = people(question) or [int(n) for n in _HEADS.findall(with_digits(question))]
    limit = contest.rules.team.max_members
    if heads and limit is not None:
        # "能超过6个吗" asks about 7; "不超过6人就行吧" about 6
        more = 1 if _MORE_THAN.search(_NOT_MORE.sub("", question)) else 0
        fits = max(heads) + more <= limit
        # "我们6个人 超没超": whether it is over, the other way round
        return not fits if _OVER.search(question) else fits
    if _CONTRACT.search(question):
        return True  # with the condition the answer states (聘用期一年以上)
    return None


def _word_limit(
    question: str, contest: Contest, _now: datetime, _asker: Asker | None
) -> bool | None:
    limit = contest.rules.word_limit
    asked = [n for n in numbers(question) if n >= 100]
    if not asked and _LIMIT_SET.search(question):
        return limit is not None  # "字数有限制吗": whether the notice sets any limit at all
    if not asked and limit is None and _OVER_LIMIT.search(question):
        return False  # "写长了会不会超字数": with no limit, nothing is over it
    return max(asked) <= limit if asked and limit is not None else None


def _wording(question: str, contest: Contest, _now: datetime, _asker: Asker | None) -> bool | None:
    """Where the file restricts no words: whether there are any (no), whether one may be
    written (yes). Where it does, the answer lists them and says no verdict."""
    if contest.rules.wording.words:
        return None
    if _ASKS_RESTRICTED.search(question):
        return False  # "有没有规定哪些词不能写", "模式 经验 这类词需要回避伐"
    if _MAY_WRITE.search(question):
        return True  # "首创能写吗"
    return None


def _awards(question: str, contest: Contest, _now: datetime, _asker: Asker | None) -> bool | None:
    """Say yes when the question asks for what the awards' announcement says is done
    ("评上优秀的会不会发文通报": the file says 予以通报)."""
    said = contest.awards.announcement
    asked = [w for w in _HONOURED.findall(question) if w in said]
    return True if said and asked else None


_HONOURED = re.compile(r"通报|表彰|公布|公示|颁发|表扬|发文")
_ASKS_RESTRICTED = re.compile(
    r"禁用|不能用|不能写|不让用|不让写|不准|回避|避开|敏感词|忌讳|规定|限制"
)
_MAY_WRITE = re.compile(r"能写|能用|可以写|可以用|让写|让用|写得|用得")


def _lead(question: str, contest: Contest, _now: datetime, _asker: Asker | None) -> bool | None:
    team = contest.rules.team
    if _BECOME.search(question):
        return None  # "支部书记能当负责人吗" asks who may lead, which the change rule does not say
    # "负责人定了就不能再改了是吧": the rule said the other way round, to confirm
    turned = bool(_CANNOT.search(question) and _CONFIRMING.search(question))
    if says("牵头人", question) or says(contest.terms.lead, question):
        return team.lead_changeable != turned
    if team.member_replacements is None:
        return None
    return (team.member_replacements > 0) != turned


_CANNOT = re.compile(r"不能|不可以|不可|不许|不准|不让|不得|没法|换不了|改不了")


def _originality(
    question: str, contest: Contest, _now: datetime, _asker: Asker | None
) -> bool | None:
    rule = contest.rules.originality
    digits = question.replace("1等", "一等").replace("2等", "二等").replace("3等", "三等")
    if any(prize in digits for prize in rule.barred_prizes):
        return False
    if _COPIED.search(question) and "原创" in rule.rule_text:
        return False  # someone else's work is not the unit's own
    if _NOT_DONE.search(question) and "实施" in rule.rule_text:
        return False  # the rule asks for work already carried out
    return rule.reentry_allowed


def _presentation(
    question: str, contest: Contest, _now: datetime, _asker: Asker | None
) -> bool | None:
    final = next((s for s in contest.stages if s.presentation_form), None)
    asked = _FREE_FORM.findall(question.lower())
    if final is None or not asked:
        return None
    allowed = final.presentation_form.lower()  # the forms allowed (TEMPLATE.toml)
    if "不限" in allowed:
        return True
    if re.search(r"不得|不能|不可|禁止|不允许|不宜", allowed):
        return None  # a form named to be refused: leave it to the answer's own words
    if _ONLY.search(question) and len(re.split(r"[、，,和或及/]|均可", allowed)) > 2:
        return False  # "只能用PPT展示吗": several forms are allowed, not that one alone
    return any(form in allowed for form in asked) or None


_ONLY = re.compile(r"只(能|准|许|可以|让|用)")
_OVER_LIMIT = re.compile(r"超字数|超过字数|超出字数|字数超|超字")


def _next_round(
    question: str, contest: Contest, _now: datetime, _asker: Asker | None
) -> bool | None:
    """Tell whether entries go on to the next round ("前15名会推到市里吗": as the notice says)."""
    following = contest.next_level
    if following is None or not _ADVANCE.search(question):
        return None
    named = following.name + following.short_name + following.text
    if any(level in question and level not in named for level in ("省", "市", "全国")):
        return None  # a round the notice does not name ("推到省里吗" where the next is the city's)
    ranks = [int(a or b) for a, b in _RANK.findall(with_digits(question))]
    if ranks and following.quota is not None:
        return max(ranks) <= following.quota
    if following.quota is not None and _EVERY_ENTRY.search(question):
        return False  # "进了比拼的项目是不是都能推荐到市里": only the first few go on
    return True


def _district(question: str, contest: Contest, _now: datetime, _asker: Asker | None) -> bool | None:
    if _SELF.search(question):
        return not any(not s.city_level for s in contest.registration.submitters)
    return _routed_by(question, contest)


def _routed_by(question: str, contest: Contest) -> bool | None:
    """Tell whether the body the question names hands in for the unit it describes.

    "区直单位是不是交给区直机关党工委": the 区直 group's body, yes; "青石镇的村支部可以让
    区直机关党工委帮着报送吗": a town's unit goes through its town, no. A body is named by its
    name or by its name without its group ("机关党工委"); the unit by a town's own name or by
    a group word.
    """
    submitters = contest.registration.submitters

    def said(s: Submitter) -> str | None:
        names = [s.name, s.name.removeprefix(s.group)] if s.group else [s.name]
        return next((n for n in names if len(n) >= 4 and n in question), None)

    named = [(s, n) for s in submitters if (n := said(s)) is not None]
    if len(named) != 1:
        return None
    body, name = named[0]
    unit = question.replace(name, "|")
    for other in submitters:  # "桃源街道下头的社区": the unit is in 桃源街道
        place = _PLACE_SUFFIX.sub("", other.name)
        if len(place) >= 2 and place in unit:
            return other is body
    groups = {s.group for s in submitters if s.group}
    said_groups = {g for g in groups if g in unit}
    if len(said_groups) == 1:
        return said_groups == {body.group}
    return None


_PLACE_SUFFIX = re.compile(r"(镇|街道|乡)?(党工委|党委|工委)$")


def _participants(
    question: str, contest: Contest, _now: datetime, _asker: Asker | None
) -> bool | None:
    if "个人" in question and "党组织" in contest.rules.enter_as:
        return False
    if not names_participant(question, contest):
        return None
    # "是不是只有区直单位能报": where the file lets in more than one kind of body, no
    if _ONLY_THESE.search(question) and re.search(r"和|、|均可|都可", contest.participants):
        return False
    return True


_ONLY_THESE = re.compile(r"只有|只限|仅限|仅有|只能是|只让")


def _official(question: str, contest: Contest, _now: datetime, _asker: Asker | None) -> bool | None:
    system = contest.official_system
    if system is None:
        return None
    if _ONLY_HERE.search(question):
        return system.bot_is_official  # "是不是只能在这里报 别的渠道不收"
    again = _AGAIN.search(question) or _ELSEWHERE.search(question)
    if again and not _NO_NEED.search(question[: again.start()]):
        return not system.bot_is_official
    if again or _ENOUGH.search(question):
        return system.bot_is_official  # "不用再上别的系统", "在这报就行了吧": here is enough
    if _HAS_SITE.search(question):
        return not system.bot_is_official  # "有官方申报网站吗": none where this bot takes them
    if _OFFICIAL.search(question) or "渠道" in question:
        return system.bot_is_official
    return None


# "这会儿能先把项目报上去吗", "现在可以交了吗": handing in now
_HAND_IN_NOW = re.compile(
    r"(现在|这会儿?|目前|先|提前)[^，,。？?\s]{0,8}(报|交|提交|申报|上传|submit|递交)"
)
_STARTED = re.compile(
    r"开始了|开始没|开始啦|开赛了|开赛没|启动了|开打了|开打没|开比了|开评了|开场了|开场没|开始咗|"
    r"(已|已经)开始|开始冇|开始(吗|否)"
)
# "申报开始了没", "通道这会开了没有", "已经开放了吧": whether the submission stage has opened
_OPENING = r"(开始|开放|开通|开启|启动|上线|开)"
_OPENED = re.compile(
    rf"{_OPENING}(报名|申报|提交|填报|报|交|[收填][^，,。？?\s]{{0,3}})?(了|没|啦)|已经{_OPENING}"
)
_NOT_OPEN = re.compile(rf"(还没|没有?|未){_OPENING}")
# "开没开", "开始没开始", "有没有开放" ask plainly, whatever 没 stands beside
_EITHER_WAY = re.compile(rf"有没有|{_OPENING}了?没有?\1")


def _opening(question: str, contest: Contest, now: datetime, _asker: Asker | None) -> bool | None:
    """Tell whether handing in has opened ("申报开始了没": yes from the stage's start)."""
    opened = now >= contest.submission_stage.start
    if _HAND_IN_NOW.search(question):
        return opened  # "这会儿能先把项目报上去吗"
    if _EITHER_WAY.search(question):
        return opened
    if _NOT_OPEN.search(question):
        return not opened  # "还没开始吧" asks the other way round
    if not _OPENED.search(question):
        return None  # "几号开始是吧" names nothing to compare: the answer gives the moment
    return opened


_HANDING_IN = re.compile(
    r"(收|交|报|提交|申报)[^，,。？?\s]{0,4}(阶段|期间)|申报期|申报阶段|提交阶段"
)
_ENDED = re.compile(
    r"结束了|结束没|结没结束|完了|完没完|比完了|评完了|完事|收官|落幕|(已|已经|全部|都)结束|"
    r"是否[^，,。？?]{0,4}结束|结束(吗|否|冇)|完哒"
)


def _current(question: str, contest: Contest, now: datetime, _asker: Asker | None) -> bool | None:
    """Tell whether the stage the question names is under way ("现在是不是在比拼阶段")."""
    stage = named_stage(question, contest)
    if stage is None and _HANDING_IN.search(question):
        stage = contest.submission_stage  # "这会儿是在收申报书的阶段吗"
    if stage is None:
        return None  # a kind of stage this contest lacks, or none named
    if _STARTED.search(question):
        return now >= stage.start
    if _ENDED.search(question):
        return now > stage.end
    return position(contest, now).current is stage


_EMPTY = re.compile(r"不填|不用填|不必填|可不填|不写|空着|留空|跳过|不填写")
_FILL = re.compile(r"填")


def _fields(question: str, contest: Contest, _now: datetime, _asker: Asker | None) -> bool | None:
    """Tell whether a registration field must be filled in ("政治面貌要填吗": as its form says)."""
    _form, fields = named_fields(question=question, contest=contest)
    required = {f.required for _, f in fields}
    if len(required) != 1:
        return None  # none named, or a field required in one form and not in another
    if _EMPTY.search(question):
        return not required.pop()  # "企业微信号可以不填吗"
    return required.pop() if _FILL.search(question) else None


_CHANGE = re.compile(r"改|编辑|撤回|更正|更新|edit")


def _submit(question: str, contest: Contest, now: datetime, _asker: Asker | None) -> bool | None:
    """Tell whether a submitted entry may still be changed ("交了还能改吗"): until the deadline."""
    if not _CHANGE.search(question.lower()):
        return None
    stage = contest.submission_stage
    if now > stage.end:
        return False
    return True if stage.editing is Editing.ALL else None


_DRAFT = re.compile(
    r"草稿|存着|存了|保存|还在不|还在吗|还在不在|丢了|没丢|填了一半|写了一半|整一半"
)
# "我们应该还没报过项目吧", "是不是还没交上去吧": the other way round, to confirm
_NOT_HANDED_IN = re.compile(
    r"(还没有?|没有?|未|尚未)[^，,。？?\s]{0,4}(报|交|提交|申报)[^，,。？?\s]{0,6}吧"
)
_SUBMITTED_ASKED = re.compile(r"提交了|交了|交上|报上|提交成功|交成功")


def _my_cases(
    _question: str, _contest: Contest, _now: datetime, asker: Asker | None
) -> bool | None:
    if asker is None:
        return None
    if _NOT_HANDED_IN.search(_question):
        return not asker.submitted  # "应该还没报过项目吧": yes when nothing is handed in
    if _DRAFT.search(_question) and not _SUBMITTED_ASKED.search(_question):
        return bool(asker.cases)  # "有没有存着的草稿": a case begun, handed in or not
    return bool(asker.submitted)


_BLIND = re.compile(r"匿名|盲评|盲审|背靠背")


def _stage_says(question: str, contest: Contest, now: datetime, _a: Asker | None) -> bool | None:
    """Say yes when the named stage's description says every word the question asks about.

    A day or a stretch of days named ("下周pk了吧", "5月21号比拼吗") is compared with the
    stage's days instead.

    "初选是不是匿名评审": the preliminary's description says 匿名评审, so yes. A word it does not
    say ("初选是不是现场评审": 现场) leaves no verdict: a description is not a list of all that
    does not happen.
    """
    named = named_stage(question, contest)
    if named is not None:
        zone = contest.zone
        day = named_day(question, now, zone)
        stretch = (day, day) if day is not None else named_days(question, now, zone)
        if stretch is not None:  # "下周pk了吧": some day named is one of the stage's days
            first, last = named.start.astimezone(zone).date(), named.end.astimezone(zone).date()
            return stretch[0] <= last and first <= stretch[1]
        if named.judging is not None and _BLIND.search(question):
            return named.judging.blind  # "初选是不是盲评": the file says whether judging is blind
        if named.judging is not None and "分" in question and _scores_its_part(question, named):
            return True  # "申报书写得好不好也算分吗": 申报书质量 is a criterion
    # "现场打分是不是去掉最高分和最低分": no stage named, the one whose judging says it all
    saying = [
        stage
        for stage in ([named] if named is not None else contest.stages)
        if any(_stage_says_all(question, stage, contest, aliased=a) for a in (False, True))
    ]
    return True if len(saying) == 1 else None


# the words of a criterion's name that name no part of the work ("申报书质量": 申报书 does)
_PLAIN_PART = frozenset(("质量", "程度", "价值", "工作", "现场", "水平", "情况", "效果"))


def _scores_its_part(question: str, stage: Stage) -> bool:
    """Tell whether the question names the part of the work one of the stage's criteria
    scores (申报书 of 申报书质量)."""
    criteria = stage.judging.criteria if stage.judging is not None else ()
    return any(
        w in question
        for criterion in criteria
        for w in segment(criterion.name)
        if len(w) >= 2 and w not in _PLAIN_PART
    )


def _stage_says_all(question: str, stage: Stage, contest: Contest, *, aliased: bool) -> bool:
    """Tell whether a stage's description, judging and criteria say every word asked, as
    written or (``aliased``) both in the vocabulary's words ("当场提问" is 答辩)."""
    criteria = stage.judging.criteria if stage.judging is not None else ()
    said = " ".join(
        filter(
            None,
            (stage.description, stage.judging and stage.judging.text, *(c.name for c in criteria)),
        )
    )
    for other in contest.stages:  # "进入现场选拔比拼" says nothing of 现场 in this stage
        said = said.replace(other.name, " ")
    if aliased:
        question, said = with_aliases(question), with_aliases(said)
    own = {*segment(stage.name), stage.name}
    asked = [
        w
        for w in segment(question)
        if len(w) >= 2 and w not in own and not _YES_NO.search(w) and not _CUE.search(w)
    ]
    return bool(asked) and all(_said_loosely(w, said) for w in asked)


# How a description's words are asked back: "当场打分" (现场打分), "再取平均" (后取平均),
# "按得分高低来选" (选出), "除了展示还要答辩" (both criteria); a digit is never loose
_LOOSE_HEAD = "再来后先就都也还按当占要"
_LOOSE_TAIL = "的了着过算再会"  # "分再平均", "评委会当场提问" (评委 会)
_ASIDE = frozenset(
    ("除了", "以外", "之外", "时候", "的时候", "还要", "还得", "也要", "那个", "这个", "一下",
     "问一下", "我想", "想问", "确认", "确认一下", "环节")
)  # fmt: skip


def _said_loosely(word: str, said: str) -> bool:
    """Tell whether a description says the word, its light first or last characters aside."""
    if word in said or word in _ASIDE:
        return True
    if re.search(r"\d", word):
        return False
    core = word.lstrip(_LOOSE_HEAD).rstrip(_LOOSE_TAIL)
    return not core or core in said


# "所有项目都能进现场比拼吗": whether every entry goes on, not how many
_EVERY_ENTRY = re.compile(
    r"(所有|全部|全都|每个|每一个|个个)[^，,。？?\s]{0,6}都|都(能|可以|会)被?(进|晋级|入围|推荐|推|去)"
)


def _advance(question: str, contest: Contest, _now: datetime, _asker: Asker | None) -> bool | None:
    advancing = [s for s in contest.stages if s.advances]
    if len(advancing) != 1:
        return None
    stage = advancing[0]
    if _BY_CATEGORY.search(question):  # "入围名额是每个类别分开算的不"
        if stage.advance_per_category is not None:
            return True
        return False if stage.advance_total is not None else None
    if not _EVERY_ENTRY.search(question):
        return None
    return None if stage.advance_total is None and stage.advance_per_category is None else False


_BY_CATEGORY = re.compile(
    r"(每个|各个?|按|分)(类别|类|组|组别)[^，,。？?]{0,4}(分开|分别|单独|各自|算|排|分配)"
)


_DECIDERS: dict[str, Callable[[str, Contest, datetime, Asker | None], bool | None]] = {
    "stage": _stage_says,
    "advance": _advance,
    "deadline": _deadline,
    "team": _team,
    "word_limit": _word_limit,
    "lead": _lead,
    "originality": _originality,
    "presentation": _presentation,
    "district": _district,
    "provincial": _next_round,
    "participants": _participants,
    "official_system": _official,
    "my_cases": _my_cases,
    "current": _current,
    "opening": _opening,
    "submit": _submit,
    "fields": _fields,
    "wording": _wording,
    "awards": _awards,
}


_LOOKS_ASKED = re.compile(
    r"^(请问|怎么|怎样|如何|能不能|能否|可不可以|可以不|是不是|是否|有没有|要不要|需不需要|"
    r"什么时候|什么|为什么|为啥|多少|几[个人点号天月]|哪)"
)


def looks_like_question(text: str) -> bool:
    """Tell whether an answer reads like a question ("什么时候截止？", "能不能晚交")."""
    typed = text.strip()
    return typed.endswith(("?", "？")) or bool(_LOOKS_ASKED.match(typed))
