"""Makes the reference pictures of crates/mogr-exec/tests/decode_variants.rs, with programs
independent of mogr: ImageMagick 6 and libtiff 4 (Debian `imagemagick`, `libtiff-tools`),
numpy and Pillow (`python3-numpy`, `python3-pil`), and the jpeg-decoder crate.

    python3 make_references.py CORPUS LOSSLESS_PGM

CORPUS is shared/testimages; LOSSLESS_PGM is jpeg/lossless_sof3_sel1.jpg decoded by
jpeg-decoder 0.3.2 (`Decoder::decode`, 16-bit samples) and written as a 16-bit PGM.
Large pictures keep every 4th pixel of every 4th row (x and y multiples of 4), so the
files stay small; the tests compare those pixels.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

CORPUS, LOSSLESS_PGM = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp()


def run(*args):
    subprocess.run(args, check=True)


def rgb_of(path):
    return np.array(Image.open(path).convert("RGB"))


def save(pixels, name):
    Image.fromarray(pixels).save(name, optimize=True)


# rgb24rle24.bmp is BMP Suite's 8-bit palette picture stored as RLE24 (24-bit runs), which
# ImageMagick cannot read: its reference is ImageMagick's decode of the same picture as an
# 8-bit palette RLE8 file.
run("convert", f"{CORPUS}/bmp/pal8rle.bmp", f"{TMP}/pal8.png")
save(rgb_of(f"{TMP}/pal8.png"), "rgb24rle24.png")

# G31D_MULTI.tif page 1: ImageMagick through libtiff's fax decoder.
run("convert", f"{CORPUS}/tiff/G31D_MULTI.tif[0]", f"{TMP}/g3.png")
save(np.array(Image.open(f"{TMP}/g3.png").convert("L"))[::4, ::4], "G31D_MULTI.png")

# ycbcr_jpeg_8bit.tif: libtiff's RGBA interface (libjpeg converts YCbCr to RGB).
run("tiff2rgba", f"{CORPUS}/tiff/ycbcr_jpeg_8bit.tif", f"{TMP}/ycc.tif")
run("convert", f"{TMP}/ycc.tif", f"{TMP}/ycc.png")
save(rgb_of(f"{TMP}/ycc.png")[::4, ::4], "ycbcr_jpeg_8bit.png")

# cielab-dagams.tiff: libtiff undoes LZW and the predictor (one strip of 16-bit L a b at
# offset 8, little-endian: see `tiffdump`); numpy converts: L * 100 / 65535, a and b signed
# / 256, CIE 1976 inverse with the D50 white, Bradford-adapted XYZ -> linear sRGB, sRGB curve.
run("tiffcp", "-c", "none", f"{CORPUS}/tiff/cielab-dagams.tiff", f"{TMP}/lab.tif")
WIDTH, HEIGHT = 400, 266
lab = np.frombuffer(open(f"{TMP}/lab.tif", "rb").read(), dtype="<u2", count=WIDTH * HEIGHT * 3, offset=8)
lab = lab.reshape(HEIGHT, WIDTH, 3)
L = lab[..., 0].astype(np.float64) * 100.0 / 65535.0
a = lab[..., 1].view(np.int16).astype(np.float64) / 256.0
b = lab[..., 2].view(np.int16).astype(np.float64) / 256.0
fy = (L + 16.0) / 116.0
DELTA = 6.0 / 29.0


def finv(t):
    return np.where(t > DELTA, t**3, 3.0 * DELTA * DELTA * (t - 4.0 / 29.0))


xyz = np.stack([0.96422 * finv(fy + a / 500.0), finv(fy), 0.82521 * finv(fy - b / 200.0)], axis=-1)
XYZ_D50_TO_SRGB = np.array([
    [3.1338561, -1.6168667, -0.4906146],
    [-0.9787684, 1.9161415, 0.0334540],
    [0.0719453, -0.2289914, 1.4052427],
])
linear = np.clip(xyz @ XYZ_D50_TO_SRGB.T, 0.0, 1.0)
srgb = np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1.0 / 2.4) - 0.055)
save(np.round(srgb * 255.0).astype(np.uint8)[::4, ::4], "cielab-dagams.png")

# lossless_sof3_sel1.jpg: jpeg-decoder's 16-bit samples, rounded to 8 bits (v * 255 / 65535).
pgm = open(LOSSLESS_PGM, "rb").read()
body = pgm[pgm.index(b"65535\n") + 6:]
samples = np.frombuffer(body, dtype=">u2").reshape(256, 256).astype(np.uint64)
save(((samples * 255 + 32767) // 65535).astype(np.uint8), "lossless_sof3_sel1.png")
os.system(f"rm -r {TMP}")
