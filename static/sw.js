// Broadsheet's service worker: shows news alerts and opens the story when
// one is clicked. It caches nothing; pages come from the network as usual.
"use strict";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let alert = {};
  try {
    alert = event.data ? event.data.json() : {};
  } catch {
    alert = { title: "News alert", body: event.data ? event.data.text() : "" };
  }
  const options = {
    body: alert.body || "",
    icon: "__ICON__",
    badge: "__ICON__",
    tag: alert.tag || undefined,
    renotify: Boolean(alert.tag),
    data: { url: alert.url || "/", id: alert.id || "" },
  };
  if (alert.image) options.image = alert.image;
  event.waitUntil(self.registration.showNotification(alert.title || "News alert", options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const { url, id } = event.notification.data || {};
  const target = new URL(url || "/", self.location.origin);
  event.waitUntil(
    (async () => {
      if (id) fetch("/alerts/" + id + "/click", { method: "POST" }).catch(() => {});
      const open = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      for (const client of open) {
        if (new URL(client.url).pathname === target.pathname && "focus" in client) return client.focus();
      }
      return self.clients.openWindow(target.href);
    })(),
  );
});

// The browser renewed (or lost) the subscription: keep the server's copy, and its topics.
self.addEventListener("pushsubscriptionchange", (event) => {
  event.waitUntil(
    (async () => {
      const old = event.oldSubscription;
      let fresh = event.newSubscription;
      if (!fresh) {
        const setup = await (await fetch("/alerts/setup")).json();
        fresh = await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: setup.publicKey });
      }
      if (!old) return;
      await fetch("/alerts/subscriptions/renew", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ old_endpoint: old.endpoint, subscription: fresh.toJSON() }),
      });
    })(),
  );
});
