// The web chat widget: start a session, send lines, poll for answers. Text is always inserted
// with textContent, so nothing a customer or an agent writes can become markup.
(function () {
  "use strict";
  var root = document.getElementById("cim-chat");
  if (!root) { return; }
  var log = root.querySelector(".cim-chat-log");
  var startForm = root.querySelector(".cim-chat-start");
  var sendForm = root.querySelector(".cim-chat-send");
  var errorBox = root.querySelector(".cim-chat-error");
  var storeKey = "cim-chat-session";
  var state = { sendUrl: null, pollUrl: null, lastId: 0, timer: null };

  function csrf(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function label(author) {
    if (author === "customer") { return root.dataset.you; }
    if (author === "bot") { return root.dataset.bot; }
    return root.dataset.agent;
  }
  function show(lines) {
    lines.forEach(function (line) {
      if (line.id <= state.lastId) { return; }
      state.lastId = line.id;
      var item = document.createElement("li");
      item.className = "cim-chat-line " + line.author;
      var who = document.createElement("strong");
      who.textContent = (line.name && line.author !== "customer" ? line.name : label(line.author)) + ": ";
      var text = document.createElement("span");
      text.textContent = line.body;
      item.appendChild(who);
      item.appendChild(text);
      log.appendChild(item);
    });
  }
  function fail(message) {
    errorBox.textContent = message || root.dataset.error;
    errorBox.hidden = false;
  }
  function started(data) {
    state.sendUrl = data.send_url;
    state.pollUrl = data.poll_url;
    try { sessionStorage.setItem(storeKey, JSON.stringify(data)); } catch (e) { /* private mode */ }
    startForm.hidden = true;
    sendForm.hidden = false;
    show(data.messages || []);
    poll();
  }
  function poll() {
    if (!state.pollUrl) { return; }
    fetch(state.pollUrl + "?after=" + state.lastId, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) { show(data.messages); })
      .catch(function (status) {
        if (status === 404) { sessionStorage.removeItem(storeKey); state.pollUrl = null; }
      })
      .finally(function () {
        if (state.pollUrl) { state.timer = setTimeout(poll, 3000); }
      });
  }
  function post(url, form) {
    errorBox.hidden = true;
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(form) },
      body: new FormData(form)
    }).then(function (r) {
      return r.json().then(function (data) { return r.ok ? data : Promise.reject(data.message); });
    });
  }
  startForm.addEventListener("submit", function (event) {
    event.preventDefault();
    post(root.dataset.startUrl, startForm).then(started).catch(fail);
  });
  sendForm.addEventListener("submit", function (event) {
    event.preventDefault();
    post(state.sendUrl, sendForm).then(function (data) {
      show([data.message]);
      sendForm.reset();
    }).catch(fail);
  });
  try {
    var saved = JSON.parse(sessionStorage.getItem(storeKey) || "null");
    if (saved && saved.poll_url) { started({ send_url: saved.send_url, poll_url: saved.poll_url, messages: [] }); }
  } catch (e) { /* nothing saved */ }
}());
