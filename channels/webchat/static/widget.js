/*
 * Dorpspomp chat widget. Embed with:
 *   <script src="https://host/widget.js" data-title="Chat met de gemeente" async></script>
 * No build step, no dependencies. Everything shown is built with textContent,
 * so nothing a citizen or the server sends is ever parsed as HTML.
 */
(function () {
  "use strict";
  if (window.__dorpspompWidget) return;
  window.__dorpspompWidget = true;

  var script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  var base = new URL(script.src, window.location.href);
  var title = script.getAttribute("data-title") || "Chat met de gemeente";
  var storageKey = "dorpspomp:" + base.host;
  var wsUrl = (base.protocol === "https:" ? "wss://" : "ws://") + base.host + "/webchat/ws";

  var css = [
    ".dp-launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:28px;",
    "padding:14px 20px;background:#0b5394;color:#fff;font:600 16px/1.2 system-ui,sans-serif;cursor:pointer;",
    "box-shadow:0 2px 8px rgba(0,0,0,.3)}",
    ".dp-launcher:focus-visible,.dp-panel button:focus-visible,.dp-panel textarea:focus-visible,.dp-panel a:focus-visible,.dp-log:focus-visible",
    "{outline:3px solid #ffbf47;outline-offset:2px}",
    ".dp-panel{position:fixed;right:20px;bottom:84px;z-index:2147483000;width:min(380px,calc(100vw - 40px));",
    "height:min(560px,calc(100vh - 110px));display:flex;flex-direction:column;background:#fff;color:#1a1a1a;",
    "border-radius:12px;box-shadow:0 4px 24px rgba(0,0,0,.3);font:15px/1.4 system-ui,sans-serif;overflow:hidden}",
    ".dp-panel[hidden]{display:none}",
    ".dp-head{display:flex;align-items:center;justify-content:space-between;background:#0b5394;color:#fff;padding:10px 14px}",
    ".dp-head h2{margin:0;font-size:16px}",
    ".dp-close{background:transparent;border:0;color:#fff;font-size:22px;cursor:pointer;line-height:1;padding:4px 8px}",
    ".dp-log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;background:#f4f6f8}",
    ".dp-msg{max-width:85%;padding:8px 12px;border-radius:12px;white-space:pre-wrap;word-wrap:break-word}",
    ".dp-bot{align-self:flex-start;background:#fff;border:1px solid #d0d7de}",
    ".dp-citizen{align-self:flex-end;background:#0b5394;color:#fff}",
    ".dp-citizen a{color:#fff}",
    ".dp-bot a{color:#0b5394}",
    ".dp-msg img{max-width:100%;display:block;margin-top:6px;border-radius:6px}",
    ".dp-buttons{display:flex;flex-wrap:wrap;gap:6px;margin-top:8px}",
    ".dp-buttons button{border:1px solid #0b5394;background:#fff;color:#0b5394;border-radius:16px;padding:6px 12px;",
    "font:inherit;cursor:pointer}",
    ".dp-buttons button:hover{background:#e8f0fa}",
    ".dp-status{font-size:13px;color:#555;padding:4px 12px;min-height:1.4em;background:#f4f6f8}",
    ".dp-form{display:flex;gap:8px;padding:10px;border-top:1px solid #d0d7de}",
    ".dp-form textarea{flex:1;resize:none;font:inherit;padding:8px;border:1px solid #8a959e;border-radius:8px;height:42px}",
    ".dp-form button{border:0;border-radius:8px;background:#0b5394;color:#fff;padding:0 16px;font:600 15px system-ui,sans-serif;cursor:pointer}",
    ".dp-form .dp-tool{background:#fff;color:#0b5394;border:1px solid #0b5394;padding:0 10px;font-size:18px}",
    ".dp-sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}"
  ].join("");

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  var style = el("style");
  style.textContent = css;
  document.head.appendChild(style);

  var launcher = el("button", { "class": "dp-launcher", "type": "button", "aria-expanded": "false",
    "aria-controls": "dp-panel" }, title);
  var panel = el("section", { "class": "dp-panel", "id": "dp-panel", "role": "dialog",
    "aria-labelledby": "dp-title", "hidden": "" });
  var head = el("div", { "class": "dp-head" });
  head.appendChild(el("h2", { "id": "dp-title" }, title));
  var closeButton = el("button", { "class": "dp-close", "type": "button", "aria-label": "Chat sluiten" }, "\u00d7");
  head.appendChild(closeButton);
  // Focusable, so keyboard users can scroll a long conversation.
  var log = el("div", { "class": "dp-log", "role": "log", "aria-live": "polite", "aria-label": "Gesprek",
    "tabindex": "0" });
  var status = el("div", { "class": "dp-status", "role": "status", "aria-live": "polite" });
  var form = el("form", { "class": "dp-form" });
  var label = el("label", { "for": "dp-input", "class": "dp-sr" }, "Je bericht");
  var input = el("textarea", { "id": "dp-input", "maxlength": "4000", "rows": "1",
    "placeholder": "Typ je vraag\u2026" });
  var send = el("button", { "type": "submit" }, "Verstuur");
  // A report needs a place and is better with a photo: both are one tap away.
  var photoButton = el("button", { "type": "button", "class": "dp-tool", "aria-label": "Foto toevoegen",
    "title": "Foto toevoegen" }, "\ud83d\udcf7");
  var photoInput = el("input", { "type": "file", "accept": "image/jpeg,image/png,image/webp", "hidden": "",
    "aria-hidden": "true", "tabindex": "-1" });
  var placeButton = el("button", { "type": "button", "class": "dp-tool", "aria-label": "Mijn locatie delen",
    "title": "Mijn locatie delen" }, "\ud83d\udccd");
  form.appendChild(photoButton);
  form.appendChild(photoInput);
  if (navigator.geolocation) form.appendChild(placeButton);
  form.appendChild(label);
  form.appendChild(input);
  form.appendChild(send);
  panel.appendChild(head);
  panel.appendChild(log);
  panel.appendChild(status);
  panel.appendChild(form);
  document.body.appendChild(launcher);
  document.body.appendChild(panel);

  // Text with its web addresses made into links, built node by node.
  function appendLinkified(parent, text) {
    var pattern = /https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)]/g;
    var last = 0, match;
    while ((match = pattern.exec(text)) !== null) {
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      var link = el("a", { "href": match[0], "target": "_blank", "rel": "noopener noreferrer" }, match[0]);
      parent.appendChild(link);
      last = match.index + match[0].length;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function clearButtons() {
    Array.prototype.forEach.call(log.querySelectorAll(".dp-buttons"), function (group) {
      group.parentNode.removeChild(group);
    });
  }

  function show(message, from, withButtons) {
    var item = el("div", { "class": "dp-msg " + (from === "citizen" ? "dp-citizen" : "dp-bot") });
    item.appendChild(el("span", { "class": "dp-sr" }, from === "citizen" ? "Jij: " : "Gemeente: "));
    appendLinkified(item, message.text || "");
    if (message.image && /^https?:\/\//.test(message.image)) {
      item.appendChild(el("img", { "src": message.image, "alt": "" }));
    }
    if (withButtons && message.buttons && message.buttons.length) {
      var group = el("div", { "class": "dp-buttons", "role": "group", "aria-label": "Kies een antwoord" });
      message.buttons.forEach(function (button) {
        var b = el("button", { "type": "button" }, button.title);
        b.addEventListener("click", function () { submit(button.title, button.payload); });
        group.appendChild(b);
      });
      item.appendChild(group);
    }
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }

  var socket = null, ready = false, retries = 0, pending = [];

  function setStatus(text) { status.textContent = text; }

  function connect() {
    socket = new WebSocket(wsUrl);
    socket.addEventListener("open", function () {
      retries = 0;
      socket.send(JSON.stringify({ type: "hello", session: localStorage.getItem(storageKey) }));
    });
    socket.addEventListener("message", function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (data.type === "session") {
        localStorage.setItem(storageKey, data.session);
        ready = true;
        log.textContent = "";
        data.history.forEach(function (turn, index) {
          // A photo or a shared place has no text of its own: say what was sent.
          if (!turn.text && turn.photos) turn.text = "Foto verstuurd";
          else if (!turn.text && turn.location) turn.text = "Locatie gedeeld";
          show(turn, turn.from, index === data.history.length - 1);
        });
        // The log now holds the server's history; what the citizen sent while
        // (re)connecting is not in it yet, so it is shown again before it goes.
        pending.forEach(function (frame) {
          var message = JSON.parse(frame);
          show({ text: message.text || (message.photos ? "Foto verstuurd" : "Locatie gedeeld") }, "citizen", false);
        });
        setStatus("");
        pending.splice(0).forEach(function (frame) { socket.send(frame); });
      } else if (data.type === "typing") {
        setStatus("De gemeente typt\u2026");
      } else if (data.type === "received") {
        setStatus("Je bericht is doorgegeven aan onze collega.");
      } else if (data.type === "reply") {
        setStatus("");
        clearButtons();
        show(data, "bot", true);
      } else if (data.type === "error") {
        setStatus("Dat lukte niet: " + data.error);
      }
    });
    socket.addEventListener("close", function () {
      ready = false;
      var delay = Math.min(30000, 500 * Math.pow(2, retries++));
      setStatus("Verbinding verbroken. We proberen het opnieuw\u2026");
      setTimeout(connect, delay);
    });
  }

  function sendFrame(message) {
    var frame = JSON.stringify(Object.assign({ type: "message", text: "" }, message));
    if (ready && socket.readyState === WebSocket.OPEN) socket.send(frame); else pending.push(frame);
  }

  function submit(text, payload) {
    text = text.trim();
    if (!text && !payload) return;
    clearButtons();
    show({ text: text }, "citizen", false);
    sendFrame({ text: text, payload: payload || null });
  }

  var MAX_PHOTO_BYTES = 10 * 1024 * 1024;

  function uploadPhoto(file) {
    if (file.size > MAX_PHOTO_BYTES) { setStatus("Deze foto is groter dan 10 MB. Kies een kleinere foto."); return; }
    var session = localStorage.getItem(storageKey);
    if (!session) { setStatus("Even geduld, de chat maakt nog verbinding."); return; }
    setStatus("Foto versturen\u2026");
    fetch(new URL("/webchat/upload", base), {
      method: "POST",
      headers: { "Authorization": "Bearer " + session, "Content-Type": file.type || "application/octet-stream" },
      body: file
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw new Error(body.error || "de foto kwam niet aan");
        return body;
      });
    }).then(function (body) {
      setStatus("");
      clearButtons();
      show({ text: "Foto verstuurd" }, "citizen", false);
      sendFrame({ photos: [body.photo] });
    }).catch(function (error) {
      setStatus("Dat lukte niet: " + error.message);
    });
  }

  function sharePlace() {
    setStatus("Je locatie opzoeken\u2026");
    navigator.geolocation.getCurrentPosition(function (position) {
      setStatus("");
      clearButtons();
      show({ text: "Locatie gedeeld" }, "citizen", false);
      sendFrame({ location: { latitude: position.coords.latitude, longitude: position.coords.longitude } });
    }, function () {
      setStatus("Je locatie delen lukte niet. Typ de straat met huisnummer.");
    }, { enableHighAccuracy: true, timeout: 15000 });
  }

  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    if (!socket) connect();
    input.focus();
  }

  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  launcher.addEventListener("click", function () { if (panel.hidden) open(); else close(); });
  closeButton.addEventListener("click", close);
  panel.addEventListener("keydown", function (event) { if (event.key === "Escape") close(); });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
  photoButton.addEventListener("click", function () { photoInput.click(); });
  photoInput.addEventListener("change", function () {
    if (photoInput.files && photoInput.files[0]) uploadPhoto(photoInput.files[0]);
    photoInput.value = "";
  });
  placeButton.addEventListener("click", sharePlace);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    submit(input.value);
    input.value = "";
  });
  if (localStorage.getItem(storageKey)) connect();
})();
