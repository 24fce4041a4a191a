#!/usr/bin/env python3
"""Draws the app and tray icons (no image library needed): a rounded "C" ring whose
colour and centre dot tell the tray state. Run from the repo root; writes icons/."""
import math
import struct
import zlib
from pathlib import Path

STATES = {
    # state: (ring colour, dot colour or None)
    "idle": ((120, 130, 145), None),
    "working": ((46, 134, 222), (46, 134, 222)),
    "attention": ((230, 126, 34), (231, 76, 60)),
}


def png(path: Path, size: int, pixel) -> None:
    rows = b"".join(
        b"\0" + b"".join(bytes(pixel(x, y, size)) for x in range(size)) for y in range(size)
    )
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def ring(ring_rgb, dot_rgb):
    def pixel(x, y, size):
        # 4x4 supersampling for smooth edges.
        cover_ring = cover_dot = 0
        for sy in range(4):
            for sx in range(4):
                px = (x + (sx + 0.5) / 4) / size - 0.5
                py = (y + (sy + 0.5) / 4) / size - 0.5
                r = math.hypot(px, py)
                angle = math.degrees(math.atan2(py, px))
                in_gap = -35 < angle < 35  # the opening of the "C"
                if 0.30 <= r <= 0.46 and not in_gap:
                    cover_ring += 1
                if dot_rgb and r <= 0.15:
                    cover_dot += 1
        if cover_dot:
            return (*dot_rgb, cover_dot * 255 // 16)
        if cover_ring:
            return (*ring_rgb, cover_ring * 255 // 16)
        return (0, 0, 0, 0)
    return pixel


def main() -> None:
    out = Path("icons")
    out.mkdir(exist_ok=True)
    for state, (ring_rgb, dot_rgb) in STATES.items():
        png(out / f"tray-{state}.png", 64, ring(ring_rgb, dot_rgb))
    app = ring((46, 134, 222), (230, 126, 34))
    for name, size in [("32x32.png", 32), ("128x128.png", 128), ("128x128@2x.png", 256), ("icon.png", 512)]:
        png(out / name, size, app)


if __name__ == "__main__":
    main()
