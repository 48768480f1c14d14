// Accessible names for the widget snapshots the embedder draws (ipywidgets 8 through
// @jupyter-widgets/html-manager). It renders a slider as a <div role="slider"> and a
// number field as an <input>, neither tied to the widget's visible label, and an Image
// widget as an <img> whose only text is the widget's tooltip (its title). Screen
// readers then announce "slider" with no name. This script gives each control the
// name a sighted reader sees: the widget's label (its description), else its tooltip;
// and each image its tooltip as alternative text. It runs again whenever the embedder
// adds views. tests/test_book.py audits every page with axe-core.
(function () {
  // The widget's visible label, else its tooltip (which the embedder puts on the
  // widget, or on its hidden label when the description is empty).
  function nameOf(widget) {
    var label = widget.querySelector(":scope > label.widget-label");
    var candidates = [
      label && label.textContent,
      label && label.getAttribute("title"),
      widget.getAttribute("title"),
    ];
    for (var i = 0; i < candidates.length; i++) {
      var text = (candidates[i] || "").trim();
      if (text) return text;
    }
    return "";
  }

  function label() {
    document.querySelectorAll(".jupyter-widgets").forEach(function (widget) {
      var name = nameOf(widget);
      if (!name) return;
      widget
        .querySelectorAll("[role=slider], input, select, textarea")
        .forEach(function (control) {
          if (!control.getAttribute("aria-label")) {
            control.setAttribute("aria-label", name);
          }
        });
    });
    document.querySelectorAll("img.widget-image").forEach(function (image) {
      if (!image.hasAttribute("alt") && image.title) image.alt = image.title;
    });
  }

  var pending = false;
  function soon() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      label();
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    label();
    new MutationObserver(soon).observe(document.body, {
      childList: true,
      subtree: true,
    });
  });
})();
