// Seller mode: hand an order over by the customer's pickup QR (POST /seller/pickups).
// Telegram's scanner opens at once (and again from the MainButton); what it reads goes to the
// server once — a second read while the first is on its way is ignored, and the server
// completes an order once anyway — and the scanner closes when the server has answered. The
// six digits printed under the QR code can be typed instead.
import { html } from "lit-html";
import { api, ApiError } from "../api.js";
import { t } from "../i18n.js";
import { sellerNav } from "../seller_nav.js";
import * as telegram from "../telegram.js";
import { title, toast } from "../ui.js";

const CODE = /^\d{6}$/;

/** The pickup code in what the scanner read or the person typed ("123 456" → "123456"). */
function digits(text) {
  return String(text || "").replace(/[\s-]/g, "");
}

export default async function sellerScan({ draw, stale }) {
  let busy = false;
  let done = null;
  let problem = null;
  let typed = "";

  async function handOver(code) {
    if (busy) {
      return;
    }
    busy = true;
    problem = null;
    redraw();
    try {
      done = await api.post("/seller/pickups", { pickup_code: code });
      typed = "";
      telegram.haptic("success");
      toast(t("picked_up", { id: done.id }));
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        throw error;
      }
      done = null;
      problem = error;
      telegram.haptic("error");
    } finally {
      busy = false;
      telegram.closeScanQr();
      redraw();
    }
  }

  function scan() {
    return telegram.scanQr(t("scan_prompt"), (text) => {
      const code = digits(text);
      if (!CODE.test(code)) {
        telegram.haptic("warning");
        return false; // someone else's QR code: keep scanning
      }
      handOver(code);
      return false; // closed once the server has answered
    });
  }

  function submit(event) {
    event.preventDefault();
    handOver(digits(typed));
  }

  const canScan = telegram.supports("6.4");

  function redraw() {
    if (stale()) {
      return;
    }
    draw(html`${title(t("scan_title"))}
      ${sellerNav("scan")}
      ${done
        ? html`<section class="card notice" id="pickup-done" role="status">
            <p><strong>${t("picked_up", { id: done.id })}</strong></p>
            <p>${done.customer_name} · ${done.total.formatted} · ${done.status_name}</p>
            <a class="link-button" href="#/seller/order/${done.id}">${t("order_number", { id: done.id })}</a>
          </section>`
        : ""}
      ${problem
        ? html`<p class="card notice error" id="pickup-problem" role="alert">${problem.message}</p>`
        : ""}
      ${canScan ? "" : html`<p class="card notice">${t("scan_unsupported")}</p>`}
      <form class="card" id="pickup-form" @submit=${submit}>
        <label class="field">${t("manual_code")}
          <input id="pickup-code" name="code" inputmode="numeric" autocomplete="off"
            maxlength="7" .value=${typed} @input=${(event) => { typed = event.target.value; }}>
        </label>
        <button type="submit" class="button" ?disabled=${busy}>${t("confirm_pickup")}</button>
      </form>`);
  }

  if (canScan) {
    telegram.setMainButton(t("scan"), () => {
      scan();
    });
  }
  redraw();
  if (canScan) {
    scan();
  }
}
