/* Web chat page of the Bot API sandbox: plays one Telegram user against the bot. */
"use strict";

const $ = (id) => document.getElementById(id);
const API = "/sandbox/api";

const view = {
  userId: 0,
  version: 0,
  epoch: 0,
  generation: 0,
  controller: null,
  messages: new Map(),
  toastVersion: -1,
  keyboard: null,
  keyboardOpen: false,
  keyboardHidden: false,
  blocked: false,
  commands: [],
  typingTimer: null,
  toastTimer: null,
  botUsername: "",
};

function pickUser() {
  const fromUrl = parseInt(new URLSearchParams(location.search).get("user") || "", 10);
  if (fromUrl > 0) return fromUrl;
  const saved = parseInt(localStorage.getItem("sandbox-user") || "", 10);
  return saved > 0 ? saved : 10001;
}

async function api(path, options) {
  const response = await fetch(API + path, options);
  const data = await response.json();
  if (!data.ok) throw new Error(data.error || "请求失败");
  return data;
}

function postJSON(path, body) {
  return api(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user: view.userId, ...body }),
  });
}
/* ---------- chat state ---------- */

function renderKeyboard() {
  const box = $("reply-keyboard");
  box.textContent = "";
  const keyboard = view.keyboard;
  $("keyboard-toggle").classList.toggle("hidden", !keyboard);
  if (!keyboard || !view.keyboardOpen) {
    box.classList.add("hidden");
    return;
  }
  for (const row of keyboard.keyboard) {
    const rowEl = document.createElement("div");
    rowEl.className = "reply-row";
    for (const button of row) {
      const el = document.createElement("button");
      el.type = "button";
      el.className = "reply-btn";
      el.textContent = button.text;
      el.addEventListener("click", () => sendText(button.text));
      rowEl.appendChild(el);
    }
    box.appendChild(rowEl);
  }
  box.classList.remove("hidden");
}

function showToast(answer) {
  if (!answer.text) return;
  if (answer.show_alert) {
    $("alert-text").textContent = answer.text;
    $("alert").classList.remove("hidden");
    return;
  }
  const toast = $("toast");
  toast.textContent = answer.text;
  toast.classList.remove("hidden");
  clearTimeout(view.toastTimer);
  view.toastTimer = setTimeout(() => toast.classList.add("hidden"), 3000);
}

function showAction(action) {
  const status = $("status");
  const age = Date.now() / 1000 - action.at;
  if (age > 5) return;
  status.textContent = action.action === "typing" ? "正在输入…" : "正在发送文件…";
  status.classList.add("typing");
  clearTimeout(view.typingTimer);
  view.typingTimer = setTimeout(() => {
    status.textContent = "机器人";
    status.classList.remove("typing");
  }, (5 - age) * 1000);
}

function apply(data, initial) {
  $("bot-name").textContent = data.bot.first_name;
  view.botUsername = data.bot.username || "";
  for (const message of data.messages) upsert(message);
  view.version = Math.max(view.version, data.version);
  $("empty-hint").classList.toggle("hidden", view.messages.size > 0);
  const keyboard = data.reply_keyboard;
  if (JSON.stringify(keyboard) !== JSON.stringify(view.keyboard) || data.keyboard_hidden !== view.keyboardHidden) {
    view.keyboard = keyboard;
    view.keyboardHidden = data.keyboard_hidden;
    view.keyboardOpen = Boolean(keyboard) && !data.keyboard_hidden;
  }
  renderKeyboard();
  const placeholder = (data.force_reply && data.force_reply.input_field_placeholder)
    || (view.keyboardOpen && keyboard && keyboard.input_field_placeholder) || "输入消息…";
  $("input").placeholder = placeholder;
  if (data.toast && data.toast.version > view.toastVersion) {
    if (!initial) showToast(data.toast);
    view.toastVersion = data.toast.version;
  }
  if (data.action && !initial) showAction(data.action);
  view.blocked = Boolean(data.blocked);
  $("composer").classList.toggle("hidden", view.blocked);
  $("blocked-banner").classList.toggle("hidden", !view.blocked);
  $("block-toggle").textContent = view.blocked ? "解除屏蔽" : "屏蔽机器人";
  if (data.messages.length) $("messages").scrollTop = $("messages").scrollHeight;
}

async function loadCommands() {
  try {
    const data = await api(`/commands?user=${view.userId}`);
    view.commands = data.commands;
  } catch (e) {
    view.commands = [];
  }
  const menu = $("command-menu");
  menu.textContent = "";
  if (!view.commands.length) {
    const empty = document.createElement("div");
    empty.className = "command-empty";
    empty.textContent = "暂无命令";
    menu.appendChild(empty);
  }
  for (const command of view.commands) {
    const item = document.createElement("button");
    item.type = "button";
    item.className = "command-item";
    item.dataset.command = command.command;
    const name = document.createElement("span");
    name.className = "command-name";
    name.textContent = "/" + command.command;
    const desc = document.createElement("span");
    desc.className = "command-desc";
    desc.textContent = command.description;
    item.append(name, desc);
    item.addEventListener("click", () => {
      menu.classList.add("hidden");
      sendText("/" + command.command);
    });
    menu.appendChild(item);
  }
}

async function pollLoop(generation) {
  while (generation === view.generation) {
    try {
      const query = `user=${view.userId}&since=${view.version}&epoch=${view.epoch}&timeout=25`;
      const response = await fetch(`${API}/poll?${query}`,
        { signal: view.controller.signal });
      const data = await response.json();
      if (generation !== view.generation) return;
      if (data.ok && data.epoch !== view.epoch) {
        switchUser(view.userId);  // the sandbox was reset: reload the chat
        return;
      }
      if (data.ok) {
        apply(data, false);
        loadCommands();
      }
    } catch (e) {
      if (generation !== view.generation) return;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

async function switchUser(userId) {
  if (view.controller) view.controller.abort();
  view.generation += 1;
  const generation = view.generation;
  view.controller = new AbortController();
  Object.assign(view, { userId, version: 0, toastVersion: -1, keyboard: null, keyboardOpen: false });
  view.messages.clear();
  for (const el of document.querySelectorAll("#messages .msg")) el.remove();
  $("user-id").value = userId;
  localStorage.setItem("sandbox-user", String(userId));
  const url = new URL(location.href);
  url.searchParams.set("user", userId);
  history.replaceState(null, "", url);
  document.title = `用户 ${userId} · Telegram 沙盒`;
  const start = url.searchParams.get("start");
  if (start !== null) {
    url.searchParams.delete("start");  // used once: a reload does not send it again
    history.replaceState(null, "", url);
  }
  const data = await api(`/messages?user=${userId}&since=0`);
  if (generation !== view.generation) return;
  view.epoch = data.epoch;
  apply(data, true);
  await loadCommands();
  document.body.dataset.ready = "1";
  pollLoop(generation);
  // ?start=CODE opens the chat as t.me/<bot>?start=CODE does, if it has not begun yet.
  if (start !== null && view.messages.size === 0) sendText(start ? `/start ${start}` : "/start");
}

/* ---------- actions ---------- */

function flash(error) {
  showToast({ text: "⚠ " + error.message, show_alert: false });
}

async function sendText(text) {
  text = text.trim();
  if (!text) return;
  try {
    const data = await postJSON("/send", { text });
    upsert(data.message);
    $("empty-hint").classList.add("hidden");
    $("messages").scrollTop = $("messages").scrollHeight;
  } catch (e) {
    flash(e);
  }
}

async function press(messageId, callbackData) {
  try {
    await postJSON("/press", { message_id: messageId, data: callbackData });
  } catch (e) {
    flash(e);
  }
}

async function sendInput() {
  const input = $("input");
  const text = input.value;
  input.value = "";
  await sendText(text);
}

async function uploadFile(file) {
  const form = new FormData();
  form.append("user", String(view.userId));
  form.append("file", file, file.name);
  const caption = $("input").value.trim();
  if (caption) form.append("caption", caption);
  $("input").value = "";
  try {
    const data = await api("/upload", { method: "POST", body: form });
    upsert(data.message);
  } catch (e) {
    flash(e);
  }
}

async function setBlocked(blocked) {
  try {
    await postJSON("/block", { blocked });
  } catch (e) {
    flash(e);
  }
}

function setup() {
  $("send").addEventListener("click", sendInput);
  $("input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      sendInput();
    }
  });
  $("upload").addEventListener("click", () => $("file-input").click());
  $("file-input").addEventListener("change", (event) => {
    const file = event.target.files[0];
    if (file) uploadFile(file);
    event.target.value = "";
  });
  $("menu").addEventListener("click", (event) => {
    event.stopPropagation();
    $("command-menu").classList.toggle("hidden");
  });
  document.addEventListener("click", (event) => {
    for (const id of ["command-menu", "more-menu"]) {
      if (!$(id).contains(event.target)) $(id).classList.add("hidden");
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      $("command-menu").classList.add("hidden");
      $("more-menu").classList.add("hidden");
    }
  });
  $("keyboard-toggle").addEventListener("click", () => {
    view.keyboardOpen = !view.keyboardOpen;
    renderKeyboard();
  });
  $("more").addEventListener("click", (event) => {
    event.stopPropagation();
    $("more-menu").classList.toggle("hidden");
  });
  $("block-toggle").addEventListener("click", () => {
    $("more-menu").classList.add("hidden");
    setBlocked(!view.blocked);
  });
  $("open-new").addEventListener("click", () => {
    $("more-menu").classList.add("hidden");
    const url = new URL(location.href);
    url.searchParams.set("user", view.userId + 1);
    window.open(url.href, "_blank");
  });
  $("unblock").addEventListener("click", () => setBlocked(false));
  $("alert-ok").addEventListener("click", () => $("alert").classList.add("hidden"));
  const doSwitch = () => {
    const id = parseInt($("user-id").value, 10);
    if (id > 0) switchUser(id);
  };
  $("user-switch").addEventListener("click", doSwitch);
  $("user-id").addEventListener("keydown", (event) => { if (event.key === "Enter") doSwitch(); });
  switchUser(pickUser());
}

setup();
