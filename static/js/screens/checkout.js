// Checkout with the options the checkout service offers (GET /checkout/options): pickup or
// delivery with a slot, address ("use my location" through Telegram's LocationManager) and
// phone (shared from Telegram where it can), cash or online, a comment. The MainButton places
// the order (POST /checkout, one Idempotency-Key per visit, so a repeated press places one)
// and opens it (the order screen, which then replaces checkout in the history).
import { html } from "lit-html";
import { api, ApiError } from "../api.js";
import { t } from "../i18n.js";
import { navigate } from "../router.js";
import * as telegram from "../telegram.js";
import { rememberCart, title, toast } from "../ui.js";

function newKey() {
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export default async function checkout({ draw, stale }) {
  const [offer, cart] = await Promise.all([api.get("/checkout/options"), api.get("/cart")]);
  const key = newKey();
  const form = {
    fulfilment: offer.fulfilments[0] || null,
    payment_method: offer.payment_methods[0] || null,
    delivery_slot: offer.delivery_slots.length ? offer.delivery_slots[0].id : null,
    address: "",
    phone: "",
    comment: "",
    latitude: null,
    longitude: null,
  };
  let problem = null;
  let asking = false; // Telegram is asking the person for their phone or location

  const pick = (name, value) => {
    form[name] = value;
    problem = null;
    telegram.haptic("select");
    redraw();
  };
  const typed = (name) => (event) => {
    form[name] = event.target.value;
    // Typed text would be lost by closing the Mini App: Telegram asks first.
    telegram.confirmClosing(Boolean(form.address || form.phone || form.comment));
  };

  const radio = (name, value, label) => html`<label class="option">
    <input type="radio" name=${name} .checked=${form[name] === value} @change=${() => pick(name, value)}>
    <span>${label}</span></label>`;

  function body() {
    const request = {
      fulfilment: form.fulfilment,
      payment_method: form.payment_method,
      comment: form.comment.trim(),
    };
    if (form.fulfilment === "delivery") {
      request.address = form.address.trim();
      request.delivery_slot = form.delivery_slot;
      if (form.phone.trim()) {
        request.phone = form.phone.trim();
      }
      if (form.latitude !== null && form.address.trim()) {
        request.latitude = form.latitude;
        request.longitude = form.longitude;
      }
    }
    return request;
  }

  async function place() {
    try {
      const placed = await api.post("/checkout", body(), { "Idempotency-Key": key });
      rememberCart({ items: [] });
      telegram.confirmClosing(false);
      telegram.haptic("success");
      telegram.hideMainButton();
      if (!stale()) {
        navigate(`#/order/${placed.id}?placed=1`, { replace: true });
      }
      return;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        throw error;
      }
      problem = error;
      telegram.haptic("error");
    }
    if (!stale()) {
      redraw();
      // Show what was refused: the field the server named, else the message.
      const invalid = document.querySelector('#screen [aria-invalid="true"]');
      const alert = document.querySelector("#screen [role=alert]");
      if (invalid) {
        invalid.focus();
      } else if (alert) {
        alert.scrollIntoView({ block: "center" });
      }
    }
  }

  /** Ask Telegram (`ask` resolves with a value or null); the form is redrawn after. */
  async function fromTelegram(ask, fill, refused) {
    if (asking) {
      return;
    }
    asking = true;
    redraw();
    try {
      const value = await ask();
      if (value) {
        fill(value);
        problem = null;
        telegram.haptic("success");
        telegram.confirmClosing(true);
      } else {
        toast(refused);
      }
    } finally {
      asking = false;
      redraw();
    }
  }

  const usePhone = () =>
    fromTelegram(telegram.requestPhone, (phone) => (form.phone = phone), t("phone_not_shared"));

  // No geocoding service is reachable: the coordinates become the address text, to edit.
  const useLocation = () =>
    fromTelegram(
      telegram.locate,
      (place) => {
        form.latitude = place.latitude;
        form.longitude = place.longitude;
        form.address = `${place.latitude.toFixed(5)}, ${place.longitude.toFixed(5)}`;
      },
      t("location_unavailable"),
    );

  function fields() {
    const delivery = form.fulfilment === "delivery";
    const canDeliver = offer.contact.consent;
    return html`
      <fieldset class="card">
        <legend>${t("fulfilment")}</legend>
        ${offer.fulfilments.map((kind) =>
          radio("fulfilment", kind, kind === "delivery" ? t("fulfilment_delivery") : t("fulfilment_pickup")),
        )}
        ${form.fulfilment === "pickup" && offer.pickup_address
          ? html`<p class="hint">${t("pickup_at", { address: offer.pickup_address })}</p>`
          : ""}
        ${delivery ? html`<p class="hint">${t("delivery_fee", { fee: offer.delivery_fee.formatted })}</p>` : ""}
      </fieldset>
      ${delivery && !canDeliver ? html`<p class="card notice warning">${t("consent_needed")}</p>` : ""}
      ${delivery && canDeliver
        ? html`<fieldset class="card">
            <legend>${t("delivery_slot")}</legend>
            ${offer.delivery_slots.length
              ? offer.delivery_slots.map((slot) => radio("delivery_slot", slot.id, slot.label))
              : html`<p class="hint">${t("no_slots")}</p>`}
          </fieldset>
          <label class="card field">
            <span>${t("address")}</span>
            <textarea rows="2" maxlength="300" .value=${form.address} @input=${typed("address")}
              aria-invalid=${String(Boolean(problem && problem.field === "address"))}></textarea>
            ${form.latitude !== null ? html`<small class="hint">${t("location_hint")}</small>` : ""}
          </label>
          ${telegram.canLocate()
            ? html`<button type="button" class="button secondary" id="use-location"
                ?disabled=${asking} @click=${useLocation}>${t("use_my_location")}</button>`
            : ""}
          <label class="card field">
            <span>${t("phone")}</span>
            <input type="tel" autocomplete="tel" maxlength="32" .value=${form.phone} @input=${typed("phone")}
              aria-invalid=${String(Boolean(problem && problem.field === "phone"))}>
            ${offer.contact.has_phone ? html`<small class="hint">${t("phone_saved")}</small>` : ""}
          </label>
          ${telegram.canRequestPhone()
            ? html`<button type="button" class="button secondary" id="share-phone"
                ?disabled=${asking} @click=${usePhone}>${t("share_phone")}</button>`
            : ""}`
        : ""}
      <fieldset class="card">
        <legend>${t("payment")}</legend>
        ${offer.payment_methods.map((method) =>
          radio("payment_method", method, method === "cash" ? t("payment_cash") : t("payment_online")),
        )}
      </fieldset>
      <label class="card field">
        <span>${t("comment")}</span>
        <textarea rows="2" maxlength="500" .value=${form.comment} @input=${typed("comment")}></textarea>
      </label>
      ${problem ? html`<p class="card notice error" role="alert">${problem.message}</p>` : ""}
    `;
  }

  function redraw() {
    if (stale()) {
      return;
    }
    const usable = offer.fulfilments.length && offer.payment_methods.length;
    draw(html`${title(t("checkout_title"))}
      <p class="total">${t("cart_total", { total: cart.total.formatted })}</p>
      ${usable ? fields() : html`<p class="card notice">${t("no_fulfilment")}</p>`}`);
    const blocked =
      !usable ||
      (form.fulfilment === "delivery" && (!offer.contact.consent || !offer.delivery_slots.length));
    if (blocked) {
      telegram.hideMainButton();
    } else {
      telegram.setMainButton(t("place_order"), place);
    }
  }

  redraw();
}
