/* convviz.js: the one renderer of convviz's interactive figures.
 *
 * It draws frames computed by the Python package (grids of numbers and the
 * index terms of each step); it computes no convolution itself. The same file
 * runs in the static book page (a classic script that mounts every
 * <figure data-cv-figure>) and in a live notebook widget (convviz/figures/live.py
 * appends an anywidget entry point to it).
 *
 * Frame schema (defined once in Python: convviz/figures/engine.py, FrameSpec):
 *   Frame  = {views: View[], formula: string[], code: string, legend?: {mark: text}}
 *   View   = {title: string, panels: Panel[], steps: Term[][], bias?: number}
 *   Panel  = {name, label, rows, cols, oneD, values: (number|string)[] (row-major),
 *             origin: [row0, col0], role: "input"|"kernel"|"output"|"other",
 *             marks: {pad|zero|drop|hot: flat cell index[]}, progressive: bool,
 *             index: bool, scale: "diverging"|"image"}
 *   Term   = [outPanel, outCell, inPanel, inCell, kPanel, kCell]
 *            (engine.Term serialised as a list to keep pages small; read with term())
 * A step's terms all name one output cell (a sum) or all one input cell (a scatter).
 *
 * Layout of this file, by role: helpers (numbers, names) - palette (values to
 * colours, read from CSS variables) - drawing (SVG grids, canvas grids,
 * highlights, key, sums) - controls - stepper - links and export - mount.
 */
(function (root) {
  "use strict";
  var SVGNS = "http://www.w3.org/2000/svg";

  /* ---------------------------------------------------------------- helpers */

  /** Escape text for HTML and SVG markup. */
  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c];
    });
  }

  /** A number as the book writes it: at most 3 decimals, a true minus sign. */
  function fmt(v) {
    if (typeof v === "string") return v;
    var r = Math.round(v * 1000) / 1000;
    var s = String(Math.abs(r));
    return (r < 0 ? "\u2212" : "") + s;
  }

  /** Cell text: numbers of 10 000 and more are shortened (1.18M, 18.4k) so they fit a cell. */
  function short(v) {
    if (typeof v !== "number" || Math.abs(v) < 1e4) return fmt(v);
    var a = Math.abs(v), u = a >= 1e9 ? ["G", 1e9] : a >= 1e6 ? ["M", 1e6] : ["k", 1e3];
    var r = a / u[1];
    return (v < 0 ? "\u2212" : "") + (r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)) + u[0];
  }

  /** A factor of a product: negative numbers in parentheses. */
  function paren(v) {
    var s = fmt(v);
    return (typeof v === "number" && v < 0) ? "(" + s + ")" : s;
  }

  /** Named fields of a serialised engine.Term. */
  function term(t) {
    return { op: t[0], oc: t[1], ip: t[2], ic: t[3], kp: t[4], kc: t[5] };
  }

  /** The name of a cell as the formulas and the indices on the grid write it, e.g. x[-1,2]. */
  function cellName(p, cell) {
    if (!p.index) return p.name;
    var r = Math.floor(cell / p.cols), c = cell % p.cols;
    if (p.oneD) return p.name + "[" + (c + p.origin[1]) + "]";
    return p.name + "[" + (r + p.origin[0]) + "," + (c + p.origin[1]) + "]";
  }

  /** The drawer of a panel with a `kind` (static/image.js registers "image"), or null. */
  function plugin(p) { return (p.kind && (root.convvizPanels || {})[p.kind]) || null; }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }

  /* ---------------------------------------------------------------- palette */

  var MARK_TEXT = { pad: "padding zero", zero: "inserted zero", drop: "never read (cut off)", hot: "outlined region" };
  var cache = typeof WeakMap !== "undefined" ? new WeakMap() : null;  // per-panel and per-view facts

  /** Per-panel facts that do not change with the step: geometry, colour scale, marks. */
  function geometry(p) {
    var g = cache.get(p);
    if (g) return g;
    var lo = Infinity, hi = -Infinity, scale = 0, marks = {};
    p.values.forEach(function (v) {
      if (typeof v !== "number") return;
      scale = Math.max(scale, Math.abs(v));
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    });
    Object.keys(p.marks || {}).forEach(function (k) {
      p.marks[k].forEach(function (c) { marks[c] = k; });
    });
    var n = p.rows * p.cols;
    var canvas = n > 400 || (p.cols > 16 && n > 150);  // many cells and no numbers printed: a canvas
    var size = canvas ? Math.max(8, Math.min(22, Math.floor(480 / p.cols))) : (p.cols > 16 ? 22 : 34);
    var text = size >= 30;
    var idx = p.index && !canvas && p.cols <= 16 && p.rows <= 16;
    var left = idx && !p.oneD ? 20 : 2, top = idx ? 13 : 2;
    var bar = !text;  // grids without numbers carry a colour bar with their range
    var w = p.cols * size + left + 2, h = p.rows * size + top + 2;
    g = { size: size, left: left, top: top, scale: scale, lo: lo, hi: hi, marks: marks, canvas: canvas,
      text: text, idx: idx, w: w, h: h, bar: bar, image: p.scale === "image" };
    cache.set(p, g);
    return g;
  }

  /** Fill of a value cell: {cls, style, dark}; the colours themselves are CSS variables. */
  function valueFill(v, g) {
    if (typeof v !== "number") return { cls: "cv-v0", style: "", dark: false };
    if (g.image) {
      var span = g.hi - g.lo, t = span > 0 ? (v - g.lo) / span : 1;
      var grey = Math.round(40 + 200 * t);
      return { cls: "cv-vimg", style: "fill:rgb(" + grey + "," + grey + "," + grey + ")", dark: grey < 130, light: grey >= 130 };
    }
    if (g.scale === 0 || v === 0) return { cls: "cv-v0", style: "", dark: false };
    var a = Math.abs(v) / g.scale;
    return { cls: v > 0 ? "cv-vpos" : "cv-vneg", style: "fill-opacity:" + (0.1 + 0.6 * a).toFixed(3), dark: false };
  }

  /** CSS variables of the palette, as the canvas needs literal colours. */
  function palette(node) {
    var s = getComputedStyle(node), out = {};
    ["pos", "neg", "cell", "line", "in", "k", "out", "hot", "pad-bg", "pad-ink", "zero-bg", "zero-ink", "pending", "fg"]
      .forEach(function (k) { out[k] = s.getPropertyValue("--cv-" + k).trim() || "#888"; });
    return out;
  }

  /* ---------------------------------------------------------------- steps */

  /** Cells each step touches, by panel, and the term index of each. */
  function stepInfo(v, s) {
    var terms = v.steps[s] || [];
    var hl = {}, pairs = {};
    function mark(p, c, kind, i) {
      var m = (hl[p] = hl[p] || {});
      if (!m[c]) m[c] = { kind: kind, terms: [] };
      m[c].terms.push(i);
    }
    terms.forEach(function (raw, i) {
      var t = term(raw);
      mark(t.op, t.oc, "out", i);
      mark(t.ip, t.ic, "in", i);
      mark(t.kp, t.kc, "k", i);
      pairs[t.ip + ":" + t.ic] = [t.kp, t.kc];
    });
    return { terms: terms, hl: hl, pairs: pairs };
  }

  /** Per view: the step at which each output cell is computed, and the step a click on a cell opens. */
  function viewMaps(v) {
    var m = cache.get(v);
    if (m) return m;
    var reveal = {}, target = {};
    v.steps.forEach(function (terms, s) {
      if (!terms.length) return;
      var t0 = term(terms[0]);
      var oneOut = terms.every(function (t) { return t[0] === t0.op && t[1] === t0.oc; });
      terms.forEach(function (t) {
        var key = t[0] + ":" + t[1];
        if (!(key in reveal)) reveal[key] = s;
      });
      var own = oneOut ? t0.op + ":" + t0.oc : t0.ip + ":" + t0.ic;
      if (!(own in target)) target[own] = s;
      if (!((t0.op + ":" + t0.oc) in target)) target[t0.op + ":" + t0.oc] = s;
    });
    m = { reveal: reveal, target: target };
    cache.set(v, m);
    return m;
  }

  /** Frames with more steps than this offer a step size (by row, by 10, ...) besides 1. */
  var LONG = 100;

  /** The row step s works on, as "view:panel:row" of its output cell (of its input cell for a
   * scatter step), from the first view that has a step s; stepping "by row" moves between keys. */
  function rowKey(f, s) {
    for (var vi = 0; vi < f.views.length; vi++) {
      var v = f.views[vi], terms = v.steps[s];
      if (!terms || !terms.length) continue;
      var t = term(terms[0]);
      var oneOut = terms.every(function (u) { return u[0] === t.op && u[1] === t.oc; });
      var pi = oneOut ? t.op : t.ip, cell = oneOut ? t.oc : t.ic;
      return vi + ":" + pi + ":" + Math.floor(cell / v.panels[pi].cols);
    }
    return "";
  }

  /** Per view: true when another view of the frame has the same panel roles in the same order
   * (views meant to be compared, e.g. convolution vs cross-correlation), which sit side by side. */
  function pairs(f) {
    var sig = f.views.map(function (v) { return v.panels.map(function (p) { return p.role; }).join(","); });
    return sig.map(function (x) { return sig.filter(function (y) { return y === x; }).length > 1; });
  }

  /** The first step worth showing: one with a nonzero product, else one whose window reads
   * a cell that is not padding or an inserted zero, else the first. */
  function firstInformative(f) {
    var v = f.views[0], real = -1;
    if (!v) return 0;
    for (var s = 0; s < v.steps.length; s++) {
      var terms = v.steps[s].map(term);
      if (terms.some(function (t) {
        var a = v.panels[t.ip].values[t.ic], b = v.panels[t.kp].values[t.kc];
        return typeof a === "number" && typeof b === "number" && a * b !== 0;
      })) return s;
      if (real < 0 && terms.some(function (t) {
        var mk = geometry(v.panels[t.ip]).marks[t.ic];
        return mk !== "pad" && mk !== "zero";
      })) real = s;
    }
    return Math.max(0, real);
  }

  /* ---------------------------------------------------------------- drawing: SVG grids */

  /** The SVG markup of one cell (fill, number, mark glyphs); `pair` adds the weight it multiplies. */
  function cellInner(p, cell, g, hidden, pair, viewSpec) {
    var size = g.size, mark = g.marks[cell];
    var r = Math.floor(cell / p.cols), c = cell % p.cols;
    var x = g.left + c * size, y = g.top + r * size, v = p.values[cell];
    var f = hidden || mark === "pad" || mark === "zero" ? { cls: "", style: "", dark: false } : valueFill(v, g);
    var out = '<rect class="cv-bg ' + f.cls + '" x="' + x + '" y="' + y + '" width="' + size + '" height="' + size +
      '"' + (f.style ? ' style="' + f.style + '"' : "") + "></rect>";
    if (mark === "drop" && !hidden) {
      out += '<line class="cv-strike" x1="' + (x + 2) + '" y1="' + (y + size - 2) + '" x2="' + (x + size - 2) +
        '" y2="' + (y + 2) + '"></line>';
    }
    if (!hidden && g.text) {
      out += '<text' + (f.dark ? ' class="cv-on-dark"' : f.light ? ' class="cv-on-light"' : "") + ' x="' + (x + size / 2) + '" y="' + (y + size / 2 + (pair ? -2 : 4)) +
        '" text-anchor="middle">' + esc(short(v)) + "</text>";
    }
    if (pair && g.text) {
      var kp = viewSpec.panels[pair[0]];
      out += '<text class="cv-pair' + (f.dark ? " cv-on-dark" : f.light ? " cv-on-light" : "") + '" x="' + (x + size / 2) + '" y="' + (y + size - 3) +
        '" text-anchor="middle">\u00d7' + esc(fmt(kp.values[pair[1]])) + "</text>";
    }
    return out;
  }

  function isHidden(p, pi, cell, reveal, step) {
    var rv = reveal[pi + ":" + cell];
    return p.progressive && rv !== undefined && rv > step;
  }

  /** Class and data-value of a cell of the base layer. */
  function cellAttrs(p, pi, cell, g, reveal, step) {
    var mark = g.marks[cell], hidden = isHidden(p, pi, cell, reveal, step);
    return { cls: "cv-cell" + (mark ? " cv-" + mark : "") + (hidden ? " cv-pending" : ""),
      value: hidden ? "" : String(p.values[cell]), hidden: hidden };
  }

  /** Row and column indices around a grid, numbered from the panel's origin. */
  function indexSVG(p, g) {
    if (!g.idx) return "";
    var out = ['<g class="cv-index" aria-hidden="true">'];
    for (var c = 0; c < p.cols; c++) {
      out.push('<text x="' + (g.left + c * g.size + g.size / 2) + '" y="' + (g.top - 3) + '" text-anchor="middle">' +
        fmt(c + p.origin[1]) + "</text>");
    }
    if (!p.oneD) {
      for (var r = 0; r < p.rows; r++) {
        out.push('<text x="' + (g.left - 4) + '" y="' + (g.top + r * g.size + g.size / 2 + 4) + '" text-anchor="end">' +
          fmt(r + p.origin[0]) + "</text>");
      }
    }
    out.push("</g>");
    return out.join("");
  }

  /** The highlight layer of one SVG panel: drawn last, so no cell or group outline covers it. */
  function overlaySVG(p, pi, info, g, reveal, step, viewSpec) {
    var cells = info.hl[pi];
    if (!cells) return "";
    var out = [];
    Object.keys(cells).forEach(function (key) {
      var cell = +key, h = cells[key];
      var r = Math.floor(cell / p.cols), c = cell % p.cols, size = g.size;
      var x = g.left + c * size, y = g.top + r * size;
      var pair = h.kind === "in" ? info.pairs[pi + ":" + cell] : null;
      var hidden = isHidden(p, pi, cell, reveal, step);
      var mark = g.marks[cell];  // the copy of the cell keeps its look (padding, inserted zero, ...)
      out.push('<g class="cv-hl cv-hl-' + h.kind + (mark ? " cv-" + mark : "") + '" data-t="' + h.terms.join(" ") + '">' +
        (pair ? '<rect class="cv-under" x="' + x + '" y="' + y + '" width="' + size + '" height="' + size + '"></rect>' +
          cellInner(p, cell, g, hidden, pair, viewSpec) : "") +
        '<rect class="cv-ring" x="' + (x + 1.5) + '" y="' + (y + 1.5) + '" width="' + (size - 3) + '" height="' +
        (size - 3) + '"></rect>' +
        (h.kind === "out" ? '<path class="cv-corner" d="M' + x + " " + y + "h" + Math.round(size / 3) + "L" + x + " " +
          (y + Math.round(size / 3)) + 'z"></path>' : "") + "</g>");
    });
    return out.join("");
  }

  /** A colour bar with the panel's range, for grids that do not print their numbers. */
  function barSVG(g, y) {
    var w = Math.min(120, Math.max(60, g.w - 4));
    var lo = g.image ? g.lo : -g.scale, hi = g.image ? g.hi : g.scale;
    return '<g class="cv-bar" transform="translate(2,' + y + ')"><rect class="cv-bar-fill" width="' + w +
      '" height="8" fill="url(#' + (g.image ? "cv-grad-img" : "cv-grad-div") + ')"></rect>' +
      '<text y="20" x="0">' + esc(short(lo)) + '</text><text y="20" x="' + w + '" text-anchor="end">' +
      esc(short(hi)) + "</text></g>";
  }

  /** A whole SVG grid: base cells, indices, colour bar, highlight layer. */
  function panelSVG(p, pi, info, reveal, step, viewSpec) {
    var g = geometry(p);
    var barH = g.bar ? 24 : 0, w = Math.max(g.w, g.bar ? 124 : 0), h = g.h + barH;
    var out = ['<svg xmlns="' + SVGNS + '" class="cv-grid" viewBox="0 0 ' + w + " " + h + '" width="' + w +
      '" height="' + h + '" role="img" aria-label="' + esc(p.label) + '"><g class="cv-cells">'];
    for (var cell = 0; cell < p.values.length; cell++) {
      var a = cellAttrs(p, pi, cell, g, reveal, step);
      out.push('<g class="' + a.cls + '" data-cell="' + cell + '" data-value="' + esc(a.value) + '">' +
        cellInner(p, cell, g, a.hidden, null, viewSpec) + "</g>");
    }
    out.push("</g>" + indexSVG(p, g) + (g.bar ? barSVG(g, g.h + 2) : "") + '<g class="cv-overlay">' +
      overlaySVG(p, pi, info, g, reveal, step, viewSpec) + "</g></svg>");
    return out.join("");
  }

  /* ---------------------------------------------------------------- drawing: canvas grids */

  /** Large grids (over 400 cells, or over 150 too narrow for numbers) are one canvas: the whole
   * grid redraws in about a millisecond. */
  function drawCanvas(canvas, p, pi, info, reveal, step, pal) {
    var g = geometry(p), dpr = root.devicePixelRatio || 1, size = g.size;
    var w = p.cols * size + 4, h = p.rows * size + 4;
    if (canvas.width !== Math.round(w * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
      canvas.style.width = w + "px";
      canvas.style.height = h + "px";
    }
    var ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    var shown = [];
    for (var cell = 0; cell < p.values.length; cell++) {
      var r = Math.floor(cell / p.cols), c = cell % p.cols, x = 2 + c * size, y = 2 + r * size;
      var mark = g.marks[cell], hidden = isHidden(p, pi, cell, reveal, step), v = p.values[cell];
      shown.push(hidden ? "" : String(v));
      ctx.globalAlpha = 1;
      ctx.fillStyle = hidden ? pal.pending : mark === "pad" ? pal["pad-bg"] : mark === "zero" ? pal["zero-bg"] : pal.cell;
      ctx.fillRect(x, y, size, size);
      if (!hidden && mark !== "pad" && mark !== "zero") {
        var f = valueFill(v, g);
        if (f.cls === "cv-vpos" || f.cls === "cv-vneg") {
          ctx.globalAlpha = +f.style.split(":")[1];
          ctx.fillStyle = f.cls === "cv-vpos" ? pal.pos : pal.neg;
          ctx.fillRect(x, y, size, size);
        } else if (f.cls === "cv-vimg") {
          ctx.fillStyle = f.style.slice(5);
          ctx.fillRect(x, y, size, size);
        }
      }
      ctx.globalAlpha = 1;
      ctx.strokeStyle = mark === "hot" ? pal.hot : pal.line;
      ctx.lineWidth = mark === "hot" ? 1.5 : 0.5;
      ctx.strokeRect(x + 0.25, y + 0.25, size - 0.5, size - 0.5);
    }
    var cells = info.hl[pi] || {};
    Object.keys(cells).forEach(function (key) {
      var cell = +key, r = Math.floor(cell / p.cols), c = cell % p.cols;
      ctx.strokeStyle = pal[cells[key].kind];
      ctx.lineWidth = 2;
      ctx.strokeRect(2 + c * size + 1, 2 + r * size + 1, size - 2, size - 2);
    });
    canvas.setAttribute("data-values", JSON.stringify(shown));
  }

  /* ---------------------------------------------------------------- drawing: 3D view */

  /** Fixed angles of the 3D view: screen vectors of one column (u), one row (v) and one
   * slice further back (z), in cells; slices are drawn from the back to the front. */
  var ANGLES = [
    { name: "from the left", u: [0.94, 0.34], v: [0, 1], z: [0.62, -0.5] },
    { name: "from the right", u: [0.94, -0.34], v: [0, 1], z: [-0.62, -0.5] },
    { name: "from above", u: [1, 0], v: [0.55, 0.5], z: [0, -1] },
  ];

  /** The view's volumes (blocks of slices) in an oblique projection, the current window
   * outlined on every slice it reads: the same cells and step as the slice view. */
  function volumeSVG(v, info, reveal, step, angle) {
    var A = ANGLES[angle % ANGLES.length], parts = [], x0 = 4, height = 0;
    v.volumes.forEach(function (block) {
      var slices = block.panels.map(function (pi) { return v.panels[pi]; });
      var cols = Math.max.apply(null, slices.map(function (p) { return p.cols; }));
      var rows = Math.max.apply(null, slices.map(function (p) { return p.rows; }));
      var size = Math.max(7, Math.min(16, Math.floor(100 / Math.max(cols, rows))));
      var gap = Math.max(1.6, cols * 0.85);  // slices apart (an exploded block), each one readable
      var P = function (u, r, z) {
        return [(u * A.u[0] + r * A.v[0] + z * gap * A.z[0]) * size, (u * A.u[1] + r * A.v[1] + z * gap * A.z[1]) * size];
      };
      var xs = [], ys = [];
      slices.forEach(function (p, z) {
        [[0, 0], [p.cols, 0], [0, p.rows], [p.cols, p.rows]].forEach(function (q) {
          var pt = P(q[0], q[1], z);
          xs.push(pt[0]);
          ys.push(pt[1]);
        });
      });
      var minx = Math.min.apply(null, xs), miny = Math.min.apply(null, ys);
      var w = Math.max.apply(null, xs) - minx, h = Math.max.apply(null, ys) - miny;
      var dx = x0 - minx, dy = 4 - miny;
      var quad = function (c, r, z) {
        return [P(c, r, z), P(c + 1, r, z), P(c + 1, r + 1, z), P(c, r + 1, z)].map(function (pt) {
          return (pt[0] + dx).toFixed(1) + " " + (pt[1] + dy).toFixed(1);
        }).join(" L");
      };
      var rings = [];
      for (var z = slices.length - 1; z >= 0; z--) {
        var p = slices[z], pi = block.panels[z], g = geometry(p), hl = info.hl[pi] || {};
        parts.push('<g class="cv-slice" opacity="0.92">');
        for (var cell = 0; cell < p.values.length; cell++) {
          var r = Math.floor(cell / p.cols), c = cell % p.cols, mark = g.marks[cell];
          var hidden = isHidden(p, pi, cell, reveal, step);
          var f = hidden || mark === "pad" || mark === "zero" ? { cls: "", style: "" } : valueFill(p.values[cell], g);
          parts.push('<g class="cv-cell' + (mark ? " cv-" + mark : "") + (hidden ? " cv-pending" : "") +
            '"><path class="cv-bg ' + f.cls + '" d="M' + quad(c, r, z) + 'z"' + (f.style ? ' style="' + f.style + '"' : "") +
            "></path></g>");
          if (hl[cell]) rings.push('<g class="cv-hl cv-hl-' + hl[cell].kind + '"><path class="cv-ring cv-ring-3d" d="M' +
            quad(c, r, z) + 'z"></path></g>');
        }
        parts.push("</g>");
      }
      parts.push(rings.join(""));
      parts.push('<text class="cv-3d-label" x="' + (x0 + w / 2) + '" y="' + (h + 20) + '" text-anchor="middle">' +
        esc(block.label) + "</text>");
      x0 += Math.max(w, 7 * block.label.length) + 28;
      height = Math.max(height, h + 26);
    });
    return '<svg xmlns="' + SVGNS + '" class="cv-grid cv-3d" viewBox="0 0 ' + x0 + " " + height + '" width="' + x0 +
      '" height="' + height + '" role="img" aria-label="the view in 3D, ' + esc(A.name) + '">' + parts.join("") + "</svg>";
  }

  /* ---------------------------------------------------------------- drawing: key and sums */

  var SWATCH = 16;

  function swatch(inner) {
    return '<svg class="cv-swatch" width="' + SWATCH + '" height="' + SWATCH + '" viewBox="0 0 16 16" aria-hidden="true">' +
      inner + "</svg>";
  }

  /** The compact key of a frame: only the roles it draws. */
  function keyHTML(f) {
    var seen = { pad: false, zero: false, drop: false, hot: false, pending: false, image: false, values: false, scatter: false };
    f.views.forEach(function (v) {
      v.panels.forEach(function (p) {
        Object.keys(p.marks || {}).forEach(function (k) { if (p.marks[k].length) seen[k] = true; });
        if (p.progressive) seen.pending = true;
        if (p.scale === "image") seen.image = true;
        else seen.values = true;
      });
    });
    var legend = f.legend || {};
    var items = [];
    function item(cls, inner, text) {
      items.push('<span class="cv-key-item ' + cls + '">' + swatch(inner) + esc(text) + "</span>");
    }
    var cellRect = '<rect class="cv-bg" x="1" y="1" width="14" height="14"></rect>';
    var ring = '<rect class="cv-ring" x="2" y="2" width="12" height="12"></rect>';
    if (seen.values) {
      items.push('<span class="cv-key-item"><svg class="cv-swatch cv-swatch-wide" width="48" height="16" aria-hidden="true">' +
        '<rect x="0" y="3" width="48" height="10" fill="url(#cv-grad-div)"></rect></svg>' +
        "negative \u2013 0 \u2013 positive (stronger = larger |value| in that grid)</span>");
    }
    if (seen.image) {
      items.push('<span class="cv-key-item"><svg class="cv-swatch cv-swatch-wide" width="48" height="16" aria-hidden="true">' +
        '<rect x="0" y="3" width="48" height="10" fill="url(#cv-grad-img)"></rect></svg>pixel: dark (low) \u2013 bright (high)</span>');
    }
    item("cv-hl cv-hl-in", ring, "window being read");
    item("cv-hl cv-hl-k", ring, "kernel weight used");
    item("cv-hl cv-hl-out", ring + '<path class="cv-corner" d="M1 1h6L1 7z"></path>', "output being computed");
    if (seen.pad) item("cv-cell cv-pad", cellRect, legend.pad || MARK_TEXT.pad);
    if (seen.zero) item("cv-cell cv-zero", cellRect, legend.zero || MARK_TEXT.zero);
    if (seen.drop) item("cv-cell cv-drop", cellRect + '<line class="cv-strike" x1="2" y1="14" x2="14" y2="2"></line>', legend.drop || MARK_TEXT.drop);
    if (seen.hot) item("cv-cell cv-hot", cellRect, legend.hot || MARK_TEXT.hot);
    if (seen.pending) item("cv-cell cv-pending", cellRect, "not computed yet");
    return items.join("");
  }

  function joinTerms(parts) {
    return parts.map(function (s, i) {
      return '<span class="cv-term" data-t="' + i + '">' + esc(s) + "</span>";
    }).join('<span class="cv-plus"> + </span>');
  }

  /** The current step's sum, written in full, wrapping between terms (never inside one). */
  function sumHTML(v, info) {
    if (!info.terms.length) return "";
    var t0 = term(info.terms[0]), outP = v.panels[t0.op];
    var oneOut = info.terms.every(function (t) { return t[0] === t0.op && t[1] === t0.oc; });
    if (!oneOut) {
      var ip = v.panels[t0.ip];
      var parts = info.terms.map(function (raw) {
        var t = term(raw), op = v.panels[t.op], kp = v.panels[t.kp];
        return cellName(op, t.oc) + " += " + paren(ip.values[t.ic]) + "\u00b7" + paren(kp.values[t.kc]);
      });
      return '<span class="cv-lhs">' + esc(cellName(ip, t0.ic) + " = " + fmt(ip.values[t0.ic])) + " scatters:</span> " +
        parts.map(function (s, i) { return '<span class="cv-term" data-t="' + i + '">' + esc(s) + "</span>"; })
          .join('<span class="cv-plus">, </span>');
    }
    var names = [], nums = [];
    info.terms.forEach(function (raw) {
      var t = term(raw), ip2 = v.panels[t.ip], kp2 = v.panels[t.kp];
      names.push(cellName(ip2, t.ic) + "\u00b7" + cellName(kp2, t.kc));
      nums.push(paren(ip2.values[t.ic]) + "\u00b7" + paren(kp2.values[t.kc]));
    });
    var b = v.bias !== undefined;
    return '<span class="cv-lhs">' + esc(cellName(outP, t0.oc)) + " =</span> " + joinTerms(names) +
      (b ? '<span class="cv-plus"> + </span><span class="cv-term">b</span>' : "") +
      '<br><span class="cv-lhs cv-eq">=</span> ' + joinTerms(nums) +
      (b ? '<span class="cv-plus"> + </span><span class="cv-term">' + esc(paren(v.bias)) + "</span>" : "") +
      ' <span class="cv-result">= ' + esc(fmt(outP.values[t0.oc])) + "</span>";
  }

  /* ---------------------------------------------------------------- shared page pieces */

  /** Patterns and gradients used by every figure on the page (one hidden SVG). */
  function ensureDefs() {
    if (typeof document === "undefined" || document.getElementById("cv-defs")) return;
    var holder = document.createElement("div");
    holder.innerHTML = '<svg id="cv-defs" width="0" height="0" style="position:absolute" aria-hidden="true"><defs>' +
      '<pattern id="cv-pat-pad" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">' +
      '<rect class="cv-pat-pad-bg" width="6" height="6"></rect><line class="cv-pat-pad-ink" x1="0" y1="0" x2="0" y2="6"></line></pattern>' +
      '<pattern id="cv-pat-zero" width="6" height="6" patternUnits="userSpaceOnUse">' +
      '<rect class="cv-pat-zero-bg" width="6" height="6"></rect><circle class="cv-pat-zero-ink" cx="3" cy="3" r="1.1"></circle></pattern>' +
      '<linearGradient id="cv-grad-div"><stop offset="0" class="cv-stop-neg"></stop><stop offset="0.5" class="cv-stop-mid">' +
      '</stop><stop offset="1" class="cv-stop-pos"></stop></linearGradient>' +
      '<linearGradient id="cv-grad-img"><stop offset="0" stop-color="rgb(40,40,40)"></stop>' +
      '<stop offset="1" stop-color="rgb(240,240,240)"></stop></linearGradient></defs></svg>';
    document.body.appendChild(holder.firstChild);
  }

  var reduced = typeof matchMedia !== "undefined" && matchMedia("(prefers-reduced-motion: reduce)").matches;

  /** The setting named by the page address, if it names this figure: {sel, step} or null. */
  function readHash(spec) {
    var h = typeof location !== "undefined" ? decodeURIComponent(location.hash || "") : "";
    var head = "#cv-" + spec.id;
    if (h.indexOf(head) !== 0 || (h.length > head.length && h[head.length] !== "?")) return null;
    var out = { sel: spec.controls.map(function (c) { return c.default; }), step: null };
    h.slice(head.length + 1).split("&").forEach(function (kv) {
      var i = kv.indexOf("="), k = kv.slice(0, i), v = kv.slice(i + 1);
      if (i < 0) return;
      if (k === "step" && /^\d+$/.test(v)) { out.step = Math.max(0, +v - 1); return; }
      spec.controls.forEach(function (c, ci) {
        if (c.name !== k) return;
        var oi = c.options.indexOf(v);
        if (oi < 0 && /^\d+$/.test(v) && +v < c.options.length) oi = +v;
        if (oi >= 0) out.sel[ci] = oi;
      });
    });
    return out;
  }

  /** The address fragment of a setting: #cv-ID?control=option&step=n (n counted from 1). */
  function hashOf(spec, sel, step) {
    var parts = spec.controls.map(function (c, ci) {
      return encodeURIComponent(c.name) + "=" + encodeURIComponent(c.options[sel[ci]]);
    });
    parts.push("step=" + (step + 1));
    return "#cv-" + spec.id + "?" + parts.join("&");
  }

  /** The figure as it is drawn now, as one standalone SVG file (canvas grids embedded as PNG). */
  function exportSVG(container, title) {
    var stage = container.querySelector(".cv-stage"), box = stage.getBoundingClientRect();
    var head = 24, lines = Array.prototype.map.call(container.querySelectorAll(".cv-formula .cv-rule, .cv-formula .cv-sum"), function (d) {
      return d.innerText.replace(/\n/g, " ");
    });
    var W = Math.ceil(box.width), H = Math.ceil(box.height) + head + 18 * lines.length + 8;
    var props = ["fill", "fill-opacity", "stroke", "stroke-width", "stroke-dasharray", "font-size", "font-family",
      "font-weight", "opacity"];
    var out = ['<svg xmlns="' + SVGNS + '" width="' + W + '" height="' + H + '" viewBox="0 0 ' + W + " " + H +
      '" font-family="sans-serif">', document.getElementById("cv-defs").innerHTML.replace(/class="[^"]*"/g, ""),
      '<rect width="100%" height="100%" fill="' + getComputedStyle(container).backgroundColor + '"></rect>',
      '<text x="0" y="16" font-weight="600" font-size="14" fill="' + getComputedStyle(container).color + '">' + esc(title) + "</text>"];
    // the patterns' colours come from CSS: write them in
    out[1] = out[1].replace('<rect  width="6" height="6"></rect><line', '<rect width="6" height="6" fill="#eee"></rect><line stroke="#999"')
      .replace('<rect  width="6" height="6"></rect><circle', '<rect width="6" height="6" fill="#fff"></rect><circle fill="#777"');
    function text(node, fill) {
      var r = node.getBoundingClientRect();
      out.push('<text x="' + (r.left - box.left) + '" y="' + (r.top - box.top + head + 12) + '" font-size="12" fill="' +
        fill + '">' + esc(node.textContent) + "</text>");
    }
    stage.querySelectorAll(".cv-view-title, .cv-panel-label").forEach(function (n) { text(n, getComputedStyle(n).color); });
    stage.querySelectorAll("svg.cv-grid, canvas").forEach(function (node) {
      var r = node.getBoundingClientRect(), x = r.left - box.left, y = r.top - box.top + head;
      if (node.tagName.toLowerCase() === "canvas") {
        out.push('<image x="' + x + '" y="' + y + '" width="' + r.width + '" height="' + r.height + '" href="' +
          node.toDataURL("image/png") + '"></image>');
        return;
      }
      var clone = node.cloneNode(true), src = node.querySelectorAll("*"), dst = clone.querySelectorAll("*");
      for (var i = 0; i < src.length; i++) {
        var cs = getComputedStyle(src[i]), style = [];
        props.forEach(function (k) { style.push(k + ":" + cs.getPropertyValue(k)); });
        dst[i].setAttribute("style", style.join(";"));
        dst[i].removeAttribute("class");
      }
      clone.setAttribute("x", x);
      clone.setAttribute("y", y);
      out.push(new XMLSerializer().serializeToString(clone));
    });
    lines.forEach(function (l, i) {
      out.push('<text x="0" y="' + (box.height + head + 18 * (i + 1)) + '" font-family="monospace" font-size="12" fill="' +
        getComputedStyle(container).color + '">' + esc(l) + "</text>");
    });
    out.push("</svg>");
    return out.join("");
  }

  /* ---------------------------------------------------------------- mount */

  var counter = 0;

  function icon(d) {
    return '<svg class="cv-icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><path d="' + d + '"></path></svg>';
  }
  /** Button icons drawn as paths (no font has to carry them). */
  var ICON = { prev: icon("M3 3h2v10H3zM13 3v10L6 8z"), next: icon("M11 3h2v10h-2zM3 3v10l7-5z"),
    play: icon("M4 2v12l10-6z"), pause: icon("M4 3h3v10H4zM9 3h3v10H9z") };

  /** Mount a figure. host.frame(key, done) delivers the frame for a key (at once in the static
   * page, after a round trip to Python in the live widget). */
  function mount(container, spec, host) {
    counter += 1;
    ensureDefs();
    var uid = "cvf" + counter;
    var fromHash = readHash(spec);
    var state = { sel: fromHash ? fromHash.sel : spec.controls.map(function (c) { return c.default; }),
      step: fromHash && fromHash.step !== null ? fromHash.step : null, timer: null, frame: null, shown: null,
      shownStep: 0, nodes: [], speed: 700, touched: false, show3d: false, angle: 0 };
    container.classList.add("cv-root");
    var host_ = container.closest && container.closest("div.text_html");
    if (host_) host_.classList.add("cv-host");
    container.innerHTML = "";
    var title = el("figcaption", { "class": "cv-title" }, spec.title);
    var controls = el("div", { "class": "cv-controls" });
    var key = el("div", { "class": "cv-key", "aria-label": "key" });
    var stage = el("div", { "class": "cv-stage" });
    var formula = el("div", { "class": "cv-formula", "aria-live": "polite" });
    var code = el("pre", { "class": "cv-code" });
    var alt = el("p", { "class": "cv-alt" }, spec.description);
    var tip = el("div", { "class": "cv-tip", role: "status", hidden: "" });
    [title, controls, key, stage, formula, code, alt, tip].forEach(function (e) { container.appendChild(e); });

    /* -- controls: the settings (segmented buttons for a few short options, a slider for many numbers) */
    var inputs = [];
    spec.controls.forEach(function (c, ci) {
      var id = uid + "-" + c.name;
      var wrap = el("label", { "class": "cv-control", "for": id });
      wrap.appendChild(el("span", { "class": "cv-control-label" }, c.label + " "));
      var input;
      if (c.kind === "range") {
        input = el("input", { type: "range", min: 0, max: c.options.length - 1, step: 1, value: state.sel[ci], id: id,
          "class": "cv-setting", "data-control": c.name, "aria-valuetext": c.options[state.sel[ci]] });
        if (c.options.length <= 24) {  // a tick per option: a setting reads unlike the step slider
          var ticks = el("datalist", { id: id + "-ticks" });
          c.options.forEach(function (o, oi) { ticks.appendChild(el("option", { value: oi })); });
          wrap.appendChild(ticks);
          input.setAttribute("list", id + "-ticks");
        }
        var shown = el("output", { "for": id, "class": "cv-value" }, c.options[state.sel[ci]]);
        input.addEventListener("input", function () {
          shown.textContent = c.options[+input.value];
          input.setAttribute("aria-valuetext", c.options[+input.value]);
          choose(ci, +input.value);
        });
        input.cvSync = function () {
          input.value = state.sel[ci];
          shown.textContent = c.options[state.sel[ci]];
        };
        wrap.appendChild(input);
        wrap.appendChild(shown);
      } else {
        input = el("select", { id: id, "data-control": c.name });
        c.options.forEach(function (o, oi) {
          var opt = el("option", { value: oi }, o);
          if (oi === state.sel[ci]) opt.selected = true;
          input.appendChild(opt);
        });
        input.addEventListener("change", function () { choose(ci, +input.value); });
        input.cvSync = function () { input.value = state.sel[ci]; };
        wrap.appendChild(input);
      }
      inputs.push(input);
      controls.appendChild(wrap);
    });

    /* -- stepper: previous, play/pause, next, speed, the step slider */
    var stepWrap = el("div", { "class": "cv-steps", role: "group", "aria-label": "steps" });
    var prev = el("button", { type: "button", "class": "cv-btn cv-prev", "aria-label": "previous step", title: "previous step (\u2190)" });
    var play = el("button", { type: "button", "class": "cv-btn cv-play", "aria-label": "play", title: "play" });
    var next = el("button", { type: "button", "class": "cv-btn cv-next", "aria-label": "next step", title: "next step (\u2192)" });
    prev.innerHTML = ICON.prev;
    play.innerHTML = ICON.play;
    next.innerHTML = ICON.next;
    var speed = el("select", { "class": "cv-speed", "aria-label": "speed", title: "speed" });
    [["0.5\u00d7", 1400], ["1\u00d7", 700], ["2\u00d7", 350], ["4\u00d7", 175]].forEach(function (o, i) {
      var opt = el("option", { value: o[1] }, o[0]);
      if (i === 1) opt.selected = true;
      speed.appendChild(opt);
    });
    var by = el("select", { "class": "cv-by", "aria-label": "step size", hidden: "",
      title: "how far previous, next and play move (shown when a setting has more than " + LONG + " steps)" });
    [["row", "by row"], ["1", "by cell"], ["10", "by 10"], ["100", "by 100"]].forEach(function (o) {
      by.appendChild(el("option", { value: o[0] }, o[1]));
    });
    var slider = el("input", { type: "range", min: 0, max: 0, value: 0, step: 1, id: uid + "-step",
      "class": "cv-step", "aria-label": "step" });
    var stepOut = el("output", { "class": "cv-step-label", "for": uid + "-step" });
    if (reduced) {
      play.disabled = true;
      play.title = "animation is off (your system asks for reduced motion): use the step buttons";
    }
    var buttons = el("span", { "class": "cv-btn-set" });
    [prev, play, next].forEach(function (e) { buttons.appendChild(e); });
    [buttons, by, speed, slider, stepOut].forEach(function (e) { stepWrap.appendChild(e); });
    controls.appendChild(stepWrap);

    /* -- links and export */
    var tools = el("div", { "class": "cv-tools" });
    var link = el("button", { type: "button", "class": "cv-btn cv-link", title: "copy a link to this setting" }, "link");
    var download = el("button", { type: "button", "class": "cv-btn cv-download", title: "download this picture (SVG)" }, "SVG");
    tools.appendChild(link);
    tools.appendChild(download);
    container.insertBefore(tools, controls);  // beside the title: the sticky bar keeps to stepping

    function nsteps() {
      var f = state.frame;
      if (!f) return 1;
      return Math.max(1, Math.max.apply(null, f.views.map(function (v) { return v.steps.length; })));
    }

    /* -- drawing a step. A new frame is built whole; a new step of the frame on screen only
     * redraws the highlight layers and the cells revealed in between (O(terms), not O(cells)). */
    function draw() {
      var f = state.frame;
      if (!f) return;
      var t0 = performance.now();
      var n = nsteps();
      if (state.step >= n) state.step = n - 1;
      slider.max = n - 1;
      slider.value = state.step;
      stepOut.textContent = "step " + (state.step + 1) + " of " + n;
      if (state.byFrame !== f) stepSizes(f, n);
      var lines = [];
      var pal = null;
      if (state.shown !== f) {
        var html = [], pair = pairs(f);
        f.views.forEach(function (v, vi) {
          var s = Math.min(state.step, v.steps.length - 1);
          var info = stepInfo(v, s), reveal = viewMaps(v).reveal;
          html.push('<div class="cv-view' + (pair[vi] ? " cv-pair" : "") + '" data-view="' + vi + '"><div class="cv-view-title">' + esc(v.title) +
            (v.volumes ? ' <button type="button" class="cv-btn cv-3d-toggle" aria-pressed="' + state.show3d +
              '" title="draw the volumes in 3D">3D</button><button type="button" class="cv-btn cv-3d-turn"' +
              (state.show3d ? "" : " hidden") + ' title="turn the 3D view">turn \u21bb</button>' : "") +
            '</div>' + (v.volumes ? '<div class="cv-3d-box"' + (state.show3d ? "" : " hidden") + "></div>" : "") +
            '<div class="cv-panels">');
          v.panels.forEach(function (p, pi) {
            var g = geometry(p);
            html.push('<div class="cv-panel cv-role-' + esc(p.role) + '" data-panel="' + pi + '" data-name="' +
              esc(p.name) + '"><div class="cv-panel-label">' + esc(p.label) + "</div>" +
              (plugin(p) ? plugin(p).html(p, pi) : g.canvas ? '<canvas class="cv-canvas" role="img" aria-label="' + esc(p.label) + '"></canvas>' +
                '<svg class="cv-grid cv-barbox" width="124" height="26">' + barSVG(g, 2) + "</svg>"
                : panelSVG(p, pi, info, reveal, s, v)) + "</div>");
          });
          html.push("</div></div>");
        });
        stage.innerHTML = html.join("");
        state.nodes = Array.prototype.map.call(stage.querySelectorAll(".cv-view"), function (vnode) {
          var list = Array.prototype.map.call(vnode.querySelectorAll(".cv-panel"), function (pnode) {
            return { cells: pnode.querySelectorAll("g.cv-cell"), overlay: pnode.querySelector(".cv-overlay"),
              canvas: pnode.querySelector("canvas"), panel: pnode };
          });
          list.box3d = vnode.querySelector(".cv-3d-box");
          return list;
        });
        key.innerHTML = keyHTML(f);
        code.textContent = f.code || "";
        state.shown = f;
        state.shownStep = -1;
      }
      f.views.forEach(function (v, vi) {
        var a = Math.min(state.shownStep, v.steps.length - 1), b = Math.min(state.step, v.steps.length - 1);
        var info = stepInfo(v, b), reveal = viewMaps(v).reveal;
        if (state.shownStep >= 0) {  // cells revealed or hidden between the two steps
          var lo = Math.min(a, b), hi = Math.max(a, b);
          Object.keys(reveal).forEach(function (k) {
            if (!(reveal[k] > lo && reveal[k] <= hi)) return;
            var pi = +k.split(":")[0], cell = +k.split(":")[1], p = v.panels[pi], g = geometry(p);
            if (g.canvas) return;
            var node = state.nodes[vi][pi].cells[cell], at = cellAttrs(p, pi, cell, g, reveal, b);
            node.setAttribute("class", at.cls);
            node.setAttribute("data-value", at.value);
            node.innerHTML = cellInner(p, cell, g, at.hidden, null, v);
          });
        }
        // only the panels highlighted at the old or the new step change
        var was = state.nodes[vi].lit || {}, now = {};
        v.panels.forEach(function (p, pi) {
          var node = state.nodes[vi][pi], g = geometry(p), lit = !!info.hl[pi];
          if (lit) now[pi] = true;
          if (plugin(p)) {
            plugin(p).draw(node.panel, p, v, state.step, container);
          } else if (g.canvas) {
            if (!lit && !was[pi] && state.shownStep >= 0 && !p.progressive) return;
            pal = pal || palette(container);
            drawCanvas(node.canvas, p, pi, info, reveal, b, pal);
          } else if (state.shownStep >= 0 && (lit || was[pi])) {
            node.overlay.innerHTML = overlaySVG(p, pi, info, g, reveal, b, v);
          }
        });
        state.nodes[vi].lit = now;
        var box = state.nodes[vi].box3d;
        if (box && state.show3d) box.innerHTML = volumeSVG(v, info, reveal, b, state.angle);
        var line = sumHTML(v, info);
        if (line) lines.push((f.views.length > 1 ? '<span class="cv-sum-view">' + esc(v.title) + ":</span> " : "") + line);
      });
      state.shownStep = state.step;
      if (formula.cvFrame !== f) {  // the rules change with the setting, the sums with the step
        formula.cvFrame = f;
        formula.innerHTML = '<div class="cv-sums"></div><div class="cv-rules">' + (f.formula || []).map(function (l) {
          return '<div class="cv-rule">' + esc(l) + "</div>";
        }).join("") + "</div>";
      }
      formula.firstChild.innerHTML = lines.map(function (l) { return '<div class="cv-sum">' + l + "</div>"; }).join("");
      container.setAttribute("data-step", state.step);
      container.setAttribute("data-key", state.sel.join(","));
      if (state.touched) writeHash();
      reserve();
      container.cvRenderMs = performance.now() - t0;
    }

    /** The key, grids, sums and code never shrink: a step or a setting does not make the page
     * below jump (and a redraw that keeps the figure's size leaves the rest of the page alone).
     * Measured after the frame is drawn, so no redraw waits for it. */
    var reserved = { parts: [key, stage, formula, code], heights: [0, 0, 0, 0], pending: false };
    function reserve() {
      if (reserved.pending || typeof requestAnimationFrame === "undefined") return;
      reserved.pending = true;
      requestAnimationFrame(function () {
        reserved.pending = false;
        widen();
        // the key, the grids, the sums and the code keep the room of the largest setting seen
        var hs = reserved.parts.map(function (e) { return e.offsetHeight; });
        hs.forEach(function (h, i) {
          if (h > reserved.heights[i]) { reserved.heights[i] = h; reserved.parts[i].style.minHeight = h + "px"; }
        });
      });
    }

    /** Views meant to be compared (cv-pair) that do not fit side by side in the text column
     * take the theme's full-width box (cv-wide: wider than the column, over the page margin,
     * on wide screens only). Never undone, so a later setting does not make the page jump. */
    function widen() {
      if (container.classList.contains("cv-wide")) return;
      var views = stage.querySelectorAll(".cv-view.cv-pair");
      if (views.length < 2) return;
      var need = (parseFloat(getComputedStyle(stage).columnGap) || 0) * (views.length - 1);
      Array.prototype.forEach.call(views, function (v) {
        need += Math.max.apply(null, [0].concat(Array.prototype.map.call(v.querySelectorAll(".cv-panel"), function (p) {
          return p.getBoundingClientRect().width;
        })));
      });
      if (need > stage.clientWidth + 1) container.classList.add("cv-wide");
    }

    var hashTimer = null;
    /** Keep the address on the current setting, replacing (never adding) a history entry. */
    function writeHash() {
      if (typeof history === "undefined" || !history.replaceState) return;
      clearTimeout(hashTimer);
      hashTimer = setTimeout(function () {
        try { history.replaceState(history.state, "", hashOf(spec, state.sel, state.step)); } catch (e) { /* file: */ }
      }, 200);
    }

    function load() {
      var k = state.sel.join(",");
      host.frame(k, function (frame) {
        if (k !== state.sel.join(",")) return;
        var fresh = state.frame !== frame;
        state.frame = frame;
        if (state.step === null || (fresh && state.restart)) state.step = firstInformative(frame);
        state.restart = false;
        draw();
      });
    }

    function choose(ci, oi) {
      state.sel[ci] = oi;
      state.touched = true;
      state.restart = true;
      load();
    }

    function go(s) {
      state.step = Math.max(0, Math.min(nsteps() - 1, s));
      state.touched = true;
      draw();
    }

    /** Show the step-size choice for a frame of more than LONG steps ("by row" first, when its
     * steps cover more than one row), and hide it for short frames, which step cell by cell. */
    function stepSizes(f, n) {
      state.byFrame = f;
      var rows = {}, count = 0;
      for (var s = 0; s < n && count < 2; s++) {
        var k = rowKey(f, s);
        if (!(k in rows)) { rows[k] = true; count += 1; }
      }
      by.options[0].hidden = count < 2;
      by.options[3].hidden = n < 1000;
      by.hidden = n <= LONG;
      if (by.hidden) by.value = "1";
      else if (!state.byChosen || by.selectedOptions[0].hidden) by.value = count < 2 ? "10" : "row";
    }

    /** The step `dir` (+1 or -1) moves to from step s with the chosen step size: the next row's
     * first step, the start of this row (or of the previous one), or s + dir * size. */
    function stepFrom(s, dir) {
      var f = state.frame, n = nsteps();
      if (!f || by.hidden || by.value !== "row") return s + dir * (by.hidden ? 1 : +by.value);
      var k = rowKey(f, s), t = s;
      if (dir > 0) {
        while (t < n - 1 && rowKey(f, t) === k) t += 1;
        return t;
      }
      while (t > 0 && rowKey(f, t - 1) === k) t -= 1;
      if (t < s) return t;
      t = Math.max(0, s - 1);
      k = rowKey(f, t);
      while (t > 0 && rowKey(f, t - 1) === k) t -= 1;
      return t;
    }

    function stop() {
      if (state.timer) clearInterval(state.timer);
      state.timer = null;
      play.innerHTML = ICON.play;
      play.setAttribute("aria-label", "play");
      play.title = "play";
    }

    function start() {
      if (state.step >= nsteps() - 1) go(0);
      play.innerHTML = ICON.pause;
      play.setAttribute("aria-label", "pause");
      play.title = "pause";
      state.timer = setInterval(function () {
        if (state.step >= nsteps() - 1) return stop();
        go(stepFrom(state.step, 1));
      }, state.speed);
    }

    play.addEventListener("click", function () {
      if (state.timer) return stop();
      start();
    });
    speed.addEventListener("change", function () {
      state.speed = +speed.value;
      if (state.timer) { stop(); start(); }
    });
    prev.addEventListener("click", function () { stop(); go(stepFrom(state.step, -1)); });
    next.addEventListener("click", function () { stop(); go(stepFrom(state.step, 1)); });
    by.addEventListener("change", function () { state.byChosen = true; });
    slider.addEventListener("input", function () { stop(); go(+slider.value); });
    container.addEventListener("keydown", function (e) {
      if (e.target.tagName === "INPUT" || e.target.tagName === "SELECT") return;
      if (e.key === "ArrowRight") { stop(); go(stepFrom(state.step, 1)); e.preventDefault(); }
      if (e.key === "ArrowLeft") { stop(); go(stepFrom(state.step, -1)); e.preventDefault(); }
    });

    /* -- pointer: hover a cell for its value and index, click an output cell to step to it */
    function cellAt(e) {
      var pnode = e.target.closest && e.target.closest(".cv-panel");
      if (!pnode || !state.frame) return null;
      var vi = +pnode.parentNode.parentNode.getAttribute("data-view"), pi = +pnode.getAttribute("data-panel");
      var v = state.frame.views[vi], p = v.panels[pi], cell;
      if (e.target.tagName.toLowerCase() === "canvas") {
        var size = geometry(p).size, r = e.target.getBoundingClientRect();
        var c = Math.floor((e.clientX - r.left - 2) / size), row = Math.floor((e.clientY - r.top - 2) / size);
        if (c < 0 || row < 0 || c >= p.cols || row >= p.rows) return null;
        cell = row * p.cols + c;
      } else {
        var gnode = e.target.closest("g.cv-cell");
        if (!gnode) return null;
        cell = +gnode.getAttribute("data-cell");
      }
      return { vi: vi, pi: pi, cell: cell, v: v, p: p };
    }
    /** The value, index and meaning of the cell under the pointer (or under a tap). */
    function showTip(e) {
      var hit = cellAt(e);
      if (!hit) { tip.hidden = true; return; }
      var g = geometry(hit.p), mark = g.marks[hit.cell];
      var hidden = isHidden(hit.p, hit.pi, hit.cell, viewMaps(hit.v).reveal, Math.min(state.step, hit.v.steps.length - 1));
      var s = viewMaps(hit.v).target[hit.pi + ":" + hit.cell];
      tip.textContent = cellName(hit.p.index ? hit.p : { index: true, name: hit.p.name, cols: hit.p.cols, oneD: hit.p.oneD,
        origin: hit.p.origin }, hit.cell) + " = " + (hidden ? "? (not computed yet)" : fmt(hit.p.values[hit.cell])) +
        (mark ? " \u00b7 " + ((state.frame.legend || {})[mark] || MARK_TEXT[mark]) : "") +
        (s !== undefined ? " \u00b7 click: step " + (s + 1) : "");
      var box = container.getBoundingClientRect();
      tip.style.left = Math.min(e.clientX - box.left + 12, box.width - 200) + "px";
      tip.style.top = (e.clientY - box.top + 14) + "px";
      tip.hidden = false;
    }
    stage.addEventListener("pointermove", showTip);
    stage.addEventListener("pointerleave", function () { tip.hidden = true; });
    stage.addEventListener("click", function (e) {
      var hit = cellAt(e);
      if (!hit) return;
      var s = viewMaps(hit.v).target[hit.pi + ":" + hit.cell];
      if (s !== undefined) { stop(); go(s); }
      showTip(e);
    });
    /* hovering a term of the sum outlines its cells */
    formula.addEventListener("pointerover", function (e) {
      var t = e.target.closest && e.target.closest(".cv-term[data-t]");
      stage.querySelectorAll(".cv-focus").forEach(function (n) { n.classList.remove("cv-focus"); });
      if (!t) return;
      var view = t.closest(".cv-sum"), vi = Array.prototype.indexOf.call(formula.querySelectorAll(".cv-sum"), view);
      var vnode = stage.querySelectorAll(".cv-view")[vi];
      if (!vnode) return;
      vnode.querySelectorAll(".cv-hl").forEach(function (n) {
        if ((" " + n.getAttribute("data-t") + " ").indexOf(" " + t.getAttribute("data-t") + " ") >= 0) n.classList.add("cv-focus");
      });
    });

    /* -- the 3D view: show or hide it, turn it to the next fixed angle */
    stage.addEventListener("click", function (e) {
      var b = e.target.closest && e.target.closest(".cv-3d-toggle, .cv-3d-turn");
      if (!b) return;
      if (b.classList.contains("cv-3d-toggle")) {
        state.show3d = !state.show3d;
        stage.querySelectorAll(".cv-3d-toggle").forEach(function (t) { t.setAttribute("aria-pressed", state.show3d); });
        stage.querySelectorAll(".cv-3d-turn").forEach(function (t) { t.hidden = !state.show3d; });
        stage.querySelectorAll(".cv-3d-box").forEach(function (t) { t.hidden = !state.show3d; if (!state.show3d) t.innerHTML = ""; });
      } else {
        state.angle = (state.angle + 1) % ANGLES.length;
      }
      draw();
    });

    link.addEventListener("click", function () {
      var url = location.href.split("#")[0] + hashOf(spec, state.sel, state.step);
      try { history.replaceState(history.state, "", hashOf(spec, state.sel, state.step)); } catch (e) { /* file: */ }
      container.setAttribute("data-link", url);
      var done = function () { link.textContent = "copied"; setTimeout(function () { link.textContent = "link"; }, 1500); };
      if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(url).then(done, done);
      else done();
    });
    download.addEventListener("click", function () {
      var svg = exportSVG(container, spec.title);
      container.cvLastExport = svg;
      var a = el("a", { href: URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" })),
        download: spec.id + "-" + state.sel.join("_") + "-step" + (state.step + 1) + ".svg" });
      document.body.appendChild(a);
      a.click();
      a.remove();
    });
    if (typeof document !== "undefined" && typeof MutationObserver !== "undefined") {
      new MutationObserver(function () {  // canvases take their colours when the theme changes
        if (state.frame) { state.shown = null; draw(); }
      }).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
    }

    container.cvRedraw = load;
    container.cvSet = function (sel, step) {  // for tests and for links
      state.sel = sel.slice();
      inputs.forEach(function (i) { i.cvSync(); });
      state.step = step;
      load();
    };
    inputs.forEach(function (i) { i.cvSync(); });
    load();
    if (fromHash && container.scrollIntoView) container.scrollIntoView();
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

  var api = { mount: mount, mountAll: mountAll, version: "2" };
  root.convviz = api;
  if (typeof document !== "undefined") {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
    else mountAll();
  }
})(typeof window !== "undefined" ? window : globalThis);
