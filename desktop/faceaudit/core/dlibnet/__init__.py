"""Ports of dlib's face networks to ONNX Runtime, read straight from the .dat files."""
