"""GUI tests run without a screen: Qt's offscreen platform, set before anything imports Qt."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if not os.environ["QT_QPA_PLATFORM"]:  # set but empty counts as unset
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
