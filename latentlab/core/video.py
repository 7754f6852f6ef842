"""Frames to a file: an animated GIF always (Pillow), an MP4 through an optional encoder (imageio-ffmpeg or
PyAV: `pip install 'latentlab[video]'`). Written atomically: a failed encode never leaves half a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from latentlab.core.errors import LatentlabError
from latentlab.core.export import save_gif

MP4_ENCODERS = ("imageio_ffmpeg", "av")


def save_video(frames: np.ndarray, path: str | Path, fps: int = 4) -> Path:
    """uint8 RGB frames [N, 3, H, W] -> `path` (.gif or .mp4)."""
    path = Path(path)
    if path.suffix.lower() == ".gif":
        return save_gif(frames, path, scale=1, frame_ms=max(20, round(1000 / fps)))
    if path.suffix.lower() == ".mp4":
        return _save_mp4(frames, path, fps)
    raise LatentlabError(f"{path}: write a .gif or an .mp4 file")


def mp4_encoder() -> str | None:
    """The first MP4 encoder installed, or None."""
    import importlib.util

    return next((name for name in MP4_ENCODERS if importlib.util.find_spec(name) is not None), None)


def _save_mp4(frames: np.ndarray, path: Path, fps: int) -> Path:
    encoder = mp4_encoder()
    if encoder is None:
        raise LatentlabError(f"{path}: an MP4 needs imageio-ffmpeg or PyAV: pip install 'latentlab[video]', or write a .gif")
    rgb = np.ascontiguousarray(frames.transpose(0, 2, 3, 1))
    height, width = rgb.shape[1] & ~1, rgb.shape[2] & ~1  # H.264's 4:2:0 colour needs even sides
    rgb = np.ascontiguousarray(rgb[:, :height, :width])
    handle, temporary = tempfile.mkstemp(suffix=".mp4", dir=path.parent, prefix=f".{path.name}.")
    os.close(handle)
    try:
        (_write_with_imageio if encoder == "imageio_ffmpeg" else _write_with_av)(rgb, temporary, fps)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _write_with_imageio(rgb: np.ndarray, path: str, fps: int) -> None:
    import imageio_ffmpeg

    writer = imageio_ffmpeg.write_frames(path, (rgb.shape[2], rgb.shape[1]), fps=fps, macro_block_size=1,
                                         pix_fmt_out="yuv420p", output_params=["-loglevel", "error"])
    writer.send(None)
    for frame in rgb:
        writer.send(frame.tobytes())
    writer.close()


def _write_with_av(rgb: np.ndarray, path: str, fps: int) -> None:
    import av

    with av.open(path, mode="w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = rgb.shape[2], rgb.shape[1], "yuv420p"
        for frame in rgb:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
