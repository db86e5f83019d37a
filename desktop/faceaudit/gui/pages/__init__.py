"""The window's pages, one module each: welcome, me, datasets, review, letters, requests."""
