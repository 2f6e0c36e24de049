// My lessons (GET /bookings): upcoming (soonest first) and past, in the person's own zone;
// the join link; moving a lesson to another free time of the same tutor and lesson type (the
// shared slot picker, POST /bookings/{id}/reschedule) and cancelling after Telegram's
// confirmation popup (POST /bookings/{id}/cancel), both free until `free_change_until`.
// Above them: prepaid lessons per tutor (GET /credits) and the times the person waits for
// (GET /waitlist); a time offered from the waitlist is booked here before its offer runs out.
import { html } from "lit-html";
import { api, query, ApiError } from "../api.js";
import { t } from "../i18n.js";
import { when } from "../order_card.js";
import * as router from "../router.js";
import { loadSlots, newKey, showProblem, slotLabel, slotPicker, viewerZone } from "../slots.js";
import * as telegram from "../telegram.js";
import { title, toast } from "../ui.js";

function isLink(text) {
  return /^https?:\/\//i.test(text || "");
}

function refused(error) {
  if (!(error instanceof ApiError) || error.status === 401) {
    throw error;
  }
  telegram.haptic("error");
  return error.message;
}

export default async function lessons({ draw, stale, params }) {
  const zone = viewerZone();
  let scope = params && params.get && params.get("scope") === "past" ? "past" : "upcoming";
  let list = null;
  let credits = { items: [] };
  let waitlist = { items: [] };
  let busy = null;
  let problem = null;
  // Moving one lesson: its id, the free times of its tutor and lesson type, the chosen one.
  let moving = null;

  async function reload() {
    [list, credits, waitlist] = await Promise.all([
      api.get("/bookings" + query({ scope, tz: zone })),
      api.get("/credits"),
      api.get("/waitlist" + query({ tz: zone })),
    ]);
  }

  async function load(next) {
    scope = next;
    problem = null;
    stopMoving();
    await reload();
    redraw();
  }

  async function cancel(item) {
    if (busy !== null) {
      return; // a double tap asks once
    }
    busy = item.id;
    problem = null;
    stopMoving();
    try {
      const free = new Date(item.free_change_until) > new Date();
      const question = free
        ? t("bk_cancel_lesson_free", { when: when(item.start) })
        : t("bk_cancel_lesson_late", { when: when(item.start) });
      if (!(await telegram.confirm(question))) {
        return;
      }
      await api.post(`/bookings/${item.id}/cancel`, {});
      telegram.haptic("success");
      toast(t("bk_lesson_cancelled"));
      await reload();
    } catch (error) {
      problem = refused(error);
      await reload();
    } finally {
      busy = null;
      redraw();
    }
  }

  // Moving a lesson -----------------------------------------------------------------------

  async function startMoving(item) {
    if (busy !== null) {
      return;
    }
    problem = null;
    moving = { id: item.id, item, slots: null, chosen: null, problem: null };
    // While the picker is open, Telegram's BackButton closes it instead of leaving.
    telegram.setBackButton(() => {
      stopMoving();
      redraw();
    });
    redraw();
    const mine = moving;
    const found = await loadSlots(item.tutor_id, item.lesson_type_id, zone, item.id);
    if (moving === mine) {
      mine.slots = found.slots;
      redraw();
    }
  }

  function stopMoving() {
    if (moving === null) {
      return;
    }
    moving = null;
    telegram.hideMainButton();
    telegram.setBackButton(router.back);
  }

  function pickNewTime(start) {
    if (stale() || moving === null) {
      return;
    }
    moving.chosen = moving.chosen === start ? null : start;
    moving.problem = null;
    telegram.haptic("select");
    if (moving.chosen) {
      telegram.setMainButton(t("bk_move_to", { when: slotLabel(moving.chosen) }), move);
    } else {
      telegram.hideMainButton();
    }
    redraw();
  }

  async function move() {
    const mine = moving;
    if (mine === null || !mine.chosen) {
      return;
    }
    try {
      await api.post(`/bookings/${mine.id}/reschedule`, { start: mine.chosen });
      telegram.haptic("success");
      toast(t("bk_lesson_moved"));
      stopMoving();
      await reload();
    } catch (error) {
      mine.problem = refused(error);
      mine.chosen = null;
      telegram.hideMainButton();
      if (error.code === "slot_taken") {
        const { tutor_id: tutorId, lesson_type_id: typeId } = mine.item;
        mine.slots = (await loadSlots(tutorId, typeId, zone, mine.id)).slots;
      }
    }
    redraw();
    if (mine.problem) {
      showProblem("move-problem");
    }
  }

  function movePicker() {
    return html`<section class="move-picker" id="move-picker">
      <strong>${t("bk_move_title")}</strong>
      ${moving.problem
        ? html`<p class="notice error" role="alert" id="move-problem">${moving.problem}</p>`
        : ""}
      ${moving.slots === null
        ? html`<p class="hint">${t("loading")}</p>`
        : slotPicker(moving.slots, moving.chosen, pickNewTime, "move-slots")}
      <button type="button" class="button secondary" id="keep-time"
        @click=${() => { stopMoving(); redraw(); }}>${t("bk_keep_time")}</button>
    </section>`;
  }

  // Waiting for a time ------------------------------------------------------------------------

  function creditsWith(tutorId) {
    const found = credits.items.find((item) => item.tutor_id === tutorId);
    return found ? found.count : 0;
  }

  async function bookOffer(entry) {
    if (busy !== null) {
      return;
    }
    busy = entry.id;
    problem = null;
    redraw();
    try {
      await api.post(
        "/bookings",
        {
          tutor_id: entry.tutor_id,
          lesson_type_id: entry.lesson_type_id,
          start: entry.start,
          pay: creditsWith(entry.tutor_id) > 0 ? "credit" : "per_lesson",
        },
        { "Idempotency-Key": newKey("offer") },
      );
      telegram.haptic("success");
      toast(t("bk_booked"));
    } catch (error) {
      problem = refused(error);
    } finally {
      busy = null;
      await reload();
      redraw();
    }
  }

  function waitlistEntry(entry) {
    const offered = entry.state === "offered";
    return html`<li class="card waitlist-entry" data-waiting=${entry.id}>
      <span class="toolbar">
        <strong>${when(entry.start)}</strong>
        <span class="badge">${offered ? t("bk_offered") : t("bk_waiting")}</span>
      </span>
      <p>${entry.title} · <a href="#/tutor/${entry.tutor_id}">${entry.tutor_name}</a></p>
      ${offered
        ? html`<p class="hint">${t("bk_offered_until", { when: when(entry.offered_until) })}</p>
          <button type="button" class="button book-offer" ?disabled=${busy !== null}
            @click=${() => bookOffer(entry)}>${t("bk_book_offer")}</button>`
        : ""}
    </li>`;
  }

  function waitingSection() {
    if (scope !== "upcoming" || !waitlist.items.length) {
      return "";
    }
    return html`<h2>${t("bk_waitlist_title")}</h2>
      <ul class="list" id="waitlist">${waitlist.items.map(waitlistEntry)}</ul>`;
  }

  function creditsSection() {
    if (!credits.items.length) {
      return "";
    }
    return html`<section class="card" id="credits">
      <strong>${t("bk_credits_title")}</strong>
      ${credits.items.map(
        (item) => html`<p class="hint" data-tutor=${item.tutor_id}>
          ${t("bk_credits_with", { tutor: item.tutor_name, count: item.count })}</p>`,
      )}
    </section>`;
  }

  // Drawing -----------------------------------------------------------------------------------

  function lesson(item) {
    const active = scope === "upcoming" && ["booked", "pending"].includes(item.status);
    const canMove = active && new Date(item.free_change_until) > new Date();
    const isMoving = moving !== null && moving.id === item.id;
    return html`<li class="card lesson" data-lesson=${item.id}>
      <span class="toolbar">
        <strong>${when(item.start)}</strong>
        <span class="badge">${item.status_text}</span>
      </span>
      <p>${item.title} · <a href="#/tutor/${item.tutor_id}">${item.tutor_name}</a></p>
      <p class="hint">${item.price.formatted}</p>
      ${active && item.location
        ? isLink(item.location)
          ? html`<a class="button secondary join" href=${item.location}
              @click=${(event) => { event.preventDefault(); telegram.openLink(item.location); }}>
              ${t("bk_join_lesson")}</a>`
          : html`<p class="hint">${t("bk_lesson_place", { place: item.location })}</p>`
        : ""}
      ${active
        ? html`<p class="hint">${t("bk_free_change_until", { when: when(item.free_change_until) })}</p>`
        : ""}
      ${isMoving ? movePicker() : ""}
      ${canMove && !isMoving
        ? html`<button type="button" class="button secondary reschedule" ?disabled=${busy !== null}
            @click=${() => startMoving(item)}>${t("bk_reschedule")}</button>`
        : ""}
      ${active
        ? html`<button type="button" class="button destructive" ?disabled=${busy !== null}
            @click=${() => cancel(item)}>${t("bk_cancel_lesson")}</button>`
        : ""}
    </li>`;
  }

  function redraw() {
    if (stale()) {
      return;
    }
    draw(html`${title(t("bk_lessons_title"))}
      <nav class="chips" aria-label=${t("bk_lessons_title")}>
        <button type="button" class="chip" aria-pressed=${scope === "upcoming" ? "true" : "false"}
          @click=${() => load("upcoming")}>${t("bk_lessons_upcoming")}</button>
        <button type="button" class="chip" aria-pressed=${scope === "past" ? "true" : "false"}
          @click=${() => load("past")}>${t("bk_lessons_past")}</button>
        <a class="chip" href="#/tutors">${t("bk_tutors_title")}</a>
      </nav>
      ${problem ? html`<p class="notice error" role="alert" id="lessons-problem">${problem}</p>` : ""}
      ${creditsSection()}
      ${waitingSection()}
      ${scope === "upcoming" && waitlist.items.length ? html`<h2>${t("bk_lessons_upcoming")}</h2>` : ""}
      ${list.items.length
        ? html`<ul class="list" id="lessons">${list.items.map(lesson)}</ul>`
        : html`<p class="card notice">${t("bk_lessons_none")}</p>`}`);
  }

  await reload();
  redraw();
}
