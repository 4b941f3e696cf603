/*
 * The webcare inbox. Everything from citizens is shown with textContent, never
 * parsed as HTML. The server pushes "something changed" over /webcare/ws; the
 * page then fetches what it shows from the JSON API.
 */
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var me = Number(document.querySelector(".inbox").dataset.me);
  var admin = document.querySelector(".inbox").dataset.admin === "true";
  var signature = " ^" + document.querySelector(".inbox").dataset.initials;
  // The municipality's time, whatever clock the colleague's computer keeps.
  var timeZone = document.querySelector(".inbox").dataset.timezone;
  var current = null, view = null;
  var $ = function (id) { return document.getElementById(id); };
  // Each channel's title and glyph, as the channel classes name them.
  var CHANNELS = JSON.parse(document.getElementById("channel-badges").textContent);
  var SLA = { green: "op tijd", amber: "bijna te laat", red: "te laat" };
  var FROM = { citizen: "Inwoner", bot: "Bot", staff: "Collega" };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // The channel's glyph (decoration) and its name (what screen readers read).
  function badge(name) {
    var known = CHANNELS[name] || { title: name, icon: "" };
    var span = el("span", { "class": "channel channel-" + name });
    if (known.icon) {
      var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
      svg.setAttribute("viewBox", "0 0 24 24");
      svg.setAttribute("aria-hidden", "true");
      svg.setAttribute("focusable", "false");
      var path = document.createElementNS("http://www.w3.org/2000/svg", "path");
      path.setAttribute("d", known.icon);
      path.setAttribute("fill-rule", "evenodd");
      svg.appendChild(path);
      span.appendChild(svg);
    }
    span.appendChild(document.createTextNode(known.title));
    return span;
  }

  function api(method, path, body) {
    return fetch(path, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      if (response.status === 401) { window.location.href = "/webcare/login"; throw new Error("log opnieuw in"); }
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data.error || "dat lukte niet");
        return data;
      });
    });
  }

  function time(iso) {
    return new Date(iso).toLocaleString("nl-NL", { dateStyle: "short", timeStyle: "short", timeZone: timeZone });
  }

  function renderList(id, entries, emptyText) {
    var list = $(id);
    list.textContent = "";
    if (!entries.length) { list.appendChild(el("li", { "class": "empty" }, emptyText)); return; }
    entries.forEach(function (entry) {
      var item = el("li", { "class": "sla-" + entry.sla });
      var link = el("a", { "href": "#c=" + entry.conversation_id });
      link.appendChild(el("span", { "class": "topic" }, entry.topic));
      var facts = " · wacht " + entry.waiting_minutes + " min";
      if (entry.state === "queued") facts += " · " + SLA[entry.sla];
      if (entry.staff) facts += " · " + entry.staff;
      var line = el("span", { "class": "facts" });
      line.appendChild(badge(entry.channel));
      line.appendChild(document.createTextNode(facts));
      link.appendChild(line);
      if (entry.conversation_id === current) link.setAttribute("aria-current", "true");
      item.appendChild(link);
      list.appendChild(item);
    });
  }

  function loadQueue() {
    return api("GET", "/webcare/api/queue").then(function (queue) {
      document.title = (queue.waiting.length ? "(" + queue.waiting.length + ") " : "") + "Inbox — Dorpspomp";
      renderList("waiting", queue.waiting, "Niemand wacht.");
      renderList("assigned", queue.assigned, "Geen gesprekken in behandeling.");
      renderList("resolved", queue.resolved, "Nog niets afgerond.");
    });
  }

  function renderMessage(message) {
    var item = el("li", { "class": "msg from-" + message.from });
    var who = message.from === "staff" && message.staff ? "Collega " + message.staff : FROM[message.from];
    var head = el("p", { "class": "meta" }, who + " · " + time(message.created_at));
    if (message.from === "citizen" && message.intent) {
      var share = message.confidence === null ? "" : " (" + Math.round(message.confidence * 100) + "%)";
      head.appendChild(el("span", { "class": "understood" }, " · bot begreep: " + message.intent + share));
    }
    item.appendChild(head);
    var text = message.text;
    if (!text && message.location) text = "[locatie gedeeld: " + message.location.latitude + ", " + message.location.longitude + "]";
    if (!text && message.unreadable) text = "[" + message.unreadable + ", niet te lezen voor de bot]";
    if (text || !message.photos.length) item.appendChild(el("p", { "class": "text" }, text));
    message.photos.forEach(function (id, index) {
      var url = "/webcare/api/media/" + encodeURIComponent(id);
      var link = el("a", { "href": url, "target": "_blank", "rel": "noopener" });
      link.appendChild(el("img", { "src": url, "alt": "Foto " + (index + 1) + " van de inwoner", "class": "photo" }));
      item.appendChild(link);
    });
    if (message.buttons.length) item.appendChild(el("p", { "class": "buttons" }, "Knoppen: " + message.buttons.join(" | ")));
    if (message.from === "citizen" && message.text) {
      // Questions the bot should learn go to the admins' review queue.
      var flag = el("button", { "type": "button", "class": "secondary flag" }, "Bot moet dit leren");
      flag.addEventListener("click", function () {
        act("flag", { message_id: message.id }).then(function () {
          if (!$("action-error").textContent) $("action-error").textContent = "Doorgestuurd naar de beheerders om de bot te leren.";
        });
      });
      item.appendChild(flag);
    }
    return item;
  }

  function renderConversation(data) {
    view = data;
    $("conversation").hidden = false;
    var handoff = data.handoff;
    $("conversation-title").textContent = "Gesprek: " + (handoff ? handoff.topic : "zonder overdracht");
    var facts = " · " + (data.public ? "openbaar (let op: geen persoonsgegevens)" : "privé");
    if (data.first_name) facts += " · " + data.first_name;
    if (handoff) facts += " · " + { queued: "wacht op een collega", assigned: "bij " + handoff.staff, resolved: "afgerond" }[handoff.state];
    $("conversation-facts").textContent = "";
    $("conversation-facts").appendChild(badge(data.channel));
    $("conversation-facts").appendChild(document.createTextNode(facts));
    $("conversation-contact").hidden = !data.contact;
    $("contact-number").textContent = data.contact || "";
    $("show-contact").hidden = false;
    var windowNote = $("conversation-window");
    windowNote.hidden = !data.window;
    if (data.window) {
      windowNote.textContent = data.window.note + (data.window.until ? " tot " + time(data.window.until) : "");
      windowNote.className = "window " + (data.window.open ? "open" : "closed");
    }
    var undelivered = $("undelivered");
    undelivered.textContent = "";
    undelivered.hidden = !data.undelivered.length;
    data.undelivered.forEach(function (failed) {
      undelivered.appendChild(el("li", {}, "Niet verstuurd (" + time(failed.created_at) + "): " + failed.reason));
    });
    var mine = handoff && handoff.state === "assigned" && handoff.staff_id === me;
    var movable = handoff && handoff.state === "assigned" && (mine || admin);
    $("claim").hidden = !(handoff && handoff.state === "queued");
    var colleagues = $("transfer-to").options.length > 0;
    ["handback", "resolve"].forEach(function (id) { $(id).hidden = !mine; });
    ["transfer", "transfer-to"].forEach(function (id) { $(id).hidden = !(movable && colleagues); });
    document.querySelector('label[for="transfer-to"]').hidden = !(movable && colleagues);
    $("reply-form").hidden = !mine;

    var history = $("history");
    history.textContent = "";
    data.messages.forEach(function (message) { history.appendChild(renderMessage(message)); });
    history.scrollTop = history.scrollHeight;

    var collected = $("collected");
    collected.textContent = "";
    data.collected.forEach(function (item) {
      collected.appendChild(el("dt", {}, item.label));
      collected.appendChild(el("dd", {}, item.value));
    });
    $("collected-box").hidden = !data.collected.length;

    var notes = $("notes");
    notes.textContent = "";
    data.notes.forEach(function (note) {
      notes.appendChild(el("li", {}, (note.author || "?") + " · " + time(note.created_at) + ": " + note.text));
    });
    if (!data.notes.length) notes.appendChild(el("li", { "class": "empty" }, "Geen notities."));

    $("use-suggestion").hidden = !data.suggestion;
    var canned = $("canned");
    canned.textContent = "";
    canned.appendChild(el("option", { "value": "" }, data.canned.length ? "Kies…" : "Geen standaardantwoorden"));
    data.canned.forEach(function (item, index) { canned.appendChild(el("option", { "value": String(index) }, item.title)); });
    countReply();
  }

  function openConversation(id) {
    current = id;
    return api("GET", "/webcare/api/conversations/" + id).then(renderConversation).then(loadQueue).catch(showError);
  }

  function showError(error) { $("action-error").textContent = error.message; }

  function act(path, body) {
    $("action-error").textContent = "";
    return api("POST", "/webcare/api/conversations/" + current + "/" + path, body || {})
      .then(function () { return openConversation(current); })
      .catch(showError);
  }

  function lastSeen() {
    var ids = view.messages.filter(function (m) { return m.from === "citizen"; }).map(function (m) { return m.id; });
    return ids.length ? Math.max.apply(null, ids) : 0;
  }

  function countReply() {
    if (!view) return;
    var length = $("reply-text").value.trim().length + signature.length;
    $("reply-count").textContent = length + " van " + view.reply_limit + " tekens, met je paraaf";
    $("reply-count").className = length > view.reply_limit ? "hint too-long" : "hint";
  }

  $("claim").addEventListener("click", function () { act("claim"); });
  // The whole number only on request: opening it is written to the audit log.
  $("show-contact").addEventListener("click", function () {
    api("POST", "/webcare/api/conversations/" + encodeURIComponent(current) + "/contact").then(function (data) {
      $("contact-number").textContent = data.contact;
      $("show-contact").hidden = true;
    }).catch(function (error) { $("action-error").textContent = error.message; });
  });

  $("transfer").addEventListener("click", function () {
    var to = Number($("transfer-to").value);
    if (to) act("transfer", { to: to });
  });
  $("handback").addEventListener("click", function () { act("close", { last_seen: lastSeen(), back_to_bot: true }); });
  $("resolve").addEventListener("click", function () { act("close", { last_seen: lastSeen(), back_to_bot: false }); });
  $("use-suggestion").addEventListener("click", function () {
    $("reply-text").value = view.suggestion; countReply(); $("reply-text").focus();
  });
  $("canned").addEventListener("change", function () {
    var item = view.canned[Number(this.value)];
    if (item) { $("reply-text").value = item.text; countReply(); $("reply-text").focus(); }
  });
  $("reply-text").addEventListener("input", countReply);
  $("reply-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = $("reply-text").value;
    if (!text.trim()) return;
    act("reply", { text: text }).then(function () {
      if (!$("action-error").textContent) { $("reply-text").value = ""; countReply(); }
    });
  });
  $("note-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = $("note-text").value;
    if (!text.trim()) return;
    act("notes", { text: text }).then(function () { $("note-text").value = ""; });
  });

  function loadStaff() {
    return api("GET", "/webcare/api/staff").then(function (staff) {
      var select = $("transfer-to");
      staff.filter(function (s) { return admin || s.id !== me; }).forEach(function (s) {
        select.appendChild(el("option", { "value": String(s.id) }, s.name + " (" + s.initials + ")"));
      });
    });
  }

  var retries = 0;
  function live() {
    var socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/webcare/ws");
    socket.addEventListener("open", function () {
      retries = 0;
      $("live-status").textContent = "Live bijgewerkt";
      loadQueue();
      if (current) openConversation(current);
    });
    socket.addEventListener("message", function (event) {
      var data = JSON.parse(event.data);
      if (data.type === "queue") loadQueue();
      else if (data.type === "conversation" && data.conversation_id === current) openConversation(current);
    });
    socket.addEventListener("close", function (event) {
      // 4401: the session ended (logged out, or the account was disabled).
      if (event.code === 4401) { location.href = "/webcare/login"; return; }
      $("live-status").textContent = "Verbinding verbroken; opnieuw verbinden…";
      setTimeout(live, Math.min(30000, 500 * Math.pow(2, retries++)));
    });
  }

  function route() {
    var match = /^#c=([0-9a-f]{32})$/.exec(location.hash);
    if (match) openConversation(match[1]);
  }
  window.addEventListener("hashchange", route);
  loadStaff();
  loadQueue().then(route);
  live();
})();
