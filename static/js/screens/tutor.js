// A tutor's page (GET /tutors/{id}): profile, prepaid lessons left, lesson types with prices,
// and the free start times of the next days (the shared slot picker, ../slots.js) in the
// person's own zone. A tapped time is booked with the MainButton (POST /bookings with an
// Idempotency-Key), or every week at that time for N weeks (POST /bookings/series, all or
// nothing: the server names each date that is not free). A time someone took a moment ago
// shows the server's message, offers the waitlist (POST /waitlist) and the times are fetched
// again.
// The tutor's packages (`offers`) are bought with Telegram's invoice (POST
// /tutors/{id}/packages → openInvoice); the credits show once the bot has recorded the payment.
import { html } from "lit-html";
import { api, ApiError } from "../api.js";
import { t } from "../i18n.js";
import * as router from "../router.js";
import {
  loadSlots as fetchSlots,
  newKey,
  showProblem,
  slotLabel,
  slotPicker,
  viewerZone,
} from "../slots.js";
import * as telegram from "../telegram.js";
import { title, toast } from "../ui.js";

export { viewerZone }; // screens that imported it from here before the slot picker moved

const MAX_WEEKS = 26;

export default async function tutor({ id, draw, stale }) {
  const zone = viewerZone();
  const profile = await api.get(`/tutors/${id}`);
  let typeId = profile.lesson_types.length ? profile.lesson_types[0].id : null;
  let slots = null;
  let chosen = null;
  let problem = null;
  let taken = null; // a time someone took a moment ago: it can be waited for
  let waiting = false;
  let weekly = false;
  let weeks = 4;
  let key = newKey();
  let buying = false;

  async function loadSlots() {
    slots = typeId === null ? { slots: [], timezone: zone } : await fetchSlots(id, typeId, zone);
  }

  function lessonsWanted() {
    return weekly ? weeks : 1;
  }

  function showMainButton() {
    if (!chosen) {
      telegram.hideMainButton();
      return;
    }
    const text = weekly
      ? t("bk_book_series", { count: weeks, when: slotLabel(chosen) })
      : t("bk_book_at", { when: slotLabel(chosen) });
    telegram.setMainButton(text, book);
  }

  async function book() {
    if (!chosen) {
      return;
    }
    problem = null;
    taken = null;
    waiting = false;
    const pay = profile.credits >= lessonsWanted() ? "credit" : "per_lesson";
    const order = { tutor_id: id, lesson_type_id: typeId, start: chosen, pay };
    try {
      if (weekly) {
        const series = await api.post("/bookings/series", { ...order, weeks });
        toast(t("bk_series_booked", { count: series.items.length }));
      } else {
        await api.post("/bookings", order, { "Idempotency-Key": key });
        toast(t("bk_booked"));
      }
      telegram.haptic("success");
      router.navigate("#/lessons");
    } catch (error) {
      if (!(error instanceof ApiError) || error.status === 401) {
        throw error;
      }
      telegram.haptic("error");
      problem = error.message;
      taken = error.code === "slot_taken" ? chosen : null;
      key = newKey();
      if (error.code !== "series_conflict") {
        chosen = null; // a series keeps its first time: fewer weeks may fit
        telegram.hideMainButton();
      }
      if (error.status === 409) {
        await loadSlots(); // a time is gone: show what is still free
      }
      redraw();
      showProblem("booking-problem");
    }
  }

  async function joinWaitlist() {
    if (!taken || waiting) {
      return;
    }
    waiting = true;
    try {
      await api.post("/waitlist", { tutor_id: id, lesson_type_id: typeId, start: taken });
      telegram.haptic("success");
      problem = null;
      toast(t("bk_waitlist_joined"));
    } catch (error) {
      if (!(error instanceof ApiError) || error.status === 401) {
        throw error;
      }
      waiting = false;
      problem = error.message;
      taken = null;
    }
    redraw();
  }

  function pick(start) {
    if (stale()) {
      return;
    }
    chosen = chosen === start ? null : start;
    key = newKey();
    problem = null;
    taken = null;
    telegram.haptic("select");
    showMainButton();
    redraw();
  }

  function setWeekly(on) {
    weekly = on;
    showMainButton();
    redraw();
  }

  function typeWeeks(value) {
    // While typing ("1" on the way to "12") only a whole number in range is taken.
    const count = Number(value);
    if (Number.isInteger(count) && count >= 2 && count <= MAX_WEEKS) {
      weeks = count;
      showMainButton();
    }
  }

  function setWeeks(value) {
    const count = Math.trunc(Number(value));
    weeks = Number.isFinite(count) ? Math.min(MAX_WEEKS, Math.max(2, count)) : weeks;
    showMainButton();
    redraw();
  }

  async function chooseType(lessonType) {
    if (typeId === lessonType.id) {
      return;
    }
    typeId = lessonType.id;
    chosen = null;
    taken = null;
    telegram.hideMainButton();
    await loadSlots();
    redraw();
  }

  function seriesChoice() {
    return html`<section class="card series" id="series">
      <label class="option">
        <input type="checkbox" id="weekly" .checked=${weekly}
          @change=${(event) => setWeekly(event.target.checked)}>
        ${t("bk_weekly")}
      </label>
      ${weekly
        ? html`<label class="field">${t("bk_weeks")}
            <input type="number" id="weeks" inputmode="numeric" min="2" max=${MAX_WEEKS}
              .value=${String(weeks)} @input=${(event) => typeWeeks(event.target.value)}
              @change=${(event) => setWeeks(event.target.value)}>
          </label>
          <p class="hint">${t("bk_weekly_hint")}</p>`
        : ""}
    </section>`;
  }

  function refusal() {
    if (!problem && !waiting) {
      return "";
    }
    return html`<div class="notice error" role="alert" id="booking-problem">
      ${problem ? html`<p>${problem}</p>` : ""}
      ${taken && !waiting
        ? html`<button type="button" class="button secondary" id="join-waitlist"
            @click=${joinWaitlist}>${t("bk_join_waitlist")}</button>`
        : ""}
      ${waiting ? html`<p id="waitlist-joined">${t("bk_waitlist_joined")}</p>` : ""}
    </div>`;
  }

  function redraw() {
    if (stale()) {
      return;
    }
    draw(html`${title(profile.name)}
      <section class="card tutor-profile">
        ${profile.subjects.length ? html`<p><strong>${profile.subjects.join(", ")}</strong></p>` : ""}
        ${profile.description ? html`<p class="tutor-description">${profile.description}</p>` : ""}
        <p class="hint">${t("bk_free_cancel", { hours: profile.free_cancel_hours })}</p>
        <p class="hint" id="credits">${t("bk_credits_left", { count: profile.credits })}</p>
      </section>
      ${packages()}
      <h2>${t("bk_lesson_types")}</h2>
      <ul class="list" id="lesson-types">${profile.lesson_types.map(
        (item) => html`<li><button type="button" class="card row-link lesson-type"
          aria-pressed=${item.id === typeId ? "true" : "false"} @click=${() => chooseType(item)}>
          <strong>${item.title}</strong>
          <span class="hint">${t("bk_minutes", { count: item.duration })} · ${item.price.formatted}</span>
        </button></li>`,
      )}</ul>
      <h2>${t("bk_free_times")}</h2>
      <p class="hint">${t("bk_times_in_zone", { zone: slots.timezone })}</p>
      ${refusal()}
      ${slotPicker(slots.slots, chosen, pick)}
      ${slots.slots.length ? seriesChoice() : ""}
      <nav class="chips">
        <a class="chip" href="#/lessons">${t("bk_lessons_title")}</a>
        <a class="chip" href="#/shop/${id}">${t("bk_tutor_shop")}</a>
      </nav>`);
  }

  async function buy(offer) {
    if (buying || stale()) {
      return;
    }
    buying = true;
    try {
      const channel = offer.monthly ? "stars" : offer.channels[0];
      const payment = await api.post(
        `/tutors/${id}/packages`,
        { offer_id: offer.id, channel },
        { "Idempotency-Key": newKey().replace("book-", "pkg-") },
      );
      const status = await telegram.openInvoice(payment.invoice_link);
      if (status === "paid") {
        telegram.haptic("success");
        toast(t("tp_paid"));
        Object.assign(profile, await api.get(`/tutors/${id}`)); // the credits, once recorded
      }
    } catch (error) {
      if (!(error instanceof ApiError) || error.status === 401) {
        throw error;
      }
      telegram.haptic("error");
      toast(error.message);
    } finally {
      buying = false;
      redraw();
    }
  }

  function packages() {
    const offers = (profile.offers || []).filter((offer) => offer.channels.length);
    if (!offers.length) {
      return "";
    }
    return html`<h2>${t("tp_packages")}</h2>
      <ul class="list" id="packages">${offers.map(
        (offer) => html`<li><button type="button" class="card row-link package-offer"
          data-offer=${offer.id} ?disabled=${buying} @click=${() => buy(offer)}>
          ${offer.monthly
            ? t("tp_monthly", { count: offer.lessons, price: offer.stars_price.formatted })
            : t("tp_buy", { count: offer.lessons, price: offer.price.formatted })}
        </button></li>`,
      )}</ul>`;
  }

  await loadSlots();
  redraw();
}
