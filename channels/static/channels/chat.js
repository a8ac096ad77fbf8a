// The web chat widget: a launcher button opens a panel where the customer starts a session,
// sends lines and sees the answers (polled). Text is always inserted with textContent, so
// nothing a customer, an agent or an article title writes can become markup. The assistant's
// lines may carry an article link and answers offered as buttons; a button sends its label as
// the customer's line and its value as "choice".
//
// Keyboard and screen readers: the launcher says whether the panel is open (aria-expanded);
// opening moves focus into the panel, Escape or the close button closes it and gives focus back
// to the launcher; new lines are announced by the log (role=log, aria-live=polite). On a phone
// the panel covers the screen, so Tab stays inside it. The session survives moving from page to
// page (sessionStorage), and so does whether the panel was open.
(function () {
  "use strict";
  var root = document.getElementById("cim-chat");
  if (!root || !window.fetch) { return; }
  var launcher = root.querySelector(".cim-chat-launcher");
  var panel = root.querySelector(".cim-chat-panel");
  var closeButton = root.querySelector(".cim-chat-close");
  var badge = root.querySelector(".cim-chat-badge");
  var log = root.querySelector(".cim-chat-log");
  var typing = root.querySelector(".cim-chat-typing");
  var startForm = root.querySelector(".cim-chat-start");
  var sendForm = root.querySelector(".cim-chat-send");
  var errorBox = root.querySelector(".cim-chat-error");
  var storeKey = "cim-chat-session";
  var openKey = "cim-chat-open";
  var phone = window.matchMedia("(max-width: 600px)");
  var state = { sendUrl: null, pollUrl: null, lastId: 0, timer: null, unread: 0, busy: false };

  function store(key, value) {
    try {
      if (value === null) { sessionStorage.removeItem(key); } else { sessionStorage.setItem(key, value); }
    } catch (e) { /* private mode: the chat still works on this page */ }
  }
  function stored(key) {
    try { return sessionStorage.getItem(key); } catch (e) { return null; }
  }
  function csrf(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // --- opening and closing ---

  function isOpen() { return !panel.hidden; }
  function focusables() {
    return Array.prototype.filter.call(
      panel.querySelectorAll("a[href], button:not([disabled]), input:not([type=hidden]), textarea"),
      function (el) { return el.offsetParent !== null; }
    );
  }
  function focusInside() {
    var field = sendForm.hidden ? startForm.querySelector("input:not([type=hidden]), textarea") : sendForm.querySelector("textarea");
    if (field) { field.focus(); }
  }
  function lockPage(locked) {
    document.documentElement.classList.toggle("cim-chat-lock", locked && phone.matches);
  }
  function open(options) {
    panel.hidden = false;
    root.classList.add("is-open");
    launcher.setAttribute("aria-expanded", "true");
    panel.setAttribute("aria-modal", phone.matches ? "true" : "false");
    lockPage(true);
    setUnread(0);
    store(openKey, "1");
    scrollToEnd();
    if (!options || options.focus !== false) { focusInside(); }
  }
  function close() {
    panel.hidden = true;
    root.classList.remove("is-open");
    launcher.setAttribute("aria-expanded", "false");
    lockPage(false);
    store(openKey, null);
    launcher.focus();
  }
  function setUnread(count) {
    state.unread = count;
    badge.hidden = count === 0;
    badge.querySelector(".cim-chat-badge-count").textContent = count ? String(count) : "";
    badge.querySelector(".visually-hidden").textContent = count ? " " + root.dataset.unread : "";
  }
  launcher.addEventListener("click", function () {
    if (isOpen()) { close(); } else { open(); }
  });
  closeButton.addEventListener("click", close);
  root.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && isOpen()) {
      event.preventDefault();
      close();
      return;
    }
    if (event.key === "Tab" && isOpen() && phone.matches) {
      // Full screen on a phone: what is behind the panel cannot be seen, so Tab wraps.
      var items = focusables();
      if (!items.length) { return; }
      var first = items[0];
      var last = items[items.length - 1];
      if (event.shiftKey && document.activeElement === first) { event.preventDefault(); last.focus(); }
      else if (!event.shiftKey && document.activeElement === last) { event.preventDefault(); first.focus(); }
    }
  });
  // Links to the chat page ("Chat with us" in the footer) open the panel instead.
  Array.prototype.forEach.call(document.querySelectorAll("a[href]"), function (link) {
    if (link.getAttribute("href") === root.dataset.chatUrl && !root.contains(link)) {
      link.addEventListener("click", function (event) { event.preventDefault(); open(); });
    }
  });

  // --- the conversation ---

  function label(author) {
    if (author === "customer") { return root.dataset.you; }
    if (author === "bot") { return root.dataset.bot; }
    return root.dataset.staff;
  }
  // The log stays at its last line (also when the screen turns or a phone keyboard opens)
  // unless the customer scrolled up to read.
  var atEnd = true;
  function scrollToEnd() { log.scrollTop = log.scrollHeight; atEnd = true; }
  log.addEventListener("scroll", function () {
    atEnd = log.scrollHeight - log.scrollTop - log.clientHeight < 24;
  });
  window.addEventListener("resize", function () { if (atEnd) { scrollToEnd(); } });
  function clearChoices() {
    Array.prototype.forEach.call(log.querySelectorAll(".cim-chat-choices"), function (box) {
      box.parentNode.removeChild(box);
    });
  }
  function choiceButtons(line) {
    var box = document.createElement("div");
    box.className = "cim-chat-choices";
    box.setAttribute("role", "group");
    line.choices.forEach(function (choice) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = choice.label;
      button.addEventListener("click", function () {
        send(choice.label, choice.value).then(focusInside, function () { /* shown in errorBox */ });
      });
      box.appendChild(button);
    });
    return box;
  }
  function show(lines, fromPoll) {
    var added = 0;
    lines.forEach(function (line) {
      if (!line || line.id <= state.lastId) { return; }
      state.lastId = line.id;
      var item = document.createElement("div");
      item.className = "cim-chat-line " + line.author;
      var who = document.createElement("span");
      who.className = "cim-chat-who";
      who.textContent = line.name && line.author !== "customer" ? line.name : label(line.author);
      item.appendChild(who);
      var bubble = document.createElement("span");
      bubble.className = "cim-chat-bubble";
      // The author's name before the text, for screen readers: "Assistant: …".
      var said = document.createElement("span");
      said.className = "visually-hidden";
      said.textContent = ": ";
      who.appendChild(said);
      var link = line.link;
      // Only our own help pages are linked (a path on this site), never another address.
      if (link && typeof link.url === "string" && link.url.charAt(0) === "/" && link.url.charAt(1) !== "/") {
        var anchor = document.createElement("a");
        anchor.href = link.url;
        anchor.textContent = link.title;
        var excerpt = document.createElement("span");
        excerpt.className = "cim-chat-excerpt";
        excerpt.textContent = line.body.split("\n").slice(1, -1).join(" ");
        bubble.appendChild(anchor);
        bubble.appendChild(excerpt);
      } else {
        bubble.textContent = line.body;
      }
      item.appendChild(bubble);
      if (line.choices && line.choices.length) {
        clearChoices();
        item.appendChild(choiceButtons(line));
      } else if (line.author !== "bot") {
        clearChoices();
      }
      log.appendChild(item);
      if (line.author !== "customer") { added += 1; }
    });
    if (added && fromPoll && !isOpen()) { setUnread(state.unread + added); }
    scrollToEnd();
  }
  function fail(message) {
    errorBox.textContent = typeof message === "string" && message ? message : root.dataset.error;
    errorBox.hidden = false;
  }
  function busy(on, form) {
    state.busy = on;
    typing.hidden = !on;
    Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"), function (b) { b.disabled = on; });
    if (on) { scrollToEnd(); }
  }
  function started(data) {
    state.sendUrl = data.send_url;
    state.pollUrl = data.poll_url;
    store(storeKey, JSON.stringify({ send_url: data.send_url, poll_url: data.poll_url }));
    startForm.hidden = true;
    sendForm.hidden = false;
    show(data.messages || []);
    poll();
  }
  // The chat is gone for this browser (its cookie was cleared): start afresh.
  function forget() {
    store(storeKey, null);
    clearTimeout(state.timer);
    state.sendUrl = state.pollUrl = null;
    state.lastId = 0;
    while (log.firstChild) { log.removeChild(log.firstChild); }
    sendForm.hidden = true;
    startForm.hidden = false;
  }
  function poll() {
    if (!state.pollUrl) { return; }
    clearTimeout(state.timer);
    fetch(state.pollUrl + "?after=" + state.lastId, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) { show(data.messages, true); })
      .catch(function (status) {
        if (status === 404) { forget(); }
      })
      .then(function () {
        if (state.pollUrl) { state.timer = setTimeout(poll, 3000); }
      });
  }
  function post(url, body, form) {
    errorBox.hidden = true;
    busy(true, form);
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(form) },
      body: body
    }).then(function (r) {
      return r.json().then(function (data) { return r.ok ? data : Promise.reject(data.message); });
    }).then(function (data) {
      busy(false, form);
      return data;
    }, function (message) {
      busy(false, form);
      fail(message);
      throw message;
    });
  }
  function send(message, choice) {
    var body = new FormData();
    body.append("message", message);
    if (choice) { body.append("choice", choice); }
    return post(state.sendUrl, body, sendForm).then(function (data) {
      show([data.message].concat(data.replies || []));
    });
  }
  startForm.addEventListener("submit", function (event) {
    event.preventDefault();
    if (state.busy) { return; }
    post(root.dataset.startUrl, new FormData(startForm), startForm).then(function (data) {
      started(data);
      focusInside();
    }, function () { /* shown in errorBox */ });
  });
  sendForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var input = sendForm.querySelector("textarea[name=message]");
    if (state.busy || !input.value.trim()) { return; }
    send(input.value).then(function () { sendForm.reset(); input.focus(); }, function () { /* shown */ });
  });
  // Enter sends, Shift+Enter starts a new line; not while an input method (Vietnamese Telex,
  // VNI) is still composing a letter.
  Array.prototype.forEach.call(root.querySelectorAll("textarea"), function (area) {
    area.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        var form = area.form;
        if (form.requestSubmit) { form.requestSubmit(); } else { form.dispatchEvent(new Event("submit", { cancelable: true })); }
      }
    });
  });

  root.hidden = false;
  try {
    var saved = JSON.parse(stored(storeKey) || "null");
    if (saved && saved.poll_url) { started({ send_url: saved.send_url, poll_url: saved.poll_url, messages: [] }); }
  } catch (e) { /* nothing saved */ }
  // An open panel stays open on the next page, except on a phone, where it would cover the page
  // the customer just went to (an article the assistant linked, say).
  if (root.dataset.open === "true" || (stored(openKey) === "1" && !phone.matches)) {
    open({ focus: false });
  }
}());
