"""Wagtail registrations for members. Staff member tools live in their own module to keep files small."""

from masthead.members import wagtail_hooks_staff  # noqa: F401 - registers hooks on import
