// Seller mode: my shop at a glance (GET /seller/dashboard): sales today, this week and this
// month, the month's best sellers, the balance from the ledger, what waits for me, the rating
// and the latest reviews with a reply form (POST /seller/reviews/{id}/reply).
import { html } from "lit-html";
import { api, ApiError } from "../api.js";
import { t } from "../i18n.js";
import { sellerNav } from "../seller_nav.js";
import * as telegram from "../telegram.js";
import { title, toast } from "../ui.js";

const STARS = 5;

function starsLine(rating) {
  return "★".repeat(rating) + "☆".repeat(STARS - rating);
}

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
  let replying = null; // the id of the review whose reply form is open
  let busy = false;

  async function sendReply(review, form) {
    const text = form.elements.reply.value.trim();
    if (busy || !text) {
      return;
    }
    busy = true;
    try {
      const saved = await api.post(`/seller/reviews/${review.id}/reply`, { text });
      if (!review.reply && !review.hidden) {
        board.reviews.unanswered -= 1; // answered now
      }
      Object.assign(review, saved);
      replying = null;
      telegram.haptic("success");
      toast(t("review_replied"));
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        throw error;
      }
      telegram.haptic("error");
      toast(error.message);
    } finally {
      busy = false;
      redraw();
    }
  }

  function reviewItem(review) {
    return html`<li class="card review" data-review=${review.id}>
      <div class="toolbar">
        <strong>${starsLine(review.rating)}</strong>
        <span class="hint">${t("review_order", { id: review.order_id })}</span>
      </div>
      ${review.hidden ? html`<p class="hint">${t("review_hidden")}</p>` : ""}
      ${review.text ? html`<p>${review.text}</p>` : ""}
      ${review.photo_url ? html`<img class="thumb" src=${review.photo_url} alt="" loading="lazy" />` : ""}
      ${review.reply ? html`<p class="hint reply">${t("review_your_reply", { text: review.reply })}</p>` : ""}
      ${replying === review.id
        ? html`<form class="reply-form" @submit=${(event) => {
            event.preventDefault();
            sendReply(review, event.target);
          }}>
            <label>${t("review_reply_label")}
              <textarea name="reply" maxlength="1000" required .value=${review.reply || ""}></textarea>
            </label>
            <button class="button" type="submit">${t("review_send_reply")}</button>
          </form>`
        : html`<button class="button secondary reply-button" type="button" @click=${() => {
            replying = review.id;
            redraw();
          }}>${t("review_reply")}</button>`}
    </li>`;
  }

  function reviewsSection(reviews) {
    return html`<section class="card" id="reviews">
      <h2 class="section-title">${t("reviews_title")}</h2>
      ${reviews.rating_count
        ? html`<p class="rating">${t("rating_line", { rating: reviews.rating.toFixed(1), count: reviews.rating_count })}</p>`
        : html`<p class="hint">${t("no_reviews")}</p>`}
      ${reviews.unanswered ? html`<p class="hint">${t("unanswered_reviews", { count: reviews.unanswered })}</p>` : ""}
      <ul class="list">${reviews.latest.map(reviewItem)}</ul>
    </section>`;
  }

  function redraw() {
    draw(page());
  }

  function page() {
    return html`${title(t("dashboard_title"))}
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
    </section>
    ${reviewsSection(board.reviews)}`;
  }

  redraw();
}
