"""run_app: open the lab's window (the CLI's `latentlab` and `latentlab gui` call this).

With `screenshot`, the window is grabbed to a PNG after `after` seconds and the app exits (0, or 1 on any
error). With no display on Linux, the same session runs offscreen for a bounded time, prints progress
lines, and saves a picture of the window.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

from latentlab.core.describe import describe_metrics
from latentlab.core.kinds import DEFAULT_KIND, KINDS

NO_DISPLAY_LINE = "latentlab: no display found; running the session offscreen for {seconds:g} s and saving a picture of the window"
HEADLESS_SECONDS = 30.0
HEADLESS_PICTURE = "latentlab-window.png"
SCREENSHOT_DEFAULT_AFTER = 3.0
PROGRESS_EVERY_S = 2.0
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


def no_display() -> bool:
    """Linux with no X11 or Wayland display and no platform chosen: a plain window could not open."""
    env = os.environ
    return (
        sys.platform.startswith("linux")
        and not env.get("QT_QPA_PLATFORM")
        and not env.get("DISPLAY")
        and not env.get("WAYLAND_DISPLAY")
    )


def _fail(text: str) -> int:
    print(f"latentlab: error: {text}", file=sys.stderr, flush=True)
    return 1


def _check_picture_path(path: Path) -> str | None:
    """Why `path` cannot take a PNG, or None."""
    if path.is_dir():
        return f"{path}: is a folder: give a file name such as {path / 'window.png'}"
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        return f"{path}: folder {parent} does not exist"
    if not os.access(parent, os.W_OK):
        return f"{path}: folder {parent} is not writable"
    return None


def run_app(
    *,
    model: str = DEFAULT_KIND,
    data: str = "builtin",
    data_dir: str | None = None,
    checkpoint: str | None = None,
    latent_dim: int | None = None,
    color: bool | None = None,
    image_size: int | None = None,
    train: bool = False,
    screenshot: str | None = None,
    after: float | None = None,
    autosave_dir: str | None = None,
    autosave: bool = True,
) -> int:
    """Open the window and run the event loop; the exit code.

    The run is autosaved to `autosave_dir` (default: the user data dir) unless `autosave` is False or the
    session is unattended (a screenshot, no display); on launch the window offers to reopen the last run."""
    if model not in KINDS:
        return _fail(f"unknown model {model!r}: use {' or '.join(KINDS)}")
    if latent_dim is not None and latent_dim < 1:
        return _fail(f"latent dim must be at least 1, got {latent_dim}")
    headless = no_display()
    if headless:
        after = HEADLESS_SECONDS if after is None else max(0.0, float(after))
        print(NO_DISPLAY_LINE.format(seconds=after), file=sys.stderr, flush=True)
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        train = True
        screenshot = screenshot or HEADLESS_PICTURE
    if screenshot is not None:
        after = SCREENSHOT_DEFAULT_AFTER if after is None else max(0.0, float(after))
        problem = _check_picture_path(Path(screenshot))
        if problem:
            return _fail(problem)

    from PySide6 import QtCore, QtWidgets

    from latentlab.gui import theme
    from latentlab.gui.main_window import MainWindow
    from latentlab.gui.process_setup import configure_gui_process

    _quiet_offscreen_noise()
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([sys.argv[0] if sys.argv else "latentlab"])
    app.setApplicationName("latentlab")
    app.setApplicationDisplayName("latentlab")
    theme.apply(app)
    configure_gui_process()

    failed: list[str] = []

    def fatal(text: str) -> None:
        """Unattended runs (a screenshot, no display): the first error ends the run with exit code 1."""
        if failed:
            return
        failed.append(text)
        first = text.strip().splitlines()[0] if text.strip() else "unknown error"
        print(f"latentlab: error: {first}", file=sys.stderr, flush=True)
        QtCore.QTimer.singleShot(0, lambda: app.exit(1))

    unattended = screenshot is not None
    if autosave and not unattended and autosave_dir is None:
        from latentlab.core.data.locations import autosave_dir as default_autosave_dir

        autosave_dir = str(default_autosave_dir())
    window = MainWindow(
        model=model,
        data_spec=data,
        data_dir=data_dir,
        latent_dim=latent_dim,
        image_shape=(color, image_size),
        on_fatal=fatal if unattended else None,
        autosave_dir=autosave_dir if autosave and not unattended else None,
    )
    app.aboutToQuit.connect(window.session.shutdown)
    printer = _ProgressPrinter(window) if headless else None
    signalled = _close_on_signals(app, window)
    window.show()

    if checkpoint is not None:
        if not window.open_checkpoint(checkpoint):
            if screenshot is not None:
                return _close(app, window, 1)
        elif train:
            window.after_first_paint(window.train)  # the window paints before torch is imported; these need it
    elif train:
        window.after_first_paint(window.train)
    else:
        window.after_first_paint(window.examples.open_default)  # a trained model to explore from the start
    if checkpoint is None and not unattended:
        window.after_first_paint(window.offer_autosave)

    if screenshot is not None:
        target = Path(screenshot)

        def grab_and_quit() -> None:
            if failed:
                return
            try:
                _save_grab(window, target)
            except Exception as exc:  # unwritable by now, disk full, ...
                fatal(f"could not save the picture {target}: {exc}")
                return
            if printer is not None:
                printer.final()
                print(f"latentlab: saved a picture of the window to {target.resolve()}", file=sys.stderr, flush=True)
            app.exit(0)

        # `after` counts from when training can start (torch imported), as when torch came before the window
        window.after_first_paint(lambda: QtCore.QTimer.singleShot(int(after * 1000), grab_and_quit))

    code = app.exec()
    if failed:
        code = 1
    elif signalled:
        code = signalled[0]
    return _close(app, window, code)


def _close_on_signals(app, window) -> list[int]:
    """Ctrl+C in the terminal (SIGINT), or SIGTERM from a session manager, closes the window the clean
    way: the worker is stopped and waited for. Exit codes 130 and 143, as a shell expects.

    Qt's event loop runs in C++, so Python only sees the signal when it next runs Python code: a
    timer gives it that chance five times a second.
    """
    from PySide6 import QtCore

    signalled: list[int] = []  # the exit code, once a signal came
    if threading.current_thread() is not threading.main_thread():
        return signalled

    def on_signal(signum, frame) -> None:
        interrupted = signum == signal.SIGINT
        signalled.append(EXIT_INTERRUPTED if interrupted else EXIT_TERMINATED)
        print("latentlab: interrupted" if interrupted else "latentlab: terminated", file=sys.stderr, flush=True)
        # Python runs this handler wherever the main thread is in Python code, which may be inside a Qt paint (the
        # plots paint in Python): closing there destroyed the window under the paint, and Qt printed
        # "QBackingStore::flush() called for QWidgetWindow ... which does not have a handle". The event loop closes it.
        QtCore.QTimer.singleShot(0, lambda: (window.close(), app.exit(signalled[-1])))

    previous = {signum: signal.signal(signum, on_signal) for signum in (signal.SIGINT, signal.SIGTERM)}

    def restore() -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    window.destroyed.connect(restore)
    wake = QtCore.QTimer(window, interval=200)
    wake.timeout.connect(lambda: None)
    wake.start()
    return signalled


# Printed by Qt's offscreen platform whenever a window's size limits change: noise, not a problem.
_NOISE = ("This plugin does not support propagateSizeHints()",)


def _quiet_offscreen_noise() -> None:
    """Drop the offscreen platform's known noise; every other Qt message still reaches stderr."""
    from PySide6 import QtCore

    def handler(mode, context, message: str) -> None:
        if message in _NOISE:
            return
        sys.stderr.write(message + "\n")
        sys.stderr.flush()

    global _installed_handler
    if _installed_handler is None:
        _installed_handler = handler  # keep a reference: Qt holds only a pointer
        QtCore.qInstallMessageHandler(handler)


_installed_handler = None


def _close(app, window, code: int) -> int:
    """Stop training (waiting for the thread), then let the window go."""
    window.session.shutdown()
    try:
        app.aboutToQuit.disconnect(window.session.shutdown)
    except (RuntimeError, TypeError):
        pass
    window.hide()
    window.deleteLater()
    app.processEvents()
    return code


def _save_grab(window, path: Path) -> None:
    from PySide6 import QtCore

    from latentlab.core.atomic import write_atomically

    pixmap = window.grab()
    data = QtCore.QByteArray()
    buffer = QtCore.QBuffer(data)
    buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    if not pixmap.save(buffer, "PNG"):
        raise OSError("the window could not be encoded as PNG")
    buffer.close()
    write_atomically(path, bytes(data.data()))
    mask = os.umask(0)  # the atomic writer's temp file is private (0600); a picture is for sharing
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)


class _ProgressPrinter:
    """Progress lines on stderr every ~2 s while the session runs with no display."""

    def __init__(self, window) -> None:
        self.window = window
        self.last = 0.0
        self.batch = None
        window.session.progress.connect(self.update)
        window.session.status.connect(self.status)

    def status(self, text: str) -> None:
        print(f"latentlab: {text}", file=sys.stderr, flush=True)

    def update(self, batch) -> None:
        self.batch = batch
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY_S:
            self.last = now
            self._print(batch)

    def final(self) -> None:
        if self.batch is not None:
            self._print(self.batch)

    @staticmethod
    def _print(batch) -> None:
        print(
            f"step {batch.step:,}  epoch {batch.epoch:.2f}  {describe_metrics(batch.model, batch.latest)}  "
            f"{batch.images_per_s:,.0f} img/s",
            file=sys.stderr,
            flush=True,
        )
