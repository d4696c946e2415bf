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
  const summary = document.querySelector(".nr-error-summary");
  if (summary) { summary.focus(); }
})();
