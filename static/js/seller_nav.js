// Seller mode's shared pieces: whether the person is on a shop's staff (from GET /me), the
// switch into seller mode on the shops screen and the navigation between its screens.
import { html } from "lit-html";
import { t } from "./i18n.js";

let staff = false;

/** Remember what /me said: staff see the switch into seller mode. */
export function rememberStaff(isStaff) {
  staff = Boolean(isStaff);
}

/** The switch into seller mode (nothing for customers). */
export function sellerLink() {
  return staff
    ? html`<a class="chip seller-switch" id="seller-mode" href="#/seller">${t("seller_mode")}</a>`
    : "";
}

/** The tabs of seller mode, `current` marked, and the way back to shopping. */
export function sellerNav(current) {
  const tab = (id, hash, label) => html`<a class="chip" href=${hash}
      aria-current=${current === id ? "page" : "false"}>${label}</a>`;
  return html`<nav class="chips" aria-label=${t("seller_nav")}>
    ${tab("orders", "#/seller", t("nav_orders"))}
    ${tab("scan", "#/seller/scan", t("nav_scan"))}
    ${tab("stock", "#/seller/stock", t("nav_stock"))}
    ${tab("dashboard", "#/seller/dashboard", t("nav_dashboard"))}
    <a class="chip" href="#/">${t("to_shopping")}</a>
  </nav>`;
}
