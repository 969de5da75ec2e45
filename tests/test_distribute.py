"""Training under tf.distribute (notebook 11): a 2-replica run equals a one-device run at the same global batch.

The mirrored runs need two logical CPU devices, which TensorFlow only makes at start-up, so they run in a fresh
process (tests/distributed_runs.py) and report here. The multi-worker test starts two `ganstyle-edu train-gan`
processes on 127.0.0.1 that talk over gRPC.
"""
import json
import math
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ganstyle_edu import cli, distribute
from ganstyle_edu.config import import_tensorflow

tf = import_tensorflow()
ROOT = Path(__file__).resolve().parents[1]
QUIET = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}


def _distributed_runs(out: Path, *arguments) -> dict:
    done = subprocess.run([sys.executable, str(ROOT / "tests" / "distributed_runs.py"), str(out), *arguments],
                          env=QUIET, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def all_runs(tmp_path_factory):
    """Every case, and three of them again with the bug the checks exist for: each replica's loss not divided
    by R (one process: the one-device runs serve both)."""
    return _distributed_runs(tmp_path_factory.mktemp("distributed") / "runs.json", "--unscaled", "gan",
                             "style_adversarial", "resume_style")


@pytest.fixture(scope="module")
def runs(all_runs):
    return all_runs["scaled"]


@pytest.fixture(scope="module")
def unscaled_runs(all_runs):
    return all_runs["unscaled"]


# How far a mirrored run may be from the one-device run: a multiple of rounding's spread measured in the same
# process (the one-device run with every batch's rows reversed: the same sums in another order). Rounding
# differences under SGD stay at rounding size; a wrong 1/R makes the mirrored steps twice as long, thousands of
# times that spread (tests/distributed_runs.py). EPS: one float32 rounding, the least spread counted.
ROUNDING_MULTIPLE = 30
EPS = float(np.finfo(np.float32).eps)
# A spread the reversed batch cannot show: a CPU may pick a convolution's kernel by the batch's shape, so a
# replica's batch of 2 sums in another order than the one-device batch of 4, in every image. Through the style
# loss's cancellation (a Gram matrix minus one close to it) this reached 3e-4 of the step after 3 steps on one
# 2-core machine (30× its reversed-batch spread; another machine of the same kind stayed within that spread).
# So a distance below SHAPE_ROUNDING of the run's own step is never counted; the bug the checks are for moves
# the weights by about the whole step (0.84–1 of it, tests/distributed_runs.py --unscaled).
SHAPE_ROUNDING = 1e-2


def _beyond_rounding(distance: float, rounding: float, update: float) -> bool:
    """A distance beyond both ROUNDING_MULTIPLE × the measured rounding and SHAPE_ROUNDING of the step."""
    return distance > max(ROUNDING_MULTIPLE * rounding, SHAPE_ROUNDING * update)


def _relative_log_difference(one, other):
    return max(0.0 if math.isnan(a) and math.isnan(b) else abs(a - b) / max(abs(a), EPS) for a, b in zip(one, other))


def differences_beyond_rounding(result: dict) -> list[str]:
    """What of a distributed_runs.py equality case differs from the one-device run by more than rounding does."""
    found = []
    for network, measured_network in result["networks"].items():
        if measured_network["start"] != 0:  # otherwise every distance below measures the initial weights' difference
            found.append(f"{network}: the runs started from different weights ({measured_network['start']:.3g} apart)")
        for step, measured in measured_network["steps"].items():
            rounding = max(measured["reordered"], EPS * measured["update"])
            if _beyond_rounding(measured["mirrored"], rounding, measured["update"]):
                found.append(f"{network} after step {step}: weights {measured['mirrored']:.3g} from the one-device "
                             f"run; rounding {rounding:.3g}, the step {measured['update']:.3g}")
    logs = result["logs"]
    assert sorted(logs["one"]) == sorted(logs["mirrored"]) == sorted(logs["reordered"])
    for key in logs["one"]:
        mirrored = _relative_log_difference(logs["one"][key], logs["mirrored"][key])
        rounding = max(_relative_log_difference(logs["one"][key], logs["reordered"][key]), EPS)
        if mirrored > ROUNDING_MULTIPLE * rounding:
            found.append(f"logged {key}: {mirrored:.3g} relative; rounding {rounding:.3g}")
    if "output" in result:
        rounding = max(result["output"]["reordered"], EPS)
        if result["output"]["mirrored"] > ROUNDING_MULTIPLE * rounding:
            found.append(f"the generator's output: {result['output']['mirrored']:.3g}; rounding {rounding:.3g}")
    return found


@pytest.mark.parametrize("case", ["gan", "gan_r1", "style", "style_adversarial"])
def test_mirrored_training_equals_one_device_within_rounding(runs, case):
    """GAN with and without R1 (a gradient of D's input gradient, batch normalisation in G); the style trainer
    with λ = 0 and 0.5: after one step and after three, weights, logged losses and outputs."""
    result = runs[case]
    assert result["replicas"] == 2
    assert all(set(network["steps"]) == {"1", "3"} for network in result["networks"].values())
    assert all(network["steps"]["3"]["update"] > 0 for network in result["networks"].values())  # the runs trained
    assert differences_beyond_rounding(result) == []


def test_the_equality_check_names_a_different_start_once_and_a_long_step():
    """On a made-up result: runs that started apart are named once per network; a mirrored run further from the
    one-device run than 30 × rounding and than 1 % of the step is named with its step; one within either is not."""
    logs = {"one": {"loss": [1.0]}, "mirrored": {"loss": [1.0]}, "reordered": {"loss": [1.0]}}
    step = {"update": 1.0, "reordered": 1e-6}
    result = {"networks": {"generator": {"start": 0.5, "steps": {"1": {**step, "mirrored": 2e-5},
                                                                  "3": {**step, "mirrored": 0.2}}},
                           "discriminator": {"start": 0.0, "steps": {"1": {**step, "mirrored": 1e-6},
                                                                     "3": {**step, "mirrored": 5e-3}}}},
              "logs": logs}
    # 5e-3 of the step: beyond 30 × the reversed batch's spread, within the batch-shape allowance (SHAPE_ROUNDING)
    assert differences_beyond_rounding(result) == [
        "generator: the runs started from different weights (0.5 apart)",
        "generator after step 3: weights 0.2 from the one-device run; rounding 1e-06, the step 1"]
    resumed = {"resumed": 0.2, "reordered": 1e-6, "update": 1.0}
    assert _resume_beyond_rounding({"a": resumed, "b": {**resumed, "resumed": 5e-3}}) == ["a"]


def _resume_beyond_rounding(result: dict) -> list[str]:
    return [name for name, run in result.items()
            if _beyond_rounding(run["resumed"], max(run["reordered"], EPS), run["update"])]


@pytest.mark.parametrize("case", ["resume_gan", "resume_style"])
def test_a_checkpoint_resumes_across_strategies(runs, case):
    for name, result in runs[case].items():
        assert result["restored_step"] == 2, name
        assert result["loaded"] == 0.0, name  # the weights load bit for bit
    assert _resume_beyond_rounding(runs[case]) == []


@pytest.mark.parametrize("case", ["gan", "style_adversarial"])
def test_the_equality_checks_catch_losses_not_divided_by_the_replica_count(unscaled_runs, case):
    found = differences_beyond_rounding(unscaled_runs[case])
    networks = unscaled_runs[case]["networks"]
    assert all(any(line.startswith(f"{network} after step 3") for line in found) for network in networks), found


def test_the_resume_check_catches_losses_not_divided_by_the_replica_count(unscaled_runs):
    assert sorted(_resume_beyond_rounding(unscaled_runs["resume_style"])) == ["mirrored_then_none",
                                                                              "none_then_mirrored"]


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


GAN_COMMAND = ["train-gan", "--style", "starry_night", "--steps", "3", "--width", "4", "--batch-size", "4",
               "--checkpoint-every", "1"]
STYLE_COMMAND = ["train-style", "--style", "starry_night", "--steps", "4", "--crop-size", "64", "--width", "8",
                 "--residual-blocks", "1", "--identity-steps", "1", "--style-warmup-steps", "1", "--loss-dtype",
                 "float32", "--batch-size", "4", "--adversarial-weight", "1000", "--checkpoint-every", "2"]


def _two_workers(tmp_path, command):
    """Run ``command`` as workers 0 and 1 of a 2-worker cluster on 127.0.0.1; [(return code, stdout, stderr)]."""
    ports = _free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    processes = []
    try:
        for index in range(2):
            env = {**QUIET, "TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})}
            argv = [sys.executable, "-m", "ganstyle_edu.cli", *command, "--strategy", "multiworker",
                    "--out", str(tmp_path / f"worker{index}")]
            processes.append(subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        outputs = [process.communicate(timeout=600) for process in processes]  # a guard against a hang
    finally:
        for process in processes:  # ends both in every case: a worker left waiting for its peer would hang
            if process.poll() is None:
                process.kill()
                process.wait()
    return [(process.returncode, out, err) for process, (out, err) in zip(processes, outputs)]


@pytest.fixture(scope="module")
def clusters(tmp_path_factory):
    """Each command run once by a 2-worker cluster: {name: (its folder, [(return code, stdout, stderr)])}."""
    found = {}
    for name, command in (("train-gan", GAN_COMMAND), ("train-style", STYLE_COMMAND)):
        folder = tmp_path_factory.mktemp(name)
        found[name] = folder, _two_workers(folder, command)
    return found


@pytest.mark.parametrize("name,written", [
    ("train-gan", ["starry_night_spatial_generator.weights.h5",  # the default recipe's files
                   "starry_night_spatial_checkpoints/step_00000003/state.json"]),
    ("train-style", ["starry_night.weights.h5", "starry_night_checkpoints/step_00000004/state.json"]),
])
def test_two_workers_over_grpc_end_equal_and_only_the_chief_writes(clusters, name, written):
    folder, results = clusters[name]
    for status, out, err in results:
        assert status == 0, err[-2000:]
        assert "strategy multiworker: 2 replica(s)" in out
    fingerprints = [line.split()[2] for _, out, _ in results for line in out.splitlines()
                    if line.startswith("weights fingerprint")]
    assert len(fingerprints) == 2 and fingerprints[0] == fingerprints[1]
    for path in written:
        assert (folder / "worker0" / path).is_file(), path
    assert not (folder / "worker1").exists(), "only the chief writes"
    assert "not the chief worker" in results[1][1]


def test_workers_that_would_resume_from_different_steps_all_stop(clusters):
    """The chief has the finished GAN run's checkpoint; worker 1, on another machine with no shared folder, has
    none. Both stop, each with one line."""
    folder, results = clusters["train-gan"]
    assert all(status == 0 for status, _, _ in results)
    longer = [*GAN_COMMAND[:GAN_COMMAND.index("--steps") + 1], "5", *GAN_COMMAND[GAN_COMMAND.index("--steps") + 2:]]
    for status, _, err in _two_workers(folder, longer):
        assert status == 2 and "start from different steps" in err and len(err.strip().splitlines()) == 1, err


# ----------------------------------------------------------------------------- pieces, checked in this process


def test_scaled_replica_losses_add_up_to_the_global_mean():
    """(1/R)·(local mean) summed over replicas = the global mean, against a NumPy loop."""
    losses = np.random.default_rng(0).standard_normal(8)
    replicas = 4
    total = 0.0
    for r in range(replicas):
        local = losses[r * 2:(r + 1) * 2]
        total += local.mean() / replicas
    assert np.isclose(total, losses.mean())
    strategy = tf.distribute.get_strategy()  # the default: one replica, nothing scaled or sliced
    assert strategy.num_replicas_in_sync == 1
    assert float(distribute.scale_loss(tf.constant(3.0))) == 3.0
    assert np.array_equal(distribute.replica_rows(tf.range(6)).numpy(), np.arange(6))


def test_no_strategy_is_the_default_and_changes_nothing():
    assert distribute.make_strategy("none") is None
    assert distribute.num_replicas(None) == 1 and distribute.is_chief(None)
    assert distribute.check_global_batch(4, None) == 4


@pytest.mark.parametrize("name,cpu_replicas,match", [
    ("ring", None, "use one of none, mirrored, multiworker, tpu"),
    ("tpu", 2, "cpu_replicas goes with the mirrored strategy"),
    ("mirrored", 2, "TensorFlow started with 1 CPU device"),
    ("mirrored", 0, "whole number"),
])
def test_bad_strategy_arguments_say_what_to_do(name, cpu_replicas, match):
    with pytest.raises(distribute.StrategyError, match=match):
        distribute.make_strategy(name, cpu_replicas)


@pytest.mark.parametrize("tf_config,match", [
    (None, "needs TF_CONFIG"),
    ("{not json", "not JSON"),
    ('{"cluster": {"worker": ["nohost"]}, "task": {"type": "worker", "index": 0}}', "host:port"),
    ('{"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 2}}', "index 2 is not in"),
    ('{"cluster": {"worker": ["a:1"]}}', "task must be"),
])
def test_a_malformed_tf_config_is_named(monkeypatch, tf_config, match):
    if tf_config is None:
        monkeypatch.delenv("TF_CONFIG", raising=False)
    else:
        monkeypatch.setenv("TF_CONFIG", tf_config)
    with pytest.raises(distribute.StrategyError, match=match):
        distribute.make_strategy("multiworker")


def test_a_global_batch_that_does_not_split_is_refused():
    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])  # one replica: anything splits
    assert distribute.check_global_batch(3, strategy) == 3
    with pytest.raises(distribute.StrategyError, match="use a multiple of 2"):
        distribute.check_global_batch(5, type("TwoReplicas", (), {"num_replicas_in_sync": 2})())


def test_networks_built_outside_the_scope_are_refused():
    from ganstyle_edu import gan, models

    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
    generator = models.build_dcgan_generator(latent_dim=4, image_size=8, width=2)
    with strategy.scope():
        discriminator = models.build_dcgan_discriminator(image_size=8, width=2)
    with pytest.raises(distribute.StrategyError, match="created outside strategy.scope"):
        gan.GAN(generator, discriminator, strategy=strategy)


@pytest.mark.parametrize("argv,match", [
    (["--strategy", "tpu"], "no TPU found"),
    (["--strategy", "none", "--cpu-replicas", "2"], "--cpu-replicas goes with --strategy mirrored"),
    (["--strategy", "multiworker"], "TF_CONFIG"),
])
def test_the_command_line_answers_a_strategy_that_cannot_start_with_one_line(argv, match, capsys, tmp_path,
                                                                            monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    status = cli.main(["train-gan", "--style", "starry_night", "--steps", "1", "--out", str(tmp_path / "o"), *argv])
    err = capsys.readouterr().err
    assert status == 2 and match in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "o").exists()
