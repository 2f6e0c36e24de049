// The root screen: every open shop and tutor, a search field and the cart.
import { html } from "lit-html";
import { api } from "../api.js";
import { t } from "../i18n.js";
import { cartLink, title } from "../ui.js";
import { sellerLink } from "../seller_nav.js";

function storefront(shop) {
  return html`<li>
    <a class="card row-link storefront" href="#/shop/${shop.id}">
      <span class="badge">${shop.kind === "tutor" ? t("kind_tutor") : t("kind_shop")}</span>
      <strong class="storefront-name">${shop.name}</strong>
      ${shop.description ? html`<span class="hint clamp">${shop.description}</span>` : ""}
    </a>
  </li>`;
}

export default async function shops({ draw }) {
  const catalog = await api.get("/catalog");
  draw(html`
    <div class="toolbar">${title(t("shops_title"))} ${cartLink()}</div>
    <nav class="chips" aria-label=${t("account_nav")}>
      <a class="chip" href="#/orders">${t("my_orders")}</a>
      <a class="chip" href="#/profile">${t("profile_title")}</a>
      ${sellerLink()}
      <a class="chip" href="#/homework">${t("hw_title")}</a>
      <a class="chip" href="#/tutors">${t("bk_tutors_title")}</a>
      <a class="chip" href="#/lessons">${t("bk_lessons_title")}</a>
    </nav>
    <a class="search-box search-link" href="#/search" aria-label=${t("search_label")}>
      ${t("search_placeholder")}</a>
    ${catalog.items.length
      ? html`<ul class="list">${catalog.items.map(storefront)}</ul>`
      : html`<p class="card notice">${t("no_shops")}</p>`}
  `);
}
