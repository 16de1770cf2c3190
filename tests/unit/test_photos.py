"""The photo figures' data functions refuse bad choices with a ValueError naming the argument."""

from __future__ import annotations

import pytest

from convviz.figures import photos


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: photos.photo_flip("sharpen"), "kernel='sharpen'"),
        (lambda: photos.photo_upsample("bicubic"), "method='bicubic'"),
        (lambda: photos.photo_separable("box"), "name='box'"),
        (lambda: photos.photo_dilated("box", 1), "kernel='box'"),
        (lambda: photos.photo_mix("invert"), "mix='invert'"),
        (lambda: photos.photo_video("still"), "kernel='still'"),
        (lambda: photos.photo_flip("Sobel x (antisymmetric)", "lena"), "name='lena'"),
        (lambda: photos.photo_bank("camera"), "photo='camera' of shape (48, 48)"),
        (lambda: photos.photo_mix("sepia", "coins"), "photo='coins' of shape (64, 64)"),
    ],
)
def test_bad_choices_name_the_argument(call, argument):
    with pytest.raises(ValueError, match=r"must be") as info:
        call()
    assert argument in str(info.value)


def test_a_dilation_below_one_names_the_dilation():
    with pytest.raises(ValueError, match=r"dilation must be >= 1, got dilation=0"):
        photos.photo_dilated("mean of the 9 taps (blur)", 0)
