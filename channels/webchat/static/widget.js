/*
 * Dorpspomp chat widget. Embed with:
 *   <script src="https://host/widget.js" data-title="Chat met de gemeente" async></script>
 * No build step, no dependencies. Everything shown is built with textContent,
 * so nothing a citizen or the server sends is ever parsed as HTML. No inline
 * script or style: a host page's CSP needs our origin in script-src and
 * connect-src (https and wss), nothing more (README).
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



  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Icons drawn inline: an emoji shows as an empty box on a computer without an
  // emoji font. The button's name is its (visually hidden) text.
  var SVG_NS = "http://www.w3.org/2000/svg";
  var CAMERA = "M9 3 7.2 5H4a2 2 0 0 0-2 2v12a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2h-3.2L15 3H9zm3 5a5 5 0 1 1 0 10 5 5 0 0 1 0-10zm0 2a3 3 0 1 0 0 6 3 3 0 0 0 0-6z";
  var PIN = "M12 2a7 7 0 0 0-7 7c0 5.3 7 13 7 13s7-7.7 7-13a7 7 0 0 0-7-7zm0 4.5a2.5 2.5 0 1 1 0 5 2.5 2.5 0 0 1 0-5z";

  function toolButton(name, drawing) {
    var button = el("button", { "type": "button", "class": "dp-tool", "title": name });
    var icon = document.createElementNS(SVG_NS, "svg");
    icon.setAttribute("viewBox", "0 0 24 24");
    icon.setAttribute("aria-hidden", "true");
    icon.setAttribute("focusable", "false");
    var path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", drawing);
    path.setAttribute("fill", "currentColor");
    path.setAttribute("fill-rule", "evenodd");
    icon.appendChild(path);
    button.appendChild(icon);
    button.appendChild(el("span", { "class": "dp-sr" }, name));
    return button;
  }

  // The styles come as a file, never a <style> element or style attribute, so a
  // host page's CSP needs no 'unsafe-inline'. Fetched (connect-src, which the
  // chat needs anyway) and adopted as a constructed stylesheet, which style-src
  // does not govern; a browser without constructed stylesheets links the file
  // (its page then needs our origin in style-src). The chat appears once styled.
  function withStyles(show) {
    var href = new URL("/widget.css", base).href;
    function link() {
      var sheet = el("link", { "rel": "stylesheet", "href": href });
      sheet.addEventListener("load", show);
      sheet.addEventListener("error", show);
      document.head.appendChild(sheet);
    }
    if (!(window.CSSStyleSheet && "replaceSync" in CSSStyleSheet.prototype && "adoptedStyleSheets" in document)) {
      link();
      return;
    }
    fetch(href).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.text();
    }).then(function (css) {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      document.adoptedStyleSheets = document.adoptedStyleSheets.concat([sheet]);
      show();
    }).catch(link);
  }

  var launcher = el("button", { "class": "dp-launcher", "type": "button", "aria-expanded": "false",
    "aria-controls": "dp-panel" }, title);
  var panel = el("section", { "class": "dp-panel", "id": "dp-panel", "role": "dialog",
    "aria-labelledby": "dp-title", "hidden": "" });
  var head = el("div", { "class": "dp-head" });
  head.appendChild(el("h2", { "id": "dp-title" }, title));
  var closeButton = el("button", { "class": "dp-close", "type": "button", "aria-label": "Chat sluiten" }, "\u00d7");
  head.appendChild(closeButton);
  // Focusable, so keyboard users can scroll a long conversation.
  // The log itself is not announced: a reconnect draws the whole conversation
  // again. What is new to the citizen is read out once, from the announcer.
  var log = el("div", { "class": "dp-log", "role": "log", "aria-live": "off", "aria-label": "Gesprek",
    "tabindex": "0" });
  var announcer = el("div", { "class": "dp-sr dp-announcer", "aria-live": "polite" });
  var status = el("div", { "class": "dp-status", "role": "status", "aria-live": "polite" });
  var form = el("form", { "class": "dp-form" });
  var label = el("label", { "for": "dp-input", "class": "dp-sr" }, "Je bericht");
  var input = el("textarea", { "id": "dp-input", "maxlength": "4000", "rows": "1",
    "placeholder": "Typ je vraag\u2026" });
  var send = el("button", { "type": "submit" }, "Verstuur");
  // A report needs a place and is better with a photo: both are one tap away.
  var photoButton = toolButton("Foto toevoegen", CAMERA);
  var photoInput = el("input", { "type": "file", "accept": "image/jpeg,image/png,image/webp", "hidden": "",
    "aria-hidden": "true", "tabindex": "-1" });
  var placeButton = toolButton("Mijn locatie delen", PIN);
  form.appendChild(photoButton);
  form.appendChild(photoInput);
  if (navigator.geolocation) form.appendChild(placeButton);
  form.appendChild(label);
  form.appendChild(input);
  form.appendChild(send);
  panel.appendChild(head);
  panel.appendChild(log);
  panel.appendChild(status);
  panel.appendChild(announcer);
  panel.appendChild(form);
  withStyles(function () {
    if (launcher.parentNode) return;
    document.body.appendChild(launcher);
    document.body.appendChild(panel);
  });

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

  var socket = null, ready = false, retries = 0;
  // What the citizen sent and the server has not confirmed (an "ack"): kept
  // across reloads and sent again after every reconnect, so a dropped
  // connection or a gateway that stops loses nothing. The server answers each
  // id once.
  var unconfirmedKey = storageKey + ":unconfirmed";
  var unconfirmed = loadUnconfirmed();

  function loadUnconfirmed() {
    try {
      var kept = JSON.parse(localStorage.getItem(unconfirmedKey) || "[]");
      return Array.isArray(kept) ? kept : [];
    } catch (e) { return []; }
  }

  function keepUnconfirmed(list) {
    unconfirmed = list;
    localStorage.setItem(unconfirmedKey, JSON.stringify(unconfirmed));
  }

  function confirmed(id) {
    if (id) keepUnconfirmed(unconfirmed.filter(function (message) { return message.id !== id; }));
  }

  function newId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // A photo or a shared place has no text of its own: say what was sent.
  function described(message) {
    if (message.text) return message.text;
    return message.photos ? "Foto verstuurd" : "Locatie gedeeld";
  }

  function setStatus(text) { status.textContent = text; }

  // How many turns of the conversation this browser has shown: the history
  // beyond them is new. Kept with the conversation's id, the token's first part.
  var heardKey = storageKey + ":heard";

  function conversationOf(session) { return String(session || "").split(".")[0]; }

  function heard(conversation) {
    var kept = (localStorage.getItem(heardKey) || "").split(" ");
    var current = conversation || conversationOf(localStorage.getItem(storageKey));
    return kept[0] === current ? Number(kept[1]) || 0 : 0;
  }

  function hear(count) {
    localStorage.setItem(heardKey, conversationOf(localStorage.getItem(storageKey)) + " " + count);
  }

  function announce(text) {
    if (!text) return;
    announcer.appendChild(el("p", {}, "Gemeente: " + text));
    while (announcer.childNodes.length > 3) announcer.removeChild(announcer.firstChild);
  }

  function connect() {
    socket = new WebSocket(wsUrl);
    socket.addEventListener("open", function () {
      retries = 0;
      // The browser's language chooses the welcome's (English or Dutch) before a word is typed.
      socket.send(JSON.stringify({ type: "hello", session: localStorage.getItem(storageKey), language: navigator.language }));
    });
    socket.addEventListener("message", function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (data.type === "session") {
        localStorage.setItem(storageKey, data.session);
        ready = true;
        log.textContent = "";
        var kept = {};
        // What this browser showed before is drawn again in silence: the
        // welcome is read out once, not on every reconnect.
        var heardBefore = heard(conversationOf(data.session));
        data.history.forEach(function (turn, index) {
          if (turn.id) kept[turn.id] = true;
          if (!turn.text && (turn.photos || turn.location)) turn.text = described(turn);
          show(turn, turn.from, index === data.history.length - 1);
          if (index >= heardBefore && turn.from === "bot") announce(turn.text);
        });
        hear(data.history.length);
        // In the history: the server has it, only its ack was lost on the way.
        keepUnconfirmed(unconfirmed.filter(function (message) { return !kept[message.id]; }));
        // The rest is not in the history yet: shown again, and sent again.
        unconfirmed.forEach(function (message) {
          show({ text: described(message) }, "citizen", false);
          socket.send(JSON.stringify(message));
        });
        setStatus("");
      } else if (data.type === "ack") {
        confirmed(data.id);
        hear(heard() + 1);
      } else if (data.type === "typing") {
        setStatus("De gemeente typt\u2026");
      } else if (data.type === "received") {
        setStatus("Je bericht is doorgegeven aan onze collega.");
      } else if (data.type === "reply") {
        setStatus("");
        clearButtons();
        show(data, "bot", true);
        announce(data.text);
        hear(heard() + 1);
      } else if (data.type === "limited") {
        // Not kept, and the citizen reads so: sending it again would not help.
        confirmed(data.id);
        setStatus(data.text);
      } else if (data.type === "error") {
        confirmed(data.id);
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
    var frame = Object.assign({ type: "message", id: newId(), text: "" }, message);
    keepUnconfirmed(unconfirmed.concat([frame]));
    if (ready && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
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
      if (body.location) offerPhotoPlace(body.location);
    }).catch(function (error) {
      setStatus("Dat lukte niet: " + error.message);
    });
  }

  // The photo says where it was taken. That place is not kept unless the
  // citizen says it is the right one.
  function offerPhotoPlace(location) {
    var offer = el("div", { "class": "dp-msg dp-bot" }, "Je foto bevat de plek waar hij is gemaakt. Wil je die plek gebruiken voor je melding?");
    var group = el("div", { "class": "dp-buttons", "role": "group", "aria-label": "Plek van de foto" });
    var use = el("button", { "type": "button" }, "Ja, gebruik de plek van de foto");
    use.addEventListener("click", function () {
      offer.parentNode.removeChild(offer);
      show({ text: "Locatie gedeeld" }, "citizen", false);
      sendFrame({ location: location });
    });
    var no = el("button", { "type": "button" }, "Nee");
    no.addEventListener("click", function () { offer.parentNode.removeChild(offer); });
    group.appendChild(use);
    group.appendChild(no);
    offer.appendChild(group);
    log.appendChild(offer);
    log.scrollTop = log.scrollHeight;
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
