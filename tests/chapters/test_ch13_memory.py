"""Chapter 13, "Activation memory and arithmetic intensity": every glued number.

Bytes come from torch tensors (``numel() * element_size()``), MACs from
``FlopCounterMode``, VGG-16's shapes from running its layers in torch.
"""

from __future__ import annotations

import numpy as np
import torch
from solutions import run_solution
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

STEM = "13-counting-flops-and-parameters"


def _measure(layer, shape):
    x = torch.zeros(shape)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        y = layer(x)
    nbytes = [t.numel() * t.element_size() for t in (x, layer.weight, y)]
    return counter.get_total_flops() // 2, nbytes


def test_three_layers(chapter):
    _ns, glued = chapter(STEM)
    shape = (1, 64, 56, 56)
    found = {
        "std": _measure(nn.Conv2d(64, 64, 3, padding=1, bias=False), shape),
        "dw": _measure(nn.Conv2d(64, 64, 3, padding=1, groups=64, bias=False), shape),
        "pw": _measure(nn.Conv2d(64, 64, 1, bias=False), shape),
    }
    for key, (macs, nbytes) in found.items():
        assert np.isclose(glued[f"mem_{key}_i"], macs / sum(nbytes)), key
    assert np.isclose(glued["mem_act_kb"], (found["std"][1][0] + found["std"][1][2]) / 1e3)
    assert glued["mem_dw_w"] == found["dw"][1][1] == 64 * 9 * 4
    assert np.isclose(glued["mem_std_w_kb"], found["std"][1][1] / 1e3)
    assert glued["mem_mac_ratio"] == found["std"][0] / found["dw"][0] == 64
    assert np.isclose(glued["mem_byte_ratio"], sum(found["std"][1]) / sum(found["dw"][1]))
    # the prose: depthwise about one MAC per byte, below pointwise, far below standard
    assert 1 <= glued["mem_dw_i"] < 1.2 < glued["mem_pw_i"] < glued["mem_std_i"]


def test_roofline(chapter):
    _ns, glued = chapter(STEM)
    shape = (1, 64, 56, 56)
    (m_s, b_s), (m_d, b_d) = (
        _measure(nn.Conv2d(64, 64, 3, padding=1, bias=False), shape),
        _measure(nn.Conv2d(64, 64, 3, padding=1, groups=64, bias=False), shape),
    )
    for balance in (10, 50):
        bound = max(m_s / balance, sum(b_s)) / max(m_d / balance, sum(b_d))
        assert np.isclose(glued[f"roof_ratio_{balance}"], bound)
    # below the depthwise intensity the bound is the MAC ratio
    assert max(m_s, sum(b_s)) / max(m_d, sum(b_d)) == 64


def test_vgg16_activation_memory(chapter):
    _ns, glued = chapter(STEM)
    config = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M"] + [512, 512, 512, "M"] * 2
    assert sum(1 for v in config if v != "M") == 13 and config.count("M") == 5
    x = torch.zeros(1, 3, 224, 224, device="meta")  # shapes only, no arithmetic
    kept = weights = 0
    outs = []
    with torch.no_grad():
        for v in config:
            if v == "M":
                x = nn.MaxPool2d(2)(x)
                continue
            conv = nn.Conv2d(x.shape[1], v, 3, padding=1, device="meta")
            x = conv(x)
            outs.append(x.numel() * 4)
            kept += x.numel() * x.element_size()
            weights += sum(p.numel() * p.element_size() for p in conv.parameters())
    assert tuple(x.shape) == (1, 512, 7, 7)  # after the last pooling
    assert np.isclose(glued["vgg_act_mb"], kept / 1e6)
    assert np.isclose(glued["vgg_w_mb"], weights / 1e6)
    assert (glued["vgg_batch"] - 1) * kept < weights < glued["vgg_batch"] * kept
    assert np.isclose(glued["vgg_act32_gb"], 32 * kept / 1e9)
    assert np.isclose(glued["vgg_first_share"], sum(outs[:2]) / kept)
    first_w = (64 * 3 * 9 + 64 + 64 * 64 * 9 + 64) * 4
    assert np.isclose(glued["vgg_first_w_share"], first_w / weights)


def test_exercise_solution(chapter):
    ns, _ = chapter(STEM)
    scope = run_solution(ns, STEM, "ch13-ex-intensity-limit")
    assert np.isclose(
        scope["intensity_by_hand"](64, 56, 3, 64), 56 * 56 * 64 * 9 / (4 * (2 * 64 * 56 * 56 + 576))
    )
