// The sandbox chat page: a Telegram-like client for the emulator's page API.
"use strict";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const DEFAULT_LOCATION = { latitude: 55.7558, longitude: 37.6173 };
const THEME = {
  bg_color: "#ffffff", text_color: "#000000", hint_color: "#999999", link_color: "#2481cc",
  button_color: "#2481cc", button_text_color: "#ffffff", secondary_bg_color: "#efeff3",
  header_bg_color: "#ffffff", accent_text_color: "#2481cc", section_bg_color: "#ffffff",
  section_header_text_color: "#6d6d71", subtitle_text_color: "#999999",
  destructive_text_color: "#ff3b30",
};

const state = {
  bot: params.get("bot") || "",
  botUser: null,
  userId: null,
  seq: 0,
  messages: new Map(),
  replyKeyboard: null,
  menuButton: null,
  commands: [],
  blocked: false,
  generation: 0,
  webApp: null, // {source: "reply" | "inline" | "menu", label}
};

// --- API -------------------------------------------------------------------------------------

function apiUrl(path, query = {}) {
  const url = new URL("api/" + path, location.href);
  if (state.bot) url.searchParams.set("bot", state.bot);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  return url;
}

async function api(path, { method = "GET", body, query } = {}) {
  const options = { method, headers: {} };
  if (body instanceof FormData) {
    options.body = body;
  } else if (body !== undefined) {
    options.body = JSON.stringify(body);
    options.headers["Content-Type"] = "application/json";
  }
  const response = await fetch(apiUrl(path, query), options);
  const text = await response.text();
  let data = {};
  try { data = text ? JSON.parse(text) : {}; } catch { data = { error: text }; }
  if (!response.ok) throw new Error(data.error || text || response.statusText);
  return data;
}

const chatApi = (action, body) =>
  api(`chats/${state.userId}/${action}`, { method: "POST", body: body || {} })
    .catch((error) => showToast(error.message));

// --- text with entities, rendered safely --------------------------------------------------------

const escapeHtml = (text) => text.replace(/[&<>"']/g, (c) => ({
  "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
}[c]));

function safeHref(url) {
  try {
    const parsed = new URL(url, location.href);
    return ["http:", "https:", "tg:", "mailto:"].includes(parsed.protocol) ? parsed.href : null;
  } catch { return null; }
}

function wrapEntity(entity, inner, text) {
  const tags = {
    bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code",
    blockquote: "blockquote", expandable_blockquote: "blockquote",
  };
  if (tags[entity.type]) return `<${tags[entity.type]}>${inner}</${tags[entity.type]}>`;
  if (entity.type === "pre") return `<pre>${inner}</pre>`;
  if (entity.type === "spoiler") return `<span class="spoiler">${inner}</span>`;
  if (entity.type === "text_link" || entity.type === "url") {
    const href = safeHref(entity.type === "url" ? text : entity.url);
    if (!href) return inner;
    return `<a href="${escapeHtml(href)}" target="_blank" rel="noopener noreferrer">${inner}</a>`;
  }
  return inner;
}

// Entity offsets are UTF-16 code units, which is exactly how JavaScript indexes strings.
function renderRange(text, start, end, entities) {
  let html = "";
  let position = start;
  let index = 0;
  while (index < entities.length) {
    const entity = entities[index];
    const from = Math.max(entity.offset, position);
    const to = Math.min(entity.offset + entity.length, end);
    let next = index + 1;
    const children = [];
    while (next < entities.length && entities[next].offset < to) children.push(entities[next++]);
    if (from < to) {
      html += escapeHtml(text.slice(position, from));
      html += wrapEntity(entity, renderRange(text, from, to, children), text.slice(from, to));
      position = to;
    }
    index = next;
  }
  return html + escapeHtml(text.slice(position, end));
}

function renderText(text, entities) {
  const sorted = [...(entities || [])].sort((a, b) => a.offset - b.offset || b.length - a.length);
  return renderRange(text, 0, text.length, sorted);
}

// --- messages -----------------------------------------------------------------------------------

const isMine = (message) => message.from && message.from.id === state.userId;
const largest = (sizes) => sizes[sizes.length - 1];
const fileUrl = (fileId) => apiUrl(`files/${encodeURIComponent(fileId)}`).href;
const formatAmount = (amount, currency) =>
  currency === "XTR" ? `${amount} ⭐` : `${(amount / 100).toFixed(2)} ${currency}`;

function serviceText(message) {
  if (message.successful_payment) {
    const p = message.successful_payment;
    return `Payment of ${formatAmount(p.total_amount, p.currency)} succeeded`;
  }
  if (message.refunded_payment) {
    const p = message.refunded_payment;
    return `${formatAmount(p.total_amount, p.currency)} refunded`;
  }
  if (message.pinned_message) return "The bot pinned a message";
  if (message.web_app_data) return `Data sent from the Mini App: ${message.web_app_data.data}`;
  return null;
}

function messageBody(message) {
  const parts = [];
  if (message.photo) parts.push(`<img src="${escapeHtml(fileUrl(largest(message.photo).file_id))}" alt="photo">`);
  for (const kind of ["document", "video", "audio", "voice", "animation"]) {
    const file = message[kind];
    if (file) {
      const name = escapeHtml(file.file_name || kind);
      parts.push(`📄 <a href="${escapeHtml(fileUrl(file.file_id))}" target="_blank">${name}</a>`);
    }
  }
  if (message.location) {
    parts.push(`📍 ${message.location.latitude.toFixed(5)}, ${message.location.longitude.toFixed(5)}`);
  }
  if (message.contact) {
    const c = message.contact;
    parts.push(`👤 ${escapeHtml([c.first_name, c.last_name].filter(Boolean).join(" "))}<br>${escapeHtml(c.phone_number)}`);
  }
  if (message.invoice) {
    const i = message.invoice;
    parts.push(`<div class="card"><div class="card-title">${escapeHtml(i.title)}</div>` +
      `<div>${escapeHtml(i.description)}</div>` +
      `<div><b>${escapeHtml(formatAmount(i.total_amount, i.currency))}</b></div></div>`);
  }
  if (message.text !== undefined) parts.push(renderText(message.text, message.entities));
  if (message.caption) parts.push(renderText(message.caption, message.caption_entities));
  return parts.join("");
}

function inlineKeyboard(message) {
  let rows = message.reply_markup ? message.reply_markup.inline_keyboard : null;
  if (!rows && message.invoice) rows = [[{ text: "Pay", pay: true }]];
  if (!rows) return null;
  const keyboard = document.createElement("div");
  keyboard.className = "inline-keyboard";
  for (const row of rows) {
    const line = document.createElement("div");
    line.className = "inline-row";
    for (const button of row) {
      const element = document.createElement("button");
      element.textContent = button.url ? `${button.text} ↗` : button.text;
      element.onclick = () => pressInline(message, button);
      line.append(element);
    }
    keyboard.append(line);
  }
  return keyboard;
}

function pressInline(message, button) {
  if (button.callback_data !== undefined) {
    chatApi("click", { message_id: message.message_id, label: button.text });
  } else if (button.url) {
    const href = safeHref(button.url);
    if (href) window.open(href, "_blank", "noopener");
  } else if (button.web_app) {
    openWebApp({ label: button.text, message_id: message.message_id }, "inline", button.text);
  } else if (button.pay) {
    pay({ message_id: message.message_id });
  } else if (button.copy_text) {
    navigator.clipboard.writeText(button.copy_text.text).then(() => showToast("Copied"));
  } else {
    showToast("This button type is not emulated");
  }
}

function renderMessage(message) {
  const service = serviceText(message);
  const wrapper = document.createElement("div");
  wrapper.dataset.id = message.message_id;
  if (service) {
    wrapper.className = "service";
    wrapper.textContent = service;
    return wrapper;
  }
  wrapper.className = "message" + (isMine(message) ? " outgoing" : "");
  const bubble = document.createElement("div");
  bubble.className = "bubble";
  bubble.innerHTML = messageBody(message);
  const meta = document.createElement("div");
  meta.className = "meta";
  const time = new Date(message.date * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  meta.textContent = (message.edit_date ? "edited " : "") + time;
  bubble.append(meta);
  bubble.querySelectorAll(".spoiler").forEach((s) => { s.onclick = () => s.classList.add("revealed"); });
  wrapper.append(bubble);
  const keyboard = inlineKeyboard(message);
  if (keyboard) wrapper.append(keyboard);
  return wrapper;
}

function renderMessages() {
  const box = $("messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  box.replaceChildren(...[...state.messages.values()].map(renderMessage));
  if (atBottom || box.dataset.fresh) { box.scrollTop = box.scrollHeight; delete box.dataset.fresh; }
}

// --- keyboards, menu and composer -----------------------------------------------------------------

function renderReplyKeyboard() {
  const box = $("reply-keyboard");
  const keyboard = state.replyKeyboard;
  box.hidden = !keyboard;
  if (!keyboard) return box.replaceChildren();
  box.replaceChildren(...keyboard.keyboard.map((row) => {
    const line = document.createElement("div");
    line.className = "row";
    for (const button of row) {
      const element = document.createElement("button");
      element.textContent = button.text;
      element.onclick = () => pressReply(button);
      line.append(element);
    }
    return line;
  }));
}

function pressReply(button) {
  if (button.request_contact) chatApi("contact");
  else if (button.request_location) chatApi("location", DEFAULT_LOCATION);
  else if (button.web_app) openWebApp({ label: button.text }, "reply", button.text);
  else chatApi("press", { label: button.text });
}

function renderMenu() {
  const button = $("menu-button");
  const menu = state.menuButton || { type: "commands" };
  button.textContent = menu.type === "web_app" ? menu.text : "☰ Menu";
  button.disabled = !state.userId || (menu.type !== "web_app" && !state.commands.length);
  const list = $("commands");
  list.replaceChildren(...state.commands.map((command) => {
    const item = document.createElement("button");
    item.type = "button";
    item.innerHTML = `/${escapeHtml(command.command)}<span class="description">${escapeHtml(command.description)}</span>`;
    item.onclick = () => { list.hidden = true; chatApi("send", { text: "/" + command.command }); };
    return item;
  }));
}

function renderHeader() {
  const bot = state.botUser;
  $("bot-name").textContent = bot ? bot.first_name + (bot.username ? ` (@${bot.username})` : "") : "No bot";
  $("bot-avatar").textContent = bot ? bot.first_name.slice(0, 1) : "?";
  $("block-toggle").hidden = !state.userId;
  $("block-toggle").textContent = state.blocked ? "Unblock bot" : "Block bot";
  const enabled = Boolean(state.userId) && !state.blocked;
  for (const id of ["text-input", "send-button", "attach-button", "location-button"]) $(id).disabled = !enabled;
  setStatus(state.blocked ? "you blocked this bot" : "bot");
}

function setStatus(text, typing = false) {
  $("chat-status").textContent = text;
  $("chat-status").classList.toggle("typing", typing);
}

// --- events from the emulator (long polling) ---------------------------------------------------------

function applyExtras(data) {
  state.replyKeyboard = data.reply_keyboard;
  state.menuButton = data.menu_button;
  state.commands = data.commands || [];
  renderReplyKeyboard();
  renderMenu();
}

let typingTimer = null;

function applyEvent(event) {
  const data = event.data;
  if (event.kind === "message" || event.kind === "edit") state.messages.set(data.message_id, data);
  else if (event.kind === "delete") state.messages.delete(data.message_id);
  else if (event.kind === "callback_answer" && data.user_id === state.userId) {
    if (data.show_alert) showModal(state.botUser.first_name, data.text || "", [{ text: "OK" }]);
    else if (data.text) showToast(data.text);
    if (data.url) window.open(data.url, "_blank", "noopener");
  } else if (event.kind === "action") {
    setStatus(data.action.replace(/_/g, " ") + "…", true);
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => setStatus("bot"), 5000);
  } else if (event.kind === "blocked") {
    state.blocked = data.blocked;
    renderHeader();
  }
  if (event.kind === "message" && !isMine(data)) setStatus("bot");
}

async function pollEvents(generation) {
  while (generation === state.generation) {
    try {
      const data = await api(`chats/${state.userId}/events`, { query: { after: state.seq, timeout: 25 } });
      if (generation !== state.generation) return;
      if (data.reset) return openChat(state.userId); // the server restarted from older state
      data.events.forEach(applyEvent);
      state.seq = data.seq;
      applyExtras(data);
      if (data.events.length) renderMessages();
    } catch (error) {
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
  }
}

function showUsers(open) {
  document.body.classList.toggle("users-open", open);
  $("users-toggle").setAttribute("aria-expanded", String(open));
}

$("users-toggle").onclick = () => showUsers(!document.body.classList.contains("users-open"));
$("users-close").onclick = () => showUsers(false);
$("users-backdrop").onclick = () => showUsers(false);

async function openChat(userId) {
  showUsers(false);
  state.generation += 1;
  state.userId = userId;
  localStorage.setItem("sandbox-user", String(userId));
  const data = await api(`chats/${userId}`);
  state.botUser = data.bot;
  state.seq = data.seq;
  state.blocked = data.blocked;
  state.messages = new Map(data.messages.map((m) => [m.message_id, m]));
  $("messages").dataset.fresh = "1";
  applyExtras(data);
  renderMessages();
  renderHeader();
  await loadUsers();
  pollEvents(state.generation);
}

async function loadUsers() {
  const { users } = await api("users");
  $("user-list").replaceChildren(...users.map((user) => {
    const item = document.createElement("li");
    item.className = user.id === state.userId ? "active" : "";
    item.innerHTML = `<span>${escapeHtml(user.first_name)}</span><span class="meta">${user.id} · ${escapeHtml(user.language_code || "")}</span>`;
    item.onclick = () => openChat(user.id);
    return item;
  }));
  return users;
}

// --- actions ------------------------------------------------------------------------------------

$("composer").onsubmit = (event) => {
  event.preventDefault();
  const text = $("text-input").value.trim();
  if (!text) return;
  $("text-input").value = "";
  chatApi("send", { text });
};

$("attach-button").onclick = () => $("file-input").click();
$("file-input").onchange = async () => {
  const file = $("file-input").files[0];
  if (!file) return;
  const form = new FormData();
  form.append("kind", file.type.startsWith("image/") ? "photo" : "document");
  form.append("caption", $("text-input").value.trim());
  form.append("file", file, file.name);
  $("text-input").value = "";
  $("file-input").value = "";
  await api(`chats/${state.userId}/upload`, { method: "POST", body: form }).catch((e) => showToast(e.message));
};

$("location-button").onclick = () => chatApi("location", DEFAULT_LOCATION);
$("menu-button").onclick = () => {
  const menu = state.menuButton || { type: "commands" };
  if (menu.type === "web_app") openWebApp({}, "menu", menu.text);
  else $("commands").hidden = !$("commands").hidden;
};
$("block-toggle").onclick = () => chatApi("block", { blocked: !state.blocked });

$("user-form").onsubmit = async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const body = Object.fromEntries(form.entries());
  body.id = Number(body.id);
  try {
    const { user } = await api("users", { method: "POST", body });
    event.target.reset();
    suggestUserId();
    await openChat(user.id);
  } catch (error) { showToast(error.message); }
};

function suggestUserId() {
  $("user-form").elements.id.value = 100000 + Math.floor(Math.random() * 900000);
}

async function pay(target) {
  showToast("Paying…");
  try {
    const result = await api(`chats/${state.userId}/pay`, { method: "POST", body: target });
    showToast(result.status === "paid" ? "Payment succeeded" : `Payment ${result.status}: ${result.error_message || ""}`);
    return result.status;
  } catch (error) {
    showToast(error.message);
    return "failed";
  }
}

// --- toasts and modals --------------------------------------------------------------------------

let toastTimer = null;
function showToast(text) {
  $("toast").textContent = text;
  $("toast").hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { $("toast").hidden = true; }, 3000);
}

function showModal(title, text, buttons) {
  $("modal-title").textContent = title;
  $("modal-text").textContent = text;
  $("modal-buttons").replaceChildren(...buttons.map((b) => {
    const element = document.createElement("button");
    element.textContent = b.text;
    if (b.destructive) element.className = "destructive";
    element.onclick = () => { $("modal").hidden = true; if (b.onClick) b.onClick(); };
    return element;
  }));
  $("modal").hidden = false;
}

// --- start ----------------------------------------------------------------------------------------

async function start() {
  suggestUserId();
  try {
    const { bots } = await api("bots");
    if (!bots.length) return setStatus("no bot is registered");
    if (!state.bot) state.bot = bots[0].username;
    state.botUser = bots.find((b) => b.username === state.bot) || bots[0];
    if (bots.length > 1) {
      $("bot-select").replaceChildren(...bots.map((b) => new Option(`@${b.username}`, b.username, false, b.username === state.bot)));
      $("bot-select").parentElement.hidden = false;
      $("bot-select").onchange = () => { location.search = "?bot=" + encodeURIComponent($("bot-select").value); };
    }
    renderHeader();
    const users = await loadUsers();
    const remembered = Number(localStorage.getItem("sandbox-user"));
    const chosen = users.find((u) => u.id === remembered) || users[0];
    if (chosen) await openChat(chosen.id);
    else {
      setStatus("create a test user to start");
      showUsers(true); // on a phone the form is in the closed drawer
    }
  } catch (error) {
    setStatus("cannot reach the sandbox: " + error.message);
  }
}

start();
