"""Live before/after confirmation (`advisor ab`): a lint suggestion is a hypothesis until
two request configs have been timed against the Messages API and compared honestly.

Modules, one job each: ``request`` (load a request config), ``client`` (one timed trial
through the SDK), ``cost`` (prices and budgets), ``plan`` (what a run will do),
``runner`` (doing it: order, budget, resume, Ctrl-C), ``runlog`` (the run directory),
``redact`` (keeping keys out of output), ``stats`` (robust statistics), ``summary``
(trials to the JSON result), ``textout`` (human-readable output), ``command`` (the click
command) and ``fake_api`` (a local fake of the API for tests and demos).
"""
