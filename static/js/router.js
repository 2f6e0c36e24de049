// A tiny hash router: `#/shop/3?category=2`. It keeps its own stack so that the BackButton
// goes back inside the app, and to the root when the app was opened deep (a start parameter).
const listeners = [];
const stack = [];

/** The current route: its path and query parameters. */
export function current() {
  const hash = window.location.hash.replace(/^#/, "") || "/";
  const [path, search = ""] = hash.split("?");
  return { path: path || "/", params: new URLSearchParams(search), hash: "#" + hash };
}

/** Go to `hash` (`#/product/5`); `replace` keeps the history length, `silent` (with
 * `replace`) only rewrites the URL without showing the screen again. */
export function navigate(hash, { replace = false, silent = false } = {}) {
  if (replace) {
    window.history.replaceState(null, "", hash);
    if (stack.length) {
      stack[stack.length - 1] = hash;
    } else {
      stack.push(hash);
    }
    if (!silent) {
      emit();
    }
  } else if (hash !== current().hash) {
    window.location.hash = hash;
  }
}

/** Back inside the app, or to the root screen. */
export function back() {
  if (stack.length > 1) {
    window.history.back();
  } else {
    navigate("#/", { replace: true });
  }
}

export function isRoot() {
  return current().path === "/";
}

/** Call `listener(route)` on every route change. */
export function onRoute(listener) {
  listeners.push(listener);
}

function emit() {
  const route = current();
  for (const listener of listeners) {
    listener(route);
  }
}

window.addEventListener("hashchange", () => {
  const hash = current().hash;
  if (stack.length > 1 && stack[stack.length - 2] === hash) {
    stack.pop();
  } else {
    stack.push(hash);
  }
  emit();
});
