/* convviz.js: the one renderer of convviz's interactive figures.
 *
 * It draws frames computed by the Python package (grids of numbers and the
 * index terms of each step); it computes no convolution itself. The same file
 * runs in the static book page (a classic script that mounts every
 * <figure data-cv-figure>) and in a live notebook widget (convviz/figures/live.py
 * appends an anywidget entry point to it).
 *
 * Frame schema (defined once in Python: convviz/figures/engine.py, FrameSpec):
 *   Frame  = {views: View[], formula: string[], code: string, legend?: {mark or ring (in, k, out): text}}
 *   (a figure's spec: {id, title, description, controls: [{name, label, options: string[],
 *    default, kind: "range"|"select"|"buttons"}], frames: {"i,j,...": Frame}, autoplay?})
 *   View   = {title: string, panels: Panel[], steps: Term[][], bias?: number, volumes?: Volume[],
 *             breaks?: panel index[] (panels that start a new line)}
 *   Volume = {label: string, panels: panel index[] (slices, front to back), along?: "depth",
 *             groups?: group of each slice[]} (along "depth": one panel whose columns lie
 *            along depth; groups: one colour per group; see the 3D view)
 *   Panel  = {name, label, rows, cols, oneD, values: (number|string)[] (row-major),
 *             origin: [row0, col0], role: "input"|"kernel"|"output"|"other",
 *             marks: {pad|zero|drop|hot|overlap|g0..g7: flat cell index[]}, progressive: bool,
 *             index: bool, scale: "diverging"|"image", cell?: pixels per cell,
 *             canvas?: true (painted on a canvas however small: see drawCanvas),
 *             names?: {rows?: string[], cols?: string[]} (axis labels; see "axis names"),
 *             kind?: "image"|"wiring"|"aligned"|"footprint" (drawn by a plugin, with its fields:
 *               image?: {h, w, c, data, lo, hi, px}, window?: {grid, k, s, d, p}  (image.js);
 *               wiring?: {rows, links, hot, value_row}  ("group wiring panels" below);
 *               aligned: input?, kernel?, output? (panel indices); footprint: input?  (last block))}
 *   Term   = [outPanel, outCell, inPanel, inCell, kPanel, kCell]
 *            (engine.Term serialised as a list to keep pages small; read with term());
 *            kPanel = kCell = -1: a plain term, its input cell added as it is (no weight)
 * A step's terms all name one output cell (a sum) or all one input cell (a scatter).
 *
 * Layout of this file, by role: helpers (numbers, names) - palette (values to
 * colours, read from CSS variables) - steps (the cells each step touches) - drawing
 * (SVG grids, canvas grids, 3D view, key and sums, axis names) - shared page pieces
 * (patterns, reduced motion, the address of a setting, the SVG export) - room for
 * the largest setting (largestRoom) - mount: a mounted figure is one object (`fig`,
 * described above newFigure) that the functions of each role take: controls,
 * stepper, drawing a frame and a step, pointer, sum terms, 3D view, links and
 * export, the page; mount() makes it and wires the roles in order - group
 * outlines, wiring panels and segmented controls - mountAll. A second closure at
 * the end holds the drawn panels "aligned" and "footprint" (image.js: "image").
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
    var named = p.names ? namedCell(p, cell) : null;
    if (named) return named;
    if (!p.index) return p.name;
    var r = Math.floor(cell / p.cols), c = cell % p.cols;
    var at = p.oneD ? String(c + p.origin[1]) : (r + p.origin[0]) + "," + (c + p.origin[1]);
    // a slice of a volume named by its index (x[2]): its cells are x[2,r,q], as the prose writes them
    var slice = /^(.*)\[([^\[\]]*)\]$/.exec(p.name);
    return slice ? slice[1] + "[" + slice[2] + "," + at + "]" : p.name + "[" + at + "]";
  }

  /** The drawer of a panel with a `kind` (static/image.js registers "image"), or null. */
  function plugin(p) { return (p.kind && (root.convvizPanels || {})[p.kind]) || null; }

  /** An HTML element with attributes and text. */
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }

  /* ---------------------------------------------------------------- palette */

  var MARK_TEXT = { pad: "padding zero", zero: "inserted zero", drop: "never read (cut off)", hot: "outlined region" };
  var CANVAS_MARKS = { pad: true, zero: true, drop: true, hot: true, overlap: true };  // marks drawCanvas paints (and gK)
  var cache = typeof WeakMap !== "undefined" ? new WeakMap() : null;  // per-panel and per-view facts

  /** Per-panel facts that do not change with the step: geometry, colour scale, marks. */
  function geometry(p) {
    var g = cache.get(p);
    if (g) return g;
    var lo = Infinity, hi = -Infinity, scale = 0, marks = {};
    p.values.forEach(function (v) {
      v = weightValue(v);
      if (typeof v !== "number") return;
      scale = Math.max(scale, Math.abs(v));
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    });
    Object.keys(p.marks || {}).forEach(function (k) {
      p.marks[k].forEach(function (c) { marks[c] = k; });
    });
    var n = p.rows * p.cols;
    var big = n > 400 || (p.cols > 16 && n > 150);  // many cells and no numbers printed: a canvas
    // a grid that prints its numbers, of more than 150 cells, is a canvas too (numbers painted,
    // each cell as the SVG grid draws it): cheaper to redraw than 3 elements per cell. Grids
    // with marks the canvas does not paint stay SVG; a panel may ask for a canvas (p.canvas)
    var painted = Object.keys(marks).every(function (c) { return CANVAS_MARKS[marks[c]] || GROUP_MARK.test(marks[c]); });
    var numbered = !big && !p.cell && p.cols <= 16 && n > 150 && painted;
    var canvas = big || numbered || !!p.canvas;
    var size = p.cell || (big ? Math.max(8, Math.min(22, Math.floor(480 / p.cols))) : (p.cols > 16 ? 22 : 34));
    // a 1D row of more than 16 cells (22 px each) keeps its numbers and indices when every
    // number is at most 3 characters: 11 px digits fit, and a learner can check the sum by eye
    var row = p.oneD && p.cols > 16 && !canvas && !p.cell &&
      p.values.every(function (v) { return typeof v !== "number" || short(v).length <= 3; });
    var text = size >= 30 || row;
    var idx = p.index && !canvas && (p.cols <= 16 || row) && p.rows <= 16;
    var left = idx && !p.oneD ? 20 : 2, top = idx ? 13 : 2;
    if (p.names) { var room = namesRoom(p); left = Math.max(left, room.left); top = Math.max(top, room.top); }
    var bar = !text;  // grids without numbers carry a colour bar with their range
    var w = p.cols * size + left + 2, h = p.rows * size + top + 2;
    g = { size: size, left: left, top: top, scale: scale, lo: lo, hi: hi, marks: marks, canvas: canvas,
      text: text, idx: idx, w: w, h: h, bar: bar, image: p.scale === "image" };
    cache.set(p, g);
    return g;
  }

  /** The number a cell's value stands for: a number as it is, a weight written as a fraction
   * ("1/45", "\u22124/9": a photo kernel's) as its quotient, anything else as it is. */
  function weightValue(v) {
    var m = typeof v === "string" && /^([\u2212-]?)(\d+)\/(\d+)$/.exec(v);
    return m ? (m[1] ? -1 : 1) * m[2] / m[3] : v;
  }

  /** Baseline of a cell's number, from the cell's top (px): a cell under 34 px lifts it, so the
   * weight written under it (pairY, 10 px) clears it inside the ring (at 30 px they touched). */
  function digitY(size) { return size >= 34 ? size / 2 + 4 : size / 2 + 1; }

  /** Baseline of the weight written under a cell's number (×w), from the cell's top (px). */
  function pairY(size) { return size >= 34 ? size - 3 : size - 4; }

  /** Fill of a value cell: {cls, style, dark}; the colours themselves are CSS variables. */
  function valueFill(v, g) {
    v = weightValue(v);
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
    var s = getComputedStyle(node), out = { ok: true };
    ["pos", "neg", "cell", "line", "in", "k", "out", "hot", "pad-bg", "pad-ink", "zero-bg", "zero-ink", "pending", "fg",
      "muted", "border", "g0", "g1", "g2", "g3", "g4", "g5", "g6", "g7", "on-dark", "on-light", "pair-on-light"]
      .forEach(function (k) {
        out[k] = s.getPropertyValue("--cv-" + k).trim();
        if (!out[k]) { out[k] = "#888"; out.ok = false; }  // the stylesheet is not there (yet)
      });
    for (var d = 0; d < 8; d++) {  // the groups' dash patterns (--cv-gd0..7: "none" or lengths)
      var dash = s.getPropertyValue("--cv-gd" + d).trim();
      out["gd" + d] = dash && dash !== "none" ? dash.split(/[\s,]+/).map(Number) : [];
    }
    out.gw = parseFloat(s.getPropertyValue("--cv-gw")) || 3;  // a group outline's width (.cv-gline)
    out.ringw = parseFloat(s.getPropertyValue("--cv-ringw")) || 3;  // a ring's width (.cv-ring)
    out.focusw = parseFloat(s.getPropertyValue("--cv-focusw")) || 5;  // a focused term's (.cv-focus)
    out.thinw = parseFloat(s.getPropertyValue("--cv-ringw-thin")) || 2;  // on a number-less grid's small cells
    out.thinfocusw = parseFloat(s.getPropertyValue("--cv-focusw-thin")) || 3.5;
    return out;
  }

  var darkQuery = typeof matchMedia !== "undefined" ? matchMedia("(prefers-color-scheme: dark)") : null;

  /** The palette of `node`, read once per theme: reading computed style forces a style pass
   * over everything a redraw has just inserted, so a canvas redraw reads it from here. */
  function themePalette(node) {
    // the book's theme, the screen's preference and a JupyterLab theme (the live widget)
    var theme = (document.documentElement.getAttribute("data-theme") || "") + (darkQuery && darkQuery.matches) +
      (document.body ? document.body.getAttribute("data-jp-theme-light") : "");
    if (node.cvPalette && node.cvPaletteTheme === theme) return node.cvPalette;
    var pal = palette(node);
    if (pal.ok) { node.cvPalette = pal; node.cvPaletteTheme = theme; }
    return pal;
  }

  /* ---------------------------------------------------------------- steps */

  /** Cells each step touches, by panel, and the term index of each. */
  function stepInfo(v, s) {
    var terms = v.steps[s] || [];
    var hl = {}, pairs = {};
    /** Note that term i touches cell c of panel p in the role `kind` (out, in, k). */
    function mark(p, c, kind, i) {
      var m = (hl[p] = hl[p] || {});
      if (!m[c]) m[c] = { kind: kind, terms: [] };
      m[c].terms.push(i);
    }
    terms.forEach(function (raw, i) {
      var t = term(raw);
      mark(t.op, t.oc, "out", i);
      mark(t.ip, t.ic, "in", i);
      if (t.kp < 0) return;  // a plain term (kp = kc = -1): added as it is, no weight
      mark(t.kp, t.kc, "k", i);
      pairs[t.ip + ":" + t.ic] = [t.kp, t.kc];
    });
    // a scatter (one input, many weights) has no single weight to write under its input cell
    var first = terms.length ? term(terms[0]) : null;
    if (terms.length > 1 && terms.every(function (raw) { var t = term(raw); return t.ip === first.ip && t.ic === first.ic; }) &&
      !terms.every(function (raw) { var t = term(raw); return t.op === first.op && t.oc === first.oc; })) pairs = {};
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
      var oneOut = terms.every(function (raw) { var t = term(raw); return t.op === t0.op && t.oc === t0.oc; });
      terms.forEach(function (raw) {
        var t = term(raw), key = t.op + ":" + t.oc;
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

  /** The first step worth showing: the first that sums more than half as many nonzero products
   * as the fullest step (a corner's lone product is no sum), else one whose window reads a cell
   * that is not padding or an inserted zero, else the first. */
  function firstInformative(f) {
    var v = f.views[0], real = -1;
    if (!v) return 0;
    var counts = v.steps.map(function (raw) {
      return raw.map(term).filter(function (t) {
        var a = v.panels[t.ip].values[t.ic], b = t.kp < 0 ? 1 : v.panels[t.kp].values[t.kc];
        return typeof a === "number" && typeof b === "number" && a * b !== 0;
      }).length;
    });
    var most = counts.reduce(function (a, b) { return Math.max(a, b); }, 0);
    for (var s = 0; s < v.steps.length; s++) {
      if (most > 0 && counts[s] > most / 2) return s;
      if (real < 0 && v.steps[s].map(term).some(function (t) {
        var mk = geometry(v.panels[t.ip]).marks[t.ic];
        return mk !== "pad" && mk !== "zero";
      })) real = s;
    }
    return Math.max(0, real);
  }

  /* ---------------------------------------------------------------- drawing: SVG grids */

  /** The SVG markup of one cell (fill, number, mark glyphs); `pair` adds the weight it multiplies;
   * `blank` leaves the texts empty (the shape of the markup, see overlayItems). */
  function cellInner(p, cell, g, hidden, pair, viewSpec, blank) {
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
      out += '<text' + (f.dark ? ' class="cv-on-dark"' : f.light ? ' class="cv-on-light"' : "") + ' x="' + (x + size / 2) + '" y="' + (y + (pair ? size / 2 - 2 : digitY(size))) +
        '" text-anchor="middle">' + (blank ? "" : esc(short(v))) + "</text>";
    }
    if (pair && g.text && size >= 30) {  // a 22 px cell (a long 1D row) has no room under its number
      var kp = viewSpec.panels[pair[0]];
      out += '<text class="cv-pair' + (f.dark ? " cv-on-dark" : f.light ? " cv-on-light" : "") + '" x="' + (x + size / 2) + '" y="' + (y + pairY(size)) +
        '" text-anchor="middle">' + (blank ? "" : "\u00d7" + esc(fmt(kp.values[pair[1]]))) + "</text>";
    }
    return out;
  }

  /**
   * Bring an existing base-layer cell (<g class="cv-cell">) to the markup panelSVG writes for it
   * at `step`, with DOM calls instead of parsing, and only where it differs (class, value, fill,
   * strike, number): a step that reveals many cells of a progressive grid, or a setting that
   * changes a grid's numbers but not its shape, stays cheap.
   * @param {Element} node the cell's <g class="cv-cell">
   * @param {Object} p the panel
   * @param {number} pi its index in the view
   * @param {number} cell flat cell index
   * @param {Object} g geometry(p)
   * @param {Object} reveal viewMaps(v).reveal
   * @param {number} step the view's step
   */
  function patchCell(node, p, pi, cell, g, reveal, step) {
    var at = cellAttrs(p, pi, cell, g, reveal, step), hidden = at.hidden;
    /** Set attribute `k` of element `e` to `val` if it is not that already. */
    var set = function (e, k, val) { if (e.getAttribute(k) !== String(val)) e.setAttribute(k, val); };
    set(node, "class", at.cls);
    set(node, "data-cell", cell);
    set(node, "data-value", at.value);
    var mark = g.marks[cell], size = g.size, v = p.values[cell];
    var x = g.left + (cell % p.cols) * size, y = g.top + Math.floor(cell / p.cols) * size;
    var f = hidden || mark === "pad" || mark === "zero" ? { cls: "", style: "", dark: false } : valueFill(v, g);
    var rect = node.firstChild;
    set(rect, "class", "cv-bg " + f.cls);
    if ((rect.getAttribute("style") || "") !== f.style) {
      if (f.style) rect.setAttribute("style", f.style);
      else rect.removeAttribute("style");
    }
    set(rect, "x", x);
    set(rect, "y", y);
    set(rect, "width", size);
    set(rect, "height", size);
    var next = rect.nextSibling, line = next && next.tagName === "line" ? next : null;
    var strike = { "class": "cv-strike", x1: x + 2, y1: y + size - 2, x2: x + size - 2, y2: y + 2 };
    if (mark === "drop" && !hidden) {
      if (line) {
        Object.keys(strike).forEach(function (k) { set(line, k, strike[k]); });
        next = line.nextSibling;
      } else node.insertBefore(svgEl("line", strike), next);
    } else if (line) {
      next = line.nextSibling;
      node.removeChild(line);
    }
    if (!hidden && g.text) {
      var tc = f.dark ? "cv-on-dark" : f.light ? "cv-on-light" : null, txt = short(v);
      if (next && next.tagName === "text") {
        if (next.getAttribute("class") !== tc) {
          if (tc) next.setAttribute("class", tc);
          else next.removeAttribute("class");
        }
        set(next, "x", x + size / 2);
        set(next, "y", y + digitY(size));
        setText(next, txt);
        next = next.nextSibling;
      } else {
        var a = tc ? { "class": tc } : {};
        a.x = x + size / 2;
        a.y = y + digitY(size);
        a["text-anchor"] = "middle";
        node.insertBefore(svgEl("text", a, txt), next);
      }
    }
    while (next) {
      var after = next.nextSibling;
      node.removeChild(next);
      next = after;
    }
  }

  /** What the drawn nodes of a panel depend on besides its size, texts, values, marks and role:
   * a panel drawn for one setting can be patched (patchPanel) into a panel of the same shape,
   * whatever their numbers of rows and columns (any canvas into any canvas; SVG grids of the
   * same cell size, with numbers or without). null for a panel drawn by a plugin (never patched). */
  function panelShape(p) {
    if (plugin(p)) return null;
    var g = geometry(p);
    return g.canvas ? "canvas," + g.text + "," + !!p.index + "," + !!p.oneD : "svg," + g.size + "," + g.text + "," + g.bar;
  }

  /**
   * Patch a drawn panel (panelNodes of a panel of the same panelShape) in place into panel p
   * as panelHTML draws it at `step`: its class, label, size, cells (the cells both have are
   * patched, the rest added or removed), indices and colour bar; the highlight layer is
   * patched by the caller, a canvas redrawn. No node that stays is parsed again or moved, so
   * a setting that changes a grid's numbers or size costs only the elements that changed.
   * @param {Object} node panelNodes of the drawn panel (updated: cells, spec, html)
   * @param {Object} p the new panel
   * @param {number} pi its index in the view
   * @param {Object} reveal viewMaps(v).reveal
   * @param {number} step the view's step
   * @param {string} html panelHTML of p at `step` (the markup the panel now matches)
   */
  function patchPanel(node, p, pi, reveal, step, html) {
    var pnode = node.panel, old = node.spec, g = geometry(p), og = geometry(old);
    /** Set attribute `k` of element `e` to `val` if it is not that already. */
    var set = function (e, k, val) { if (e.getAttribute(k) !== String(val)) e.setAttribute(k, val); };
    set(pnode, "class", "cv-panel cv-role-" + p.role);
    set(pnode, "data-panel", pi);
    set(pnode, "data-name", p.name);
    setText(pnode.firstChild, p.label);
    if (g.canvas) {
      set(node.canvas, "aria-label", p.label);
      var bar = pnode.querySelector("svg.cv-barbox");
      if (bar && barSVG(og, 2) !== barSVG(g, 2)) bar.firstChild.outerHTML = barSVG(g, 2);
      var axes = pnode.querySelectorAll(".cv-axes > svg.cv-axis"), was = axisSVGs(old, og), now = axisSVGs(p, g);
      for (var a = 0; a < axes.length; a++) if (was[a] !== now[a]) axes[a].outerHTML = now[a];
    } else {
      var svg = node.overlay.parentNode, box = svgBox(g), cells = svg.firstChild, n = p.values.length;
      set(svg, "viewBox", "0 0 " + box[0] + " " + box[1]);
      set(svg, "width", box[0]);
      set(svg, "height", box[1]);
      set(svg, "aria-label", p.label);
      var have = node.cells.length;
      for (var cell = 0; cell < Math.min(n, have); cell++) patchCell(node.cells[cell], p, pi, cell, g, reveal, step);
      for (cell = have - 1; cell >= n; cell--) cells.removeChild(node.cells[cell]);
      if (n > have) {
        var more = [];
        for (cell = have; cell < n; cell++) more.push(cellSVG(p, pi, cell, g, reveal, step));
        cells.insertAdjacentHTML("beforeend", more.join(""));
      }
      if (n !== have) node.cells = cells.querySelectorAll(":scope > g.cv-cell");
      /** Bring the part drawn from markup `was` (element `e`, or none) to markup `now`: in place
       * (morph) when both exist, else removed or added after `after` (the parts keep
       * panelSVG's order: cells, group outlines, indices, colour bar, highlight layer). */
      var swap = function (e, was, now, after) {
        if (was === now) return;
        if (e && now) return morph(e, now);  // labels of another size or origin, outlines of other groups
        if (e) e.remove();
        if (now) after.insertAdjacentHTML("afterend", now);
      };
      /** The part of class `cls` of this grid, or null. */
      var part = function (cls) { return svg.querySelector(":scope > ." + cls); };
      swap(part("cv-gouts"), groupOutlineSVG(old, og), groupOutlineSVG(p, g), cells);
      swap(part("cv-index"), indexSVG(old, og), indexSVG(p, g), part("cv-gouts") || cells);
      if (g.bar) swap(part("cv-bar"), barSVG(og, og.h + 2), barSVG(g, g.h + 2), part("cv-index") || part("cv-gouts") || cells);
      var foot = svg.querySelector(":scope > .cv-footprint");  // a footprint panel draws it again
      if (foot) foot.remove();
    }
    node.spec = p;
    node.html = html;
  }

  /**
   * Bring SVG element `e` to the markup `html` (one element) in place: the attributes and
   * texts that differ are set, the children matched in order (the same tag: brought along
   * likewise; else replaced), the extra ones removed and the missing ones added from the
   * parsed markup. The nodes that stay are not new nodes to style and lay out: when a setting
   * changes a grid's size or origin, its index labels cost the labels that change (restyled
   * only where a class changes), not a new element each.
   * @param {Element} e the element drawn
   * @param {string} html its new markup: one element of e's tag (anything else replaces e)
   */
  function morph(e, html) {
    var t = document.createElementNS(SVGNS, "g");
    t.innerHTML = html;  // parsed as SVG (the context is an SVG element), not yet in the page
    if (t.childNodes.length === 1 && t.firstChild.nodeType === 1 && t.firstChild.tagName === e.tagName) {
      morphNode(e, t.firstChild);
      return;
    }
    while (t.firstChild) e.parentNode.insertBefore(t.firstChild, e);
    e.remove();
  }

  /** morph's walk: element `a` (in the page) brought to element `b` (parsed; its children may move into `a`). */
  function morphNode(a, b) {
    var i, at;
    for (i = 0; i < b.attributes.length; i++) {  // by namespace too (an xlink:href stays one)
      at = b.attributes[i];
      if (a.getAttributeNS(at.namespaceURI, at.localName) !== at.value) a.setAttributeNS(at.namespaceURI, at.name, at.value);
    }
    for (i = a.attributes.length - 1; i >= 0; i--) {
      at = a.attributes[i];
      if (!b.hasAttributeNS(at.namespaceURI, at.localName)) a.removeAttributeNS(at.namespaceURI, at.localName);
    }
    var x = a.firstChild, y = b.firstChild, next;
    while (y) {
      next = y.nextSibling;
      if (!x) {
        a.appendChild(y);
      } else if (x.nodeType === 3 && y.nodeType === 3) {
        if (x.data !== y.data) x.data = y.data;
        x = x.nextSibling;
      } else if (x.nodeType === 1 && y.nodeType === 1 && x.tagName === y.tagName) {
        morphNode(x, y);
        x = x.nextSibling;
      } else {
        var after = x.nextSibling;
        a.replaceChild(y, x);
        x = after;
      }
      y = next;
    }
    while (x) {
      next = x.nextSibling;
      a.removeChild(x);
      x = next;
    }
  }

  /** Set the text of element `e` (a single text node, or none) to `text`: the text node's data
   * when it has one, so the node stays (a new text node is a new node to style and lay out). */
  function setText(e, text) {
    var t = e.firstChild;
    if (t && t.nodeType === 3 && !t.nextSibling && text !== "") { if (t.data !== text) t.data = text; } else if (e.textContent !== text) e.textContent = text;
  }

  /** An SVG element with attributes and text. */
  function svgEl(tag, attrs, text) {
    var e = document.createElementNS(SVGNS, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }

  /** Whether a progressive panel's cell is still to be computed at `step`. */
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

  /** Row and column indices around a grid, numbered from the panel's origin: one <text> per
   * axis with a <tspan> per label (a text element costs several times a tspan to lay out). */
  function indexSVG(p, g) {
    if (p.names) return namesSVG(p, g);
    if (!g.idx) return "";
    var out = ['<g class="cv-index" aria-hidden="true"><text text-anchor="middle">'];
    for (var c = 0; c < p.cols; c++) {
      out.push('<tspan x="' + (g.left + c * g.size + g.size / 2) + '" y="' + (g.top - 3) + '">' +
        fmt(c + p.origin[1]) + "</tspan>");
    }
    out.push("</text>");
    if (!p.oneD) {
      out.push('<text text-anchor="end">');
      for (var r = 0; r < p.rows; r++) {
        out.push('<tspan x="' + (g.left - 4) + '" y="' + (g.top + r * g.size + g.size / 2 + 4) + '">' +
          fmt(r + p.origin[0]) + "</tspan>");
      }
      out.push("</text>");
    }
    out.push("</g>");
    return out.join("");
  }

  /** The highlight layer of one SVG panel: drawn last, so no cell or group outline covers it. */
  function overlaySVG(p, pi, info, g, reveal, step, viewSpec) {
    return overlayItems(p, pi, info, g, reveal, step, viewSpec).map(function (h) { return h.html; }).join("");
  }

  /**
   * The highlight layer as one item per highlighted cell (one <g class="cv-hl"> each).
   * @returns {Array<{html: string, shape: string, t: string, texts: string[]}>} the markup; the
   *   same markup with its data-t and texts left empty (items of one shape differ only in
   *   those); its data-t (the terms it takes part in) and its texts, in document order
   */
  function overlayItems(p, pi, info, g, reveal, step, viewSpec) {
    var cells = info.hl[pi];
    if (!cells) return [];
    var out = [];
    Object.keys(cells).forEach(function (key) {
      var cell = +key, h = cells[key];
      var r = Math.floor(cell / p.cols), c = cell % p.cols, size = g.size;
      var x = g.left + c * size, y = g.top + r * size;
      var pair = h.kind === "in" ? info.pairs[pi + ":" + cell] : null;
      var hidden = isHidden(p, pi, cell, reveal, step);
      // an input cell of a grid that prints numbers gets the weight it multiplies written under
      // its number (cells of 30 px and more), in the highlight layer (the base number stays: no copy, so
      // a highlight is three elements to lay out, not six). A grid without numbers: the ring alone
      var mark = g.marks[cell], pairText = pair && g.text && size >= 30, t = h.terms.join(" ");
      var f = pairText && !hidden && mark !== "pad" && mark !== "zero" ? valueFill(p.values[cell], g) : {};
      var pcls = "cv-pair" + (f.dark ? " cv-on-dark" : f.light ? " cv-on-light" : "");
      /** The item's markup; `blank`: with its data-t and texts empty. */
      var markup = function (blank) {
        return '<g class="cv-hl cv-hl-' + h.kind + (mark ? " cv-" + mark : "") + '" data-t="' + (blank ? "" : t) + '">' +
          '<rect class="cv-ring" x="' + (x + 1.5) + '" y="' + (y + 1.5) + '" width="' + (size - 3) + '" height="' +
          (size - 3) + '"></rect>' +
          (pairText ? '<text class="' + pcls + '" x="' + (x + size / 2) + '" y="' + (y + pairY(size)) +
            '" text-anchor="middle">' + (blank ? "" : "\u00d7" + esc(fmt(viewSpec.panels[pair[0]].values[pair[1]]))) + "</text>" : "") +
          (h.kind === "out" ? '<path class="cv-corner" d="M' + x + " " + y + "h" + Math.round(size / 3) + "L" + x + " " +
            (y + Math.round(size / 3)) + 'z"></path>' : "") + "</g>";
      };
      var texts = [];
      if (pairText) texts.push("\u00d7" + fmt(viewSpec.panels[pair[0]].values[pair[1]]));
      out.push({ html: markup(false), shape: markup(true), t: t, texts: texts });
    });
    return out;
  }

  /** Bring a drawn highlight layer to `items` (from overlayItems): the highlights that stay
   * (a kernel's weights from one step to the next, say) are kept; a highlight of the same shape
   * as one that goes (an input cell still in the window, now under another weight) is patched
   * in place (its data-t and texts); the rest are removed or added, so a step parses and lays
   * out only what changed. */
  function patchOverlay(layer, items) {
    var want = {}, add = [], spare = {};
    items.forEach(function (h) { want[h.html] = (want[h.html] || 0) + 1; });
    Array.prototype.slice.call(layer.childNodes).forEach(function (n) {
      if (!n.cvHtml || !want[n.cvHtml]) {
        if (n.cvShape) (spare[n.cvShape] = spare[n.cvShape] || []).push(n);
        else layer.removeChild(n);
        return;
      }
      want[n.cvHtml] -= 1;
      if (n.classList.contains("cv-focus")) n.classList.remove("cv-focus");  // as a fresh drawing
    });
    items.forEach(function (h) {
      if (!want[h.html]) return;
      want[h.html] -= 1;
      var n = (spare[h.shape] || []).pop();
      if (!n) { add.push(h); return; }
      n.setAttribute("data-t", h.t);
      if (n.classList.contains("cv-focus")) n.classList.remove("cv-focus");
      var texts = n.getElementsByTagName("text");
      for (var i = 0; i < h.texts.length; i++) setText(texts[i], h.texts[i]);
      n.cvHtml = h.html;
    });
    Object.keys(spare).forEach(function (k) { spare[k].forEach(function (n) { layer.removeChild(n); }); });
    if (!add.length) return;
    var first = layer.childNodes.length;
    layer.insertAdjacentHTML("beforeend", add.map(function (h) { return h.html; }).join(""));
    for (var i = 0; i < add.length; i++) {
      layer.childNodes[first + i].cvHtml = add[i].html;
      layer.childNodes[first + i].cvShape = add[i].shape;
    }
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
    var g = geometry(p), box = svgBox(g);
    var out = ['<svg xmlns="' + SVGNS + '" class="cv-grid" viewBox="0 0 ' + box[0] + " " + box[1] + '" width="' + box[0] +
      '" height="' + box[1] + '" role="img" aria-label="' + esc(p.label) + '"><g class="cv-cells">'];
    for (var cell = 0; cell < p.values.length; cell++) out.push(cellSVG(p, pi, cell, g, reveal, step));
    out.push("</g>" + groupOutlineSVG(p, g) + indexSVG(p, g) + (g.bar ? barSVG(g, g.h + 2) : "") + '<g class="cv-overlay">' +
      overlaySVG(p, pi, info, g, reveal, step, viewSpec) + "</g></svg>");
    return out.join("");
  }

  /** Width and height of an SVG grid, in px: the cells and indices, and the colour bar below. */
  function svgBox(g) {
    return [Math.max(g.w, g.bar ? 124 : 0), g.h + (g.bar ? 24 : 0)];
  }

  /** The markup of one base-layer cell at `step` (<g class="cv-cell"> with its data). */
  function cellSVG(p, pi, cell, g, reveal, step) {
    var a = cellAttrs(p, pi, cell, g, reveal, step);
    return '<g class="' + a.cls + '" data-cell="' + cell + '" data-value="' + esc(a.value) + '">' +
      cellInner(p, cell, g, a.hidden, null, null) + "</g>";
  }

  /* ---------------------------------------------------------------- drawing: canvas grids */

  /** A canvas grid with its row and column indices at its edges (layout: a small SVG above
   * and one to the left of the canvas, which drawCanvas draws as before): every index when a
   * cell is 16 px or more, else every fifth. Hovering a cell still gives its value and index.
   * @returns {string} the canvas markup, wrapped with its axes when the panel is indexed */
  function canvasAxes(p, g, canvasHTML) {
    if (!p.index) return canvasHTML;
    var axes = axisSVGs(p, g), left = axes.length > 1;
    return '<div class="cv-axes' + (left ? "" : " cv-axes-row") + '">' + (left ? "<span></span>" : "") + axes.join("") +
      canvasHTML + "</div>";
  }

  /** The index SVGs of an indexed canvas grid: [above] or [above, left]. */
  function axisSVGs(p, g) {
    if (!p.index) return [];
    var every = g.size >= 16 ? 1 : 5, left = p.oneD ? 0 : 22, w = p.cols * g.size + 4, h = p.rows * g.size + 4;
    var top = ['<svg class="cv-grid cv-axis" width="' + w + '" height="13" aria-hidden="true"><g class="cv-index"><text text-anchor="middle">'];
    for (var c = 0; c < p.cols; c += every) {
      top.push('<tspan x="' + (2 + c * g.size + g.size / 2) + '" y="10">' + fmt(c + p.origin[1]) + "</tspan>");
    }
    top.push("</text></g></svg>");
    if (!left) return [top.join("")];
    var side = ['<svg class="cv-grid cv-axis" width="' + left + '" height="' + h + '" aria-hidden="true"><g class="cv-index"><text text-anchor="end">'];
    for (var r = 0; r < p.rows; r += every) {
      side.push('<tspan x="' + (left - 4) + '" y="' + (2 + r * g.size + g.size / 2 + 4) + '">' + fmt(r + p.origin[0]) + "</tspan>");
    }
    side.push("</text></g></svg>");
    return [top.join(""), side.join("")];
  }

  /** The paths of a canvas grid's cells (canvasCells), each one colour and line: what drawCanvas
   * fills or strokes in one call. Every cell is drawn, at (2, 2) + its row and column times
   * `size`, as the SVG grid draws it (cellSVG, the patterns cv-pat-pad and cv-pat-zero):
   *   fills    {palette name: Path2D}  the cells' backgrounds;
   *   pads     Path2D or null          padding cells, the clip of the hatching;
   *   hatch    Path2D or null          lines 6 px apart at 45 degrees across the pads;
   *   zeros    Path2D or null          the dots along the border of each inserted zero;
   *   shades   {"pos 0.412" | "neg .." | an image's grey: Path2D}  the values' fills;
   *   edges    {palette name: Path2D}  the cells' borders (with numbers);
   *   thin     {palette name: [x0, y0, ...]}  the 0.5 px borders of a grid without numbers, a
   *                                    rectangle each (as one path the graphics library draws
   *                                    such thin lines lighter, and a fringe outside the grid);
   *   outlines {mark: Path2D}          a mark's border over them (grids with numbers);
   *   strikes  Path2D or null          the stroke across a cell that is never read;
   *   texts    {palette name: [[x, y, text], ...]}  the numbers, by colour;
   *   values   string                  the values shown, as JSON (the canvas's data-values).
   * A panel that is not progressive hides no cell at any step: its paths are worked out once
   * and kept on its geometry (a step redraws the canvas for its rings). */
  function canvasCells(p, pi, g, reveal, step) {
    if (g.cells && !p.progressive) return g.cells;
    var size = g.size, shown = [], xy = { fills: {}, shades: {}, edges: {}, thin: {}, outlines: {} }, pads = [], zeros = [], strikes = [], texts = {};
    /** Note the cell at (x, y) in the list `key` of xy[to]. */
    var add = function (to, key, x, y) { (xy[to][key] = xy[to][key] || []).push(x, y); };
    for (var cell = 0; cell < p.values.length; cell++) {
      var x = 2 + (cell % p.cols) * size, y = 2 + Math.floor(cell / p.cols) * size;
      var mark = g.marks[cell], hidden = isHidden(p, pi, cell, reveal, step), v0 = p.values[cell];
      shown.push(hidden ? "" : String(v0));
      add("fills", hidden ? "pending" : mark === "pad" ? "pad-bg" : mark === "zero" ? "zero-bg" : "cell", x, y);
      if (!hidden && (mark === "pad" || mark === "zero") && (g.text || size >= 12)) (mark === "pad" ? pads : zeros).push(x, y);
      var f = hidden || mark === "pad" || mark === "zero" ? { cls: "" } : valueFill(v0, g);
      if (f.cls === "cv-vpos" || f.cls === "cv-vneg") add("shades", f.cls.slice(4) + " " + f.style.split(":")[1], x, y);
      else if (f.cls === "cv-vimg") add("shades", f.style.slice(5), x, y);
      if (!g.text) { add("thin", mark === "hot" ? "hot" : "line", x, y); continue; }
      add("edges", hidden ? "border" : "line", x, y);
      if (!hidden && mark && mark !== "drop" && !GROUP_MARK.test(mark)) add("outlines", mark, x, y);
      if (!hidden && mark === "drop") strikes.push(x, y);
      var ink = mark === "drop" ? "muted" : f.dark ? "on-dark" : f.light ? "on-light" : "fg";
      if (!hidden) (texts[ink] = texts[ink] || []).push([x + size / 2, y + digitY(size), short(v0)]);
    }
    /** One path of the cells at (x0, y0, x1, y1, ...). */
    var squares = function (list) {
      var path = new Path2D();
      for (var i = 0; i < list.length; i += 2) path.rect(list[i], list[i + 1], size, size);
      return path;
    };
    var out = { texts: texts, values: JSON.stringify(shown), pads: null, hatch: null, zeros: null, strikes: null, thin: xy.thin };
    ["fills", "shades", "edges", "outlines"].forEach(function (to) {
      out[to] = {};
      Object.keys(xy[to]).forEach(function (k) { out[to][k] = squares(xy[to][k]); });
    });
    if (pads.length) {
      out.pads = squares(pads);
      var lo = Infinity, hi = -Infinity, y0 = Infinity, y1 = -Infinity, i;
      for (i = 0; i < pads.length; i += 2) {
        lo = Math.min(lo, pads[i] + pads[i + 1]);
        hi = Math.max(hi, pads[i] + pads[i + 1]);
        y0 = Math.min(y0, pads[i + 1]);
        y1 = Math.max(y1, pads[i + 1] + size);
      }
      var hatch = out.hatch = new Path2D(), gap = 6 * Math.SQRT2;
      for (var c = Math.floor(lo / gap) * gap; c <= hi + 2 * size; c += gap) {  // the lines x + y = c
        hatch.moveTo(c - y0, y0);
        hatch.lineTo(c - y1, y1);
      }
    }
    if (zeros.length) {
      var dots = out.zeros = new Path2D();
      for (i = 0; i < zeros.length; i += 2) {
        for (var d = 0; d < ZERO_DOTS.length; d++) {
          var cx = zeros[i] + ZERO_DOTS[d][0] * size, cy = zeros[i + 1] + ZERO_DOTS[d][1] * size;
          dots.moveTo(cx + 0.04 * size, cy);
          dots.arc(cx, cy, 0.04 * size, 0, 2 * Math.PI);
        }
      }
    }
    if (strikes.length) {
      var cross = out.strikes = new Path2D();
      for (i = 0; i < strikes.length; i += 2) {
        cross.moveTo(strikes[i] + 2, strikes[i + 1] + size - 2);
        cross.lineTo(strikes[i] + size - 2, strikes[i + 1] + 2);
      }
    }
    if (!p.progressive) g.cells = out;
    return out;
  }

  /** Large grids (over 400 cells, or over 150 too narrow for numbers) are one canvas: the whole
   * grid redraws in about a millisecond. A grid that prints its numbers (over 150 cells of
   * 34 px) is a canvas drawn as its SVG grid would be: fills, patterns, borders and marks, the
   * numbers, and the step's rings with the weight each input cell meets written under it.
   * Padding and inserted zeros carry their patterns in both.
   * @param {Object} v the view (for the weights written under the input cells), optional
   * @param {?string} focus the term whose cells are outlined wider (focusTerm), optional
   * @param {number} scale device pixels per CSS pixel (default: the screen's; sharpCanvas), optional */
  function drawCanvas(canvas, p, pi, info, reveal, step, pal, v, focus, scale) {
    var g = geometry(p), dpr = scale || root.devicePixelRatio || 1, size = g.size;
    var w = p.cols * size + 4, h = p.rows * size + 4;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
      canvas.style.width = w + "px";
      canvas.style.height = h + "px";
    }
    canvas.cvPalette = pal;
    canvas.cvFocus = focus === undefined ? null : focus;
    canvas.cvPaint = [p, pi, info, reveal, step, pal, v, canvas.cvFocus];  // what sharpCanvas paints again
    var ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    // the cells, a few paths of one colour each (canvasCells): a colour or line set per cell
    // costs more than the shapes
    var paint = canvasCells(p, pi, g, reveal, step);
    Object.keys(paint.fills).forEach(function (k) { ctx.fillStyle = pal[k]; ctx.fill(paint.fills[k]); });
    if (paint.pads) {
      ctx.save();
      ctx.clip(paint.pads);
      ctx.strokeStyle = pal["pad-ink"];
      ctx.lineWidth = 1.5;
      ctx.stroke(paint.hatch);
      ctx.restore();
    }
    if (paint.zeros) { ctx.fillStyle = pal["zero-ink"]; ctx.fill(paint.zeros); }
    Object.keys(paint.shades).forEach(function (k) {  // "pos 0.412": a value's colour and opacity; or an image's grey
      var cs = k.split(" ");
      ctx.globalAlpha = cs.length > 1 ? +cs[1] : 1;
      ctx.fillStyle = cs.length > 1 ? pal[cs[0]] : k;
      ctx.fill(paint.shades[k]);
    });
    ctx.globalAlpha = 1;
    Object.keys(paint.edges).forEach(function (k) {  // with numbers, as .cv-bg: 1 px on the cell's edge
      ctx.strokeStyle = pal[k];
      ctx.lineWidth = 1;
      ctx.stroke(paint.edges[k]);
    });
    Object.keys(paint.thin).forEach(function (k) {  // without numbers: thin borders, the hot ones wider
      var xy = paint.thin[k];
      ctx.strokeStyle = pal[k];
      ctx.lineWidth = k === "hot" ? 1.5 : 0.5;
      for (var i = 0; i < xy.length; i += 2) ctx.strokeRect(xy[i] + 0.25, xy[i + 1] + 0.25, size - 0.5, size - 0.5);
    });
    if (g.text) {
      Object.keys(paint.outlines).forEach(function (m) {  // the marks' borders over the plain ones
        ctx.setLineDash(m === "pad" ? [4, 2] : m === "zero" ? [1, 2] : []);
        ctx.strokeStyle = m === "pad" ? pal.muted : m === "zero" ? pal["zero-ink"] : m === "hot" ? pal.hot : pal.fg;
        ctx.lineWidth = m === "zero" ? 1.5 : m === "hot" ? 2 : m === "overlap" ? 2.5 : 1;
        ctx.stroke(paint.outlines[m]);
      });
      ctx.setLineDash([]);
      if (paint.strikes) {
        ctx.strokeStyle = pal.muted;
        ctx.lineWidth = 1.5;
        ctx.stroke(paint.strikes);
      }
      ctx.font = FONT;
      ctx.textAlign = "center";
      Object.keys(paint.texts).forEach(function (ink) {
        ctx.fillStyle = pal[ink];
        paint.texts[ink].forEach(function (t) { ctx.fillText(t[2], t[0], t[1]); });
      });
    }
    paintGroupOutlines(ctx, canvas, p, g, pal, 2, 2);  // above the cells, under the rings
    var cells = info.hl[pi] || {};
    Object.keys(cells).forEach(function (key) {
      var cell = +key, r = Math.floor(cell / p.cols), c = cell % p.cols, kind = cells[key].kind;
      var x = 2 + c * size, y = 2 + r * size, wide = canvas.cvFocus !== null && cells[key].terms.indexOf(+canvas.cvFocus) >= 0;
      if (!g.text) {
        ctx.strokeStyle = pal[kind];
        ctx.lineWidth = wide ? pal.thinfocusw : pal.thinw;
        ctx.strokeRect(x + 1, y + 1, size - 2, size - 2);
        return;
      }
      ctx.strokeStyle = pal[kind];  // as .cv-ring (wider focused: .cv-focus), the kernel's dashed
      ctx.lineWidth = wide ? pal.focusw : pal.ringw;
      ctx.setLineDash(kind === "k" ? [5, 2] : []);
      ctx.strokeRect(x + 1.5, y + 1.5, size - 3, size - 3);
      ctx.setLineDash([]);
      if (kind === "out") {  // the corner of the output being computed
        ctx.fillStyle = pal.out;
        ctx.beginPath();
        ctx.moveTo(x, y);
        ctx.lineTo(x + Math.round(size / 3), y);
        ctx.lineTo(x, y + Math.round(size / 3));
        ctx.fill();
      }
      var pair = kind === "in" && v ? info.pairs[pi + ":" + cell] : null;
      if (pair) {  // the weight this input cell meets, under its number
        var mark = g.marks[cell], hidden = isHidden(p, pi, cell, reveal, step);
        var f = !hidden && mark !== "pad" && mark !== "zero" ? valueFill(p.values[cell], g) : {};
        ctx.font = PAIR_FONT;
        ctx.textAlign = "center";
        ctx.fillStyle = f.dark ? pal["on-dark"] : f.light ? pal["pair-on-light"] : pal.k;
        ctx.fillText("\u00d7" + fmt(v.panels[pair[0]].values[pair[1]]), x + size / 2, y + pairY(size));
      }
    });
    if (canvas.getAttribute("data-values") !== paint.values) canvas.setAttribute("data-values", paint.values);
  }

  /** A canvas grid as a download shows it: painted again off screen at `scale` device pixels per
   * CSS pixel, so that its numbers are as sharp as the SVG grids' beside it (on a slide, and in the
   * PNG, rasterised at twice the screen's scale); the canvas itself where drawCanvas is not all
   * that is painted on it (an image, a footprint drawn over it). */
  function sharpCanvas(canvas, scale) {
    var a = canvas.cvPaint, panel = canvas.closest && canvas.closest(".cv-panel");
    if (!a || (panel && panel.querySelector(".cv-footprint"))) return canvas;
    var copy = document.createElement("canvas");
    drawCanvas(copy, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], scale);
    return copy;
  }

  var FONT = "11px ui-monospace, SFMono-Regular, Menlo, monospace";  // as .cv-grid text
  var PAIR_FONT = "600 10px ui-monospace, SFMono-Regular, Menlo, monospace";  // as .cv-grid text.cv-pair

  /* ---------------------------------------------------------------- drawing: 3D view
   *
   * A view's `volumes` are blocks drawn in an oblique projection, one small SVG per block
   * (the blocks wrap like panels on a phone). A block is built from the view's panels:
   *   {label, panels: [pi, ...]}                 each panel is one slice, front to back;
   *   {label, panels: [pi], along: "depth"}      one panel whose columns lie along depth
   *                                              (a 1×1×C kernel, or C_out of them stacked);
   *   groups: [g per slice]                      the top edge of each slice in its group's
   *                                              colour (cv-group-<g mod 8>), in every block.
   * The base layer (cells, fills, labels) is built when the frame or the angle changes; a
   * step only rewrites each block's ring layer and the cells it reveals (O(terms)). Every
   * 3D cell carries data-k="panel:cell", the same cell as the slice view's, so hovering it
   * shows its value and clicking it steps there. */

  /** Fixed angles of the 3D view: screen vectors of one column (u), one row (v) and one
   * slice further back (z), in cells; slices are drawn from the back to the front. */
  var ANGLES = [
    { name: "from the left", u: [0.94, 0.34], v: [0, 1], z: [0.62, -0.5] },
    { name: "from the right", u: [0.94, -0.34], v: [0, 1], z: [-0.62, -0.5] },
    { name: "from above", u: [1, 0], v: [0.55, 0.5], z: [0, -1] },
  ];

  /**
   * The cells of one block in block coordinates.
   * @param {Object} v the view
   * @param {{label: string, panels: number[], along: (string|undefined)}} block
   * @returns {{cells: Array<Array<number>>, cols: number, rows: number, depth: number, thin: boolean, widths: number[]}}
   *   cells are [panel, cell, column, row, slice]; cols and rows of the widest slice; widths: columns per slice.
   */
  function blockCells(v, block) {
    var cells = [], cols = 1, rows = 1;
    var widths = [];  // columns of each slice
    if (block.along === "depth") {
      var q = v.panels[block.panels[0]];
      for (var k = 0; k < q.values.length; k++) cells.push([block.panels[0], k, 0, Math.floor(k / q.cols), k % q.cols]);
      for (var z = 0; z < q.cols; z++) widths.push(1);
      return { cells: cells, cols: 1, rows: q.rows, depth: q.cols, thin: true, widths: widths };
    }
    block.panels.forEach(function (pi, z) {
      var p = v.panels[pi];
      cols = Math.max(cols, p.cols);
      rows = Math.max(rows, p.rows);
      widths.push(p.cols);
      for (var cell = 0; cell < p.values.length; cell++) cells.push([pi, cell, cell % p.cols, Math.floor(cell / p.cols), z]);
    });
    return { cells: cells, cols: cols, rows: rows, depth: block.panels.length, thin: false, widths: widths };
  }

  /** Colours of groups (CSS classes cv-group-0 ... cv-group-7; group n takes n mod 8). */
  var GROUP_COLOURS = 8;

  /** The key's line for group colours, if a view of the frame colours its slices by group. */
  function groupKeyHTML(f) {
    var groups = {};
    f.views.forEach(function (v) {
      (v.volumes || []).forEach(function (b) { (b.groups || []).forEach(function (g) { groups[g % GROUP_COLOURS] = true; }); });
    });
    var shown = Object.keys(groups);
    if (!shown.length) return "";
    return '<span class="cv-key-item"><svg class="cv-swatch cv-swatch-wide" width="' + (8 * shown.length + 8) +
      '" height="16" aria-hidden="true">' + shown.map(function (g, i) {
        return '<path class="cv-group cv-group-' + g + '" d="M' + (4 + 8 * i) + " 12 L" + (10 + 8 * i) + ' 4"></path>';
      }).join("") + "</svg>3D: one colour for slices that go together (a group or an input channel, its kernel, its output)</span>";
  }

  /** Slices of a block apart, in cells: an exploded block, each slice readable. */
  function sliceGap(b) { return b.thin ? 1.25 : Math.max(1.6, b.cols * 0.85); }

  /**
   * The cell size of a view's 3D picture, in px: one size for all its blocks (a kernel is
   * drawn at the scale of the window it covers), at most 22 px, and small enough that every
   * block fits 300×340 px at every angle (a phone's column is 300 px wide; the height lets a
   * deep stack, such as eight channels seen from above, keep cells of about 13 px).
   * @param {Array<Object>} blocks blockCells() of each volume
   * @returns {number}
   */
  function volumeCellSize(blocks) {
    var size = 22;
    blocks.forEach(function (b) {
      var gap = sliceGap(b);
      ANGLES.forEach(function (W) {
        [[0, 300], [1, 340]].forEach(function (axis) {
          var d = axis[0], back = (b.depth - 1) * gap * W.z[d];
          var vals = [0, b.cols * W.u[d], b.rows * W.v[d], b.cols * W.u[d] + b.rows * W.v[d]];
          vals = vals.concat(vals.map(function (x) { return x + back; }));
          size = Math.min(size, axis[1] / (Math.max.apply(null, vals) - Math.min.apply(null, vals)));
        });
      });
    });
    return Math.max(5, Math.floor(size));
  }

  /**
   * Where each cell of each block lands at one angle: cached per view and angle, since it
   * changes with neither the step nor the theme.
   * @param {Object} v the view
   * @param {number} angle index into ANGLES
   * @returns {Array<Object>} per block: {label, w, h, quads: {"pi:cell": path d}, order: keys back to front,
   *   slabs: {first key of a slice: path d of its opaque backing}, bars: the group-colour edges (markup)}
   */
  function volumeLayout(v, angle) {
    var all = cache.get(v.volumes) || [];
    if (all[angle]) return all[angle];
    var A = ANGLES[angle];
    var blocks = v.volumes.map(function (block) { return blockCells(v, block); });
    var size = volumeCellSize(blocks);
    all[angle] = v.volumes.map(function (block, bi) {
      var b = blocks[bi], gap = sliceGap(b);
      /** Screen position, in px, of column u, row r of slice z at this angle. */
      var P = function (u, r, z) {
        return [(u * A.u[0] + r * A.v[0] + z * gap * A.z[0]) * size, (u * A.u[1] + r * A.v[1] + z * gap * A.z[1]) * size];
      };
      var xs = [], ys = [];
      b.cells.forEach(function (e) {
        [[0, 0], [1, 0], [0, 1], [1, 1]].forEach(function (d) {
          var pt = P(e[2] + d[0], e[3] + d[1], e[4]);
          xs.push(pt[0]);
          ys.push(pt[1]);
        });
      });
      var minx = Math.min.apply(null, xs), miny = Math.min.apply(null, ys);
      var w = Math.max.apply(null, xs) - minx, h = Math.max.apply(null, ys) - miny;
      var labelW = 6.4 * block.label.length;  // 11 px text, about 0.58 em a character
      var dx = 4 - minx + Math.max(0, (labelW - w) / 2), dy = 4 - miny;
      var extent = {};  // per slice: its columns and rows (the outline of its backing)
      b.cells.forEach(function (e) {
        var x = extent[e[4]] || (extent[e[4]] = [0, 0]);
        x[0] = Math.max(x[0], e[2] + 1);
        x[1] = Math.max(x[1], e[3] + 1);
      });
      /** A path through screen points, in px, shifted into the block's box. */
      var path = function (pts) {
        return "M" + pts.map(function (pt) { return (pt[0] + dx).toFixed(1) + " " + (pt[1] + dy).toFixed(1); }).join(" L") + "z";
      };
      var slabs = {};  // the first cell drawn of each slice -> the slice's opaque backing
      var quads = {}, order = b.cells.slice().sort(function (a, c) { return c[4] - a[4]; }).map(function (e) {
        var key = e[0] + ":" + e[1], z = e[4], x = extent[z];
        if (x) {
          slabs[key] = path([P(0, 0, z), P(x[0], 0, z), P(x[0], x[1], z), P(0, x[1], z)]);
          extent[z] = null;
        }
        quads[key] = path([P(e[2], e[3], z), P(e[2] + 1, e[3], z), P(e[2] + 1, e[3] + 1, z), P(e[2], e[3] + 1, z)]);
        return key;
      });
      // a group's colour on the top edge of each of its slices
      var bars = (block.groups || []).map(function (grp, z) {
        var a = P(0, 0, z), c = P(b.widths[z], 0, z);
        return '<path class="cv-group cv-group-' + (grp % GROUP_COLOURS) + '" d="M' + (a[0] + dx).toFixed(1) + " " +
          (a[1] + dy).toFixed(1) + " L" + (c[0] + dx).toFixed(1) + " " + (c[1] + dy).toFixed(1) + '"></path>';
      }).join("");
      return { label: block.label, w: Math.ceil(Math.max(w, labelW) + 8), h: Math.ceil(h + 26), quads: quads, order: order,
        slabs: slabs, labelX: 4 + Math.max(w, labelW) / 2, labelY: h + 20, bars: bars };
    });
    cache.set(v.volumes, all);
    return all[angle];
  }

  /**
   * Class and style of one 3D cell: the same value colours and marks as its slice-view cell.
   * @returns {{cls: string, fill: string, style: string}} classes of the cell's <g> and of its face
   *   <path> (with the group class cv-gK of a grouped cell, as convviz.css styles the face by it)
   */
  function volumeCellLook(v, key, reveal, step) {
    var pi = +key.split(":")[0], cell = +key.split(":")[1], p = v.panels[pi], g = geometry(p);
    var mark = g.marks[cell], hidden = isHidden(p, pi, cell, reveal, step);
    var f = hidden || mark === "pad" || mark === "zero" ? { cls: "", style: "" } : valueFill(p.values[cell], g);
    return { cls: "cv-cell cv-role-" + p.role + (mark ? " cv-" + mark : "") + (hidden ? " cv-pending" : ""),
      fill: "cv-bg " + f.cls + (groupOf(mark) ? " cv-" + mark : ""), style: f.style };
  }

  /**
   * The ring layer of one block at one step: the current window, kernel and output cells,
   * outlined in the highlight colours (drawn over every slice of the block), each with the
   * terms it takes part in (data-t, as the slice view's: focusTerm outlines it too). O(terms):
   * it walks the step's cells, not the block's.
   * @returns {string} SVG markup
   */
  function volumeRings(block, info) {
    var out = [];
    Object.keys(info.hl).forEach(function (pi) {
      var cells = info.hl[pi];
      Object.keys(cells).forEach(function (cell) {
        var key = pi + ":" + cell, d = block.quads[key];
        if (d) out.push('<g class="cv-hl cv-hl-' + cells[cell].kind + '" data-k="' + key + '" data-t="' + cells[cell].terms.join(" ") +
          '"><path class="cv-ring cv-ring-3d" d="' + d + '"></path></g>');
      });
    });
    return out.join("");
  }

  /**
   * The whole 3D view of a view at one step and angle: one SVG per block.
   * @returns {string} HTML
   */
  function volumeHTML(v, info, reveal, step, angle) {
    var A = ANGLES[angle];
    return volumeLayout(v, angle).map(function (block) {
      var cells = block.order.map(function (key) {
        var look = volumeCellLook(v, key, reveal, step);
        return (block.slabs[key] ? '<path class="cv-3d-slab" d="' + block.slabs[key] + '"></path>' : "") + '<g class="' + look.cls + '" data-k="' + key + '"><path class="' + look.fill + '" d="' + block.quads[key] + '"' +
          (look.style ? ' style="' + look.style + '"' : "") + "></path></g>";
      });
      return '<svg xmlns="' + SVGNS + '" class="cv-grid cv-3d" viewBox="0 0 ' + block.w + " " + block.h + '" width="' +
        block.w + '" height="' + block.h + '" role="img" aria-label="' + esc(block.label) + ", in 3D, " + esc(A.name) +
        '" data-angle="' + angle + '"><g class="cv-3d-cells">' + cells.join("") + "</g>" + block.bars + '<g class="cv-3d-rings">' +
        volumeRings(block, info) + '</g><text class="cv-3d-label" x="' + block.labelX.toFixed(1) + '" y="' +
        block.labelY.toFixed(1) + '" text-anchor="middle">' + esc(block.label) + "</text></svg>";
    }).join("");
  }

  /**
   * Draw or update the 3D view in `box`. A new frame or angle rebuilds it; a new step
   * rewrites the ring layers and the cells revealed or hidden since the last step.
   * @param {Element} box the view's .cv-3d-box
   * @param {Object} v the view
   * @param {Object} info stepInfo(v, step)
   * @param {Object} reveal viewMaps(v).reveal
   * @param {number} step the view's step
   * @param {number} angle index into ANGLES
   */
  function volumeDraw(box, v, info, reveal, step, angle) {
    if (box.cvView !== v || box.cvAngle !== angle) {
      box.innerHTML = volumeHTML(v, info, reveal, step, angle);
      box.cvView = v;
      box.cvAngle = angle;
      box.cvStep = step;
      box.cvRings = box.querySelectorAll(".cv-3d-rings");
      box.cvCells = {};
      Array.prototype.forEach.call(box.querySelectorAll(".cv-3d-cells > g"), function (n) {
        box.cvCells[n.getAttribute("data-k")] = n;
      });
      return;
    }
    if (box.cvStep === step) return;
    var lo = Math.min(box.cvStep, step), hi = Math.max(box.cvStep, step);
    Object.keys(reveal).forEach(function (k) {
      var node = box.cvCells[k];
      if (!node || !(reveal[k] > lo && reveal[k] <= hi)) return;
      var look = volumeCellLook(v, k, reveal, step), path = node.firstChild;
      node.setAttribute("class", look.cls);
      path.setAttribute("class", look.fill);
      if (look.style) path.setAttribute("style", look.style);
      else path.removeAttribute("style");
    });
    volumeLayout(v, angle).forEach(function (block, i) { box.cvRings[i].innerHTML = volumeRings(block, info); });
    box.cvStep = step;
  }

  /* ---------------------------------------------------------------- drawing: key and sums */

  var SWATCH = 16;

  /** A small SVG swatch of the key holding `inner` markup. */
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
        if (p.kind === "footprint") seen.footprint = true;
        if (p.scale === "image") seen.image = true;
        else seen.values = true;
        if (p.window) seen[p.role === "input" ? "winIn" : "winOut"] = true;  // a picture's window ring (image.js colours)
      });
    });
    var legend = f.legend || {};
    var items = [];
    /** Add one line to the key: a swatch with classes `cls` and its words. */
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
    var RING_TEXT = { "in": "window being read (\u00d7w: the weight it meets)", k: "kernel weight used", out: "output being computed" };
    var stepping = f.views.some(function (v) { return v.steps.some(function (s) { return s.length; }); });
    if (stepping) {  // no rings in a frame without sums (a permutation); a figure may say what its rings are
      item("cv-hl cv-hl-in", ring, legend["in"] || RING_TEXT["in"]);
      item("cv-hl cv-hl-k", ring, legend.k || RING_TEXT.k);
      item("cv-hl cv-hl-out", ring + '<path class="cv-corner" d="M1 1h6L1 7z"></path>', legend.out || RING_TEXT.out);
    } else {  // pictures: the window and the output cell are outlined, with no sum and no weight labels
      if (seen.winIn) item("cv-hl cv-hl-in", ring, legend["in"] || "window being read");
      if (seen.winOut) item("cv-hl cv-hl-out", ring, legend.out || "output pixel being computed");
    }
    if (seen.footprint) {
      item("cv-footprint-key", '<rect class="cv-footprint-box" x="2" y="2" width="12" height="12"></rect>',
        "dashed box: the footprint, the cells the kernel spans");
      item("cv-footprint-key", cellRect + '<path class="cv-footprint-skip" d="M8 3L13 8M13 3L8 8"></path>',
        "corner cross: a cell in it that no tap reads");
    }
    if (seen.pad) item("cv-cell cv-pad", cellRect, legend.pad || MARK_TEXT.pad);
    if (seen.zero) item("cv-cell cv-zero", cellRect, legend.zero || MARK_TEXT.zero);
    if (seen.drop) item("cv-cell cv-drop", cellRect + '<line class="cv-strike" x1="2" y1="14" x2="14" y2="2"></line>', legend.drop || MARK_TEXT.drop);
    if (seen.hot) item("cv-cell cv-hot", cellRect, legend.hot || MARK_TEXT.hot);
    if (seen.pending) item("cv-cell cv-pending", cellRect, "not computed yet");
    Object.keys(legend).forEach(function (k) {  // marks of the figure's own, e.g. group colours g0..g7
      if (!(k in MARK_TEXT) && !(k in RING_TEXT)) item("cv-cell cv-" + k, '<rect class="cv-bg cv-v0' + (groupOf(k) ? " cv-" + k : "") +
        '" x="1" y="1" width="14" height="14"></rect>', legend[k]);  // a group's swatch carries its group class itself (convviz.css styles it by that)
    });
    return items.join("") + groupKeyHTML(f) + wiringKeyHTML(f);
  }

  /* A sum is written as tokens, so that the next step's sum, which mostly has the same terms
   * in the same places, is patched in place (only the texts that differ are set) instead of
   * parsed, styled and laid out anew: a 225-term sum is some 900 nodes. A token is a string
   * (a text node) or [class, data-t or null, text] (a span) or null (a line break); the plus
   * signs between terms are text. */

  /** Terms of a sum as hoverable spans (data-t = term index) joined by `sep`, appended to `out`;
   * over SUM_FULL terms (unless `full`: the reader asked for them all), only the first SUM_HEAD
   * and last SUM_TAIL, the rest one .cv-more button that writes them; returns whether the sum is
   * long (over SUM_FULL terms). */
  function joinTerms(out, parts, sep, full) {
    var n = parts.length, cut = n > SUM_FULL && !full;
    parts.forEach(function (s, i) {
      if (cut && i >= SUM_HEAD && i < n - SUM_TAIL) {
        if (i === SUM_HEAD) out.push(sep, ["cv-more", null, "\u2026 " + (n - SUM_HEAD - SUM_TAIL) + " more terms \u2026"]);
        return;
      }
      if (i) out.push(sep);
      out.push(["cv-term", i, s]);
    });
    return n > SUM_FULL;
  }

  /** A sum of up to SUM_FULL terms is written in full; a longer one (a 15×15 receptive field's
   * 225) writes its first SUM_HEAD and last SUM_TAIL terms and says how many it leaves out: the
   * grids still ring every cell, and the line stays short enough to read and to redraw. */
  var SUM_FULL = 32, SUM_HEAD = 12, SUM_TAIL = 4;

  /** The button after a long sum written in full (the reader pressed "… N more terms …") that
   * cuts it again; an SVG export leaves it out. */
  var FEWER = "fewer terms";

  /** The current step's sum as tokens, wrapping between terms (never inside one); a long sum is
   * cut in the middle (joinTerms) unless `full`, and then ends with a FEWER button. */
  function sumTokens(v, info, full) {
    if (!info.terms.length) return [];
    var t0 = term(info.terms[0]), outP = v.panels[t0.op], out = [];
    var oneOut = info.terms.every(function (raw) { var t = term(raw); return t.op === t0.op && t.oc === t0.oc; });
    if (!oneOut) {
      var ip = v.panels[t0.ip];
      out.push(["cv-lhs", null, cellName(ip, t0.ic) + " = " + fmt(ip.values[t0.ic]) + " scatters:"], "\u00a0");
      var long = joinTerms(out, info.terms.map(function (raw) {
        var t = term(raw), op = v.panels[t.op], kp = v.panels[t.kp];
        return cellName(op, t.oc) + " += " + paren(ip.values[t.ic]) + (kp ? "\u00b7" + paren(kp.values[t.kc]) : "");
      }), ", ", full);
      if (long && full) out.push(" ", ["cv-fewer", null, FEWER]);
      return out;
    }
    var names = [], nums = [];
    info.terms.forEach(function (raw) {
      var t = term(raw), ip2 = v.panels[t.ip], kp2 = v.panels[t.kp];  // no kp2: a plain term, added as it is
      names.push(cellName(ip2, t.ic) + (kp2 ? "\u00b7" + cellName(kp2, t.kc) : ""));
      nums.push(kp2 ? paren(ip2.values[t.ic]) + "\u00b7" + paren(kp2.values[t.kc]) : paren(ip2.values[t.ic]));
    });
    var b = v.bias !== undefined;
    out.push(["cv-lhs", null, cellName(outP, t0.oc) + " ="], "\u00a0");  // no break after "y[..] =": it stays with its first term
    joinTerms(out, names, " + ", full);
    if (b) out.push(" + ", ["cv-term", null, "b"]);
    out.push(null, ["cv-lhs cv-eq", null, "="], "\u00a0");
    var long = joinTerms(out, nums, " + ", full);
    if (b) out.push(" + ", ["cv-term", null, paren(v.bias)]);
    out.push(" ", ["cv-result", null, "=\u00a0" + fmt(outP.values[t0.oc])]);  // "= 34" stays whole in the SVG export too
    if (long && full) out.push(" ", ["cv-fewer", null, FEWER]);
    return out;
  }

  /** A formula line whose index brackets do not break across lines: the spaces inside [...] become no-break spaces
   * (x[s·q − p + v] stays whole; the line still wraps between its terms). */
  function keepIndices(line) {
    return String(line).replace(/\[[^\[\]]*\]/g, function (m) { return m.replace(/ /g, "\u00a0"); });
  }

  /** A formula line that does not break at an equals sign: the spaces around each " = " become no-break spaces
   * (i′ = (7 − 1)·1 keeps "i′ = (7" on one line; the line still wraps between the terms after it). */
  function keepEquals(line) {
    return String(line).replace(/ = /g, "\u00a0=\u00a0");
  }

  /** The markup of sum tokens. */
  function tokensHTML(tokens) {
    return tokens.map(function (k) {
      if (k === null) return "<br>";
      if (typeof k === "string") return esc(k);
      if (k[0] === "cv-more" || k[0] === "cv-fewer") return '<button type="button" class="' + k[0] + '">' + esc(k[2]) + "</button>";
      return '<span class="' + k[0] + '"' + (k[1] === null ? "" : ' data-t="' + k[1] + '"') + ">" + esc(k[2]) + "</span>";
    }).join("");
  }

  /** Whether two tokens make the same kind of node (a text, a line break, a span of one class):
   * one can be patched into the other (its text and data-t set). */
  function sameKind(a, b) {
    if (a === null || b === null) return a === b;
    if (typeof a === "string" || typeof b === "string") return typeof a === typeof b;
    return a[0] === b[0] && (a[1] === null) === (b[1] === null);
  }

  /** Patch node `n`, drawn from token `was`, into token `now` (of the same kind). */
  function patchToken(n, was, now) {
    if (now === null) return;
    if (typeof now === "string") {
      if (now !== was) n.data = now;
      return;
    }
    if (now[1] !== was[1]) n.setAttribute("data-t", now[1]);
    if (now[2] !== was[2]) setText(n, now[2]);
  }

  /**
   * Bring the sums box (one div.cv-sum per line) to `lines`, each a token list. In each line
   * the nodes of the longest common head and tail (same kinds of node) are patched (texts and
   * data-t set where they differ), the old nodes between them removed and the new ones parsed
   * in their place: the next step's sum, or a longer or shorter sum of the next setting,
   * costs only the terms that changed.
   * @param {Element} box the .cv-sums element
   * @param {Array<Array>} lines token lists, one per line
   */
  function patchSums(box, lines) {
    while (box.childNodes.length > lines.length) box.lastChild.remove();
    lines.forEach(function (tokens, li) {
      var div = box.childNodes[li];
      if (!div) {
        box.insertAdjacentHTML("beforeend", '<div class="cv-sum">' + tokensHTML(tokens) + "</div>");
        box.lastChild.cvTokens = tokens;
        return;
      }
      var old = div.cvTokens || [], nodes = Array.prototype.slice.call(div.childNodes);
      if (nodes.length !== old.length) {  // not drawn from tokens: parse it
        div.innerHTML = tokensHTML(tokens);
        div.cvTokens = tokens;
        return;
      }
      var head = 0, tail = 0, most = Math.min(old.length, tokens.length);
      while (head < most && sameKind(old[head], tokens[head])) head++;
      while (tail < most - head && sameKind(old[old.length - 1 - tail], tokens[tokens.length - 1 - tail])) tail++;
      for (var i = 0; i < head; i++) patchToken(nodes[i], old[i], tokens[i]);
      for (i = 1; i <= tail; i++) patchToken(nodes[nodes.length - i], old[old.length - i], tokens[tokens.length - i]);
      for (i = head; i < old.length - tail; i++) div.removeChild(nodes[i]);
      var middle = tokens.slice(head, tokens.length - tail);
      if (middle.length) {
        var range = document.createRange();
        range.selectNodeContents(div);
        div.insertBefore(range.createContextualFragment(tokensHTML(middle)), tail ? nodes[nodes.length - tail] : null);
      }
      div.cvTokens = tokens;
    });
  }

  /* ---------------------------------------------------------------- axis names
   * A panel may carry names: {rows?: [...], cols?: [...]} (engine.grid row_names/col_names), e.g.
   * the matrix of a convolution, whose column n multiplies input pixel x[r,c] and whose row m makes
   * output y[r,c]. The axes are labelled with the names (columns written upwards) instead of
   * numbers, and a cell of a one-column (one-row) panel is called by its row (column) name in the
   * sums, so a vector that is an image read row by row keeps its pixels' names. */
  var NAME_CHAR = 6.7;  // px per character of the 11 px monospace grid font

  /** The axis name of a cell of a one-column (one-row) named panel, else null. */
  function namedCell(p, cell) {
    var n = p.names;
    if (p.cols === 1 && n.rows) return n.rows[Math.floor(cell / p.cols)];
    if (p.rows === 1 && n.cols) return n.cols[cell % p.cols];
    return null;
  }

  /** Length of the longest name in a list (0 for none). */
  function longest(list) {
    return (list || []).reduce(function (m, s) { return Math.max(m, String(s).length); }, 0);
  }

  /** Room the names need: left of the rows, above the columns. */
  function namesRoom(p) {
    return { left: p.names.rows ? Math.ceil(longest(p.names.rows) * NAME_CHAR) + 6 : 2,
      top: p.names.cols ? Math.ceil(longest(p.names.cols) * NAME_CHAR) + 6 : 2 };
  }

  /** Row and column names around a grid (columns written upwards), instead of numbers. */
  function namesSVG(p, g) {
    var out = ['<g class="cv-index cv-names" aria-hidden="true">'];
    (p.names.cols || []).forEach(function (name, c) {
      var x = g.left + c * g.size + g.size / 2 + 4, y = g.top - 4;
      out.push('<text transform="translate(' + x + "," + y + ') rotate(-90)" text-anchor="start">' + esc(name) + "</text>");
    });
    (p.names.rows || []).forEach(function (name, r) {
      out.push('<text x="' + (g.left - 4) + '" y="' + (g.top + r * g.size + g.size / 2 + 4) + '" text-anchor="end">' +
        esc(name) + "</text>");
    });
    out.push("</g>");
    return out.join("");
  }

  /* ---------------------------------------------------------------- shared page pieces */

  /** Where the dots of an inserted zero sit, in its cell's units: the top edge, two on each
   * side and the bottom corners (the digits sit in the middle, the xw label at the bottom). */
  var ZERO_DOTS = [[0.12, 0.12], [0.31, 0.12], [0.5, 0.12], [0.69, 0.12], [0.88, 0.12], [0.12, 0.36], [0.88, 0.36],
    [0.12, 0.64], [0.88, 0.64], [0.12, 0.88], [0.88, 0.88]];

  /** Patterns and gradients used by every figure on the page (one hidden SVG). */
  function ensureDefs() {
    if (typeof document === "undefined" || document.getElementById("cv-defs")) return;
    var holder = document.createElement("div");
    holder.innerHTML = '<svg id="cv-defs" width="0" height="0" style="position:absolute" aria-hidden="true"><defs>' +
      '<pattern id="cv-pat-pad" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">' +
      '<rect class="cv-pat-pad-bg" width="6" height="6"></rect><line class="cv-pat-pad-ink" x1="0" y1="0" x2="0" y2="6"></line></pattern>' +
      // an inserted zero: its tint, and dots in a band along its border only (in the cell's own
      // units, so at any cell size they keep clear of the digits and the xw label below them)
      '<pattern id="cv-pat-zero" width="1" height="1" patternUnits="objectBoundingBox" patternContentUnits="objectBoundingBox">' +
      '<rect class="cv-pat-zero-bg" width="1" height="1"></rect>' + ZERO_DOTS.map(function (d) {
        return '<circle class="cv-pat-zero-ink" cx="' + d[0] + '" cy="' + d[1] + '" r="0.04"></circle>';
      }).join("") + "</pattern>" +
      '<linearGradient id="cv-grad-div"><stop offset="0" class="cv-stop-neg"></stop><stop offset="0.5" class="cv-stop-mid">' +
      '</stop><stop offset="1" class="cv-stop-pos"></stop></linearGradient>' +
      '<linearGradient id="cv-grad-img"><stop offset="0" stop-color="rgb(40,40,40)"></stop>' +
      '<stop offset="1" stop-color="rgb(240,240,240)"></stop></linearGradient></defs></svg>';
    document.body.appendChild(holder.firstChild);
  }

  var motionQuery = typeof matchMedia !== "undefined" ? matchMedia("(prefers-reduced-motion: reduce)") : null;
  /** Whether the reader's system asks for reduced motion now (read at each use: it can change with the page open). */
  function reduced() { return !!(motionQuery && motionQuery.matches); }

  /** Percent-decode one part of an address (as it is, if it is not valid percent-encoding). */
  function decodePart(s) {
    try { return decodeURIComponent(s); } catch (e) { return s; }
  }

  /** The setting named by the page address, if it names this figure: {sel, step} or null.
   * The query is split on "&" and "=" before decoding, so an option whose label holds an
   * "&" or "=" (hashOf() encodes them) reads back whole. A value is an option's label; a
   * number that is none is an option's index only where no option is a number. */
  function readHash(spec) {
    var raw = typeof location !== "undefined" ? location.hash || "" : "";
    var q = raw.indexOf("?");
    if (decodePart(q < 0 ? raw : raw.slice(0, q)) !== "#cv-" + spec.id) return null;
    var out = { sel: spec.controls.map(function (c) { return c.default; }), step: null, view: null };
    (q < 0 ? "" : raw.slice(q + 1)).split("&").forEach(function (kv) {
      var i = kv.indexOf("="), k = decodePart(kv.slice(0, i)), v = decodePart(kv.slice(i + 1));
      if (i < 0) return;
      if (k === "step" && /^\d+$/.test(v)) { out.step = Math.max(0, +v - 1); return; }
      if (k === "view") { out.view = angleOf(v); return; }
      spec.controls.forEach(function (c, ci) {
        if (c.name !== k) return;
        var oi = c.options.indexOf(v);
        // an index stands for an option only where no option is a number: groups=3 of 1, 2, 4, 8 is no option
        var numbered = c.options.some(function (o) { return /^-?\d+(\.\d+)?$/.test(o); });
        if (oi < 0 && !numbered && /^\d+$/.test(v) && +v < c.options.length) oi = +v;
        if (oi >= 0) out.sel[ci] = oi;
      });
    });
    return out;
  }

  /** The name of a 3D angle in an address: ANGLES[1], "from the right", is "from-the-right". */
  function angleSlug(i) { return ANGLES[i].name.replace(/ /g, "-"); }

  /** The index into ANGLES of an address's view= value (its slug or its name; "3d" is the
   * first angle), or null for anything else ("slices": the 3D view closed). */
  function angleOf(v) {
    if (v === "3d") return 0;
    for (var i = 0; i < ANGLES.length; i++) if (v === angleSlug(i) || v === ANGLES[i].name) return i;
    return null;
  }

  /** The address fragment of a setting: #cv-ID?control=option&step=n (n counted from 1), with
   * &view=<angle> when the 3D view is open (`view`: an index into ANGLES, or null). */
  function hashOf(spec, sel, step, view) {
    var parts = spec.controls.map(function (c, ci) {
      return encodeURIComponent(c.name) + "=" + encodeURIComponent(c.options[sel[ci]]);
    });
    parts.push("step=" + (step + 1));
    if (view !== null && view !== undefined) parts.push("view=" + angleSlug(view));
    return "#cv-" + spec.id + "?" + parts.join("&");
  }

  /** Properties the SVG export writes, and the values it leaves out (SVG's initial values). */
  var EXPORT_PROPS = ["fill", "fill-opacity", "stroke", "stroke-width", "stroke-dasharray", "opacity"];
  var EXPORT_TEXT = ["font-size", "font-family", "font-weight"];
  var EXPORT_INITIAL = { "fill-opacity": "1", opacity: "1", stroke: "none", "stroke-width": "1px",
    "stroke-dasharray": "none", "font-weight": "400" };

  /**
   * One element's look, resolved for the current theme, as CSS declarations: the properties of
   * its kind (groups only their opacity, text its font too, gradient stops their colour).
   * @param {Element} node an element on screen
   * @returns {string} "fill:...;stroke:..." without the properties at their initial value
   */
  function exportLook(node) {
    var tag = node.tagName.toLowerCase(), cs = getComputedStyle(node), out = [];
    if (/^(defs|pattern|lineargradient|radialgradient|clippath|title|desc)$/.test(tag)) return "";
    var props = tag === "stop" ? ["stop-color", "stop-opacity"] : tag === "g" || tag === "svg" ? ["opacity"] :
      tag === "text" || tag === "tspan" ? EXPORT_PROPS.concat(EXPORT_TEXT) : EXPORT_PROPS;
    props.forEach(function (k) {
      var val = cs.getPropertyValue(k).trim();
      if (val && EXPORT_INITIAL[k] !== val && !(k === "stop-opacity" && val === "1")) out.push(k + ":" + val);
    });
    return out.join(";");
  }

  /**
   * Split a line into pieces at most `width` px wide in the export's formula font, at spaces
   * (a word wider than that stays whole; a no-break space is part of its word); the pieces keep
   * their spaces, so they join back into the line.
   * @param {string} line
   * @param {number} width
   * @param {function(string): number} measure width in px of a text
   * @returns {string[]}
   */
  function wrapLine(line, width, measure) {
    var words = line.match(/(?:\S|\u00a0)+[^\S\u00a0]*|[^\S\u00a0]+/g) || [""], pieces = [], cur = "";
    words.forEach(function (w) {
      if (cur && measure((cur + w).replace(/\s+$/, "")) > width) { pieces.push(cur); cur = ""; }
      cur += w;
    });
    pieces.push(cur);
    return pieces;
  }

  /**
   * The figure as it is drawn now, as one standalone SVG file: titles, its key, panel labels, the SVG
   * grids (and the 3D boxes when open), canvas grids as embedded PNG, and the sums and formula
   * lines as the page writes them (a long sum cut as in joinTerms; wrapped to the picture's width). Colours are those of the current theme
   * (light or dark, with its background), patterns included; every element's look is one
   * class of a single embedded <style> (one rule per distinct look), not an inline style.
   * @param {Element} container the figure's root
   * @param {string} title
   * @returns {string} the SVG file's text
   */
  function exportSVG(container, title) {
    var stage = container.querySelector(".cv-stage"), box = stage.getBoundingClientRect();
    var rules = {}, nrules = 0, body = [], lineH = 16;
    /** The class of one look (a new rule the first time it is seen). */
    function rule(look) {
      if (!(look in rules)) rules[look] = "cvx" + (nrules++).toString(36);  // cvx: no clash where it is pasted
      return rules[look];
    }
    /** Give each element of a cloned subtree the class of its original's look. */
    function restyle(src, dst) {
      var a = src.querySelectorAll("*"), b = dst.querySelectorAll("*");
      [[src, dst]].concat(Array.prototype.map.call(a, function (n, i) { return [n, b[i]]; })).forEach(function (pair) {
        var look = exportLook(pair[0]), d = pair[1];
        Array.prototype.slice.call(d.attributes).forEach(function (at) {
          if (at.name === "class" || at.name === "style" || at.name.indexOf("data-") === 0 || at.name.indexOf("aria-") === 0 ||
            at.name === "role" || at.name === "tabindex") d.removeAttribute(at.name);
        });
        if (look) d.setAttribute("class", rule(look));
      });
    }
    var W = Math.max(320, Math.ceil(box.width));
    var ctx = document.createElement("canvas").getContext("2d");
    ctx.font = "12px monospace";
    /** Width in px of a formula line. */
    var measure = function (t) { return ctx.measureText(t).width; };
    var lines = [];
    container.querySelectorAll(".cv-formula .cv-sum, .cv-formula .cv-rule").forEach(function (d) {
      // innerText: a <br> is a space; no-break spaces stay (keepIndices, keepEquals: no break there either)
      var text = (d.innerText || d.textContent).split(FEWER).join("").replace(/[^\S\u00a0]+/g, " ").trim();
      lines.push({ pieces: wrapLine(text, W - 8, measure), cls: rule("fill:" + getComputedStyle(d).color +
        ";font-family:monospace;font-size:12px"), cut: d.classList.contains("cv-sum") ? "cv-sum" : "cv-rule" });
    });
    ctx.font = "600 14px sans-serif";
    var heading = wrapLine(title, W - 4, measure), keyTop = 6 + 18 * heading.length;
    // the key under the title, as on screen: a slide shows what the rings, hatches and colours mean
    var keyNode = container.querySelector(".cv-key"), kb = keyNode.getBoundingClientRect();
    var head = keyTop + (keyNode.children.length && kb.height ? Math.ceil(kb.height) + 6 : 0);
    var nl = lines.reduce(function (m, l) { return m + l.pieces.length; }, 0);
    var H = Math.ceil(box.height) + head + lineH * nl + 10;
    // patterns and gradients, in this theme's colours
    var defs = document.getElementById("cv-defs").querySelector("defs"), defsCopy = defs.cloneNode(true);
    restyle(defs, defsCopy);
    defsCopy.removeAttribute("class");
    var cs = getComputedStyle(container);
    body.push('<rect width="100%" height="100%" class="' + rule("fill:" + cs.backgroundColor) + '"></rect>');
    body.push('<text class="' + rule("fill:" + cs.color + ";font-size:14px;font-weight:600") + '">' +
      heading.map(function (piece, i) { return '<tspan x="0" y="' + (16 + 18 * i) + '">' + esc(piece) + "</tspan>"; }).join("") +
      "</text>");
    /** Copy one HTML caption into the exported SVG where it sits on screen, in its font and
     * wrapped at its box's width as on screen (its own text, not that of the buttons in it);
     * `dy` takes a screen y to the picture's (default: a caption of the stage); `rect`, where
     * the words sit if not in the whole node's box. */
    function text(node, dy, rect) {
      if (dy === undefined) dy = head - box.top;
      var r = rect || node.getBoundingClientRect(), ns = getComputedStyle(node), words = Array.prototype.filter.call(node.childNodes, function (c) {
        return c.nodeType === 3;
      }).map(function (c) { return c.textContent; }).join("").replace(/\s+/g, " ").trim();
      var size = parseFloat(ns.fontSize) || 12, lh = parseFloat(ns.lineHeight) || 1.25 * size;
      var weight = +ns.fontWeight >= 600 ? 600 : 400, x = (r.left - box.left).toFixed(1);
      var cctx = document.createElement("canvas").getContext("2d");
      cctx.font = weight + " " + size + "px " + ns.fontFamily;
      var pieces = wrapLine(words, r.width + 1, function (t) { return cctx.measureText(t).width; });
      body.push('<text class="' + rule("fill:" + ns.color + ";font-size:" + size + "px" + (weight > 400 ? ";font-weight:600" : "") +
        ";font-family:" + ns.fontFamily) + '">' + pieces.map(function (piece, i) {
        return '<tspan x="' + x + '" y="' + (r.top + dy + 0.85 * size + (lh - size) / 2 + i * lh).toFixed(1) + '">' +
          esc(piece) + "</tspan>";
      }).join("") + "</text>");
    }
    Array.prototype.forEach.call(keyNode.children, function (item) {  // each key line: swatch and words
      var sw = item.querySelector("svg"), r = sw && sw.getBoundingClientRect();
      if (!r || !r.width) return;
      var clone = sw.cloneNode(true);
      restyle(sw, clone);
      clone.setAttribute("x", (r.left - box.left).toFixed(1));
      clone.setAttribute("y", (r.top - kb.top + keyTop).toFixed(1));
      body.push(new XMLSerializer().serializeToString(clone));
      var words = document.createRange();  // the words beside the swatch
      words.setStartAfter(sw);
      words.setEnd(item, item.childNodes.length);
      text(item, keyTop - kb.top, words.getBoundingClientRect());
    });
    stage.querySelectorAll(".cv-view-title, .cv-panel-label").forEach(function (n) {
      if (n.getClientRects().length) text(n);
    });
    stage.querySelectorAll("svg.cv-grid, .cv-3d-box:not([hidden]) svg, canvas").forEach(function (node) {
      var r = node.getBoundingClientRect(), x = (r.left - box.left).toFixed(1), y = (r.top - box.top + head).toFixed(1);
      if (!r.width || !r.height) return;
      if (node.tagName.toLowerCase() === "canvas") {
        body.push('<image x="' + x + '" y="' + y + '" width="' + r.width + '" height="' + r.height + '" href="' +
          sharpCanvas(node, 2 * Math.max(1, root.devicePixelRatio || 1)).toDataURL("image/png") + '"></image>');
        return;
      }
      var clone = node.cloneNode(true);
      restyle(node, clone);
      clone.setAttribute("x", x);
      clone.setAttribute("y", y);
      clone.setAttribute("width", r.width);
      clone.setAttribute("height", r.height);
      body.push(new XMLSerializer().serializeToString(clone));
    });
    var y = box.height + head;
    lines.forEach(function (l) {  // one <text> per line: its pieces as tspans, one row each
      body.push('<text class="' + l.cls + " " + l.cut + '">' + l.pieces.map(function (p) {
        y += lineH;
        return '<tspan x="0" y="' + y.toFixed(1) + '">' + esc(p) + "</tspan>";
      }).join("") + "</text>");
    });
    var css = Object.keys(rules).map(function (look) { return "." + rules[look] + "{" + look + "}"; }).join("\n");
    return '<svg xmlns="' + SVGNS + '" width="' + W + '" height="' + H + '" viewBox="0 0 ' + W + " " + H +
      '" font-family="sans-serif"><style>\n' + css.replace(/&/g, "&amp;").replace(/</g, "&lt;") + "\n</style>" +
      new XMLSerializer().serializeToString(defsCopy) + body.join("") + "</svg>";
  }

  /* ---------------------------------------------------------------- room for the largest setting */

  /** The settings most likely to need the most room, as keys of spec.frames (at most 8): the
   * frames with the most rows of cells, the most cells, the most panels, the longest formula
   * and first sum, the longest code and the longest key. */
  function roomCandidates(spec) {
    var keys = Object.keys(spec.frames || {});
    if (keys.length < 2) return [];
    var measures = [
      function (f) { return f.views.reduce(function (a, v) { return a + v.panels.reduce(function (b, p) { return b + (p.rows || 0); }, 0); }, 0); },
      function (f) { return f.views.reduce(function (a, v) { return a + v.panels.reduce(function (b, p) { return b + (p.rows || 0) * (p.cols || 0); }, 0); }, 0); },
      function (f) { return f.views.reduce(function (a, v) { return a + v.panels.length; }, 0); },
      function (f) {
        return (f.formula || []).join("").length + f.views.reduce(function (a, v) { return a + 16 * ((v.steps[0] || []).length); }, 0);
      },
      function (f) { return (f.code || "").length + 200 * (f.code || "").split("\n").length; },
      function (f) { return Object.keys(f.legend || {}).join("").length; }
    ];
    var out = [];
    measures.forEach(function (m, mi) {
      var scored = keys.map(function (k) { return [m(spec.frames[k]), k]; });
      scored.sort(function (a, b) { return b[0] - a[0]; });
      scored.slice(0, mi < 2 ? 2 : 1).forEach(function (s) { if (out.indexOf(s[1]) < 0) out.push(s[1]); });
    });
    return out.slice(0, 8);
  }

  /**
   * The room a figure needs for its largest setting. In idle time (requestIdleCallback, else
   * a timer), a hidden copy of the figure, as wide as it, shows the settings of
   * roomCandidates() one per idle slot; `done` gets the largest height of the parts a setting
   * changes together (key, grids, formula and sums, code: partsHeight) and the largest height
   * of the controls bar (its settings and step row wrap with the width of the step's label),
   * and the figure gets data-cv-room ("parts,bar"). Only a page that holds every frame is measured (not a live widget); the
   * copy (mounted with host.probe: it measures nothing itself and listens to nothing outside
   * itself, so nothing keeps it once it is removed) is removed when done.
   * @param {Element} container the mounted figure
   * @param {Object} spec its spec
   * @param {function(number, number)} done called once with the two heights (px)
   * @param {function(): boolean} stale true once the measure is no longer wanted (the figure
   *   changed width): the copy goes and `done` is not called
   */
  function largestRoom(container, spec, done, stale) {
    if (typeof document === "undefined" || !container.parentNode) return;
    var keys = roomCandidates(spec);
    if (!keys.length) { container.setAttribute("data-cv-room", ""); return; }
    var later = typeof requestIdleCallback !== "undefined" ?
      function (f) { requestIdleCallback(f, { timeout: 1500 }); } : function (f) { setTimeout(f, 50); };
    var copy = {}, probe = null, tallest = 0, bar = 0, i = 0;
    Object.keys(spec).forEach(function (k) { copy[k] = spec[k]; });
    copy.id = spec.id + "-room";
    copy.autoplay = false;
    /** Show the next candidate in the copy and keep the heights of its parts. */
    function next() {
      if (!container.isConnected || stale()) { if (probe) probe.remove(); return; }
      if (!probe) {
        probe = document.createElement(container.tagName);
        if (container.classList.contains("cv-wide")) probe.className = "cv-wide";
        probe.setAttribute("aria-hidden", "true");
        probe.inert = true;
        probe.style.cssText = "position:absolute;left:-10000px;top:0;visibility:hidden;pointer-events:none;" +
          "box-sizing:border-box;width:" + container.getBoundingClientRect().width + "px";
        container.parentNode.insertBefore(probe, container.nextSibling);
        mount(probe, copy, { frame: function (k, got) { got(spec.frames[k]); }, probe: true });
      }
      probe.cvSet(keys[i].split(",").map(Number), null);
      /** The height of the copy's part `sel` (px; 0 if it has none). */
      var height = function (sel) { var e = probe.querySelector(sel); return e ? e.offsetHeight : 0; };
      tallest = Math.max(tallest, [".cv-key", ".cv-stage", ".cv-formula", ".cv-code"].reduce(function (sum, sel) {
        return sum + height(sel);
      }, 0));
      bar = Math.max(bar, height(".cv-controls"));
      if (++i < keys.length) { later(next); return; }
      probe.remove();
      container.setAttribute("data-cv-room", tallest + "," + bar);
      done(tallest, bar);
    }
    later(next);
  }

  /* ---------------------------------------------------------------- mount */

  var counter = 0;

  /** A 16×16 button icon from one SVG path. */
  function icon(d) {
    return '<svg class="cv-icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><path d="' + d + '"></path></svg>';
  }
  /** Button icons drawn as paths (no font has to carry them). */
  var ICON = { prev: icon("M3 3h2v10H3zM13 3v10L6 8z"), next: icon("M11 3h2v10h-2zM3 3v10l7-5z"),
    play: icon("M4 2v12l10-6z"), pause: icon("M4 3h3v10H4zM9 3h3v10H9z") };

  /* -- the page's contents on a page with a wide figure (layout) */
  /** Move the page's contents (sphinx-book-theme's secondary sidebar) into the header's
   * contents button: a figure that widens into that column (cv-wide) marks the page
   * (cv-wide-page, which convviz.css uses to hide the column and show the button). The
   * theme's own handler serves only the first .secondary-toggle of the page (the hidden one of
   * the top bar), so the article header's button opens the theme's contents dialog here the
   * way the theme does: the sidebar's nodes move into the dialog, and back when it closes
   * (the theme's close handler). */
  function wideContents() {
    var root = document.documentElement;
    if (root.classList.contains("cv-wide-page")) return;
    root.classList.add("cv-wide-page");
    var button = document.querySelector(".bd-header-article .secondary-toggle");
    if (!button || button === document.querySelector(".secondary-toggle")) return;
    button.addEventListener("click", function (e) {  // the sidebar may be parsed after this runs
      var side = document.getElementById("pst-secondary-sidebar");
      var dialog = document.getElementById("pst-secondary-sidebar-modal");
      if (!side || !dialog || !dialog.showModal || dialog.open) return;
      e.preventDefault();
      Array.prototype.slice.call(side.childNodes).forEach(function (n) { dialog.appendChild(n); });
      Array.prototype.slice.call(side.classList).forEach(function (c) { side.classList.remove(c); dialog.classList.add(c); });
      dialog.showModal();
    });
  }


  /* -- drawing a frame: the panels of a view, kept, patched or parsed anew */
  /** Bring a view's .cv-panels box from the panels drawn (`old`, panelNodes of each) to the
   * new ones (`vw`: panels (markup), specs, shapes, names, breaks, reveal, step). A new panel
   * takes the node of the old panel of its name (the n-th of that name) when its markup is
   * unchanged and it keeps the order of the panels kept; a panel not kept takes an old panel
   * of the same shape between the kept ones (its namesake first), patched in place
   * (patchPanel); every other panel is parsed anew, in runs, and old panels that nothing
   * takes are removed. Nothing kept or patched is moved, so it keeps its style and layout.
   * @returns {Array<Object>} panelNodes of each new panel */
  function syncPanels(box, old, vw) {
    var seen = {}, byName = {}, keep = [], last = -1, at = new Map(), used = {};
    old.forEach(function (o, oi) {
      var k = o.panel.getAttribute("data-name") + "#" + (seen[o.panel.getAttribute("data-name")] = (seen[o.panel.getAttribute("data-name")] || 0) + 1);
      byName[k] = oi;
      at.set(o, oi);
    });
    seen = {};
    var names = vw.names.map(function (n) { return n + "#" + (seen[n] = (seen[n] || 0) + 1); });
    vw.panels.forEach(function (h, pi) {
      var oi = byName[names[pi]];
      keep[pi] = oi !== undefined && oi > last && old[oi].html === h ? old[oi] : null;
      if (keep[pi]) { last = oi; used[oi] = true; }
    });
    var patch = [], bound = old.length;
    last = -1;
    vw.panels.forEach(function (h, pi) {
      if (keep[pi]) { last = at.get(keep[pi]); return; }
      var shape = vw.shapes[pi];
      if (!shape) return;
      bound = old.length;  // the old panel of the next kept panel: nothing moves past it
      for (var j = pi + 1; j < keep.length; j++) if (keep[j]) { bound = at.get(keep[j]); break; }
      var oi = byName[names[pi]], take = -1;
      if (oi !== undefined && oi > last && oi < bound && !used[oi] && old[oi].shape === shape) take = oi;
      for (var c = last + 1; take < 0 && c < bound; c++) if (!used[c] && old[c].shape === shape) take = c;
      if (take < 0) return;
      used[take] = true;
      patch[pi] = old[take];
      last = take;
    });
    old.forEach(function (o, oi) { if (!used[oi]) o.panel.remove(); });
    Array.prototype.slice.call(box.querySelectorAll(":scope > .cv-break")).forEach(function (b) { b.remove(); });
    var out = [], prev = null, run = [];
    /** Parse the run of new panels after `prev` (or at the start of the box). */
    function flush() {
      if (!run.length) return;
      if (prev) prev.insertAdjacentHTML("afterend", run.map(function (r) { return vw.panels[r]; }).join(""));
      else box.insertAdjacentHTML("afterbegin", run.map(function (r) { return vw.panels[r]; }).join(""));
      var node = prev ? prev.nextSibling : box.firstChild;
      run.forEach(function (r) {
        out[r] = panelNodes(node, vw.panels[r], vw.specs[r], vw.shapes[r]);
        prev = node;
        node = node.nextSibling;
      });
      run = [];
    }
    vw.panels.forEach(function (h, pi) {
      var o = keep[pi] || patch[pi];
      if (!o) { run.push(pi); return; }
      flush();
      if (patch[pi]) {
        patchPanel(o, vw.specs[pi], pi, vw.reveal, vw.step, h);
        o.shape = vw.shapes[pi];
      }
      out[pi] = o;
      prev = o.panel;
    });
    flush();
    vw.breaks.forEach(function (pi) {  // panels that start a new line
      if (out[pi]) out[pi].panel.insertAdjacentHTML("beforebegin", '<div class="cv-break" aria-hidden="true"></div>');
    });
    return out;
  }

  /** The markup of one panel: label and grid (SVG base layer, canvas or a plugin's own). */
  function panelHTML(p, pi, reveal, s, v) {
    var g = geometry(p);
    return '<div class="cv-panel cv-role-' + esc(p.role) + '" data-panel="' + pi + '" data-name="' +
      esc(p.name) + '"><div class="cv-panel-label">' + esc(p.label) + "</div>" +
      (plugin(p) ? plugin(p).html(p, pi) : g.canvas ? canvasAxes(p, g, '<canvas class="cv-canvas" role="img" aria-label="' + esc(p.label) + '"></canvas>') +
        (g.bar ? '<svg class="cv-grid cv-barbox" width="124" height="26">' + barSVG(g, 2) + "</svg>" : "")
        : panelSVG(p, pi, { hl: {} }, reveal, s, v)) + "</div>";
  }

  /** The nodes of a drawn panel that a step updates, the markup it was drawn from, its panel
   * and that panel's panelShape. */
  function panelNodes(pnode, html, spec, shape) {
    return { cells: pnode.querySelectorAll("g.cv-cell"), overlay: pnode.querySelector(".cv-overlay"),
      canvas: pnode.querySelector("canvas"), panel: pnode, html: html, spec: spec, shape: shape };
  }

  /* -- a mounted figure: one object, `fig`, that each function below takes
   *   fig = {container, spec, host, uid (prefix of its ids), fromHash (the setting the page
   *          address names, or null), probe (largestRoom's hidden copy), state,
   *          title, controls, key, stage, formula, code, alt, room, tip: its parts, in page order
   *          (room: the blank that keeps the figure's largest height, fitRoom);
   *          inputs: the input of each setting (each with cvSync);
   *          stepWrap, prev, play, next, by, speed, slider, stepOut: the stepper;
   *          tools, link, download, png: the link and download buttons;
   *          reserved: {parts, seen (their largest height together), seenCut (seen before the
   *          sums were written in full, moreTerms), floor (the room kept for the
   *          largest setting, capped: ROOM_CAP), pending (a fit is due on the
   *          next animation frame), room (largestRoom started), run (its latest run), width (the
   *          figure's width they were kept at)} (reserve, fitRoom, refitRoom); hashTimer (writeHash);
   *          resizeTimer (refitRoom);
   *          dragged: a drag just turned the 3D view (its click is no click on a cell);
   *          drawn: {key, frame, rules}: what the key and the rules show (redrawn when it changes)}
   *   state = {sel: option of each setting, step, timer (play), speed (ms per step), frame (the
   *          frame loaded), shown (the frame drawn), shownStep, nodes (panelNodes of each view),
   *          touched (the reader moved it: the address follows), restart, show3d, angle,
   *          stepped, byFrame, byChosen (the step size), sumViews (the view of each sum line:
   *          a view with no sum, a wiring or a permutation, has no line; focusTerm),
   *          fullSums (the reader asked for long sums in full; moreTerms)}
   * The spec and its frames are read, never written: what is worked out from them is kept in
   * `fig`, on the drawn nodes, or in the WeakMap of geometry() and viewMaps(). */

  /** A new figure object for `container` (see above), at the setting its page address names if any
   * (host.probe: the hidden copy largestRoom measures, fig.probe). */
  function newFigure(container, spec, host) {
    counter += 1;
    var fromHash = readHash(spec);
    var state = { sel: fromHash ? fromHash.sel : spec.controls.map(function (c) { return c.default; }),
      step: fromHash && fromHash.step !== null ? fromHash.step : null, timer: null, frame: null, shown: null,
      shownStep: 0, nodes: [], speed: 700, touched: false,
      show3d: !!fromHash && fromHash.view !== null, angle: fromHash && fromHash.view !== null ? fromHash.view : 0 };
    return { container: container, spec: spec, host: host, uid: "cvf" + counter, fromHash: fromHash, state: state,
      inputs: [], hashTimer: null, dragged: false, drawn: {}, probe: !!host.probe };
  }

  /** Empty the container and add the figure's parts in order: title, controls, key, stage, formula, code, text, tooltip. */
  function buildParts(fig) {
    var container = fig.container, spec = fig.spec;
    container.classList.add("cv-root");
    // the notebook output that holds the figure: marked cv-host, and no longer text_html, the
    // class of the theme's rule .text_html:not(:has(table.dataframe)) (a light panel behind HTML
    // outputs in dark mode), which made the browser check that :has() on every node a redraw adds
    // or removes inside it (about 1 ms of a grouped-convolution setting; convviz.css draws the card)
    var host_ = container.closest && container.closest("div.text_html");
    if (host_) { host_.classList.add("cv-host"); host_.classList.remove("text_html"); }
    container.innerHTML = "";
    fig.title = el("figcaption", { "class": "cv-title" }, spec.title);
    fig.controls = el("div", { "class": "cv-controls" });
    fig.key = el("div", { "class": "cv-key", "aria-label": "key" });
    fig.stage = el("div", { "class": "cv-stage" });
    fig.formula = el("div", { "class": "cv-formula", "aria-live": "polite" });
    fig.code = el("pre", { "class": "cv-code" });
    fig.alt = el("p", { "class": "cv-alt" }, spec.description);
    fig.tip = el("div", { "class": "cv-tip", role: "status", hidden: "" });
    // the room the key, grids, sums and code lack of their largest heights, at the figure's end
    fig.room = el("div", { "class": "cv-room", "aria-hidden": "true" });
    [fig.title, fig.controls, fig.key, fig.stage, fig.formula, fig.code, fig.alt, fig.room, fig.tip].forEach(function (e) {
      container.appendChild(e);
    });
    /* the figure never shrinks: a step or a setting does not make the page below jump (and a
     * redraw that keeps the figure's size leaves the rest of the page alone). The parts keep
     * their own heights (the sums stay under the grids); what they lack of the largest heights
     * seen (or measured for the largest setting, largestRoom) is one blank at the figure's end.
     * Measured after the frame is drawn, so no redraw waits for it (reserve) */
    fig.reserved = { parts: [fig.key, fig.stage, fig.formula, fig.code], seen: 0, floor: 0, pending: false };
  }

  /* -- controls: the settings (segmented buttons for a few short options, a slider for many numbers) */

  /** Add one labelled input per setting to the controls bar (fig.inputs, in the spec's order). */
  function buildControls(fig) {
    fig.spec.controls.forEach(function (c, ci) {
      var id = fig.uid + "-" + c.name;
      var wrap = el("label", { "class": "cv-control", "for": id });
      wrap.appendChild(el("span", { "class": "cv-control-label" }, c.label + " "));
      fig.inputs.push(controlInput(fig, c, ci, id, wrap));
      fig.controls.appendChild(wrap);
    });
  }

  /** The input of setting `c` (index ci), added to its label `wrap`: segmented buttons (kind "buttons"),
   * a slider with the chosen option beside it ("range"), else a select; its cvSync shows the chosen option. */
  function controlInput(fig, c, ci, id, wrap) {
    var state = fig.state, input;
    if (c.kind === "buttons") {
      input = segmented(c, ci, id, state, function (i, oi) { choose(fig, i, oi); });
      wrap.appendChild(input);
    } else if (c.kind === "range") {
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
        choose(fig, ci, +input.value);
      });
      /** Show the chosen option of this control (after a link or cvSet). */
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
      input.addEventListener("change", function () { choose(fig, ci, +input.value); });
      /** Show the chosen option of this control (after a link or cvSet). */
      input.cvSync = function () { input.value = state.sel[ci]; };
      wrap.appendChild(input);
    }
    return input;
  }

  /** Set control ci to option oi (a reader's choice) and load that frame. */
  function choose(fig, ci, oi) {
    var state = fig.state;
    state.sel[ci] = oi;
    state.touched = true;
    state.restart = true;
    load(fig);
  }

  /** Fetch the frame of the current setting from the host, then draw it. */
  function load(fig) {
    var state = fig.state;
    var k = state.sel.join(",");
    fig.host.frame(k, function (frame) {
      if (k !== state.sel.join(",")) return;
      var fresh = state.frame !== frame;
      state.frame = frame;
      if (state.step === null || (fresh && state.restart)) state.step = firstInformative(frame);
      state.restart = false;
      drawFrame(fig);
    });
  }

  /* -- stepper: previous, play/pause, next, speed, the step slider */

  /** Add the stepper to the controls bar: previous, play/pause, next, step size, speed, the step slider and its label. */
  function buildStepper(fig) {
    var stepWrap = fig.stepWrap = el("div", { "class": "cv-steps", role: "group", "aria-label": "steps" });
    var prev = fig.prev = el("button", { type: "button", "class": "cv-btn cv-prev", "aria-label": "previous step", title: "previous step (\u2190)" });
    var play = fig.play = el("button", { type: "button", "class": "cv-btn cv-play", "aria-label": "play", title: "play" });
    var next = fig.next = el("button", { type: "button", "class": "cv-btn cv-next", "aria-label": "next step", title: "next step (\u2192)" });
    prev.innerHTML = ICON.prev;
    play.innerHTML = ICON.play;
    next.innerHTML = ICON.next;
    var speed = fig.speed = el("select", { "class": "cv-speed", "aria-label": "speed", title: "speed" });
    [["0.5\u00d7", 1400], ["1\u00d7", 700], ["2\u00d7", 350], ["4\u00d7", 175]].forEach(function (o, i) {
      var opt = el("option", { value: o[1] }, o[0]);
      if (i === 1) opt.selected = true;
      speed.appendChild(opt);
    });
    var by = fig.by = el("select", { "class": "cv-by", "aria-label": "step size", hidden: "",
      title: "how far previous, next and play move (shown when a setting has more than " + LONG + " steps)" });
    [["row", "by row"], ["1", "by cell"], ["10", "by 10"], ["100", "by 100"]].forEach(function (o) {
      by.appendChild(el("option", { value: o[0] }, o[1]));
    });
    var slider = fig.slider = el("input", { type: "range", min: 0, max: 0, value: 0, step: 1, id: fig.uid + "-step",
      "class": "cv-step", "aria-label": "step" });
    var stepOut = fig.stepOut = el("output", { "class": "cv-step-label", "for": fig.uid + "-step" });
    applyMotion(fig);
    if (!fig.probe && motionQuery && motionQuery.addEventListener) motionQuery.addEventListener("change", function () { applyMotion(fig); });
    var buttons = el("span", { "class": "cv-btn-set" });
    [prev, play, next].forEach(function (e) { buttons.appendChild(e); });
    [buttons, by, speed, slider, stepOut].forEach(function (e) { stepWrap.appendChild(e); });
    fig.controls.appendChild(stepWrap);
  }

  /** Play is off while the system asks for reduced motion (and a running play stops); on again when it no longer does. */
  function applyMotion(fig) {
    var play = fig.play;
    play.disabled = reduced();
    if (play.disabled && fig.state.timer) stop(fig);
    play.title = play.disabled ? "animation is off (your system asks for reduced motion): use the step buttons" :
      fig.state.timer ? "pause" : "play";
  }

  /** The stepper's buttons, slider and keys: play/pause, speed, previous/next, the slider, ←/→ anywhere in the figure. */
  function wireStepper(fig) {
    var state = fig.state, play = fig.play, speed = fig.speed, slider = fig.slider;
    play.addEventListener("click", function () {
      if (state.timer) return stop(fig);
      start(fig);
    });
    speed.addEventListener("change", function () {
      state.speed = +speed.value;
      if (state.timer) { stop(fig); start(fig); }
    });
    fig.prev.addEventListener("click", function () { stop(fig); go(fig, stepFrom(fig, state.step, -1)); });
    fig.next.addEventListener("click", function () { stop(fig); go(fig, stepFrom(fig, state.step, 1)); });
    fig.by.addEventListener("change", function () { state.byChosen = true; });
    slider.addEventListener("input", function () { stop(fig); go(fig, +slider.value); });
    // a key on the slider stops play (and autoplay) even when it leaves the value as it was
    slider.addEventListener("keydown", function () { stop(fig); });
    fig.container.addEventListener("keydown", function (e) {
      if (e.target.tagName === "INPUT" || e.target.tagName === "SELECT") return;
      if (e.key === "ArrowRight") { stop(fig); go(fig, stepFrom(fig, state.step, 1)); e.preventDefault(); }
      if (e.key === "ArrowLeft") { stop(fig); go(fig, stepFrom(fig, state.step, -1)); e.preventDefault(); }
    });
  }

  /** Steps of the frame on screen: the most of any of its views (at least 1). */
  function nsteps(fig) {
    var f = fig.state.frame;
    if (!f) return 1;
    return Math.max(1, Math.max.apply(null, f.views.map(function (v) { return v.steps.length; })));
  }

  /** Move to step s (clamped to the frame's steps) and draw. */
  function go(fig, s) {
    var state = fig.state;
    state.step = Math.max(0, Math.min(nsteps(fig) - 1, s));
    state.touched = true;
    drawFrame(fig);
  }

  /** A frame of one step (or none: a permutation) has nothing to step through: its step
   * controls go. Until the figure has shown a frame with steps they take no room; after
   * that they keep their room (hidden, not removed), so a setting does not make the
   * controls bar jump. */
  function stepControls(fig, n) {
    var state = fig.state, stepWrap = fig.stepWrap;
    var one = n <= 1;
    if (!one) state.stepped = true;
    if (one && state.timer) stop(fig);
    stepWrap.hidden = one && !state.stepped;
    stepWrap.classList.toggle("cv-steps-idle", one && !!state.stepped);
    fig.container.classList.toggle("cv-one-step", one);
  }

  /** Show the step-size choice for a frame of more than LONG steps ("by row" first, when its
   * steps cover more than one row), and hide it for short frames, which step cell by cell. */
  function stepSizes(fig, f, n) {
    var state = fig.state, by = fig.by;
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
  function stepFrom(fig, s, dir) {
    var by = fig.by;
    var f = fig.state.frame, n = nsteps(fig);
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

  /** Stop playing (the play button shows play again). */
  function stop(fig) {
    var state = fig.state, play = fig.play;
    if (state.timer) clearInterval(state.timer);
    state.timer = null;
    play.innerHTML = ICON.play;
    play.setAttribute("aria-label", "play");
    play.title = "play";
  }

  /** Play: step forward at the chosen speed until the last step. */
  function start(fig) {
    var state = fig.state, play = fig.play;
    if (state.step >= nsteps(fig) - 1) go(fig, 0);
    play.innerHTML = ICON.pause;
    play.setAttribute("aria-label", "pause");
    play.title = "pause";
    state.timer = setInterval(function () {
      if (state.step >= nsteps(fig) - 1) return stop(fig);
      go(fig, stepFrom(fig, state.step, 1));
    }, state.speed);
  }

  /* -- autoplay (Figure(autoplay=True), e.g. the front page's figure): the figure steps by
   * itself in a loop from load, its play button showing "pause"; not when the system asks for
   * reduced motion nor when the address names a step. Pause, the step buttons, the slider and
   * the keys call stop(), which ends it for good; the address is never rewritten by it. */

  /** Start the autoplay loop of a figure that asks for it (see above). */
  function autoplay(fig) {
    var state = fig.state, play = fig.play;
    if (!(fig.spec.autoplay && !reduced() && !fig.fromHash)) return;
    var held = 0;
    play.innerHTML = ICON.pause;
    play.setAttribute("aria-label", "pause");
    play.title = "pause";
    fig.container.setAttribute("data-autoplay", "");
    state.timer = setInterval(function () {
      if (!state.frame) return;
      if (state.step < nsteps(fig) - 1) state.step += 1;
      else if (++held > 2) { held = 0; state.step = 0; }  // rest on the last step, then again
      else return;
      drawFrame(fig);
    }, state.speed);
  }

  /* -- drawing a step. A new frame is built whole; a new step of the frame on screen only
   * redraws the highlight layers and the cells revealed in between (O(terms), not O(cells)). */

  /** Draw the current step of the frame loaded: the stepper, the frame's markup if it is new
   * (drawNewFrame), the step's highlights (drawStep), the sums and rules (drawFormula). */
  function drawFrame(fig) {
    var state = fig.state, container = fig.container, slider = fig.slider;
    var f = state.frame;
    if (!f) return;
    var t0 = performance.now();
    var n = nsteps(fig);
    if (state.step >= n) state.step = n - 1;
    slider.max = n - 1;
    slider.value = state.step;
    fig.stepOut.textContent = "step " + (state.step + 1) + " of " + n;
    stepControls(fig, n);
    if (state.byFrame !== f) stepSizes(fig, f, n);
    if (state.shown !== f) drawNewFrame(fig, f);
    var lines = drawStep(fig, f);
    drawFormula(fig, f, lines);
    container.setAttribute("data-step", state.step);
    container.setAttribute("data-key", state.sel.join(","));
    if (state.touched) writeHash(fig);
    reserve(fig);
    container.cvRenderMs = performance.now() - t0;
  }

  /** A new frame: markup per view head and per panel (base layer only). A view on screen is
   * kept and brought to the new markup: its head (title, 3D buttons) is rewritten if it
   * changed, and only the panels whose markup differs are replaced (an input grid that a
   * setting does not change stays as it is, even when panels come or go around it). */
  function drawNewFrame(fig, f) {
    var state = fig.state, stage = fig.stage, key = fig.key, code = fig.code;
    var pair = pairs(f);  // views to compare sit side by side (cv-pair)
    var views = f.views.map(function (v, vi) {
      var s = Math.min(state.step, v.steps.length - 1), reveal = viewMaps(v).reveal;
      return { head: viewHead(fig, v), rest: viewHead(fig, { volumes: v.volumes, title: "" }),
        text: v.title + (v.volumes ? " " : ""), breaks: v.breaks || [], specs: v.panels, reveal: reveal, step: s,
        names: v.panels.map(function (p) { return p.name; }), shapes: v.panels.map(panelShape),
        panels: v.panels.map(function (p, pi) { return panelHTML(p, pi, reveal, s, v); }) };
    });
    state.nodes.slice(views.length).forEach(function (list) { list.view.remove(); });
    state.nodes = views.map(function (vw, vi) {
      var list = state.nodes[vi];
      if (!list) {
        stage.insertAdjacentHTML("beforeend", '<div class="cv-view' + (pair[vi] ? " cv-pair" : "") + '" data-view="' + vi + '">' + vw.head +
          '<div class="cv-panels"></div></div>');
        list = [];
        list.view = stage.lastChild;
        list.head = vw.head;
        list.rest = vw.rest;
        list.box3d = list.view.querySelector(".cv-3d-box");
      } else if (list.head !== vw.head && list.rest === vw.rest && vw.text.trim() && (list.view.firstChild.firstChild || {}).nodeType === 3) {  // an empty title has no text node
        list.view.firstChild.firstChild.data = vw.text;  // only the title changed: its text node, as viewHead writes it
        list.head = vw.head;
      } else if (list.head !== vw.head) {
        while (list.view.firstChild && !list.view.firstChild.classList.contains("cv-panels")) list.view.firstChild.remove();
        list.view.insertAdjacentHTML("afterbegin", vw.head);
        list.head = vw.head;
        list.rest = vw.rest;
        list.box3d = list.view.querySelector(".cv-3d-box");
      }
      list.view.classList.toggle("cv-pair", !!pair[vi]);
      if (vw.breaks.length) list.view.setAttribute("data-breaks", vw.breaks.join(","));
      else list.view.removeAttribute("data-breaks");
      var panels = syncPanels(list.view.lastChild, list, vw);
      panels.view = list.view;
      panels.head = list.head;
      panels.rest = list.rest;
      panels.box3d = list.box3d;
      panels.lit = list.lit;
      return panels;
    });
    f.views.forEach(function (v, vi) {  // the highlight layers of the SVG grids
      var s = Math.min(state.step, v.steps.length - 1), info = stepInfo(v, s), reveal = viewMaps(v).reveal;
      v.panels.forEach(function (p, pi) {
        var n = state.nodes[vi][pi];
        if (n.overlay) patchOverlay(n.overlay, overlayItems(p, pi, info, geometry(p), reveal, s, v));
      });
    });
    fig.png.hidden = !stage.querySelector("canvas");
    var keyMarkup = keyHTML(f);  // the key and code often stay from one setting to the next
    if (fig.drawn.key !== keyMarkup) { key.innerHTML = keyMarkup; fig.drawn.key = keyMarkup; }
    if (code.textContent !== (f.code || "")) code.textContent = f.code || "";
    state.shown = f;
    state.shownStep = -1;
  }

  /** Bring each view of the frame drawn from the step shown to the current one: the cells
   * revealed or hidden in between, the highlights of the panels lit at either step (canvases
   * and plugins redraw), the 3D boxes; returns the step's sums, one token line per view that
   * has a sum (state.sumViews: the view of each line). */
  function drawStep(fig, f) {
    var state = fig.state, container = fig.container;
    var lines = [];
    state.sumViews = [];
    var pal = null, drawn = [];  // drawn panels: drawn last, after every grid is in place (drawPlugins)
    f.views.forEach(function (v, vi) {
      var a = Math.min(state.shownStep, v.steps.length - 1), b = Math.min(state.step, v.steps.length - 1);
      var info = stepInfo(v, b), reveal = viewMaps(v).reveal;
      if (state.shownStep >= 0) {  // cells revealed or hidden between the two steps
        var lo = Math.min(a, b), hi = Math.max(a, b);
        Object.keys(reveal).forEach(function (k) {
          if (!(reveal[k] > lo && reveal[k] <= hi)) return;
          var pi = +k.split(":")[0], cell = +k.split(":")[1], p = v.panels[pi], g = geometry(p);
          if (g.canvas) return;
          state.nodes[vi][pi].html = null;  // no longer the markup it was drawn from: never kept
          patchCell(state.nodes[vi][pi].cells[cell], p, pi, cell, g, reveal, b);
        });
      }
      // only the panels highlighted at the old or the new step change
      var was = state.nodes[vi].lit || {}, now = {};
      v.panels.forEach(function (p, pi) {
        var node = state.nodes[vi][pi], g = geometry(p), lit = !!info.hl[pi];
        if (lit) now[pi] = true;
        if (plugin(p)) {
          drawn.push([node.panel, p, v]);
        } else if (g.canvas) {
          if (!lit && !was[pi] && state.shownStep >= 0 && !p.progressive) return;
          pal = pal || themePalette(container);
          drawCanvas(node.canvas, p, pi, info, reveal, b, pal, v);
        } else if (state.shownStep >= 0 && (lit || was[pi])) {
          patchOverlay(node.overlay, overlayItems(p, pi, info, g, reveal, b, v));
        }
      });
      state.nodes[vi].lit = now;
      var box = state.nodes[vi].box3d;
      if (box && state.show3d) volumeDraw(box, v, info, reveal, b, state.angle);
      var line = sumTokens(v, info, state.fullSums);
      if (!line.length) return;
      lines.push((f.views.length > 1 ? [["cv-sum-view", null, v.title + ":"], " "] : []).concat(line));
      state.sumViews.push(vi);
    });
    drawPlugins(fig, drawn);
    state.shownStep = state.step;
    return lines;
  }

  /** Draw the drawn panels (`drawn`: [panel node, panel, view] each) at the current step: first
   * what each reads of the page's layout (a plugin's measure), then every drawing, so that the
   * browser lays the page out once for all of them rather than once per panel. */
  function drawPlugins(fig, drawn) {
    drawn.forEach(function (d) { if (plugin(d[1]).measure) plugin(d[1]).measure(d[0], d[1], d[2]); });
    drawn.forEach(function (d) { plugin(d[1]).draw(d[0], d[1], d[2], fig.state.step, fig.container); });
  }

  /** The formula box: the frame's rules (redrawn when the setting changes them) and the step's
   * sums `lines` (patched in place, patchSums), each sum one tab stop (rovingTerms); a term that
   * had the keyboard focus keeps it (or its line's tab stop takes it) and its cells stay outlined. */
  function drawFormula(fig, f, lines) {
    var formula = fig.formula, drawn = fig.drawn;
    if (drawn.frame !== f) {  // the rules change with the setting, the sums with the step
      drawn.frame = f;
      var rules = (f.formula || []).map(function (l) { return '<div class="cv-rule">' + esc(keepEquals(keepIndices(l))) + "</div>"; }).join("");
      if (!formula.firstChild) formula.innerHTML = '<div class="cv-sums"></div><div class="cv-rules"></div>';
      if (drawn.rules !== rules) { formula.lastChild.innerHTML = rules; drawn.rules = rules; }
    }
    var had = termWithFocus(fig), li = had ? Array.prototype.indexOf.call(formula.firstChild.childNodes, had.parentNode) : -1;
    patchSums(formula.firstChild, lines);
    rovingTerms(fig);
    if (li < 0) return;
    var t = termWithFocus(fig), line = formula.firstChild.childNodes[li];
    if (!t && line && line.querySelector('[tabindex="0"]')) line.querySelector('[tabindex="0"]').focus({ preventScroll: true });
    focusTerm(fig, termWithFocus(fig));
  }

  /** The head of a view: its title (with the 3D buttons of a view with volumes) and its 3D box. */
  function viewHead(fig, v) {
    var state = fig.state;
    return '<div class="cv-view-title">' + esc(v.title) +
      (v.volumes ? ' <button type="button" class="cv-btn cv-3d-toggle" aria-pressed="' + state.show3d +
        '" title="draw the volumes in 3D">3D</button><button type="button" class="cv-btn cv-3d-turn"' +
        (state.show3d ? "" : " hidden") + ' title="turn the 3D view (or drag it sideways)">turn \u21bb</button>' : "") +
      "</div>" + (v.volumes ? '<div class="cv-3d-box"' + (state.show3d ? "" : " hidden") + "></div>" : "");
  }

  /** Once a frame is drawn, widen pairs and keep the parts' largest heights (next animation frame). */
  function reserve(fig) {
    var reserved = fig.reserved;
    if (fig.probe || reserved.pending || typeof requestAnimationFrame === "undefined") return;
    if (!reserved.room) {  // and, once per width, the room of the largest setting (largestRoom, idle time)
      reserved.room = true;
      var run = reserved.run = (reserved.run || 0) + 1;
      if (reserved.width === undefined) reserved.width = fig.container.clientWidth;
      largestRoom(fig.container, fig.spec, function (tallest, bar) {
        // the largest setting's room, but never more than ROOM_CAP of a screen of blank now
        var now = partsHeight(fig), cap = Math.round(ROOM_CAP * (typeof innerHeight === "number" ? innerHeight : 900));
        reserved.floor = Math.max(reserved.floor, Math.min(tallest, now + cap));
        fig.container.setAttribute("data-cv-room-cap", cap);
        fitRoom(fig);
        if (bar > 0) { fig.controls.style.boxSizing = "border-box"; fig.controls.style.minHeight = Math.max(bar, fig.controls.offsetHeight) + "px"; }
      }, function () { return reserved.run !== run; });
    }
    reserved.pending = true;
    requestAnimationFrame(function () {
      reserved.pending = false;
      widen(fig);
      fitRoom(fig);
    });
  }

  /** The most blank a figure keeps for settings not yet shown, as a fraction of the screen's
   * height: a figure whose largest setting is far taller than its default (ch7's three-layer
   * stack) grows when that setting is chosen rather than open on screens of empty box. */
  var ROOM_CAP = 0.35;

  /** The height of the parts that change with a setting: key, grids, sums and code (px). */
  function partsHeight(fig) {
    return fig.reserved.parts.reduce(function (sum, e) { return sum + e.offsetHeight; }, 0);
  }

  /** Size the blank at the figure's end so the parts and the blank keep the largest height seen
   * (the figure never shrinks) and the room reserved for the largest setting (floor). */
  function fitRoom(fig) {
    var reserved = fig.reserved, now = partsHeight(fig);
    reserved.seen = Math.max(reserved.seen, now);
    fig.room.style.height = Math.max(reserved.seen, reserved.floor) - now + "px";
  }

  /** The window took another width (resized, a phone turned) and so did the figure: the heights
   * kept at the old width are not this one's, so they start again from the parts' own and the
   * largest setting is measured anew (a run still measuring at the old width stops). */
  function refitRoom(fig) {
    var reserved = fig.reserved, width = fig.container.clientWidth;
    if (!fig.container.isConnected || width === reserved.width) return;
    reserved.width = width;
    reserved.seen = 0;
    if (reserved.seenCut !== undefined) reserved.seenCut = 0;  // sums in full: none seen cut at this width
    reserved.floor = 0;
    reserved.room = false;
    fig.controls.style.minHeight = "";
    fig.stage.querySelectorAll("svg.cv-aligned").forEach(function (a) { a.cvMeasured = null; });  // measured at the old width
    reserve(fig);
  }

  /** Views meant to be compared (cv-pair) that do not fit side by side in the text column
   * but fit in the room of the page's contents column take that room (cv-wide, on screens
   * of 1200 px and more, where the theme draws that column), and the page's contents move
   * into the header's contents button (cv-wide-page on <html>; convviz.css): nothing is
   * drawn under the figure. Where even that room is too small, or on narrower screens, the
   * views stack. Never undone, so a later setting does not make the page jump. */
  function widen(fig) {
    var container = fig.container, stage = fig.stage;
    if (container.classList.contains("cv-wide")) return;
    if (typeof matchMedia === "undefined" || !matchMedia("(min-width: 1200px)").matches) return;
    var views = stage.querySelectorAll(".cv-view.cv-pair");
    if (views.length < 2) return;
    var need = (parseFloat(getComputedStyle(stage).columnGap) || 0) * (views.length - 1);
    Array.prototype.forEach.call(views, function (v) {
      need += Math.max.apply(null, [0].concat(Array.prototype.map.call(v.querySelectorAll(".cv-panel > :not(.cv-panel-label)"), function (p) {
        return p.getBoundingClientRect().width;  // a panel's drawing: its label wraps to it
      })));
    });
    var extra = parseFloat(getComputedStyle(container).getPropertyValue("--cv-wide-extra")) *
      (parseFloat(getComputedStyle(document.documentElement).fontSize) || 16);
    if (need <= stage.clientWidth + 1 || !(need <= stage.clientWidth + extra)) return;
    container.classList.add("cv-wide");
    wideContents();
  }

  /* -- pointer: hover a cell for its value and index, click an output cell to step to it */

  /** The cell under a pointer event, {vi, pi, cell, v, p}, in a grid or in the 3D view (or null). */
  function cellAt(fig, e) {
    var state = fig.state;
    var q = e.target.closest && e.target.closest(".cv-3d [data-k]");
    if (q && state.frame) {  // a cell of the 3D view is the slice view's cell
      var qv = state.frame.views[+q.closest(".cv-view").getAttribute("data-view")], k = q.getAttribute("data-k").split(":");
      return { vi: +q.closest(".cv-view").getAttribute("data-view"), pi: +k[0], cell: +k[1], v: qv, p: qv.panels[+k[0]] };
    }
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
  function showTip(fig, e) {
    var state = fig.state, tip = fig.tip;
    var hit = cellAt(fig, e);
    if (!hit) { tip.hidden = true; return; }
    var g = geometry(hit.p), mark = g.marks[hit.cell];
    var hidden = isHidden(hit.p, hit.pi, hit.cell, viewMaps(hit.v).reveal, Math.min(state.step, hit.v.steps.length - 1));
    var s = viewMaps(hit.v).target[hit.pi + ":" + hit.cell];
    tip.textContent = cellName(hit.p.index ? hit.p : { index: true, name: hit.p.name, cols: hit.p.cols, oneD: hit.p.oneD,
      origin: hit.p.origin }, hit.cell) + " = " + (hidden ? "? (not computed yet)" : fmt(hit.p.values[hit.cell])) +
      (mark ? " \u00b7 " + ((state.frame.legend || {})[mark] || MARK_TEXT[mark]) : "") +
      (s !== undefined ? " \u00b7 click: step " + (s + 1) : "");
    var box = fig.container.getBoundingClientRect();
    tip.style.left = "0px";  // measured at the left edge, where it has the figure's width to wrap in
    tip.hidden = false;
    tip.style.left = Math.max(0, Math.min(e.clientX - box.left + 12, box.width - tip.offsetWidth)) + "px";
    tip.style.top = (e.clientY - box.top + 14) + "px";
  }

  /** The pointer on the grids: the tooltip follows it, a click on a cell steps to the step that computes it. */
  function wirePointer(fig) {
    var stage = fig.stage, tip = fig.tip;
    stage.addEventListener("pointermove", function (e) { showTip(fig, e); });
    stage.addEventListener("pointerleave", function () { tip.hidden = true; });
    stage.addEventListener("click", function (e) {
      var hit = cellAt(fig, e);
      if (!hit || fig.dragged) return;  // a drag that turned the 3D view is not a click on a cell
      var s = viewMaps(hit.v).target[hit.pi + ":" + hit.cell];
      if (s !== undefined) { stop(fig); go(fig, s); }
      showTip(fig, e);
    });
  }

  /* -- the sums: each term (.cv-term[data-t]) outlines its cells while the pointer or the
   * keyboard focus is on it. Each sum line is one tab stop (a roving tabindex: the one term of
   * the line with tabindex 0); ←/→ (Home/End) move the focus between its terms and do not
   * step the figure, Escape leaves the line. */

  /** The term of this figure's sums that has the keyboard focus, or null. */
  function termWithFocus(fig) {
    var a = typeof document !== "undefined" ? document.activeElement : null;
    return a && a.classList && a.classList.contains("cv-term") && a.hasAttribute("data-t") &&
      fig.formula.contains(a) ? a : null;
  }

  /** Give each sum line exactly one tab stop: the term that has it still (the patch kept it), else its first term. */
  function rovingTerms(fig) {
    Array.prototype.forEach.call(fig.formula.firstChild.childNodes, function (line) {
      var stop = line.querySelector('[tabindex="0"]');
      if (stop && stop.matches(".cv-term[data-t]")) return;
      if (stop) stop.removeAttribute("tabindex");
      var first = line.querySelector(".cv-term[data-t]");
      if (first) first.tabIndex = 0;
    });
  }

  /** Move the one tab stop of sum line `line` to its term `to` (the caller focuses it). */
  function moveStop(line, to) {
    var stop = line.querySelector('[tabindex="0"]');
    if (stop) stop.removeAttribute("tabindex");
    to.tabIndex = 0;
  }

  /** A key on a term: ←/→ move the focus (and the line's tab stop) to the previous or next term,
   * Home/End to the first or last; Escape leaves the line (its cells are no longer outlined).
   * On a long sum's "… more terms …" or FEWER button, ←/→ go to the term before or after it
   * (not the figure's step, as elsewhere in the figure: the reader is in the sum). */
  function termKey(fig, e) {
    var cut = e.target.closest && e.target.closest(".cv-more, .cv-fewer");
    if (cut && (e.key === "ArrowLeft" || e.key === "ArrowRight")) {
      e.preventDefault();
      e.stopPropagation();
      var all = cut.parentNode.querySelectorAll(".cv-term[data-t]"), k = -1;
      for (var i = 0; i < all.length; i++) if (cut.compareDocumentPosition(all[i]) & Node.DOCUMENT_POSITION_PRECEDING) k = i;
      var to = all[e.key === "ArrowRight" ? k + 1 : k];
      if (!to) return;
      moveStop(cut.parentNode, to);
      to.focus();
      return;
    }
    var t = e.target.closest && e.target.closest(".cv-term[data-t]");
    if (!t) return;
    if (e.key === "Escape") {
      t.blur();
      focusTerm(fig, null);
      e.preventDefault();
      return;
    }
    var terms = t.parentNode.querySelectorAll(".cv-term[data-t]"), i = Array.prototype.indexOf.call(terms, t);
    var j = e.key === "ArrowRight" ? i + 1 : e.key === "ArrowLeft" ? i - 1 : e.key === "Home" ? 0 : e.key === "End" ? terms.length - 1 : null;
    if (j === null) return;
    e.preventDefault();
    e.stopPropagation();  // the figure's own ←/→ step it: on a term they move between terms
    j = Math.max(0, Math.min(terms.length - 1, j));
    if (j === i) return;
    moveStop(t.parentNode, terms[j]);
    terms[j].focus();
  }

  /** Outline the cells of term `t` (a .cv-term[data-t] of a sum; none: clear the outlines):
   * the highlights of the slice view and of the 3D view (.cv-focus; the 3D view's other rings
   * fade, .cv-dim), and those painted on a canvas grid (focusCanvases). */
  function focusTerm(fig, t) {
    var stage = fig.stage, formula = fig.formula;
    stage.querySelectorAll(".cv-focus, .cv-dim").forEach(function (n) { n.classList.remove("cv-focus", "cv-dim"); });
    var view = t && t.closest(".cv-sum"), li = view ? Array.prototype.indexOf.call(formula.querySelectorAll(".cv-sum"), view) : -1;
    var vi = li >= 0 && fig.state.sumViews ? fig.state.sumViews[li] : -1;  // a view with no sum has no line
    var vnode = vi >= 0 ? stage.querySelector('.cv-view[data-view="' + vi + '"]') : null;
    focusCanvases(fig, vnode ? vi : -1, vnode ? t.getAttribute("data-t") : null);
    if (!vnode) return;
    vnode.querySelectorAll(".cv-hl").forEach(function (n) {
      if ((" " + n.getAttribute("data-t") + " ").indexOf(" " + t.getAttribute("data-t") + " ") >= 0) n.classList.add("cv-focus");
    });
    // in 3D every kernel cell is ringed already: the rings of the other terms fade (cv-dim)
    vnode.querySelectorAll(".cv-3d-rings").forEach(function (r) { if (r.querySelector(".cv-focus")) r.classList.add("cv-dim"); });
  }

  /** Repaint the canvas grids whose focused term changes: those of view `vi` with term `focus`
   * outlined wider, every other one that still shows a focus without it (and then the drawn
   * panels of that view, as drawStep does: a footprint paints on its input's canvas). */
  function focusCanvases(fig, vi, focus) {
    var state = fig.state, f = state.shown, pal = null;
    if (!f) return;
    f.views.forEach(function (v, i) {
      var nodes = state.nodes[i], b = Math.min(state.step, v.steps.length - 1), info = null;
      if (!nodes) return;
      v.panels.forEach(function (p, pi) {
        var canvas = nodes[pi] && nodes[pi].canvas, want = i === vi ? focus : null;
        if (!canvas || (canvas.cvFocus || null) === want) return;
        info = info || stepInfo(v, b);
        pal = pal || themePalette(fig.container);
        drawCanvas(canvas, p, pi, info, viewMaps(v).reveal, b, pal, v, want);
      });
      if (!info) return;
      drawPlugins(fig, v.panels.map(function (p, pi) { return [nodes[pi].panel, p, v]; }).filter(function (d) { return plugin(d[1]); }));
    });
  }

  /** Hovering a term of the sum, or focusing it from the keyboard, outlines its cells; keys move between terms (termKey). */
  function wireTerms(fig) {
    var formula = fig.formula;
    formula.addEventListener("pointerover", function (e) {
      focusTerm(fig, e.target.closest && e.target.closest(".cv-term[data-t]"));
    });
    formula.addEventListener("focusin", function (e) {
      var t = e.target.closest && e.target.closest(".cv-term[data-t]");
      if (!t) return;
      // from the keyboard, the reader reads the sum: play (and autoplay) would change it under them
      if (!t.matches || t.matches(":focus-visible")) stop(fig);
      focusTerm(fig, t);
    });
    formula.addEventListener("focusout", function (e) {
      var to = e.relatedTarget;
      if (!(to && formula.contains(to) && to.matches(".cv-term[data-t]"))) focusTerm(fig, null);
    });
    formula.addEventListener("keydown", function (e) { termKey(fig, e); });
    formula.addEventListener("click", function (e) { moreTerms(fig, e); });
  }

  /** A press on "… N more terms …" writes every term of the long sums (until the reader presses
   * FEWER), at every step and setting. The focus goes where the reader reads on: to the first
   * term it wrote (in the half of the line pressed, names or numbers; that term becomes the
   * line's tab stop, and FEWER is the next one), and from FEWER to the nearest "… more terms …";
   * either is scrolled to the middle of the screen if it is off it. FEWER also gives back the
   * blank below the figure that the sums in full made it keep (reserved.seen, fitRoom). */
  function moreTerms(fig, e) {
    var b = e.target.closest && e.target.closest(".cv-more, .cv-fewer");
    if (!b) return;
    var lines = fig.formula.querySelectorAll(".cv-sum"), line = b.closest(".cv-sum");
    var li = Array.prototype.indexOf.call(lines, line), more = b.classList.contains("cv-more");
    var half = Array.prototype.indexOf.call(line.querySelectorAll(".cv-more"), b), reserved = fig.reserved;
    if (more && !fig.state.fullSums) reserved.seenCut = reserved.seen;
    if (!more && reserved.seenCut !== undefined) { reserved.seen = reserved.seenCut; reserved.seenCut = undefined; }
    fig.state.fullSums = more;
    drawFrame(fig);
    var now = fig.formula.querySelectorAll(".cv-sum")[li], to = null;
    if (now && more) {
      to = now.querySelectorAll('.cv-term[data-t="' + SUM_HEAD + '"]')[Math.max(half, 0)];
      if (to) moveStop(now, to);
    } else if (now) {
      var cuts = now.querySelectorAll(".cv-more");
      to = cuts[cuts.length - 1];  // the numbers' cut: FEWER ends the numbers
    }
    if (!to) return;
    to.focus({ preventScroll: true });
    var box = to.getBoundingClientRect();  // off screen (the sum grew or shrank around it): to the middle
    if (box.top < 0 || box.bottom > innerHeight) to.scrollIntoView({ block: "center" });
  }

  /* -- the 3D view: show or hide it, turn it to the next fixed angle (the turn button, from
   * the keyboard too, or a horizontal drag on the picture); only the 3D boxes redraw */

  /** Draw the 3D boxes of the frame on screen at the current step and angle (a term with the
   * keyboard focus keeps its cells outlined in the new drawing). */
  function draw3d(fig) {
    var state = fig.state;
    if (!state.frame || state.shown !== state.frame || !state.show3d) return;
    state.frame.views.forEach(function (v, vi) {
      var box = state.nodes[vi] && state.nodes[vi].box3d, b = Math.min(state.step, v.steps.length - 1);
      if (box) volumeDraw(box, v, stepInfo(v, b), viewMaps(v).reveal, b, state.angle);
    });
    if (termWithFocus(fig)) focusTerm(fig, termWithFocus(fig));
  }

  /** Turn the 3D view by `by` fixed angles (negative: back). */
  function turn(fig, by) {
    var state = fig.state;
    state.angle = (state.angle + by + ANGLES.length) % ANGLES.length;
    draw3d(fig);
    state.touched = true;  // the address names the angle
    writeHash(fig);
  }

  /** Open or close the 3D view of every view with volumes (its buttons and boxes follow). */
  function show3d(fig, on) {
    var stage = fig.stage;
    fig.state.show3d = on;
    stage.querySelectorAll(".cv-3d-toggle").forEach(function (t) { t.setAttribute("aria-pressed", on); });
    stage.querySelectorAll(".cv-3d-turn").forEach(function (t) { t.hidden = !on; });
    stage.querySelectorAll(".cv-3d-box").forEach(function (t) {
      t.hidden = !on;
      if (!on) { t.innerHTML = ""; t.cvView = null; }
    });
    draw3d(fig);
  }

  /** The 3D buttons (open or close, turn) and a sideways drag on the 3D picture (turn). */
  function wire3d(fig) {
    var state = fig.state, stage = fig.stage;
    stage.addEventListener("click", function (e) {
      var b = e.target.closest && e.target.closest(".cv-3d-toggle, .cv-3d-turn");
      if (!b) return;
      if (b.classList.contains("cv-3d-turn")) return turn(fig, 1);
      show3d(fig, !state.show3d);
      state.touched = true;  // the address says whether the 3D view is open
      writeHash(fig);
    });
    stage.addEventListener("pointerdown", function (e) {
      if (!(e.target.closest && e.target.closest(".cv-3d-box"))) return;
      var x0 = e.clientX, y0 = e.clientY;
      /** The end of the drag, wherever it ends; a cancelled one (the page scrolled) turns nothing. */
      var end = function (u) {
        document.removeEventListener("pointerup", end);
        document.removeEventListener("pointercancel", end);
        var dx = u.clientX - x0;
        if (u.type !== "pointerup" || Math.abs(dx) < 30 || Math.abs(dx) <= Math.abs(u.clientY - y0)) return;
        fig.dragged = true;
        setTimeout(function () { fig.dragged = false; }, 0);
        turn(fig, dx > 0 ? 1 : -1);
      };
      document.addEventListener("pointerup", end);
      document.addEventListener("pointercancel", end);
    });
  }

  /* -- links and export */

  /** Add the tools beside the title (the sticky bar keeps to stepping): link, SVG, PNG. */
  function buildTools(fig) {
    var tools = fig.tools = el("div", { "class": "cv-tools" });
    fig.link = el("button", { type: "button", "class": "cv-btn cv-link", title: "copy a link to this setting" }, "link");
    fig.download = el("button", { type: "button", "class": "cv-btn cv-download", title: "download this picture (SVG)" }, "SVG");
    fig.png = el("button", { type: "button", "class": "cv-btn cv-download-png", hidden: "",
      title: "download this picture (PNG): shown when the frame draws a canvas" }, "PNG");
    tools.appendChild(fig.link);
    tools.appendChild(fig.download);
    tools.appendChild(fig.png);
    fig.container.insertBefore(tools, fig.controls);  // beside the title: the sticky bar keeps to stepping
  }

  /** Keep the address on the current setting, replacing (never adding) a history entry. */
  function writeHash(fig) {
    if (typeof history === "undefined" || !history.replaceState) return;
    clearTimeout(fig.hashTimer);
    fig.hashTimer = setTimeout(function () {
      try { history.replaceState(history.state, "", currentHash(fig)); } catch (e) { /* file: */ }
    }, 200);
  }

  /** The address fragment of what is on screen: the setting, the step and the 3D angle. */
  function currentHash(fig) {
    var state = fig.state;
    return hashOf(fig.spec, state.sel, state.step, state.show3d ? state.angle : null);
  }

  /** The file name of a download of what is on screen, its setting named as the address names it
   * (hashOf): ID-controlOption_...-stepN.ext, e.g. shuffle-connectivity-groups4-step10.png. */
  function downloadName(fig, ext) {
    var sel = fig.state.sel, parts = fig.spec.controls.map(function (c, ci) {
      return (c.name + String(c.options[sel[ci]])).replace(/[^\w.-]+/g, "-");
    });
    return fig.spec.id + (parts.length ? "-" + parts.join("_") : "") + "-step" + (fig.state.step + 1) + "." + ext;
  }

  /** Copy `text` by selecting it in a hidden text field (where there is no clipboard API: an
   * http address other than localhost); true if the browser says it copied. */
  function copyBySelection(text) {
    var area = el("textarea", { readonly: "", "aria-hidden": "true", style: "position:fixed;top:0;left:-9999px;opacity:0" });
    area.value = text;
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = !!document.execCommand("copy"); } catch (e) { ok = false; }
    area.remove();
    return ok;
  }

  /** The link button: the address of this setting, copied to the clipboard (and put in data-link
   * and the address bar); the button says "copied" only when it was. */
  function copyLink(fig) {
    var link = fig.link;
    var url = location.href.split("#")[0] + currentHash(fig);
    try { history.replaceState(history.state, "", currentHash(fig)); } catch (e) { /* file: */ }
    fig.container.setAttribute("data-link", url);
    /** Say what became of the link, for a moment. */
    var say = function (text) { link.textContent = text; setTimeout(function () { link.textContent = "link"; }, 1500); };
    /** No clipboard API, or it refused: select and copy, else point to the address bar. */
    var fallback = function () { say(copyBySelection(url) ? "copied" : "in the address bar"); };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(url).then(function () { say("copied"); }, fallback);
    } else fallback();
  }

  /** Save `blob` as the file `name` (a click on a temporary link); its address is released
   * once the browser has taken the file. */
  function saveBlob(blob, name) {
    var url = URL.createObjectURL(blob), a = el("a", { href: url, download: name });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  /** The SVG button: the figure as drawn (exportSVG) saved as a file (and kept in cvLastExport). */
  function downloadSVG(fig) {
    var container = fig.container;
    var svg = exportSVG(container, fig.spec.title);
    container.cvLastExport = svg;
    saveBlob(new Blob([svg], { type: "image/svg+xml" }), downloadName(fig, "svg"));
  }

  /** PNG: the same picture as the SVG file (titles, labels, SVG grids and the canvases' pixels),
   * rasterised at twice the screen's scale; if the browser refuses to read the rasterised SVG
   * back, the largest canvas alone. */
  function downloadPNG(fig) {
    var name = downloadName(fig, "png");
    /** Save a blob under the PNG's file name. */
    var save = function (blob) { saveBlob(blob, name); };
    var canvases = Array.prototype.slice.call(fig.stage.querySelectorAll("canvas"));
    var largest = canvases.sort(function (a, b) { return b.width * b.height - a.width * a.height; })[0];
    /** Fallback: the largest canvas alone as the PNG. */
    var alone = function () { if (largest) largest.toBlob(save, "image/png"); };
    var svg = exportSVG(fig.container, fig.spec.title), img = new Image();
    var W = +svg.match(/width="([\d.]+)"/)[1], H = +svg.match(/height="([\d.]+)"/)[1];
    var scale = 2 * Math.max(1, root.devicePixelRatio || 1);
    /** Rasterise the exported SVG at `scale` and save it as PNG. */
    img.onload = function () {
      var c = document.createElement("canvas");
      c.width = Math.ceil(W * scale);
      c.height = Math.ceil(H * scale);
      var ctx = c.getContext("2d");
      ctx.scale(scale, scale);
      ctx.drawImage(img, 0, 0, W, H);
      try { c.toBlob(function (blob) { if (blob) save(blob); else alone(); }, "image/png"); } catch (e) { alone(); }
    };
    img.onerror = alone;
    img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg);
  }

  /** The link, SVG and PNG buttons. */
  function wireTools(fig) {
    fig.link.addEventListener("click", function () { copyLink(fig); });
    fig.download.addEventListener("click", function () { downloadSVG(fig); });
    fig.png.addEventListener("click", function () { downloadPNG(fig); });
  }

  /** The page around the figure: a link to a setting opened in the tab already showing the
   * page changes only the address's fragment, so the figure it names takes the setting now (a
   * bare #cv-ID, a reference to the figure, keeps the setting the reader has); a new width
   * fits the room kept at the figure's end to it; a change of theme redraws the frame
   * (canvases take their colours from it). Not for largestRoom's
   * hidden copy: a listener on the window would keep it, removed, for the page's life. */
  function wirePage(fig) {
    var state = fig.state, container = fig.container;
    if (fig.probe) return;
    if (typeof addEventListener !== "undefined") {
      addEventListener("hashchange", function () {
        var h = location.hash.indexOf("?") >= 0 ? readHash(fig.spec) : null;
        if (!h || !container.isConnected) return;
        stop(fig);
        state.sel = h.sel;
        fig.inputs.forEach(function (i) { i.cvSync(); });
        state.step = h.step;
        state.angle = h.view !== null ? h.view : state.angle;
        if (state.show3d !== (h.view !== null)) show3d(fig, h.view !== null);
        else draw3d(fig);
        load(fig);
        if (container.scrollIntoView) container.scrollIntoView();
      });
    }
    if (typeof addEventListener !== "undefined") {  // a new width: the room is measured for it (refitRoom)
      addEventListener("resize", function () {
        clearTimeout(fig.resizeTimer);
        fig.resizeTimer = setTimeout(function () { refitRoom(fig); }, 250);
      });
    }
    if (typeof document !== "undefined" && typeof MutationObserver !== "undefined") {
      var themed = new MutationObserver(function () {  // canvases take their colours when the theme changes
        if (!container.isConnected) return;
        if (state.frame) { state.shown = null; drawFrame(fig); }
      });
      themed.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
      if (document.body) themed.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light"] });
    }
  }

  /** The container's hooks for tests, links and the live widget: cvRedraw() and cvSet(sel, step). */
  function exposeHooks(fig) {
    var state = fig.state;
    /** Load and draw the current setting again. */
    fig.container.cvRedraw = function () { load(fig); };
    /** Set the options and the step (tests and links use it). */
    fig.container.cvSet = function (sel, step) {  // for tests and for links
      state.sel = sel.slice();
      fig.inputs.forEach(function (i) { i.cvSync(); });
      state.step = step;
      load(fig);
    };
  }

  /** Mount a figure. host.frame(key, done) delivers the frame for a key (at once in the static
   * page, after a round trip to Python in the live widget). */
  function mount(container, spec, host) {
    var fig = newFigure(container, spec, host);
    ensureDefs();
    buildParts(fig);
    buildControls(fig);
    buildStepper(fig);
    buildTools(fig);
    wireStepper(fig);
    wirePointer(fig);
    wireTerms(fig);
    wire3d(fig);
    wireTools(fig);
    wirePage(fig);
    exposeHooks(fig);
    fig.inputs.forEach(function (i) { i.cvSync(); });
    load(fig);
    if (fig.fromHash && container.scrollIntoView) container.scrollIntoView();
    autoplay(fig);
    return container;
  }

  /* ------------------------------------------- group outlines (grouped and shuffled convolutions)
   * A grid cell with mark gK (group K) keeps its value's fill, so a zero reads as zero; its group
   * is the outline of the group's region instead: the cell edges between a gK cell and a cell of
   * another group, inset half a line into the region (two groups side by side keep both lines),
   * and the grid's own edge, with the line mostly outside the grid (the step's rings are inside), in the group's colour and dash pattern (convviz.css: .cv-gline.cv-gK,
   * one pattern per group, so groups differ without their colours too). Drawn above the cells
   * and under the highlight layer. */
  var GROUP_MARK = /^g[0-7]$/;

  /** The group mark ("g0".."g7") that `mark` is, or "" (no mark, or a mark of another kind). */
  function groupOf(mark) { return mark && GROUP_MARK.test(mark) ? mark : ""; }

  /** The group outlines of an SVG grid: one <path class="cv-gline cv-gK"> per group, or "". */
  function groupOutlineSVG(p, g) {
    var runs = groupOutlines(p, g, g.left, g.top), groups = Object.keys(runs).sort();
    if (!groups.length) return "";
    return '<g class="cv-gouts" aria-hidden="true">' + groups.map(function (m) {
      return '<path class="cv-gline cv-' + m + '" d="' + runs[m] + '"></path>';
    }).join("") + "</g>";
  }

  /** Paint the group outlines of a canvas grid (its cells from (L, T)) as .cv-gline draws them;
   * what was painted is kept in the canvas's data-groups ({K: [colour, dash, width]}), as data-values. */
  function paintGroupOutlines(ctx, canvas, p, g, pal, L, T) {
    var runs = groupOutlines(p, g, L, T), seen = {};
    ctx.lineWidth = pal.gw;
    Object.keys(runs).sort().forEach(function (m) {
      var k = m.slice(1);
      ctx.strokeStyle = pal[m];
      ctx.setLineDash(pal["gd" + k]);
      ctx.stroke(new Path2D(runs[m]));
      seen[k] = [pal[m], pal["gd" + k].join(" ") || "none", ctx.lineWidth];
    });
    ctx.setLineDash([]);
    if (Object.keys(seen).length) canvas.setAttribute("data-groups", JSON.stringify(seen));
    else canvas.removeAttribute("data-groups");
  }

  /** The outline of each group's region in a grid whose cells start at (L, T): {gK: path data},
   * worked out once per panel and origin (kept on its geometry: a canvas repaints every step). */
  function groupOutlines(p, g, L, T) {
    var memo = g.outlines || (g.outlines = {}), at0 = L + "," + T;
    if (!memo[at0]) memo[at0] = outlineRuns(p, g, L, T);
    return memo[at0];
  }

  /** groupOutlines, worked out. */
  function outlineRuns(p, g, L, T) {
    var size = g.size, ins = 1.5, runs = {};
    /** The group mark of cell (r, c), or "" outside the grid or for a cell in no group. */
    var at = function (r, c) {
      if (r < 0 || c < 0 || r >= p.rows || c >= p.cols) return "";
      return groupOf(g.marks[r * p.cols + c]);
    };
    /** Add the edge runs of one side: cells (r, c) along `n` lines of `len` cells. */
    var side = function (lines, len, cellAt, dr, dc, seg) {
      for (var a = 0; a < lines; a++) {
        var start = -1, m = "";
        for (var b = 0; b <= len; b++) {
          var rc = cellAt(a, b), here = b < len ? at(rc[0], rc[1]) : "";
          var edge = here && at(rc[0] + dr, rc[1] + dc) !== here ? here : "";
          if (start >= 0 && edge !== m) {
            (runs[m] = runs[m] || []).push(seg(a, start, b));
            start = -1;
          }
          if (edge && start < 0) { start = b; m = edge; }
        }
      }
    };
    /** Cell b of row a, as [row, column]. */
    var row = function (a, b) { return [a, b]; };
    /** Cell b of column a, as [row, column]. */
    var col = function (a, b) { return [b, a]; };
    // on the grid's own edge the line sits across it, mostly outside (OUT): the rings of the
    // step's cells (3 px inside a cell) would hide it there, as they did on a kernel in use;
    // runs along that edge reach the corner (ends: from the first to past the last cell)
    var OUT = -1, end = 1.5 - OUT;
    /** Inset of a line along the grid's edge (outer) or between two cells. */
    var inset = function (outer) { return outer ? OUT : ins; };
    /** From the start of cell a to the end of cell b - 1 along a line of n cells, past a corner on the grid's edge. */
    var span = function (a, b, n, outer) { return [a * size - (outer && a === 0 ? end : 0), b * size + (outer && b === n ? end : 0)]; };
    side(p.rows, p.cols, row, -1, 0, function (r, c0, c1) {
      var s = span(c0, c1, p.cols, r === 0);
      return "M" + (L + s[0]) + " " + (T + r * size + inset(r === 0)) + "H" + (L + s[1]);
    });
    side(p.rows, p.cols, row, 1, 0, function (r, c0, c1) {
      var s = span(c0, c1, p.cols, r === p.rows - 1);
      return "M" + (L + s[0]) + " " + (T + (r + 1) * size - inset(r === p.rows - 1)) + "H" + (L + s[1]);
    });
    side(p.cols, p.rows, col, 0, -1, function (c, r0, r1) {
      var s = span(r0, r1, p.rows, c === 0);
      return "M" + (L + c * size + inset(c === 0)) + " " + (T + s[0]) + "V" + (T + s[1]);
    });
    side(p.cols, p.rows, col, 0, 1, function (c, r0, r1) {
      var s = span(r0, r1, p.rows, c === p.cols - 1);
      return "M" + (L + (c + 1) * size - inset(c === p.cols - 1)) + " " + (T + s[0]) + "V" + (T + s[1]);
    });
    Object.keys(runs).forEach(function (m) { runs[m] = runs[m].join(""); });
    return runs;
  }

  /* ------------------------------------------- group wiring panels and segmented controls
   * Panel kind "wiring" (convviz.figures.engine.wiring): rows of channels drawn as dots, each
   * filled with its group's colour (CSS classes cv-g0..cv-g7), and the links between one row and
   * the next (a grouped layer's connections, a channel shuffle's crossing wires), as ShuffleNet's
   * Figure 1 draws them. Python computes every row, colour and link; this only places them.
   *   p.wiring = {rows: [{label, groups: [group per dot], text: [str per dot], boxes: [[first, stop]]}],
   *               links: [[[from, to, group], ...] per pair of rows], hot: {dots: [[row, dot]],
   *               links: [[gap, link]]}, value_row: the row whose dots carry p.values}
   * A traced (hot) dot of the last row is the output followed (the output's green ring); a traced
   * dot of an earlier row lies on a path into it (cv-w-feed: a heavy dark ring of its own).
   * Control kind "buttons": a segmented control (radio buttons) for a few short options. */
  function wiringHTML(p) {
    var w = p.wiring, n = Math.max.apply(null, w.rows.map(function (r) { return r.groups.length; }));
    var step = Math.max(22, Math.min(34, Math.floor(320 / n))), rad = Math.min(12, step / 2 - 3), left = 8, top = 20, gap = 80;
    var width = left * 2 + n * step, height = top + (w.rows.length - 1) * gap + 2 * rad + 6;
    /** x of dot i and y of row r, in px. */
    var X = function (i) { return left + i * step + step / 2; }, Y = function (r) { return top + r * gap + rad; };
    var hot = {}, hotLink = {};
    ((w.hot || {}).dots || []).forEach(function (d) { hot[d[0] + ":" + d[1]] = true; });
    ((w.hot || {}).links || []).forEach(function (d) { hotLink[d[0] + ":" + d[1]] = true; });
    var anyHot = ((w.hot || {}).links || []).length > 0;
    var out = ['<svg xmlns="' + SVGNS + '" class="cv-grid cv-wiring" viewBox="0 0 ' + width + " " + height +
      '" width="' + width + '" height="' + height + '" role="img" aria-label="' + esc(p.label) + '">'];
    w.links.forEach(function (links, r) {
      var y0 = Y(r) + rad, y1 = Y(r + 1) - rad, ym = (y0 + y1) / 2;
      out.push('<g class="cv-w-links' + (anyHot ? " cv-w-faint" : "") + '">');
      // one path per group for its links (a dense layer has 64 wires: one element each made a
      // change of groups redraw over budget), and the traced links last, on top of the others
      var byGroup = {}, order = [], bold = [];
      links.forEach(function (l, li) {
        var d = "M" + X(l[0]) + " " + y0 + "C" + X(l[0]) + " " + ym + " " + X(l[1]) + " " + ym + " " + X(l[1]) + " " + y1;
        if (hotLink[r + ":" + li]) { bold.push('<path class="cv-w-link cv-g' + l[2] + ' cv-w-hot" d="' + d + '"></path>'); return; }
        if (!byGroup[l[2]]) { byGroup[l[2]] = []; order.push(l[2]); }
        byGroup[l[2]].push(d);
      });
      order.forEach(function (grp) { out.push('<path class="cv-w-link cv-g' + grp + '" d="' + byGroup[grp].join("") + '"></path>'); });
      out.push(bold.join(""));
      out.push("</g>");
    });
    w.rows.forEach(function (row, r) {
      var y = Y(r);
      out.push('<text class="cv-w-label" x="' + left + '" y="' + (y - rad - 5) + '">' + esc(row.label) + "</text>");
      (row.boxes || []).forEach(function (b) {
        out.push('<rect class="cv-w-box" x="' + (X(b[0]) - rad - 2) + '" y="' + (y - rad - 2) + '" width="' +
          ((b[1] - b[0] - 1) * step + 2 * rad + 4) + '" height="' + (2 * rad + 4) + '" rx="' + (rad + 2) + '"></rect>');
      });
      row.groups.forEach(function (grp, i) {
        var value = r === w.value_row ? ' class="cv-cell" data-cell="' + i + '" data-value="' + esc(String(p.values[i])) + '"' : "";
        // a traced dot of the last row is the output followed; one of an earlier row feeds it
        var mark = hot[r + ":" + i] ? (r === w.rows.length - 1 ? " cv-w-hot" : " cv-w-hot cv-w-feed") : "";
        out.push("<g" + value + '><circle class="cv-w-node cv-g' + grp + mark + '" cx="' + X(i) +
          '" cy="' + y + '" r="' + rad + '"></circle><text class="cv-w-node-text" x="' + X(i) + '" y="' + (y + 4) +
          '" text-anchor="middle">' + esc(row.text[i]) + "</text></g>");
      });
    });
    out.push("</svg>");
    return out.join("");
  }

  (root.convvizPanels = root.convvizPanels || {}).wiring = { html: wiringHTML, draw: function () {} };

  /** The key's lines for traced wiring (a wiring panel with hot dots): the output followed,
   * and the channels on a path into it, each with its own ring (convviz.css cv-wout, cv-wfeed). */
  function wiringKeyHTML(f) {
    var traced = f.views.some(function (v) {
      return v.panels.some(function (p) { return p.kind === "wiring" && ((p.wiring.hot || {}).dots || []).length; });
    });
    if (!traced) return "";
    var dot = '<circle class="cv-bg" cx="8" cy="8" r="5.5"></circle>';
    return '<span class="cv-key-item cv-wout">' + swatch(dot) + "wiring: the output whose paths are traced (bold)</span>" +
      '<span class="cv-key-item cv-wfeed">' + swatch(dot) + "wiring: a channel on a path into it</span>";
  }

  /** A segmented control: one button per option, the chosen one pressed; arrows move the choice. */
  function segmented(c, ci, id, state, choose) {
    var box = el("div", { "class": "cv-seg", role: "radiogroup", id: id, "data-control": c.name, "aria-label": c.label });
    /** Choose option oi and show it pressed. */
    var pick = function (oi) { choose(ci, oi); box.cvSync(); };
    box.cvPick = pick;  // for the page's click listener (wireOptionClicks)
    c.options.forEach(function (o, oi) {
      var b = el("button", { type: "button", "class": "cv-btn", role: "radio", "data-option": oi }, o);
      // on the book's pages the click stops before it (wireOptionClicks); this listener serves
      // a figure mounted by a host (a live widget): put nothing here that only it would do
      b.addEventListener("click", function () { pick(oi); });
      box.appendChild(b);
    });
    box.addEventListener("keydown", function (e) {
      var d = e.key === "ArrowRight" || e.key === "ArrowDown" ? 1 : e.key === "ArrowLeft" || e.key === "ArrowUp" ? -1 : 0;
      if (!d) return;
      e.preventDefault();
      e.stopPropagation();
      var oi = Math.max(0, Math.min(c.options.length - 1, state.sel[ci] + d));
      pick(oi);
      box.children[oi].focus();
    });
    /** Press the chosen option's button (after a link or cvSet). */
    box.cvSync = function () {
      Array.prototype.forEach.call(box.children, function (b, oi) {
        var on = oi === state.sel[ci];
        b.setAttribute("aria-checked", String(on));
        b.tabIndex = on ? 0 : -1;
      });
    };
    return box;
  }

  /**
   * On a page with Bootstrap (the book's theme), a click on a segmented control's option goes
   * to the figure before Bootstrap sees it: Bootstrap listens on document with delegated
   * listeners (11 for clicks in this theme) that each search the whole page on every click (up
   * to 7.5 ms in all in a JS profile of a groups change on the grouped convolution page, on a
   * slow machine), and none of them is for a figure's button. So a listener on window, in the
   * capture phase, picks the option and stops the click there (the button's own listener then
   * does not run: it serves figures mounted by a host, mount). Not while a Bootstrap dropdown
   * menu is open: that click goes on as any other, and closes the menu.
   */
  function wireOptionClicks() {
    if (root.cvOptionClicks || !document.querySelector("[data-bs-toggle]")) return;
    root.cvOptionClicks = true;
    root.addEventListener("click", function (e) {
      var b = e.target && e.target.closest ? e.target.closest(".cv-seg > [data-option]") : null;
      // a figure of the page (mountAll), not a live widget's: a notebook's own click handlers stay
      if (!b || !b.parentNode.cvPick || !b.closest("figure[data-cv-mounted]") || document.querySelector(".dropdown-menu.show")) return;
      e.stopPropagation();
      b.parentNode.cvPick(+b.getAttribute("data-option"));
    }, true);
  }

  /** Mount every figure of the page not mounted yet, from its embedded JSON spec (and, once,
   * wireOptionClicks). */
  function mountAll() {
    wireOptionClicks();
    var figs = document.querySelectorAll("figure[data-cv-figure]:not([data-cv-mounted])");
    Array.prototype.forEach.call(figs, function (fig) {
      var node = fig.querySelector("script.cv-spec");
      if (!node) return;
      var spec = JSON.parse(node.textContent);
      fig.setAttribute("data-cv-mounted", "");
      mount(fig, spec, { frame: function (key, done) { done(spec.frames[key]); } });
    });
  }

  var api = { mount: mount, mountAll: mountAll, term: term, version: "2" };
  root.convviz = api;
  if (typeof document !== "undefined") {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
    else mountAll();
  }
})(typeof window !== "undefined" ? window : globalThis);

/* Drawn panels "aligned" and "footprint" (engine.aligned_panel, engine.footprint_panel):
 * panels with no cells of their own that draw, at each step, where the step's window
 * lies on the input panel. Read positions from the input panel's own cells, so they
 * follow whatever size the renderer gave them. Like the rest, they compute nothing:
 * they read the step's terms.
 *   aligned   = {kind: "aligned", input, kernel, output}: under a one-row input, the
 *               weights of the step under the cells they multiply (with their index),
 *               and every output so far under the middle of its window.
 *   footprint = {kind: "footprint", input}: the box the step's input cells span, on the
 *               input panel, with the cells inside it that the step skips marked. */
(function (root) {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";

  /** Escape text for HTML and SVG markup. */
  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c];
    });
  }
  /** A number as the book writes it: at most 3 decimals, a true minus sign. */
  function fmt(v) {
    if (typeof v !== "number") return String(v);
    var r = Math.round(v * 1000) / 1000;
    return (r < 0 ? "\u2212" : "") + String(Math.abs(r));
  }
  /** The index of a one-row panel's cell, counted from the panel's origin. */
  function index(p, cell) { return cell % Math.max(1, p.cols) + (p.origin ? p.origin[1] : 0); }
  /** The terms of a view's step (its last step past the end). */
  function stepTerms(v, step) { return v.steps[Math.min(step, v.steps.length - 1)] || []; }
  /** A term as named fields: the main renderer's `term` (op, oc, ip, ic, kp, kc). */
  function term(raw) { return root.convviz.term(raw); }

  /** Left and size of each cell of an SVG grid, `dx` px right of where the grid's SVG starts. */
  function cellBoxes(svg, dx) {
    var out = {};
    svg.querySelectorAll("g.cv-cells g.cv-cell").forEach(function (g) {
      var r = g.querySelector("rect");
      out[+g.getAttribute("data-cell")] = { x: dx + +r.getAttribute("x"), size: +r.getAttribute("width") };
    });
    return out;
  }

  var aligned = {
    /** The markup of an aligned panel: one SVG that draw() fills. */
    html: function (p) {
      return '<svg xmlns="' + NS + '" class="cv-grid cv-aligned" width="10" height="10" role="img" aria-label="' +
        esc(p.label) + '"></svg>';
    },
    /** Where the input cells lie above the panel's SVG (cellBoxes), kept on the SVG (cvBoxes)
     * while the frame, the input grid and the window's width are the ones they were measured
     * for: a step reads no layout, a new setting reads it once. */
    measure: function (node, p, v) {
      node.style.flexBasis = "100%";
      var svg = node.querySelector("svg.cv-aligned"), viewNode = node.closest(".cv-view");
      if (!svg || !viewNode) return;
      var input = viewNode.querySelector('.cv-panel[data-panel="' + p.input + '"] svg.cv-grid');
      var width = (typeof innerWidth === "number" ? innerWidth : 0) + (viewNode.closest(".cv-wide") ? "w" : "");
      var kept = svg.cvMeasured;
      if (kept && kept.v === v && kept.input === input && kept.width === width) return;
      svg.cvMeasured = { v: v, input: input, width: width };
      if (!input) { svg.cvBoxes = null; return; }
      // an input panel first in its view and this panel first on its own line (after a break)
      // start at the same left (.cv-panels: flex-start): nothing to measure
      var before = node.previousElementSibling, first = !input.closest(".cv-panel").previousElementSibling;
      var dx = first && before && before.classList.contains("cv-break") ? 0
        : input.getBoundingClientRect().left - svg.getBoundingClientRect().left;
      svg.cvBoxes = cellBoxes(input, dx);
    },
    /** At each step: the step's weights under the input cells they multiply, and the outputs so far under their
     * windows (at the places measure() kept: drawPlugins measures every drawn panel before drawing any). */
    draw: function (node, p, v, step) {
      var svg = node.querySelector("svg.cv-aligned");
      var boxes = svg && svg.cvBoxes;
      if (!boxes) return;
      var kp = v.panels[p.kernel], op = v.panels[p.output], parts = [], width = 10, size = 34;
      /** One cell of the aligned rows: a value, its ring and its name below. */
      var lane = function (y, x, value, name, cls) {
        parts.push('<g class="cv-hl ' + cls + '"><rect class="cv-bg" x="' + x + '" y="' + y + '" width="' + size +
          '" height="' + size + '"></rect><rect class="cv-ring" x="' + (x + 1.5) + '" y="' + (y + 1.5) + '" width="' +
          (size - 3) + '" height="' + (size - 3) + '"></rect><text x="' + (x + size / 2) + '" y="' + (y + size / 2 + 4) +
          '" text-anchor="middle">' + esc(fmt(value)) + '</text><text class="cv-aligned-name" x="' + (x + size / 2) +
          '" y="' + (y + size + 11) + '" text-anchor="middle">' + esc(name) + "</text></g>");
        width = Math.max(width, x + size + 14);
      };
      stepTerms(v, step).forEach(function (raw) {  // the weights, each under the cell it multiplies
        var t = term(raw), b = boxes[t.ic];
        if (!b) return;
        size = b.size;
        if (t.kp === p.kernel) lane(2, b.x, kp.values[t.kc], kp.name + "[" + index(kp, t.kc) + "]", "cv-hl-k");
      });
      var last = Math.min(step, v.steps.length - 1);
      for (var s = 0; s <= last; s++) {  // the outputs so far, each under the middle of its window
        var terms = v.steps[s];
        var t0 = terms.length ? term(terms[0]) : null;
        if (!t0 || t0.op !== p.output) continue;
        var xs = terms.map(function (raw) { var b = boxes[term(raw).ic]; return b ? b.x : null; })
          .filter(function (x) { return x !== null; });
        if (!xs.length) continue;
        var mid = (Math.min.apply(null, xs) + Math.max.apply(null, xs)) / 2;
        lane(size + 18, mid, op.values[t0.oc], op.name + "[" + index(op, t0.oc) + "]",
          s === last ? "cv-hl-out cv-aligned-now" : "cv-aligned-done");
      }
      var height = 2 * size + 34;
      svg.setAttribute("width", width);
      svg.setAttribute("height", height);
      svg.setAttribute("viewBox", "0 0 " + width + " " + height);
      svg.innerHTML = parts.join("");
    },
  };

  var footprint = {
    /** A footprint panel has no markup of its own: it draws on its input panel. */
    html: function () { return ""; },
    /** At each step: the box the step's input cells span on the input panel, and the cells inside it it skips. */
    draw: function (node, p, v, step) {
      node.style.display = "none";
      var viewNode = node.closest(".cv-view");
      if (!viewNode) return;
      var pnode = viewNode.querySelector('.cv-panel[data-panel="' + p.input + '"]');
      if (!pnode) return;
      var old = pnode.querySelector(".cv-footprint");
      if (old) old.remove();
      var ip = v.panels[p.input], read = {}, r0 = Infinity, r1 = -Infinity, c0 = Infinity, c1 = -Infinity;
      stepTerms(v, step).forEach(function (raw) {
        var t = term(raw);
        if (t.ip !== p.input) return;
        var r = Math.floor(t.ic / ip.cols), c = t.ic % ip.cols;
        read[t.ic] = true;
        r0 = Math.min(r0, r); r1 = Math.max(r1, r); c0 = Math.min(c0, c); c1 = Math.max(c1, c);
      });
      if (r0 === Infinity) return;
      var svg = pnode.querySelector("svg.cv-grid:not(.cv-axis):not(.cv-barbox)"), canvas = pnode.querySelector("canvas");
      var size, left, top;
      if (svg) {
        var first = svg.querySelector('g.cv-cell[data-cell="0"] rect');
        if (!first) return;
        size = +first.getAttribute("width"); left = +first.getAttribute("x"); top = +first.getAttribute("y");
      } else if (canvas) {  // a canvas grid: cells from x = 2, drawn over after the grid
        size = (parseFloat(canvas.style.width) - 4) / ip.cols; left = 2; top = 2;
      } else return;
      var box = [left + c0 * size, top + r0 * size, (c1 - c0 + 1) * size, (r1 - r0 + 1) * size];
      var skipped = [];
      for (var r = r0; r <= r1; r++) {
        for (var c = c0; c <= c1; c++) if (!read[r * ip.cols + c]) skipped.push([r, c]);
      }
      if (svg) {
        var parts = ['<rect class="cv-footprint-box" x="' + (box[0] - 3) + '" y="' + (box[1] - 3) + '" width="' +
          (box[2] + 6) + '" height="' + (box[3] + 6) + '"></rect>'];
        skipped.forEach(function (rc) {  // a small cross in the corner: the number stays readable
          var x = left + (rc[1] + 1) * size - 3, y = top + rc[0] * size + 3, m = Math.max(3, size * 0.2);
          parts.push('<path class="cv-footprint-skip" d="M' + (x - m) + " " + y + "L" + x + " " + (y + m) + "M" + x +
            " " + y + "L" + (x - m) + " " + (y + m) + '"></path>');
        });
        var g = document.createElementNS(NS, "g");
        g.setAttribute("class", "cv-footprint");
        g.setAttribute("data-skipped", skipped.length);
        g.innerHTML = parts.join("");
        svg.appendChild(g);
      } else {
        // the colours of the canvas's own drawing (reading computed style here would force a style pass)
        var pal = canvas.cvPalette || {}, hot = pal.hot || getComputedStyle(pnode).getPropertyValue("--cv-hot").trim() || "#bf8700";
        var ctx = canvas.getContext("2d"), dpr = root.devicePixelRatio || 1;
        ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
        ctx.strokeStyle = hot;  // as .cv-footprint-box and .cv-footprint-skip
        ctx.lineWidth = 2;
        ctx.setLineDash([4, 2]);
        ctx.strokeRect(box[0] - 2, box[1] - 2, box[2] + 4, box[3] + 4);
        ctx.setLineDash([]);
        ctx.lineWidth = 1.6;
        skipped.forEach(function (rc) {
          var x = left + (rc[1] + 1) * size - 3, y = top + rc[0] * size + 3, m = Math.max(3, size * 0.2);
          ctx.beginPath();
          ctx.moveTo(x - m, y); ctx.lineTo(x, y + m);
          ctx.moveTo(x, y); ctx.lineTo(x - m, y + m);
          ctx.stroke();
        });
        var mark = document.createElement("span");
        mark.className = "cv-footprint";
        mark.hidden = true;
        mark.setAttribute("data-skipped", skipped.length);
        pnode.appendChild(mark);
      }
    },
  };

  root.convvizPanels = root.convvizPanels || {};
  root.convvizPanels.aligned = aligned;
  root.convvizPanels.footprint = footprint;
})(typeof window !== "undefined" ? window : globalThis);
