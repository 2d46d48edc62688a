"""The pronunciation lexicon editors keep in the admin."""
