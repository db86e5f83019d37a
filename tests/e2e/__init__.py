"""Whole flows: CLI processes, crash trials, real LFW scans, hostile corpora, the offline promise."""
