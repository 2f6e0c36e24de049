// The person's orders, newest first (GET /orders, a page at a time with "Show more").
import { html } from "lit-html";
import { api, query } from "../api.js";
import { t } from "../i18n.js";
import { orderRow, when } from "../order_card.js";
import { title } from "../ui.js";

export { when }; // other screens imported it from here before the order card moved

function row(order) {
  return orderRow(order, { href: `#/order/${order.id}`, who: order.provider.name });
}

export default async function orders({ draw, stale }) {
  let page = await api.get("/orders");
  const items = [...page.items];
  let busy = false;
  let problem = null;

  async function more() {
    busy = true;
    problem = null;
    redraw();
    try {
      page = await api.get("/orders" + query({ page: page.page + 1 }));
      const known = new Set(items.map((order) => order.id));
      items.push(...page.items.filter((order) => !known.has(order.id)));
    } catch (error) {
      problem = error;
    } finally {
      busy = false;
      redraw();
    }
  }

  function redraw() {
    if (stale()) {
      return;
    }
    draw(html`${title(t("orders_title"))}
      ${items.length
        ? html`<ul class="list" id="orders">${items.map(row)}</ul>`
        : html`<p class="card notice">${t("no_orders")}</p>
            <a class="button" href="#/">${t("to_shops")}</a>`}
      ${problem ? html`<p class="card notice error" role="alert">${problem.message}</p>` : ""}
      ${page.page < page.pages
        ? html`<button type="button" class="button" ?disabled=${busy} @click=${more}>
            ${t("show_more")}</button>`
        : ""}`);
  }

  redraw();
}
