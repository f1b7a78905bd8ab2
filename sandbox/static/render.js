/* Rendering of Telegram text + entities into safe DOM (offsets are UTF-16, like JS strings). */
"use strict";

const SAFE_SCHEMES = ["http:", "https:", "tg:", "mailto:"];

function safeUrl(url) {
  try {
    const parsed = new URL(url, location.href);
    return SAFE_SCHEMES.includes(parsed.protocol) ? parsed.href : null;
  } catch (e) {
    return null;
  }
}

/* A t.me link to this bot does what the Telegram app does with it: it sends /start <param>. */
function botStartText(href) {
  let url;
  try {
    url = new URL(href);
  } catch (e) {
    return null;
  }
  if (!["t.me", "telegram.me"].includes(url.hostname)) return null;
  const name = url.pathname.replace(/^\/+|\/+$/g, "").toLowerCase();
  if (!view.botUsername || name !== view.botUsername.toLowerCase()) return null;
  const start = url.searchParams.get("start");
  return start ? `/start ${start}` : "/start";
}

function followBotLink(el, href) {
  el.addEventListener("click", (event) => {
    const text = botStartText(href);
    if (text === null) return;
    event.preventDefault();
    sendText(text);
  });
}

function entityElement(entity, text) {
  let el;
  switch (entity.type) {
    case "bold": el = document.createElement("b"); break;
    case "italic": el = document.createElement("i"); break;
    case "underline": el = document.createElement("u"); break;
    case "strikethrough": el = document.createElement("s"); break;
    case "code": el = document.createElement("code"); break;
    case "spoiler":
      el = document.createElement("span");
      el.className = "spoiler";
      el.addEventListener("click", () => el.classList.add("revealed"));
      break;
    case "pre": {
      const pre = document.createElement("pre");
      const code = document.createElement("code");
      if (entity.language) code.className = "language-" + entity.language.replace(/[^\w-]/g, "");
      pre.appendChild(code);
      return { el: pre, inner: code };
    }
    case "blockquote":
    case "expandable_blockquote":
      el = document.createElement("blockquote");
      if (entity.type === "expandable_blockquote") {
        el.className = "expandable collapsed";
        el.addEventListener("click", () => el.classList.toggle("collapsed"));
      }
      break;
    case "text_link":
    case "url": {
      const href = safeUrl(entity.type === "url" ? (/^\w+:/.test(text) ? text : "https://" + text) : entity.url);
      el = document.createElement(href ? "a" : "span");
      if (href) {
        el.href = href;
        el.target = "_blank";
        el.rel = "noopener noreferrer";
        followBotLink(el, href);
      }
      break;
    }
    case "bot_command":
      el = document.createElement("span");
      el.className = "bot-command";
      el.addEventListener("click", () => sendText(text));
      break;
    default:
      el = document.createElement("span");
      el.className = "entity-" + String(entity.type).replace(/[^\w-]/g, "");
  }
  return { el, inner: el };
}

function build(parent, text, start, end, entities) {
  let pos = start;
  let i = 0;
  while (i < entities.length) {
    const entity = entities[i];
    const entityEnd = entity.offset + entity.length;
    const children = [];
    let j = i + 1;
    while (j < entities.length && entities[j].offset < entityEnd) children.push(entities[j++]);
    const from = Math.max(entity.offset, pos);
    const to = Math.min(entityEnd, end);
    if (from > pos) parent.appendChild(document.createTextNode(text.slice(pos, from)));
    if (to > from) {
      const { el, inner } = entityElement(entity, text.slice(from, to));
      parent.appendChild(el);
      build(inner, text, from, to, children);
      pos = to;
    }
    i = j;
  }
  if (pos < end) parent.appendChild(document.createTextNode(text.slice(pos, end)));
}

function renderText(text, entities) {
  const fragment = document.createDocumentFragment();
  const sorted = (entities || []).slice().sort((a, b) => a.offset - b.offset || b.length - a.length);
  build(fragment, text || "", 0, (text || "").length, sorted);
  return fragment;
}

function formatTime(unix) {
  const d = new Date(unix * 1000);
  return String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0");
}

function formatSize(bytes) {
  if (bytes < 1024) return bytes + " B";
  if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1) + " KB";
  return (bytes / 1024 / 1024).toFixed(1) + " MB";
}
