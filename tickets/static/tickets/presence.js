// Collision warning: tells the server every few seconds that this agent is on the ticket
// (viewing, or typing a reply) and shows who else is. Strings come from the data attributes.
(function () {
  "use strict";
  var box = document.getElementById("cim-presence");
  if (!box || !window.fetch) return;
  var url = box.dataset.url;
  var seconds = parseInt(box.dataset.seconds, 10) || 10;
  var lastTyped = 0;
  var reply = document.getElementById("id_reply_body");
  if (reply) {
    reply.addEventListener("input", function () {
      var before = lastTyped;
      lastTyped = Date.now();
      if (Date.now() - before > 5000) poll();
    });
  }
  function csrf() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }
  function state() {
    return Date.now() - lastTyped < 15000 ? "typing" : "viewing";
  }
  function show(others) {
    if (!others.length) {
      box.hidden = true;
      box.textContent = "";
      return;
    }
    box.textContent = others.map(function (person) {
      var template = person.state === "typing" ? box.dataset.typing : box.dataset.viewing;
      return template.replace("%(name)s", person.name);
    }).join(" · ");
    box.hidden = false;
  }
  function send(value, keepalive) {
    var body = new URLSearchParams({ state: value });
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      keepalive: !!keepalive,
      headers: { "X-CSRFToken": csrf(), "X-Requested-With": "XMLHttpRequest" },
    });
  }
  function poll() {
    send(state()).then(function (response) {
      return response.ok ? response.json() : { others: [] };
    }).then(function (data) { show(data.others || []); }).catch(function () {});
  }
  poll();
  setInterval(poll, seconds * 1000);
  window.addEventListener("pagehide", function () { send("gone", true); });
})();
