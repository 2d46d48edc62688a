"""Generated audio: narrations, per-paragraph segments."""
