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
  // Readers who just donated are not asked again for a while; campaign figures are kept current.
  const appeals = document.querySelectorAll("[data-appeal]");
  if (document.cookie.split("; ").includes("broadsheet_donated=1")) {
    for (const appeal of appeals) appeal.hidden = true;
  } else if (document.querySelector("[data-campaign]")) {
    fetch("/support/progress", json)
      .then((r) => (r.ok ? r.json() : null))
      .then((figures) => {
        if (!figures || !figures.campaign) return;
        for (const box of document.querySelectorAll("[data-campaign]")) {
          box.querySelector(".campaign__raised").textContent = figures.raised;
          const bar = box.querySelector(".campaign__bar");
          bar.setAttribute("aria-valuenow", figures.percent);
          bar.firstElementChild.className = "campaign__fill campaign__fill--" + Math.floor(figures.percent / 5) * 5;
        }
      });
  }

  // Alerts by Web Push. The browser's permission dialog only ever follows a
  // reader's "yes"; the prompt is ours, small, and remembers "not now".
  const alerts = (() => {
    const supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
    const post = (url, body) =>
      fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
      });
    const keyBytes = (b64) => {
      const raw = atob(b64.replace(/-/g, "+").replace(/_/g, "/"));
      return Uint8Array.from(raw, (c) => c.charCodeAt(0));
    };
    const current = async () => {
      if (!supported) return null;
      const registration = await navigator.serviceWorker.getRegistration("/");
      return registration ? registration.pushManager.getSubscription() : null;
    };
    const subscribe = async (topics) => {
      if ((await Notification.requestPermission()) !== "granted") {
        throw new Error("Alerts are blocked for this site in the browser's settings.");
      }
      const setup = await (await fetch("/alerts/setup", json)).json();
      await navigator.serviceWorker.register("/sw.js");
      const registration = await navigator.serviceWorker.ready;
      const subscription =
        (await registration.pushManager.getSubscription()) ||
        (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(setup.publicKey) }));
      return save(subscription, topics);
    };
    const save = async (subscription, topics) => {
      const response = await post("/alerts/subscriptions", { subscription: subscription.toJSON(), topics });
      const answer = await response.json();
      if (!response.ok) throw new Error(answer.detail || "The alerts could not be saved.");
      return answer.topics;
    };
    const topicsOf = async (subscription) => {
      const response = await post("/alerts/subscriptions/lookup", { endpoint: subscription.endpoint });
      return response.ok ? (await response.json()).topics : null;
    };
    const turnOff = async (subscription) => {
      await post("/alerts/subscriptions/remove", { endpoint: subscription.endpoint });
      await subscription.unsubscribe();
    };
    return { supported, current, subscribe, save, topicsOf, turnOff };
  })();

  const prompt = document.getElementById("alerts-prompt");
  const dismissedFor = 30 * 24 * 3600 * 1000;
  const dismissed = () => Date.now() - Number(localStorage.getItem("alerts-dismissed") || 0) < dismissedFor;
  if (prompt && alerts.supported && Notification.permission !== "denied" && !dismissed() && location.pathname !== "/alerts") {
    alerts.current().then((subscription) => {
      if (subscription) return;
      prompt.hidden = false;
      // Room below the page's end, so nothing has to stay under the prompt.
      document.body.classList.add("with-alerts-prompt");
    });
    const close = () => {
      prompt.hidden = true;
      document.body.classList.remove("with-alerts-prompt");
      document.getElementById("main")?.focus();
    };
    document.getElementById("alerts-no").addEventListener("click", () => {
      localStorage.setItem("alerts-dismissed", String(Date.now()));
      close();
    });
    document.getElementById("alerts-yes").addEventListener("click", async () => {
      const text = prompt.querySelector(".alerts-prompt__text");
      try {
        await alerts.subscribe(["breaking"]);
        text.textContent = "Alerts are on. You can choose topics or turn them off on the alerts page.";
        prompt.querySelector(".alerts-prompt__actions").replaceChildren(Object.assign(document.createElement("a"), { href: "/alerts", textContent: "Alert settings" }));
      } catch (error) {
        text.textContent = error.message;
      }
      text.setAttribute("role", "status");
    });
  }

  const preferences = document.getElementById("alert-preferences");
  if (preferences) {
    const state = document.getElementById("alerts-state");
    const saveButton = document.getElementById("alerts-save");
    const off = document.getElementById("alerts-off");
    const boxes = () => [...preferences.querySelectorAll("input[name=topic]")];
    const chosen = () => boxes().filter((b) => b.checked).map((b) => b.value);
    const show = (on, text) => {
      state.textContent = text;
      saveButton.textContent = on ? "Save alert topics" : "Turn on alerts";
      off.hidden = !on;
    };
    if (!alerts.supported) {
      state.textContent = "This browser cannot receive alerts.";
    } else {
      // Drawn disabled, so turning it on moves nothing on the page.
      document.getElementById("alert-topics").disabled = false;
      saveButton.disabled = false;
      alerts.current().then(async (subscription) => {
        const topics = subscription && (await alerts.topicsOf(subscription));
        if (topics) {
          for (const box of boxes()) box.checked = topics.includes(box.value);
          show(true, "Alerts are on in this browser.");
        } else {
          show(false, Notification.permission === "denied" ? "Alerts are blocked for this site in the browser's settings." : "Alerts are off in this browser.");
        }
      });
      preferences.addEventListener("submit", async (event) => {
        event.preventDefault();
        try {
          const subscription = await alerts.current();
          if (subscription) await alerts.save(subscription, chosen());
          else await alerts.subscribe(chosen());
          show(true, "Saved. Alerts are on in this browser.");
        } catch (error) {
          state.textContent = error.message;
        }
      });
      off.addEventListener("click", async () => {
        const subscription = await alerts.current();
        if (subscription) await alerts.turnOff(subscription);
        show(false, "Alerts are off in this browser.");
      });
    }
  }

  // Live blogs: follow the blog's key events by alert.
  const follow = document.getElementById("live-follow");
  if (follow && alerts.supported && Notification.permission !== "denied") {
    const topic = follow.dataset.topic;
    const following = () => {
      follow.textContent = "You get alerts for key events";
      follow.disabled = true;
    };
    follow.hidden = false;
    alerts.current().then(async (subscription) => {
      const topics = subscription && (await alerts.topicsOf(subscription));
      if (topics && topics.includes(topic)) following();
    });
    follow.addEventListener("click", async () => {
      try {
        const subscription = await alerts.current();
        const topics = subscription && (await alerts.topicsOf(subscription));
        if (subscription && topics) await alerts.save(subscription, [...topics, topic]);
        else await alerts.subscribe([topic]);
        following();
      } catch (error) {
        follow.textContent = error.message;
      }
    });
  }

  // Live blogs: new, edited and deleted updates arrive as they are posted. A
  // reader who has scrolled down into the updates is not moved: new ones
  // wait behind a button.
  const entries = document.getElementById("live-entries");
  if (entries && entries.dataset.live) {
    const banner = document.getElementById("live-new");
    const top = document.getElementById("live-top");
    const waiting = [];
    const fragment = (html) => {
      const template = document.createElement("template");
      template.innerHTML = html.trim();
      return template.content.firstElementChild;
    };
    const showWaiting = () => {
      document.getElementById("live-empty")?.remove();
      while (waiting.length) entries.prepend(waiting.shift());
      banner.hidden = true;
    };
    banner.querySelector("button").addEventListener("click", () => {
      showWaiting();
      entries.scrollIntoView({ behavior: "smooth" });
    });
    const readingFurtherDown = () => entries.getBoundingClientRect().top < 0;
    const showCount = () => {
      if (waiting.length) {
        banner.querySelector("button").textContent = waiting.length === 1 ? "1 new update" : waiting.length + " new updates";
        banner.hidden = false;
      } else {
        banner.hidden = true;
      }
    };
    // A new update goes on top, unless the reader is further down the page.
    const arrive = (item) => {
      item.classList.add("entry--new");
      waiting.push(item);
      if (!readingFurtherDown()) showWaiting();
    };
    const source = new EventSource(entries.dataset.live);
    // After a dropped connection, catch up with what changed meanwhile: new
    // updates arrive as usual, edited ones are replaced, and deleted ones go
    // (those as recent as the first page reaches: older ones are not on it).
    const postedAt = (item) => Date.parse(item.querySelector("time")?.getAttribute("datetime") || "") || 0;
    let connected = false;
    source.addEventListener("open", async () => {
      if (!connected) {
        connected = true;
        return;
      }
      const page = await fetch(location.pathname);
      if (!page.ok) return;
      const html = new DOMParser().parseFromString(await page.text(), "text/html");
      const fresh = [...html.querySelectorAll("#live-entries > .entry")].reverse();
      const now = new Map(fresh.map((item) => [item.id, item]));
      const reaches = html.querySelector(".pager a[rel=next]") && fresh.length ? postedAt(fresh[0]) : -Infinity;
      for (const item of [...entries.querySelectorAll(":scope > .entry"), ...waiting]) {
        const current = now.get(item.id);
        if (current && current.innerHTML !== item.innerHTML) {
          const replacement = document.importNode(current, true);
          item.replaceWith(replacement);
          const queued = waiting.indexOf(item);
          if (queued >= 0) waiting[queued] = replacement;
        } else if (!current && postedAt(item) > reaches) {
          item.remove();
          const queued = waiting.indexOf(item);
          if (queued >= 0) waiting.splice(queued, 1);
        }
      }
      for (const item of fresh) {
        if (!document.getElementById(item.id) && !waiting.some((w) => w.id === item.id)) arrive(document.importNode(item, true));
      }
      const freshTop = html.getElementById("live-top");
      if (top && freshTop) top.innerHTML = freshTop.innerHTML;
      showCount();
    });
    source.addEventListener("entry", (event) => {
      const change = JSON.parse(event.data);
      if (top) top.innerHTML = change.top;
      const existing = document.getElementById("entry-" + change.id);
      const queued = waiting.findIndex((item) => item.id === "entry-" + change.id);
      if (change.change === "removed") {
        existing?.remove();
        if (queued >= 0) waiting.splice(queued, 1);
      } else {
        const item = fragment(change.html);
        if (!item) return;
        if (existing) {
          existing.replaceWith(item);
        } else if (queued >= 0) {
          waiting[queued] = item;
        } else if (change.change === "posted") {
          arrive(item);
        }
      }
      showCount();
    });
    source.addEventListener("resync", () => location.reload());
  }

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
  // Comments and replies are posted without leaving the page. Signed out,
  // the form goes the usual way: the text is kept through signing in.
  const mainForm = document.querySelector("form[data-comment-form]");
  const say = (form, text, role) => {
    let line = form.querySelector(".forum__said");
    if (!line) {
      line = document.createElement("p");
      line.className = "forum__said";
      form.prepend(line);
    }
    line.setAttribute("role", role);
    line.className = "forum__said " + (role === "alert" ? "forum__error" : "forum__notice");
    line.textContent = text;
  };
  const postInPlace = (form) => {
    form.addEventListener("submit", async (event) => {
      if (!me.signed_in) return;
      event.preventDefault();
      const button = form.querySelector("button[type=submit]");
      const box = form.querySelector("textarea");
      if (button.disabled) return;
      button.disabled = true;
      try {
        const response = await fetch(form.action, {
          method: "POST",
          headers: { Accept: "application/json" },
          body: new URLSearchParams(new FormData(form)),
        });
        if (response.status === 401) return form.submit();
        const answer = await response.json();
        if (!response.ok) {
          box.setAttribute("aria-invalid", "true");
          return say(form, answer.detail || "The comment could not be posted. It is still in the box.", "alert");
        }
        box.removeAttribute("aria-invalid");
        sessionStorage.removeItem(box.dataset.draftKey);
        box.value = "";
        // A new form key for the next comment (the server gives one when none is sent).
        form.querySelector("[name=key]")?.remove();
        if (answer.held) {
          say(form, "Thank you. Your comment will appear once a moderator has looked at it.", "status");
          return;
        }
        form.querySelector(".forum__said")?.remove();
        if (!document.getElementById("comment-" + answer.id)) {
          const item = fragment(answer.html);
          const parent = form.closest("li.comment");
          if (parent) parent.querySelector(".comments--replies").append(item);
          else place(item);
        }
        if (form !== mainForm) {
          // The box goes; focus moves to the reply that took its place.
          form.remove();
          const card = document.getElementById("comment-" + answer.id)?.querySelector(".comment__card");
          if (card) {
            card.tabIndex = -1;
            card.focus();
          }
        }
      } catch {
        say(form, "The connection failed. Your comment is still in the box: try again.", "alert");
      } finally {
        button.disabled = false;
      }
    });
  };
  if (mainForm) postInPlace(mainForm);
  // "Reply" opens a box under the comment instead of going to its page.
  list.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-action=reply]");
    if (!link || !mainForm) return;
    event.preventDefault();
    const item = link.closest("li.comment");
    let form = item.querySelector(":scope > form[data-comment-form]");
    if (!form) {
      form = mainForm.cloneNode(true);
      form.classList.add("forum__form--reply");
      form.querySelector(".forum__said")?.remove();
      form.querySelector("[name=key]")?.remove();
      form.querySelector("[name=parent]").value = item.dataset.id;
      const box = form.querySelector("textarea");
      box.id = "reply-to-" + item.dataset.id;
      box.value = "";
      box.removeAttribute("aria-invalid");
      box.removeAttribute("aria-describedby");
      box.dataset.draftKey = "comment:" + list.dataset.article + ":" + item.dataset.id;
      box.value = sessionStorage.getItem(box.dataset.draftKey) || "";
      box.addEventListener("input", () => sessionStorage.setItem(box.dataset.draftKey, box.value));
      const label = form.querySelector("label");
      label.htmlFor = box.id;
      label.textContent = "Reply to " + (item.querySelector(".comment__author")?.textContent || "this comment");
      const button = form.querySelector("button[type=submit]");
      button.textContent = "Post reply";
      const cancel = document.createElement("button");
      cancel.type = "button";
      cancel.className = "button button--secondary";
      cancel.textContent = "Cancel";
      cancel.addEventListener("click", () => {
        form.remove();
        link.focus();
      });
      button.after(" ", cancel);
      item.querySelector(":scope > .comment__card").after(form);
      postInPlace(form);
    }
    form.querySelector("textarea").focus();
  });
  ready.then(() => {
    if (!me.signed_in) return;
    for (const hint of document.querySelectorAll("[data-signed-out]")) hint.hidden = true;
  });
  const source = new EventSource(list.dataset.live);
  source.addEventListener("comment", (event) => {
    const change = JSON.parse(event.data);
    if (count) count.textContent = "(" + change.count + (change.count === 1 ? " comment)" : " comments)");
    const existing = document.getElementById("comment-" + change.id);
    if (change.change === "liked") {
      const likes = existing?.querySelector(":scope > .comment__card [data-likes]");
      if (likes) likes.textContent = change.likes;
      return;
    }
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
})();

// Embeds: the card links to the video or post; on request, the provider's
// player takes its place (nothing of theirs loads before).
(function () {
  document.querySelectorAll(".embed__load").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => {
      const frame = document.createElement("iframe");
      frame.src = button.dataset.player;
      frame.title = button.dataset.title;
      frame.allow = "fullscreen; picture-in-picture; encrypted-media";
      frame.referrerPolicy = "strict-origin-when-cross-origin";
      frame.className = "embed__frame";
      button.closest(".embed").append(frame);
      button.remove();
      frame.focus();
    });
  });
})();
