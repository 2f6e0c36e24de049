// An order drawn the same way wherever it is shown — the person's orders and order page, the
// seller's orders and order page: its number and status badge, its lines, delivery fee and
// total, and its row in a list.
import { html } from "lit-html";
import { t } from "./i18n.js";
import { title } from "./ui.js";

/** A date and time in the page's language. */
export function when(iso) {
  return new Date(iso).toLocaleString(document.documentElement.lang, {
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
  });
}

/** An order's row in a list: number and status, `who` · total, the date and `extra`. */
export function orderRow(order, { href, who, extra = "" }) {
  return html`<li>
    <a class="card row-link order-row" href=${href}>
      <span class="toolbar">
        <strong>${t("order_number", { id: order.id })}</strong>
        <span class="badge">${order.status_name}</span>
      </span>
      <span>${who} · ${order.total.formatted}</span>
      <span class="hint">${when(order.created_at)}${extra ? html` · ${extra}` : ""}</span>
    </a>
  </li>`;
}

/** The head of an order's page: its number as the title, and its status. */
export function orderHeader(order) {
  return html`<div class="toolbar">${title(t("order_number", { id: order.id }))}
    <span class="badge" id="order-status">${order.status_name}</span></div>`;
}

/** An order's lines (with the personal text of each), the delivery fee and the total. */
export function orderLines(order) {
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
