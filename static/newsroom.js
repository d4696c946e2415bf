// Newsroom conveniences. Every action works without this script.
"use strict";
(function () {
  const editor = document.getElementById("editor");
  if (editor) {
    // Warn before leaving an editor with unsaved changes.
    let dirty = false;
    editor.addEventListener("input", () => { dirty = true; });
    editor.addEventListener("submit", () => { dirty = false; });
    window.addEventListener("beforeunload", (event) => {
      if (dirty) { event.preventDefault(); }
    });
  }
  // Suggest a slug from the headline until someone types their own.
  const headline = document.getElementById("field-headline");
  const slug = document.getElementById("field-slug");
  if (headline && slug && !slug.readOnly) {
    let ownSlug = slug.value !== "";
    slug.addEventListener("input", () => { ownSlug = slug.value !== ""; });
    headline.addEventListener("input", () => {
      if (ownSlug) { return; }
      slug.value = headline.value
        .normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
        .toLowerCase().replace(/['’.,]/g, "").replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "").slice(0, 120).replace(/-+$/, "");
    });
  }
  // Ask before destructive actions.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) { event.preventDefault(); }
  });
  // The live desk: the composer posts without leaving the page and stays
  // open; the list follows everyone's updates as they are posted.
  const desk = document.getElementById("live-desk");
  if (desk) {
    const composer = document.getElementById("composer");
    const status = document.getElementById("composer-status");
    const problem = document.getElementById("composer-error");
    composer.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = composer.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        const response = await fetch(composer.action, {
          method: "POST",
          headers: { Accept: "application/json" },
          body: new URLSearchParams(new FormData(composer)),
        });
        const answer = await response.json();
        if (!response.ok) { throw new Error(answer.detail || "The update could not be posted."); }
        problem.hidden = true;
        composer.querySelector("[name=title]").value = "";
        composer.querySelector("[name=body]").value = "";
        for (const box of composer.querySelectorAll("input[type=checkbox]")) { box.checked = false; }
        composer.querySelector("[name=image]").value = "";
        status.textContent = "Posted.";
        refresh();
      } catch (error) {
        problem.textContent = error.message;
        problem.hidden = false;
      } finally {
        button.disabled = false;
        composer.querySelector("[name=body]").focus();
      }
    });
    const list = document.getElementById("desk-entries");
    const refresh = async () => {
      const page = await fetch(location.pathname);
      if (!page.ok) { return; }
      const html = new DOMParser().parseFromString(await page.text(), "text/html");
      const fresh = html.getElementById("desk-entries");
      if (fresh) { list.replaceChildren(...fresh.childNodes); }
    };
    const source = new EventSource(desk.dataset.live);
    source.addEventListener("entry", refresh);
  }
  const summary = document.querySelector(".nr-error-summary");
  if (summary) { summary.focus(); }
})();

// Moderation queue: j/k move between comments, a/r/f approve, reject, feature.
(function () {
  const queue = document.getElementById("queue");
  if (!queue) return;
  const items = () => Array.from(queue.querySelectorAll(".nr-queue__item"));
  const current = () => document.activeElement.closest?.(".nr-queue__item") || null;
  const move = (step) => {
    const all = items();
    const at = all.indexOf(current());
    const next = all[Math.min(all.length - 1, Math.max(0, at + step))];
    if (next) next.focus();
  };
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName)) return;
    const decisions = { a: "approve", r: "reject", f: "feature" };
    if (event.key === "j") { move(1); event.preventDefault(); }
    else if (event.key === "k") { move(-1); event.preventDefault(); }
    else if (decisions[event.key]) {
      const item = current() || items()[0];
      const button = item?.querySelector('button[data-decision="' + decisions[event.key] + '"]');
      if (button) { event.preventDefault(); button.click(); }
    }
  });
  items()[0]?.focus();
})();

(function () {
  // An alert's delivery figures update while it goes out.
  const stats = document.getElementById("alert-stats");
  if (!stats) return;
  const refresh = async () => {
    const response = await fetch(stats.dataset.stats, { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const figures = await response.json();
    for (const cell of stats.querySelectorAll("[data-stat]")) {
      const value = figures[cell.dataset.stat];
      cell.textContent = typeof value === "string" ? value.replace("_", " ") : String(value);
    }
    if (figures.status === "sending" || figures.status === "awaiting_approval") setTimeout(refresh, 1000);
  };
  setTimeout(refresh, 500);
})();
// Fronts: drag a story from the shelf onto a slot to place it there (the
// slot's own list does the same from the keyboard).
(function () {
  const form = document.getElementById("front-form");
  if (!form) return;
  form.addEventListener("dragstart", (event) => {
    const story = event.target.closest && event.target.closest("[data-article]");
    if (story) event.dataTransfer.setData("text/plain", story.dataset.article);
  });
  const slotOf = (event) => event.target.closest && event.target.closest(".nr-slot");
  form.addEventListener("dragover", (event) => {
    const slot = slotOf(event);
    if (!slot) return;
    event.preventDefault();
    slot.classList.add("is-target");
  });
  form.addEventListener("dragleave", (event) => {
    const slot = slotOf(event);
    if (slot) slot.classList.remove("is-target");
  });
  form.addEventListener("drop", (event) => {
    const slot = slotOf(event);
    if (!slot) return;
    event.preventDefault();
    slot.classList.remove("is-target");
    const select = slot.querySelector("select[data-drop]");
    const id = event.dataTransfer.getData("text/plain");
    if (select && [...select.options].some((o) => o.value === id)) {
      select.value = id;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      select.focus();
    }
  });
})();
