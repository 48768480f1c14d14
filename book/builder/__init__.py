"""The book builder, one job a module; ``book/build.py`` is its command line.

- :mod:`.paths`: where things are (the course's folders, ``book/_build``) and ``log``.
- :mod:`.dependencies`: the import rule: which files of ``mnist_course`` a chapter can
  run, and the fingerprint that makes jupyter-cache run it again when they change.
- :mod:`.pages`: the chapter pages written from ``solutions/``, and the table of
  contents without the chapters not written yet.
- :mod:`.assets`: the JavaScript served with the book (npm, else the CDNs) and the
  bundles of third-party widgets.
- :mod:`.live`: the trained network the live panels run in the reader's browser.
- :mod:`.run`: the build itself: its configuration, the execution cache, the
  kernels' settings, ``jupyter-book build`` and the summary it prints.

Each imports only :mod:`.paths` and the modules above it in this list.
"""
