// The slot picker both booking screens share: a tutor's free start times of one lesson type
// (GET /tutors/{id}/slots) in the viewer's own zone, grouped by day as chips. The tutor page
// books the chosen time; My lessons moves a lesson there.
import { html } from "lit-html";
import { api, query } from "./api.js";
import { t } from "./i18n.js";

const DAYS = 7;

/** The viewer's IANA zone, as the browser knows it. */
export function viewerZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    return "";
  }
}

/** The wall-clock date and time of an ISO string with offset, as the server wrote them. */
export function parts(iso) {
  return { day: iso.slice(0, 10), time: iso.slice(11, 16) };
}

/** "Tuesday, 8 December" of a YYYY-MM-DD date, in the page's language. */
export function dayName(day) {
  const [year, month, date] = day.split("-").map(Number);
  return new Date(Date.UTC(year, month - 1, date)).toLocaleDateString(document.documentElement.lang, {
    weekday: "long",
    day: "numeric",
    month: "long",
    timeZone: "UTC",
  });
}

/** "Tuesday, 8 December, 14:00": a start time as the server wrote it in the viewer's zone. */
export function slotLabel(iso) {
  const { day, time } = parts(iso);
  return `${dayName(day)}, ${time}`;
}

/** A fresh Idempotency-Key (one per confirmation the person makes). */
export function newKey(prefix = "book") {
  const random = window.crypto && window.crypto.randomUUID
    ? window.crypto.randomUUID()
    : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  return `${prefix}-` + random.replace(/[^A-Za-z0-9_-]/g, "");
}

/** The free times of a tutor's lesson type for the next days, in `zone`; `moving` (one's own
 * booking being moved) counts its own time as free, as the move itself does. */
export function loadSlots(tutorId, lessonTypeId, zone, moving = null) {
  return api.get(
    `/tutors/${tutorId}/slots` +
      query({ days: DAYS, tz: zone, lesson_type: lessonTypeId, moving }),
  );
}

/** The times grouped by day; `chosen` is drawn pressed and a press calls `onPick(start)`. */
export function slotPicker(starts, chosen, onPick, id = "slots") {
  const days = new Map();
  for (const start of starts) {
    const { day } = parts(start);
    if (!days.has(day)) {
      days.set(day, []);
    }
    days.get(day).push(start);
  }
  if (!days.size) {
    return html`<p class="card notice" id=${id}>${t("bk_no_slots")}</p>`;
  }
  return html`<div id=${id} class="slot-picker">${[...days].map(
    ([day, list]) => html`<section class="slot-day" data-day=${day}>
      <h3>${dayName(day)}</h3>
      <ul class="chips">${list.map(
        (start) => html`<li><button type="button" class="chip slot" data-start=${start}
          aria-pressed=${chosen === start ? "true" : "false"}
          @click=${() => onPick(start)}>${parts(start).time}</button></li>`,
      )}</ul>
    </section>`,
  )}</div>`;
}

/** Bring a refusal drawn above the picker into view (the person pressed far below it). */
export function showProblem(id) {
  const element = document.getElementById(id);
  if (element) {
    element.scrollIntoView({ block: "center", behavior: "smooth" });
  }
}
