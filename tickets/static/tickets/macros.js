// Macro and article pickers on the staff ticket page. Plain DOM, no framework; every string
// shown comes from the template (data-msg-*), so it is translated there.
(function () {
  "use strict";
  const DRAFT_KEY = "cim-macro-draft:" + location.pathname;

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  function replyBox() {
    return document.getElementById("id_reply_body");
  }

  function insertText(text) {
    const box = replyBox();
    if (!box || !text) return;
    const start = box.selectionStart ?? box.value.length;
    const end = box.selectionEnd ?? box.value.length;
    const before = box.value.slice(0, start);
    const after = box.value.slice(end);
    const sep = before && !before.endsWith("\n") ? "\n" : "";
    box.value = before + sep + text + after;
    const caret = (before + sep + text).length;
    box.focus();
    box.setSelectionRange(caret, caret);
    box.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function csrfToken() {
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  ready(function () {
    const root = document.getElementById("cim-pickers");
    if (!root) return;
    const msg = root.dataset;
    const macros = JSON.parse(document.getElementById("cim-macros-data").textContent);
    const list = document.getElementById("cim-macro-list");
    const filter = document.getElementById("cim-macro-filter");
    const status = document.getElementById("cim-macro-status");

    // A reply kept across the reload that follows a macro with actions.
    const draft = sessionStorage.getItem(DRAFT_KEY);
    if (draft !== null) {
      sessionStorage.removeItem(DRAFT_KEY);
      insertText(draft);
    }

    function fold(text) {
      return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/gi, "d").toLowerCase();
    }

    function render() {
      const words = fold(filter.value).split(/\s+/).filter(Boolean);
      list.replaceChildren();
      for (const macro of macros) {
        const name = fold(macro.name);
        if (!words.every((w) => name.includes(w))) continue;
        const item = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "button cim-macro";
        button.dataset.macro = macro.id;
        button.textContent = macro.name;
        const quiet = document.createElement("span");
        quiet.className = "cim-quiet";
        quiet.textContent = (macro.sends ? msg.msgSends + " · " : "") + msg.msgUsed + " " + macro.used;
        button.appendChild(quiet);
        button.addEventListener("click", () => apply(macro, button));
        item.appendChild(button);
        list.appendChild(item);
      }
      if (!list.children.length) {
        const item = document.createElement("li");
        item.textContent = msg.msgNone;
        list.appendChild(item);
      }
    }

    async function apply(macro, button) {
      if (macro.sends && !window.confirm(msg.msgConfirmSend)) return;
      button.disabled = true;
      status.textContent = "";
      const body = new URLSearchParams({ macro: String(macro.id) });
      try {
        const response = await fetch(root.dataset.applyUrl, {
          method: "POST",
          headers: { "X-CSRFToken": csrfToken() },
          body: body,
          credentials: "same-origin",
        });
        const data = await response.json().catch(() => ({}));
        if (!response.ok) {
          status.textContent = data.error || msg.msgFailed;
          return;
        }
        if (data.reload) {
          // The form still shows the old status and queue: reload, keeping the reply.
          if (data.reply) sessionStorage.setItem(DRAFT_KEY, data.reply);
          location.assign(location.pathname);
          return;
        }
        insertText(data.reply);
      } catch (err) {
        status.textContent = msg.msgFailed;
      } finally {
        button.disabled = false;
      }
    }

    filter.addEventListener("input", render);
    filter.addEventListener("keydown", (event) => {
      // Enter picks the first match instead of submitting the whole ticket form.
      if (event.key === "Enter") {
        event.preventDefault();
        const first = list.querySelector("button.cim-macro");
        if (first) first.click();
      }
    });
    render();

    const query = document.getElementById("cim-article-query");
    const articles = document.getElementById("cim-article-list");
    async function searchArticles() {
      const url = new URL(root.dataset.articlesUrl, location.href);
      url.searchParams.set("q", query.value);
      articles.replaceChildren();
      const response = await fetch(url, { credentials: "same-origin" });
      const data = response.ok ? await response.json() : { articles: [] };
      for (const article of data.articles) {
        const item = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "button cim-article";
        button.textContent = msg.msgInsert + ": " + article.title;
        const summary = document.createElement("span");
        summary.className = "cim-summary";
        summary.textContent = article.summary;
        button.addEventListener("click", () =>
          insertText(article.title + "\n" + article.summary + "\n" + article.url + "\n")
        );
        item.append(button, summary);
        articles.appendChild(item);
      }
      if (!data.articles.length) {
        const item = document.createElement("li");
        item.textContent = msg.msgNone;
        articles.appendChild(item);
      }
    }
    document.getElementById("cim-article-search").addEventListener("click", searchArticles);
    query.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        searchArticles();
      }
    });
  });
})();
