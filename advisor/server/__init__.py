"""``advisor server``: the language server (LSP over stdio, with pygls and lsprotocol).

An editor gets the findings `advisor lint` gives, on the unsaved buffer, as it types:

- `positions`: advisor's spans and fix offsets (code points, ``\\n`` lines) as LSP positions
  (the client's encoding, LSP's line breaks), and back.
- `buffers`: linting one buffer as the file it stands for (the same engine as
  ``advisor lint - --stdin-filename NAME``, with that file's nearest configuration).
- `diagnostics`: a finding as an LSP diagnostic (code, name, severity, docs link).
- `actions`: quick fixes (safe preferred, unsafe labelled) and "fix all safe".
- `hover`: the rule's documentation on a finding's range, as `advisor explain` prints it.
- `app`: the server itself: the features, the debounce, and errors reported to the client.
- `command`: the ``advisor server`` command line.

Nothing here is imported by ``advisor lint``: pygls is loaded only by ``advisor server``.
"""
