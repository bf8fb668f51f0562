// The live final (pitch night). Three pages share this file; each is found by its root element:
// * #live-phone (a juror's live page): follows the current pitch (polling state.json every 3 s, the
//   page scrolls to it) and sends each score under a submission id chosen here. A score is kept in
//   localStorage until the server confirms it, so a reload, a sleeping phone or a dropped network
//   loses nothing; it is sent again (offline-save.js backoff, or at once when the browser is back
//   online) under the same id, which the server counts once. Each pitch says "saved on the server"
//   or "waiting for the network".
// * #live-control (organizer or chair): the board and standings, refreshed every 2 s without reload.
// * #live-screen (the projector): the big timer; space pauses or starts, → next pitch, ← back.
// No text lives here: the pages pass their translated words in data attributes.
(function () {
  "use strict";
  if (!window.fetch || !window.FormData || !window.Promise) { return; }

  function newId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function getJson(url) {
    return window.fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      });
  }

  // --- the timer (control, projector) ---------------------------------------------------------------

  var timerState = null;

  function two(n) { return (n < 10 ? "0" : "") + n; }

  function drawTimer() {
    var el = document.getElementById("live-timer");
    var phaseEl = document.getElementById("live-phase");
    if (!el || !timerState) { return; }
    var t = timerState;
    var ran = t.elapsed + (t.running ? Math.floor((Date.now() - t.at) / 1000) : 0);
    var phase = "over", left = 0;
    if (ran < t.pitch_seconds) { phase = "pitch"; left = t.pitch_seconds - ran; }
    else if (ran < t.pitch_seconds + t.questions_seconds) { phase = "questions"; left = t.pitch_seconds + t.questions_seconds - ran; }
    el.textContent = two(Math.floor(left / 60)) + ":" + two(left % 60);
    el.dataset.phase = phase;
    el.dataset.running = t.running ? "true" : "false";
    if (phaseEl) { phaseEl.textContent = (phaseEl.getAttribute("data-" + phase) || "") + " "; }
  }

  function showLive(live) {
    var state = document.getElementById("live-state");
    if (state && live.state) { state.dataset.state = live.state; }
    var current = document.getElementById("live-current");
    var next = document.getElementById("live-next");
    if (current) { current.textContent = live.current ? live.current.label : "—"; }
    if (next) { next.textContent = live.next ? live.next.label : "—"; }
    if (state && live.live) {
      var words = state.getAttribute("data-text-" + live.state);
      if (words) { state.textContent = words; }
    }
    if (live.timer) {
      timerState = {
        elapsed: live.timer.elapsed, running: live.timer.running, at: Date.now(),
        pitch_seconds: live.timer.pitch_seconds, questions_seconds: live.timer.questions_seconds
      };
    }
    drawTimer();
  }

  function cell(text) { var td = document.createElement("td"); td.textContent = text; return td; }

  function fillTable(table, rows, columns) {
    if (!table) { return; }
    var body = table.tBodies[0];
    while (body.firstChild) { body.removeChild(body.firstChild); }
    rows.forEach(function (row) {
      var tr = document.createElement("tr");
      if (row.application_id) { tr.dataset.application = row.application_id; }
      columns(row).forEach(function (text, i) {
        var td = cell(text);
        if (i === 2) { td.className = "live-scored"; }
        if (i === 3) { td.className = "live-waiting"; }
        if (i === 4) { td.className = "live-abstained"; }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  function runner(root) {
    var moveUrl = root.dataset.moveUrl;
    var token = document.querySelector("input[name=csrf_token]");
    var lastLive = null;

    // "Name (abstention), Name (conflict of interest)": the jurors not scoring this pitch, and why.
    function aside(r) {
      var words = (r.abstained || []).map(function (name) { return name + " (" + root.dataset.abstention + ")"; })
        .concat((r.recused || []).map(function (name) { return name + " (" + root.dataset.recusal + ")"; }));
      return words.join(", ") || "—";
    }

    function refresh() {
      return getJson(root.dataset.stateUrl).then(function (data) {
        lastLive = data.live;
        showLive(data.live);
        if (root.id === "live-screen" && String(data.live.audience_open) !== root.dataset.audienceOpen) {
          window.location.reload();
          return;
        }
        fillTable(document.getElementById("live-board"), data.board, function (r) {
          return [String(r.position), r.label, r.scored.join(", ") || "—", r.waiting.join(", ") || "—", aside(r)];
        });
        fillTable(document.getElementById("live-standings"), data.standings, function (r) {
          return [String(r.rank), r.ref + " · " + r.title, r.mean_text, String(r.count)];
        });
      }).catch(function () { /* the next poll tries again */ });
    }

    function move(action) {
      var data = new FormData();
      data.append("action", action);
      if (token) { data.append("csrf_token", token.value); }
      window.fetch(moveUrl, {
        method: "POST", body: data, credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": token ? token.value : "" }
      }).then(refresh, refresh);
    }

    document.addEventListener("keydown", function (event) {
      var target = event.target;
      if (target && /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(target.tagName)) { return; }
      if (event.key === " " || event.key === "Spacebar") {
        event.preventDefault();
        move(lastLive && lastLive.state === "running" ? "pause" : "start");
      } else if (event.key === "ArrowRight") {
        event.preventDefault();
        move("next");
      } else if (event.key === "ArrowLeft") {
        event.preventDefault();
        move("back");
      }
    });
    refresh();
    window.setInterval(refresh, 2000);
    window.setInterval(drawTimer, 1000);
  }

  // --- the juror's phone -----------------------------------------------------------------------------

  function phone(root) {
    var lib = window.JudgingOfflineSave;
    var words = root.dataset;
    var banner = document.getElementById("live-phone-now");
    var followed = null;

    function storageKey(form) { return "judging-live:" + words.juror + ":" + words.round + ":" + form.dataset.application; }

    function fields(form) {
      return Array.prototype.filter.call(form.elements, function (el) {
        return el.name && el.name !== "csrf_token" && el.name !== "version" && el.name !== "action" && !el.disabled;
      });
    }

    function say(form, text, kind) {
      var el = form.querySelector(".live-sync");
      if (!el) { return; }
      el.textContent = text || "";
      el.dataset.sync = kind || "";
      el.className = "small fw-semibold mb-1 live-sync " + (kind === "saved" ? "text-success" : kind === "refused" ? "text-danger" : "text-warning-emphasis");
    }

    function setup(form) {
      var keeper = lib.keeper(storageKey(form));
      var versionInput = form.querySelector("input[name=version]");
      var token = form.querySelector("input[name=csrf_token]");

      function send() {
        var entry = keeper.read();
        if (!entry) { return "stop"; }
        var data = new FormData();
        data.append("csrf_token", token ? token.value : "");
        data.append("version", entry.version);
        data.append("submission_id", entry.values.__submission);
        Object.keys(entry.values).forEach(function (name) {
          if (name !== "__submission") { data.append(name, entry.values[name]); }
        });
        say(form, words.sending, "pending");
        return window.fetch(form.dataset.liveSend, {
          method: "POST", body: data, credentials: "same-origin",
          headers: { Accept: "application/json", "X-CSRFToken": token ? token.value : "" }
        }).then(function (response) {
          if (response.status >= 500 || response.status === 429) { throw new Error("server"); }
          return response.json().then(function (body) {
            if (body.ok) {
              keeper.forget();
              if (versionInput) { versionInput.value = String(body.version); }
              form.dataset.submitted = "true";
              say(form, words.saved, "saved");
              return "saved";
            }
            keeper.forget();  // refused: the values stay in the fields, the reason is shown
            say(form, body.message, "refused");
            return "stop";
          });
        }).catch(function () {
          say(form, words.pending, "pending");
          return "retry";
        });
      }

      var retry = lib.retrier({ send: send, debounce: 10 });
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var values = { __submission: newId() };
        fields(form).forEach(function (el) { values[el.name] = el.value; });
        keeper.keep(versionInput ? versionInput.value : "", values);
        say(form, words.pending, "pending");
        retry.now();
      });

      var kept = keeper.read();
      if (kept) {
        fields(form).forEach(function (el) { if (el.name in kept.values) { el.value = kept.values[el.name]; } });
        if (versionInput && kept.version) { versionInput.value = kept.version; }
        form.dispatchEvent(new Event("input"));
        say(form, words.pending, "pending");
        retry.now();
      } else if (form.dataset.submitted === "true") {
        say(form, words.saved, "saved");
      }
    }

    function follow(live) {
      if (!live.live || !live.current) { if (banner) { banner.classList.add("d-none"); } return; }
      if (banner) {
        banner.textContent = words.now + " " + live.current.label;
        banner.classList.remove("d-none");
      }
      var open = live.open || [];
      document.querySelectorAll("form[data-live-send]").forEach(function (form) {
        var isOpen = open.indexOf(Number(form.dataset.application)) !== -1;
        form.dataset.open = isOpen ? "true" : "false";
        var button = form.querySelector("button[name=action]");
        if (button) { button.disabled = !isOpen; }
        var note = form.querySelector(".live-sync");
        if (!isOpen && note && !note.dataset.sync) { note.textContent = words.notStarted; }
        if (isOpen && note && !note.dataset.sync && note.textContent === words.notStarted) { note.textContent = ""; }
      });
      if (followed !== live.current.application_id) {
        followed = live.current.application_id;
        var section = document.getElementById("pitch-" + followed);
        if (section) {
          section.classList.add("border-primary");
          section.scrollIntoView({ block: "start" });
        }
      }
    }

    function poll() { getJson(words.stateUrl).then(follow).catch(function () { /* offline: try later */ }); }

    if (lib) { document.querySelectorAll("form[data-live-send]").forEach(setup); }
    poll();
    window.setInterval(poll, 3000);
  }

  var phoneRoot = document.getElementById("live-phone");
  if (phoneRoot) { phone(phoneRoot); }
  var runnerRoot = document.getElementById("live-control") || document.getElementById("live-screen");
  if (runnerRoot) { runner(runnerRoot); }
})();
