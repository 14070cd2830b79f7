/* Hankinta portal: small progressive enhancements; every page works without this file. */
(function () {
  "use strict";

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) { return decodeURIComponent(match[1]); }
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // The language menu applies its choice at once (the button stays for keyboard and no-script use).
  function autosubmit() {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  // A deadline counting down: <time data-countdown datetime="ISO">…</time>, announced politely once a minute.
  function countdowns() {
    var nodes = document.querySelectorAll("[data-countdown]");
    if (!nodes.length) { return; }
    function label(node, ms) {
      var closed = node.getAttribute("data-closed-text") || "—";
      if (ms <= 0) { return closed; }
      var s = Math.floor(ms / 1000), d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600),
        m = Math.floor(s % 3600 / 60), sec = s % 60;
      var units = (node.getAttribute("data-units") || "d h min s").split(" ");
      return (d ? d + " " + units[0] + " " : "") + h + " " + units[1] + " " + m + " " + units[2] +
        (d ? "" : " " + sec + " " + units[3]);
    }
    function tick() {
      nodes.forEach(function (node) {
        var target = node.querySelector(".countdown-left") || node;
        target.textContent = label(node, new Date(node.getAttribute("data-countdown")) - new Date());
      });
    }
    tick();
    setInterval(tick, 1000);
  }

  // Confirm before an irreversible action: <form data-confirm="question">.
  function confirms() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  }

  // Chunked attachment upload with progress, through the same API as other clients
  // (POST /api/v1/bids/{bid}/attachments/ {filename, size, purpose}, PUT …/{id}/chunks/{n}/ raw bytes from 0 on,
  // in chunks of at most the server's chunk_size, then POST …/{id}/complete/):
  // <form data-upload data-bid="ID" [data-chunk="BYTES"] [data-refresh="#list" data-refresh-url="URL"]> with
  // <input type=file>, an optional [name=purpose], a <progress hidden> and a [data-upload-status] live region.
  // Without script (or fetch) the form posts the file to its own action.
  function uploads() {
    function messageOf(body, fallback) {
      var messages = [];
      (function collect(value) {
        if (!value) { return; }
        if (Array.isArray(value)) { value.forEach(collect); return; }
        if (typeof value === "object") {
          if (value.message) { messages.push(value.message); return; }
          Object.keys(value).forEach(function (key) { collect(value[key]); });
        }
      })(body && body.errors);
      if (messages.length) { return messages.join(" "); }
      return (body && body.detail) || fallback;
    }
    function bindConfirms(root) {
      root.querySelectorAll("form[data-confirm]").forEach(function (other) {
        other.addEventListener("submit", function (event) {
          if (!window.confirm(other.getAttribute("data-confirm"))) { event.preventDefault(); }
        });
      });
    }
    document.querySelectorAll("form[data-upload]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        var input = form.querySelector("input[type=file]");
        if (!input || !input.files.length || !window.fetch || !window.XMLHttpRequest) { return; }
        event.preventDefault();
        var file = input.files[0], bid = form.getAttribute("data-bid");
        var wanted = parseInt(form.getAttribute("data-chunk"), 10) || 0;
        var bar = form.querySelector("progress"), live = form.querySelector("[data-upload-status]");
        var button = form.querySelector("button[type=submit]");
        var headers = { "X-CSRFToken": csrfToken(), "Accept": "application/json" };
        var base = "/api/v1/bids/" + bid + "/attachments/";
        var networkError = form.getAttribute("data-network-error") || "network error";
        function say(text) { if (live) { live.textContent = text; } }
        function fail(response) {
          return response.json().catch(function () { return {}; }).then(function (body) {
            throw new Error(messageOf(body, response.statusText || networkError));
          });
        }
        function post(url, body) {
          var options = { method: "POST", credentials: "same-origin", headers: Object.assign({}, headers) };
          if (body !== undefined) {
            options.headers["Content-Type"] = "application/json";
            options.body = JSON.stringify(body);
          }
          return fetch(url, options).then(function (r) { return r.ok ? r.json() : fail(r); });
        }
        if (button) { button.disabled = true; }
        if (bar) { bar.hidden = false; bar.max = file.size || 1; bar.value = 0; }
        say("0 %");
        var purpose = form.querySelector("[name=purpose]");
        post(base, { filename: file.name, size: file.size, purpose: (purpose && purpose.value) || "other" })
          .then(function (upload) {
            var chunk = upload.chunk_size || 5 * 1024 * 1024;
            if (wanted > 0 && wanted < chunk) { chunk = wanted; }
            var count = Math.max(1, Math.ceil(file.size / chunk)), index = 0;
            var url = base + upload.id + "/";
            function next() {
              if (index >= count) { return post(url + "complete/"); }
              var start = index * chunk, part = file.slice(start, Math.min(file.size, start + chunk));
              return new Promise(function (resolve, reject) {
                var xhr = new XMLHttpRequest();
                xhr.open("PUT", url + "chunks/" + index + "/");
                xhr.setRequestHeader("X-CSRFToken", headers["X-CSRFToken"]);
                xhr.setRequestHeader("Accept", "application/json");
                xhr.setRequestHeader("Content-Type", "application/octet-stream");
                xhr.withCredentials = true;
                xhr.upload.addEventListener("progress", function (e) { if (bar) { bar.value = start + e.loaded; } });
                xhr.addEventListener("load", function () {
                  if (xhr.status >= 200 && xhr.status < 300) { resolve(); return; }
                  var body = {};
                  try { body = JSON.parse(xhr.responseText); } catch (ignore) { /* not JSON */ }
                  reject(new Error(messageOf(body, xhr.statusText || networkError)));
                });
                xhr.addEventListener("error", function () { reject(new Error(networkError)); });
                xhr.send(part);
              }).then(function () {
                index += 1;
                var sent = Math.min(file.size, index * chunk);
                if (bar) { bar.value = sent; }
                say(Math.round(100 * sent / (file.size || 1)) + " %");
                return next();
              });
            }
            return next();
          })
          .then(function () {
            if (bar) { bar.value = bar.max; }
            say(form.getAttribute("data-done-text") || "OK");
            input.value = "";
            if (button) { button.disabled = false; }
            var target = form.getAttribute("data-refresh"), refresh = form.getAttribute("data-refresh-url");
            if (target && refresh && window.htmx && document.querySelector(target)) {
              return window.htmx.ajax("GET", refresh, { target: target, swap: "outerHTML" }).then(function () {
                var swapped = document.querySelector(target);
                if (swapped) { bindConfirms(swapped); }
              });
            }
            window.location.reload();
          })
          .catch(function (error) {
            say(error.message);
            if (button) { button.disabled = false; }
          });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    autosubmit(); countdowns(); confirms(); uploads();
  });
})();

/* ---- Editing a form without losing what was typed (the bid page; any form can opt in) -------------------------
 * Self-contained: shares nothing with the block above.
 * - <form data-warn-unsaved>: leaving the page with changes not yet saved asks first (not when the form itself is
 *   submitted). Fields outside the form that belong to it (form="id") count too.
 * - <form data-autosave="URL" data-autosave-status="#live">: the form is posted to URL (JSON answer
 *   {saved, message}) a moment after the typing stops, one request at a time; the answer's sentence goes to the
 *   live region. A successful save makes the form clean again (if nothing was typed meanwhile).
 * - <button data-confirm="question">: asks before the button submits its form.
 * - [data-exclusion-grounds]: the per-ground answers are shown only when "one applies" is chosen
 *   (input[name=exclusion]), and are not sent at all when "none applies" is.
 * - #attachments refreshed by htmx keeps the business-secret ticks not yet saved.
 */
(function () {
  "use strict";

  var submitting = null;

  function token() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) { return decodeURIComponent(match[1]); }
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function tracked(target) {
    var form = target && target.form;
    return form && form.hasAttribute("data-warn-unsaved") ? form : null;
  }

  function changed(event) {
    var form = tracked(event.target);
    if (!form) { return; }
    form.setAttribute("data-dirty", "");
    form.dispatchEvent(new CustomEvent("portal:changed"));
  }

  function warnings() {
    document.addEventListener("input", changed);
    document.addEventListener("change", changed);
    // Bubbling: a handler on the form that cancelled the submission (a confirm answered "no") has run already.
    document.addEventListener("submit", function (event) {
      if (!event.defaultPrevented && event.target.hasAttribute("data-warn-unsaved")) { submitting = event.target; }
    });
    window.addEventListener("beforeunload", function (event) {
      var dirty = Array.prototype.filter.call(
        document.querySelectorAll("form[data-warn-unsaved][data-dirty]"), function (form) { return form !== submitting; });
      if (!dirty.length) { return; }
      event.preventDefault();
      event.returnValue = "";
    });
    window.addEventListener("pageshow", function () { submitting = null; });
  }

  function autosaves() {
    document.querySelectorAll("form[data-autosave]").forEach(function (form) {
      var url = form.getAttribute("data-autosave");
      var live = document.querySelector(form.getAttribute("data-autosave-status") || "");
      var timer = null, busy = null, typedSince = false;
      function say(text) { if (live && text) { live.textContent = text; } }
      function save() {
        timer = null;
        if (busy) { timer = setTimeout(save, delay()); return; }
        typedSince = false;
        busy = window.AbortController ? new AbortController() : {};
        fetch(url, {
          method: "POST",
          body: new FormData(form),
          credentials: "same-origin",
          headers: { "X-CSRFToken": token(), "Accept": "application/json" },
          signal: busy.signal
        }).then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (body) {
            busy = null;
            say(body.message || form.getAttribute("data-autosave-network-error"));
            if (response.ok && !typedSince && !timer) { form.removeAttribute("data-dirty"); }
          });
        }).catch(function (error) {
          busy = null;
          if (error && error.name === "AbortError") { return; }
          say(form.getAttribute("data-autosave-network-error"));
        });
      }
      function delay() { return parseInt(form.getAttribute("data-autosave-delay"), 10) || 1500; }
      form.addEventListener("portal:changed", function () {
        typedSince = true;
        clearTimeout(timer);
        timer = setTimeout(save, delay());
      });
      form.addEventListener("submit", function (event) {
        if (event.defaultPrevented) { return; }
        clearTimeout(timer);
        timer = null;
        if (busy && busy.abort) { busy.abort(); }
      });
    });
  }

  function buttonConfirms() {
    document.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest("button[data-confirm]");
      if (button && !window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  }

  function exclusionGrounds() {
    document.querySelectorAll("[data-exclusion-grounds]").forEach(function (list) {
      var form = list.form || list.closest("form");
      if (!form) { return; }
      function apply() {
        var chosen = form.querySelector("input[name=exclusion]:checked");
        var mode = chosen ? chosen.value : "";
        list.setAttribute("data-mode", mode);
        list.disabled = mode === "none";
      }
      form.querySelectorAll("input[name=exclusion]").forEach(function (radio) {
        radio.addEventListener("change", apply);
      });
      apply();
    });
  }

  function keepTicksAcrossRefresh() {
    var ticks = null;
    document.addEventListener("htmx:beforeSwap", function (event) {
      if (!event.detail.target || event.detail.target.id !== "attachments") { return; }
      ticks = {};
      event.detail.target.querySelectorAll("input[type=checkbox][name]").forEach(function (box) {
        ticks[box.name] = box.checked;
      });
    });
    document.addEventListener("htmx:afterSettle", function () {
      var list = document.getElementById("attachments");
      if (!list || !ticks) { return; }
      list.querySelectorAll("input[type=checkbox][name]").forEach(function (box) {
        if (Object.prototype.hasOwnProperty.call(ticks, box.name)) { box.checked = ticks[box.name]; }
      });
      ticks = null;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    warnings(); autosaves(); buttonConfirms(); exclusionGrounds(); keepTicksAcrossRefresh();
  });
})();
