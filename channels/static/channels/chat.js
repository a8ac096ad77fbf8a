// The web chat widget: start a session, send lines, poll for answers. Text is always inserted
// with textContent, so nothing a customer, an agent or an article title can become markup.
// The assistant's lines may carry an article link and answers offered as buttons; a button
// sends its label as the customer's line and its value as "choice".
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
      button.addEventListener("click", function () { send(choice.label, choice.value); });
      box.appendChild(button);
    });
    return box;
  }
  function show(lines) {
    lines.forEach(function (line) {
      if (!line || line.id <= state.lastId) { return; }
      state.lastId = line.id;
      var item = document.createElement("li");
      item.className = "cim-chat-line " + line.author;
      var who = document.createElement("strong");
      who.textContent = (line.name && line.author !== "customer" ? line.name : label(line.author)) + ": ";
      item.appendChild(who);
      var link = line.link;
      // Only our own help pages are linked (a path on this site), never another address.
      if (link && typeof link.url === "string" && link.url.charAt(0) === "/" && link.url.charAt(1) !== "/") {
        var anchor = document.createElement("a");
        anchor.href = link.url;
        anchor.textContent = link.title;
        var excerpt = document.createElement("span");
        excerpt.className = "cim-chat-excerpt";
        excerpt.textContent = line.body.split("\n").slice(1, -1).join(" ");
        item.appendChild(anchor);
        item.appendChild(document.createElement("br"));
        item.appendChild(excerpt);
      } else {
        var text = document.createElement("span");
        text.textContent = line.body;
        item.appendChild(text);
      }
      if (line.choices && line.choices.length) {
        clearChoices();
        item.appendChild(choiceButtons(line));
      } else if (line.author !== "bot") {
        clearChoices();
      }
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
  function send(message, choice) {
    var body = new FormData();
    body.append("message", message);
    if (choice) { body.append("choice", choice); }
    errorBox.hidden = true;
    return fetch(state.sendUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(sendForm) },
      body: body
    }).then(function (r) {
      return r.json().then(function (data) { return r.ok ? data : Promise.reject(data.message); });
    }).then(function (data) {
      show([data.message].concat(data.replies || []));
    }).catch(function (message) { fail(message); throw message; });
  }
  sendForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var input = sendForm.querySelector("textarea[name=message]");
    var message = input.value;
    if (!message.trim()) { return; }
    send(message).then(function () { sendForm.reset(); }, function () { /* shown in errorBox */ });
  });
  try {
    var saved = JSON.parse(sessionStorage.getItem(storeKey) || "null");
    if (saved && saved.poll_url) { started({ send_url: saved.send_url, poll_url: saved.poll_url, messages: [] }); }
  } catch (e) { /* nothing saved */ }
}());
