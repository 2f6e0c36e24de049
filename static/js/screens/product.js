// A product: swipeable photos (lazy, in fixed boxes), the 3D model where there is one, stock,
// the seller's legal details; the MainButton adds it to the cart (with the customer's own text
// for a product made with one: the same rule and limit as the chat's).
import { html } from "lit-html";
import { api, ApiError } from "../api.js";
import { t } from "../i18n.js";
import * as telegram from "../telegram.js";
import { cartLink, rememberCart, toast } from "../ui.js";
import { customProduct } from "./custom.js";

function webglWorks() {
  try {
    const canvas = document.createElement("canvas");
    return Boolean(canvas.getContext("webgl2") || canvas.getContext("webgl"));
  } catch (error) {
    return false;
  }
}

function gallery(product, onScroll, current) {
  const photos = product.photos;
  if (!photos.length) {
    return html`<div class="gallery-box"><span class="thumb-empty gallery-empty" role="img"
      aria-label=${t("no_photo")}></span></div>`;
  }
  return html`<div class="gallery-box">
    <div class="gallery" tabindex="0" role="group" aria-label=${t("photos_label", { title: product.title })}
      @scroll=${onScroll}>
      ${photos.map(
        (photo, index) => html`<figure class="slide">
          <img src=${photo.url} loading=${index ? "lazy" : "eager"} decoding="async"
            width="600" height="600"
            alt=${t("photo_alt", { title: product.title, number: index + 1, total: photos.length })}>
        </figure>`,
      )}
    </div>
    ${photos.length > 1
      ? html`<div class="dots" aria-hidden="true">
          ${photos.map((_, index) => html`<span class=${index === current ? "dot active" : "dot"}></span>`)}
        </div>`
      : ""}
  </div>`;
}

export default async function product({ id, draw, stale }) {
  const card = await api.get(`/products/${id}`);
  const seller = await api.get(`/providers/${card.provider.id}`).catch((error) => {
    if (error instanceof ApiError && error.status === 401) {
      throw error;
    }
    return null; // the card still shows; only the legal details are missing
  });
  const hasModel = Boolean(card.model_url) && webglWorks();
  const showAddButton = () =>
    telegram.setMainButton(t("add_to_cart", { price: card.price.formatted }), () => addToCart());
  // A custom product goes into the cart with the customer's picture, once its previews are shown.
  const custom =
    card.kind === "custom"
      ? await customProduct(card, {
          redraw: () => redraw(),
          stale,
          onDesign: showAddButton,
          modelSupported: webglWorks(),
        })
      : null;
  let view = hasModel ? "model" : "photos";
  let slide = 0;
  let modelReady = false;
  let fullscreen = false;
  let broken = false;
  let personalText = "";
  let sharing = false;

  function onScroll(event) {
    const box = event.currentTarget;
    const index = Math.round(box.scrollLeft / Math.max(box.clientWidth, 1));
    if (index !== slide) {
      slide = index;
      telegram.haptic("select");
      redraw();
    }
  }

  function modelFailed() {
    broken = true;
    view = "photos";
    toast(t("model_failed"));
    redraw();
  }

  async function toggleFullscreen() {
    const box = document.getElementById("model-box");
    if (document.fullscreenElement) {
      await document.exitFullscreen();
    } else if (box && box.requestFullscreen) {
      await box.requestFullscreen();
    }
  }

  const onFullscreenChange = () => {
    if (stale()) {
      document.removeEventListener("fullscreenchange", onFullscreenChange);
      return;
    }
    fullscreen = Boolean(document.fullscreenElement);
    redraw();
  };
  document.addEventListener("fullscreenchange", onFullscreenChange);

  function modelView() {
    if (!modelReady) {
      return html`<div class="gallery-box skeleton" aria-hidden="true"></div>`;
    }
    const canFullscreen = Boolean(document.fullscreenEnabled && HTMLElement.prototype.requestFullscreen);
    return html`<div class="gallery-box model-box" id="model-box">
      <model-viewer id="product-model" src=${card.model_url} poster=${card.photo_url || ""}
        alt=${t("model_alt", { title: card.title })} loading="lazy" reveal="auto"
        camera-controls touch-action="pan-y" interaction-prompt="none" shadow-intensity="0.6"
        @error=${modelFailed}></model-viewer>
      ${canFullscreen
        ? html`<button type="button" class="chip overlay" @click=${toggleFullscreen}>
            ${fullscreen ? t("exit_fullscreen") : t("fullscreen")}</button>`
        : ""}
    </div>
    <p class="hint">${t("model_hint")}</p>`;
  }

  const switcher = () =>
    hasModel && !broken
      ? html`<div class="chips" role="group">
          <button type="button" class="chip" aria-pressed=${String(view === "model")}
            @click=${() => ((view = "model"), redraw())}>${t("show_model")}</button>
          <button type="button" class="chip" aria-pressed=${String(view === "photos")}
            @click=${() => ((view = "photos"), redraw())}>${t("show_photos")}</button>
        </div>`
      : "";

  const redraw = () =>
    draw(html`
      <div class="toolbar"><a class="chip" href="#/shop/${card.provider.id}">${card.provider.name}</a>
        ${cartLink()}</div>
      ${view === "model" ? modelView() : gallery(card, onScroll, slide)}
      ${switcher()}
      <h1 class="screen-title">${card.title}</h1>
      <p class="price big">${card.price.formatted}</p>
      <p class="stock-${card.stock.state}">${card.stock.label}</p>
      ${card.description ? html`<p class="description">${card.description}</p>` : ""}
      ${custom ? custom.view() : ""}
      ${card.personal_text ? personalField(card.personal_text) : ""}
      <button type="button" class="button secondary share" ?disabled=${sharing} @click=${share}>
        ${t("share_product")}</button>
      <section class="card legal-info" aria-label=${t("seller")}>
        <h2>${t("seller")}</h2>
        <p>${card.provider.name}</p>
        ${seller && seller.legal_name ? html`<p class="hint">${seller.legal_name}</p>` : ""}
        ${seller && seller.inn ? html`<p class="hint">${t("inn", { inn: seller.inn })}</p>` : ""}
        ${card.sku ? html`<p class="hint">${t("sku", { sku: card.sku })}</p>` : ""}
      </section>
    `);

  function personalField(option) {
    return html`<label class="card field">
      <span>${option.prompt}</span>
      <textarea id="personal-text" rows="2" maxlength=${option.max_length} .value=${personalText}
        @input=${(event) => {
          personalText = event.target.value;
          telegram.confirmClosing(Boolean(personalText.trim()));
        }}></textarea>
      <small class="hint">${t("personal_text_limit", { max: option.max_length })}</small>
    </label>`;
  }

  /** "Send to a friend": the server prepares the card; Telegram lets the person pick a chat. */
  async function share() {
    if (sharing) {
      return;
    }
    sharing = true;
    redraw();
    try {
      const prepared = await api.post(`/products/${card.id}/share`);
      if (telegram.canShareMessage()) {
        if (await telegram.shareMessage(prepared.prepared_message_id)) {
          telegram.haptic("success");
          toast(t("shared"));
        }
      } else {
        telegram.shareLink(prepared.link, card.title);
      }
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        throw error;
      }
      telegram.haptic("error");
      toast(error.message);
    } finally {
      sharing = false;
      if (!stale()) {
        redraw();
      }
    }
  }

  async function addToCart(replace = false) {
    const body = { product_id: card.id, quantity: 1, replace };
    if (card.personal_text) {
      body.personal_text = personalText.trim();
      if (!body.personal_text) {
        telegram.haptic("error");
        toast(t("personal_text_needed", { max: card.personal_text.max_length }));
        document.getElementById("personal-text")?.focus();
        return;
      }
    }
    if (custom) {
      body.design_id = custom.designId();
    }
    try {
      const cart = await api.post("/cart/items", body);
      const count = rememberCart(cart);
      telegram.confirmClosing(false);
      telegram.haptic("success");
      toast(t("added_to_cart") + " " + t("in_cart", { count }));
      if (!stale()) {
        redraw();
      }
    } catch (error) {
      if (error instanceof ApiError && error.code === "other_provider_in_cart" && !replace) {
        if (await telegram.confirm(t("other_shop_in_cart"))) {
          await addToCart(true);
        }
        return;
      }
      telegram.haptic("error");
      toast(error.message);
    }
  }

  redraw();
  if (card.stock.state !== "sold_out" && !custom) {
    showAddButton();
  }
  if (hasModel) {
    // model-viewer (with three.js) is large: loaded only for a product that has a model.
    try {
      await import("model-viewer");
      modelReady = true;
    } catch (error) {
      broken = true; // no viewer (a failed download): the photos, without the 3D switch
      view = "photos";
    }
    if (!stale()) {
      redraw();
    }
  }
}
