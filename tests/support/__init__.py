"""Helpers shared by the test tiers: LFW sample sets, hostile files, letter fixtures."""
