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

  // "7", "7.5", "7,5", ".5" → an exact fraction; anything else → null.
  function parse(text) {
    text = String(text === undefined || text === null ? "" : text).replace(/[\s\u00a0]/g, "");
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
    if (raw === "") { return { value: null, problem: null }; }
    var x = parse(raw);
    if (x === null) { return { value: null, problem: input.dataset.nanMessage }; }
    if (cmp(x, parse(input.dataset.min)) < 0 || cmp(x, parse(input.dataset.max)) > 0) {
      return { value: null, problem: input.dataset.rangeMessage };
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

  function autosave(form) {
    var url = form.dataset.autosaveUrl;
    if (!url || !window.fetch || !window.FormData) { return; }
    var status = form.querySelector("[data-autosave-status]");
    var badge = document.querySelector("[data-status]");
    var timer = null, busy = false, again = false;

    function say(text) { if (status) { status.textContent = text || ""; } }

    function send() {
      if (busy) { again = true; return; }
      busy = true;
      var data = new FormData(form);
      data.delete("action");
      var token = form.querySelector("input[name=csrf_token]");
      fetch(url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token ? token.value : "", "Accept": "application/json" }
      }).then(function (response) {
        return response.json();
      }).then(function (body) {
        var errors = body.errors || {};
        form.querySelectorAll("input[data-code]").forEach(function (input) {
          showProblem(input, errors[input.dataset.code] || []);
        });
        if (body.ok && badge && body.status_label) { badge.textContent = body.status_label; }
        say(body.message);
      }).catch(function () {
        say(form.dataset.autosaveFailed);
      }).then(function () {
        busy = false;
        if (again) { again = false; send(); }
      });
    }

    form.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(send, 1200);
    });
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
