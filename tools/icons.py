"""Draws Roomcast's app icons (icons/icon-192.png, icon-512.png): a speech
bubble on the accent colour, full-bleed so they serve as maskable icons too.
Standard library only; run `python3 tools/icons.py` after changing it."""
import struct, zlib

ACCENT, WHITE = (0x24, 0x57, 0xC5), (0xFF, 0xFF, 0xFF)

def inside_bubble(x, y):
    # A rounded rectangle from (0.22, 0.26) to (0.78, 0.64) and a tail below.
    l, t, r, b, rad = 0.22, 0.26, 0.78, 0.64, 0.08
    cx, cy = min(max(x, l + rad), r - rad), min(max(y, t + rad), b - rad)
    if (x - cx) ** 2 + (y - cy) ** 2 <= rad * rad:
        return True
    # tail: triangle (0.34,0.63) (0.48,0.63) (0.32,0.76)
    (x1, y1), (x2, y2), (x3, y3) = (0.34, 0.63), (0.48, 0.63), (0.32, 0.76)
    d = (y2 - y3) * (x1 - x3) + (x3 - x2) * (y1 - y3)
    a = ((y2 - y3) * (x - x3) + (x3 - x2) * (y - y3)) / d
    c = ((y3 - y1) * (x - x3) + (x1 - x3) * (y - y3)) / d
    return a >= 0 and c >= 0 and a + c <= 1

def png(size):
    rows = []
    for j in range(size):
        row = bytearray([0])
        for i in range(size):
            # 2x2 supersampling for smooth edges
            hits = sum(inside_bubble((i + dx) / size, (j + dy) / size) for dx in (0.25, 0.75) for dy in (0.25, 0.75))
            row += bytes(round(a + (w - a) * hits / 4) for a, w in zip(ACCENT, WHITE))
        rows.append(bytes(row))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b""))

for size in (192, 512):
    with open(f"icons/icon-{size}.png", "wb") as f:
        f.write(png(size))
