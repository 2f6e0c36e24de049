// The page's texts, translated by the server (webapp/routes/mini_app_texts.py).
const texts = JSON.parse(document.getElementById("i18n").textContent);

/** The text for `key` with `{name}` placeholders filled from `params`. */
export function t(key, params = {}) {
  const text = texts[key];
  if (text === undefined) {
    throw new Error(`no text "${key}"`);
  }
  return text.replace(/\{(\w+)\}/g, (match, name) =>
    name in params ? String(params[name]) : match,
  );
}

export const locale = document.documentElement.lang;
