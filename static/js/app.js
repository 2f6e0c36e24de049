// Prilavok Mini App, first screen. Plain JS, no build step.
// Signs in with the raw initData (`Authorization: tma <initData>`); the server checks it.
// Every visible string comes from the page's #i18n block, translated by the server.
(function () {
  "use strict";

  const LOCALE_SWITCH_KEY = "prilavok.localeSwitch";
  const TOAST_MS = 2600;

  const root = document.getElementById("app");
  const texts = JSON.parse(document.getElementById("i18n").textContent);
  const tg = window.Telegram && window.Telegram.WebApp;
  const pageLocale = document.documentElement.lang;
  let toastTimer = null;

  function $(id) {
    return document.getElementById(id);
  }

  function supports(version) {
    return Boolean(tg && tg.isVersionAtLeast && tg.isVersionAtLeast(version));
  }

  function applyTheme() {
    // telegram-web-app.js sets the --tg-theme-* variables itself; we only say which
    // scheme they are, and paint Telegram's header and background to match the page.
    if (!tg || !tg.themeParams || !tg.themeParams.bg_color) {
      return;
    }
    document.documentElement.dataset.scheme = tg.colorScheme;
    if (supports("6.1")) {
      tg.setHeaderColor("secondary_bg_color");
      tg.setBackgroundColor("secondary_bg_color");
    }
  }

  function setBusy(busy) {
    root.setAttribute("aria-busy", busy ? "true" : "false");
  }

  function showError(message, canRetry) {
    setBusy(false);
    $("status").hidden = true;
    $("home").hidden = true;
    $("error-message").textContent = message;
    $("retry").hidden = !canRetry;
    $("error").hidden = false;
  }

  function showToast(message) {
    const toast = $("toast");
    toast.textContent = message;
    toast.hidden = false;
    window.clearTimeout(toastTimer);
    toastTimer = window.setTimeout(function () {
      toast.hidden = true;
    }, TOAST_MS);
  }

  function haptic() {
    if (supports("6.1")) {
      tg.HapticFeedback.impactOccurred("light");
    }
  }

  // The page is rendered in the language of ?lang= or Accept-Language; the person's own
  // language (chosen in the bot) wins, with one reload at most per session.
  function switchLocale(locale) {
    if (!locale || locale === pageLocale) {
      return false;
    }
    const url = new URL(window.location.href);
    if (url.searchParams.get("lang") === locale) {
      return false; // already asked for it: never loop
    }
    try {
      if (window.sessionStorage.getItem(LOCALE_SWITCH_KEY)) {
        return false;
      }
      window.sessionStorage.setItem(LOCALE_SWITCH_KEY, locale);
    } catch (error) {
      // Storage can be blocked; the ?lang= check above still prevents a loop.
    }
    url.searchParams.set("lang", locale);
    window.location.replace(url.toString());
    return true;
  }

  function showHome(me) {
    const name = me.first_name || me.username;
    $("greeting").textContent = name ? texts.hello.replace("{name}", name) : texts.welcome;
    $("status").textContent = texts.ready;
    $("status").hidden = false;
    $("error").hidden = true;
    $("home").hidden = false;
    setBusy(false);
  }

  async function signIn() {
    const initData = tg ? tg.initData : "";
    if (!initData) {
      showError(texts.outside_telegram, false);
      return;
    }
    setBusy(true);
    $("error").hidden = true;
    let response;
    try {
      response = await fetch(root.dataset.api + "/me?lang=" + encodeURIComponent(pageLocale), {
        headers: { Authorization: "tma " + initData },
        cache: "no-store",
        credentials: "omit",
      });
    } catch (error) {
      showError(texts.network_error, true);
      return;
    }
    let body = null;
    try {
      body = await response.json();
    } catch (error) {
      body = null;
    }
    if (!response.ok || !body) {
      const message = body && body.error && body.error.message;
      showError(message || texts.server_error, response.status >= 500);
      return;
    }
    if (!switchLocale(body.locale)) {
      showHome(body);
      if (root.dataset.product) {
        showProduct(initData, root.dataset.product);
      }
    }
  }

  // The chat's "Open in the app" button opens /app?product=ID: the product's photos, its 3D
  // model and its text, above the sections.
  async function showProduct(initData, productId) {
    let product = null;
    try {
      const response = await fetch(
        root.dataset.api + "/products/" + encodeURIComponent(productId) +
          "?lang=" + encodeURIComponent(pageLocale),
        {
          headers: { Authorization: "tma " + initData },
          cache: "no-store",
          credentials: "omit",
        },
      );
      product = response.ok ? await response.json() : null;
      if (!product && response.status < 500) {
        showToast(texts.product_missing);
        return;
      }
    } catch (error) {
      product = null;
    }
    if (!product) {
      showToast(texts.network_error);
      return;
    }
    const gallery = $("product-gallery");
    gallery.replaceChildren();
    product.photos.forEach(function (photo, index) {
      const image = document.createElement("img");
      image.src = photo.url;
      image.loading = index === 0 ? "eager" : "lazy";
      image.alt = texts.photo
        .replace("{number}", String(index + 1))
        .replace("{count}", String(product.photos.length));
      gallery.appendChild(image);
    });
    const model = $("product-model");
    if (model && product.model_url) {
      model.setAttribute("src", product.model_url);
      model.hidden = false;
      $("product-model-hint").hidden = false;
    }
    $("product-title").textContent = product.title;
    $("product-price").textContent = product.price.formatted;
    $("product-stock").textContent = product.stock.label;
    $("product-shop").textContent = product.provider.name;
    $("product-description").textContent = product.description;
    $("product").hidden = false;
  }

  function bindEvents() {
    document.querySelectorAll(".tile").forEach(function (tile) {
      tile.addEventListener("click", function () {
        haptic();
        showToast(texts.coming_soon);
      });
    });
    $("retry").addEventListener("click", signIn);
    // Inside Telegram a plain link would open in the Mini App's own view; openLink
    // opens the browser instead.
    document.querySelectorAll("a[data-external]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (tg && tg.initData) {
          event.preventDefault();
          tg.openLink(link.href);
        }
      });
    });
    const model = $("preview-model");
    if (model && window.matchMedia("(prefers-reduced-motion: reduce)").matches) {
      model.removeAttribute("auto-rotate");
    }
  }

  if (tg) {
    tg.ready();
    tg.expand();
    applyTheme();
    tg.onEvent("themeChanged", applyTheme);
  }
  bindEvents();
  signIn();
})();
