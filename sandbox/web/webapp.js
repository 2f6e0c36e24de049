// The Mini App side panel: Telegram's web events between the page and the app's iframe.
// Loaded after app.js, whose helpers (state, api, chatApi, pay, showToast, ...) it uses.
"use strict";

// --- Mini App panel: Telegram's web events over postMessage --------------------------------------------

async function openWebApp(request, source, title) {
  try {
    const { url } = await api(`chats/${state.userId}/webapp`, { method: "POST", body: { ...request, theme: THEME } });
    state.webApp = { source, label: request.label };
    $("webapp-title").textContent = title || "Mini App";
    $("main-button").hidden = true;
    $("webapp-back").hidden = true;
    $("webapp-panel").hidden = false;
    $("webapp-frame").src = url;
  } catch (error) { showToast(error.message); }
}

function closeWebApp() {
  closeScanner();
  $("webapp-panel").hidden = true;
  $("webapp-frame").src = "about:blank";
  state.webApp = null;
}

function postToWebApp(eventType, eventData = {}) {
  const frame = $("webapp-frame").contentWindow;
  if (frame) frame.postMessage(JSON.stringify({ eventType, eventData }), "*");
}

function viewport() {
  return { height: $("webapp-frame").clientHeight, is_expanded: true, is_state_stable: true };
}

// Telegram's QR scanner, emulated: no camera here, so the scanner asks for the text a QR code
// would hold. Like the camera it keeps "reading" (each Send is one qr_text_received) until the
// Mini App closes it (web_app_close_scan_qr_popup) or the person does (scan_qr_popup_closed).
let scanner = null;

function openScanner(data) {
  closeScanner();
  const backdrop = document.createElement("div");
  backdrop.className = "modal";
  backdrop.id = "scan-qr-popup";
  const box = document.createElement("form");
  box.className = "modal-box";
  const heading = document.createElement("div");
  heading.className = "modal-title";
  heading.textContent = data.text || "Scan QR code";
  const label = document.createElement("label");
  label.className = "modal-text";
  label.textContent = "No camera in the sandbox: type the text of the QR code";
  const input = document.createElement("input");
  input.id = "scan-qr-text";
  input.autocomplete = "off";
  input.style.display = "block";
  input.style.width = "100%";
  input.style.marginTop = "6px";
  label.append(input);
  const buttons = document.createElement("div");
  buttons.className = "modal-buttons";
  const close = document.createElement("button");
  close.type = "button";
  close.textContent = "Close";
  close.onclick = () => { closeScanner(); postToWebApp("scan_qr_popup_closed"); };
  const send = document.createElement("button");
  send.type = "submit";
  send.textContent = "Scan";
  buttons.append(close, send);
  box.append(heading, label, buttons);
  box.onsubmit = (event) => {
    event.preventDefault();
    postToWebApp("qr_text_received", { data: input.value });
    input.select();
  };
  backdrop.append(box);
  document.body.append(backdrop);
  scanner = backdrop;
  input.focus();
}

function closeScanner() {
  if (scanner) scanner.remove();
  scanner = null;
}

const webAppEvents = {
  web_app_open_scan_qr_popup: openScanner,
  web_app_close_scan_qr_popup: closeScanner,
  iframe_ready: () => postToWebApp("theme_changed", { theme_params: THEME }),
  web_app_request_theme: () => postToWebApp("theme_changed", { theme_params: THEME }),
  web_app_request_viewport: () => postToWebApp("viewport_changed", viewport()),
  web_app_close: closeWebApp,
  web_app_setup_main_button: (data) => {
    const button = $("main-button");
    button.hidden = !data.is_visible;
    button.disabled = data.is_active === false;
    button.textContent = data.is_progress_visible ? "…" : data.text || "";
    if (data.color) button.style.background = data.color;
    if (data.text_color) button.style.color = data.text_color;
  },
  web_app_setup_back_button: (data) => { $("webapp-back").hidden = !data.is_visible; },
  web_app_open_link: (data) => { const href = safeHref(data.url); if (href) window.open(href, "_blank", "noopener"); },
  web_app_open_tg_link: (data) => showToast(`Telegram link: https://t.me${data.path_full}`),
  web_app_data_send: (data) => {
    if (!state.webApp || state.webApp.source !== "reply") return showToast("sendData works only from a reply keyboard button");
    chatApi("webapp-data", { button_text: state.webApp.label, data: data.data });
    closeWebApp();
  },
  web_app_open_invoice: async (data) => {
    const status = await pay({ link: "https://t.me/$" + data.slug });
    postToWebApp("invoice_closed", { slug: data.slug, status: status === "paid" ? "paid" : "failed" });
  },
  // requestContact(): ask, share the contact into the chat, hand it to the page when it asks.
  web_app_request_phone: () => showModal("Share your phone number?", "The bot gets your contact in the chat.", [
    { text: "Share", onClick: async () => {
      const answer = await chatApi("requested-contact");
      state.requestedContact = (answer && answer.result) || "";
      postToWebApp("phone_requested", { status: answer ? "sent" : "cancelled" });
    } },
    { text: "Cancel", onClick: () => postToWebApp("phone_requested", { status: "cancelled" }) },
  ]),
  web_app_invoke_custom_method: (data) => {
    if (data.method === "getRequestedContact") {
      postToWebApp("custom_method_invoked", { req_id: data.req_id, result: state.requestedContact || "" });
    } else {
      postToWebApp("custom_method_invoked", { req_id: data.req_id, error: "METHOD_NOT_SUPPORTED" });
    }
  },
  // LocationManager: the sandbox always has a location (Moscow, Red Square) and asks first.
  web_app_check_location: () =>
    postToWebApp("location_checked", { available: true, access_requested: true, access_granted: true }),
  web_app_request_location: () => showModal("Share your location?", "The sandbox's location: 55.7539, 37.6208", [
    { text: "Share", onClick: () => postToWebApp("location_requested", { available: true, latitude: 55.7539, longitude: 37.6208 }) },
    { text: "Cancel", onClick: () => postToWebApp("location_requested", { available: false }) },
  ]),
  // shareMessage(id): show the card the bot prepared; "Send" reports it sent, as Telegram does.
  web_app_send_prepared_message: async (data) => {
    const answer = await chatApi("prepared", { id: data.id });
    if (!answer) return postToWebApp("prepared_message_failed", { error: "MESSAGE_EXPIRED" });
    const card = answer.result;
    const content = card.input_message_content || {};
    const text = (content.message_text || card.description || "").replace(/<[^>]*>/g, "");
    showModal(`Send to a chat: ${card.title || "message"}`, text, [
      { text: "Send", onClick: () => postToWebApp("prepared_message_sent") },
      { text: "Cancel", onClick: () => postToWebApp("prepared_message_failed", { error: "USER_DECLINED" }) },
    ]);
  },
  web_app_open_popup: (data) => {
    const buttons = (data.buttons || [{ id: "", type: "close" }]).map((b) => ({
      text: b.text || { ok: "OK", close: "Close", cancel: "Cancel" }[b.type] || "OK",
      destructive: b.type === "destructive",
      onClick: () => postToWebApp("popup_closed", { button_id: b.id }),
    }));
    showModal(data.title || "", data.message || "", buttons);
  },
};

window.addEventListener("message", (event) => {
  if (event.source !== $("webapp-frame").contentWindow) return;
  let message;
  try { message = typeof event.data === "string" ? JSON.parse(event.data) : event.data; } catch { return; }
  const handler = message && webAppEvents[message.eventType];
  if (handler) handler(message.eventData || {});
});

$("webapp-close").onclick = closeWebApp;
$("main-button").onclick = () => postToWebApp("main_button_pressed");
$("webapp-back").onclick = () => postToWebApp("back_button_pressed");
