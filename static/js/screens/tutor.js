// A tutor's page (GET /tutors/{id}): profile, lesson types with prices, and the free start
// times of the next days (GET /tutors/{id}/slots) grouped by day in the person's own zone.
// A tapped time is booked with the MainButton (POST /bookings with an Idempotency-Key); a
// time someone took a moment ago shows the server's message and the times are fetched again.
// The tutor's packages (`offers`) are bought with Telegram's invoice (POST
// /tutors/{id}/packages → openInvoice); the credits show once the bot has recorded the payment.
import { html } from "lit-html";
import { api, query, ApiError } from "../api.js";
import { t } from "../i18n.js";
import * as router from "../router.js";
import * as telegram from "../telegram.js";
import { title, toast } from "../ui.js";

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
function parts(iso) {
  return { day: iso.slice(0, 10), time: iso.slice(11, 16) };
}

function dayName(day) {
  const [year, month, date] = day.split("-").map(Number);
  return new Date(Date.UTC(year, month - 1, date)).toLocaleDateString(document.documentElement.lang, {
    weekday: "long",
    day: "numeric",
    month: "long",
    timeZone: "UTC",
  });
}

function newKey() {
  const random = window.crypto && window.crypto.randomUUID
    ? window.crypto.randomUUID()
    : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  return "book-" + random.replace(/[^A-Za-z0-9_-]/g, "");
}

export default async function tutor({ id, draw, stale }) {
  const zone = viewerZone();
  const profile = await api.get(`/tutors/${id}`);
  let typeId = profile.lesson_types.length ? profile.lesson_types[0].id : null;
  let slots = null;
  let chosen = null;
  let problem = null;
  let key = newKey();
  let buying = false;

  async function loadSlots() {
    if (typeId === null) {
      slots = { slots: [], timezone: zone };
      return;
    }
    slots = await api.get(
      `/tutors/${id}/slots` + query({ days: DAYS, tz: zone, lesson_type: typeId }),
    );
  }

  async function book() {
    if (!chosen) {
      return;
    }
    problem = null;
    try {
      await api.post(
        "/bookings",
        {
          tutor_id: id,
          lesson_type_id: typeId,
          start: chosen,
          pay: profile.credits > 0 ? "credit" : "per_lesson",
        },
        { "Idempotency-Key": key },
      );
      telegram.haptic("success");
      toast(t("bk_booked"));
      router.navigate("#/lessons");
    } catch (error) {
      if (!(error instanceof ApiError) || error.status === 401) {
        throw error;
      }
      telegram.haptic("error");
      problem = error.message;
      chosen = null;
      key = newKey();
      telegram.hideMainButton();
      if (error.status === 409) {
        await loadSlots(); // the time is gone: show what is still free
      }
      redraw();
    }
  }

  function pick(start) {
    if (stale()) {
      return;
    }
    chosen = chosen === start ? null : start;
    key = newKey();
    problem = null;
    telegram.haptic("select");
    if (chosen) {
      const { day, time } = parts(chosen);
      telegram.setMainButton(t("bk_book_at", { when: `${dayName(day)}, ${time}` }), book);
    } else {
      telegram.hideMainButton();
    }
    redraw();
  }

  async function chooseType(lessonType) {
    if (typeId === lessonType.id) {
      return;
    }
    typeId = lessonType.id;
    chosen = null;
    telegram.hideMainButton();
    await loadSlots();
    redraw();
  }

  function calendar() {
    const days = new Map();
    for (const start of slots.slots) {
      const { day } = parts(start);
      if (!days.has(day)) {
        days.set(day, []);
      }
      days.get(day).push(start);
    }
    if (!days.size) {
      return html`<p class="card notice">${t("bk_no_slots")}</p>`;
    }
    return html`<div id="slots">${[...days].map(
      ([day, starts]) => html`<section class="slot-day" data-day=${day}>
        <h3>${dayName(day)}</h3>
        <ul class="chips">${starts.map(
          (start) => html`<li><button type="button" class="chip slot" data-start=${start}
            aria-pressed=${chosen === start ? "true" : "false"}
            @click=${() => pick(start)}>${parts(start).time}</button></li>`,
        )}</ul>
      </section>`,
    )}</div>`;
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
        ${profile.credits
          ? html`<p class="hint" id="credits">${t("bk_credits_left", { count: profile.credits })}</p>`
          : ""}
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
      ${problem ? html`<p class="notice error" role="alert" id="booking-problem">${problem}</p>` : ""}
      ${calendar()}
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
