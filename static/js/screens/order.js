// One order (GET /orders/{id}): lines, totals, the status timeline, and what the person can do
// with it now: cancel (after Telegram's confirmation), have the files sent again, show the
// pickup QR code when it is ready for pickup.
import { html } from "lit-html";
import { api, ApiError } from "../api.js";
import { t } from "../i18n.js";
import * as telegram from "../telegram.js";
import { title, toast } from "../ui.js";
import { when } from "./orders.js";

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

function lines(order) {
  return html`<section class="card">
    <ul class="order-lines">
      ${order.items.map(
        (item) => html`<li class="toolbar">
          <span>${item.title} × ${item.quantity}
            ${item.personal_text ? html`<span class="hint">«${item.personal_text}»</span>` : ""}</span>
          <span class="price">${item.subtotal.formatted}</span>
        </li>`,
      )}
    </ul>
    ${order.delivery_fee.amount
      ? html`<p class="hint">${t("delivery_fee", { fee: order.delivery_fee.formatted })}</p>`
      : ""}
    <p class="total">${t("cart_total", { total: order.total.formatted })}</p>
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

  function redraw() {
    if (stale()) {
      return;
    }
    const ready = state.status === "ready_for_pickup";
    draw(html`<div class="toolbar">${title(t("order_number", { id: state.id }))}
        <span class="badge" id="order-status">${state.status_name}</span></div>
      <p><a href="#/shop/${state.provider.id}">${state.provider.name}</a></p>
      ${params.get("placed") ? placedNotice(state) : ""}
      ${ready ? pickup(state) : ""}
      ${state.status === "cancelled" && state.cancel_reason
        ? html`<p class="card notice">${state.cancel_reason}</p>`
        : ""}
      ${lines(state)}
      <section class="card">
        <p>${state.fulfilment === "delivery" ? t("fulfilment_delivery") : t("fulfilment_pickup")}
          · ${state.payment_method === "cash" ? t("payment_cash") : t("payment_online")}</p>
        ${state.address ? html`<p class="hint">${state.address}</p>` : ""}
        ${state.delivery_slot ? html`<p class="hint">${state.delivery_slot}</p>` : ""}
        ${state.comment ? html`<p class="hint">${state.comment}</p>` : ""}
        ${state.payment_channels.length ? html`<p class="hint">${t("pay_in_chat")}</p>` : ""}
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
    if (ready) {
      showQr();
      loadQr();
    }
  }

  redraw();
}
