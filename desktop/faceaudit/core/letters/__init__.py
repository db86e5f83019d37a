"""Letters: data-protection letters about my confirmed matches, and the requests they start.

`types` declares the vocabulary (letter types, laws), `registry` who holds each dataset,
`identity` who writes, `annex` the evidence, `compose` renders a template into a `Letter`,
`pdf` and `export` write it as PDF, text and an unsent e-mail, and `pipeline` is the one path
from a choice to saved files and a tracked request that both the CLI and the GUI call.
`requests` tracks what was sent, `deadlines` counts the statutory periods and `calendar_ics`
exports them.
"""
