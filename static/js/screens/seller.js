// Seller mode: the orders of my shops (GET /seller/orders) by list and day, newest first, a
// page at a time; the MainButton opens the pickup scanner.
import { html } from "lit-html";
import { api, query } from "../api.js";
import { t } from "../i18n.js";
import { orderRow } from "../order_card.js";
import { navigate } from "../router.js";
import { sellerNav } from "../seller_nav.js";
import * as telegram from "../telegram.js";
import { title } from "../ui.js";

const FILTERS = ["open", "new", "ready", "completed", "all"];

/** A list's chip label (spelled out, so the page's texts are known to hold every key). */
function filterName(name) {
  return {
    open: t("filter_open"),
    new: t("filter_new"),
    ready: t("filter_ready"),
    completed: t("filter_completed"),
    all: t("filter_all"),
  }[name];
}

function row(order) {
  return orderRow(order, {
    href: `#/seller/order/${order.id}`,
    who: order.customer_name || "—",
    extra: order.fulfilment === "delivery" ? t("fulfilment_delivery") : t("fulfilment_pickup"),
  });
}

export default async function seller({ params, draw, stale }) {
  const status = FILTERS.includes(params.get("status")) ? params.get("status") : "open";
  const today = params.get("today") === "1";
  const ask = (page) =>
    api.get("/seller/orders" + query({ status, today: today ? "true" : null, page }));
  let page = await ask(1);
  const items = [...page.items];
  let busy = false;
  let problem = null;
  telegram.setMainButton(t("scan"), () => navigate("#/seller/scan"));

  const go = (next, day) =>
    navigate("#/seller" + query({ status: next, today: day ? "1" : null }), { replace: true });

  async function more() {
    busy = true;
    problem = null;
    redraw();
    try {
      page = await ask(page.page + 1);
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
    draw(html`${title(t("seller_title"))}
      ${sellerNav("orders")}
      <div class="chips" role="group" aria-label=${t("seller_filters")} id="seller-filters">
        ${FILTERS.map(
          (name) => html`<button type="button" class="chip" aria-pressed=${String(name === status)}
            @click=${() => go(name, today)}>${filterName(name)}</button>`,
        )}
        <button type="button" class="chip" aria-pressed=${String(today)}
          @click=${() => go(status, !today)}>${t("filter_today")}</button>
      </div>
      ${items.length
        ? html`<ul class="list" id="seller-orders">${items.map(row)}</ul>`
        : html`<p class="card notice">${t("seller_no_orders")}</p>`}
      ${problem ? html`<p class="card notice error" role="alert">${problem.message}</p>` : ""}
      ${page.page < page.pages
        ? html`<button type="button" class="button secondary" ?disabled=${busy} @click=${more}>
            ${t("show_more")}</button>`
        : ""}`);
  }

  redraw();
}
