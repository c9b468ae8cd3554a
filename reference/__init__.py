"""Trusted reference solutions for the graded assignments."""
