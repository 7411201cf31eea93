"""The core of veille: what every other layer builds on, importing nothing of veille.

The text format (:mod:`.textformat`), version diffs (:mod:`.diff`), the file lock
(:mod:`.lock`), word normalization (:mod:`.normalize`), source entries (:mod:`.sources`)
and the TOML plumbing they are read with (:mod:`.tomlcheck`). ``storage``, ``scrapers`` and the application import from here; nothing
here imports from them (the import contract in ``pyproject.toml`` checks it).
"""
