"""Sphinx extension of the book: Colab buttons open the committed notebooks; results page last.

Enabled in ``_config.yml`` under ``sphinx: extra_extensions``. Six jobs:

* sphinx-book-theme builds its Colab link from the page's own source file
  (``chapters/NN-slug.md``), which Colab cannot open. For every page that has a generated
  notebook, this points the Colab button at ``notebooks/NN-slug.ipynb`` on the repository and
  branch of ``_config.yml`` instead; pages without one (the results page) lose the button.
  A chapter without its notebook is a build warning, so ``jupyter-book build -W`` fails.
* sphinx-thebe (loaded by Jupyter Book) registers its configuration script twice with
  Sphinx 7, so every page declared ``const THEBE_JS_URL`` twice, a script error in the
  browser; duplicate scripts are dropped from each page.
* The results page reads the figures the chapters record while they execute, so it must be
  read (executed) after every chapter and on every build: it is always marked outdated and
  moved to the end of Sphinx's reading order.
* sphinx-exercise numbers exercises through the whole book; each chapter's are numbered from 1
  instead, as in its Colab notebook.
* The student edition (``imgcls_edition = "student"``, set by ``make student``): every solution
  is dropped from the pages, with the code cells a gated solution holds (sphinx-exercise's own
  ``hide_solutions`` would leave those on the page: it drops ``solution-start`` before the
  cells between it and ``solution-end`` are gathered into it), and the Colab button becomes a
  link to the chapter's notebook without solutions, which the site ships in ``notebooks/``.
* The single-page build that ``make pdf`` prints: sphinx-exercise registers its HTML writers
  for ``singlehtml`` by name, and Sphinx then ignores every other extension's HTML writers
  there (sphinx-design's dropdowns failed); the ``html`` ones are added where missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.transforms import SphinxTransform
from sphinx.util import logging

from imgcls.book.notebooks import CHAPTER_DIR, NOTEBOOK_DIR, notebook_name

logger = logging.getLogger(__name__)


def colab_url(app: Sphinx, notebook: str) -> str | None:
    """The Colab address of ``notebook`` (repository-relative) for this book's repository."""
    opts = app.config.html_theme_options
    colab = opts.get("launch_buttons", {}).get("colab_url", "").strip("/")
    repo = opts.get("repository_url", "").rstrip("/")
    if not colab or "github.com/" not in repo:
        return None
    owner_repo = "/".join(repo.split("github.com/", 1)[1].split("/")[:2])
    branch = opts.get("repository_branch") or "main"
    return f"{colab}/github/{owner_repo}/blob/{branch}/{notebook}"


def _launch_group(context: dict[str, Any]) -> dict[str, Any] | None:
    for button in context.get("header_buttons", []):
        if button.get("label") == "launch-buttons":
            return button
    return None


def point_colab_at_notebook(app: Sphinx, pagename: str, templatename: str,
                            context: dict[str, Any], doctree: Any) -> None:
    """Replace the theme's Colab link (to the ``.md``) with one to the generated notebook."""
    group = _launch_group(context)
    if group is None:
        return
    buttons = group["buttons"]
    colab = [b for b in buttons if b.get("text") == "Colab"]
    if not colab:
        return
    source = Path(app.env.doc2path(pagename))
    notebook = Path(app.srcdir) / NOTEBOOK_DIR / notebook_name(source)
    if source.parent.name != CHAPTER_DIR:
        buttons[:] = [b for b in buttons if b.get("text") != "Colab"]
        if not buttons:
            context["header_buttons"].remove(group)
        return
    if app.config.imgcls_edition == "student":
        # the repository's notebooks hold the solutions; the site ships the student's
        depth = pagename.count("/")
        colab[0].update(url=f"{'../' * depth}{NOTEBOOK_DIR}/{notebook.name}", text="Notebook",
                        tooltip="Download this chapter's notebook, without solutions "
                                "(in Colab: File > Upload notebook)",
                        icon="fas fa-download", label="student-notebook")
        return
    if not notebook.is_file():
        logger.warning(f"{pagename}: no Colab notebook {notebook.relative_to(app.srcdir)}; "
                       "run `make notebooks`", location=pagename)
        return
    prefix = app.config.html_theme_options.get("path_to_docs", "").strip("/")
    rel = f"{prefix}/" if prefix else ""
    colab[0]["url"] = colab_url(app, f"{rel}{NOTEBOOK_DIR}/{notebook.name}")


def drop_solution_downloads(app: Sphinx, pagename: str, templatename: str,
                            context: dict[str, Any], doctree: Any) -> None:
    """In the student edition, drop the theme's download buttons for the page's source and
    executed notebook, which hold the solutions (the print-to-PDF button stays)."""
    if app.config.imgcls_edition != "student":
        return
    context["ipynb_source"] = None  # no copy of the executed notebook in _sources
    for group in list(context.get("header_buttons", [])):
        if group.get("label") == "download-buttons":
            group["buttons"] = [b for b in group["buttons"]
                                if b.get("label") not in ("download-notebook-button",
                                                          "download-source-button")]


def drop_duplicate_scripts(app: Sphinx, pagename: str, templatename: str,
                           context: dict[str, Any], doctree: Any) -> None:
    """Keep one copy of each script a page loads, whatever its priority (sphinx-thebe and
    sphinx-togglebutton register theirs twice)."""
    scripts = context.get("script_files", [])
    seen, unique = set(), []
    for script in scripts:
        attributes = getattr(script, "attributes", {})
        key = (str(getattr(script, "filename", script) or ""), tuple(sorted(attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def results_always_outdated(app: Sphinx, env: BuildEnvironment, added: set[str],
                            changed: set[str], removed: set[str]) -> list[str]:
    """Re-read the results page on every build: the figures it shows may have changed."""
    page = app.config.imgcls_results_page
    return [page] if page in env.found_docs and page not in added else []


def read_results_last(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """Move the results page to the end of the reading order, after every chapter executed."""
    page = app.config.imgcls_results_page
    if page in docnames:
        docnames.remove(page)
        docnames.append(page)


def number_exercises_per_page(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Number each page's exercises 1, 2, ... as the Colab notebooks do (sphinx-exercise
    numbers them through the whole book, so chapter 7 began at Exercise 25); the solutions'
    titles and references follow, since they read the same numbers."""
    for numbers in env.toc_fignumbers.values():
        exercises = numbers.get("exercise")
        if exercises:
            in_order = sorted(exercises, key=exercises.__getitem__)
            numbers["exercise"] = {ref: (i,) for i, ref in enumerate(in_order, start=1)}
    return []


def html_writers_for_singlehtml(app: Sphinx) -> None:
    """Give ``singlehtml`` every node writer ``html`` has that it lacks (Sphinx looks the
    writers up by builder name and falls back to ``html`` only when a name has none)."""
    handlers = app.registry.translation_handlers
    if app.builder.name != "html" and app.builder.format == "html" and app.builder.name in handlers:
        for node, writers in handlers.get("html", {}).items():
            handlers[app.builder.name].setdefault(node, writers)


class DropSolutions(SphinxTransform):
    """In the student edition, remove every solution (with the cells of gated ones) from the
    page as it is read, so neither the page nor the search index holds it."""

    default_priority = 20  # after sphinx-exercise gathers a gated solution's nodes (10)

    def apply(self, **kwargs: Any) -> None:
        """Remove the solution nodes when the edition is the student's."""
        if self.config.imgcls_edition != "student":
            return
        from sphinx_exercise.nodes import solution_end_node, solution_node, solution_start_node

        kinds = (solution_node, solution_start_node, solution_end_node)
        for node in list(self.document.findall(lambda n: isinstance(n, kinds))):
            node.parent.remove(node)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the hooks; parallel reading would break the results-last order, so say so."""
    app.add_config_value("imgcls_results_page", "results", "env")
    app.add_config_value("imgcls_edition", "full", "env")
    app.add_transform(DropSolutions)
    app.connect("builder-inited", html_writers_for_singlehtml)
    app.connect("env-get-outdated", results_always_outdated)
    app.connect("env-before-read-docs", read_results_last)
    # after Sphinx's own figure numbering (the toctree collector, default priority)
    app.connect("env-get-updated", number_exercises_per_page, priority=900)
    # after sphinx-book-theme's add_launch_buttons (priority 501)
    app.connect("html-page-context", point_colab_at_notebook, priority=600)
    app.connect("html-page-context", drop_duplicate_scripts, priority=600)
    app.connect("html-page-context", drop_solution_downloads, priority=600)
    return {"parallel_read_safe": False, "parallel_write_safe": True}
