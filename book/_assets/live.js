// The book's live panels: the trained network (window.mnistLiveModel, written at
// build time by mnist_course.live) run in the reader's browser, in plain JavaScript:
// the convolution, pooling, dense and ReLU layers of chapters 2 and 3, nothing else.
// A page asks for a panel with <div class="mnist-live" data-panel="...">:
//   draw         a pad to draw on; the drawing is prepared as `python -m mnist_course
//                predict` prepares a picture, and classified while you draw
//   robustness   RobustnessExplorer's sliders on a test digit
//   convolution  ConvolutionPlayground: a 3×3 kernel, ReLU and 2×2 max pooling
// Each panel keeps what it computed last in root.mnistLiveState (for the tests).
//
//   await window.mnistLive.ready;                  // the model's summary
//   window.mnistLive.predict(pixels);              // 784 floats in [0, 1], row by
//                                                  // row, white ink on black -> the
//                                                  // ten probabilities
//   window.mnistLive.toMnist(imageData);           // a canvas's pixels -> 784 grey
//                                                  // levels (null when blank)
(function () {
  "use strict";

  function decode(text) {
    var bytes = atob(text);
    var buffer = new Uint8Array(bytes.length);
    for (var i = 0; i < bytes.length; i++) buffer[i] = bytes.charCodeAt(i);
    return new Float32Array(buffer.buffer);
  }

  // x holds h × w × c values, row by row, channels last (as Keras keeps them).
  function conv2d(x, h, w, c, layer, W) {
    var kh = layer.kernel[0], kw = layer.kernel[1], cout = layer.kernel[3];
    var sh = layer.strides[0], sw = layer.strides[1];
    var oh, ow, top = 0, left = 0;
    if (layer.padding === "same") {
      oh = Math.ceil(h / sh);
      ow = Math.ceil(w / sw);
      // TensorFlow's "same": the odd padding row and column go at the bottom/right
      top = Math.floor(Math.max((oh - 1) * sh + kh - h, 0) / 2);
      left = Math.floor(Math.max((ow - 1) * sw + kw - w, 0) / 2);
    } else {
      oh = Math.floor((h - kh) / sh) + 1;
      ow = Math.floor((w - kw) / sw) + 1;
    }
    var y = new Float32Array(oh * ow * cout);
    var sum = new Float64Array(cout);
    for (var i = 0; i < oh; i++) {
      for (var j = 0; j < ow; j++) {
        for (var f = 0; f < cout; f++) sum[f] = W[layer.bias_offset + f];
        for (var di = 0; di < kh; di++) {
          var r = i * sh + di - top;
          if (r < 0 || r >= h) continue;
          for (var dj = 0; dj < kw; dj++) {
            var s = j * sw + dj - left;
            if (s < 0 || s >= w) continue;
            var at = (r * w + s) * c;
            var row = layer.kernel_offset + (di * kw + dj) * c * cout;
            for (var ch = 0; ch < c; ch++) {
              var v = x[at + ch];
              if (v === 0) continue;
              var k = row + ch * cout;
              for (f = 0; f < cout; f++) sum[f] += v * W[k + f];
            }
          }
        }
        y.set(sum, (i * ow + j) * cout);
      }
    }
    return [y, oh, ow, cout];
  }

  function maxpool2d(x, h, w, c, layer) {
    var ph = layer.pool[0], pw = layer.pool[1];
    var sh = layer.strides[0], sw = layer.strides[1];
    var oh = Math.floor((h - ph) / sh) + 1, ow = Math.floor((w - pw) / sw) + 1;
    var y = new Float32Array(oh * ow * c).fill(-Infinity);
    for (var i = 0; i < oh; i++)
      for (var j = 0; j < ow; j++)
        for (var di = 0; di < ph; di++)
          for (var dj = 0; dj < pw; dj++)
            for (var ch = 0; ch < c; ch++) {
              var v = x[((i * sh + di) * w + j * sw + dj) * c + ch];
              var o = (i * ow + j) * c + ch;
              if (v > y[o]) y[o] = v;
            }
    return [y, oh, ow, c];
  }

  function dense(x, layer, W) {
    var inputs = layer.shape[0], units = layer.shape[1];
    var y = new Float32Array(units);
    for (var u = 0; u < units; u++) {
      var sum = W[layer.bias_offset + u];
      for (var i = 0; i < inputs; i++) {
        if (x[i] !== 0) sum += x[i] * W[layer.kernel_offset + i * units + u];
      }
      y[u] = sum;
    }
    return y;
  }

  function activate(x, name) {
    if (name === "relu") {
      for (var i = 0; i < x.length; i++) if (x[i] < 0) x[i] = 0;
    } else if (name === "softmax") {
      var top = -Infinity, total = 0;
      for (i = 0; i < x.length; i++) top = Math.max(top, x[i]);
      var e = new Float64Array(x.length);
      for (i = 0; i < x.length; i++) total += e[i] = Math.exp(x[i] - top);
      for (i = 0; i < x.length; i++) x[i] = e[i] / total;
    }
    return x;
  }

  function forward(model, pixels) {
    var x = Float32Array.from(pixels), h = 28, w = 28, c = 1;
    model.layers.forEach(function (layer) {
      var out;
      if (layer.type === "conv2d") {
        out = conv2d(x, h, w, c, layer, model.W);
        x = activate(out[0], layer.activation);
        h = out[1]; w = out[2]; c = out[3];
      } else if (layer.type === "maxpool2d") {
        out = maxpool2d(x, h, w, c, layer);
        x = out[0]; h = out[1]; w = out[2];
      } else if (layer.type === "dense") {
        x = activate(dense(x, layer, model.W), layer.activation);
      } else if (layer.type === "relu") {
        x = activate(x, "relu");
      } else if (layer.type !== "flatten") {
        throw new Error("unknown layer type " + layer.type);
      }
    });
    return Array.from(x);
  }

  // ------------------------------------------------ preprocessing, as in Python
  // mnist_course.preprocess.to_mnist, step for step and rounding for rounding (the
  // float32 steps are float32 here too), so that a drawing gives the network the same
  // 28×28 image as `python -m mnist_course predict` gives it for the same picture.

  var f32 = Math.fround;
  var MIN_CONTRAST = 24; // grey levels between paper and ink below which it is blank

  // Python's round(): halves go to the even neighbour.
  function roundHalfEven(x) {
    var r = Math.round(x);
    if (Math.abs(x % 1) === 0.5 && r % 2 !== 0) r -= 1;
    return r;
  }

  // The k-th smallest (from 0) of values whose counts by integer key are in `counts`.
  function kthFromCounts(counts, keys, k) {
    for (var i = 0, seen = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen > k) return keys[i];
    }
    return keys[counts.length - 1];
  }

  // Grey levels (Pillow's RGB → L) of an RGBA image, and the paper level: the median
  // of the two-pixel border.
  function greyAndPaper(rgba, width, height) {
    var n = width * height, grey = new Uint8Array(n), border = new Float64Array(256);
    for (var i = 0; i < n; i++) {
      var p = 4 * i;
      grey[i] = (rgba[p] * 19595 + rgba[p + 1] * 38470 + rgba[p + 2] * 7471 + 0x8000) >> 16;
    }
    var count = 0;
    function add(y, x) { border[grey[y * width + x]]++; count++; }
    for (var y = 0; y < height; y++) {
      for (var x = 0; x < width; x++) {
        // rows 0, 1, h-2, h-1 and columns 0, 1, w-2, w-1, corners counted twice,
        // as numpy's concatenation counts them
        if (y < 2 || y >= height - 2) add(y, x);
        if (x < 2 || x >= width - 2) add(y, x);
      }
    }
    var levels = [];
    for (i = 0; i < 256; i++) levels.push(i);
    var paper = count % 2
      ? kthFromCounts(border, levels, (count - 1) / 2)
      : (kthFromCounts(border, levels, count / 2 - 1) + kthFromCounts(border, levels, count / 2)) / 2;
    return [grey, paper];
  }

  // numpy's percentile (method "linear", q a Python float) of n values that take
  // few levels: `levels` ascending, `counts` how often each occurs.
  function percentile(levels, counts, n, q) {
    var virtual = (n - 1) * (q / 100), below = Math.floor(virtual);
    var a = kthFromCounts(counts, levels, below);
    var b = kthFromCounts(counts, levels, Math.min(below + 1, n - 1));
    var diff = f32(b - a), gamma = virtual - below;
    if (gamma >= 0.5) return f32(b - f32(diff * f32(1 - gamma)));
    return f32(a + f32(diff * f32(gamma)));
  }

  // Otsu's threshold over 64 bins of [0, 1] (float32 values), as preprocess._otsu.
  function otsu(values) {
    var hist = new Float64Array(64);
    for (var i = 0; i < values.length; i++) {
      var v = values[i];
      if (v >= 0 && v <= 1) hist[Math.min(63, Math.floor(v * 64))]++;
    }
    var total = 0, weighted = 0;
    for (i = 0; i < 64; i++) { total += hist[i]; weighted += hist[i] * (2 * i + 1) / 128; }
    var w0 = 0, s0 = 0, best = -1, at = 0;
    for (i = 0; i < 64; i++) {
      var centre = (2 * i + 1) / 128;
      w0 += hist[i];
      s0 += hist[i] * centre;
      var w1 = total - w0;
      var m0 = s0 / Math.max(w0, 1), m1 = (weighted - s0) / Math.max(w1, 1);
      var between = w0 * w1 * ((m0 - m1) * (m0 - m1));
      if (between > best) { best = between; at = i; }
    }
    return (2 * at + 1) / 128;
  }

  // preprocess.ink_map: ink in 0..1 (float32), paper 0, or null when blank.
  function inkMap(rgba, width, height) {
    var gp = greyAndPaper(rgba, width, height), grey = gp[0], paper = gp[1];
    var n = grey.length, ink = new Float32Array(n), dark = paper > 127.5;
    for (var i = 0; i < n; i++) {
      var v = dark ? paper - grey[i] : grey[i] - paper;
      ink[i] = v > 0 ? v : 0;
    }
    var peak;
    if (n > 10000) {
      // ink takes one value per grey level: count them instead of sorting n values
      var counts = new Float64Array(256), byLevel = [];
      for (i = 0; i < n; i++) counts[grey[i]]++;
      for (var g = 0; g < 256; g++) {
        if (counts[g]) byLevel.push([Math.max(dark ? paper - g : g - paper, 0), counts[g]]);
      }
      byLevel.sort(function (x, y) { return x[0] - y[0]; });
      peak = percentile(
        byLevel.map(function (e) { return e[0]; }),
        byLevel.map(function (e) { return e[1]; }),
        n,
        99.9
      );
    } else {
      peak = 0;
      for (i = 0; i < n; i++) peak = Math.max(peak, ink[i]);
    }
    if (peak < MIN_CONTRAST) return null;
    var top = f32(peak);
    for (i = 0; i < n; i++) ink[i] = Math.min(1, f32(ink[i] / top));
    var threshold = Math.max(0.2, Math.min(0.5, otsu(ink)));
    var floor = threshold / 2, floor32 = f32(floor), span = f32(1 - floor);
    for (i = 0; i < n; i++) {
      var kept = f32(f32(ink[i] - floor32) / span);
      ink[i] = ink[i] >= floor32 ? Math.min(1, Math.max(0, kept)) : 0;
    }
    return ink;
  }

  // Pillow's Image.resize(size, LANCZOS) of an 8-bit image: two passes (across, then
  // down), fixed-point weights with 22 fraction bits, rounded to 0..255 after each.
  var PRECISION = 22;

  function sinc(x) {
    if (x === 0) return 1;
    x *= Math.PI;
    return Math.sin(x) / x;
  }

  function lanczos(x) {
    return -3 <= x && x < 3 ? sinc(x) * sinc(x / 3) : 0;
  }

  function coefficients(inSize, outSize) {
    var scale = inSize / outSize, filterscale = Math.max(scale, 1);
    var support = 3 * filterscale, out = [];
    for (var o = 0; o < outSize; o++) {
      var centre = (o + 0.5) * scale, total = 0, weights = [];
      var first = Math.max(0, Math.trunc(centre - support + 0.5));
      var last = Math.min(inSize, Math.trunc(centre + support + 0.5));
      for (var x = first; x < last; x++) {
        var w = lanczos((x - centre + 0.5) / filterscale);
        weights.push(w);
        total += w;
      }
      weights = weights.map(function (w) {
        var v = total !== 0 ? w / total : w;
        return Math.trunc(v < 0 ? -0.5 + v * (1 << PRECISION) : 0.5 + v * (1 << PRECISION));
      });
      out.push({ first: first, weights: weights });
    }
    return out;
  }

  function clip8(sum) {
    return Math.min(255, Math.max(0, Math.floor(sum / (1 << PRECISION))));
  }

  // One pass of the resize along rows (across) or columns (down); `pixels` holds
  // height × width bytes, row by row.
  function resizeAcross(pixels, width, height, newWidth) {
    var c = coefficients(width, newWidth), out = new Uint8Array(newWidth * height);
    for (var y = 0; y < height; y++) {
      for (var x = 0; x < newWidth; x++) {
        var sum = 1 << (PRECISION - 1), k = c[x];
        for (var i = 0; i < k.weights.length; i++) {
          sum += pixels[y * width + k.first + i] * k.weights[i];
        }
        out[y * newWidth + x] = clip8(sum);
      }
    }
    return out;
  }

  function resizeDown(pixels, width, height, newHeight) {
    var c = coefficients(height, newHeight), out = new Uint8Array(width * newHeight);
    for (var y = 0; y < newHeight; y++) {
      var k = c[y];
      for (var x = 0; x < width; x++) {
        var sum = 1 << (PRECISION - 1);
        for (var i = 0; i < k.weights.length; i++) {
          sum += pixels[(k.first + i) * width + x] * k.weights[i];
        }
        out[y * width + x] = clip8(sum);
      }
    }
    return out;
  }

  function resizeLanczos(pixels, width, height, newWidth, newHeight) {
    // Pillow 13 (the version requirements.txt pins) runs the vertical pass first when
    // the height shrinks by more than twice as many pixels as the width.
    var downFirst = newHeight < height && height - newHeight > 2 * (width - newWidth);
    if (downFirst && newHeight !== height) {
      pixels = resizeDown(pixels, width, height, newHeight);
      height = newHeight;
    }
    if (newWidth !== width) pixels = resizeAcross(pixels, width, height, newWidth);
    if (newHeight !== height) pixels = resizeDown(pixels, newWidth, height, newHeight);
    return pixels;
  }

  // preprocess.to_mnist on an RGBA image (a canvas's ImageData): 784 grey levels,
  // white ink on black, cropped, fitted to 20×20 and centred by centre of mass; null
  // when there is no digit (blank).
  function toMnist(rgba, width, height) {
    var ink = inkMap(rgba, width, height);
    if (!ink) return null;
    var top = height, bottom = -1, left = width, right = -1, x, y, i;
    for (y = 0; y < height; y++) {
      for (x = 0; x < width; x++) {
        if (ink[y * width + x] > 0) {
          if (y < top) top = y;
          if (y > bottom) bottom = y;
          if (x < left) left = x;
          if (x > right) right = x;
        }
      }
    }
    if (bottom < 0) return null;
    var h = bottom - top + 1, w = right - left + 1, crop = new Uint8Array(h * w);
    for (y = 0; y < h; y++) {
      for (x = 0; x < w; x++) {
        crop[y * w + x] = roundHalfEven(f32(ink[(top + y) * width + left + x] * 255));
      }
    }
    var scale = 20 / Math.max(h, w);
    var gw = Math.max(1, roundHalfEven(w * scale)), gh = Math.max(1, roundHalfEven(h * scale));
    var glyph = gw === w && gh === h ? crop : resizeLanczos(crop, w, h, gw, gh);
    var most = 0;
    for (i = 0; i < glyph.length; i++) most = Math.max(most, glyph[i]);
    var values = new Float32Array(glyph.length), stretch = most > 0 ? f32(255 / most) : 1;
    var total = 0, sy = 0, sx = 0;
    for (y = 0; y < gh; y++) {
      for (x = 0; x < gw; x++) {
        var v = most > 0 ? f32(glyph[y * gw + x] * stretch) : glyph[y * gw + x];
        values[y * gw + x] = v;
        total += v;
        sy += y * v;
        sx += x * v;
      }
    }
    total = f32(total);
    var row = Math.min(Math.max(roundHalfEven(14 - sy / total), 0), 28 - gh);
    var column = Math.min(Math.max(roundHalfEven(14 - sx / total), 0), 28 - gw);
    var image = new Uint8Array(784);
    for (y = 0; y < gh; y++) {
      for (x = 0; x < gw; x++) {
        image[(row + y) * 28 + column + x] = Math.min(255, roundHalfEven(values[y * gw + x]));
      }
    }
    return image;
  }

  // ------------------------------------------- moving a digit, as in Python
  // mnist_course.widgets.robustness.transform_digit: Pillow's affine transform with
  // bilinear sampling of a float32 image, then a wiped square, then noise.

  function affine(image, rotation, shiftX, shiftY, scale) {
    var radians = rotation * (Math.PI / 180);
    var cos = Math.cos(radians) / scale, sin = Math.sin(radians) / scale;
    var outX = 14 + shiftX, outY = 14 + shiftY;
    var a = [cos, -sin, 14 - cos * outX + sin * outY, sin, cos, 14 - sin * outX - cos * outY];
    var out = new Float32Array(784);
    for (var y = 0; y < 28; y++) {
      for (var x = 0; x < 28; x++) {
        var u = a[0] * (x + 0.5) + a[1] * (y + 0.5) + a[2];
        var v = a[3] * (x + 0.5) + a[4] * (y + 0.5) + a[5];
        if (u < 0 || u >= 28 || v < 0 || v >= 28) continue; // outside: black
        u -= 0.5;
        v -= 0.5;
        var col = Math.floor(u), row = Math.floor(v), dx = u - col, dy = v - row;
        var c0 = Math.min(Math.max(col, 0), 27), c1 = Math.min(Math.max(col + 1, 0), 27);
        var r0 = Math.min(Math.max(row, 0), 27) * 28;
        var top = image[r0 + c0] + (image[r0 + c1] - image[r0 + c0]) * dx, bottom = top;
        if (row + 1 >= 0 && row + 1 < 28) {
          var r1 = (row + 1) * 28;
          bottom = image[r1 + c0] + (image[r1 + c1] - image[r1 + c0]) * dx;
        }
        out[y * 28 + x] = top + (bottom - top) * dy;
      }
    }
    return out;
  }

  // settings: rotation (degrees, counter-clockwise), shiftX, shiftY (pixels right
  // and down), scale, noise (standard deviation), erase (side of the square) at
  // eraseX, eraseY; `field` holds the noise pattern (784 standard normal values).
  function transformDigit(image, settings, field) {
    var out = affine(image, settings.rotation, settings.shiftX, settings.shiftY, settings.scale);
    var side = settings.erase;
    if (side > 0) {
      var top = Math.max(0, settings.eraseY - Math.floor(side / 2));
      var left = Math.max(0, settings.eraseX - Math.floor(side / 2));
      for (var y = top; y < Math.min(28, top + side); y++) {
        for (var x = left; x < Math.min(28, left + side); x++) out[y * 28 + x] = 0;
      }
    }
    var noise = f32(settings.noise);
    for (var i = 0; i < 784; i++) {
      var v = settings.noise > 0 ? f32(out[i] + f32(noise * field[i])) : out[i];
      out[i] = Math.min(1, Math.max(0, v));
    }
    return out;
  }
  var model = null;
  var ready = new Promise(function (resolve, reject) {
    var data = window.mnistLiveModel;
    if (!data) {
      reject(new Error("mnist-live-model.js did not load: the page has no model"));
      return;
    }
    model = { layers: data.layers, W: decode(data.weights) };
    resolve({ name: data.name, layers: data.layers.length, weights: model.W.length });
  });

  // ------------------------------------------------------------ the panels

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function best(probabilities) {
    return probabilities.indexOf(Math.max.apply(null, probabilities));
  }

  // Ten bars, one per digit, as text a screen reader reads: "7: 98.1 %".
  function bars(probabilities) {
    var list = element("ol", "mnist-live-bars");
    list.setAttribute("aria-label", "the network's probability for each digit");
    var top = best(probabilities);
    probabilities.forEach(function (p, digit) {
      var row = element("li", digit === top ? "best" : "");
      var bar = element("span", "bar");
      bar.style.width = (100 * p).toFixed(1) + "%";
      row.appendChild(element("span", "digit", String(digit)));
      row.appendChild(element("span", "track")).appendChild(bar);
      row.appendChild(element("span", "value", (100 * p).toFixed(1) + " %"));
      list.appendChild(row);
    });
    return list;
  }

  function saying(probabilities) {
    var top = best(probabilities);
    return "the network says " + top + " (" + (100 * probabilities[top]).toFixed(1) + " %).";
  }

  // A small canvas showing `values` (one per pixel) through `colour(value) -> [r, g, b]`.
  function picture(label, width, height) {
    var canvas = element("canvas", "mnist-live-digit");
    canvas.width = width;
    canvas.height = height || width;
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", label);
    return canvas;
  }

  function paintWith(canvas, values, colour) {
    var context = canvas.getContext("2d");
    var image = context.createImageData(canvas.width, canvas.height);
    for (var i = 0; i < values.length; i++) {
      var rgb = colour(values[i]);
      image.data.set([rgb[0], rgb[1], rgb[2], 255], 4 * i);
    }
    context.putImageData(image, 0, 0);
  }

  // MNIST values in 0..1 (1 = ink), drawn dark on white as the book shows digits.
  function paint(canvas, pixels) {
    paintWith(canvas, pixels, function (v) {
      var grey = 255 - Math.round(255 * v);
      return [grey, grey, grey];
    });
  }

  function examplePixels(example) {
    var bytes = atob(example.pixels), pixels = new Float32Array(784);
    for (var i = 0; i < 784; i++) pixels[i] = bytes.charCodeAt(i) / 255;
    return pixels;
  }

  // Buttons 0 … 9, one per test digit; `choose(example)` is called on a click.
  function picker(label, choose) {
    var group = element("div", "mnist-live-picker");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", label);
    group.appendChild(element("span", "mnist-live-label", label + ": "));
    var examples = window.mnistLiveModel.examples || [];
    examples.forEach(function (example) {
      var button = element("button", "", String(example.label));
      button.type = "button";
      button.setAttribute("aria-label", "test digit labelled " + example.label);
      button.addEventListener("click", function () {
        group.querySelectorAll("button").forEach(function (other) {
          other.setAttribute("aria-pressed", String(other === button));
        });
        choose(example);
      });
      group.appendChild(button);
    });
    return group;
  }

  function note() {
    return element("p", "mnist-live-note", "Running in your browser: no kernel, no server.");
  }

  function figure(caption, content) {
    var box = element("figure", "mnist-live-figure");
    box.appendChild(content);
    box.appendChild(element("figcaption", "", caption));
    return box;
  }

  // ------------------------------------------------------- Draw a digit
  // A 280×280 pad (black ink on white, like pen on paper); after each stroke segment
  // (once per frame) the drawing is preprocessed as `python -m mnist_course predict`
  // does, shown as the 28×28 image the network sees, and classified.

  var PAD = 280, INK_WIDTH = 22;

  function drawPanel(root) {
    var pad = element("canvas", "mnist-live-pad");
    pad.width = pad.height = PAD;
    pad.setAttribute("role", "img");
    pad.setAttribute(
      "aria-label",
      "drawing pad: draw a digit with the mouse, a finger or a pen, or pick a test digit"
    );
    var context = pad.getContext("2d", { willReadFrequently: true });
    var seen = picture("what the network sees: nothing drawn yet", 28);
    var output = element("div", "mnist-live-output");
    var answer = element("p", "mnist-live-answer");
    answer.setAttribute("aria-live", "polite");
    var clear = element("button", "mnist-live-clear", "Clear");
    clear.type = "button";
    var state = (root.mnistLiveState = { image: null, probabilities: null, times: [] });
    var pending = false, last = null;

    function blank() {
      context.fillStyle = "#fff";
      context.fillRect(0, 0, PAD, PAD);
      state.image = state.probabilities = null;
      paint(seen, new Float32Array(784));
      seen.setAttribute("aria-label", "what the network sees: nothing drawn yet");
      output.replaceChildren();
      answer.textContent = "Draw a digit in the box.";
    }

    function update() {
      pending = false;
      var start = performance.now();
      var image = toMnist(context.getImageData(0, 0, PAD, PAD).data, PAD, PAD);
      if (!image) {
        state.image = state.probabilities = null;
        output.replaceChildren();
        answer.textContent = "No digit yet: the drawing is too faint or empty.";
        return;
      }
      var pixels = new Float32Array(784);
      for (var i = 0; i < 784; i++) pixels[i] = image[i] / 255;
      var probabilities = window.mnistLive.predict(pixels);
      paint(seen, pixels);
      output.replaceChildren(bars(probabilities));
      answer.textContent = "Your digit: " + saying(probabilities);
      seen.setAttribute("aria-label", "what the network sees: your drawing, 28×28");
      state.image = image;
      state.probabilities = probabilities;
      state.times.push(performance.now() - start);
    }

    function later() {
      if (!pending) {
        pending = true;
        requestAnimationFrame(update);
      }
    }

    function at(event) {
      var box = pad.getBoundingClientRect();
      return [
        ((event.clientX - box.left) * PAD) / box.width,
        ((event.clientY - box.top) * PAD) / box.height,
      ];
    }

    context.lineCap = context.lineJoin = "round";
    pad.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      pad.setPointerCapture(event.pointerId);
      last = at(event);
      context.fillStyle = "#000";
      context.beginPath();
      context.arc(last[0], last[1], INK_WIDTH / 2, 0, 2 * Math.PI);
      context.fill();
      later();
    });
    pad.addEventListener("pointermove", function (event) {
      if (!last) return;
      var point = at(event);
      context.strokeStyle = "#000";
      context.lineWidth = INK_WIDTH;
      context.beginPath();
      context.moveTo(last[0], last[1]);
      context.lineTo(point[0], point[1]);
      context.stroke();
      last = point;
      later();
    });
    ["pointerup", "pointercancel"].forEach(function (name) {
      pad.addEventListener(name, function () { last = null; });
    });
    clear.addEventListener("click", blank);

    // A test digit, enlarged onto the pad: the same path as a drawing from there on.
    function start(example) {
      var small = picture("", 28);
      paint(small, examplePixels(example));
      context.imageSmoothingEnabled = true;
      context.drawImage(small, 0, 0, PAD, PAD);
      update();
    }

    var tools = element("div", "mnist-live-tools");
    tools.appendChild(clear);
    var view = element("div", "mnist-live-view");
    var left = element("div", "mnist-live-column");
    left.appendChild(pad);
    left.appendChild(tools);
    view.appendChild(left);
    view.appendChild(figure("what the network sees (28×28)", seen));
    view.appendChild(output);
    root.replaceChildren(note(), picker("or start from a test digit", start), view, answer);
    blank();
  }

  // ---------------------------------------------------------- Robustness
  // RobustnessExplorer's sliders on one test digit: rotate, shift, scale, add noise
  // (the explorer's own pattern, seed 0) or wipe a square, and watch the answer.

  var SLIDERS = [
    ["rotation", "rotation (°)", -180, 180, 5, 0],
    ["shiftX", "shift right", -10, 10, 1, 0],
    ["shiftY", "shift down", -10, 10, 1, 0],
    ["scale", "scale", 0.4, 1.6, 0.05, 1],
    ["noise", "noise", 0, 1, 0.05, 0],
    ["erase", "erase (px)", 0, 28, 1, 0],
    ["eraseX", "erase at x", 0, 27, 1, 14],
    ["eraseY", "erase at y", 0, 27, 1, 14],
  ];

  function robustnessPanel(root, index) {
    var data = window.mnistLiveModel;
    var field = decode(data.noise_field);
    var original = null, label = null;
    var seen = picture("what the network sees", 28);
    var shown = picture("the original digit", 28);
    var output = element("div", "mnist-live-output");
    var answer = element("p", "mnist-live-answer");
    answer.setAttribute("aria-live", "polite");
    var state = (root.mnistLiveState = { image: null, probabilities: null, settings: null });
    var controls = element("div", "mnist-live-controls");
    var inputs = {};
    SLIDERS.forEach(function (spec) {
      var id = "mnist-live-" + index + "-" + spec[0];
      var row = element("div", "mnist-live-slider");
      var label = element("label", "", spec[1]);
      label.htmlFor = id;
      var input = element("input");
      input.type = "range";
      input.id = id;
      input.min = spec[2];
      input.max = spec[3];
      input.step = spec[4];
      input.value = spec[5];
      input.dataset.name = spec[0];
      var value = element("output", "", String(spec[5]));
      value.htmlFor = id;
      input.addEventListener("input", function () {
        value.textContent = input.value;
        render();
      });
      row.appendChild(label);
      row.appendChild(input);
      row.appendChild(value);
      controls.appendChild(row);
      inputs[spec[0]] = [input, value];
    });
    var reset = element("button", "mnist-live-clear", "Reset");
    reset.type = "button";
    reset.addEventListener("click", function () {
      SLIDERS.forEach(function (spec) {
        inputs[spec[0]][0].value = spec[5];
        inputs[spec[0]][1].textContent = String(spec[5]);
      });
      render();
    });
    controls.appendChild(reset);

    function render() {
      if (!original) return;
      var settings = {};
      SLIDERS.forEach(function (spec) {
        settings[spec[0]] = parseFloat(inputs[spec[0]][0].value);
      });
      var moved = transformDigit(original, settings, field);
      var probabilities = window.mnistLive.predict(moved);
      var image = new Uint8Array(784);
      for (var i = 0; i < 784; i++) image[i] = roundHalfEven(f32(moved[i] * 255));
      paint(seen, moved);
      output.replaceChildren(bars(probabilities));
      answer.textContent = "Labelled " + label + "; " + saying(probabilities);
      state.image = image;
      state.probabilities = probabilities;
      state.settings = settings;
    }

    function choose(example) {
      original = examplePixels(example);
      label = example.label;
      paint(shown, original);
      shown.setAttribute("aria-label", "the original test digit, labelled " + label);
      render();
    }

    var view = element("div", "mnist-live-view");
    view.appendChild(controls);
    view.appendChild(figure("what the network sees", seen));
    view.appendChild(figure("original", shown));
    view.appendChild(output);
    root.replaceChildren(note(), picker("test digit", choose), view, answer);
    var seven = root.querySelector('button[aria-label="test digit labelled 7"]');
    if (seven) seven.click();
  }

  // ------------------------------------------------------ Convolution
  // ConvolutionPlayground: one 3×3 kernel slid over a test digit (valid, not
  // flipped, as Keras' Conv2D), then ReLU, then 2×2 max pooling: chapter 3's
  // conv2d and max_pool2d.

  var PRESETS = {
    identity: [0, 0, 0, 0, 1, 0, 0, 0, 0],
    edges: [-1, -1, -1, -1, 8, -1, -1, -1, -1],
    blur: [1, 2, 1, 2, 4, 2, 1, 2, 1].map(function (v) { return f32(v / 16); }),
    sharpen: [0, -1, 0, -1, 5, -1, 0, -1, 0],
    "sobel x": [-1, 0, 1, -2, 0, 2, -1, 0, 1],
    "sobel y": [-1, -2, -1, 0, 0, 0, 1, 2, 1],
  };

  function convolve(image, side, kernel) {
    var out = new Float64Array((side - 2) * (side - 2));
    for (var i = 0; i < side - 2; i++) {
      for (var j = 0; j < side - 2; j++) {
        var sum = 0;
        for (var di = 0; di < 3; di++) {
          for (var dj = 0; dj < 3; dj++) sum += image[(i + di) * side + j + dj] * kernel[di * 3 + dj];
        }
        out[i * (side - 2) + j] = sum;
      }
    }
    return out;
  }

  function pool(map, side) {
    var half = Math.floor(side / 2), out = new Float64Array(half * half);
    for (var i = 0; i < half; i++) {
      for (var j = 0; j < half; j++) {
        var a = 2 * i * side + 2 * j;
        out[i * half + j] = Math.max(map[a], map[a + 1], map[a + side], map[a + side + 1]);
      }
    }
    return out;
  }

  function range(values) {
    var low = Infinity, high = -Infinity;
    for (var i = 0; i < values.length; i++) {
      low = Math.min(low, values[i]);
      high = Math.max(high, values[i]);
    }
    return [low, high];
  }

  // red for positive, blue for negative, white at 0 (as matplotlib's RdBu_r)
  function diverging(limit) {
    return function (v) {
      var t = Math.max(-1, Math.min(1, v / limit));
      var end = t > 0 ? [178, 24, 43] : [33, 102, 172], a = Math.abs(t);
      return [0, 1, 2].map(function (c) { return Math.round(247 + (end[c] - 247) * a); });
    };
  }

  function greys(top) {
    return function (v) {
      var grey = 255 - Math.round((255 * Math.max(0, Math.min(1, v / top))));
      return [grey, grey, grey];
    };
  }

  function convolutionPanel(root, index) {
    var original = null;
    var select = element("select");
    select.id = "mnist-live-" + index + "-kernel";
    Object.keys(PRESETS).concat(["custom"]).forEach(function (name) {
      select.appendChild(element("option", "", name)).value = name;
    });
    var label = element("label", "", "kernel ");
    label.htmlFor = select.id;
    var grid = element("div", "mnist-live-kernel");
    grid.setAttribute("role", "group");
    grid.setAttribute("aria-label", "the 3×3 kernel's nine weights, row by row");
    var boxes = [];
    for (var i = 0; i < 9; i++) {
      var box = element("input");
      box.type = "number";
      box.step = "0.1";
      box.setAttribute("aria-label", "kernel weight, row " + (Math.floor(i / 3) + 1) + ", column " + ((i % 3) + 1));
      box.addEventListener("input", render);
      grid.appendChild(box);
      boxes.push(box);
    }
    var maps = {
      input: [picture("the input digit", 28), null],
      feature: [picture("the feature map: the kernel slid over the digit", 26), element("figcaption")],
      relu: [picture("the feature map after ReLU (negatives set to 0)", 26), element("figcaption")],
      pooled: [picture("the feature map after ReLU and 2×2 max pooling", 13), element("figcaption")],
    };
    var state = (root.mnistLiveState = { kernel: null, feature: null, relu: null, pooled: null });

    function set(kernel) {
      boxes.forEach(function (box, i) { box.value = String(Math.round(kernel[i] * 1e4) / 1e4); });
    }

    function presetOf(kernel) {
      var names = Object.keys(PRESETS);
      for (var n = 0; n < names.length; n++) {
        var preset = PRESETS[names[n]], same = true;
        for (var i = 0; i < 9; i++) {
          if (Math.abs(kernel[i] - Math.round(preset[i] * 1e4) / 1e4) > 1e-4) same = false;
        }
        if (same) return names[n];
      }
      return "custom";
    }

    function caption(node, name, side, values, what) {
      var r = range(values);
      node.replaceChildren(element("b", "", name), document.createTextNode(" " + side + "×" + side));
      node.appendChild(element("br"));
      node.appendChild(element("small", "", what + "; " + r[0].toFixed(2) + " … " + r[1].toFixed(2)));
    }

    function render() {
      if (!original) return;
      var kernel = boxes.map(function (box) { return f32(parseFloat(box.value)); });
      var invalid = kernel.some(function (v) { return !isFinite(v); });
      boxes.forEach(function (box, i) { box.setAttribute("aria-invalid", String(!isFinite(kernel[i]))); });
      if (invalid) return;
      select.value = presetOf(kernel);
      var feature = convolve(original, 28, kernel);
      var relu = feature.map(function (v) { return Math.max(v, 0); });
      var pooled = pool(relu, 26);
      var r = range(feature), limit = Math.max(Math.abs(r[0]), Math.abs(r[1])) || 1;
      paintWith(maps.feature[0], feature, diverging(limit));
      paintWith(maps.relu[0], relu, greys(range(relu)[1] || 1));
      paintWith(maps.pooled[0], pooled, greys(range(pooled)[1] || 1));
      caption(maps.feature[1], "feature map", 26, feature, "red +, blue −");
      caption(maps.relu[1], "after ReLU", 26, relu, "negatives → 0");
      caption(maps.pooled[1], "after 2×2 max pool", 13, pooled, "max of each 2×2");
      state.kernel = kernel;
      state.feature = feature;
      state.relu = relu;
      state.pooled = pooled;
    }

    select.addEventListener("change", function () {
      if (select.value !== "custom") {
        set(PRESETS[select.value]);
        render();
      }
    });

    function choose(example) {
      original = examplePixels(example);
      paint(maps.input[0], original);
      maps.input[0].setAttribute("aria-label", "the input digit, a test digit labelled " + example.label);
      render();
    }

    var editor = element("div", "mnist-live-controls");
    var top = element("div");
    top.appendChild(label);
    top.appendChild(select);
    editor.appendChild(top);
    editor.appendChild(grid);
    var view = element("div", "mnist-live-view");
    view.appendChild(editor);
    view.appendChild(figure("input", maps.input[0]));
    ["feature", "relu", "pooled"].forEach(function (name) {
      var box = element("figure", "mnist-live-figure");
      box.appendChild(maps[name][0]);
      box.appendChild(maps[name][1]);
      view.appendChild(box);
    });
    root.replaceChildren(note(), picker("test digit", choose), view);
    set(PRESETS[root.dataset.kernel in PRESETS ? root.dataset.kernel : "sobel y"]);
    var seven = root.querySelector('button[aria-label="test digit labelled 7"]');
    if (seven) seven.click();
  }

  var PANELS = { draw: drawPanel, robustness: robustnessPanel, convolution: convolutionPanel };

  ready.then(function () {
    function start() {
      document.querySelectorAll(".mnist-live[data-panel]").forEach(function (root, index) {
        var make = PANELS[root.dataset.panel];
        if (make) make(root, index);
      });
    }
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", start);
    } else {
      start();
    }
  });

  window.mnistLive = {
    ready: ready,
    predict: function (pixels) {
      if (!model) throw new Error("the model is not loaded (await mnistLive.ready)");
      if (pixels.length !== 784) throw new Error("predict takes 784 pixels");
      return forward(model, pixels);
    },
    // a canvas's ImageData (or RGBA bytes, width, height) -> 784 grey levels, as
    // `python -m mnist_course predict` prepares a picture; null when it is blank
    toMnist: function (rgba, width, height) {
      if (rgba && rgba.data) return toMnist(rgba.data, rgba.width, rgba.height);
      return toMnist(rgba, width, height);
    },
  };
})();
