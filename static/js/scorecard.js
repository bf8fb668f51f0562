// Scorecards: the weighted total updating live, and autosave. Progressive enhancement only:
// the forms work without this file (the server computes and checks everything again).
//
// The total is the server's formula, computed exactly with fractions (BigInt), and rounded the
// same way (two decimals, halves up), so the page never shows a total the server would not:
//     total = 100 × Σ w·(x − min)/(max − min) / Σ w   over the answered criteria.
(function () {
  "use strict";
  if (typeof BigInt === "undefined") { return; }

  var NUMBER = /^[+-]?(\d+([.,]\d*)?|[.,]\d+)$/;
  var DECIMALS = 4; // the server keeps four decimals and refuses more (services/scoring.py, DECIMALS)
  var ZERO = BigInt(0), ONE = BigInt(1), TWO = BigInt(2), TEN = BigInt(10), HUNDRED = BigInt(100);

  function abs(a) { return a < ZERO ? -a : a; }
  function gcd(a, b) { a = abs(a); b = abs(b); while (b !== ZERO) { var t = a % b; a = b; b = t; } return a; }
  function frac(n, d) {
    if (d < ZERO) { n = -n; d = -d; }
    var g = gcd(n, d);
    if (g === ZERO) { g = ONE; }
    return { n: n / g, d: d / g };
  }
  function add(a, b) { return frac(a.n * b.d + b.n * a.d, a.d * b.d); }
  function sub(a, b) { return frac(a.n * b.d - b.n * a.d, a.d * b.d); }
  function mul(a, b) { return frac(a.n * b.n, a.d * b.d); }
  function div(a, b) { return frac(a.n * b.d, a.d * b.n); }
  function cmp(a, b) { var x = a.n * b.d - b.n * a.d; return x < ZERO ? -1 : (x > ZERO ? 1 : 0); }

  // Spaces as the server ignores them (parse_score): trimmed at the ends, spaces and no-break spaces
  // removed inside ("7 ,5" is 7.5; a tab inside is not a number there, so not here either).
  function squeeze(text) {
    return String(text === undefined || text === null ? "" : text).trim().replace(/[ \u00a0]/g, "");
  }

  // "7", "7.5", "7,5", ".5" → an exact fraction; anything else → null.
  function parse(text) {
    text = squeeze(text);
    if (!NUMBER.test(text)) { return null; }
    text = text.replace(",", ".");
    var negative = text.charAt(0) === "-";
    if (text.charAt(0) === "-" || text.charAt(0) === "+") { text = text.slice(1); }
    var parts = text.split(".");
    var decimals = parts[1] || "";
    var n = BigInt((parts[0] || "0") + decimals);
    var d = ONE;
    for (var i = 0; i < decimals.length; i += 1) { d *= TEN; }
    return frac(negative ? -n : n, d);
  }

  function checked(input) {
    // {value, problem}: value is a fraction within the scale, or null (blank or wrong).
    if (input.validity && input.validity.badInput) { return { value: null, problem: input.dataset.nanMessage }; }
    var raw = input.value;
    if (squeeze(raw) === "") { return { value: null, problem: null }; } // blank: unanswered, as on the server
    var x = parse(raw);
    if (x === null) { return { value: null, problem: input.dataset.nanMessage }; }
    if (cmp(x, parse(input.dataset.min)) < 0 || cmp(x, parse(input.dataset.max)) > 0) {
      return { value: null, problem: input.dataset.rangeMessage };
    }
    var decimals = squeeze(raw).split(/[.,]/)[1] || "";
    if (decimals.replace(/0+$/, "").length > DECIMALS) { // the server refuses it: it does not count
      return { value: null, problem: input.dataset.decimalsMessage || input.dataset.nanMessage };
    }
    return { value: x, problem: null };
  }

  function total(form) {
    var sum = frac(ZERO, ONE), weights = frac(ZERO, ONE), answered = false;
    form.querySelectorAll("input[data-weight]").forEach(function (input) {
      var x = checked(input).value;
      if (x === null) { return; }
      var low = parse(input.dataset.min), high = parse(input.dataset.max), w = parse(input.dataset.weight);
      sum = add(sum, mul(w, div(sub(x, low), sub(high, low))));
      weights = add(weights, w);
      answered = true;
    });
    return answered ? div(mul(frac(HUNDRED, ONE), sum), weights) : null;
  }

  function format(t, separator) {
    if (t === null) { return "—"; }
    var hundredths = (t.n * BigInt(200) + t.d) / (TWO * t.d); // halves up, as format_total on the server
    var cents = String(hundredths % HUNDRED);
    if (cents.length < 2) { cents = "0" + cents; }
    return String(hundredths / HUNDRED) + (separator || ".") + cents;
  }

  function showProblem(input, messages) {
    var box = input.parentNode.querySelector("[data-error-for]");
    var text = (messages || []).filter(Boolean).join(" ");
    input.classList.toggle("is-invalid", text !== "");
    input.setAttribute("aria-invalid", text ? "true" : "false");
    if (box) {
      box.textContent = text;
      box.classList.toggle("d-block", text !== "");
      var ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
        return id && id !== box.id;
      });
      if (text) { ids.push(box.id); }
      input.setAttribute("aria-describedby", ids.join(" "));
    }
  }

  function refresh(form) {
    var output = form.querySelector("[data-total]");
    if (output) { output.textContent = format(total(form), form.dataset.decimal); }
  }

  // Autosave (the scoring page only): what is typed is kept on this device at once, sent when typing
  // pauses, and sent again with backoff when the network or the server fails (offline-save.js).
  // The form carries the scorecard's version; each save returns the new one. A 409 (the scorecard
  // changed or was submitted elsewhere) stops autosaving and shows the server's words: never overwrite.
  function autosave(form) {
    var url = form.dataset.autosaveUrl; // absent on a submitted scorecard: kept copies, no autosave
    var lib = window.JudgingOfflineSave;
    if (!form.dataset.storageKey || !lib || !window.fetch || !window.FormData || !window.Promise) { return; }
    var status = form.querySelector("[data-autosave-status]");
    var badge = document.querySelector("[data-status]");
    var versionInput = form.querySelector("input[name=version]");
    var keeper = lib.keeper(form.dataset.storageKey);
    var stopped = false;

    function msg(name) { return form.getAttribute("data-msg-" + name) || ""; }
    function version() { return versionInput ? versionInput.value : ""; }

    function say(text, link, linkText) {
      if (!status) { return; }
      status.textContent = text || "";
      if (link) {
        var a = document.createElement("a");
        a.href = link;
        a.textContent = linkText || link;
        a.className = "ms-1";
        status.appendChild(document.createTextNode(" "));
        status.appendChild(a);
      }
    }

    function fields() {
      return Array.prototype.filter.call(form.elements, function (el) {
        return el.name && !el.disabled && (el.dataset.code || el.tagName === "TEXTAREA");
      });
    }
    function values() {
      var out = {};
      fields().forEach(function (el) { out[el.name] = el.value; });
      return out;
    }
    function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }
    // The same scorecard written differently: "7.5" typed, "7,5" as the French page shows it once saved.
    function sameMeaning(a, b) {
      var names = Object.keys(a).concat(Object.keys(b));
      return names.every(function (name) {
        var x = a[name] === undefined ? "" : a[name], y = b[name] === undefined ? "" : b[name];
        if (name.indexOf("score-") !== 0) { return x === y; }
        var p = parse(x), q = parse(y);
        if (p === null || q === null) { return squeeze(x) === squeeze(y); }
        return cmp(p, q) === 0;
      });
    }

    function showErrors(errors) {
      form.querySelectorAll("input[data-code]").forEach(function (input) {
        showProblem(input, errors[input.dataset.code] || []);
      });
    }

    // After a refusal, what is stored now beside each field that disagrees (as the server's page does).
    function showSaved(saved) {
      Object.keys(saved || {}).forEach(function (name) {
        var field = form.querySelector("[name='score-" + name + "'], textarea[name='" + name + "']");
        if (!field) { return; }
        var note = document.getElementById(field.id + "-saved");
        if (!note) {
          note = document.createElement("div");
          note.id = field.id + "-saved";
          note.className = "form-text text-warning-emphasis fw-semibold saved-now";
          field.parentNode.appendChild(note);
          field.setAttribute("aria-describedby", ((field.getAttribute("aria-describedby") || "") + " " + note.id).trim());
        }
        note.textContent = msg("saved-now").replace("{value}", saved[name]);
      });
    }

    function answer(result, sent) {
      var body = result.body || {};
      if (body.ok) {
        if (versionInput && body.version) { versionInput.value = body.version; }
        if (badge && body.status_label) { badge.textContent = body.status_label; }
        showErrors({});
        if (!same(sent, values())) { keeper.keep(version(), values()); return "again"; }
        keeper.forget();
        say(msg("saved"));
        return "saved";
      }
      if (result.status === 422) {
        showErrors(body.errors || {});
        say(body.message);
        return "stop";
      }
      if (result.status >= 400 && result.status < 500 && result.status !== 408 && result.status !== 429) {
        // refused (stale or submitted elsewhere, session expired, closed): never send over it again
        stopped = true;
        showSaved(body.saved);
        say(body.message || msg("stopped"), body.login_url, msg("login"));
        return "stop";
      }
      return "retry"; // the server failed, is away or busy (5xx, 408, 429): try again later
    }

    function send() {
      var sent = values();
      var data = new FormData(form);
      data.delete("action");
      var token = form.querySelector("input[name=csrf_token]");
      say(msg("saving"));
      return fetch(url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token ? token.value : "", "Accept": "application/json" }
      }).then(function (response) {
        return response.json().catch(function () { return null; }).then(function (body) {
          return answer({ status: response.status, body: body }, sent);
        });
      }, function () { return "retry"; });
    }

    var retry = lib.retrier({
      send: send,
      debounce: 1200,
      onWait: function (seconds) { say(msg("retry").replace("{seconds}", String(seconds))); }
    });

    function changed() {
      keeper.keep(version(), values());
      if (stopped || !url) { return; }
      say(msg("pending"));
      retry.soon();
    }

    // Typed on this device and never saved (a reload, a lost connection): put it back. It goes out
    // with the version it was typed on, so the server refuses it if the scorecard changed since.
    function restore() {
      var kept = keeper.read();
      if (!kept) { return; }
      // Saved meanwhile (the page shows it, perhaps written differently): nothing to put back. Putting
      // it back would also put back the version it was typed on, and the next save would be refused.
      if (sameMeaning(kept.values, values())) { keeper.forget(); return; }
      fields().forEach(function (el) { if (el.name in kept.values) { el.value = kept.values[el.name]; } });
      if (versionInput && kept.version) { versionInput.value = kept.version; }
      refresh(form);
      say(msg("restored"));
      if (url) { retry.soon(); }
    }

    form.addEventListener("input", changed);
    form.addEventListener("submit", function (event) {
      retry.cancel();
      keeper.keep(version(), values());
      var busy = retry.inFlight();
      if (!busy || form.dataset.waited) { return; }
      // A click while an autosave is under way: submit once it is back, with the version it got.
      event.preventDefault();
      var submitter = event.submitter;
      form.dataset.waited = "1";
      busy.then(function () {
        if (form.requestSubmit) { form.requestSubmit(submitter || undefined); } else { form.submit(); }
      });
    });
    restore();
  }

  document.querySelectorAll("form[data-scorecard]").forEach(function (form) {
    form.querySelectorAll("input[data-weight]").forEach(function (input) {
      input.addEventListener("change", function () {
        var result = checked(input);
        showProblem(input, result.problem ? [result.problem] : []);
      });
    });
    form.addEventListener("input", function () { refresh(form); });
    refresh(form);
    autosave(form);
  });
})();
