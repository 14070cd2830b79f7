/* The draft editor's row tables: "Add a row" copies the empty row (the server's "more rows" button does the same
   without script), and the weights' running total is recounted as the officer types. Checked only on saving. */
(function () {
  "use strict";

  function addRows() {
    document.querySelectorAll("[data-formset-add]").forEach(function (button) {
      var prefix = button.getAttribute("data-formset-add");
      var template = document.querySelector('template[data-formset-template="' + prefix + '"]');
      var rows = document.querySelector('[data-formset="' + prefix + '"]');
      var total = document.querySelector('input[name="' + prefix + '-TOTAL_FORMS"]');
      var status = document.querySelector('[data-formset-status="' + prefix + '"]');
      if (!template || !rows || !total) { return; }
      button.hidden = false;
      // With script, rows are added here one at a time; the page's own "more rows" button is for pages without it.
      document.querySelectorAll('[data-formset-more="' + prefix + '"]').forEach(function (more) { more.hidden = true; });
      button.addEventListener("click", function () {
        var index = parseInt(total.value, 10) || 0;
        var html = template.innerHTML.replace(/__prefix__/g, String(index));
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var row = holder.firstElementChild;
        rows.appendChild(row);
        total.value = String(index + 1);
        var first = row.querySelector("input:not([type=hidden]):not([type=checkbox]), select, textarea");
        if (first) { first.focus(); }
        if (status) { status.textContent = status.getAttribute("data-added-text") || ""; }
        recount();
      });
    });
  }

  function number(value) {
    var n = parseFloat(String(value || "").replace(",", ".").replace(/\s/g, ""));
    return isNaN(n) ? 0 : n;
  }

  function format(n) {
    var rounded = Math.round(n * 100) / 100;
    var lang = document.documentElement.lang || "fi";
    try { return rounded.toLocaleString(lang, { maximumFractionDigits: 2 }); } catch (ignore) { return String(rounded); }
  }

  function recount() {
    var box = document.querySelector("[data-weight-total]");
    var price = document.querySelector('input[name="price_weight"]');
    if (!box || !price) { return; }
    var list = box.querySelector("[data-weight-total-list]");
    var rows = [];
    document.querySelectorAll('[data-formset="criteria"] [data-formset-row]').forEach(function (row) {
      var removed = row.querySelector('input[name$="-DELETE"]');
      if (removed && removed.checked) { return; }
      var weight = row.querySelector('input[name$="-weight"]');
      var lot = row.querySelector('select[name$="-lot_number"]');
      rows.push({ lot: lot ? lot.value : "", weight: number(weight && weight.value) });
    });
    var lots = [];
    var anyLot = document.querySelector('[data-formset="criteria"] select[name$="-lot_number"]') ||
      document.querySelector('template[data-formset-template="criteria"]');
    var select = document.querySelector('select[name$="-lot_number"]');
    if (select) {
      Array.prototype.forEach.call(select.options, function (option) { if (option.value) { lots.push(option.value); } });
    } else if (anyLot && anyLot.content) {
      var inTemplate = anyLot.content.querySelector('select[name$="-lot_number"]');
      if (inTemplate) {
        Array.prototype.forEach.call(inTemplate.options, function (o) { if (o.value) { lots.push(o.value); } });
      }
    }
    if (!lots.length) { lots = [""]; }
    var base = number(price.value);
    var items = lots.map(function (lot) {
      var total = base;
      rows.forEach(function (r) { if (r.lot === "" || r.lot === lot) { total += r.weight; } });
      var ok = Math.abs(total - 100) < 0.005;
      var text = (lot ? box.getAttribute("data-lot-text") : box.getAttribute("data-all-text"))
        .replace("{lot}", lot).replace("{total}", format(total));
      return { text: text + " – " + box.getAttribute(ok ? "data-ok-text" : "data-wrong-text"), ok: ok };
    });
    var current = Array.prototype.map.call(list.children, function (li) { return li.textContent; }).join("|");
    var next = items.map(function (i) { return i.text; }).join("|");
    if (current === next) { return; }  // announce only a change
    list.textContent = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.className = item.ok ? "pass" : "fail";
      li.textContent = item.text;
      list.appendChild(li);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    addRows();
    if (document.querySelector("[data-weight-total]")) {
      var form = document.querySelector("[data-weight-total]").closest("form");
      form.addEventListener("input", recount);
      form.addEventListener("change", recount);
      recount();
    }
  });
})();
