// A custom product's own part of the product page: the customer uploads a picture (or takes one
// sent to the bot in the chat), the server composes previews on each side of the product, and the
// page shows them (and the 3D model with the front preview as its texture) before "Add to cart".
import { html } from "lit-html";
import { api, ApiError } from "../api.js";
import { t } from "../i18n.js";
import * as telegram from "../telegram.js";
import { toast } from "../ui.js";

const API_ROOT = /^\/api\/v1/;

/** Previews are the person's own: fetched with the Authorization header, shown as blob URLs. */
async function blobUrl(url) {
  return URL.createObjectURL(await api.blob(url.replace(API_ROOT, "")));
}

/**
 * The custom part of product `card`, or null when it has no template. `redraw` repaints the page;
 * `onDesign(design)` runs once previews are shown (the page then offers "Add to cart").
 */
export async function customProduct(card, { redraw, stale, onDesign, modelSupported }) {
  let template;
  try {
    template = await api.get(`/products/${card.id}/template`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      return null;
    }
    throw error;
  }
  let design = null;
  let previews = [];
  let busy = false;
  let viewerReady = false;
  const showModel = Boolean(template.model_url) && modelSupported;

  async function accept(request) {
    if (busy) {
      return;
    }
    busy = true;
    redraw();
    try {
      const made = await request();
      const urls = await Promise.all(made.previews.map((preview) => blobUrl(preview.url)));
      previews.forEach((preview) => URL.revokeObjectURL(preview.src));
      previews = made.previews.map((preview, index) => ({ ...preview, src: urls[index] }));
      design = made;
      telegram.haptic("success");
      onDesign(design);
      if (showModel && !viewerReady) {
        await import("model-viewer");
        viewerReady = true;
      }
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        throw error;
      }
      telegram.haptic("error");
      toast(error.message);
    } finally {
      busy = false;
      if (!stale()) {
        redraw();
      }
    }
  }

  function onFile(event) {
    const input = event.currentTarget;
    const file = input.files && input.files[0];
    input.value = "";
    if (!file) {
      return;
    }
    const form = new FormData();
    form.append("file", file, file.name || "picture");
    accept(() => api.upload(`/products/${card.id}/designs`, form));
  }

  function fromChat() {
    accept(() => api.post(`/products/${card.id}/designs/from-chat`, {}));
  }

  async function textureModel(event) {
    // The front preview becomes the base colour texture of the model's first material.
    const viewer = event.currentTarget;
    const material = viewer.model && viewer.model.materials[0];
    if (!material || !previews.length) {
      return;
    }
    const texture = await viewer.createTexture(previews[0].src);
    material.pbrMetallicRoughness.baseColorTexture.setTexture(texture);
    viewer.dataset.textured = "true";
  }

  function previewCards() {
    if (busy) {
      return html`<p class="hint" role="status">${t("custom_working")}</p>
        <div class="preview-grid" aria-hidden="true">
          ${template.images.map(() => html`<div class="preview-card skeleton"></div>`)}
        </div>`;
    }
    if (!design) {
      return "";
    }
    return html`<h3>${t("custom_previews")}</h3>
      <div class="preview-grid" id="design-previews">
        ${previews.map(
          (preview) => html`<figure class="preview-card">
            <img src=${preview.src} width="400" height="300" decoding="async"
              alt=${t("custom_preview_alt", { name: preview.name })}>
            <figcaption>${preview.name}</figcaption>
          </figure>`,
        )}
        ${showModel && viewerReady
          ? html`<figure class="preview-card">
              <model-viewer id="design-model" src=${template.model_url} loading="eager" camera-controls
                touch-action="pan-y" interaction-prompt="none"
                alt=${t("custom_model_alt", { title: card.title })}
                @load=${textureModel}></model-viewer>
              <figcaption>${t("custom_3d")}</figcaption>
            </figure>`
          : ""}
      </div>`;
  }

  return {
    designId: () => (design ? design.id : null),
    view: () => html`<section class="card custom-product" aria-labelledby="custom-title">
      <h2 id="custom-title">${t("custom_title")}</h2>
      <p class="hint">${t("custom_hint", { size: Math.floor(template.limits.max_bytes / 2 ** 20) })}</p>
      <div class="custom-actions">
        <label class="button upload-button">
          ${t("custom_upload")}
          <input id="design-file" type="file" accept=${template.limits.formats.join(",")}
            ?disabled=${busy} @change=${onFile}>
        </label>
        <button type="button" class="button secondary" ?disabled=${busy} @click=${fromChat}>
          ${t("custom_from_chat")}</button>
      </div>
      ${previewCards()}
    </section>`,
  };
}
