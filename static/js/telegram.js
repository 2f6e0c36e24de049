// The one bridge to Telegram.WebApp: theme, MainButton, BackButton, haptics, popups.
// Every API newer than 6.0 is guarded by isVersionAtLeast, so an old client never throws.
const webApp = window.Telegram && window.Telegram.WebApp;

export const tg = webApp || null;

/** True when the client speaks Bot API `version` or newer. */
export function supports(version) {
  return Boolean(webApp && webApp.isVersionAtLeast && webApp.isVersionAtLeast(version));
}

/** The signed launch data ("" when the page was not opened from Telegram). */
export function initData() {
  return (webApp && webApp.initData) || "";
}

/** The `startapp` parameter of a deep link (`product_5`, `shop_2`), if any. */
export function startParam() {
  // Signed inside initData; Telegram also passes it as tgWebAppStartParam in the URL.
  const signed = webApp && webApp.initDataUnsafe && webApp.initDataUnsafe.start_param;
  const view = window.Telegram && window.Telegram.WebView;
  return signed || (view && view.initParams && view.initParams.tgWebAppStartParam) || "";
}

function applyTheme() {
  // telegram-web-app.js sets the --tg-theme-* variables; we say which scheme they are and
  // paint Telegram's own header, background and bottom bar to match the page.
  if (!webApp || !webApp.themeParams || !webApp.themeParams.bg_color) {
    return;
  }
  document.documentElement.dataset.scheme = webApp.colorScheme;
  if (supports("6.1")) {
    webApp.setHeaderColor("secondary_bg_color");
    webApp.setBackgroundColor("secondary_bg_color");
  }
  if (supports("7.10")) {
    webApp.setBottomBarColor("secondary_bg_color");
  }
}

/** Tell Telegram the page is ready, expand it and follow theme changes. */
export function start() {
  if (!webApp) {
    return;
  }
  webApp.ready();
  webApp.expand();
  applyTheme();
  webApp.onEvent("themeChanged", applyTheme);
}

// MainButton ---------------------------------------------------------------------------------

let mainHandler = null;
let mainBusy = false;

async function onMainButton() {
  // Double-tap protection: a press while the last one is still working is ignored.
  if (!mainHandler || mainBusy) {
    return;
  }
  mainBusy = true;
  const button = webApp.MainButton;
  button.showProgress(false);
  button.disable();
  try {
    await mainHandler();
  } finally {
    mainBusy = false;
    button.hideProgress();
    button.enable();
  }
}

if (webApp) {
  webApp.MainButton.onClick(onMainButton);
}

/** Show the MainButton with `text`; `handler` (may be async) runs once per press. */
export function setMainButton(text, handler) {
  if (!webApp) {
    return;
  }
  mainHandler = handler;
  webApp.MainButton.setParams({ text, is_visible: true, is_active: true });
}

/** Hide the MainButton (each screen shows its own primary action). */
export function hideMainButton() {
  mainHandler = null;
  if (webApp) {
    webApp.MainButton.hide();
  }
}

// BackButton ---------------------------------------------------------------------------------

let backHandler = null;

if (webApp && supports("6.1")) {
  webApp.BackButton.onClick(() => backHandler && backHandler());
}

/** Show the BackButton (non-root screens) or hide it (`handler` null). */
export function setBackButton(handler) {
  backHandler = handler;
  if (!webApp || !supports("6.1")) {
    return;
  }
  if (handler) {
    webApp.BackButton.show();
  } else {
    webApp.BackButton.hide();
  }
}

// Feedback -----------------------------------------------------------------------------------

/** Haptic feedback: "light" | "medium" (impact), "success" | "error" | "warning", "select". */
export function haptic(kind) {
  if (!supports("6.1")) {
    return;
  }
  const feedback = webApp.HapticFeedback;
  if (kind === "select") {
    feedback.selectionChanged();
  } else if (kind === "success" || kind === "error" || kind === "warning") {
    feedback.notificationOccurred(kind);
  } else {
    feedback.impactOccurred(kind || "light");
  }
}

/** Ask a yes/no question: Telegram's popup where supported, the browser's otherwise. */
export function confirm(message) {
  if (supports("6.2")) {
    return new Promise((resolve) => webApp.showConfirm(message, resolve));
  }
  return Promise.resolve(window.confirm(message));
}

/** Ask before closing the Mini App while a form holds what the person typed. */
export function confirmClosing(ask) {
  if (!supports("6.2")) {
    return;
  }
  if (ask) {
    webApp.enableClosingConfirmation();
  } else {
    webApp.disableClosingConfirmation();
  }
}

/** Open an outside link in the browser (a plain link would stay inside the Mini App). */
export function openLink(url) {
  if (webApp && webApp.initData) {
    webApp.openLink(url);
  } else {
    window.open(url, "_blank", "noopener");
  }
}

/** Close the Mini App: back to the chat with the bot. */
export function close() {
  if (webApp && webApp.initData) {
    webApp.close();
  }
}

// Scanning QR codes (6.4+) -----------------------------------------------------------------------

/** Open Telegram's QR scanner; `onText(text)` runs for each code read and returns true to
 * close the scanner. False when the client cannot scan (type the code instead). */
export function scanQr(text, onText) {
  if (!supports("6.4")) {
    return false;
  }
  try {
    webApp.showScanQrPopup({ text }, onText);
  } catch (error) {
    return false; // already open: the open scanner keeps reading
  }
  return true;
}

/** Close the QR scanner (nothing happens when it is not open). */
export function closeScanQr() {
  if (supports("6.4")) {
    webApp.closeScanQrPopup();
  }
}
// Paying and coming back --------------------------------------------------------------------

/** Open a Telegram invoice link (Payments or Stars) over the page; resolves with Telegram's
 * verdict: "paid" | "cancelled" | "failed" | "pending". An old client opens the link in the
 * chat and the verdict is unknown ("pending": the server's record will tell). */
export function openInvoice(link) {
  if (supports("6.1")) {
    let settle = null;
    const verdict = new Promise((resolve) => {
      settle = resolve;
    });
    try {
      webApp.openInvoice(link, (status) => settle(status));
      return verdict;
    } catch (error) {
      // Already open (a second press) or a link the script does not parse: Telegram opens it.
      console.warn(error);
    }
  }
  openTelegramLink(link);
  return Promise.resolve("pending");
}

/** Open a t.me link inside Telegram (a chat, a bot, an invoice). */
export function openTelegramLink(url) {
  if (webApp && webApp.initData) {
    webApp.openTelegramLink(url);
  } else {
    window.open(url, "_blank", "noopener");
  }
}

/** Call `handler` whenever the person comes back to the Mini App (from a browser tab, another
 * chat): Telegram's `activated` event (8.0) and the page becoming visible again. Returns the
 * function that stops listening. */
export function onReturn(handler) {
  const visible = () => {
    if (document.visibilityState === "visible") {
      handler();
    }
  };
  document.addEventListener("visibilitychange", visible);
  const activated = supports("8.0");
  if (activated) {
    webApp.onEvent("activated", handler);
  }
  return () => {
    document.removeEventListener("visibilitychange", visible);
    if (activated) {
      webApp.offEvent("activated", handler);
    }
  };
}

// SecondaryButton (7.10) ---------------------------------------------------------------------

let secondaryHandler = null;

if (webApp && supports("7.10")) {
  webApp.SecondaryButton.onClick(() => secondaryHandler && secondaryHandler());
}

/** Show the SecondaryButton (a screen's alternative action) where the client has one; returns
 * false where it does not, so the screen can draw its own button instead. */
export function setSecondaryButton(text, handler) {
  if (!supports("7.10")) {
    return false;
  }
  secondaryHandler = handler;
  webApp.SecondaryButton.setParams({ text, is_visible: true, is_active: true, position: "left" });
  return true;
}

/** Hide the SecondaryButton (every screen shows its own). */
export function hideSecondaryButton() {
  secondaryHandler = null;
  if (supports("7.10")) {
    webApp.SecondaryButton.hide();
  }
}

// The person's phone and location ------------------------------------------------------------

/** The client can share the person's phone number with the Mini App (6.9). */
export const canRequestPhone = () => supports("6.9");

/** Ask Telegram for the person's phone: resolves with the number (digits, "+" first), "" when
 * it was shared with the bot but not handed to the page, null when the person declined. */
export function requestPhone() {
  return new Promise((resolve) => {
    webApp.requestContact((shared, result) => {
      if (!shared) {
        resolve(null);
        return;
      }
      const unsafe = result && result.responseUnsafe;
      const number = String((unsafe && unsafe.contact && unsafe.contact.phone_number) || "");
      resolve(number && !number.startsWith("+") ? "+" + number : number);
    });
  });
}

/** The client has Telegram's LocationManager (8.0). */
export const canLocate = () => supports("8.0") && Boolean(webApp.LocationManager);

/** The device's location through Telegram ({latitude, longitude}), or null (unavailable,
 * access refused). */
export function locate() {
  const manager = webApp.LocationManager;
  return new Promise((resolve) => {
    const ask = () => {
      if (!manager.isLocationAvailable) {
        resolve(null);
        return;
      }
      try {
        manager.getLocation((data) => resolve(data || null));
      } catch (error) {
        console.warn(error);
        resolve(null);
      }
    };
    if (manager.isInited) {
      ask();
    } else {
      manager.init(ask);
    }
  });
}

// Sharing ----------------------------------------------------------------------------------------

/** The client can send a prepared message to a chat the person picks (8.0). */
export const canShareMessage = () => supports("8.0");

/** Let the person send the prepared message `id` to a chat: resolves true when sent. */
export function shareMessage(id) {
  return new Promise((resolve) => {
    try {
      webApp.shareMessage(id, (sent) => resolve(Boolean(sent)));
    } catch (error) {
      console.warn(error); // already open: the first one is still on screen
      resolve(false);
    }
  });
}

/** Older clients: Telegram's own "share a link" chat picker. */
export function shareLink(url, text) {
  const query = new URLSearchParams({ url, text });
  openTelegramLink(`https://t.me/share/url?${query.toString().replace(/\+/g, "%20")}`);
}
