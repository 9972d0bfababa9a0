/*
 * replyqa chat widget: one <script> tag adds a chat bubble that opens /chat in an iframe.
 *
 *   <script src="https://HOST/widget.js" data-title="政务问答" data-position="right"
 *           data-token="TOKEN" data-lang="zh"></script>
 *
 * data-title: bubble and panel title; data-position: "right" (default) or "left";
 * data-token: a short-lived widget token from POST /api/v1/tokens (omit for a public chat);
 * data-lang: "zh" (default) or "en". The page can also call window.ReplyQAWidget.open().
 * Markup lives in a shadow root so the host page's CSS cannot reach it (and ours not out).
 */
(function () {
  "use strict";
  if (window.ReplyQAWidget) return; // included twice: keep the first bubble
  var script = document.currentScript ||
    Array.prototype.slice.call(document.querySelectorAll("script[src*='widget.js']")).pop();
  if (!script) return;
  var ds = script.dataset || {};
  var base = script.src.replace(/\/widget\.js(?:[?#].*)?$/, "");
  var title = ds.title || "政务问答";
  var side = ds.position === "left" ? "left" : "right";
  var params = new URLSearchParams({ embed: "1" });
  if (ds.token) params.set("token", ds.token);
  if (ds.lang) params.set("lang", ds.lang);
  var src = base + "/chat/?" + params.toString();

  var host = document.createElement("div");
  host.setAttribute("data-replyqa-widget", "");
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  var style = document.createElement("style");
  style.textContent = [
    ":host{all:initial}",
    ".bubble{position:fixed;bottom:20px;" + side + ":20px;z-index:2147483000;display:flex;",
    "align-items:center;gap:8px;padding:12px 18px;border:none;border-radius:999px;",
    "background:#b91c1c;color:#fff;font:15px/1.2 system-ui,'Noto Sans CJK SC',sans-serif;",
    "box-shadow:0 4px 16px rgba(0,0,0,.25);cursor:pointer}",
    ".bubble:focus-visible{outline:3px solid #fbbf24;outline-offset:2px}",
    ".panel{position:fixed;bottom:84px;" + side + ":20px;z-index:2147483000;width:420px;",
    "height:min(680px,calc(100vh - 110px));display:none;flex-direction:column;background:#fff;",
    "border-radius:12px;overflow:hidden;box-shadow:0 8px 32px rgba(0,0,0,.3)}",
    ".panel.open{display:flex}",
    ".head{display:flex;justify-content:space-between;align-items:center;padding:8px 12px;",
    "background:#b91c1c;color:#fff;font:600 15px system-ui,'Noto Sans CJK SC',sans-serif}",
    ".close{background:none;border:none;color:#fff;font-size:22px;line-height:1;cursor:pointer}",
    "iframe{flex:1;width:100%;border:0}",
    "@media (max-width:480px){.panel{width:auto;left:8px;right:8px;bottom:76px}}",
  ].join("");
  var bubble = document.createElement("button");
  bubble.className = "bubble";
  bubble.type = "button";
  bubble.setAttribute("aria-expanded", "false");
  // An inline SVG icon: an emoji would need a colour font the visitor may not have.
  bubble.innerHTML = '<svg width="20" height="20" viewBox="0 0 24 24" aria-hidden="true">' +
    '<path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 ' +
    '0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>';
  var bubbleText = document.createElement("span");
  bubbleText.textContent = title; // the title is text, never markup
  bubble.appendChild(bubbleText);
  var panel = document.createElement("div");
  panel.className = "panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", title);
  var head = document.createElement("div");
  head.className = "head";
  var label = document.createElement("span");
  label.textContent = title;
  var close = document.createElement("button");
  close.className = "close";
  close.type = "button";
  close.setAttribute("aria-label", "关闭 / Close");
  close.textContent = "\u00D7";
  head.appendChild(label);
  head.appendChild(close);
  panel.appendChild(head);
  root.appendChild(style);
  root.appendChild(panel);
  root.appendChild(bubble);

  var frame = null;
  function open() {
    if (!frame) { // load the chat on first open only: no cost to pages never using it
      frame = document.createElement("iframe");
      frame.title = title;
      frame.src = src;
      frame.setAttribute("allow", "clipboard-write");
      panel.appendChild(frame);
    }
    panel.classList.add("open");
    bubble.setAttribute("aria-expanded", "true");
  }
  function hide() {
    panel.classList.remove("open");
    bubble.setAttribute("aria-expanded", "false");
  }
  function toggle() { panel.classList.contains("open") ? hide() : open(); }
  bubble.addEventListener("click", toggle);
  close.addEventListener("click", hide);
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") hide(); });
  function mount() { document.body.appendChild(host); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
  window.ReplyQAWidget = { open: open, close: hide, toggle: toggle };
})();
