"""convviz: every convolution of deep learning in NumPy, with PyTorch's semantics.

The operations (``conv2d``, ``conv_transpose2d``, ``pad``, ``channel_shuffle``, ...)
mirror ``torch.nn.functional`` on NumPy arrays; the analysis modules (``shapes``,
``matrix``, ``receptive``, ``cost``, ``overlap``) compute the numbers the book states;
``figures`` draws them.
"""

from convviz import figures as figures
from convviz import images as images
from convviz.conv import *  # noqa: F403
from convviz.cost import *  # noqa: F403
from convviz.counter import *  # noqa: F403
from convviz.im2col import *  # noqa: F403
from convviz.learn import *  # noqa: F403
from convviz.matrix import *  # noqa: F403
from convviz.overlap import *  # noqa: F403
from convviz.padding import *  # noqa: F403
from convviz.receptive import *  # noqa: F403
from convviz.shapes import *  # noqa: F403
from convviz.shuffle import *  # noqa: F403
from convviz.signal import *  # noqa: F403
from convviz.transposed import *  # noqa: F403
