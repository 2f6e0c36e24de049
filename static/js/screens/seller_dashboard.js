// Seller mode: my shop at a glance (GET /seller/dashboard): sales today, this week and this
// month, the month's best sellers, the balance from the ledger, what waits for me.
import { html } from "lit-html";
import { api } from "../api.js";
import { t } from "../i18n.js";
import { sellerNav } from "../seller_nav.js";
import { title } from "../ui.js";

function periodName(period) {
  return { today: t("sales_today"), week: t("sales_week"), month: t("sales_month") }[period];
}

function sales(period) {
  const revenue = period.revenue.map((money) => money.formatted).join(" · ");
  return html`<li class="card sales" data-period=${period.period}>
    <span class="hint">${periodName(period.period)}</span>
    <strong class="price big">${revenue || t("sales_none")}</strong>
    <span class="hint">${t("sales_orders", { count: period.orders })}</span>
  </li>`;
}

export default async function sellerDashboard({ draw }) {
  const board = await api.get("/seller/dashboard");
  draw(html`${title(t("dashboard_title"))}
    ${sellerNav("dashboard")}
    <p class="hint">${board.provider.name}</p>
    <ul class="list" id="sales">${board.sales.map(sales)}</ul>
    <nav class="chips">
      <a class="chip" href="#/seller?status=new">${t("waiting_orders", { count: board.waiting_orders })}</a>
      <a class="chip" href="#/seller/stock">${t("low_stock_count", { count: board.low_stock })}</a>
    </nav>
    <section class="card" id="balance">
      <h2 class="section-title">${t("balance")}</h2>
      ${board.balances.length
        ? board.balances.map(
            (balance) => html`<p>${t("balance_available", { amount: balance.available.formatted })}</p>
              ${balance.on_hold.amount
                ? html`<p class="hint">${t("balance_on_hold", { amount: balance.on_hold.formatted })}</p>`
                : ""}`,
          )
        : html`<p class="hint">${t("balance_empty")}</p>`}
    </section>
    <section class="card" id="top-products">
      <h2 class="section-title">${t("top_products")}</h2>
      ${board.top_products.length
        ? html`<ol class="order-lines">
            ${board.top_products.map(
              (top) => html`<li class="toolbar"><span>${top.title}</span>
                <span class="hint">${t("sold_count", { count: top.quantity, revenue: top.revenue.formatted })}</span></li>`,
            )}
          </ol>`
        : html`<p class="hint">${t("sales_none")}</p>`}
    </section>`);
}
