// The profile: the language of the app and the bot (PATCH /me), the state of the consent to
// the processing of personal data (given or withdrawn in the chat with /privacy) and the
// privacy policy.
import { html } from "lit-html";
import { api } from "../api.js";
import { t, locale } from "../i18n.js";
import * as telegram from "../telegram.js";
import { title, toast } from "../ui.js";

const LANGUAGES = [
  ["ru", "Русский"],
  ["en", "English"],
];

/** Open the page again in `wanted`, on the same screen. */
function reloadIn(wanted) {
  const url = new URL(window.location.href);
  url.searchParams.set("lang", wanted);
  window.location.replace(url.toString());
}

export default async function profile({ draw, stale }) {
  let me = await api.get("/me");
  let card = null;
  let cardUrl = null;
  let busy = false;
  const policy = document.getElementById("app").dataset.privacy;

  async function choose(wanted) {
    if (busy || wanted === me.locale) {
      return;
    }
    busy = true;
    redraw();
    try {
      me = await api.patch("/me", { locale: wanted });
      telegram.haptic("success");
      if (me.locale !== locale) {
        reloadIn(me.locale);
        return;
      }
    } catch (error) {
      telegram.haptic("error");
      toast(error.message);
    }
    busy = false;
    redraw();
  }

  function openPolicy(event) {
    event.preventDefault();
    telegram.openLink(policy);
  }

  function redraw() {
    if (stale()) {
      return;
    }
    const name = [me.first_name, me.last_name].filter(Boolean).join(" ");
    draw(html`${title(t("profile_title"))}
      <section class="card">
        <strong>${name}</strong>
        ${me.username ? html`<p class="hint">@${me.username}</p>` : ""}
      </section>
      ${card
        ? html`<section class="card" id="member-card">
            <h2 class="section-title">${t("member_card")} ${card.member_id}</h2>
            ${cardUrl
              ? html`<img class="qr" id="member-qr" src=${cardUrl}
                  alt=${t("member_card_alt", { member_id: card.member_id })}>`
              : ""}
            <p>${t("member_points", { points: card.points })}</p>
            <p class="hint">${t("member_card_hint")}</p>
          </section>`
        : ""}
      <fieldset class="card" id="language">
        <legend>${t("language")}</legend>
        ${LANGUAGES.map(
          ([code, label]) => html`<label class="option">
            <input type="radio" name="locale" lang=${code} .checked=${me.locale === code}
              ?disabled=${busy} @change=${() => choose(code)}>
            <span lang=${code}>${label}</span></label>`,
        )}
        <p class="hint">${t("language_hint")}</p>
      </fieldset>
      <section class="card" id="consent">
        <h2 class="section-title">${t("personal_data")}</h2>
        <p>${me.consent ? t("consent_given") : t("consent_not_given")}</p>
        <p class="hint">${t("consent_in_chat")}</p>
        <button type="button" class="button" @click=${() => telegram.close()}>
          ${t("to_chat")}</button>
      </section>
      <a class="button" href=${policy} @click=${openPolicy}>${t("privacy_policy")}</a>`);
  }

  /** The member card and its QR code (fetched with the Authorization header, a blob URL). */
  async function loadCard() {
    try {
      card = await api.get("/loyalty");
      redraw();
      cardUrl = URL.createObjectURL(await api.blob("/loyalty/card.png"));
    } catch (error) {
      toast(error.message); // the member id printed above the code still works
      return;
    }
    redraw();
  }

  redraw();
  loadCard();
}
