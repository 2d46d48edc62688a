"""Narration models, split by concept: the pronunciation lexicon and the generated audio."""

from masthead.narration.models.audio import *  # noqa: F403
from masthead.narration.models.feeds import *  # noqa: F403
from masthead.narration.models.lexicon import *  # noqa: F403
