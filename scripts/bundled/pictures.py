"""Generated pictures with captions and questions for the vision tower: shapes, colours, counts and
a simple scene, 336×336 RGB (one Llama 4 tile), all drawn here from a seeded RNG (no data files).
"""
from __future__ import annotations

import math
import random

import numpy as np
from PIL import Image, ImageDraw

SIZE = 336
COLOURS = {
    "red": (220, 30, 30), "green": (40, 170, 50), "blue": (30, 70, 220), "yellow": (245, 215, 20),
    "orange": (245, 135, 20), "purple": (140, 45, 175), "pink": (245, 125, 185), "black": (20, 20, 20),
    "brown": (125, 75, 30),
}
SHAPES = ["circle", "square", "triangle"]
NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four"}
BACKGROUNDS = {"white": (255, 255, 255), "light grey": (215, 215, 215)}


def jitter(rgb, rng, amount=18):
    return tuple(int(min(255, max(0, c + rng.randint(-amount, amount)))) for c in rgb)


def draw_shape(d: ImageDraw.ImageDraw, shape: str, cx: float, cy: float, r: float, fill):
    if shape == "circle":
        d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=fill)
    elif shape == "square":
        d.rectangle([cx - r * 0.9, cy - r * 0.9, cx + r * 0.9, cy + r * 0.9], fill=fill)
    else:
        d.polygon([(cx, cy - r), (cx - r * 0.95, cy + r * 0.8), (cx + r * 0.95, cy + r * 0.8)], fill=fill)


def place(rng, n, r_lo, r_hi, top=0, bottom=SIZE):
    """n non-overlapping (cx, cy, r) inside the canvas band [top, bottom)."""
    out = []
    for _ in range(200):
        if len(out) == n:
            break
        r = rng.uniform(r_lo, r_hi)
        cx = rng.uniform(r + 4, SIZE - r - 4)
        cy = rng.uniform(top + r + 4, bottom - r - 4)
        if all(math.hypot(cx - x, cy - y) > r + rr + 6 for x, y, rr in out):
            out.append((cx, cy, r))
    return out


def picture(rng: random.Random, colour: str | None = None, shape: str | None = None, count: int | None = None,
            scene: bool | None = None) -> tuple[np.ndarray, dict]:
    """A picture and its facts: dict(colour, shape, count, background, scene)."""
    colour = colour or rng.choice(list(COLOURS))
    shape = shape or rng.choice(SHAPES)
    if scene is None:
        scene = rng.random() < 0.15
    if count is None:
        count = 1 if rng.random() < 0.55 else rng.randint(2, 4)
    if scene:
        img = Image.new("RGB", (SIZE, SIZE), jitter((120, 180, 240), rng))
        d = ImageDraw.Draw(img)
        horizon = rng.randint(200, 250)
        d.rectangle([0, horizon, SIZE, SIZE], fill=jitter((60, 150, 60), rng))
        if colour in ("blue", "green"):
            colour = rng.choice(["red", "yellow", "orange", "purple", "pink", "black", "brown"])
        spots = place(rng, count, 22, 40, top=10, bottom=horizon)
        bg = "sky"
    else:
        bg = rng.choice(list(BACKGROUNDS)) if rng.random() < 0.3 else "white"
        img = Image.new("RGB", (SIZE, SIZE), BACKGROUNDS[bg])
        d = ImageDraw.Draw(img)
        r_hi = {1: 120, 2: 70, 3: 55, 4: 48}[count]
        spots = place(rng, count, max(25, r_hi * 0.5), r_hi)
    count = len(spots)
    for cx, cy, r in spots:
        draw_shape(d, shape, cx, cy, r, jitter(COLOURS[colour], rng))
    return np.asarray(img, dtype=np.uint8), dict(colour=colour, shape=shape, count=count, background=bg, scene=scene)


def plural(shape: str, n: int) -> str:
    return shape if n == 1 else shape + "s"


def describe(f: dict) -> str:
    n, s, c = f["count"], f["shape"], f["colour"]
    what = f"a {c} {s}" if n == 1 else f"{NUMBERS[n]} {c} {plural(s, n)}"
    if f["scene"]:
        return f"{what[0].upper()}{what[1:]} in a blue sky above green grass."
    return f"{what[0].upper()}{what[1:]} on a {f['background']} background."


def question_answer(rng: random.Random, f: dict) -> tuple[str, str]:
    n, s, c = f["count"], f["shape"], f["colour"]
    kind = rng.choices(["colour", "shape", "count", "describe"], weights=[4, 2, 2, 2])[0]
    if kind == "colour":
        q = rng.choice([f"What colour is the {s}?", f"What color is the {s}?", "What colour is it?",
                        "What color is the shape?", f"Which colour are the {plural(s, 2)}?",
                        f"What colour are the {plural(s, 2)}?", "What colour do you see?"])
        a = f"The {s} is {c}." if n == 1 else f"The {plural(s, n)} are {c}."
    elif kind == "shape":
        q = rng.choice(["What shape is it?", "What shape do you see?", "Which shape is in the picture?"])
        a = f"It is a {c} {s}." if n == 1 else f"I see {NUMBERS[n]} {plural(s, n)}."
    elif kind == "count":
        q = rng.choice([f"How many {plural(s, 2)} are there?", "How many shapes are there?",
                        f"How many {plural(s, 2)} do you see?"])
        a = f"There is one {s}." if n == 1 else f"There are {NUMBERS[n]} {plural(s, n)}."
    else:
        q = rng.choice(["What is in the picture?", "Describe the image.", "What do you see?", "What is this?",
                        "Describe this picture."])
        a = describe(f)
    return q, a


def _table() -> np.ndarray:
    """transformers' Llama4ImageProcessor value for each byte: bf16(bf16(u·(1/255)) − 0.5) / 0.5 (it
    normalizes in bfloat16), the table Chorus's ImagePreprocessor uses too."""
    import torch
    u = torch.arange(256, dtype=torch.float32)
    v = (u * (1 / 255)).bfloat16()
    v = ((v - 0.5).bfloat16() / 0.5).bfloat16()
    return v.float().numpy()


TABLE = _table()


def to_pixels(arr: np.ndarray) -> np.ndarray:
    """The processor's normalization for one 336×336 tile, channels first [3, 336, 336]."""
    return TABLE[arr].transpose(2, 0, 1).copy()


def circle_image(rgb, center=(168.0, 168.0), radius=90.0) -> np.ndarray:
    """White 336×336 picture with one filled circle (as Tests/MoETests/BundledModelVisionTests.swift draws it)."""
    y, x = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
    inside = (x + 0.5 - center[0]) ** 2 + (y + 0.5 - center[1]) ** 2 <= radius * radius
    img = np.full((SIZE, SIZE, 3), 255, dtype=np.uint8)
    img[inside] = np.array(rgb, dtype=np.uint8)
    return img
