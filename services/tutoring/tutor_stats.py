"""A tutor's figures: lessons held, cancelled and missed, attendance, income, homework handed
in on time — for the last weeks and per student — and the weekly chart.

Income is counted as services.tutoring.money moves it: a lesson held, missed (no-show) or
cancelled too late earns its price (a package lesson: the package's price of one credit),
before the platform's commission. Weeks begin on Monday in the tutor's zone; a lesson belongs
to the week it starts in, a homework to the week it is due in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from db.models import Homework, Lesson, LessonStatus, Package, TutorProfile, User
from services import charts

WEEKS = 8
EARNING = (LessonStatus.held, LessonStatus.no_show, LessonStatus.late_cancelled)
"""Statuses whose money went to the tutor (services.tutoring.money.consume)."""
CANCELLED = (LessonStatus.cancelled, LessonStatus.late_cancelled)


@dataclass(slots=True)
class Figures:
    """Counts of a set of lessons and homework; rates are None when nothing to divide by."""

    held: int = 0
    no_shows: int = 0
    cancelled: int = 0
    """By the student (in time or too late)."""
    cancelled_by_tutor: int = 0
    income: dict[str, int] = field(default_factory=dict)
    """Minor units per currency."""
    homework_due: int = 0
    homework_on_time: int = 0

    @property
    def attendance(self) -> float | None:
        """Held lessons among lessons that took place or should have (held + no-shows)."""
        total = self.held + self.no_shows
        return self.held / total if total else None

    @property
    def homework_rate(self) -> float | None:
        """Homework handed in on time among homework due."""
        return self.homework_on_time / self.homework_due if self.homework_due else None


@dataclass(frozen=True, slots=True)
class Week:
    """One week of the chart: its Monday, lessons held and income in roubles' kopecks."""

    monday: date
    held: int
    income: int


@dataclass(frozen=True, slots=True)
class TutorStats:
    """The tutor's figures since `since` (the Monday `WEEKS` weeks back), week by week."""

    since: datetime
    totals: Figures
    weeks: list[Week]


@dataclass(frozen=True, slots=True)
class StudentFigures:
    """One student of the tutor: prepaid lessons left and their record (all time)."""

    student: User
    credits: int
    figures: Figures


def _now() -> datetime:
    return datetime.now(UTC)


def week_start(moment: datetime, zone: ZoneInfo) -> date:
    """The Monday of the week `moment` falls in, on the tutor's calendar."""
    local = moment.astimezone(zone).date()
    return local - timedelta(days=local.weekday())


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


async def _unit_prices(lessons: Iterable[Lesson]) -> dict[int, int]:
    ids = {x.package_id for x in lessons if x.package_id is not None}
    if not ids:
        return {}
    return dict(await Package.filter(id__in=list(ids)).values_list("id", "unit_price"))


def earned(lesson: Lesson, unit_prices: dict[int, int]) -> int:
    """What the lesson moved to the tutor (0 unless held, missed or cancelled late)."""
    if lesson.status not in EARNING:
        return 0
    if lesson.package_id is not None:
        return unit_prices.get(lesson.package_id, 0)
    return max(lesson.price, 0)


def _count_lesson(figures: Figures, lesson: Lesson, amount: int) -> None:
    status = lesson.status
    figures.held += status == LessonStatus.held
    figures.no_shows += status == LessonStatus.no_show
    figures.cancelled += status in CANCELLED
    figures.cancelled_by_tutor += status == LessonStatus.cancelled_by_tutor
    if amount:
        figures.income[lesson.currency] = figures.income.get(lesson.currency, 0) + amount


def _count_homework(figures: Figures, homework: Homework, now: datetime) -> None:
    submission = homework.submission
    if submission is None and homework.due_at > now:
        return  # not due yet and not handed in: too early to judge
    figures.homework_due += 1
    figures.homework_on_time += submission is not None and submission.on_time


async def tutor_stats(tutor: TutorProfile, now: datetime | None = None) -> TutorStats:
    """Lessons started and homework due in the last WEEKS weeks (this one included)."""
    now = now or _now()
    zone = ZoneInfo(tutor.timezone)
    first = week_start(now, zone) - timedelta(weeks=WEEKS - 1)
    since = _midnight(first, zone)
    lessons = await Lesson.filter(tutor_id=tutor.id, starts_at__gte=since, starts_at__lt=now)
    homework = await Homework.filter(
        provider_id=tutor.provider_id, due_at__gte=since, due_at__lt=now
    ).prefetch_related("submission")
    prices = await _unit_prices(lessons)
    totals = Figures()
    held: dict[date, int] = defaultdict(int)
    income: dict[date, int] = defaultdict(int)
    for lesson in lessons:
        amount = earned(lesson, prices)
        _count_lesson(totals, lesson, amount)
        monday = week_start(lesson.starts_at, zone)
        held[monday] += lesson.status == LessonStatus.held
        if lesson.currency == "RUB":
            income[monday] += amount
    for item in homework:
        _count_homework(totals, item, now)
    weeks = [
        Week(monday, held[monday], income[monday])
        for monday in (first + timedelta(weeks=n) for n in range(WEEKS))
    ]
    return TutorStats(since=since, totals=totals, weeks=weeks)


async def student_figures(tutor: TutorProfile, now: datetime | None = None) -> list[StudentFigures]:
    """Every student who had lessons or homework with the tutor, by name, with credits left,
    lessons held and missed, attendance and homework on time."""
    now = now or _now()
    lessons = await Lesson.filter(tutor_id=tutor.id, starts_at__lt=now)
    homework = await Homework.filter(provider_id=tutor.provider_id).prefetch_related("submission")
    packages = await Package.filter(tutor_id=tutor.id, remaining__gt=0)
    prices = await _unit_prices(lessons)
    figures: dict[int, Figures] = defaultdict(Figures)
    for lesson in lessons:
        _count_lesson(figures[lesson.student_id], lesson, earned(lesson, prices))
    for item in homework:
        _count_homework(figures[item.student_id], item, now)
    credits: dict[int, int] = defaultdict(int)
    for package in packages:
        credits[package.student_id] += package.remaining
    ids = set(figures) | set(credits)
    people = await User.filter(id__in=list(ids), anonymized_at__isnull=True) if ids else []
    rows = [StudentFigures(p, credits[p.id], figures[p.id]) for p in people]
    return sorted(rows, key=lambda row: (row.student.full_name.lower(), row.student.id))


@dataclass(frozen=True, slots=True)
class WeeklyChartLabels:
    """The chart's words, in the reader's language (the face translates them)."""

    title: str
    income: str
    held: str


async def weekly_chart_png(weeks: list[Week], labels: WeeklyChartLabels) -> bytes:
    """Income in roubles (bars) and lessons held (line) per week, as a PNG (drawn in a thread)."""
    return await charts.bars_and_line_png(
        [week.monday.strftime("%d.%m") for week in weeks],
        [week.income / 100 for week in weeks],
        [week.held for week in weeks],
        title=labels.title,
        bars_label=labels.income,
        line_label=labels.held,
    )
