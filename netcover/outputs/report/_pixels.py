"""Raster layers of the print maps drawn into the PNG at the printer's pixels without float copies.

matplotlib draws an image into a PNG by resampling its *data* to the output pixels in float64, then
colouring the resampled array (a float64 RGBA copy): for a 9 x 8 inch map at 300 dpi that is four
arrays of 6.5 million pixels (more than 150 MB at the peak) per layer. :class:`PixelImage` is an
``AxesImage`` that, for raster backends (Agg: the PNGs), colours the *source* cells (a few hundred
thousand) through the image's own colormap, norm and alpha, then samples those colours at the
centres of the output pixels, in bands of rows: nearest cell (classes) or bilinear between the four
nearest cell centres in premultiplied alpha (the hillshade). The output is the same picture: the
same colours for classes, and for the hillshade the grey of each cell interpolated instead of the
height-shade interpolated then greyed (the grey colormap is linear, so they differ by rounding;
tests compare with matplotlib's own drawing). Vector backends (the PDFs) draw it as matplotlib does,
except in the layout pass ``savefig`` makes before a PDF, which draws nothing: no image is made.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.image import AxesImage
from matplotlib.transforms import Bbox, TransformedBbox

__all__ = ["PixelImage", "add_pixel_image"]

#: Output rows sampled at a time (bounds the temporary arrays to a few MB).
_BAND_ROWS = 128


class PixelImage(AxesImage):
    """An ``AxesImage`` sampled at the output pixels by the module's method on raster backends."""

    def make_image(self, renderer: Any, magnification: float = 1.0,
                   unsampled: bool = False) -> tuple[Any, float, float, Any]:
        """As ``AxesImage.make_image``; on a raster backend, the colours of the source cells
        sampled at the output pixels (no float copy of the output). Nothing in a pass that draws
        nothing (``savefig``'s layout pass before a PDF is written)."""
        if _drawing_disabled(renderer):
            return None, 0, 0, None
        if unsampled or renderer.option_scale_image() or not self.get_transform().is_affine:
            return super().make_image(renderer, magnification, unsampled)
        x1, x2, y1, y2 = self.get_extent()
        shown = TransformedBbox(Bbox([[x1, y1], [x2, y2]]), self.get_transform())
        clip = (self.get_clip_box() or self.axes.bbox) if self.get_clip_on() else self.figure.bbox
        clipped = Bbox.intersection(shown, clip)
        if clipped is None:
            return None, 0, 0, None
        ex = np.asarray(clipped.extents) * magnification  # rounded to output pixels as matplotlib rounds them
        px0, py0 = np.floor(ex[0] + 0.5), np.ceil(ex[1] - 0.5 - 1e-8)
        px1, py1 = np.floor(ex[2] + 0.5 + 1e-8), np.ceil(ex[3] - 0.5)
        width, height = int(px1 - px0), int(py1 - py0)
        if width <= 0 or height <= 0:
            return None, 0, 0, None
        colours = self.to_rgba(self.get_array(), bytes=True,  # type: ignore[arg-type]
                               alpha=self.get_alpha())
        rows, cols = colours.shape[:2]
        # output pixel centres -> fractional source columns / rows (Agg: output row 0 at the bottom)
        inverse = (self.get_transform() + _scale(magnification)).inverted()
        xs = inverse.transform(np.column_stack([px0 + np.arange(width) + 0.5,
                                                np.full(width, py0)]))[:, 0]
        ys = inverse.transform(np.column_stack([np.full(height, px0),
                                                py0 + np.arange(height) + 0.5]))[:, 1]
        u = (xs - x1) / (x2 - x1) * cols
        v = (ys - y1) / (y2 - y1) * rows
        if self.origin == "upper":
            v = rows - v
        smooth = self.get_interpolation() in ("bilinear", "antialiased", "auto")
        out = _sampled(colours, v, u, smooth=smooth)
        return out, px0, py0, None


def _drawing_disabled(renderer: Any) -> bool:
    """Whether ``renderer`` draws nothing now (inside ``RendererBase._draw_disabled``, whose no-op
    methods wrap the base class's), so an image made for it would be thrown away."""
    from matplotlib.backend_bases import RendererBase

    return getattr(getattr(renderer, "draw_image", None), "__wrapped__", None) is RendererBase.draw_image


def _sampled(colours: np.ndarray, v: np.ndarray, u: np.ndarray, *, smooth: bool) -> np.ndarray:
    """RGBA bytes ``colours`` sampled at rows ``v`` and columns ``u`` (fractional cells): between
    the four nearest cell centres (``smooth``) or the nearest cell, in bands of output rows."""
    # a grey image (the hillshade) is interpolated in its red and alpha channels only: each
    # channel is computed on its own, so green and blue would be the same bytes as red
    grey = smooth and _is_grey(colours)
    source = _premultiplied(colours[..., [0, 3]] if grey else colours) if smooth else colours
    out = np.empty((len(v), len(u), 4), dtype=np.uint8)
    for r0 in range(0, len(v), _BAND_ROWS):
        band = slice(r0, min(r0 + _BAND_ROWS, len(v)))
        sampled = (_bilinear if smooth else _nearest)(source, v[band], u)
        out[band] = sampled[..., [0, 0, 0, 1]] if grey else sampled
    return out


def _scale(factor: float) -> Any:
    from matplotlib.transforms import Affine2D

    return Affine2D().scale(factor)


def _nearest(colours: np.ndarray, v: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The colour of the cell under each (row ``v``, column ``u``) position; transparent outside."""
    rows, cols = colours.shape[:2]
    r, c = np.floor(v).astype(np.int64), np.floor(u).astype(np.int64)
    out = colours[np.clip(r, 0, rows - 1)[:, None], np.clip(c, 0, cols - 1)[None, :]]
    outside = ((r < 0) | (r >= rows))[:, None] | ((c < 0) | (c >= cols))[None, :]
    out[outside] = 0
    return out


def _is_grey(colours: np.ndarray) -> bool:
    """Whether RGBA bytes have red = green = blue everywhere."""
    return bool(np.array_equal(colours[..., 0], colours[..., 1])
                and np.array_equal(colours[..., 0], colours[..., 2]))


def _premultiplied(colours: np.ndarray) -> np.ndarray:
    """Colour-and-alpha bytes (RGBA, or one colour channel and alpha) as float32 with the colour
    multiplied by the alpha (0-255 each); the alpha is the last channel."""
    alpha = colours[..., -1:].astype(np.float32) / 255.0
    return np.concatenate([colours[..., :-1] * alpha, alpha * 255.0], axis=-1)


def _bilinear(pm: np.ndarray, v: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Premultiplied colours ``pm`` (alpha last) interpolated between the four nearest cell
    centres (edge cells extend to the border of the extent), as bytes of the same channels;
    transparent outside the extent."""
    rows, cols = pm.shape[:2]

    def weights(x: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        t = np.clip(x - 0.5, 0.0, n - 1.0)
        i0 = np.minimum(np.floor(t).astype(np.int64), max(n - 2, 0))
        return i0, np.minimum(i0 + 1, n - 1), (t - i0).astype(np.float32)

    r0, r1, fr = weights(v, rows)
    c0, c1, fc = weights(u, cols)
    fc3 = fc[None, :, None]
    top, bottom = pm[r0], pm[r1]
    top = top[:, c0] * (1 - fc3) + top[:, c1] * fc3
    bottom = bottom[:, c0] * (1 - fc3) + bottom[:, c1] * fc3
    mixed = top * (1 - fr)[:, None, None] + bottom * fr[:, None, None]
    del top, bottom
    a = mixed[..., -1:]
    np.divide(mixed[..., :-1] * 255.0, a, out=mixed[..., :-1], where=a > 0)
    out = np.clip(np.rint(mixed), 0, 255).astype(np.uint8)
    outside = ((v < 0) | (v > rows))[:, None] | ((u < 0) | (u > cols))[None, :]
    out[outside] = 0
    return out


def add_pixel_image(ax: Any, values: np.ndarray, **kwargs: Any) -> PixelImage:
    """``ax.imshow(values, **kwargs)`` drawn as a :class:`PixelImage` (same arguments)."""
    image = ax.imshow(values, **kwargs)
    image.__class__ = PixelImage
    return image
