// My lessons (GET /bookings): upcoming (soonest first) and past, in the person's own zone;
// the join link, and cancel after Telegram's confirmation popup (POST /bookings/{id}/cancel).
// Free until `free_change_until`; later the popup says the lesson counts as given.
import { html } from "lit-html";
import { api, query, ApiError } from "../api.js";
import { t } from "../i18n.js";
import * as telegram from "../telegram.js";
import { title, toast } from "../ui.js";
import { when } from "./orders.js";
import { viewerZone } from "./tutor.js";

function isLink(text) {
  return /^https?:\/\//i.test(text || "");
}

export default async function lessons({ draw, stale, params }) {
  const zone = viewerZone();
  let scope = params && params.get && params.get("scope") === "past" ? "past" : "upcoming";
  let list = await api.get("/bookings" + query({ scope, tz: zone }));
  let busy = null;
  let problem = null;

  async function load(next) {
    scope = next;
    problem = null;
    list = await api.get("/bookings" + query({ scope, tz: zone }));
    redraw();
  }

  async function cancel(item) {
    if (busy !== null) {
      return; // a double tap asks once
    }
    busy = item.id;
    problem = null;
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
      list = await api.get("/bookings" + query({ scope, tz: zone }));
    } catch (error) {
      if (!(error instanceof ApiError) || error.status === 401) {
        throw error;
      }
      problem = error.message;
      list = await api.get("/bookings" + query({ scope, tz: zone }));
    } finally {
      busy = null;
      redraw();
    }
  }

  function lesson(item) {
    const active = scope === "upcoming" && ["booked", "pending"].includes(item.status);
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
        ? html`<p class="hint">${t("bk_free_change_until", { when: when(item.free_change_until) })}</p>
            <button type="button" class="button destructive" ?disabled=${busy !== null}
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
      ${problem ? html`<p class="notice error" role="alert">${problem}</p>` : ""}
      ${list.items.length
        ? html`<ul class="list" id="lessons">${list.items.map(lesson)}</ul>`
        : html`<p class="card notice">${t("bk_lessons_none")}</p>`}`);
  }

  redraw();
}
