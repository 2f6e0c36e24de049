// One order (GET /orders/{id}): lines, totals, the status timeline, and what the person can do
// with it now: pay (Telegram's invoice over the page, or YooKassa's page in the browser),
// cancel (after Telegram's confirmation), have the files sent again, show the pickup QR code
// when it is ready for pickup. After an invoice closes or the person comes back from
// YooKassa, the server is asked again: its payment record is the truth, not the client's.
import { html } from "lit-html";
import { api, ApiError } from "../api.js";
import { t } from "../i18n.js";
import { orderHeader, orderLines, when } from "../order_card.js";
import * as telegram from "../telegram.js";
import { toast } from "../ui.js";

function timeline(history) {
  return html`<section class="card">
    <h2 class="section-title">${t("order_history")}</h2>
    <ol class="timeline" id="order-history">
      ${history.map(
        (step) => html`<li>
          <strong>${step.status_name}</strong>
          <span class="hint">${when(step.at)}</span>
          ${step.reason ? html`<span class="hint">${step.reason}</span>` : ""}
        </li>`,
      )}
    </ol>
  </section>`;
}

function pickup(order) {
  // The image is requested with the initData header, so it is fetched, not linked.
  return html`<section class="card pickup" id="pickup">
    <h2 class="section-title">${t("pickup_qr_title")}</h2>
    <img class="qr" id="pickup-qr" alt=${t("pickup_qr_alt", { code: order.pickup_code })}
      width="240" height="240" hidden>
    <p class="pickup-code">${t("pickup_code", { code: order.pickup_code })}</p>
    <p class="hint">${t("pickup_qr_hint")}</p>
  </section>`;
}

const CHANNEL_LABELS = { telegram: "pay_telegram", stars: "pay_stars", yookassa: "pay_yookassa" };
const SETTLE_CHECKS = 5;
const SETTLE_PAUSE_MS = 1200;

const pause = (ms) => new Promise((resolve) => window.setTimeout(resolve, ms));

/** Just placed (from checkout): what happens next. */
function placedNotice(order) {
  return html`<section class="card notice" id="order-placed" role="status">
    <p><strong>${t("order_placed", { id: order.id })}</strong></p>
    ${order.fulfilment === "pickup" && order.status !== "ready_for_pickup"
      ? html`<p>${t("pickup_code", { code: order.pickup_code })}</p>`
      : ""}
  </section>`;
}

export default async function order({ id, params, draw, stale }) {
  let state = await api.get(`/orders/${id}`);
  let qrUrl = null;
  let busy = false;
  let paying = false;
  let contact = "";
  let contactProblem = null;
  let payNote = null; // what the last payment attempt left to say (a pending payment)
  let awaitingReturn = false; // YooKassa's page is open in the browser
  let checking = false;

  const stopListening = telegram.onReturn(() => {
    if (stale()) {
      stopListening();
    } else if (awaitingReturn || state.status === "pending_payment") {
      recheck();
    }
  });

  async function loadQr() {
    if (state.status !== "ready_for_pickup" || qrUrl) {
      return;
    }
    try {
      const blob = await api.blob(`/orders/${id}/pickup-qr`);
      qrUrl = URL.createObjectURL(blob);
    } catch (error) {
      toast(error.message); // the code printed under the image still works
      return;
    }
    showQr();
  }

  function showQr() {
    const image = document.getElementById("pickup-qr");
    if (image && qrUrl && !stale()) {
      image.src = qrUrl;
      image.hidden = false;
    }
  }

  async function act(request, done) {
    if (busy) {
      return;
    }
    busy = true;
    redraw();
    try {
      state = await request();
      telegram.haptic("success");
      toast(done);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        throw error;
      }
      telegram.haptic("error");
      toast(error.message);
      // 409: the order moved on meanwhile (accepted, cancelled): show where it is now.
      if (error instanceof ApiError && error.status === 409) {
        state = await api.get(`/orders/${id}`).catch(() => state);
      }
    } finally {
      busy = false;
      redraw();
    }
  }

  async function cancel() {
    if (!(await telegram.confirm(t("cancel_confirm", { id })))) {
      return;
    }
    await act(() => api.post(`/orders/${id}/cancel`), t("order_cancelled"));
  }

  const resend = () => act(() => api.post(`/orders/${id}/files`), t("files_sent"));

  // Paying -----------------------------------------------------------------------------------

  /** Ask the server where the payment stands (YooKassa is asked by the server at once). */
  async function recheck() {
    if (checking) {
      return false; // `activated` and `visibilitychange` arrive together: ask once
    }
    const before = state.status;
    checking = true;
    try {
      state = await api.post(`/orders/${id}/payments/check`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        throw error;
      }
      toast(error.message);
      return false;
    } finally {
      checking = false;
    }
    const settled = before === "pending_payment" && state.status !== "pending_payment";
    if (settled) {
      awaitingReturn = false;
      payNote = null;
      telegram.haptic("success");
      toast(t("payment_received"));
    }
    redraw();
    return settled;
  }

  /** Telegram says the invoice was paid: its message to the bot settles the order a moment
   * later, so the server is asked a few times before "being confirmed" is shown. */
  async function confirmSettled() {
    for (let check = 0; check < SETTLE_CHECKS && !stale(); check += 1) {
      if ((await recheck()) || state.status !== "pending_payment") {
        return;
      }
      await pause(SETTLE_PAUSE_MS);
    }
    payNote = t("payment_pending");
    redraw();
  }

  async function afterInvoice(status) {
    if (status === "paid") {
      telegram.haptic("success");
      await confirmSettled();
    } else if (status === "pending") {
      payNote = t("payment_pending");
      await recheck();
    } else if (status === "failed") {
      telegram.haptic("error");
      toast(t("payment_failed"));
      await recheck();
    } else {
      toast(t("payment_cancelled"));
      await recheck();
    }
  }

  function payBody(channel) {
    const body = { channel };
    const typed = contact.trim();
    if (channel === "yookassa" && typed) {
      body[typed.includes("@") ? "email" : "phone"] = typed;
    }
    return body;
  }

  async function pay(channel) {
    if (paying) {
      return;
    }
    if (channel === "yookassa" && state.receipt_contact_required && !contact.trim()) {
      contactProblem = t("receipt_contact_needed");
      telegram.haptic("error");
      redraw();
      document.getElementById("receipt-contact")?.focus();
      return;
    }
    paying = true;
    contactProblem = null;
    payNote = null;
    redraw();
    try {
      const payment = await api.post(`/orders/${id}/payments`, payBody(channel));
      telegram.haptic("medium");
      if (payment.invoice_link) {
        await afterInvoice(await telegram.openInvoice(payment.invoice_link));
      } else if (payment.confirmation_url) {
        awaitingReturn = true;
        payNote = t("payment_return_hint");
        telegram.openLink(payment.confirmation_url);
      } else {
        await recheck();
      }
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        throw error;
      }
      telegram.haptic("error");
      if (error instanceof ApiError && ["email", "phone", "receipt_contact"].includes(error.field)) {
        contactProblem = error.message;
        state = { ...state, receipt_contact_required: true };
      } else {
        toast(error.message);
      }
      // 409: paid, cancelled or expired meanwhile: show where it is now.
      if (error instanceof ApiError && error.status === 409) {
        state = await api.get(`/orders/${id}`).catch(() => state);
      }
    } finally {
      paying = false;
      redraw();
    }
  }

  function paySection() {
    const channels = state.payment_channels;
    const needsContact = state.receipt_contact_required && channels.includes("yookassa");
    return html`<section class="card pay-card" id="payment">
      <h2 class="section-title">${t("pay_title")}</h2>
      <p>${t("pay_hint", { total: state.total.formatted })}</p>
      ${needsContact
        ? html`<label class="field">
            <span>${t("receipt_contact")}</span>
            <input id="receipt-contact" type="text" inputmode="email" autocomplete="email"
              maxlength="254" .value=${contact}
              aria-invalid=${String(Boolean(contactProblem))}
              @input=${(event) => {
                contact = event.target.value;
                if (contactProblem) {
                  contactProblem = null;
                  redraw();
                }
              }}>
            <small class="hint">${t("receipt_contact_hint")}</small>
          </label>`
        : ""}
      ${contactProblem ? html`<p class="notice error" role="alert">${contactProblem}</p>` : ""}
      ${channels.map(
        (channel, index) => html`<button type="button" data-channel=${channel}
          class=${index ? "button secondary" : "button"}
          ?disabled=${paying} @click=${() => pay(channel)}>${t(CHANNEL_LABELS[channel])}</button>`,
      )}
      ${payNote ? html`<p class="hint" role="status" id="payment-note">${payNote}</p>` : ""}
      ${awaitingReturn
        ? html`<button type="button" class="button" ?disabled=${paying} @click=${recheck}>
            ${t("payment_check")}</button>`
        : ""}
    </section>`;
  }

  function redraw() {
    if (stale()) {
      stopListening();
      return;
    }
    const ready = state.status === "ready_for_pickup";
    const payable = state.status === "pending_payment" && state.payment_channels.length > 0;
    draw(html`${orderHeader(state)}
      <p><a href="#/shop/${state.provider.id}">${state.provider.name}</a></p>
      ${params.get("placed") ? placedNotice(state) : ""}
      ${payable ? paySection() : ""}
      ${ready ? pickup(state) : ""}
      ${state.status === "cancelled" && state.cancel_reason
        ? html`<p class="card notice">${state.cancel_reason}</p>`
        : ""}
      ${orderLines(state)}
      <section class="card">
        <p>${state.fulfilment === "delivery" ? t("fulfilment_delivery") : t("fulfilment_pickup")}
          · ${state.payment_method === "cash" ? t("payment_cash") : t("payment_online")}</p>
        ${state.address ? html`<p class="hint">${state.address}</p>` : ""}
        ${state.delivery_slot ? html`<p class="hint">${state.delivery_slot}</p>` : ""}
        ${state.comment ? html`<p class="hint">${state.comment}</p>` : ""}
      </section>
      ${state.can_resend_files
        ? html`<button type="button" class="button" ?disabled=${busy} @click=${resend}>
            ${t("resend_files")}</button>`
        : ""}
      ${state.can_cancel
        ? html`<button type="button" class="button destructive" ?disabled=${busy} @click=${cancel}>
            ${t("cancel_order")}</button>`
        : ""}
      ${timeline(state.history)}
      <a class="button" href="#/orders">${t("all_orders")}</a>`);
    // The primary action of an unpaid order is paying it (the first way it can be paid).
    if (payable && !awaitingReturn) {
      const channel = state.payment_channels[0];
      telegram.setMainButton(t("pay_main", { total: state.total.formatted }), () => pay(channel));
    } else {
      telegram.hideMainButton();
    }
    if (ready) {
      showQr();
      loadQr();
    }
  }

  redraw();
}
