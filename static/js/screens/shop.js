// A shop or tutor: its categories as chips and its products, a page at a time.
import { html } from "lit-html";
import { api, query } from "../api.js";
import { t } from "../i18n.js";
import { navigate } from "../router.js";
import { cartLink, thumb, title } from "../ui.js";

/** Products as rows linking to their pages (also used by search). */
export function productList(items) {
  return html`<ul class="list products">
    ${items.map(
      (product) => html`<li>
        <a class="card row-link product-row" href="#/product/${product.id}">
          ${thumb(product.thumbnail_url)}
          <span class="product-text">
            <strong class="clamp">${product.title}</strong>
            <span class="price">${product.price.formatted}</span>
            <span class="hint stock-${product.stock.state}">${product.stock.label}</span>
          </span>
        </a>
      </li>`,
    )}
  </ul>`;
}

export default async function shop({ id, params, draw, stale }) {
  const category = Number(params.get("category")) || null;
  const [provider, first] = await Promise.all([
    api.get(`/providers/${id}`),
    api.get(`/providers/${id}/products` + query({ category })),
  ]);
  const items = [...first.items];
  let page = first;
  let loadingMore = false;

  async function more() {
    loadingMore = true;
    redraw();
    try {
      page = await api.get(`/providers/${id}/products` + query({ category, page: page.page + 1 }));
      items.push(...page.items);
    } finally {
      loadingMore = false;
      if (!stale()) {
        redraw();
      }
    }
  }

  const chip = (value, label) => html`<button type="button" class="chip"
      aria-pressed=${String(category === value)}
      @click=${() => navigate(`#/shop/${id}` + query({ category: value }), { replace: true })}>
      ${label}</button>`;

  const redraw = () =>
    draw(html`
      <div class="toolbar">${title(provider.name)} ${cartLink()}</div>
      ${provider.description ? html`<p class="hint">${provider.description}</p>` : ""}
      ${provider.categories.length > 1
        ? html`<nav class="chips" aria-label=${t("categories")}>
            ${chip(null, t("all_categories"))}
            ${provider.categories.map((c) => chip(c.id, c.title))}
          </nav>`
        : ""}
      ${items.length ? productList(items) : html`<p class="card notice">${t("no_products")}</p>`}
      ${page.page < page.pages
        ? html`<button type="button" class="button secondary" ?disabled=${loadingMore}
            @click=${more}>${t("show_more")}</button>`
        : ""}
    `);
  redraw();
}
