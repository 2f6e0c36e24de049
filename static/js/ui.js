// Pieces every screen uses: the toast, skeletons, the error view, the cart badge.
import { html } from "lit-html";
import { t } from "./i18n.js";

const TOAST_MS = 2600;
let toastTimer = null;

/** A short message at the bottom of the screen. */
export function toast(message) {
  const element = document.getElementById("toast");
  element.textContent = message;
  element.hidden = false;
  window.clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => {
    element.hidden = true;
  }, TOAST_MS);
}

/** Grey placeholders of `count` cards while a screen loads. */
export function skeleton(count = 3) {
  return html`<div class="skeleton-list" aria-hidden="true">
      ${Array.from({ length: count }, () => html`<div class="skeleton skeleton-card"></div>`)}
    </div>
    <p class="visually-hidden" role="status">${t("loading")}</p>`;
}

/** A failed load: the server's message and, where trying again may help, a button. */
export function failure(error, retry) {
  const canRetry = retry && (error.status === 0 || error.status >= 500);
  return html`<section class="card notice error" role="alert">
    <p>${error.message || t("server_error")}</p>
    ${canRetry
      ? html`<button type="button" class="button" @click=${retry}>${t("retry")}</button>`
      : html`<a class="button" href="#/">${t("to_shops")}</a>`}
  </section>`;
}

/** A thumbnail in a fixed box (the layout never jumps while images arrive). */
export function thumb(url, alt = "") {
  return url
    ? html`<img class="thumb" src=${url} alt=${alt} loading="lazy" decoding="async" width="72" height="72">`
    : html`<span class="thumb thumb-empty" role="img" aria-label=${t("no_photo")}></span>`;
}

/** The header line of a screen. */
export function title(text) {
  return html`<h1 class="screen-title">${text}</h1>`;
}

let cartCount = 0;

/** How many items the cart holds, as the last answer about it said. */
export function rememberCart(cart) {
  cartCount = cart.items.reduce((sum, line) => sum + line.quantity, 0);
  return cartCount;
}

/** A link to the cart showing how much it holds. */
export function cartLink() {
  const label = cartCount ? t("cart_count", { count: cartCount }) : t("open_cart");
  return html`<a class="chip cart-link" href="#/cart">${label}</a>`;
}
