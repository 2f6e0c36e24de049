// The cart (the same one as in the chat): quantities, removal, what changed since it was
// filled; the MainButton goes to checkout, the SecondaryButton back to the shop.
import { html } from "lit-html";
import { api } from "../api.js";
import { t } from "../i18n.js";
import { navigate } from "../router.js";
import * as telegram from "../telegram.js";
import { rememberCart, thumb, title, toast } from "../ui.js";

export default async function cart({ draw, stale }) {
  let state = await api.get("/cart");
  let busy = false;

  async function change(action, feedback) {
    if (busy) {
      return;
    }
    busy = true;
    redraw();
    try {
      state = await action();
      rememberCart(state);
      telegram.haptic(feedback);
    } catch (error) {
      telegram.haptic("error");
      toast(error.message);
    } finally {
      busy = false;
      if (!stale()) {
        redraw();
      }
    }
  }

  const setQuantity = (line, quantity) =>
    change(() => api.patch(`/cart/items/${line.product_id}`, { quantity }), "light");
  const remove = (line) =>
    change(async () => {
      const answer = await api.delete(`/cart/items/${line.product_id}`);
      toast(t("removed"));
      return answer;
    }, "medium");
  const acknowledge = () => change(() => api.post("/cart/acknowledge"), "success");

  const row = (line) => html`<li class="card cart-line">
    <a class="cart-product" href="#/product/${line.product_id}">
      ${thumb(line.thumbnail_url)}
      <span class="product-text">
        <strong class="clamp">${line.title}</strong>
        <span class="price">${line.price.formatted}</span>
        ${line.available ? "" : html`<span class="hint error-text">${t("unavailable")}</span>`}
      </span>
    </a>
    <div class="stepper" role="group" aria-label=${t("quantity", { title: line.title })}>
      <button type="button" class="step" aria-label=${t("decrease")} ?disabled=${busy}
        @click=${() => (line.quantity > 1 ? setQuantity(line, line.quantity - 1) : remove(line))}>−</button>
      <output class="quantity">${line.quantity}</output>
      <button type="button" class="step" aria-label=${t("increase")} ?disabled=${busy}
        @click=${() => setQuantity(line, line.quantity + 1)}>+</button>
      <button type="button" class="link-button" ?disabled=${busy} @click=${() => remove(line)}>
        ${t("remove")}</button>
    </div>
  </li>`;

  const shopHash = () => (state.provider ? `#/shop/${state.provider.id}` : "#/");

  function redraw() {
    if (stale()) {
      return;
    }
    const empty = !state.items.length;
    // The alternative to checkout: back to the shop, on Telegram's own button where it has one.
    const secondary =
      !empty && telegram.setSecondaryButton(t("continue_shopping"), () => navigate(shopHash()));
    if (empty) {
      telegram.hideSecondaryButton();
    }
    draw(html`
      ${title(t("cart_title"))}
      ${state.provider ? html`<p><a href="#/shop/${state.provider.id}">${state.provider.name}</a></p>` : ""}
      ${state.changes.length
        ? html`<section class="card notice warning" role="alert">
            ${state.changes.map((c) => html`<p>${c.message}</p>`)}
            <button type="button" class="button" ?disabled=${busy} @click=${acknowledge}>
              ${t("acknowledge")}</button>
          </section>`
        : ""}
      ${empty
        ? html`<p class="card notice">${t("cart_empty")}</p>
            <a class="button" href="#/">${t("to_shops")}</a>`
        : html`<ul class="list">${state.items.map(row)}</ul>
            <p class="total" id="cart-total">${t("cart_total", { total: state.total.formatted })}</p>
            ${secondary ? "" : html`<a class="button secondary" href=${shopHash()}>${t("continue_shopping")}</a>`}`}
    `);
    // Checkout waits until the changes are seen: the server refuses it before that.
    if (empty || state.changes.length) {
      telegram.hideMainButton();
    } else {
      telegram.setMainButton(t("checkout", { total: state.total.formatted }), () =>
        navigate("#/checkout"),
      );
    }
  }

  rememberCart(state);
  redraw();
}
