"""convviz."""

from convviz.conv import *  # noqa: F403
from convviz.cost import *  # noqa: F403
from convviz.matrix import *  # noqa: F403
from convviz.padding import *  # noqa: F403
from convviz.shapes import *  # noqa: F403
from convviz.shuffle import *  # noqa: F403
from convviz.transposed import *  # noqa: F403
