"""convviz."""

from convviz.cost import *  # noqa: F403
from convviz.shapes import *  # noqa: F403
