"""torchrun detection and the single-process side of data parallelism (the multi-process run: tests/cli)."""

import pytest
import torch

from latentlab.core.distributed import DataParallel, SingleProcess, TorchrunEnv, start, torchrun_env
from latentlab.core.errors import LatentlabError


def test_torchrun_variables_are_detected_and_checked():
    assert torchrun_env({}) is None
    assert torchrun_env({"RANK": "1", "WORLD_SIZE": "4", "LOCAL_RANK": "1"}) == TorchrunEnv(1, 4, 1)
    with pytest.raises(LatentlabError, match="LOCAL_RANK not"):
        torchrun_env({"RANK": "0", "WORLD_SIZE": "2"})
    with pytest.raises(LatentlabError, match="whole numbers"):
        torchrun_env({"RANK": "zero", "WORLD_SIZE": "2", "LOCAL_RANK": "0"})
    with pytest.raises(LatentlabError, match="inconsistent"):
        torchrun_env({"RANK": "2", "WORLD_SIZE": "2", "LOCAL_RANK": "0"})


def test_outside_torchrun_or_with_one_process_training_is_single_process():
    assert isinstance(start("auto", {}), SingleProcess)
    assert type(start("cpu", {"RANK": "0", "WORLD_SIZE": "1", "LOCAL_RANK": "0"})) is SingleProcess


def test_each_rank_takes_its_strided_share_of_a_global_batch_rounded_to_the_world_size():
    ranks = [DataParallel(TorchrunEnv(r, 3, r), torch.device("cpu")) for r in range(3)]
    assert ranks[0].global_batch_size(32) == 30
    with pytest.raises(LatentlabError, match="--batch-size 3 or more"):
        ranks[0].global_batch_size(2)
    batch = torch.arange(30)
    shares = [rank.shard(batch) for rank in ranks]
    assert [len(s) for s in shares] == [10, 10, 10]
    assert sorted(torch.cat(shares).tolist()) == list(range(30))
    assert [rank.is_main for rank in ranks] == [True, False, False]
