// Suggestions while typing: every input marked data-kb-suggest (the help-centre search box) and
// the contact form's subject get a short list of matching articles below them. Text is put in
// the page with textContent only, never as HTML.
(function () {
  "use strict";
  var script = document.currentScript;
  var url = (script && script.dataset.url) || "/help/search/suggest/";
  var heading = (script && script.dataset.heading) || "";

  function attach(input) {
    if (input.dataset.kbSuggestReady) return;
    input.dataset.kbSuggestReady = "1";
    var list = document.createElement("ul");
    list.className = "kb-suggestions";
    list.id = (input.id || "kb-input") + "-suggestions";
    list.setAttribute("aria-live", "polite");
    if (heading) list.setAttribute("aria-label", heading);
    input.setAttribute("aria-controls", list.id);
    input.insertAdjacentElement("afterend", list);
    var timer = null;
    var latest = 0;

    function render(results) {
      list.textContent = "";
      results.forEach(function (item) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = item.url;
        a.textContent = item.title;
        if (item.language) a.lang = item.language;
        li.appendChild(a);
        list.appendChild(li);
      });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 3) { render([]); return; }
      timer = setTimeout(function () {
        var ticket = ++latest;
        fetch(url + "?q=" + encodeURIComponent(q.slice(0, 200)), {
          headers: { "Accept": "application/json" },
          credentials: "same-origin",
        })
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (data) { if (ticket === latest) render(data.results || []); })
          .catch(function () { render([]); });
      }, 250);
    });
  }

  function init() {
    var inputs = document.querySelectorAll("input[data-kb-suggest], form input[name=subject]");
    Array.prototype.forEach.call(inputs, attach);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
