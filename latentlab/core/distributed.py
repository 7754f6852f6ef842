"""Data-parallel training under torchrun: one process per device, DistributedDataParallel, rank 0 speaks.

`torchrun --nproc-per-node N -m latentlab train ...` starts N copies of the command line with RANK,
WORLD_SIZE and LOCAL_RANK (and MASTER_ADDR/MASTER_PORT) in their environment. Every rank builds the same
trainer from the same seed, so all of them draw the same shuffled order and the same noise; each trains on
its own strided shard of every global batch (rank r takes items r, r + N, ...), and DDP averages the
gradients. With the batch size a multiple of N that is the single-process run's update, up to float
rounding and BatchNorm (which normalises over each rank's shard, as usual with DDP).

Trainers talk to a `Parallel` object: `SingleProcess` does nothing, `DataParallel` shards, wraps modules
in DDP and makes the few decisions that must agree across ranks (is the loss finite?) collective.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from latentlab.core.errors import LatentlabError

TORCHRUN_VARIABLES = ("RANK", "WORLD_SIZE", "LOCAL_RANK")


class SingleProcess:
    """One process trains on whole batches: every hook is the identity."""

    rank = 0
    local_rank = 0
    world_size = 1
    is_main = True

    def device_name(self, requested: str) -> str:
        """The --device every rank trains on."""
        return requested

    def global_batch_size(self, requested: int) -> int:
        return requested

    def shard(self, tensor: torch.Tensor) -> torch.Tensor:
        return tensor

    def wrap(self, module: nn.Module) -> nn.Module:
        return module

    def no_sync(self, module: nn.Module):
        return contextlib.nullcontext()

    def max_abs(self, value: torch.Tensor) -> float:
        """The largest magnitude in `value` (inf for a NaN)."""
        return float(value.detach().abs().nan_to_num(nan=float("inf")).max())

    def mean_metrics(self, metrics: dict[str, float]) -> dict[str, float]:
        return metrics

    @contextlib.contextmanager
    def main_first(self) -> Iterator[None]:
        yield

    def close(self, finished: bool = True) -> None:
        pass


@dataclass(frozen=True)
class TorchrunEnv:
    rank: int
    world_size: int
    local_rank: int


def torchrun_env(environ: Mapping[str, str] | None = None) -> TorchrunEnv | None:
    """The process's place in a torchrun job, or None when it was not started by torchrun."""
    environ = os.environ if environ is None else environ
    present = [name for name in TORCHRUN_VARIABLES if name in environ]
    if not present:
        return None
    if len(present) < len(TORCHRUN_VARIABLES):
        missing = ", ".join(n for n in TORCHRUN_VARIABLES if n not in environ)
        raise LatentlabError(f"{', '.join(present)} set but {missing} not: start distributed runs with torchrun")
    try:
        env = TorchrunEnv(*(int(environ[name]) for name in TORCHRUN_VARIABLES))
    except ValueError:
        values = ", ".join(f"{n}={environ[n]!r}" for n in TORCHRUN_VARIABLES)
        raise LatentlabError(f"torchrun variables must be whole numbers, got {values}") from None
    if env.world_size < 1 or not 0 <= env.rank < env.world_size or env.local_rank < 0:
        raise LatentlabError(f"inconsistent torchrun variables: RANK={env.rank} WORLD_SIZE={env.world_size} LOCAL_RANK={env.local_rank}")
    return env


class DataParallel(SingleProcess):
    """This process is rank `rank` of `world_size`, joined in a process group (see `start`)."""

    def __init__(self, env: TorchrunEnv, device: torch.device) -> None:
        self.rank, self.world_size, self.local_rank = env.rank, env.world_size, env.local_rank
        self.is_main = env.rank == 0
        self.device = device

    def device_name(self, requested: str) -> str:
        return self.device.type  # the device the process group was made for, never "auto"

    def global_batch_size(self, requested: int) -> int:
        """The largest multiple of the world size not above `requested`: equal shards, equal weights."""
        if requested < self.world_size:
            raise LatentlabError(
                f"batch size {requested} is smaller than the {self.world_size} processes: use --batch-size "
                f"{self.world_size} or more (it is the global batch, split across processes)"
            )
        return requested - requested % self.world_size

    def shard(self, tensor: torch.Tensor) -> torch.Tensor:
        return tensor[self.rank :: self.world_size]

    def wrap(self, module: nn.Module) -> nn.Module:
        device_ids = [self.device] if self.device.type == "cuda" else None
        return DistributedDataParallel(module, device_ids=device_ids)

    def no_sync(self, module: nn.Module):
        """A backward pass whose gradients for `module` are thrown away (the GAN's D in the G step)."""
        return module.no_sync() if isinstance(module, DistributedDataParallel) else contextlib.nullcontext()

    def max_abs(self, value: torch.Tensor) -> float:
        """The largest magnitude on any rank (inf for a NaN): all ranks must agree to step, or one would wait
        forever for the others."""
        local = value.detach().abs().nan_to_num(nan=float("inf")).max()
        flag = local.to(self._collective_device(), torch.float64).reshape(1)
        dist.all_reduce(flag, op=dist.ReduceOp.MAX)
        return float(flag.item())

    def mean_metrics(self, metrics: dict[str, float]) -> dict[str, float]:
        """Each rank's means over its shard, averaged: the global batch's means (shards are equal)."""
        if not metrics:
            return metrics
        names = list(metrics)
        values = torch.tensor([metrics[n] for n in names], dtype=torch.float64, device=self._collective_device())
        dist.all_reduce(values, op=dist.ReduceOp.SUM)
        return dict(zip(names, (values / self.world_size).tolist()))

    @contextlib.contextmanager
    def main_first(self) -> Iterator[None]:
        """Local rank 0 of each machine goes first (a download, a dataset cache), the others then read."""
        if self.local_rank != 0:
            dist.barrier()
        yield
        if self.local_rank == 0:
            dist.barrier()

    def close(self, finished: bool = True) -> None:
        """Leave the job. After a finished run every rank first waits for the others (rank 0 still evaluates
        and writes the checkpoint): a rank that tore its gloo group down while rank 0 was busy sometimes
        aborted in its destructor (SIGABRT, 1 run in 8). After a failure no rank waits: the others may be
        inside a collective that will never complete, and torchrun ends them."""
        if not dist.is_initialized():
            return
        if finished:
            dist.barrier()
        dist.destroy_process_group()

    def _collective_device(self) -> torch.device:
        return self.device if self.device.type == "cuda" else torch.device("cpu")


def start(device_name: str, environ: Mapping[str, str] | None = None) -> SingleProcess:
    """Join the torchrun job this process belongs to (NCCL on GPUs, gloo on CPUs), or SingleProcess
    when it was not started by torchrun (or by torchrun with one process)."""
    env = torchrun_env(environ)
    if env is None or env.world_size == 1:
        return SingleProcess()
    if not dist.is_available():
        raise LatentlabError("this torch build has no torch.distributed: install a standard torch build")
    use_cuda = device_name == "cuda" or (device_name == "auto" and torch.cuda.is_available())
    if device_name == "mps":
        raise LatentlabError("distributed training runs on CPUs (gloo) or CUDA GPUs (NCCL), not on mps: use --device cpu or cuda")
    if use_cuda:
        if not torch.cuda.is_available():
            raise LatentlabError("--device cuda: no CUDA GPU is visible to torch; use --device cpu (or auto)")
        if env.local_rank >= torch.cuda.device_count():
            raise LatentlabError(
                f"local rank {env.local_rank} has no GPU: this machine has {torch.cuda.device_count()}; "
                f"start at most that many processes per node (--nproc-per-node)"
            )
        device = torch.device("cuda", env.local_rank)
        torch.cuda.set_device(device)  # so "cuda" means this rank's own GPU everywhere below
        backend = "nccl"
    else:
        device = torch.device("cpu")
        backend = "gloo"
    if not dist.is_initialized():
        dist.init_process_group(backend=backend, rank=env.rank, world_size=env.world_size)
    return DataParallel(env, device)
