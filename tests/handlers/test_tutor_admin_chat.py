"""The tutor's `/tutor` menu end to end through the emulated Telegram: profile, lesson types,
booking settings, reminders, students and statistics — with wrong inputs (a word where a
number is expected, a photo where text is expected), /cancel and stale buttons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from db.models import (
    Job,
    LessonStatus,
    LessonType,
    Provider,
    ProviderKind,
    TutorProfile,
    User,
)
from sandbox import SandboxUser
from services.tutoring import booking, profiles
from tests.handlers.conftest import Telegram, faster_clicks, labels, text_of
from tests.services.shop_data import make_provider
from tests.tutoring.test_tutor_admin import homework_due, lesson_at
from tests.tutoring.tutor_data import Tutor, make_student
from tests.web.conftest import TG_USER, LiveMiniApp

make_settings = faster_clicks("100/5seconds")
MENU = [
    "👤 Profile",
    "📋 Lesson types",
    "⚙️ Booking settings",
    "⏰ Reminders",
    "📅 Today / This week",
    "🎓 Students",
    "📊 Statistics",
    "📚 Homework and materials",
]


async def tutor_in_chat(telegram: Telegram, tg_id: int = 4301) -> tuple[SandboxUser, Tutor]:
    """Anna, a tutor in Berlin with one 60-minute lesson type, in the English client."""
    anna = telegram.user(tg_id, first_name="Anna", language_code="en")
    await anna.send("/start")
    owner = await User.get(tg_id=tg_id)
    provider = await make_provider(owner, kind=ProviderKind.tutor, name="Anna Math")
    profile = await profiles.create_tutor(provider, timezone="Europe/Berlin")
    await profiles.update_settings(profile, min_notice=0, subjects="Maths")
    for weekday in range(7):
        await profiles.add_rule(profile, weekday, 0, 24 * 60)
    hour = await profiles.add_lesson_type(profile, title="Algebra", duration=60, price=200000)
    return anna, Tutor(owner, provider, profile, hour, hour)


async def open_menu(anna: SandboxUser, *path: str) -> list:
    """/tutor, then the buttons of `path` one after another; the last answer."""
    shown = await anna.send("/tutor")
    for label in path:
        shown = await anna.click(label, shown[-1])
    return shown


async def test_someone_without_a_profile_is_told_and_old_buttons_refused(
    telegram: Telegram,
) -> None:
    ivan = telegram.user(4300, first_name="Ivan", language_code="en")
    await ivan.send("/start")
    assert "not a tutor here" in text_of((await ivan.send("/tutor"))[-1])

    anna, tutor = await tutor_in_chat(telegram)
    menu = await anna.send("/tutor")
    assert labels(menu[-1]) == MENU
    assert "Anna Math" in text_of(menu[-1]) and "Europe/Berlin" in text_of(menu[-1])
    await Provider.filter(id=tutor.provider.id).update(kind=ProviderKind.shop)

    await anna.click("📊 Statistics", menu[-1])  # a button of the menu she had

    assert "not a tutor here" in anna.callback_answers[-1].text


async def test_the_profile_is_edited_with_wrong_inputs_explained(telegram: Telegram) -> None:
    anna, tutor = await tutor_in_chat(telegram)
    profile = await open_menu(anna, "👤 Profile")
    assert "Subjects: Maths" in text_of(profile[-1])

    asked = await anna.click("Subjects", profile[-1])
    assert "separated by commas" in text_of(asked[-1])
    wrong = await anna.send_photo(b"a picture, not words")
    assert "Please send text here" in text_of(wrong[-1])
    saved = await anna.send("Maths, Chemistry")
    assert "Subjects: Maths, Chemistry" in text_of(saved[-1])

    await anna.click("Description", saved[-1])
    saved = await anna.send("Ten years of exam preparation.")
    assert "Ten years of exam preparation." in text_of(saved[-1])

    await anna.click("Time zone", saved[-1])
    refused = await anna.send("Mars/Olympus")
    assert "not a time zone" in text_of(refused[-1]) and "Send it again" in text_of(refused[-1])
    saved = await anna.send("Asia/Yekaterinburg")
    assert "Time zone: Asia/Yekaterinburg" in text_of(saved[-1])

    await anna.click("Photo", saved[-1])
    wrong = await anna.send("here is my photo")
    assert "Please send a photo here" in text_of(wrong[-1])
    refused = await anna.send_document(b"%PDF-1.4", "cv.pdf", mime_type="application/pdf")
    assert "JPEG, PNG or WebP" in text_of(refused[-1])
    saved = await anna.send_photo(b"me at the desk")
    assert "Photo: set" in text_of(saved[-1])

    stored = await TutorProfile.get(id=tutor.profile.id).prefetch_related("provider")
    assert stored.subjects == "Maths, Chemistry"
    assert stored.provider.description == "Ten years of exam preparation."
    assert stored.timezone == "Asia/Yekaterinburg"
    assert stored.photo_file_id and stored.photo_file_id.startswith("AgAC")
    boris = telegram.user(4302, first_name="Boris", language_code="en")
    page = await boris.send(f"/start tutor_{tutor.provider.id}")
    assert page[0].photo and page[0].photo[-1].file_id == stored.photo_file_id
    assert "Ten years of exam preparation." in text_of(page[-1])

    # /cancel leaves a conversation: the next text changes nothing.
    await anna.click("Subjects", saved[-1])
    assert "Cancelled" in text_of((await anna.send("/cancel"))[0])
    await anna.send("History")
    assert (await TutorProfile.get(id=tutor.profile.id)).subjects == "Maths, Chemistry"


async def test_lesson_types_are_added_edited_and_hidden(telegram: Telegram) -> None:
    anna, tutor = await tutor_in_chat(telegram)
    types = await open_menu(anna, "📋 Lesson types")
    assert labels(types[-1])[0].startswith("Algebra · 60 min · 2,000.00")

    await anna.click("➕ Add a lesson type", types[-1])
    await anna.send("Trial lesson")
    refused = await anna.send("half an hour")  # a word where minutes are expected
    assert "whole number from 15 to 480" in text_of(refused[-1])
    wrong = await anna.send_photo(b"x")
    assert "Please send text here" in text_of(wrong[-1])
    await anna.send("30")
    refused = await anna.send("cheap")
    assert "price in roubles" in text_of(refused[-1])
    await anna.send("1 500,50")
    refused = await anna.send("1.5")
    assert "whole number of Stars" in text_of(refused[-1])
    await anna.send("75")
    added = await anna.send("https://meet.example/trial")
    assert "Lesson type added" in text_of(added[0])
    card = added[-1]
    assert "Trial lesson · 30 min · 1,500.50\xa0₽ · ⭐ 75" in text_of(card)
    trial = await LessonType.get(tutor_id=tutor.profile.id, title="Trial lesson")
    assert (trial.duration, trial.price, trial.stars_price) == (30, 150050, 75)
    assert trial.location == "https://meet.example/trial" and trial.is_active

    await anna.click("Price, ₽", card)
    saved = await anna.send("900")
    assert "keep their time and price" in text_of(saved[0])
    hidden = await anna.click("🙈 Hide", saved[-1])
    assert "hidden" in text_of(hidden[-1])
    trial = await LessonType.get(id=trial.id)
    assert (trial.price, trial.is_active) == (90000, False)
    assert trial.id not in [x.id for x in await booking.lesson_types(tutor.profile)]

    # A card of a lesson type that is gone: the button is refused, nothing breaks.
    await LessonType.filter(id=trial.id).delete()
    await anna.click("👁 Offer again", hidden[-1])
    assert "Not found" in anna.callback_answers[-1].text


async def test_booking_settings_and_reminders_apply_to_later_bookings(
    telegram: Telegram,
) -> None:
    anna, tutor = await tutor_in_chat(telegram)
    settings = await open_menu(anna, "⚙️ Booking settings")
    assert "Break after a lesson, min: 0" in text_of(settings[-1])

    asked = await anna.click("Break after a lesson, min", settings[-1])
    assert "from 0 to 240" in text_of(asked[-1])
    refused = await anna.send("fifteen")
    assert "whole number from 0 to 240" in text_of(refused[-1])
    refused = await anna.send("500")
    assert "whole number from 0 to 240" in text_of(refused[-1])
    saved = await anna.send("15")
    assert "Break after a lesson, min: 15" in text_of(saved[-1])
    toggled = await anna.click("Confirm bookings myself: off", saved[-1])
    assert "Confirm bookings myself: on" in labels(toggled[-1])

    reminders = await open_menu(anna, "⏰ Reminders")
    assert "24h,1h" in text_of(reminders[-1]) and "booked from now on" in text_of(reminders[-1])
    await anna.click("✏️ Change", reminders[-1])
    refused = await anna.send("tomorrow")
    assert "like 24h,1h or 30m" in text_of(refused[-1])
    wrong = await anna.send_photo(b"x")
    assert "Please send text here" in text_of(wrong[-1])
    saved = await anna.send("3h,2m")
    assert "3h,2m" in text_of(saved[-1])

    stored = await TutorProfile.get(id=tutor.profile.id)
    assert (stored.buffer_after, stored.requires_confirmation) == (15, True)
    assert stored.reminders == "3h,2m"
    student = await make_student(credits=1, tutor=tutor)
    start = (datetime.now(UTC) + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    lesson = (await booking.book(student, tutor.provider.id, tutor.hour.id, start)).lesson
    keys = await Job.filter(key__startswith=f"lesson.reminder:{lesson.id}:").values_list(
        "key", flat=True
    )
    assert {key.split(":")[2] for key in keys} == {"180", "2"}


async def test_students_and_statistics_are_the_same_in_chat_and_api(telegram: Telegram) -> None:
    anna, tutor = await tutor_in_chat(telegram, tg_id=TG_USER["id"])
    boris = await make_student(credits=3, tutor=tutor)
    now = datetime.now(UTC)
    await lesson_at(tutor, boris, 1, LessonStatus.held, price=150000, now=now)
    await lesson_at(tutor, boris, 2, LessonStatus.held, price=150000, now=now)
    await lesson_at(tutor, boris, 3, LessonStatus.no_show, price=150000, now=now)
    await lesson_at(tutor, boris, 4, LessonStatus.cancelled_by_tutor, price=150000, now=now)
    await homework_due(tutor, boris, 1, on_time=False, now=now)
    await homework_due(tutor, boris, 2, on_time=True, now=now)

    students = await open_menu(anna, "🎓 Students")
    stats = await open_menu(anna, "📊 Statistics")

    line = text_of(students[-1])
    assert "Boris" in line and "prepaid 3 · held 2 · missed 1" in line
    assert "attendance 67% · homework on time 50%" in line
    text = text_of(stats[0])
    assert "Lessons held: 2" in text and "No-shows: 1" in text
    assert "Cancelled by you: 1" in text and "Attendance: 67%" in text
    assert "Income before commission: 4,500.00\xa0₽" in text
    assert "Homework on time: 50% (1 of 2)" in text
    assert stats[-1].photo  # the weekly chart
    app = LiveMiniApp(telegram.app_url, telegram.settings.token)
    status, api_stats = await app.call("GET", "/seller/tutor/stats")
    assert status == 200, api_stats
    totals = api_stats["totals"]
    assert (totals["held"], totals["no_shows"], totals["cancelled_by_tutor"]) == (2, 1, 1)
    assert totals["income"][0]["formatted"] == "4,500.00\xa0₽"
    assert (totals["homework_on_time"], totals["homework_due"]) == (1, 2)
    status, api_students = await app.call("GET", "/seller/tutor/students")
    [row] = api_students["items"]
    assert (row["credits"], row["figures"]["held"], row["figures"]["no_shows"]) == (3, 2, 1)
