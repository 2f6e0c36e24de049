"""The student's homework, materials and achievements in the Mini App API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from db.models import AchievementCode, Homework, HomeworkStatus, ProviderKind, User
from services import achievements, homework, materials
from tests.services.shop_data import make_provider, make_user
from tests.web.conftest import TG_USER, Web
from tests.web.test_shop_api import OTHER_USER, Customer


async def homework_for(student: User) -> Homework:
    """Ms Tutor gives the person an essay due in two days."""
    tutor = await make_provider(await make_user(), kind=ProviderKind.tutor, name="Ms Tutor")
    return await homework.assign(
        tutor,
        student,
        text="Essay on spring",
        due_at=datetime.now(UTC) + timedelta(days=2),
        checklist=["Plan", "Write"],
    )


async def student_with_homework(web: Web) -> tuple[Customer, User, Homework]:
    ann = Customer(web)
    assert (await ann.get("/homework"))[0] == 200  # signs the person up
    student = await User.get(tg_id=TG_USER["id"])
    return ann, student, await homework_for(student)


async def test_the_person_sees_and_submits_their_homework_once(web: Web) -> None:
    ann, _, work = await student_with_homework(web)

    status, body = await ann.get("/homework")
    assert status == 200
    [item] = body["items"]
    assert item["id"] == work.id and item["status"] == "open" and item["tutor_name"] == "Ms Tutor"
    assert item["checklist"] == ["Plan", "Write"] and item["grade"] is None
    assert item["overdue"] is False

    path = f"/homework/{work.id}/submissions"
    status, body = await ann.request("POST", path, body={"text": "Here it is"})
    assert status == 201, body
    assert body["status"] == "submitted" and body["submission"]["text"] == "Here it is"
    status, body = await ann.request("POST", path, body={"text": "Again"})
    assert status == 409 and body["error"]["code"] == "homework_already_submitted"
    assert body["error"]["message"] == "This homework is already submitted."

    status, body = await ann.get("/homework?status=open")
    assert status == 200 and body["items"] == []


async def test_grades_are_shown(web: Web) -> None:
    ann, student, work = await student_with_homework(web)
    await homework.submit(student, work.id, text="done")
    tutor = await work.provider
    await homework.grade(tutor, work.id, kind=homework.GradeKind.pass_fail, score=1, comment="ok")
    status, body = await ann.get(f"/homework/{work.id}")
    assert status == 200
    assert body["grade"] == {"kind": "pass_fail", "score": 1, "title": "pass", "comment": "ok"}
    assert body["status"] == HomeworkStatus.graded.value


async def test_someone_elses_homework_is_404(web: Web) -> None:
    _, _, work = await student_with_homework(web)
    other = Customer(web, user=OTHER_USER)
    status, body = await other.get(f"/homework/{work.id}")
    assert status == 404 and body["error"]["code"] == "not_found"
    status, body = await other.request(
        "POST", f"/homework/{work.id}/submissions", body={"text": "mine"}
    )
    assert status == 404
    assert (await Homework.get(id=work.id)).status is HomeworkStatus.open


async def test_an_empty_answer_is_422(web: Web) -> None:
    ann, _, work = await student_with_homework(web)
    status, body = await ann.request("POST", f"/homework/{work.id}/submissions", body={"text": ""})
    assert status == 422 and body["error"]["code"] == "invalid_input"


async def test_materials_and_achievements(web: Web) -> None:
    ann, student, work = await student_with_homework(web)
    tutor = await work.provider
    await materials.share(tutor, None, title="Grammar", url="https://example.com/g")
    await achievements.lessons_achievements(student.id, [datetime(2026, 11, 2, tzinfo=UTC)])

    status, body = await ann.get("/materials")
    assert status == 200
    [material] = body["items"]
    assert material["title"] == "Grammar" and material["shared_with"] == "all"
    assert material["url"] == "https://example.com/g" and material["kind"] == "link"

    status, body = await ann.get("/achievements")
    assert status == 200
    [earned] = body["items"]
    assert earned["code"] == AchievementCode.first_lesson.value
    assert earned["title"] == "🎉 First lesson"

    other = Customer(web, user=OTHER_USER)
    assert (await other.get("/materials"))[1]["items"] == []
    assert (await other.get("/achievements"))[1]["items"] == []
