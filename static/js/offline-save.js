// Saving through a bad network, shared by the pages that autosave (loaded before their own script).
//
// * JudgingOfflineSave.keeper(key): what was typed and not yet saved, kept in this device's
//   localStorage under `key` with the version of the record it was typed on, so it survives a
//   reload, a closed tab or a lost connection. `keep(version, values)`, `read()`, `forget()`.
// * JudgingOfflineSave.retrier({send, onWait, debounce}): sends once typing pauses (`soon()`),
//   one request at a time; `send()` returns a promise of "saved", "again" (send the newer values),
//   "retry" (the network or the server failed: try again after 2, 4, 8 … 60 s, or at once when the
//   browser says it is back online), or "stop" (a refusal: nothing more until the next change).
//   `onWait(seconds)` is called every second of a wait, so the page can say when the next try is.
//   `inFlight()` is the promise of the request under way (or null): a form submitted meanwhile
//   waits for it, so that it carries the version that request got back.
// No text lives here: the pages pass their translated messages.
(function () {
  "use strict";

  var store = (function () {
    try {
      var s = window.localStorage;
      s.setItem("judging-test", "1");
      s.removeItem("judging-test");
      return s;
    } catch (e) { return null; }
  })();

  function keeper(key) {
    return {
      keep: function (version, values) {
        if (!store || !key) { return; }
        try {
          store.setItem(key, JSON.stringify({ version: String(version), at: Date.now(), values: values }));
        } catch (e) { /* storage full or refused: the page still holds the values */ }
      },
      read: function () {
        if (!store || !key) { return null; }
        try {
          var saved = JSON.parse(store.getItem(key) || "null");
          return saved && saved.values ? saved : null;
        } catch (e) { return null; }
      },
      forget: function () { if (store && key) { store.removeItem(key); } }
    };
  }

  function backoff(failures) { return Math.min(60, Math.pow(2, failures)); }

  function retrier(options) {
    var debounce = options.debounce || 1200;
    var timer = null, ticker = null, pending = null, again = false, failures = 0;

    function clear() {
      if (timer) { window.clearTimeout(timer); timer = null; }
      if (ticker) { window.clearInterval(ticker); ticker = null; }
    }

    function wait(seconds) {
      clear();
      var left = seconds;
      if (options.onWait) { options.onWait(left); }
      ticker = window.setInterval(function () {
        left -= 1;
        if (left <= 0) { run(); return; }
        if (options.onWait) { options.onWait(left); }
      }, 1000);
    }

    function run() {
      clear();
      if (pending) { again = true; return; }
      pending = Promise.resolve(options.send()).catch(function () { return "retry"; });
      pending.then(function (outcome) {
        pending = null;
        if (outcome === "retry") {
          failures += 1;
          wait(backoff(failures));
          return;
        }
        failures = 0;
        if (outcome === "stop") { again = false; return; }
        if (again || outcome === "again") { again = false; run(); }
      });
    }

    window.addEventListener("online", function () { if (failures > 0 && !pending) { run(); } });

    return {
      soon: function () { clear(); timer = window.setTimeout(run, debounce); },
      now: run,
      cancel: clear,
      inFlight: function () { return pending; }
    };
  }

  window.JudgingOfflineSave = { keeper: keeper, retrier: retrier, backoff: backoff };
})();
