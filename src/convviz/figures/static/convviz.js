/* convviz.js: the one renderer of convviz's interactive figures.
 *
 * It draws frames computed by the Python package (grids of numbers and the
 * index triples of each step); it computes no convolution itself. The same
 * file runs in the static book page (a classic script that mounts every
 * <figure data-cv-figure>) and in a live notebook widget (convviz/figures/live.py
 * appends an anywidget entry point to it).
 */
(function (root) {
  "use strict";
  var SVGNS = "http://www.w3.org/2000/svg";

  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c];
    });
  }

  function fmt(v) {
    if (typeof v === "string") return v;
    var r = Math.round(v * 1000) / 1000;
    var s = String(Math.abs(r));
    return (r < 0 ? "\u2212" : "") + s;
  }

  /* Cell text: numbers of 10 000 and more are shortened (1.18M, 18.4k) so they fit
   * a cell; data-value and the sum line keep the full number. */
  function short(v) {
    if (typeof v !== "number" || Math.abs(v) < 1e4) return fmt(v);
    var a = Math.abs(v), u = a >= 1e9 ? ["G", 1e9] : a >= 1e6 ? ["M", 1e6] : ["k", 1e3];
    var r = a / u[1];
    return (v < 0 ? "\u2212" : "") + (r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)) + u[0];
  }

  function paren(v) {
    var s = fmt(v);
    return (typeof v === "number" && v < 0) ? "(" + s + ")" : s;
  }

  function cellName(p, cell) {
    if (!p.index) return p.name;
    var r = Math.floor(cell / p.cols), c = cell % p.cols;
    if (p.oneD) return p.name + "[" + (c + p.origin[1]) + "]";
    return p.name + "[" + (r + p.origin[0]) + "," + (c + p.origin[1]) + "]";
  }

  function color(v, scale) {
    if (typeof v !== "number" || scale === 0) return "#ffffff";
    var t = Math.max(-1, Math.min(1, v / scale));
    var a = 0.08 + 0.62 * Math.abs(t);
    return t >= 0 ? "rgba(214,96,77," + a.toFixed(3) + ")" : "rgba(67,147,195," + a.toFixed(3) + ")";
  }

  /* Which cells of which panel each step touches, and the terms of its sum. */
  function stepInfo(viewSpec, s) {
    var terms = viewSpec.steps[s] || [];
    var hl = {};
    function mark(p, c, kind) {
      (hl[p] = hl[p] || {})[c] = kind;
    }
    var pairs = {};
    terms.forEach(function (t) {
      mark(t[0], t[1], "out");
      mark(t[2], t[3], "in");
      mark(t[4], t[5], "k");
      pairs[t[2] + ":" + t[3]] = [t[4], t[5]];
    });
    return { terms: terms, hl: hl, pairs: pairs };
  }

  /* For progressive outputs: the step at which each output cell is computed. */
  function revealMap(viewSpec) {
    if (viewSpec._reveal) return viewSpec._reveal;
    var map = {};
    viewSpec.steps.forEach(function (terms, s) {
      terms.forEach(function (t) {
        var key = t[0] + ":" + t[1];
        if (!(key in map)) map[key] = s;
      });
    });
    viewSpec._reveal = map;
    return map;
  }

  /* Per-panel facts that do not change with the step: cell size, colour scale, marks. */
  function panelGeometry(p) {
    if (p._cv) return p._cv;
    var scale = 0, marks = {};
    p.values.forEach(function (v) {
      if (typeof v === "number") scale = Math.max(scale, Math.abs(v));
    });
    Object.keys(p.marks || {}).forEach(function (k) {
      p.marks[k].forEach(function (c) { marks[c] = k; });
    });
    var size = p.cols > 16 ? 22 : 34;
    p._cv = { size: size, pad: 2, scale: scale, marks: marks };
    return p._cv;
  }

  /* The state of one cell at one step: its classes and its inner SVG. */
  function cellParts(p, pi, cell, info, reveal, step, viewSpec) {
    var g = panelGeometry(p), size = g.size, mark = g.marks[cell];
    var r = Math.floor(cell / p.cols), c = cell % p.cols;
    var x = g.pad + c * size, y = g.pad + r * size, v = p.values[cell];
    var rv = reveal[pi + ":" + cell];
    var hidden = p.progressive && rv !== undefined && rv > step;
    var kind = (info.hl[pi] || {})[cell];
    var pair = info.pairs[pi + ":" + cell];
    var cls = "cv-cell" + (mark ? " cv-" + mark : "") + (kind ? " cv-hl-" + kind : "") + (hidden ? " cv-pending" : "");
    var inner = '<rect x="' + x + '" y="' + y + '" width="' + size + '" height="' + size + '" fill="' +
      (hidden || mark === "pad" || mark === "zero" ? "#f4f4f4" : color(v, g.scale)) + '"></rect>';
    if (!hidden && size >= 30) {
      inner += '<text x="' + (x + size / 2) + '" y="' + (y + size / 2 + (pair ? -3 : 4)) +
        '" text-anchor="middle">' + esc(short(v)) + "</text>";
    }
    if (pair && size >= 30) {
      var kp = viewSpec.panels[pair[0]];
      inner += '<text class="cv-pair" x="' + (x + size / 2) + '" y="' + (y + size - 4) +
        '" text-anchor="middle">\u00d7' + esc(fmt(kp.values[pair[1]])) + "</text>";
    }
    return { cls: cls, value: hidden ? "" : String(v), inner: inner };
  }

  function panelSVG(p, pi, info, reveal, step, viewSpec) {
    var g = panelGeometry(p);
    var w = p.cols * g.size + 2 * g.pad, h = p.rows * g.size + 2 * g.pad;
    var out = ['<svg xmlns="' + SVGNS + '" class="cv-grid" viewBox="0 0 ' + w + " " + h +
      '" width="' + w + '" height="' + h + '" role="img" aria-label="' + esc(p.label) + '">'];
    for (var cell = 0; cell < p.values.length; cell++) {
      var part = cellParts(p, pi, cell, info, reveal, step, viewSpec);
      out.push('<g class="' + part.cls + '" data-cell="' + cell + '" data-value="' + esc(part.value) + '">' +
        part.inner + "</g>");
    }
    out.push("</svg>");
    return out.join("");
  }

  /* Cells whose look differs between two steps of a view: the highlighted ones of
   * both steps and, in progressive panels, the ones revealed in between. */
  function changedCells(viewSpec, a, b, infoA, infoB, reveal) {
    var keys = {};
    [infoA, infoB].forEach(function (info) {
      Object.keys(info.hl).forEach(function (pi) {
        Object.keys(info.hl[pi]).forEach(function (c) { keys[pi + ":" + c] = true; });
      });
    });
    var lo = Math.min(a, b), hi = Math.max(a, b);
    Object.keys(reveal).forEach(function (k) {
      if (reveal[k] > lo && reveal[k] <= hi) keys[k] = true;
    });
    return Object.keys(keys);
  }

  /* A step whose terms share one input cell is a scatter: that input value,
   * times each kernel weight, is added into several outputs (transposed view). */
  function scatterLine(viewSpec, info) {
    var t0 = info.terms[0], ip = viewSpec.panels[t0[2]];
    var parts = info.terms.map(function (t) {
      var op = viewSpec.panels[t[0]], kp = viewSpec.panels[t[4]];
      return cellName(op, t[1]) + " += " + paren(ip.values[t[3]]) + "\u00b7" + paren(kp.values[t[5]]);
    });
    if (parts.length > 6) parts = parts.slice(0, 4).concat(["\u2026 (" + parts.length + " outputs)"]);
    return cellName(ip, t0[3]) + " = " + fmt(ip.values[t0[3]]) + " scatters: " + parts.join(", ");
  }

  function sumLine(viewSpec, info) {
    if (!info.terms.length) return "";
    var t0 = info.terms[0], outP = viewSpec.panels[t0[0]];
    var oneOut = info.terms.every(function (t) { return t[0] === t0[0] && t[1] === t0[1]; });
    if (!oneOut) return scatterLine(viewSpec, info);
    var names = [], nums = [];
    info.terms.forEach(function (t) {
      var ip = viewSpec.panels[t[2]], kp = viewSpec.panels[t[4]];
      names.push(cellName(ip, t[3]) + "\u00b7" + cellName(kp, t[5]));
      nums.push(paren(ip.values[t[3]]) + "\u00b7" + paren(kp.values[t[5]]));
    });
    var n = names.length;
    if (n > 6) {
      names = names.slice(0, 3).concat(["\u2026 (" + n + " terms)"]);
      nums = nums.slice(0, 3).concat(["\u2026"]);
    }
    var b = viewSpec.bias !== undefined ? " + b" : "";
    var bn = viewSpec.bias !== undefined ? " + " + paren(viewSpec.bias) : "";
    return cellName(outP, t0[1]) + " = " + names.join(" + ") + b + " = " + nums.join(" + ") + bn +
      " = " + fmt(outP.values[t0[1]]);
  }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }

  var counter = 0;

  /* Mount a figure. host.frame(key, done) delivers the frame for a key (at once
   * in the static page, after a round trip to Python in the live widget). */
  function mount(container, spec, host) {
    counter += 1;
    var uid = "cvf" + counter;
    var state = { sel: spec.controls.map(function (c) { return c.default; }), step: 0, timer: null, frame: null,
      shown: null, shownStep: 0, nodes: [] };
    container.classList.add("cv-root");
    container.innerHTML = "";
    var title = el("figcaption", { "class": "cv-title" }, spec.title);
    var controls = el("div", { "class": "cv-controls" });
    var stage = el("div", { "class": "cv-stage" });
    var formula = el("div", { "class": "cv-formula", "aria-live": "polite" });
    var code = el("pre", { "class": "cv-code" });
    var alt = el("p", { "class": "cv-alt" }, spec.description);
    container.appendChild(title);
    container.appendChild(controls);
    container.appendChild(stage);
    container.appendChild(formula);
    container.appendChild(code);
    container.appendChild(alt);

    spec.controls.forEach(function (c, ci) {
      var id = uid + "-" + c.name;
      var wrap = el("label", { "class": "cv-control", "for": id });
      wrap.appendChild(el("span", {}, c.label + " "));
      var input;
      if (c.kind === "range") {
        input = el("input", { type: "range", min: 0, max: c.options.length - 1, step: 1, value: c.default, id: id,
          "data-control": c.name, "aria-valuetext": c.options[c.default] });
        var shown = el("output", { "for": id, "class": "cv-value" }, c.options[c.default]);
        input.addEventListener("input", function () {
          shown.textContent = c.options[+input.value];
          input.setAttribute("aria-valuetext", c.options[+input.value]);
          choose(ci, +input.value);
        });
        wrap.appendChild(input);
        wrap.appendChild(shown);
      } else {
        input = el("select", { id: id, "data-control": c.name });
        c.options.forEach(function (o, oi) {
          var opt = el("option", { value: oi }, o);
          if (oi === c.default) opt.selected = true;
          input.appendChild(opt);
        });
        input.addEventListener("change", function () { choose(ci, +input.value); });
        wrap.appendChild(input);
      }
      controls.appendChild(wrap);
    });

    var stepWrap = el("div", { "class": "cv-steps" });
    var prev = el("button", { type: "button", "class": "cv-prev", "aria-label": "previous step" }, "\u25c0");
    var play = el("button", { type: "button", "class": "cv-play", "aria-label": "play" }, "\u25b6 play");
    var next = el("button", { type: "button", "class": "cv-next", "aria-label": "next step" }, "\u25b6|");
    var slider = el("input", { type: "range", min: 0, max: 0, value: 0, step: 1, id: uid + "-step",
      "class": "cv-step", "aria-label": "step" });
    var stepOut = el("output", { "class": "cv-step-label", "for": uid + "-step" });
    [prev, play, next, slider, stepOut].forEach(function (e) { stepWrap.appendChild(e); });
    controls.appendChild(stepWrap);

    function nsteps() {
      var f = state.frame;
      if (!f) return 1;
      return Math.max(1, Math.max.apply(null, f.views.map(function (v) { return v.steps.length; })));
    }

    /* Draw the current step. A new frame is built whole; a new step of the frame on
     * screen only repaints the cells whose look changes (O(terms), not O(cells)). */
    function draw() {
      var f = state.frame;
      if (!f) return;
      var t0 = performance.now();
      var n = nsteps();
      if (state.step >= n) state.step = n - 1;
      slider.max = n - 1;
      slider.value = state.step;
      stepOut.textContent = "step " + (state.step + 1) + " of " + n;
      var lines = [];
      if (state.shown === f) {
        f.views.forEach(function (v, vi) {
          var a = Math.min(state.shownStep, v.steps.length - 1), b = Math.min(state.step, v.steps.length - 1);
          var infoA = stepInfo(v, a), info = stepInfo(v, b), reveal = revealMap(v);
          changedCells(v, a, b, infoA, info, reveal).forEach(function (k) {
            var pi = +k.split(":")[0], cell = +k.split(":")[1];
            var node = state.nodes[vi][pi][cell];
            var part = cellParts(v.panels[pi], pi, cell, info, reveal, b, v);
            node.setAttribute("class", part.cls);
            node.setAttribute("data-value", part.value);
            node.innerHTML = part.inner;
          });
          var line = sumLine(v, info);
          if (line) lines.push((f.views.length > 1 ? v.title + ": " : "") + line);
        });
      } else {
        var html = [];
        f.views.forEach(function (v, vi) {
          var s = Math.min(state.step, v.steps.length - 1);
          var info = stepInfo(v, s), reveal = revealMap(v);
          html.push('<div class="cv-view" data-view="' + vi + '"><div class="cv-view-title">' + esc(v.title) +
            '</div><div class="cv-panels">');
          v.panels.forEach(function (p, pi) {
            html.push('<div class="cv-panel cv-role-' + esc(p.role) + '" data-panel="' + pi + '" data-name="' +
              esc(p.name) + '"><div class="cv-panel-label">' + esc(p.label) + "</div>" +
              panelSVG(p, pi, info, reveal, s, v) + "</div>");
          });
          html.push("</div></div>");
          var line = sumLine(v, info);
          if (line) lines.push((f.views.length > 1 ? v.title + ": " : "") + line);
        });
        stage.innerHTML = html.join("");
        state.nodes = Array.prototype.map.call(stage.querySelectorAll(".cv-view"), function (vnode) {
          return Array.prototype.map.call(vnode.querySelectorAll(".cv-panel"), function (pnode) {
            return pnode.querySelectorAll("g.cv-cell");
          });
        });
        code.textContent = f.code || "";
        state.shown = f;
      }
      state.shownStep = state.step;
      formula.innerHTML = "";
      (f.formula || []).concat(lines).forEach(function (l, li) {
        formula.appendChild(el("div", { "class": li < (f.formula || []).length ? "cv-rule" : "cv-sum" }, l));
      });
      container.setAttribute("data-step", state.step);
      container.setAttribute("data-key", state.sel.join(","));
      container.cvRenderMs = performance.now() - t0;
    }

    function load() {
      var key = state.sel.join(",");
      host.frame(key, function (frame) {
        if (key !== state.sel.join(",")) return;
        state.frame = frame;
        draw();
      });
    }

    function choose(ci, oi) {
      state.sel[ci] = oi;
      load();
    }

    function go(s) {
      state.step = Math.max(0, Math.min(nsteps() - 1, s));
      draw();
    }

    function stop() {
      if (state.timer) clearInterval(state.timer);
      state.timer = null;
      play.textContent = "\u25b6 play";
      play.setAttribute("aria-label", "play");
    }

    play.addEventListener("click", function () {
      if (state.timer) return stop();
      if (state.step >= nsteps() - 1) go(0);
      play.textContent = "\u275a\u275a pause";
      play.setAttribute("aria-label", "pause");
      state.timer = setInterval(function () {
        if (state.step >= nsteps() - 1) return stop();
        go(state.step + 1);
      }, 700);
    });
    prev.addEventListener("click", function () { stop(); go(state.step - 1); });
    next.addEventListener("click", function () { stop(); go(state.step + 1); });
    slider.addEventListener("input", function () { stop(); go(+slider.value); });
    container.addEventListener("keydown", function (e) {
      if (e.target.tagName === "INPUT" || e.target.tagName === "SELECT") return;
      if (e.key === "ArrowRight") { stop(); go(state.step + 1); e.preventDefault(); }
      if (e.key === "ArrowLeft") { stop(); go(state.step - 1); e.preventDefault(); }
    });
    container.cvRedraw = load;
    load();
    return container;
  }

  function mountAll() {
    var figs = document.querySelectorAll("figure[data-cv-figure]:not([data-cv-mounted])");
    Array.prototype.forEach.call(figs, function (fig) {
      var node = fig.querySelector("script.cv-spec");
      if (!node) return;
      var spec = JSON.parse(node.textContent);
      fig.setAttribute("data-cv-mounted", "");
      mount(fig, spec, { frame: function (key, done) { done(spec.frames[key]); } });
    });
  }

  var api = { mount: mount, mountAll: mountAll, version: "1" };
  root.convviz = api;
  if (typeof document !== "undefined") {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
    else mountAll();
  }
})(typeof window !== "undefined" ? window : globalThis);
