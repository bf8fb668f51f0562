// Autosave for the application form (progressive enhancement: without this file the buttons work).
//
// * Every change is kept at once in this device's localStorage (key data-storage-key), then POSTed
//   a few seconds later with the CSRF token to data-autosave-url, which answers JSON.
// * When the session has expired the server answers 401 (or 400 for a stale CSRF token): the text
//   stays in localStorage and the person gets a link to log in again; the login brings them back to
//   the form, where the kept text is restored (when the server has nothing newer) and announced.
// * A successful save updates the form's version (optimistic locking) and forgets the local copy.
// * A save that did not get through (no network, a server error, a busy database) is retried after
//   2, 4, 8 … 60 s, and at once when the browser comes back online (the "online" event), so text
//   typed offline reaches the server without another keystroke. The status line says it plainly:
//   "Saved at …" or "Not saved yet — trying again in N s" (words from the form's data-msg-*).
// * Also: live word counts (.word-count[data-for]) and a size check of chosen files (data-max-bytes).
(function () {
  "use strict";
  var form = document.getElementById("application-form");
  if (!form) { return; }

  var DELAY = 3000;
  var RETRY_FIRST = 2000;
  var RETRY_LONGEST = 60000;
  var url = form.getAttribute("data-autosave-url");
  var key = form.getAttribute("data-storage-key");
  var statusEl = document.getElementById("autosave-status");
  var restoredEl = document.getElementById("autosave-restored");
  var versionInput = form.querySelector("input[name=version]");
  var timer = null;
  var inFlight = false;
  var again = false;
  var stopped = false;
  var submitting = false;
  var retryDelay = RETRY_FIRST;
  var retryAt = 0;
  var retryTicker = null;
  var unsent = false;

  var store = (function () {
    try {
      var s = window.localStorage;
      s.setItem("judging-test", "1");
      s.removeItem("judging-test");
      return s;
    } catch (e) { return null; }
  })();

  function msg(name) { return form.getAttribute("data-msg-" + name) || ""; }

  function setStatus(text, link, linkText) {
    if (!statusEl) { return; }
    statusEl.textContent = text || "";
    if (link) {
      var a = document.createElement("a");
      a.href = link;
      a.textContent = linkText || link;
      a.className = "ms-1";
      a.id = "autosave-login";
      statusEl.appendChild(document.createTextNode(" "));
      statusEl.appendChild(a);
    }
  }

  function skip(el) {
    return !el.name || el.type === "file" || el.type === "submit" || el.type === "button" ||
      el.name === "csrf_token" || el.name === "version" || el.disabled;
  }

  function values() {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (skip(el)) { return; }
      if (el.type === "radio") {
        if (el.checked) { out[el.name] = el.value; } else if (!(el.name in out)) { out[el.name] = null; }
      } else if (el.type === "checkbox") {
        out[el.name] = el.checked;
      } else {
        out[el.name] = el.value;
      }
    });
    return out;
  }

  function fill(saved) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (skip(el) || !(el.name in saved)) { return; }
      var v = saved[el.name];
      if (el.type === "radio") { el.checked = v !== null && el.value === v; }
      else if (el.type === "checkbox") { el.checked = !!v; }
      else { el.value = v === null ? "" : v; }
    });
  }

  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }
  function version() { return versionInput ? versionInput.value : form.getAttribute("data-version"); }

  function keep() {
    if (!store || !key) { return; }
    try {
      store.setItem(key, JSON.stringify({ version: String(version()), at: Date.now(), values: values() }));
    } catch (e) { /* storage full: the server copy is all we have */ }
  }

  function forget() { if (store && key) { store.removeItem(key); } }

  function restore() {
    if (!store || !key) { return; }
    var raw = store.getItem(key);
    if (!raw) { return; }
    var saved = null;
    try { saved = JSON.parse(raw); } catch (e) { saved = null; }
    // A copy made from an older version than the server's was saved since: the server's text wins.
    if (!saved || !saved.values || String(saved.version) !== String(form.getAttribute("data-version"))) {
      forget();
      return;
    }
    if (same(saved.values, values())) { forget(); return; }
    fill(saved.values);
    if (restoredEl) {
      restoredEl.textContent = msg("restored");
      restoredEl.classList.remove("d-none");
    }
    schedule();
  }

  function schedule() {
    if (!url || stopped || submitting) { return; }
    stopTicker();
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(save, DELAY);
  }

  // Retries ------------------------------------------------------------------------------------
  function stopTicker() {
    if (retryTicker) { window.clearInterval(retryTicker); retryTicker = null; }
  }

  function showRetry() {
    var seconds = Math.max(1, Math.ceil((retryAt - Date.now()) / 1000));
    setStatus(msg("retry").replace("{n}", String(seconds)));
  }

  function retryLater() {
    if (!url || stopped || submitting) { return; }
    var delay = retryDelay;
    retryDelay = Math.min(retryDelay * 2, RETRY_LONGEST);
    retryAt = Date.now() + delay;
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(save, delay);
    stopTicker();
    showRetry();
    retryTicker = window.setInterval(showRetry, 1000);
  }

  function retryNow() {
    if (!unsent || !url || stopped || submitting) { return; }
    if (timer) { window.clearTimeout(timer); timer = null; }
    stopTicker();
    retryDelay = RETRY_FIRST;
    save();
  }

  function save() {
    timer = null;
    stopTicker();
    if (!url || stopped || submitting) { return; }
    if (inFlight) { again = true; return; }
    inFlight = true;
    unsent = true;
    var sent = values();
    var data = new FormData(form);
    Array.prototype.forEach.call(form.querySelectorAll("input[type=file]"), function (el) { data.delete(el.name); });
    data.set("version", version());
    var headers = { "Accept": "application/json" };
    var token = form.querySelector("input[name=csrf_token]");
    if (token) { headers["X-CSRFToken"] = token.value; }
    setStatus(msg("saving"));
    window.fetch(url, { method: "POST", body: data, credentials: "same-origin", headers: headers })
      .then(function (response) {
        return response.json()
          .catch(function () { return { ok: false, error: "http" }; })
          .then(function (body) { return { status: response.status, body: body || {} }; });
      })
      .then(function (result) {
        var body = result.body;
        if (body.ok) {
          if (versionInput) { versionInput.value = body.version; }
          form.setAttribute("data-version", body.version);
          retryDelay = RETRY_FIRST;
          unsent = !same(sent, values());
          if (unsent) { keep(); again = true; } else { forget(); }
          setStatus(body.message);
          return;
        }
        keep();
        if (body.error === "login" || body.error === "csrf") {
          // The page's own words: a logged-out server no longer knows the person's language.
          stopped = true;
          setStatus(msg("expired") || body.message, body.login_url, msg("login") || null);
        } else if (body.error === "stale" || body.error === "submitted") {
          stopped = true;
          setStatus(body.message);
        } else if (body.error === "invalid") {
          setStatus(body.message);  // the next change is sent; nothing to retry as it is
        } else {
          retryLater();  // busy, a server error, a proxy's page: the same text again, later
        }
      })
      .catch(function () {
        keep();
        retryLater();  // no network
      })
      .then(function () {
        inFlight = false;
        if (again) { again = false; schedule(); }
      });
  }

  function changed() {
    keep();
    unsent = true;
    if (url && !stopped) { setStatus(msg("local")); }
    schedule();
  }

  // Word counts ------------------------------------------------------------------------------
  function countWords(text) {
    var trimmed = (text || "").trim();
    return trimmed ? trimmed.split(/\s+/).length : 0;
  }

  var counters = Array.prototype.slice.call(document.querySelectorAll(".word-count[data-for]"));
  function updateCounters() {
    counters.forEach(function (el) {
      var input = document.getElementById(el.getAttribute("data-for"));
      if (!input) { return; }
      var max = parseInt(el.getAttribute("data-max"), 10);
      var n = countWords(input.value);
      var over = max && n > max;
      el.textContent = (el.getAttribute(over ? "data-over" : "data-template") || "{count}/{max}")
        .replace("{count}", String(n)).replace("{max}", String(max));
      el.classList.toggle("text-danger", !!over);
      el.classList.toggle("fw-bold", !!over);
    });
  }

  // File sizes -------------------------------------------------------------------------------
  Array.prototype.forEach.call(form.querySelectorAll("input[type=file][data-max-bytes]"), function (input) {
    input.addEventListener("change", function () {
      var max = parseInt(input.getAttribute("data-max-bytes"), 10);
      var note = document.getElementById(input.id + "-size-error");
      if (note) { note.remove(); }
      if (input.files && input.files[0] && max && input.files[0].size > max) {
        note = document.createElement("div");
        note.id = input.id + "-size-error";
        note.className = "invalid-feedback d-block";
        note.setAttribute("role", "alert");
        note.textContent = input.getAttribute("data-too-large") || "";
        input.insertAdjacentElement("afterend", note);
        input.value = "";
      }
    });
  });

  form.addEventListener("input", function (event) {
    if (event.target && event.target.type === "file") { return; }
    updateCounters();
    changed();
  });
  form.addEventListener("change", function (event) {
    if (event.target && (event.target.type === "radio" || event.target.type === "checkbox" ||
        event.target.tagName === "SELECT")) { changed(); }
  });
  form.addEventListener("submit", function (event) {
    if (submitting) { event.preventDefault(); return; } // a double click sends one request
    submitting = true;
    if (timer) { window.clearTimeout(timer); timer = null; }
    keep();
    window.setTimeout(function () { submitting = false; }, 15000);
  });

  window.addEventListener("online", retryNow);

  restore();
  updateCounters();
})();
