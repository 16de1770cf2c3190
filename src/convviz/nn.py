"""A few neural-network layers in NumPy, enough to train a small CNN, with torch's layouts.

Each layer has ``forward(x)``, which keeps what its backward pass needs, and
``backward(gy)``, which takes ``dL/dy`` and returns ``dL/dx``, storing the gradient of
each parameter in ``layer.grads`` under the parameter's name in ``layer.params``
(``'weight'``, ``'bias'``). Shapes and initialisation follow ``torch.nn``: convolution
weights ``(C_out, C_in / groups, k_h, k_w)``, linear weights ``(out, in)``, both drawn
uniformly from ``+-1 / sqrt(fan_in)`` (PyTorch's default). :meth:`Sequential.to_torch`
builds the same network in PyTorch with the same weights, and
:meth:`Sequential.load_torch` copies weights back, so that every gradient can be
checked against autograd.

The convolutions are :func:`convviz.conv.conv2d` forward and :mod:`convviz.grad` backward.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from convviz import grad
from convviz._validate import _check_int, int_tuple
from convviz.conv import conv2d
from convviz.shuffle import channel_shuffle

__all__ = [
    "SGD",
    "Adam",
    "AvgPool2d",
    "ChannelShuffle",
    "Conv2d",
    "Flatten",
    "Layer",
    "Linear",
    "MaxPool2d",
    "ReLU",
    "Sequential",
    "cross_entropy",
]

IntOrPair = int | Sequence[int]


class Layer:
    """Base class: no parameters; ``forward`` and ``backward`` are the identity."""

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x

    def backward(self, gy: np.ndarray) -> np.ndarray:
        return gy

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _uniform(rng: np.random.Generator, shape, fan_in: int, dtype) -> np.ndarray:
    bound = 1 / math.sqrt(fan_in)
    return rng.uniform(-bound, bound, size=shape).astype(dtype)


class Conv2d(Layer):
    """2-d convolution layer: ``y = conv2d(x, W, b)`` (:func:`convviz.conv.conv2d`).

    Parameters
    ----------
    in_channels, out_channels : int
        ``C_in`` and ``C_out``.
    kernel_size : int or (int, int)
    stride, padding, dilation, groups
        As :func:`convviz.conv.conv2d` (``padding`` also ``'same'`` or ``'valid'``).
    bias : bool, default True
    rng : numpy.random.Generator, optional
        Draws the initial weights, uniform in ``+-1 / sqrt(C_in / groups k_h k_w)``.
    dtype : default float32

    Notes
    -----
    Backward: ``dW = conv2d_weight(x, W.shape, gy)``, ``db = sum_(n, r) gy`` (over the
    batch and the output cells ``r``), and ``dx = conv2d_input(x.shape, W, gy)``, a
    transposed convolution.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: IntOrPair,
        stride: IntOrPair = 1,
        padding: IntOrPair | str = 0,
        dilation: IntOrPair = 1,
        groups: int = 1,
        bias: bool = True,
        rng: np.random.Generator | None = None,
        dtype: Any = np.float32,
    ) -> None:
        super().__init__()
        rng = rng if rng is not None else np.random.default_rng()
        in_channels = _check_int("in_channels", in_channels, 1)
        out_channels = _check_int("out_channels", out_channels, 1)
        groups = _check_int("groups", groups, 1)
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"groups={groups} must divide in_channels={in_channels} and "
                f"out_channels={out_channels}"
            )
        k = int_tuple("kernel_size", kernel_size, 2, 1)
        fan_in = in_channels // groups * k[0] * k[1]
        self.params["weight"] = _uniform(
            rng, (out_channels, in_channels // groups, *k), fan_in, dtype
        )
        if bias:
            self.params["bias"] = _uniform(rng, (out_channels,), fan_in, dtype)
        self.args = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = x
        return conv2d(x, self.params["weight"], self.params.get("bias"), **self.args)

    def backward(self, gy: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        w = self.params["weight"]
        self.grads["weight"] = grad.conv2d_weight(self.x, w.shape, gy, **self.args)
        if "bias" in self.params:
            self.grads["bias"] = grad.conv_bias(gy)
        if input_grad:  # not wanted for the data in the first layer
            return grad.conv2d_input(self.x.shape, w, gy, **self.args)
        return None

    def __repr__(self) -> str:
        c_out, c_g, *k = self.params["weight"].shape
        c_in = c_g * self.args["groups"]
        extra = ", ".join(f"{a}={v!r}" for a, v in self.args.items())
        return f"Conv2d({c_in}, {c_out}, kernel_size={tuple(k)}, {extra})"


class ReLU(Layer):
    """``y = max(x, 0)``; backward passes ``gy`` where ``x > 0``."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.mask = x > 0
        return x * self.mask

    def backward(self, gy: np.ndarray) -> np.ndarray:
        return gy * self.mask


class _Pool2d(Layer):
    """Pooling over ``k_h x k_w`` windows ``s`` apart (no padding), tap by tap."""

    def __init__(self, kernel_size: IntOrPair, stride: IntOrPair | None = None) -> None:
        super().__init__()
        self.k = int_tuple("kernel_size", kernel_size, 2, 1)
        self.s = self.k if stride is None else int_tuple("stride", stride, 2, 1)

    def _taps(self, shape) -> list[tuple[slice, ...]]:
        """For each tap ``(i, j)`` of the window, the cells it reads in every window."""
        out = [(i - k) // s + 1 for i, k, s in zip(shape[2:], self.k, self.s, strict=True)]
        if min(out) < 1:
            raise ValueError(f"kernel_size={self.k} is larger than the input of shape {shape}")
        return [
            (..., slice(i, i + self.s[0] * (out[0] - 1) + 1, self.s[0]),
             slice(j, j + self.s[1] * (out[1] - 1) + 1, self.s[1]))
            for i in range(self.k[0])
            for j in range(self.k[1])
        ]  # fmt: skip

    def __repr__(self) -> str:
        return f"{type(self).__name__}(kernel_size={self.k}, stride={self.s})"


class MaxPool2d(_Pool2d):
    """Maximum of each window; backward sends ``gy`` to the (first) maximal cell."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.shape, self.taps = x.shape, self._taps(x.shape)
        stack = np.stack([x[t] for t in self.taps])  # (taps, N, C, H_out, W_out)
        self.winner = stack.argmax(axis=0)  # the first maximum, as torch picks it
        return stack.max(axis=0)

    def backward(self, gy: np.ndarray) -> np.ndarray:
        gx = np.zeros(self.shape, dtype=gy.dtype)
        for index, t in enumerate(self.taps):
            gx[t] += gy * (self.winner == index)
        return gx


class AvgPool2d(_Pool2d):
    """Mean of each window; backward shares ``gy`` equally among the window's cells."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.shape, self.taps = x.shape, self._taps(x.shape)
        return sum(x[t] for t in self.taps) / len(self.taps)

    def backward(self, gy: np.ndarray) -> np.ndarray:
        gx = np.zeros(self.shape, dtype=gy.dtype)
        for t in self.taps:
            gx[t] += gy / len(self.taps)
        return gx


class ChannelShuffle(Layer):
    """:func:`convviz.shuffle.channel_shuffle` with ``groups``; backward is the inverse shuffle
    (``C / groups`` groups)."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = _check_int("groups", groups, 1)

    def forward(self, x: np.ndarray) -> np.ndarray:
        return channel_shuffle(x, self.groups)

    def backward(self, gy: np.ndarray) -> np.ndarray:
        return channel_shuffle(gy, gy.shape[1] // self.groups)

    def __repr__(self) -> str:
        return f"ChannelShuffle({self.groups})"


class Flatten(Layer):
    """``(N, C, H, W) -> (N, C H W)``; backward reshapes back."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, gy: np.ndarray) -> np.ndarray:
        return gy.reshape(self.shape)


class Linear(Layer):
    """``y = x W^T + b`` with ``W`` of shape ``(out_features, in_features)``.

    Backward: ``dW = gy^T x``, ``db = sum_n gy``, ``dx = gy W``.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        rng: np.random.Generator | None = None,
        dtype: Any = np.float32,
    ) -> None:
        super().__init__()
        rng = rng if rng is not None else np.random.default_rng()
        in_features = _check_int("in_features", in_features, 1)
        out_features = _check_int("out_features", out_features, 1)
        self.params["weight"] = _uniform(rng, (out_features, in_features), in_features, dtype)
        if bias:
            self.params["bias"] = _uniform(rng, (out_features,), in_features, dtype)

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = x
        y = x @ self.params["weight"].T
        return y + self.params["bias"] if "bias" in self.params else y

    def backward(self, gy: np.ndarray) -> np.ndarray:
        self.grads["weight"] = gy.T @ self.x
        if "bias" in self.params:
            self.grads["bias"] = gy.sum(axis=0)
        return gy @ self.params["weight"]

    def __repr__(self) -> str:
        out_features, in_features = self.params["weight"].shape
        return f"Linear({in_features}, {out_features})"


def cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean softmax cross-entropy and its gradient, as ``torch.nn.functional.cross_entropy``.

    Parameters
    ----------
    logits : ndarray, shape (N, K)
        Unnormalised class scores.
    labels : ndarray of int, shape (N,)
        The true class of each example, in ``0 .. K-1``.

    Returns
    -------
    loss : float
        ``L = -(1/N) sum_n log softmax(logits[n])[labels[n]]``.
    grad : ndarray, shape (N, K)
        ``dL/dlogits = (softmax(logits) - onehot(labels)) / N``.

    Raises
    ------
    ValueError
        If the shapes do not match or a label is out of range.
    """
    logits, labels = np.asarray(logits), np.asarray(labels)
    if logits.ndim != 2 or labels.shape != (logits.shape[0],):
        raise ValueError(
            f"cross_entropy expects logits (N, K) and labels (N,), got logits of shape "
            f"{logits.shape} and labels of shape {labels.shape}"
        )
    if labels.size and (labels.min() < 0 or labels.max() >= logits.shape[1]):
        raise ValueError(f"labels must lie in 0..{logits.shape[1] - 1}, got {labels}")
    shifted = logits - logits.max(axis=1, keepdims=True)  # exp cannot overflow
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(len(labels))
    loss = -log_p[rows, labels].mean()
    g = np.exp(log_p)
    g[rows, labels] -= 1
    return float(loss), g / len(labels)


class Sequential(Layer):
    """Layers applied in turn; backward runs them in reverse."""

    def __init__(self, *layers: Layer) -> None:
        super().__init__()
        self.layers = list(layers)

    def forward(self, x: np.ndarray) -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, gy: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """Run the backward passes in reverse and return ``dL/dx``; with
        ``input_grad=False`` a first convolution skips ``dL/dx`` (as torch does for an
        input that does not require a gradient) and ``None`` is returned."""
        for index in reversed(range(len(self.layers))):
            layer = self.layers[index]
            if index == 0 and not input_grad and isinstance(layer, Conv2d):
                return layer.backward(gy, input_grad=False)
            gy = layer.backward(gy)
        return gy

    def parameters(self) -> Iterator[tuple[Layer, str]]:
        """Every ``(layer, name)`` with a parameter ``layer.params[name]``, in order."""
        for layer in self.layers:
            for name in layer.params:
                yield layer, name

    def num_parameters(self) -> int:
        return sum(layer.params[name].size for layer, name in self.parameters())

    def __getitem__(self, index: int) -> Layer:
        return self.layers[index]

    def __repr__(self) -> str:
        inner = "".join(f"\n  ({i}): {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential({inner}\n)"

    def to_torch(self) -> Any:
        """The same network as a ``torch.nn.Sequential``, with copies of the weights."""
        import torch
        from torch import nn

        dtype = torch.from_numpy(np.zeros(0, self._dtype())).dtype
        modules = []
        for layer in self.layers:
            if isinstance(layer, Conv2d):
                c_out, c_g, *k = layer.params["weight"].shape
                module = nn.Conv2d(
                    c_g * layer.args["groups"], c_out, tuple(k), bias="bias" in layer.params,
                    **layer.args,
                )  # fmt: skip
            elif isinstance(layer, Linear):
                out_features, in_features = layer.params["weight"].shape
                module = nn.Linear(in_features, out_features, bias="bias" in layer.params)
            elif isinstance(layer, ReLU):
                module = nn.ReLU()
            elif isinstance(layer, MaxPool2d):
                module = nn.MaxPool2d(layer.k, layer.s)
            elif isinstance(layer, AvgPool2d):
                module = nn.AvgPool2d(layer.k, layer.s)
            elif isinstance(layer, ChannelShuffle):
                module = nn.ChannelShuffle(layer.groups)
            elif isinstance(layer, Flatten):
                module = nn.Flatten()
            else:
                raise TypeError(f"to_torch does not know layer {layer!r}")
            module = module.to(dtype)
            with torch.no_grad():
                for name, value in layer.params.items():
                    getattr(module, name).copy_(torch.from_numpy(value))
            modules.append(module)
        return nn.Sequential(*modules)

    def load_torch(self, module: Any) -> None:
        """Copy the weights of a ``torch.nn.Sequential`` of the same layers into this one."""
        for layer, twin in zip(self.layers, module, strict=True):
            for name in layer.params:
                layer.params[name] = getattr(twin, name).detach().numpy().astype(self._dtype())

    def _dtype(self) -> np.dtype:
        for layer, name in self.parameters():
            return layer.params[name].dtype
        return np.dtype(np.float32)


class SGD:
    """Stochastic gradient descent with momentum, as ``torch.optim.SGD``.

    ``v = mu v + g`` (``v = g`` at the first step), then ``theta -= lr v``; with
    ``weight_decay`` ``g`` is first replaced by ``g + lambda theta``.
    """

    def __init__(
        self, model: Sequential, lr: float, momentum: float = 0.0, weight_decay: float = 0.0
    ) -> None:
        self.model, self.lr, self.momentum, self.weight_decay = model, lr, momentum, weight_decay
        self.velocity: dict[tuple[int, str], np.ndarray] = {}

    def step(self) -> None:
        for layer, name in self.model.parameters():
            p, g = layer.params[name], layer.grads[name]
            if self.weight_decay:
                g = g + self.weight_decay * p
            if self.momentum:
                key = (id(layer), name)
                v = self.velocity.get(key)
                v = g.copy() if v is None else self.momentum * v + g
                self.velocity[key], g = v, v
            p -= self.lr * g


class Adam:
    """Adam (Kingma and Ba, 2015, arXiv:1412.6980), as ``torch.optim.Adam``.

    ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g^2``, then
    ``theta -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)``.
    """

    def __init__(
        self,
        model: Sequential,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        self.model, self.lr, self.betas, self.eps = model, lr, betas, eps
        self.t = 0
        self.m: dict[tuple[int, str], np.ndarray] = {}
        self.v: dict[tuple[int, str], np.ndarray] = {}

    def step(self) -> None:
        self.t += 1
        b1, b2 = self.betas
        for layer, name in self.model.parameters():
            p, g, key = layer.params[name], layer.grads[name], (id(layer), name)
            m = self.m[key] = b1 * self.m.get(key, 0) + (1 - b1) * g
            v = self.v[key] = b2 * self.v.get(key, 0) + (1 - b2) * g * g
            m_hat, v_hat = m / (1 - b1**self.t), v / (1 - b2**self.t)
            p -= (self.lr * m_hat / (np.sqrt(v_hat) + self.eps)).astype(p.dtype)
