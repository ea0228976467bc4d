"""The site machinery: the Sphinx extension, the execution cache fill, the Colab notebook
generator and the results-page table.

Only this subpackage imports the ``book`` extra (jupyter-book, jupytext, Sphinx); the chapters'
helpers outside it need the runtime requirements alone.
"""
