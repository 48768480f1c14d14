// The book's live panels: the trained network (window.mnistLiveModel, written at
// build time by mnist_course.live) run in the reader's browser, in plain JavaScript:
// the convolution, pooling, dense and ReLU layers of chapters 2 and 3, nothing else.
//
//   await window.mnistLive.ready;                  // the model's summary
//   window.mnistLive.predict(pixels);              // 784 floats in [0, 1], row by
//                                                  // row, white ink on black -> the
//                                                  // ten probabilities
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

  // Ten bars, one per digit, as text a screen reader reads: "7: 98.1 %".
  function bars(probabilities) {
    var list = element("ol", "mnist-live-bars");
    list.setAttribute("aria-label", "the network's probability for each digit");
    var best = probabilities.indexOf(Math.max.apply(null, probabilities));
    probabilities.forEach(function (p, digit) {
      var row = element("li", digit === best ? "best" : "");
      var bar = element("span", "bar");
      bar.style.width = (100 * p).toFixed(1) + "%";
      row.appendChild(element("span", "digit", String(digit)));
      row.appendChild(element("span", "track")).appendChild(bar);
      row.appendChild(element("span", "value", (100 * p).toFixed(1) + " %"));
      list.appendChild(row);
    });
    return list;
  }

  function paint(canvas, pixels) {
    var context = canvas.getContext("2d");
    var image = context.createImageData(28, 28);
    for (var i = 0; i < 784; i++) {
      var grey = 255 - Math.round(255 * pixels[i]); // ink dark on white, as the book
      image.data.set([grey, grey, grey, 255], 4 * i);
    }
    context.putImageData(image, 0, 0);
  }

  // Pick one of the test digits and watch the network answer.
  function examplesPanel(root) {
    var examples = window.mnistLiveModel.examples || [];
    var picker = element("div", "mnist-live-picker");
    picker.setAttribute("role", "group");
    picker.setAttribute("aria-label", "pick a test digit");
    var canvas = element("canvas", "mnist-live-digit");
    canvas.width = canvas.height = 28;
    canvas.setAttribute("role", "img");
    var answer = element("p", "mnist-live-answer");
    answer.setAttribute("aria-live", "polite");
    var output = element("div", "mnist-live-output");
    function show(index) {
      var example = examples[index];
      var bytes = atob(example.pixels), pixels = new Float32Array(784);
      for (var i = 0; i < 784; i++) pixels[i] = bytes.charCodeAt(i) / 255;
      paint(canvas, pixels);
      canvas.setAttribute("aria-label", "test digit labelled " + example.label);
      var probabilities = window.mnistLive.predict(pixels);
      var best = probabilities.indexOf(Math.max.apply(null, probabilities));
      answer.textContent =
        "Labelled " + example.label + "; the network says " + best + " (" +
        (100 * probabilities[best]).toFixed(1) + " %).";
      output.replaceChildren(bars(probabilities));
      picker.querySelectorAll("button").forEach(function (button, i) {
        button.setAttribute("aria-pressed", String(i === index));
      });
      root.dataset.shown = String(index);
    }
    examples.forEach(function (example, index) {
      var button = element("button", "", String(example.label));
      button.type = "button";
      button.setAttribute("aria-label", "test digit labelled " + example.label);
      button.addEventListener("click", function () { show(index); });
      picker.appendChild(button);
    });
    var view = element("div", "mnist-live-view");
    view.appendChild(canvas);
    view.appendChild(output);
    root.replaceChildren(
      element("p", "mnist-live-note", "Running in your browser: no kernel, no server."),
      picker,
      view,
      answer
    );
    if (examples.length) show(0);
  }

  var PANELS = { examples: examplesPanel };

  ready.then(function () {
    function start() {
      document.querySelectorAll(".mnist-live[data-panel]").forEach(function (root) {
        var make = PANELS[root.dataset.panel];
        if (make) make(root);
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
  };
})();
