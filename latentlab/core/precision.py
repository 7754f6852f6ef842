"""Mixed precision (`--amp`): which autocast dtype a device trains in, and the gradient scaler that goes with it.

- CUDA: float16 autocast with a GradScaler (float16 gradients underflow without one). One scaler serves
  every optimizer of a step (the GAN's two) and is updated once per step, as torch's AMP recipe says.
- CPU: bfloat16 autocast, no scaler (bfloat16 has float32's exponent range). It is faster than float32 on
  CPUs with bfloat16 instructions (AVX512-BF16, AMX) and slower on others; float16 on a CPU is far slower
  still, so it is never chosen there.
- MPS: refused (autocast support there is partial): train without --amp.

Without amp every call here is a no-op, so the trainers use the same code path either way.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import torch

from latentlab.core.errors import LatentlabError

# A loss scale this small means float16 gradients overflow at any scale: NaN from the model, not the scaler.
MIN_LOSS_SCALE = 2.0**-20


@dataclass
class Precision:
    """How a trainer runs forward passes and steps optimizers: plain float32, or autocast to `dtype`."""

    device_type: str = "cpu"
    dtype: torch.dtype | None = None  # None: float32, no autocast
    scaled: bool = False  # a GradScaler multiplies the loss before backward (float16)
    scaler: torch.amp.GradScaler | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.scaled:
            self.scaler = torch.amp.GradScaler(self.device_type)

    @property
    def enabled(self) -> bool:
        return self.dtype is not None

    def describe(self) -> str:
        if self.dtype is None:
            return "float32"
        name = str(self.dtype).removeprefix("torch.")
        return f"mixed {name}" + (" with loss scaling" if self.scaled else "")

    def autocast(self):
        """Context for forward passes and losses (the backward pass runs outside it)."""
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device_type, dtype=self.dtype)

    def backward(self, loss: torch.Tensor) -> None:
        (self.scaler.scale(loss) if self.scaler is not None else loss).backward()

    def unscale(self, optimizer: torch.optim.Optimizer) -> None:
        """Bring the gradients back to their true size before anyone looks at them."""
        if self.scaler is not None:
            self.scaler.unscale_(optimizer)

    def step(self, optimizer: torch.optim.Optimizer) -> None:
        """Step the optimizer; with a scaler, a step whose gradients overflowed is skipped."""
        if self.scaler is not None:
            self.scaler.step(optimizer)
        else:
            optimizer.step()

    def overflow_is_expected(self) -> bool:
        """Non-finite gradients are the scaler's business (it skips the step and lowers the scale)."""
        return self.scaler is not None

    def end_step(self) -> bool:
        """Once per training step, after every optimizer has stepped. False when the loss scale has
        collapsed: float16 gradients overflowed for ~40 steps in a row, so the model itself is non-finite."""
        if self.scaler is None:
            return True
        self.scaler.update()
        return self.scaler.get_scale() >= MIN_LOSS_SCALE

    # -- resume ---------------------------------------------------------------------------------
    def state(self) -> dict[str, torch.Tensor]:
        """The scaler's calibration, kept in a checkpoint so a resumed run does not re-learn it."""
        if self.scaler is None:
            return {}
        raw = self.scaler.state_dict()
        return {
            "amp_scale": torch.tensor([float(raw["scale"])], dtype=torch.float64),
            "amp_growth_tracker": torch.tensor([int(raw["_growth_tracker"])], dtype=torch.int64),
        }

    def restore(self, loop_state: dict[str, torch.Tensor]) -> None:
        if self.scaler is None or "amp_scale" not in loop_state:
            return
        raw = self.scaler.state_dict()
        raw["scale"] = float(loop_state["amp_scale"].reshape(-1)[0])
        if "amp_growth_tracker" in loop_state:
            raw["_growth_tracker"] = int(loop_state["amp_growth_tracker"].reshape(-1)[0])
        self.scaler.load_state_dict(raw)


def precision_for(device: torch.device, amp: bool) -> Precision:
    """The precision `--amp` means on `device` (float32 without it)."""
    if not amp:
        return Precision(device.type)
    if device.type == "cuda":
        return Precision("cuda", torch.float16, scaled=True)
    if device.type == "cpu":
        return Precision("cpu", torch.bfloat16)
    raise LatentlabError(f"--amp: mixed precision is not supported on {device.type}; train without --amp")
