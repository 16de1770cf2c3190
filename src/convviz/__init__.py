"""convviz: every convolution of deep learning in NumPy, with PyTorch's semantics.

The operations (``conv2d``, ``conv_transpose2d``, ``pad``, ``channel_shuffle``, ...)
mirror ``torch.nn.functional`` on NumPy arrays; the analysis modules (``shapes``,
``matrix``, ``receptive``, ``cost``, ``overlap``) compute the numbers the book states;
``figures`` draws them.
"""

#: The package version; pyproject.toml reads it from here.
__version__ = "0.1.0"

from convviz import exercises as exercises
from convviz import figures as figures
from convviz import grad as grad
from convviz import images as images
from convviz import nn as nn
from convviz.conv import *  # noqa: F403
from convviz.cost import *  # noqa: F403
from convviz.counter import *  # noqa: F403
from convviz.dilation import *  # noqa: F403
from convviz.effective_rf import *  # noqa: F403
from convviz.formulas import *  # noqa: F403
from convviz.groups import *  # noqa: F403
from convviz.im2col import *  # noqa: F403
from convviz.learn import *  # noqa: F403
from convviz.loops import *  # noqa: F403
from convviz.lowrank import *  # noqa: F403
from convviz.matrix import *  # noqa: F403
from convviz.memory import *  # noqa: F403
from convviz.overlap import *  # noqa: F403
from convviz.padding import *  # noqa: F403
from convviz.pixel_shuffle import *  # noqa: F403
from convviz.pooling import *  # noqa: F403
from convviz.receptive import *  # noqa: F403
from convviz.shapes import *  # noqa: F403
from convviz.shuffle import *  # noqa: F403
from convviz.signal import *  # noqa: F403
from convviz.support import *  # noqa: F403
from convviz.transposed import *  # noqa: F403
from convviz.transposed_views import *  # noqa: F403
from convviz.upsample import *  # noqa: F403
