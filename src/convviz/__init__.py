"""convviz."""

from convviz.shapes import *  # noqa: F403
