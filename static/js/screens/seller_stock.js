// Seller mode: products of my shops running out (GET /seller/low-stock), fewest first.
import { html } from "lit-html";
import { api } from "../api.js";
import { t } from "../i18n.js";
import { sellerNav } from "../seller_nav.js";
import { title } from "../ui.js";

export default async function sellerStock({ draw }) {
  const low = await api.get("/seller/low-stock");
  draw(html`${title(t("low_stock_title"))}
    ${sellerNav("stock")}
    ${low.items.length
      ? html`<ul class="list" id="low-stock">
          ${low.items.map(
            (item) => html`<li class="card">
              <strong>${item.title}</strong>
              <span class="hint ${item.stock ? "" : "stock-sold_out"}">
                ${t("low_stock_line", { count: item.stock, threshold: item.threshold })}</span>
              <span class="hint">${item.provider.name}</span>
            </li>`,
          )}
        </ul>`
      : html`<p class="card notice">${t("low_stock_empty")}</p>`}`);
}
