"""Widgets shared by pages: headers and notices, pictures with face boxes, the face picker, the match view."""
