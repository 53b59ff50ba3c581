"""The bytes of real and emulated terminals, at the bottom layer (next to proto/).

    screen.py     the shared view's emulator: ``Screen`` (layers: attrs, grid, text,
                  commands, parser)
    snapshot.py   a Screen as bytes that redraw it (a late helper's catch-up)
    filter.py     the line-mode output filter (its allow-list: allowlist.py)
    keys.py       what terminals' keys send; finding the end key in typed bytes
    width.py      characters whose width terminals disagree on
    encoding.py   the real terminal's character set, from the locale

Nothing here imports the rest of remote_help, nor urwid at run time.
"""
