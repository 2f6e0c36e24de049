// The student's homework (GET /homework): open tasks with an answer box (POST
// /homework/{id}/submissions; files go through the chat), answers waiting for a grade, grades;
// then materials shared with the person (GET /materials) and achievements (GET /achievements).
import { html } from "lit-html";
import { api } from "../api.js";
import { t } from "../i18n.js";
import * as telegram from "../telegram.js";
import { title, toast } from "../ui.js";
import { when } from "./orders.js";

const STATUS_KEYS = {
  open: "hw_status_open",
  submitted: "hw_status_submitted",
  graded: "hw_status_graded",
};

export default async function homework({ draw, stale }) {
  let [list, shared, earned] = await Promise.all([
    api.get("/homework"),
    api.get("/materials"),
    api.get("/achievements"),
  ]);
  const answers = {};
  const problems = {};
  let busy = null;

  async function submit(item) {
    if (busy !== null) {
      return; // a double tap sends once
    }
    busy = item.id;
    problems[item.id] = null;
    redraw();
    try {
      await api.post(`/homework/${item.id}/submissions`, { text: answers[item.id] || "" });
      telegram.haptic("success");
      toast(t("hw_sent"));
      list = await api.get("/homework");
    } catch (error) {
      problems[item.id] = error.message;
    } finally {
      busy = null;
      redraw();
    }
  }

  function grade(item) {
    if (!item.grade) {
      return "";
    }
    return html`<p class="grade"><strong>${t("hw_grade", { grade: item.grade.title })}</strong>
      ${item.grade.comment ? html`<br><span>${item.grade.comment}</span>` : ""}</p>`;
  }

  function task(item) {
    return html`<li class="card homework" data-homework=${item.id}>
      <span class="toolbar">
        <strong>${item.tutor_name}</strong>
        <span class="badge ${item.overdue ? "error" : ""}">${t(STATUS_KEYS[item.status])}</span>
      </span>
      <p class="hint">${t("hw_due", { due: when(item.due_at) })}</p>
      <p class="homework-text">${item.text}</p>
      ${item.checklist.length
        ? html`<ul class="checklist">${item.checklist.map((line) => html`<li>☐ ${line}</li>`)}</ul>`
        : ""}
      ${item.files ? html`<p class="hint">${t("hw_files_in_chat", { count: item.files })}</p>` : ""}
      ${item.submission ? html`<p class="hint">${t("hw_your_answer")}: ${item.submission.text}</p>` : ""}
      ${grade(item)}
      ${item.status === "open"
        ? html`<label class="field">
              <span>${t("hw_answer")}</span>
              <textarea rows="3" maxlength="3000" .value=${answers[item.id] || ""}
                @input=${(event) => { answers[item.id] = event.target.value; }}></textarea>
            </label>
            ${problems[item.id]
              ? html`<p class="notice error" role="alert">${problems[item.id]}</p>`
              : ""}
            <button type="button" class="button" ?disabled=${busy !== null}
              @click=${() => submit(item)}>${t("hw_submit")}</button>`
        : ""}
    </li>`;
  }

  function material(item) {
    return html`<li class="card">
      ${item.url
        ? html`<a href=${item.url} @click=${(event) => { event.preventDefault(); telegram.openLink(item.url); }}>
            ${item.title}</a>`
        : html`<span>${item.title}</span> <span class="hint">${t("hw_material_in_chat")}</span>`}
      <span class="hint">${item.tutor_name}</span>
    </li>`;
  }

  function redraw() {
    if (stale()) {
      return;
    }
    draw(html`${title(t("hw_title"))}
      ${list.items.length
        ? html`<ul class="list" id="homework">${list.items.map(task)}</ul>`
        : html`<p class="card notice">${t("hw_none")}</p>`}
      <h2>${t("hw_materials")}</h2>
      ${shared.items.length
        ? html`<ul class="list" id="materials">${shared.items.map(material)}</ul>`
        : html`<p class="hint">${t("hw_no_materials")}</p>`}
      <h2>${t("hw_achievements")}</h2>
      ${earned.items.length
        ? html`<ul class="chips" id="achievements">${earned.items.map(
            (item) => html`<li class="chip">${item.title}</li>`,
          )}</ul>`
        : html`<p class="hint">${t("hw_no_achievements")}</p>`}`);
  }

  redraw();
}
