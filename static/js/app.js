// Prilavok Mini App: the entry module. Signs in (GET /me with the initData), opens the screen
// that the URL hash or the start parameter names, and gives each screen the MainButton and
// BackButton. One module per screen under ./screens/, loaded when first opened.
import { html, render } from "lit-html";
import { api, ApiError } from "./api.js";
import { t, locale } from "./i18n.js";
import * as router from "./router.js";
import * as telegram from "./telegram.js";
import { failure, rememberCart, skeleton } from "./ui.js";
import { rememberStaff } from "./seller_nav.js";

const LOCALE_SWITCH_KEY = "prilavok.localeSwitch";
const root = document.getElementById("app");
const screen = document.getElementById("screen");

const ROUTES = [
  [/^\/$/, () => import("./screens/shops.js")],
  [/^\/search$/, () => import("./screens/search.js")],
  [/^\/shop\/(\d+)$/, () => import("./screens/shop.js")],
  [/^\/product\/(\d+)$/, () => import("./screens/product.js")],
  [/^\/cart$/, () => import("./screens/cart.js")],
  [/^\/checkout$/, () => import("./screens/checkout.js")],
  [/^\/orders$/, () => import("./screens/orders.js")],
  [/^\/order\/(\d+)$/, () => import("./screens/order.js")],
  [/^\/profile$/, () => import("./screens/profile.js")],
  [/^\/seller$/, () => import("./screens/seller.js")],
  [/^\/seller\/order\/(\d+)$/, () => import("./screens/seller_order.js")],
  [/^\/seller\/scan$/, () => import("./screens/seller_scan.js")],
  [/^\/seller\/stock$/, () => import("./screens/seller_stock.js")],
  [/^\/seller\/dashboard$/, () => import("./screens/seller_dashboard.js")],
  [/^\/homework$/, () => import("./screens/homework.js")],
  [/^\/tutors$/, () => import("./screens/tutors.js")],
  [/^\/tutor\/(\d+)$/, () => import("./screens/tutor.js")],
  [/^\/lessons$/, () => import("./screens/lessons.js")],
];

let generation = 0;

/** Show the screen for `route`; a later route change wins over a slower earlier one. */
async function show(route) {
  const mine = ++generation;
  telegram.hideMainButton();
  telegram.hideSecondaryButton();
  telegram.confirmClosing(false);
  telegram.setBackButton(router.isRoot() ? null : router.back);
  const match = ROUTES.map(([pattern, load]) => [route.path.match(pattern), load]).find(
    ([found]) => found,
  );
  if (!match) {
    router.navigate("#/", { replace: true });
    return;
  }
  const [found, load] = match;
  root.setAttribute("aria-busy", "true");
  render(skeleton(), screen);
  window.scrollTo(0, 0);
  const context = {
    id: found[1] ? Number(found[1]) : null,
    params: route.params,
    stale: () => mine !== generation,
    draw: (template) => {
      if (mine === generation) {
        render(template, screen);
      }
    },
  };
  try {
    const module = await load();
    await module.default(context);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      reopen(t("session_expired"));
      return;
    }
    if (!(error instanceof ApiError)) {
      console.warn(error); // a bug of ours: still show something the person can act on
    }
    context.draw(failure(error instanceof ApiError ? error : new ApiError(0, "bug", t("server_error")), () => show(route)));
  } finally {
    if (mine === generation) {
      root.setAttribute("aria-busy", "false");
    }
  }
}

/** Opened outside Telegram or with initData the server no longer accepts. */
function reopen(message) {
  generation += 1;
  telegram.hideMainButton();
  telegram.setBackButton(null);
  root.setAttribute("aria-busy", "false");
  render(
    html`<section class="card notice reopen" role="alert">
      <h1>${t("reopen_title")}</h1>
      <p>${message}</p>
    </section>`,
    screen,
  );
}

/** The page was rendered in the language of ?lang= or Accept-Language; the person's own
 * language (chosen in the bot) wins, with one reload at most per session. */
function switchLocale(wanted) {
  if (!wanted || wanted === locale) {
    return false;
  }
  const url = new URL(window.location.href);
  if (url.searchParams.get("lang") === wanted) {
    return false; // already asked for it: never loop
  }
  try {
    if (window.sessionStorage.getItem(LOCALE_SWITCH_KEY)) {
      return false;
    }
    window.sessionStorage.setItem(LOCALE_SWITCH_KEY, wanted);
  } catch (error) {
    // Storage can be blocked; the ?lang= check above still prevents a loop.
  }
  url.searchParams.set("lang", wanted);
  window.location.replace(url.toString());
  return true;
}

/** The first route: the hash when it is one of ours, else `?product=ID` or `?order=ID` (the
 * chat's "Open in the app" buttons), else the start parameter. */
function firstRoute() {
  const hash = window.location.hash;
  if (hash.startsWith("#/")) {
    return hash;
  }
  const product = new URLSearchParams(window.location.search).get("product") || "";
  if (/^[1-9]\d{0,9}$/.test(product)) {
    return `#/product/${product}`;
  }
  const order = new URLSearchParams(window.location.search).get("order") || "";
  if (/^[1-9]\d{0,9}$/.test(order)) {
    return `#/order/${order}`; // a web_app button of the bot's message about the order
  }
  const [kind, id] = telegram.startParam().split("_");
  if (/^\d+$/.test(id || "")) {
    if (kind === "product") {
      return `#/product/${id}`;
    }
    if (kind === "shop") {
      return `#/shop/${id}`;
    }
    if (kind === "tutor") {
      return `#/tutor/${id}`;
    }
    if (kind === "order") {
      return `#/order/${id}`;
    }
  }
  return "#/";
}

async function main() {
  telegram.start();
  // lit-html renders next to what a container holds: start from the shell's skeleton, once.
  screen.replaceChildren();
  render(skeleton(), screen);
  for (const link of document.querySelectorAll("a[data-external]")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      telegram.openLink(link.href);
    });
  }
  if (!telegram.initData()) {
    reopen(t("reopen_text"));
    return;
  }
  // telegram-web-app.js has read its launch parameters from the hash (and keeps them for
  // reloads): from here on the hash is the route.
  const first = firstRoute();
  try {
    // The cart comes with /me: the first screen's cart link is drawn once, with its count.
    const [me, cart] = await Promise.all([api.get("/me"), api.get("/cart").catch(() => null)]);
    if (switchLocale(me.locale)) {
      return;
    }
    rememberStaff(me.is_staff);
    if (cart) {
      rememberCart(cart);
    }
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      reopen(t("session_expired"));
    } else {
      render(failure(error, () => window.location.reload()), screen);
      root.setAttribute("aria-busy", "false");
    }
    return;
  }
  router.onRoute(show);
  router.navigate(first, { replace: true });
}

main();
