"""Tests of the installers in packaging/."""
