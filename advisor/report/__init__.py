"""`advisor report`: one self-contained HTML file that says where prompts waste latency
and money and what to change, ordered by estimated impact.

* :mod:`.context` turns a lint result (and A/B results) into the template's data; its
  docstring documents every context variable (for ``--template``).
* :mod:`advisor.excerpts` (shared with the terminal's full output) quotes the source
  around each finding and shows fixes as diffs.
* :mod:`.charts` draws the inline SVG charts.
* :mod:`.abresults` reads `advisor ab` summaries.
* :mod:`.render` holds the Jinja environments (autoescape always on; user templates
  sandboxed) and the inline assets with their content security policy.
* :mod:`.command` is the click command.

The page loads nothing: stylesheet, script and charts are inline, and its policy
(``default-src 'none'``) forbids every request.
"""
