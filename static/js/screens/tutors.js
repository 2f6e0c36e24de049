// Tutors (GET /tutors): name and subjects, each opening the tutor's page.
import { html } from "lit-html";
import { api } from "../api.js";
import { t } from "../i18n.js";
import { title } from "../ui.js";

function row(tutor) {
  return html`<li>
    <a class="card row-link tutor-row" href="#/tutor/${tutor.id}">
      <strong>${tutor.name}</strong>
      ${tutor.subjects.length ? html`<span class="hint">${tutor.subjects.join(", ")}</span>` : ""}
    </a>
  </li>`;
}

export default async function tutors({ draw }) {
  const list = await api.get("/tutors");
  draw(html`${title(t("bk_tutors_title"))}
    <nav class="chips"><a class="chip" href="#/lessons">${t("bk_lessons_title")}</a></nav>
    ${list.items.length
      ? html`<ul class="list" id="tutors">${list.items.map(row)}</ul>`
      : html`<p class="card notice">${t("bk_tutors_none")}</p>`}`);
}
