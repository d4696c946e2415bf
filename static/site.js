// Broadsheet's page script. Reading needs none of it: it adds the signed-in
// reader to the header, keeps half-written comments, and brings new comments
// into an open page as they are posted.
"use strict";
(function () {
  const json = { headers: { Accept: "application/json" } };
  const here = () => location.pathname + location.search;

  // Sign-in links bring the reader back to this page.
  for (const link of document.querySelectorAll("a[data-return]")) {
    link.href = link.pathname + "?return_to=" + encodeURIComponent(here());
  }

  // The header shows who is signed in (pages are the same for everyone, so this is fetched).
  let me = { signed_in: false };
  const ready = fetch("/account/me", json)
    .then((r) => (r.ok ? r.json() : me))
    .then((who) => {
      me = who;
      const box = document.getElementById("account-links");
      if (!box || !who.signed_in) return;
      box.textContent = "";
      const profile = document.createElement("a");
      profile.href = "/account";
      profile.textContent = who.name;
      const inbox = document.createElement("a");
      inbox.href = "/account/notifications";
      inbox.id = "inbox-link";
      inbox.textContent = who.unread > 0 ? "Notifications (" + who.unread + ")" : "Notifications";
      box.append(profile, inbox);
      for (const own of document.querySelectorAll('.comment[data-author="' + who.id + '"] .comment__own')) {
        own.hidden = false;
      }
    })
    .catch(() => me);

  // Half-written comments survive a reload or a trip to sign in.
  for (const box of document.querySelectorAll("textarea[data-draft-key]")) {
    const key = box.dataset.draftKey;
    if (!box.value) box.value = sessionStorage.getItem(key) || "";
    box.addEventListener("input", () => sessionStorage.setItem(key, box.value));
    box.form.addEventListener("submit", () => sessionStorage.removeItem(key));
  }

  // Live comments.
  const list = document.getElementById("comment-list");
  if (!list || !list.dataset.live) return;
  const banner = document.getElementById("new-comments");
  const count = document.getElementById("comment-count");
  const waiting = [];
  const fragment = (html) => {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    const item = template.content.firstElementChild;
    if (item && me.signed_in && item.dataset.author === me.id) {
      const own = item.querySelector(".comment__own");
      if (own) own.hidden = false;
    }
    return item;
  };
  // Put a new top-level comment in place: at the top when newest-first, else at the end.
  const place = (item) => {
    document.getElementById("no-comments")?.remove();
    if (list.dataset.sort === "newest") {
      const firstPlain = list.querySelector(":scope > li:not(.comment--featured)");
      list.insertBefore(item, firstPlain);
    } else {
      list.append(item);
    }
  };
  const showWaiting = () => {
    while (waiting.length) place(waiting.shift());
    banner.hidden = true;
  };
  banner?.querySelector("button").addEventListener("click", () => {
    showWaiting();
    list.scrollIntoView({ behavior: "smooth" });
  });
  // A reader who has scrolled into the comments is not moved: new ones wait behind a button.
  const readingFurtherDown = () => list.getBoundingClientRect().top < 0;
  const source = new EventSource(list.dataset.live);
  source.addEventListener("comment", (event) => {
    const change = JSON.parse(event.data);
    if (count) count.textContent = "(" + change.count + (change.count === 1 ? " comment)" : " comments)");
    const existing = document.getElementById("comment-" + change.id);
    if (change.change === "removed") {
      if (existing) {
        if (existing.querySelector(".comments--replies > li")) {
          const card = existing.querySelector(".comment__card");
          card.innerHTML = '<p class="comment__removed">This comment was removed.</p>';
        } else {
          existing.remove();
        }
      }
      return;
    }
    const item = fragment(change.html);
    if (!item) return;
    if (existing) {
      existing.querySelector(".comment__card").replaceWith(item.querySelector(".comment__card"));
      return;
    }
    if (change.parent) {
      const parent = document.getElementById("comment-" + change.parent);
      if (parent) parent.querySelector(".comments--replies").append(item);
      return;
    }
    if (readingFurtherDown()) {
      waiting.push(item);
      banner.querySelector("button").textContent =
        waiting.length === 1 ? "1 new comment" : waiting.length + " new comments";
      banner.hidden = false;
    } else {
      place(item);
    }
  });
  source.addEventListener("resync", () => location.reload());
  ready.then(() => {});
})();
