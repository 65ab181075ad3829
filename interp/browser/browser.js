// The feature browser. data/index.js calls browserIndex with every unit's
// scores; opening a unit adds a <script> for data/DICT/UNIT.js, which calls
// browserUnit with the full record (JSONP: browsers refuse to fetch files
// from file://). Byte strings hold one character per byte (U+0000–U+00FF).
//
// The URL hash is the state, so views can be linked and the page tested
// without clicks: #dict=NAME&unit=K&q=SEARCH&label=LABEL&sort=[-]COLUMN.
(function () {
  "use strict";

  var PAGE = 200; // rows rendered at a time
  var SORTABLE = ["index", "density", "max_act", "specificity", "byte_baseline", "f1", "byte_share"];
  var SVG = "http://www.w3.org/2000/svg";

  var idx = null;     // the index file
  var col = {};       // column name → position in a row
  var dicts = {};     // name → {rows, byIndex}
  var units = {};     // "dict/index" → unit record
  var requested = {}; // "dict/index" → its script was added
  var state = defaults();
  var shown = PAGE, tableKey = "", rendered = "";

  function $(id) { return document.getElementById(id); }
  function has(o, k) { return Object.prototype.hasOwnProperty.call(o, k); }

  function defaults() { return {dict: "", unit: null, q: "", label: "", sort: "index"}; }

  // el makes an element; props are attributes except text and class.
  function el(tag, props, kids) {
    var e = document.createElement(tag);
    for (var k in props || {}) {
      if (!has(props, k)) continue;
      if (k === "text") e.textContent = props[k];
      else if (k === "class") e.className = props[k];
      else e.setAttribute(k, props[k]);
    }
    (kids || []).forEach(function (c) { e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return e;
  }

  function svg(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) if (has(attrs, k)) e.setAttribute(k, attrs[k]);
    return e;
  }

  function status(msg) { $("status").textContent = msg; }

  function load(src, what, failed) {
    var s = document.createElement("script");
    s.src = src;
    s.onerror = function () {
      console.error("feature browser: could not load " + src);
      status("Could not load " + what + " (" + src + ").");
      if (failed) failed();
    };
    document.body.appendChild(s);
  }

  // Numbers.

  function num(v) {
    if (v === null || v === undefined) return "–";
    if (v !== 0 && Math.abs(v) < 1e-3) return v.toExponential(1);
    return String(+v.toPrecision(3));
  }
  function pct(v) { return v === null || v === undefined ? "–" : num(v * 100) + "%"; }
  function fix(v) { return v === null || v === undefined ? "–" : v.toFixed(2); }
  function hex2(b) { return (b < 16 ? "0" : "") + b.toString(16); }

  // byteName shows a byte as a quoted character or a \x escape.
  function byteName(b) {
    var named = {9: "'\\t'", 10: "'\\n'", 13: "'\\r'", 39: "'\\''", 92: "'\\\\'"};
    if (b === null || b === undefined) return "–";
    if (has(named, b)) return named[b];
    if (b >= 32 && b < 127) return "'" + String.fromCharCode(b) + "'";
    return "\\x" + hex2(b);
  }

  function labelName(l) { return idx.labels[l] !== undefined ? idx.labels[l] : "–"; }

  // Bytes.

  var utf8 = new TextDecoder("utf-8", {fatal: true});

  // seqLen is the length of the valid UTF-8 sequence at s[i], or 0.
  function seqLen(s, i) {
    var b = s.charCodeAt(i), n = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (n === 0 || i + n > s.length) return 0;
    var buf = new Uint8Array(n);
    for (var j = 0; j < n; j++) buf[j] = s.charCodeAt(i + j);
    try { utf8.decode(buf); } catch (e) { return 0; }
    return n;
  }

  // tokens splits a byte string into what is shown: one character per
  // valid UTF-8 sequence, visible marks for whitespace, \x escapes for
  // control and invalid bytes. Each token covers bytes [start, end).
  function tokens(s) {
    var out = [];
    for (var i = 0; i < s.length;) {
      var b = s.charCodeAt(i), t = {start: i, end: i + 1, text: "", cls: "", nl: false};
      if (b === 10) { t.text = "⏎"; t.cls = "ws"; t.nl = true; }
      else if (b === 9) { t.text = "⇥"; t.cls = "ws"; }
      else if (b === 32) { t.text = "·"; t.cls = "ws"; }
      else if (b === 13) { t.text = "␍"; t.cls = "ws"; }
      else if (b < 32 || b === 127) { t.text = "\\x" + hex2(b); t.cls = "esc"; }
      else if (b < 128) { t.text = String.fromCharCode(b); }
      else {
        var n = seqLen(s, i);
        if (n > 0) {
          var buf = new Uint8Array(n);
          for (var j = 0; j < n; j++) buf[j] = s.charCodeAt(i + j);
          t.text = utf8.decode(buf);
          t.end = i + n;
        } else { t.text = "\\x" + hex2(b); t.cls = "esc bad"; }
      }
      out.push(t);
      i = t.end;
    }
    return out;
  }

  // renderBytes shows s; with acts, each token is shaded by its activation
  // over m (orange positive, blue negative); the token holding peak is
  // outlined. Lines break after ⏎ when breaks is set.
  function renderBytes(tag, s, acts, peak, m, breaks) {
    var box = el(tag, {class: "bytes"});
    tokens(s).forEach(function (t) {
      var sp = el("span", {text: t.text});
      var cls = t.cls, hexes = [], a = 0;
      for (var j = t.start; j < t.end; j++) {
        hexes.push("0x" + hex2(s.charCodeAt(j)));
        var v = acts ? acts[j] || 0 : 0;
        if (Math.abs(v) > Math.abs(a)) a = v;
      }
      if (acts) {
        var alpha = Math.min(1, Math.abs(a) / m);
        if (alpha > 0) sp.style.backgroundColor = (a > 0 ? "rgba(255,140,0," : "rgba(70,130,255,") + alpha.toFixed(3) + ")";
        sp.title = hexes.join(" ") + "  act " + num(a);
      }
      if (peak >= t.start && peak < t.end) cls += " peak";
      if (cls) sp.className = cls.trim();
      box.appendChild(sp);
      if (breaks && t.nl) box.appendChild(document.createTextNode("\n"));
    });
    return box;
  }

  // queryBytes turns a search query into the byte string it stands for.
  function queryBytes(q) {
    var out = "", enc = new TextEncoder(), esc = {n: "\n", t: "\t", r: "\r", "\\": "\\"};
    for (var i = 0; i < q.length; i++) {
      var c = q.charAt(i), n = q.charAt(i + 1);
      if (c === "\\" && has(esc, n)) { out += esc[n]; i++; continue; }
      if (c === "\\" && n === "x" && /^[0-9a-fA-F]{2}$/.test(q.substr(i + 2, 2))) {
        out += String.fromCharCode(parseInt(q.substr(i + 2, 2), 16));
        i += 3;
        continue;
      }
      var cp = q.codePointAt(i);
      if (cp > 0xffff) i++;
      enc.encode(String.fromCodePoint(cp)).forEach(function (b) { out += String.fromCharCode(b); });
    }
    return out;
  }

  // The hash.

  function hashOf(s) {
    var parts = ["dict=" + encodeURIComponent(s.dict)];
    if (s.unit !== null) parts.push("unit=" + s.unit);
    if (s.q) parts.push("q=" + encodeURIComponent(s.q));
    if (s.label) parts.push("label=" + encodeURIComponent(s.label));
    if (s.sort !== "index") parts.push("sort=" + encodeURIComponent(s.sort));
    return "#" + parts.join("&");
  }

  function parseHash() {
    var s = defaults();
    location.hash.replace(/^#/, "").split("&").forEach(function (kv) {
      var i = kv.indexOf("="), v;
      if (i < 0) return;
      try { v = decodeURIComponent(kv.slice(i + 1)); } catch (e) { return; }
      var k = kv.slice(0, i);
      if (k === "unit") { if (/^\d+$/.test(v)) s.unit = +v; }
      else if (has(s, k)) s[k] = v;
    });
    return s;
  }

  // go moves to the state with changes: a new history entry when push is
  // set (opening a unit), else in place (typing a search).
  function go(changes, push) {
    var s = {};
    for (var k in state) if (has(state, k)) s[k] = has(changes, k) ? changes[k] : state[k];
    var h = hashOf(s);
    if (h === location.hash) route();
    else if (push) location.hash = h;
    else location.replace(h);
  }

  function route() {
    if (!idx) return;
    var s = parseHash();
    if (!has(dicts, s.dict)) s.dict = idx.dicts[0].name;
    if (SORTABLE.indexOf(s.sort.replace(/^-/, "")) < 0) s.sort = "index";
    if (s.label && idx.labels.indexOf(s.label) < 0) s.label = "";
    state = s;
    $("dict").value = s.dict;
    $("label").value = s.label;
    if ($("q").value !== s.q) $("q").value = s.q;
    status("");
    renderTable();
    if (s.unit === null) { $("unit").hidden = true; $("unit").textContent = ""; }
    else openUnit(s.dict, s.unit);
  }

  // The index.

  function renderTable() {
    var d = dicts[state.dict];
    var key = [state.dict, state.q, state.label, state.sort].join("\u0000");
    if (key !== tableKey) { shown = PAGE; tableKey = key; }
    if (rendered !== key + "\u0000" + shown) {
      rendered = key + "\u0000" + shown;
      var li = state.label ? idx.labels.indexOf(state.label) : -1;
      var qb = state.q ? queryBytes(state.q) : "";
      var list = d.rows.filter(function (r) {
        if (li >= 0 && r[col.top_label] !== li) return false;
        return !qb || r[col.snippets].some(function (s) { return s.indexOf(qb) >= 0; });
      });
      var desc = state.sort.charAt(0) === "-", k = col[state.sort.replace(/^-/, "")];
      list.sort(function (a, b) {
        var x = a[k], y = b[k];
        if (x === y) return a[col.index] - b[col.index];
        if (x === null) return 1;
        if (y === null) return -1;
        return desc ? y - x : x - y;
      });
      var tbody = el("tbody");
      list.slice(0, shown).forEach(function (r) { tbody.appendChild(row(r)); });
      var table = $("units");
      table.replaceChild(tbody, table.tBodies[0]);
      table.setAttribute("data-rows", list.length);
      table.setAttribute("data-shown", Math.min(shown, list.length));
      $("more").hidden = list.length <= shown;
      $("count").textContent = list.length + " of " + d.rows.length + " units" +
        (list.length > shown ? ", showing the first " + shown : "");
      Array.prototype.forEach.call(table.tHead.querySelectorAll("th[data-sort]"), function (th) {
        var name = th.getAttribute("data-sort");
        if (state.sort.replace(/^-/, "") === name) th.setAttribute("data-dir", desc ? "▼" : "▲");
        else th.removeAttribute("data-dir");
      });
    }
    Array.prototype.forEach.call($("units").tBodies[0].rows, function (tr) {
      tr.className = +tr.getAttribute("data-unit") === state.unit ? "open" : "";
    });
  }

  function row(r) {
    var snips = r[col.snippets];
    var ctx = el("td", {class: "left"});
    if (snips.length) ctx.appendChild(renderBytes("span", snips[0], null, r[col.peak], 1, false));
    return el("tr", {"data-unit": r[col.index]}, [
      el("td", {text: r[col.index]}),
      el("td", {text: pct(r[col.density])}),
      el("td", {text: num(r[col.max_act])}),
      el("td", {class: "left", text: labelName(r[col.top_label])}),
      el("td", {text: fix(r[col.specificity])}),
      el("td", {text: fix(r[col.byte_baseline])}),
      el("td", {text: fix(r[col.f1])}),
      el("td", {text: byteName(r[col.top_byte]) + " " + pct(r[col.byte_share])}),
      ctx
    ]);
  }

  // A unit.

  function openUnit(d, i) {
    var key = d + "/" + i, p = $("unit");
    if (units[key]) { renderUnit(d, units[key]); return; }
    p.hidden = false;
    if (!has(dicts[d].byIndex, i)) { p.textContent = "No unit " + i + " in " + d + "."; return; }
    p.textContent = "Loading " + key + "…";
    if (!requested[key]) {
      requested[key] = true;
      load("data/" + d + "/" + i + ".js", "unit " + key, function () {
        delete requested[key];
        document.body.setAttribute("data-unit-error", key);
      });
    }
  }

  function renderUnit(d, u) {
    var p = $("unit");
    p.hidden = false;
    p.textContent = "";
    var close = el("a", {class: "close", title: "close", text: "×"});
    close.href = hashOf({dict: state.dict, unit: null, q: state.q, label: state.label, sort: state.sort});
    p.appendChild(el("h2", {}, [close, d + " / unit " + u.index]));

    p.appendChild(el("table", {class: "stats"}, [
      statRow("density", pct(u.density)),
      statRow("max activation", num(u.max_act)),
      statRow("top label", labelName(u.top_label)),
      statRow("specificity", fix(u.specificity)),
      statRow("byte-only baseline", fix(u.byte_baseline)),
      statRow("F1 (active → top label)", fix(u.f1)),
      statRow("top byte", byteName(u.top_byte) + " (" + pct(u.byte_share) + " of the mass)")
    ]));

    if (u.label_share.length) {
      p.appendChild(el("h3", {text: "Activation mass by label"}));
      p.appendChild(el("table", {class: "shares"}, u.label_share.map(function (v, l) {
        return el("tr", {class: l === u.top_label ? "top" : ""}, [
          el("td", {text: labelName(l)}),
          el("td", {}, [el("span", {class: "bar", style: "width:" + Math.round(120 * Math.max(0, v || 0)) + "px"})]),
          el("td", {text: pct(v)})
        ]);
      })));
    }

    if (u.histogram.length) {
      p.appendChild(el("h3", {text: "Positive activations (count, log scale)"}));
      p.appendChild(histogram(u.histogram, u.max_act));
    }

    if (u.logit_top.length || u.logit_bottom.length) {
      p.appendChild(el("h3", {text: "Direct logit effects"}));
      p.appendChild(el("div", {class: "logits"}, [logits("raises", u.logit_top), logits("lowers", u.logit_bottom)]));
    }

    if (u.family.length) {
      p.appendChild(el("h3", {text: "Family: nearest units of other dictionaries (decoder cosine)"}));
      p.appendChild(el("ul", {}, u.family.map(function (f) {
        var a = el("a", {text: f.dict + " / unit " + f.index});
        a.href = hashOf({dict: f.dict, unit: f.index, q: "", label: "", sort: "index"});
        return el("li", {}, [a, " cos " + fix(f.cosine)]);
      })));
    }

    var m = u.max_act > 0 ? u.max_act : 0;
    u.contexts.concat(u.samples).forEach(function (c) {
      c.acts.forEach(function (a) { m = Math.max(m, Math.abs(a || 0)); });
    });
    m = m || 1;
    p.appendChild(el("h3", {text: "Top activations"}));
    u.contexts.forEach(function (c) { p.appendChild(context(c, m)); });
    if (u.samples.length) {
      p.appendChild(el("h3", {text: "Samples from evenly spaced activation intervals"}));
      u.samples.forEach(function (c) { p.appendChild(context(c, m)); });
    }
    document.body.setAttribute("data-unit-loaded", d + "/" + u.index);
  }

  function statRow(name, value) { return el("tr", {}, [el("td", {text: name}), el("td", {text: value})]); }

  function context(c, m) {
    var where = c.file ? c.file + " @ byte " + (c.file_offset || 0) + " · " : "";
    return el("div", {class: "context"}, [
      el("div", {class: "meta", text: "act " + num(c.acts[c.peak]) + " · " + where + "stream offset " + c.offset}),
      renderBytes("div", c.bytes, c.acts, c.peak, m, true)
    ]);
  }

  function logits(name, list) {
    var top = 0;
    list.forEach(function (e) { top = Math.max(top, Math.abs(e.value || 0)); });
    return el("table", {}, [el("caption", {text: name})].concat(list.slice(0, 10).map(function (e) {
      var w = top > 0 ? Math.round(60 * Math.abs(e.value || 0) / top) : 0;
      return el("tr", {}, [
        el("td", {class: "left bytes", text: byteName(e.byte)}),
        el("td", {text: num(e.value)}),
        el("td", {class: "left"}, [el("span", {class: (e.value || 0) < 0 ? "bar neg" : "bar", style: "width:" + w + "px"})])
      ]);
    })));
  }

  // histogram draws counts over (0, maxAct] as bars, heights ∝ log(1+count),
  // with the activation axis labelled at 0, its middle and its end, and the
  // tallest bar's count written above it.
  function histogram(h, maxAct) {
    var W = 360, H = 112, axis = 14, head = 12, top = 0, at = 0;
    h.forEach(function (c, i) { if (c > top) { top = c; at = i; } });
    var s = svg("svg", {width: W, height: H, viewBox: "0 0 " + W + " " + H, class: "hist", role: "img",
      "aria-label": "histogram of positive activations"});
    var bw = W / h.length;
    h.forEach(function (c, i) {
      var bh = c > 0 ? Math.max(1, (H - axis - head) * Math.log1p(c) / Math.log1p(top)) : 0; // c > 0: top ≥ 1
      var r = svg("rect", {x: i * bw, y: H - axis - bh, width: Math.max(bw - 1, 0.5), height: bh});
      var t = svg("title", {});
      t.textContent = "(" + num(i * maxAct / h.length) + ", " + num((i + 1) * maxAct / h.length) + "]: " + c;
      r.appendChild(t);
      s.appendChild(r);
    });
    var ticks = [[0, "start", "0"], [W / 2, "middle", num(maxAct / 2)], [W, "end", num(maxAct) + " (activation)"]];
    ticks.forEach(function (t) {
      var e = svg("text", {x: t[0], y: H - 2, "text-anchor": t[1]});
      e.textContent = t[2];
      s.appendChild(e);
    });
    var peak = svg("text", {x: Math.min(Math.max((at + 0.5) * bw, 4), W - 4), y: head - 2,
      "text-anchor": at < h.length / 4 ? "start" : at > 3 * h.length / 4 ? "end" : "middle"});
    peak.textContent = top + (top === 1 ? " activation" : " activations");
    if (top > 0) {
      s.appendChild(peak);
    }
    return s;
  }

  // Entry points.

  window.browserIndex = function (data) {
    idx = data;
    data.columns.forEach(function (c, i) { col[c] = i; });
    document.title = data.title || "Feature browser";
    $("title").textContent = document.title;
    $("radius").textContent = data.snippet_radius;
    $("ncontexts").textContent = data.snippet_contexts;
    data.dicts.forEach(function (d) {
      var byIndex = {};
      d.rows.forEach(function (r) { byIndex[r[col.index]] = true; });
      dicts[d.name] = {rows: d.rows, byIndex: byIndex};
      $("dict").appendChild(el("option", {value: d.name, text: d.name + " (" + d.rows.length + ")"}));
    });
    data.labels.forEach(function (l) { $("label").appendChild(el("option", {value: l, text: l})); });
    route();
  };

  window.browserUnit = function (d, i, u) {
    units[d + "/" + i] = u;
    if (state.dict === d && state.unit === i) renderUnit(d, u);
  };

  window.addEventListener("hashchange", route);
  $("dict").addEventListener("change", function () { go({dict: this.value, unit: null}, true); });
  $("label").addEventListener("change", function () { go({label: this.value}, false); });
  $("q").addEventListener("input", function () { go({q: this.value}, false); });
  $("more").addEventListener("click", function () { shown += PAGE; renderTable(); });
  $("units").tHead.addEventListener("click", function (e) {
    var th = e.target.closest("th[data-sort]");
    if (!th) return;
    var name = th.getAttribute("data-sort"), cur = state.sort.replace(/^-/, "");
    var sort = cur === name ? (state.sort.charAt(0) === "-" ? name : "-" + name) : (name === "index" ? name : "-" + name);
    go({sort: sort}, false);
  });
  $("units").addEventListener("click", function (e) {
    var tr = e.target.closest("tbody tr[data-unit]");
    if (tr) go({unit: +tr.getAttribute("data-unit")}, true);
  });
  load("data/index.js", "the index");
})();
