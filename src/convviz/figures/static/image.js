/* image.js: the image panel of convviz's figures (a photograph drawn as pixels).
 *
 * Registers the drawer of panels with kind "image" in window.convvizPanels; convviz.js
 * asks it for a panel's markup (html) and draws it at each step (draw). Like the rest
 * of the renderer it computes no convolution: Python (convviz.figures.imageview) ships
 * each picture as uint8 codes and the geometry of the kernel's window.
 *
 * Panel = {kind: "image", name, label, role, scale: "image"|"diverging",
 *          image: {h, w, c (1 or 3), data: base64 of h*w*c uint8 (row-major, channels last),
 *                  lo, hi (code 0 is lo, code 255 is hi), px (CSS pixels per image pixel)},
 *          window?: {grid: [gh, gw], k: [kh, kw], s: [sh, sw], d: [dh, dw], p: [ph, pw]}}
 * Step n of the view is the cell (r, c) = (floor(n / gw), n % gw) of the window's grid; the
 * window then covers the pixels (r*s - p + i*d, c*s - p + j*d) for i < kh, j < kw: the
 * taps of one output of a convolution, or the outputs one input of a transposed
 * convolution scatters to. Pixels outside the picture (padding) are drawn as a margin.
 */
(function (root) {
  "use strict";
  var cache = new WeakMap();  // panel -> {bitmap (canvas at image size), colours, margin}

  /** A CSS variable's value on `node`, or `fallback` when it is unset. */
  function cssColour(node, name, fallback) {
    return getComputedStyle(node).getPropertyValue(name).trim() || fallback;
  }

  var probe = null;  // a 2D context that parses CSS colours
  /** A CSS colour as [r, g, b] (the canvas normalises any CSS colour syntax). */
  function rgb(colour) {
    probe = probe || document.createElement("canvas").getContext("2d");
    probe.fillStyle = "#000";
    probe.fillStyle = colour;
    var s = probe.fillStyle;
    if (s.charAt(0) === "#") return [1, 3, 5].map(function (i) { return parseInt(s.substr(i, 2), 16); });
    var m = s.match(/[\d.]+/g) || [0, 0, 0];
    return [+m[0], +m[1], +m[2]];
  }

  /** The picture at its own size, coloured for the current theme (a diverging map depends on it). */
  function bitmap(p, node) {
    var theme = document.documentElement.getAttribute("data-theme") || "";
    var hit = cache.get(p);
    if (hit && hit.theme === theme) return hit;
    var im = p.image, n = im.h * im.w, raw = atob(im.data);
    var canvas = document.createElement("canvas");
    canvas.width = im.w;
    canvas.height = im.h;
    var ctx = canvas.getContext("2d"), data = ctx.createImageData(im.w, im.h), out = data.data;
    var lut = null;
    if (p.scale === "diverging") {  // code 127.5 is zero: blue below, red above, as the grids
      var bg = rgb(cssColour(node, "--cv-cell", "#fff")), pos = rgb(cssColour(node, "--cv-pos", "#d6604d"));
      var neg = rgb(cssColour(node, "--cv-neg", "#4393c3"));
      lut = [];
      for (var code = 0; code < 256; code++) {
        var t = code / 127.5 - 1, a = Math.min(1, Math.abs(t)), to = t >= 0 ? pos : neg;
        lut.push([0, 1, 2].map(function (ch) { return Math.round(bg[ch] + (to[ch] - bg[ch]) * a); }));
      }
    }
    for (var i = 0; i < n; i++) {
      var o = 4 * i;
      if (im.c === 3) {
        out[o] = raw.charCodeAt(3 * i);
        out[o + 1] = raw.charCodeAt(3 * i + 1);
        out[o + 2] = raw.charCodeAt(3 * i + 2);
      } else if (lut) {
        var col = lut[raw.charCodeAt(i)];
        out[o] = col[0];
        out[o + 1] = col[1];
        out[o + 2] = col[2];
      } else {
        out[o] = out[o + 1] = out[o + 2] = raw.charCodeAt(i);
      }
      out[o + 3] = 255;
    }
    ctx.putImageData(data, 0, 0);
    var w = p.window, margin = w ? Math.max(0, w.p[0], w.p[1]) : 0;
    hit = { theme: theme, canvas: canvas, margin: margin, raw: raw };
    cache.set(p, hit);
    return hit;
  }

  /** The markup of an image panel: one canvas sized to the picture and its padding margin. */
  function html(p) {
    var im = p.image, w = p.window, m = w ? Math.max(0, w.p[0], w.p[1]) : 0, px = im.px || 3;
    var cw = Math.round((im.w + 2 * m) * px), ch = Math.round((im.h + 2 * m) * px);
    return '<canvas class="cv-image" role="img" data-values="[]" aria-label="' +
      String(p.label).replace(/[&<>"]/g, "") + '" style="display:block;width:' + cw + "px;max-width:100%;aspect-ratio:" +
      cw + "/" + ch + ';height:auto;cursor:crosshair;image-rendering:pixelated"></canvas>';
  }

  /** Rows and columns of the window's cells at step n (image pixel coordinates). */
  function windowCells(w, n) {
    var r = Math.floor(n / w.grid[1]), c = n % w.grid[1], cells = [];
    for (var i = 0; i < w.k[0]; i++) {
      for (var j = 0; j < w.k[1]; j++) {
        cells.push([r * w.s[0] - w.p[0] + i * w.d[0], c * w.s[1] - w.p[1] + j * w.d[1]]);
      }
    }
    return cells;
  }

  /** Draw the picture and, at step `step`, the window's cells over it (the plugin's draw). */
  function draw(node, p, v, step, container) {
    var canvas = node.querySelector("canvas.cv-image");
    if (!canvas) return;
    var im = p.image, bm = bitmap(p, node), m = bm.margin, px = im.px || 3;
    var dpr = root.devicePixelRatio || 1, scale = px * dpr;
    var W = Math.round((im.w + 2 * m) * scale), H = Math.round((im.h + 2 * m) * scale);
    if (canvas.width !== W || canvas.height !== H) {
      canvas.width = W;
      canvas.height = H;
    }
    var ctx = canvas.getContext("2d");
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, W, H);
    if (m) {  // the padding: zeros around the picture
      ctx.fillStyle = cssColour(node, "--cv-pad-bg", "#eaeef2");
      ctx.fillRect(0, 0, W, H);
    }
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(bm.canvas, m * scale, m * scale, im.w * scale, im.h * scale);
    var w = p.window;
    if (w && step >= 0 && step < w.grid[0] * w.grid[1]) {
      var colour = cssColour(node, p.role === "input" ? "--cv-in" : "--cv-out", "#0969da");
      var cells = windowCells(w, step), lw = Math.max(1, Math.round(dpr));
      var r0 = Infinity, c0 = Infinity, r1 = -Infinity, c1 = -Infinity;
      ctx.strokeStyle = colour;
      ctx.lineWidth = lw;
      cells.forEach(function (rc) {
        r0 = Math.min(r0, rc[0]); r1 = Math.max(r1, rc[0]);
        c0 = Math.min(c0, rc[1]); c1 = Math.max(c1, rc[1]);
        if (cells.length > 1 && scale >= 3) {
          ctx.strokeRect((rc[1] + m) * scale + lw / 2, (rc[0] + m) * scale + lw / 2, scale - lw, scale - lw);
        }
      });
      // the window's outline, in a halo that shows on dark and bright pixels alike
      var x = (c0 + m) * scale, y = (r0 + m) * scale, bw = (c1 - c0 + 1) * scale, bh = (r1 - r0 + 1) * scale;
      ctx.lineWidth = 4 * dpr;
      ctx.strokeStyle = cssColour(node, "--cv-bg", "#fff");
      ctx.strokeRect(x - 2 * dpr, y - 2 * dpr, bw + 4 * dpr, bh + 4 * dpr);
      ctx.lineWidth = 2 * dpr;
      ctx.strokeStyle = colour;
      ctx.strokeRect(x - 2 * dpr, y - 2 * dpr, bw + 4 * dpr, bh + 4 * dpr);
    }
    canvas.setAttribute("data-step", step);
    if (!canvas.cvBound) {  // click a pixel of a picture whose window is one pixel: step to it
      canvas.cvBound = true;
      canvas.addEventListener("click", function (e) {
        var win = canvas.cvPanel.window;
        if (!win || win.k[0] * win.k[1] !== 1 || !container.cvSet) return;
        var box = canvas.getBoundingClientRect(), k = box.width / (canvas.cvPanel.image.w + 2 * canvas.cvMargin);
        var c = Math.floor((e.clientX - box.left) / k) - canvas.cvMargin, r = Math.floor((e.clientY - box.top) / k) - canvas.cvMargin;
        r = Math.floor((r + win.p[0]) / win.s[0]);
        c = Math.floor((c + win.p[1]) / win.s[1]);
        if (r < 0 || c < 0 || r >= win.grid[0] || c >= win.grid[1]) return;
        container.cvSet((container.getAttribute("data-key") || "").split(",").filter(function (s) { return s !== ""; })
          .map(Number), r * win.grid[1] + c);
      });
    }
    canvas.cvPanel = p;
    canvas.cvMargin = m;
  }

  root.convvizPanels = root.convvizPanels || {};
  root.convvizPanels.image = { html: html, draw: draw };
})(typeof window !== "undefined" ? window : globalThis);
