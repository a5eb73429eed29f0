"""The PDF edition of the book: ``python -m pdf_edition`` (``make pdf``) prints the built HTML book with Chromium.

- ``pdf_edition.contents``: the reading order, from ``_toc.yml``;
- ``pdf_edition.printer``: Chromium prints each page of the HTML book, numbered on from the page before;
- ``pdf_edition.front_matter``: the title page and the table of contents, as HTML to print;
- ``pdf_edition.assemble``: one PDF with links, bookmarks, page labels and metadata (pypdf);
- ``pdf_edition.build``: all of it, from ``_build/html`` to ``_build/pdf/lossbook.pdf``.
"""
