"""Dialogs: the writer's details, settings, and the erasure check."""
