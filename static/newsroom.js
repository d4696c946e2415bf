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
  const summary = document.querySelector(".nr-error-summary");
  if (summary) { summary.focus(); }
})();
