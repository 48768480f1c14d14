// The ipywidgets embedder typesets widget labels with the MathJax 2 API
// (MathJax.Hub.Queue), but Sphinx loads MathJax 3, which has no `Hub`: without this
// shim, every widget with a description throws an error on a page that has math.
// It maps the old call onto MathJax 3's typesetPromise.
(function () {
  function shim() {
    var mathjax = window.MathJax;
    if (mathjax && !mathjax.Hub) {
      mathjax.Hub = {
        Queue: function (job) {
          var element = job && job[2];
          if (element && typeof mathjax.typesetPromise === "function") {
            mathjax.typesetPromise([element]).catch(function () {});
          }
        },
      };
    }
  }
  document.addEventListener("DOMContentLoaded", shim);
  window.addEventListener("load", shim);
})();
