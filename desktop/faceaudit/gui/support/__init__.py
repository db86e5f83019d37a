"""What the pages stand on: background operations and workers, preferences, the GUI-thread collector."""
