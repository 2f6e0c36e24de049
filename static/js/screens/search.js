// Search as you type: GET /search, debounced; an older answer never overwrites a newer one.
import { html } from "lit-html";
import { api, ApiError, query } from "../api.js";
import { t } from "../i18n.js";
import { navigate } from "../router.js";
import { failure, skeleton } from "../ui.js";
import { productList } from "./shop.js";

const DEBOUNCE_MS = 300;

export default async function search({ draw, params, stale }) {
  let timer = null;
  let asked = 0;
  let results = html`<p class="hint">${t("search_hint")}</p>`;
  let text = params.get("q") || "";

  const redraw = () =>
    draw(html`
      <label class="search-box">
        <span class="visually-hidden">${t("search_label")}</span>
        <input id="search-input" type="search" placeholder=${t("search_placeholder")}
          autocomplete="off" enterkeyhint="search" .value=${text} @input=${onInput}>
      </label>
      <div class="results" aria-live="polite">${results}</div>
    `);

  async function run(words, number) {
    if (!words.trim()) {
      results = html`<p class="hint">${t("search_hint")}</p>`;
      redraw();
      return;
    }
    results = skeleton(2);
    redraw();
    try {
      const page = await api.get("/search" + query({ q: words.trim().slice(0, 200) }));
      if (number !== asked || stale()) {
        return;
      }
      results = page.items.length
        ? html`<p class="hint">${t("search_results", { count: page.total })}</p>
            ${productList(page.items)}`
        : html`<p class="card notice">${t("search_empty", { query: words.trim() })}</p>`;
    } catch (error) {
      if (number !== asked || stale()) {
        return;
      }
      if (error instanceof ApiError && error.status === 401) {
        throw error;
      }
      results = failure(error, () => run(words, number));
    }
    redraw();
  }

  function onInput(event) {
    text = event.target.value;
    // Keep the words in the URL, so Back from a product returns to the same results.
    navigate("#/search" + query({ q: text }), { replace: true, silent: true });
    window.clearTimeout(timer);
    const number = ++asked;
    timer = window.setTimeout(() => run(text, number), DEBOUNCE_MS);
  }

  redraw();
  document.getElementById("search-input").focus();
  if (text) {
    asked += 1;
    await run(text, asked);
  }
}
