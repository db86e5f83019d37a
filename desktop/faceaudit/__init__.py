"""FaceAudit: find your face in published face datasets, offline, and ask for its deletion."""

import os as _os

__version__ = "0.1.0"

# ONNX Runtime's Linux and macOS wheels (1.2x and later) carry Microsoft's 1DS telemetry: on
# import they write a session file to $TMPDIR, a device id and an event queue under
# ~/.cache/Microsoft, and upload the queue when a network is there. This variable is its full
# opt-out, read once when onnxruntime initialises, so it is set here, before any import of it,
# and worker processes inherit it. It is forced, not defaulted: FaceAudit never phones home.
_os.environ["ORT_DISABLE_TELEMETRY"] = "1"
