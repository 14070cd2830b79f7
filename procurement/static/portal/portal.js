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
