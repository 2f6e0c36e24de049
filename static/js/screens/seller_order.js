// Seller mode: one order of my shop (GET /seller/orders/{id}) with its next steps, the same as
// the chat's buttons (POST /seller/orders/{id}/status). The forward step is the MainButton;
// cancelling asks for the reason the customer reads.
import { html } from "lit-html";
import { api, ApiError } from "../api.js";
import { t } from "../i18n.js";
import { orderHeader, orderLines, when } from "../order_card.js";
import { sellerNav } from "../seller_nav.js";
import * as telegram from "../telegram.js";
import { toast } from "../ui.js";

function details(order) {
  return html`<section class="card">
    <p>${order.fulfilment === "delivery" ? t("fulfilment_delivery") : t("fulfilment_pickup")}
      · ${order.payment_method === "cash" ? t("payment_cash") : t("payment_online")}
      ${order.payment_method === "cash" && order.cash_confirmed ? html` · ${t("cash_received")}` : ""}</p>
    ${order.customer_name ? html`<p>${t("seller_customer", { name: order.customer_name })}</p>` : ""}
    ${order.phone ? html`<p><a href="tel:${order.phone}">${order.phone}</a></p>` : ""}
    ${order.address ? html`<p class="hint">${order.address}</p>` : ""}
    ${order.delivery_slot ? html`<p class="hint">${order.delivery_slot}</p>` : ""}
    ${order.comment ? html`<p class="hint">${order.comment}</p>` : ""}
  </section>`;
}

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

export default async function sellerOrder({ id, draw, stale }) {
  let state = await api.get(`/seller/orders/${id}`);
  let busy = false;
  let cancelling = false;
  let reason = "";

  async function move(action) {
    if (busy) {
      return;
    }
    if (action.needs_reason && !reason.trim()) {
      cancelling = true;
      toast(t("cancel_reason_needed"));
      redraw();
      return;
    }
    busy = true;
    redraw();
    try {
      const body = { status: action.status };
      if (action.needs_reason) {
        body.reason = reason.trim();
      }
      state = await api.post(`/seller/orders/${id}/status`, body);
      cancelling = false;
      reason = "";
      telegram.haptic("success");
      toast(t("status_changed", { id, status: state.status_name }));
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        throw error;
      }
      telegram.haptic("error");
      toast(error.message);
      // 409: the order moved on meanwhile (in the chat, by the customer): show it as it is.
      if (error instanceof ApiError && error.status === 409) {
        state = await api.get(`/seller/orders/${id}`).catch(() => state);
      }
    } finally {
      busy = false;
      redraw();
    }
  }

  function redraw() {
    if (stale()) {
      return;
    }
    const forward = state.actions.filter((action) => !action.needs_reason);
    const cancel = state.actions.find((action) => action.needs_reason);
    if (forward.length) {
      telegram.setMainButton(forward[0].label, () => move(forward[0]));
    } else {
      telegram.hideMainButton();
    }
    telegram.confirmClosing(cancelling && Boolean(reason));
    draw(html`${orderHeader(state)}
      ${sellerNav("orders")}
      <p class="hint">${state.provider.name} · ${when(state.created_at)}</p>
      ${state.status === "cancelled" && state.cancel_reason
        ? html`<p class="card notice">${state.cancel_reason}</p>`
        : ""}
      ${orderLines(state)}
      ${details(state)}
      ${state.actions.length
        ? html`<section class="card" id="seller-actions">
            <h2 class="section-title">${t("seller_actions")}</h2>
            ${forward.map(
              (action) => html`<button type="button" class="button" ?disabled=${busy}
                data-status=${action.status} @click=${() => move(action)}>${action.label}</button>`,
            )}
            ${cancel && cancelling
              ? html`<label class="field">${t("cancel_reason_label")}
                  <textarea id="cancel-reason" rows="2" maxlength="500" .value=${reason}
                    @input=${(event) => { reason = event.target.value; }}></textarea></label>`
              : ""}
            ${cancel
              ? html`<button type="button" class="button destructive" ?disabled=${busy}
                  data-status=${cancel.status} @click=${() => move(cancel)}>${cancel.label}</button>`
              : ""}
          </section>`
        : ""}
      ${timeline(state.history)}
      <a class="button secondary" href="#/seller">${t("nav_orders")}</a>`);
  }

  redraw();
}
