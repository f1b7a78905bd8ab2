/* Message bubbles: text, documents, inline keyboards; kept in message_id order. */
"use strict";

function inlineKeyboard(message) {
  const rows = message.reply_markup && message.reply_markup.inline_keyboard;
  if (!rows || !message.from_bot) return null;
  const box = document.createElement("div");
  box.className = "inline-keyboard";
  for (const row of rows) {
    const rowEl = document.createElement("div");
    rowEl.className = "inline-row";
    for (const button of row) {
      let el;
      const href = button.url ? safeUrl(button.url) : null;
      if (href) {
        el = document.createElement("a");
        el.href = href;
        el.target = "_blank";
        el.rel = "noopener noreferrer";
        el.className = "inline-btn url-btn";
        followBotLink(el, href);
      } else {
        el = document.createElement("button");
        el.type = "button";
        el.className = "inline-btn";
        if (button.callback_data !== undefined) {
          el.dataset.callbackData = button.callback_data;
          el.addEventListener("click", () => press(message.message_id, button.callback_data));
        } else {
          el.disabled = true;
        }
      }
      el.textContent = button.text;
      rowEl.appendChild(el);
    }
    box.appendChild(rowEl);
  }
  return box;
}

function messageElement(message) {
  const wrap = document.createElement("div");
  wrap.className = "msg " + (message.from_bot ? "bot" : "user");
  wrap.dataset.messageId = message.message_id;
  const bubble = document.createElement("div");
  bubble.className = "bubble";
  if (message.reply_to && view.messages.has(message.reply_to)) {
    const target = view.messages.get(message.reply_to);
    const preview = document.createElement("div");
    preview.className = "reply-preview";
    preview.textContent = target.text || target.caption || (target.document ? target.document.file_name : "");
    bubble.appendChild(preview);
  }
  if (message.document) {
    const doc = document.createElement("div");
    doc.className = "document";
    const icon = document.createElement("div");
    icon.className = "doc-icon";
    icon.textContent = "📄";
    const info = document.createElement("div");
    const link = document.createElement("a");
    link.className = "doc-link";
    link.href = message.document.url;
    link.download = message.document.file_name || "file";
    link.textContent = message.document.file_name || "文件";
    const size = document.createElement("div");
    size.className = "doc-size";
    size.textContent = formatSize(message.document.file_size || 0);
    info.append(link, size);
    doc.append(icon, info);
    bubble.appendChild(doc);
  }
  if (message.text !== null && message.text !== undefined) {
    const text = document.createElement("div");
    text.className = "text";
    text.appendChild(renderText(message.text, message.entities));
    bubble.appendChild(text);
  }
  if (message.caption) {
    const caption = document.createElement("div");
    caption.className = "caption";
    caption.appendChild(renderText(message.caption, message.caption_entities));
    bubble.appendChild(caption);
  }
  const meta = document.createElement("span");
  meta.className = "meta";
  if (message.edited) {
    const edited = document.createElement("span");
    edited.className = "edited";
    edited.textContent = "已编辑";
    meta.appendChild(edited);
  }
  meta.appendChild(document.createTextNode(formatTime(message.edit_date || message.date)));
  bubble.appendChild(meta);
  wrap.appendChild(bubble);
  const keyboard = inlineKeyboard(message);
  if (keyboard) wrap.appendChild(keyboard);
  return wrap;
}

function upsert(message) {
  const list = $("messages");
  const old = list.querySelector(`.msg[data-message-id="${message.message_id}"]`);
  if (message.deleted) {
    view.messages.delete(message.message_id);
    if (old) old.remove();
    return;
  }
  view.messages.set(message.message_id, message);
  const el = messageElement(message);
  if (old) {
    old.replaceWith(el);
    return;
  }
  let next = null;
  for (const candidate of list.querySelectorAll(".msg")) {
    if (Number(candidate.dataset.messageId) > message.message_id) { next = candidate; break; }
  }
  list.insertBefore(el, next);
}
