// The 企业微信 sandbox chat page: one member (?user=...) talking to the self-built app.
"use strict";

const api = (path) => `/sandbox/api/${path}`;
const params = new URLSearchParams(location.search);
let user = params.get("user") || "zhangsan";
let version = 0;
let epoch = null;
let generation = 0;
const messages = new Map();

const $ = (id) => document.getElementById(id);

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

// 企业微信's markdown subset, enough to read: **bold**, `code`, [text](url), # headings.
function markdown(text) {
  return escapeHtml(text)
    .replace(/^#{1,6}\s*(.*)$/gm, "<strong>$1</strong>")
    .replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>")
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\[([^\]]+)\]\((https?:[^)\s]+)\)/g, '<a href="$2" target="_blank" rel="noopener">$1</a>');
}

function sizeText(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function toast(text) {
  const box = $("toast");
  box.textContent = text;
  box.classList.remove("hidden");
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => box.classList.add("hidden"), 2500);
}

async function call(method, path, body) {
  const options = { method };
  if (body instanceof FormData) options.body = body;
  else if (body !== undefined) {
    options.body = JSON.stringify(body);
    options.headers = { "Content-Type": "application/json" };
  }
  const response = await fetch(api(path), options);
  const data = await response.json();
  if (!data.ok) throw new Error(data.error || `HTTP ${response.status}`);
  return data;
}

function renderContent(msg) {
  if (msg.kind === "template_card" && msg.card) {
    const card = document.createElement("div");
    card.className = "card";
    const title = (msg.card.main_title || {}).title;
    if (title) {
      const el = document.createElement("div");
      el.className = "card-title";
      el.textContent = title;
      card.append(el);
    }
    if (msg.card.sub_title_text) {
      const el = document.createElement("div");
      el.className = "card-desc";
      el.textContent = msg.card.sub_title_text;
      card.append(el);
    }
    if (msg.replaced_label) {
      const label = document.createElement("div");
      label.className = "card-label";
      label.textContent = msg.replaced_label;
      card.append(label);
    } else {
      const row = document.createElement("div");
      row.className = "card-buttons";
      for (const button of msg.card.button_list || []) {
        const el = document.createElement("button");
        el.type = "button";
        el.className = "card-btn" + (button.key === msg.pressed_key ? " pressed" : "");
        el.textContent = button.text;
        el.dataset.key = button.key;
        el.addEventListener("click", () => press(msg.id, button.key));
        row.append(el);
      }
      card.append(row);
    }
    return card;
  }
  if (msg.kind === "file") {
    const box = document.createElement("div");
    box.className = "file";
    const icon = document.createElement("div");
    icon.className = "file-icon";
    icon.textContent = (msg.file_name.split(".").pop() || "文件").slice(0, 4).toUpperCase();
    const info = document.createElement("div");
    const link = document.createElement("a");
    link.className = "file-name";
    link.href = msg.url;
    link.textContent = msg.file_name;
    link.download = msg.file_name;
    const size = document.createElement("div");
    size.className = "file-size";
    size.textContent = sizeText(msg.size);
    info.append(link, size);
    box.append(icon, info);
    return box;
  }
  const bubble = document.createElement("div");
  bubble.className = "bubble";
  if (msg.kind === "markdown") bubble.innerHTML = markdown(msg.text);
  else bubble.textContent = msg.text;
  return bubble;
}

function render(msg) {
  const row = document.createElement("div");
  row.className = `msg ${msg.from_bot ? "bot" : "user"}`;
  row.dataset.id = msg.id;
  const avatar = document.createElement("div");
  avatar.className = "avatar";
  avatar.textContent = msg.from_bot ? "赛" : user.slice(0, 1).toUpperCase();
  row.append(avatar, renderContent(msg));
  return row;
}

function apply(data) {
  if (epoch !== null && data.epoch !== epoch) {
    messages.clear();
    version = 0;
    $("messages").querySelectorAll(".msg").forEach((el) => el.remove());
  }
  epoch = data.epoch;
  $("app-name").textContent = data.app.name;
  const box = $("messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  for (const msg of data.messages) {
    const old = box.querySelector(`.msg[data-id="${msg.id}"]`);
    const el = render(msg);
    if (old) old.replaceWith(el);
    else box.append(el);
    messages.set(msg.id, msg);
  }
  version = Math.max(version, data.version);
  $("empty-hint").classList.toggle("hidden", messages.size > 0);
  if (atBottom || data.messages.length) box.scrollTop = box.scrollHeight;
}

async function poll(mine) {
  while (mine === generation) {
    try {
      const query = new URLSearchParams({ user, since: version, timeout: 25 });
      if (epoch !== null) query.set("epoch", epoch);
      const data = await call("GET", `poll?${query}`);
      if (mine !== generation) return;
      apply(data);
    } catch (error) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

async function send() {
  const input = $("input");
  const text = input.value;
  if (!text.trim()) return;
  input.value = "";
  try {
    await call("POST", "send", { user, text });
  } catch (error) {
    toast(error.message);
  }
}

async function press(messageId, key) {
  try {
    await call("POST", "press", { user, message_id: messageId, key });
  } catch (error) {
    toast(error.message);
  }
}

async function upload(file) {
  const form = new FormData();
  form.append("user", user);
  form.append("file", file, file.name);
  try {
    await call("POST", "upload", form);
  } catch (error) {
    toast(error.message);
  }
}

async function open() {
  generation += 1;
  messages.clear();
  version = 0;
  epoch = null;
  $("messages").querySelectorAll(".msg").forEach((el) => el.remove());
  $("user-id").value = user;
  const data = await call("GET", `messages?${new URLSearchParams({ user, since: 0 })}`);
  apply(data);
  document.body.dataset.ready = "1";
  poll(generation);
  call("POST", "enter", { user }).catch((error) => toast(error.message));
}

$("send").addEventListener("click", send);
$("input").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    send();
  }
});
$("upload").addEventListener("click", () => $("file-input").click());
$("file-input").addEventListener("change", (event) => {
  const [file] = event.target.files;
  if (file) upload(file);
  event.target.value = "";
});
$("user-switch").addEventListener("click", () => {
  const next = $("user-id").value.trim();
  if (!next) return;
  user = next;
  history.replaceState(null, "", `?user=${encodeURIComponent(user)}`);
  open();
});

open().catch((error) => toast(error.message));
