"""A table of bad inputs by area: each is refused with the library's error, and nothing changes.

Every row builds its objects, snapshots the state the call could damage (the
model's parameters, the optimizer's state, a file's bytes, a directory's
listing), makes the bad call, checks the error's type and message, and
compares the snapshot again. The op-level bad inputs are generated from the
op declarations instead (tests/test_error_inputs.py); the few listed here are
the ones reported in the issue.

Behaviours that are not refusals (what a NaN gradient does to clipping, a
changed file being reread, the umask) are tested after the table.
"""
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import zipfile
from dataclasses import dataclass
from typing import Callable

import numpy
import pytest

import autograd
from autograd import nn, optim
from autograd.data import DataLoader, Subset, TensorDataset, random_split
from autograd.datasets import addition, ptb
from autograd.nn.vocab import Vocabulary
from autograd.serialization import _STRUCTURE_KEY
from autograd.text import TBPTTBatcher, generate
from autograd.training import History, fit


@dataclass
class Bad:
    area: str
    name: str
    build: Callable  # tmp_path -> (call, observe): call() must raise; observe() snapshots what must not change
    error: type
    match: str = ""


def same(a, b):
    """Deep equality of snapshots: dicts, lists, arrays (NaN equal to NaN), bytes, numbers."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, numpy.ndarray) or isinstance(b, numpy.ndarray):
        return numpy.array_equal(numpy.asarray(a), numpy.asarray(b), equal_nan=numpy.asarray(a).dtype.kind == "f")
    return a == b


def params_of(*modules):
    """A snapshot of every parameter and buffer (values and dtypes) of the modules."""
    return [{k: (v.numpy().copy(), v.dtype) for k, v in m.state_dict().items()} for m in modules]


def optimizer_snapshot(opt):
    return {"groups": [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups],
            "state": [{k: (numpy.array(v).copy()) for k, v in opt.state[p].items()} if p in opt.state else None
                      for g in opt.param_groups for p in g["params"]]}


def file_snapshot(*paths):
    return [p.read_bytes() if p.exists() else None for p in paths] + [directory_snapshot(paths[0].parent)]


def directory_snapshot(directory):
    """{name: bytes} of every file in `directory` (a refused call must neither write nor delete)."""
    return {p.name: p.read_bytes() if p.is_file() else "dir" for p in sorted(directory.iterdir())}


def small_model():
    autograd.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))


def trained_adam():
    model = nn.Linear(3, 2)
    opt = optim.Adam(model.parameters(), lr=0.01)
    model(autograd.randn(4, 3)).sum().backward()
    opt.step()
    return model, opt


# ---------------------------------------------------------------- crafted checkpoint files


def npy_bytes(array=None, shape=None, descr="<f4", data=None):
    """A .npy member: `array`'s own bytes, or a header claiming `shape` followed by `data`."""
    buffer = io.BytesIO()
    if array is not None:
        numpy.lib.format.write_array(buffer, array, allow_pickle=False)
        return buffer.getvalue()
    numpy.lib.format.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": False, "shape": shape})
    return buffer.getvalue() + (data or b"")


def write_zip(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, payload in members.items():
            archive.writestr(name + ".npy", payload)
    return path


def with_structure(path, text_bytes, arrays=None):
    members = {name: npy_bytes(a) for name, a in (arrays or {}).items()}
    members[_STRUCTURE_KEY] = npy_bytes(numpy.frombuffer(text_bytes, dtype=numpy.uint8))
    return write_zip(path, members)


def loading(path, **options):
    return lambda: autograd.load(path, **options), lambda: file_snapshot(path)


def checkpoint_into_model(tmp_path, make_file):
    """A model and a file crafted from its state dict; the call loads the file into the model."""
    model = small_model()
    path = make_file(tmp_path / "bad.npz", {k: v.numpy() for k, v in model.state_dict().items()})
    return (lambda: model.load_state_dict(autograd.load(path))), (lambda: params_of(model))


def last_entry_is_text(path, state):
    state = dict(state)
    last = list(state)[-2]  # a float buffer: running_var of the BatchNorm... any of them will do
    state[last] = numpy.full(state[last].shape, "x")
    numpy.savez(path, **state)
    return path


def _state_with(opt, edit):
    state = opt.state_dict()
    edit(state)
    return state


def optimizer_refusal(edit):
    def build(tmp_path):
        model, opt = trained_adam()
        bad = _state_with(opt, edit)

        def call():
            opt.load_state_dict(bad)

        return call, lambda: optimizer_snapshot(opt)

    return build


def scheduler_state(edit):
    def build(tmp_path):
        model, opt = trained_adam()
        scheduler = optim.StepLR(opt, step_size=2)
        scheduler.step()
        state = scheduler.state_dict()
        edit(state)
        return (lambda: scheduler.load_state_dict(state)), (lambda: dict(vars(scheduler)))

    return build


def safetensors_file(structure):
    def build(tmp_path):
        safetensors_numpy = pytest.importorskip("safetensors.numpy")
        path = tmp_path / "x.safetensors"
        path.write_bytes(safetensors_numpy.save({"w": numpy.ones(2)}, metadata={_STRUCTURE_KEY: structure.decode()}))
        return loading(path)

    return build


def deep_structure(depth):
    return ('{"list": [' * depth + '{"value": 1}' + "]}" * depth).encode()


CHECKPOINTS = [
    Bad("checkpoints", "a string array of the right shape is refused before any tensor changes",
        lambda tmp: checkpoint_into_model(tmp, last_entry_is_text), autograd.CheckpointError,
        r"nothing was changed.*values of the wrong kind.*<U1 cannot become float32"),
    Bad("checkpoints", "a complex array into real weights",
        lambda tmp: checkpoint_into_model(tmp, lambda p, s: (numpy.savez(p, **{**s, "0.bias": s["0.bias"] + 1j}), p)[1]),
        autograd.CheckpointError, "complex values cannot become float32"),
    Bad("checkpoints", "a structure nested 50,000 deep",
        lambda tmp: loading(with_structure(tmp / "deep.npz", deep_structure(50_000))), autograd.CheckpointError,
        "deep.npz: the structure entry is nested 100001 brackets deep, more than 192 allowed"),
    Bad("checkpoints", "a structure nested just past the limit",
        lambda tmp: loading(with_structure(tmp / "deep.npz", deep_structure(97))), autograd.CheckpointError,
        "nested"),
    Bad("checkpoints", "a non-UTF-8 structure entry",
        lambda tmp: loading(with_structure(tmp / "latin.npz", b'{"value": "\xe9t\xe9"}')), autograd.CheckpointError,
        "latin.npz: the structure entry is not UTF-8"),
    Bad("checkpoints", "a structure that is not JSON",
        lambda tmp: loading(with_structure(tmp / "x.npz", b'{"value": ')), autograd.CheckpointError, "corrupt"),
    Bad("checkpoints", "a structure naming an array the file does not hold",
        lambda tmp: loading(with_structure(tmp / "x.npz", b'{"array": "w"}')), autograd.CheckpointError,
        "refers to an array 'w' that the file does not hold"),
    Bad("checkpoints", "a structure node of an unknown kind",
        lambda tmp: loading(with_structure(tmp / "x.npz", b'{"pickle": "os.system"}')), autograd.CheckpointError,
        "unknown entry kind 'pickle'"),
    Bad("checkpoints", "a structure value that is a container",
        lambda tmp: loading(with_structure(tmp / "x.npz", b'{"value": [1, 2]}')), autograd.CheckpointError,
        "a value must be a number"),
    Bad("checkpoints", "a member claiming 4 TiB",
        lambda tmp: loading(write_zip(tmp / "huge.npz", {"w": npy_bytes(shape=(2**40,), data=b"\0" * 16)})),
        autograd.CheckpointError, r"huge.npz: member 'w' claims shape \(1099511627776,\)"),
    Bad("checkpoints", "a member claiming more bytes than it holds",
        lambda tmp: loading(write_zip(tmp / "short.npz", {"w": npy_bytes(shape=(100,), data=b"\0" * 16)})),
        autograd.CheckpointError, "claims 400 bytes of data but holds only 16"),
    Bad("checkpoints", "a compressed member inflating past max_bytes (a zip bomb)",
        lambda tmp: loading(write_zip(tmp / "bomb.npz", {"w": npy_bytes(numpy.zeros(2**22, numpy.float32))},
                                      zipfile.ZIP_DEFLATED), max_bytes=2**20),
        autograd.CheckpointError, r"bomb.npz: member 'w' .*more than the \d+ bytes left under max_bytes"),
    Bad("checkpoints", "a file larger than max_bytes",
        lambda tmp: loading(write_zip(tmp / "big.npz", {"w": npy_bytes(numpy.zeros(1000))}), max_bytes=1000),
        autograd.CheckpointError, "big.npz: the file has .* bytes, more than max_bytes=1000"),
    Bad("checkpoints", "a member of a record dtype",
        lambda tmp: loading(write_zip(tmp / "rec.npz", {"w": npy_bytes(numpy.zeros(2, "i4,f4"))})),
        autograd.CheckpointError, "may not hold"),
    Bad("checkpoints", "a pickled member",
        lambda tmp: loading(write_zip(tmp / "evil.npz", {"w": npy_bytes(shape=(1,), descr="|O", data=b"x")})),
        autograd.CheckpointError, "evil.npz contains pickled objects"),
    Bad("checkpoints", "a file that is not a checkpoint",
        lambda tmp: loading((tmp / "x.npz").write_bytes(b"GIF89a, hello") and tmp / "x.npz"),
        autograd.CheckpointError, "not a checkpoint"),
    Bad("checkpoints", "a state dict that is not a dict",
        lambda tmp: (lambda m: ((lambda: m.load_state_dict([1, 2])), lambda: params_of(m)))(small_model()),
        autograd.CheckpointError, "needs a dict"),
    Bad("checkpoints", "an optimizer state missing exp_avg_sq",
        optimizer_refusal(lambda s: s["state"][0].pop("exp_avg_sq")), autograd.CheckpointError,
        r"parameter 0 has state \['exp_avg', 'step'\], Adam keeps"),
    Bad("checkpoints", "an optimizer state whose step is a string",
        optimizer_refusal(lambda s: s["state"][0].update(step="3")), autograd.CheckpointError,
        "parameter 0 step: expected a finite integer"),
    Bad("checkpoints", "an optimizer state of the wrong shape",
        optimizer_refusal(lambda s: s["state"][1].update(exp_avg=numpy.zeros(5))), autograd.CheckpointError,
        r"parameter 1 exp_avg: expected a number array of shape \(2,\)"),
    Bad("checkpoints", "an optimizer state of text",
        optimizer_refusal(lambda s: s["state"][1].update(exp_avg=numpy.array(["a", "b"]))), autograd.CheckpointError,
        "expected a number array"),
    Bad("checkpoints", "an optimizer state for a parameter that does not exist",
        optimizer_refusal(lambda s: s["state"].update({7: dict(s["state"][0])})), autograd.CheckpointError,
        "state for parameter 7"),
    Bad("checkpoints", "an optimizer state with lr=-1",
        optimizer_refusal(lambda s: s["param_groups"][0].update(lr=-1.0)), autograd.CheckpointError,
        r"lr=-1.0 must be in \[0.0, inf\)"),
    Bad("checkpoints", "an optimizer state without betas",
        optimizer_refusal(lambda s: s["param_groups"][0].pop("betas")), autograd.CheckpointError, "lacks betas"),
    Bad("checkpoints", "an optimizer state with two groups for one",
        optimizer_refusal(lambda s: s["param_groups"].append(dict(s["param_groups"][0]))), autograd.CheckpointError,
        "2 parameter groups"),
    Bad("checkpoints", "a scheduler state with an unknown entry",
        scheduler_state(lambda s: s.update(gamma_typo=0.5)), autograd.CheckpointError, "unknown entry 'gamma_typo'"),
    Bad("checkpoints", "a scheduler state whose last_epoch is text",
        scheduler_state(lambda s: s.update(last_epoch="3")), autograd.CheckpointError, "last_epoch: expected a number"),
    Bad("checkpoints", "a scheduler state with lrs for two groups, not one",
        scheduler_state(lambda s: s.update(base_lrs=[0.1, 0.2])), autograd.CheckpointError, "a list of 1"),
    Bad("checkpoints", "a safetensors structure nested 50,000 deep", safetensors_file(deep_structure(50_000)),
        autograd.CheckpointError, "x.safetensors: the structure entry is nested"),
    Bad("checkpoints", "an optimizer state that is not a dict",
        optimizer_refusal(lambda s: s.clear()), autograd.CheckpointError, "expected a dict"),
]


# ---------------------------------------------------------------- ops (those reported in the issue)


def tensors(*shapes):
    return [autograd.tensor(numpy.random.default_rng(i).uniform(0.1, 0.9, s), requires_grad=True)
            for i, s in enumerate(shapes)]


def op_call(call, *shapes):
    def build(tmp_path):
        inputs = tensors(*shapes)
        return (lambda: call(*inputs)), (lambda: [t.numpy().copy() for t in inputs] + [t.grad for t in inputs])

    return build


def layer_call(make, call):
    def build(tmp_path):
        layer = make()
        return (lambda: call(layer)), (lambda: params_of(layer))

    return build


OPS = [
    Bad("ops", "concatenate(axis=2) of matrices", op_call(lambda a, b: autograd.concatenate([a, b], axis=2), (2, 3), (2, 3)),
        autograd.AxisError, "concatenate: axis 2 is out of range for 2-d inputs"),
    Bad("ops", "stack(axis=7)", op_call(lambda a, b: autograd.stack([a, b], axis=7), (2, 3), (2, 3)),
        autograd.AxisError, "stack: axis 7"),
    Bad("ops", "flatten(5)", op_call(lambda a: a.flatten(5), (2, 3)), autograd.AxisError, "flatten: start_dim=5"),
    Bad("ops", "sum(axis=2)", op_call(lambda a: a.sum(axis=2), (2, 3)), autograd.AxisError, "sum: dim=2"),
    Bad("ops", "an index past the end", op_call(lambda a: a[5], (2, 3)), autograd.IndexOutOfRangeError,
        "index 5 is out of bounds"),
    Bad("ops", "binary_cross_entropy of values outside [0, 1]",
        op_call(lambda p, t: autograd.binary_cross_entropy(p * 2, t), (4,), (4,)), autograd.ArgumentError,
        r"probability in \[0, 1\]"),
    Bad("ops", "Linear given int64 ids", layer_call(lambda: nn.Linear(3, 2), lambda l: l(autograd.tensor([[1, 2, 3]]))),
        autograd.DTypeError, "Linear: expected a floating-point input, got int64"),
    Bad("ops", "Dropout(p=1.5), the same error as the op", layer_call(lambda: nn.Linear(3, 2), lambda l: nn.Dropout(1.5)),
        autograd.ArgumentError, r"p must be in \[0, 1\)"),
]


# ---------------------------------------------------------------- training


def optimizer_settings(make, **settings):
    def build(tmp_path):
        model = nn.Linear(3, 2)
        return (lambda: make(model.parameters(), **settings)), (lambda: params_of(model))

    return build


def scheduler_settings(make, **settings):
    def build(tmp_path):
        model, opt = trained_adam()
        return (lambda: make(opt, **settings)), (lambda: optimizer_snapshot(opt))

    return build


def gradients(values):
    params = [nn.Parameter(numpy.zeros(len(v))) for v in values]
    for p, v in zip(params, values):
        p.grad = autograd.tensor(numpy.array(v, dtype=numpy.float64))
    return params


def clipping(call, values):
    def build(tmp_path):
        params = gradients(values)
        return (lambda: call(params)), (lambda: [p.grad.numpy().copy() for p in params])

    return build


def add_group(tmp_path):
    model, opt = trained_adam()
    extra = nn.Parameter(numpy.zeros(3))
    return (lambda: opt.add_param_group({"params": [extra], "lr": -0.5})), (lambda: optimizer_snapshot(opt))


def single_sample_batchnorm(tmp_path):
    bn = nn.BatchNorm1d(4)
    return (lambda: bn(autograd.randn(1, 4))), (lambda: params_of(bn))


def fit_on(loader_of, **options):
    def build(tmp_path):
        model = nn.Linear(2, 2)
        opt = optim.SGD(model.parameters(), lr=0.1)
        loader = loader_of()
        call = (lambda: fit(model, nn.CrossEntropyLoss(), opt, loader, progress=False, **options))
        return call, (lambda: params_of(model))

    return build


def empty_loader():
    return DataLoader(TensorDataset(numpy.zeros((0, 2), numpy.float32), numpy.zeros(0, numpy.int64)), batch_size=4)


def generation(**options):
    def build(tmp_path):
        from autograd.text import LSTMLanguageModel
        autograd.manual_seed(0)
        model = LSTMLanguageModel(6, 4, 4)
        model.train()
        return (lambda: generate(model, [1], 3, seed=0, **options)), (lambda: params_of(model) + [model.training])

    return build


TRAINING = [
    Bad("training", "Adam(lr=-1)", optimizer_settings(optim.Adam, lr=-1), autograd.ArgumentError, r"Adam: lr=-1"),
    Bad("training", "Adam(lr=nan)", optimizer_settings(optim.Adam, lr=float("nan")), autograd.ArgumentError, "lr=nan"),
    Bad("training", "Adam(betas=(1.0, 0.9))", optimizer_settings(optim.Adam, betas=(1.0, 0.9)),
        autograd.ArgumentError, r"betas must be two numbers in \[0, 1\)"),
    Bad("training", "Adam(eps=-1e-8)", optimizer_settings(optim.Adam, eps=-1e-8), autograd.ArgumentError, "eps"),
    Bad("training", "AdamW(weight_decay=-0.1)", optimizer_settings(optim.AdamW, weight_decay=-0.1),
        autograd.ArgumentError, "weight_decay"),
    Bad("training", "Adam(amsgrad='yes')", optimizer_settings(optim.Adam, amsgrad="yes"), autograd.ArgumentError,
        "True or False"),
    Bad("training", "SGD(momentum=-0.9)", optimizer_settings(optim.SGD, lr=0.1, momentum=-0.9),
        autograd.ArgumentError, "momentum"),
    Bad("training", "SGD(lr='0.1')", optimizer_settings(optim.SGD, lr="0.1"), autograd.ArgumentError,
        "must be a number"),
    Bad("training", "RMSprop(alpha=1.5)", optimizer_settings(optim.RMSprop, alpha=1.5), autograd.ArgumentError,
        "alpha"),
    Bad("training", "Adadelta(rho=-0.1)", optimizer_settings(optim.Adadelta, rho=-0.1), autograd.ArgumentError, "rho"),
    Bad("training", "AdaGrad(lr_decay=-1)", optimizer_settings(optim.AdaGrad, lr_decay=-1), autograd.ArgumentError,
        "lr_decay"),
    Bad("training", "an empty parameter list", optimizer_settings(lambda params: optim.SGD([], lr=0.1)),
        autograd.ArgumentError, "empty parameter list"),
    Bad("training", "a parameter group with lr=-0.5", add_group, autograd.ArgumentError, "lr=-0.5"),
    Bad("training", "StepLR(step_size=0)", scheduler_settings(optim.StepLR, step_size=0), autograd.ArgumentError,
        "StepLR: step_size must be an integer >= 1"),
    Bad("training", "StepLR(gamma=-1)", scheduler_settings(optim.StepLR, step_size=2, gamma=-1),
        autograd.ArgumentError, "gamma"),
    Bad("training", "ExponentialLR(gamma=nan)", scheduler_settings(optim.ExponentialLR, gamma=float("nan")),
        autograd.ArgumentError, "gamma"),
    Bad("training", "CosineAnnealingLR(T_max=0)", scheduler_settings(optim.CosineAnnealingLR, T_max=0),
        autograd.ArgumentError, "T_max"),
    Bad("training", "ReduceLROnPlateau(factor=1)", scheduler_settings(optim.ReduceLROnPlateau, factor=1.0),
        autograd.ArgumentError, "factor must be < 1"),
    Bad("training", "ReduceLROnPlateau(patience=-1)", scheduler_settings(optim.ReduceLROnPlateau, patience=-1),
        autograd.ArgumentError, "patience"),
    Bad("training", "ReduceLROnPlateau(mode='avg')", scheduler_settings(optim.ReduceLROnPlateau, mode="avg"),
        autograd.ArgumentError, "mode must be"),
    Bad("training", "a scheduler given a model instead of an optimizer",
        scheduler_settings(lambda opt, **kw: optim.StepLR(nn.Linear(2, 2), 3)), autograd.ArgumentError,
        "needs an optimizer"),
    Bad("training", "clip_grad_norm_(error_if_nonfinite=True) with a NaN gradient",
        clipping(lambda ps: nn.utils.clip_grad_norm_(ps, 1.0, error_if_nonfinite=True), [[1e6, 1.0], [numpy.nan]]),
        autograd.NonFiniteError, "nothing was changed"),
    Bad("training", "clip_grad_norm_(max_norm=-1)", clipping(lambda ps: nn.utils.clip_grad_norm_(ps, -1.0), [[3.0]]),
        autograd.ArgumentError, "max_norm must be a number >= 0"),
    Bad("training", "clip_grad_norm_(norm_type=0)",
        clipping(lambda ps: nn.utils.clip_grad_norm_(ps, 1.0, norm_type=0), [[3.0]]), autograd.ArgumentError,
        "norm_type"),
    Bad("training", "clip_grad_value_(clip_value=nan)",
        clipping(lambda ps: nn.utils.clip_grad_value_(ps, float("nan")), [[3.0]]), autograd.ArgumentError,
        "clip_value"),
    Bad("training", "BatchNorm1d on one sample in training mode", single_sample_batchnorm, autograd.ShapeError,
        "more than 1 value per feature when training"),
    Bad("training", "BatchNorm1d(momentum=1.5)", optimizer_settings(lambda params: nn.BatchNorm1d(4, momentum=1.5)),
        autograd.ArgumentError, "momentum must be in"),
    Bad("training", "BatchNorm1d(eps=0)", optimizer_settings(lambda params: nn.BatchNorm1d(4, eps=0)),
        autograd.ArgumentError, "eps must be a positive number"),
    Bad("training", "LayerNorm(eps=-1)", optimizer_settings(lambda params: nn.LayerNorm(4, eps=-1)),
        autograd.ArgumentError, "eps"),
    Bad("training", "fit on an empty loader", fit_on(empty_loader), autograd.ArgumentError,
        "train_loader is empty"),
    Bad("training", "fit on a loader that yields nothing", fit_on(lambda: iter([])), autograd.ArgumentError,
        "gave no batches"),
    Bad("training", "fit(epochs=-1)", fit_on(empty_loader, epochs=-1), autograd.ArgumentError, "epochs"),
    Bad("training", "generate with every id skipped", generation(skip_ids=range(6)), autograd.ArgumentError,
        "no word is left to choose from"),
    Bad("training", "generate(top_k=0)", generation(top_k=0), autograd.ArgumentError, "top_k must be None"),
    Bad("training", "generate(temperature=0)", generation(temperature=0), autograd.ArgumentError, "temperature"),
    Bad("training", "generate with a skip id past the vocabulary", generation(skip_ids=[9]),
        autograd.IndexOutOfRangeError, r"skip_ids \[9\]"),
]


# ---------------------------------------------------------------- data


def data_call(call):
    return lambda tmp_path: ((lambda: call(tmp_path)), (lambda: directory_snapshot(tmp_path)))


def data_files(files, call):
    """Write `files` ({name: bytes}) first; the call then reads them and must leave them as they were."""
    def build(tmp_path):
        for name, content in files.items():
            (tmp_path / name).write_bytes(content)
        return (lambda: call(str(tmp_path))), (lambda: directory_snapshot(tmp_path))

    return build


def vocab_call(call):
    def build(tmp_path):
        vocab = Vocabulary(list("abc"))
        return (lambda: call(vocab)), (lambda: (list(vocab.index_to_token), dict(vocab.token_to_index)))

    return build


def ptb_files(tmp_path, train=b"a b c\n", valid=None):
    (tmp_path / "ptb.train.txt").write_bytes(train)
    if valid is not None:
        (tmp_path / "ptb.valid.txt").write_bytes(valid)
    return str(tmp_path)


DATASET = TensorDataset(numpy.zeros((5, 2), numpy.float32), numpy.arange(5))

DATA = [
    Bad("data", "Vocabulary.decode([-1])", vocab_call(lambda v: v.decode([-1])), autograd.IndexOutOfRangeError,
        "id -1 is out of range for 7 tokens"),
    Bad("data", "Vocabulary.decode([len])", vocab_call(lambda v: v.decode([7])), autograd.IndexOutOfRangeError,
        "id 7"),
    Bad("data", "Vocabulary.decode of float ids", vocab_call(lambda v: v.decode([1.0])), autograd.DTypeError,
        "ids must be integers"),
    Bad("data", "an unknown token without <unk>",
        vocab_call(lambda v: Vocabulary(list("ab"), specials=()).encode("abz")), autograd.TokenError,
        "'z' is not in the vocabulary"),
    Bad("data", "DataLoader(batch_size=0)", data_call(lambda t: DataLoader(DATASET, batch_size=0)),
        autograd.ArgumentError, "batch_size must be an integer >= 1, got 0"),
    Bad("data", "DataLoader(batch_size=-2)", data_call(lambda t: DataLoader(DATASET, batch_size=-2)),
        autograd.ArgumentError, "batch_size"),
    Bad("data", "DataLoader(batch_size=2.5)", data_call(lambda t: DataLoader(DATASET, batch_size=2.5)),
        autograd.ArgumentError, "batch_size"),
    Bad("data", "DataLoader(shuffle='yes')", data_call(lambda t: DataLoader(DATASET, shuffle="yes")),
        autograd.ArgumentError, "shuffle must be True or False"),
    Bad("data", "DataLoader(device='tpu')", data_call(lambda t: DataLoader(DATASET, device="tpu")),
        autograd.DeviceError, "unknown device 'tpu'"),
    Bad("data", "DataLoader of something that is not a dataset", data_call(lambda t: DataLoader(42)),
        autograd.ArgumentError, "__len__ and __getitem__"),
    Bad("data", "Subset with an index past the end", data_call(lambda t: Subset(DATASET, [0, 5])),
        autograd.IndexOutOfRangeError, r"\[0, 5\)"),
    Bad("data", "TensorDataset of different lengths",
        data_call(lambda t: TensorDataset(numpy.zeros(3), numpy.zeros(4))), autograd.ShapeError, "different lengths"),
    Bad("data", "random_split with a negative length", data_call(lambda t: random_split(DATASET, [6, -1])),
        autograd.ArgumentError, "do not add up"),
    Bad("data", "TBPTTBatcher(batch_size=0)", data_call(lambda t: TBPTTBatcher(numpy.arange(20), 0, 5)),
        autograd.ArgumentError, "batch_size must be an integer >= 1"),
    Bad("data", "TBPTTBatcher of float tokens", data_call(lambda t: TBPTTBatcher(numpy.zeros(20), 2, 5)),
        autograd.DTypeError, "integer ids"),
    Bad("data", "a non-UTF-8 PTB file names the file",
        data_files({"ptb.train.txt": b"caf\xe9 au lait\n"}, lambda d: ptb.load("train", d)), autograd.DataError,
        r"ptb.train.txt is not UTF-8"),
    Bad("data", "a PTB split with words missing from training",
        data_files({"ptb.train.txt": b"a b\n", "ptb.valid.txt": b"a z\n"}, lambda d: ptb.load("valid", d)),
        autograd.DataError,
        r"ptb.valid.txt has words missing"),
    Bad("data", "a missing PTB directory", data_call(lambda t: ptb.load("train", str(t / "nowhere"))),
        autograd.DataNotFoundError, "Put ptb.train.txt"),
    Bad("data", "an unknown PTB split", data_call(lambda t: ptb.load("dev", str(t))), autograd.DataError, "split"),
    Bad("data", "a non-UTF-8 addition file names the file",
        data_files({"addition.txt": b"1+1  _2  \n\xff\n"}, lambda d: addition.load(path=d)),
        autograd.DataError, "addition.txt is not UTF-8"),
    Bad("data", "an addition line without '_'",
        data_files({"addition.txt": b"1+1  _2  \n1+2 3\n"}, lambda d: addition.load(path=d)),
        autograd.DataError, "addition.txt, line 2"),
]


# ---------------------------------------------------------------- extras (an optional package missing)


def without(module, call):
    def build(tmp_path):
        return call(tmp_path), (lambda: directory_snapshot(tmp_path))

    build.missing = module
    return build


EXTRAS = [
    Bad("extras", "History.plot without matplotlib",
        without("matplotlib", lambda t: lambda: History().plot(t / "x.png")), autograd.MissingExtraError,
        r"pip install 'autograd-dag\[train\]'"),
    Bad("extras", "plot_attention without matplotlib",
        without("matplotlib", lambda t: lambda: nn.plot_attention(numpy.eye(2), ["a", "b"], ["c", "d"])),
        autograd.MissingExtraError, r"pip install 'autograd-dag\[train\]'"),
    Bad("extras", "saving .safetensors without safetensors",
        without("safetensors", lambda t: lambda: autograd.save({"w": numpy.ones(2)}, t / "m.safetensors")),
        autograd.MissingExtraError, r"pip install 'autograd-dag\[safetensors\]'"),
    Bad("extras", "a CUDA tensor without CuPy",
        without("cupy", lambda t: lambda: autograd.zeros(2, device="cuda")), autograd.DeviceError,
        r"pip install 'autograd-dag\[cuda\]'"),
]

TABLE = CHECKPOINTS + OPS + TRAINING + DATA + EXTRAS


def hide(monkeypatch, module):
    """Make `import module` fail as it does when the package is not installed."""
    for name in list(sys.modules):
        if name == module or name.startswith(module + "."):
            monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, module, None)
    if module == "cupy":
        monkeypatch.setattr(autograd.backend, "cupy", None)


@pytest.mark.parametrize("case", TABLE, ids=[f"{c.area}: {c.name}" for c in TABLE])
def test_bad_input_is_refused_and_changes_nothing(case, tmp_path, monkeypatch):
    if hasattr(case.build, "missing"):
        hide(monkeypatch, case.build.missing)
    call, observe = case.build(tmp_path)
    before = observe()
    with pytest.raises(case.error, match=case.match):
        call()
    assert isinstance(case.error, type) and issubclass(case.error, autograd.AutogradError)
    assert same(before, observe()), "the refused call changed something"


def test_the_table_covers_every_area():
    counts = {area: sum(c.area == area for c in TABLE) for area in ("checkpoints", "ops", "training", "data", "extras")}
    assert all(counts.values()), counts


def test_same_can_fail():
    assert not same([numpy.array([1.0, 2.0])], [numpy.array([1.0, 3.0])])
    assert not same({"a": b"x"}, {"a": b"y"}) and same([numpy.array([numpy.nan])], [numpy.array([numpy.nan])])


# ---------------------------------------------------------------- behaviours that are not refusals


def test_an_optimizer_refusal_leaves_it_working():
    model, opt = trained_adam()
    state = opt.state_dict()
    state["state"][0]["exp_avg"] = "corrupt"
    with pytest.raises(autograd.CheckpointError):
        opt.load_state_dict(state)
    model(autograd.randn(4, 3)).sum().backward()
    opt.step()  # no KeyError/TypeError: the old state is intact
    assert opt.state[model.weight]["step"] == 2


def test_a_saved_optimizer_state_loads_into_a_fresh_optimizer(tmp_path):
    model, opt = trained_adam()
    autograd.save(opt.state_dict(), tmp_path / "opt.npz")
    fresh = optim.Adam(model.parameters(), lr=0.5)
    fresh.load_state_dict(autograd.load(tmp_path / "opt.npz"))
    assert fresh.param_groups[0]["lr"] == 0.01 and fresh.state[model.weight]["step"] == 1
    numpy.testing.assert_array_equal(fresh.state[model.bias]["exp_avg"], opt.state[model.bias]["exp_avg"])


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_empty_state_dicts_round_trip(tmp_path, suffix):
    if suffix == ".safetensors":
        pytest.importorskip("safetensors")
    autograd.save({}, tmp_path / ("e" + suffix))
    assert autograd.load(tmp_path / ("e" + suffix)) == {}
    autograd.save(nn.Sequential().state_dict(), tmp_path / ("m" + suffix))
    nn.Sequential().load_state_dict(autograd.load(tmp_path / ("m" + suffix)))


def test_structures_up_to_the_depth_limit_load(tmp_path):
    with_structure(tmp_path / "ok.npz", deep_structure(63))
    value = autograd.load(tmp_path / "ok.npz")
    for _ in range(63):
        value = value[0]
    assert value == 1


def test_saved_files_respect_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        autograd.save({"w": numpy.ones(2)}, tmp_path / "m.npz")
    finally:
        os.umask(old)
    assert (tmp_path / "m.npz").stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, SystemExit, MemoryError])
def test_an_interrupted_save_leaves_no_temporary_file(tmp_path, monkeypatch, interrupt):
    autograd.save({"w": numpy.ones(2)}, tmp_path / "m.npz")
    original = (tmp_path / "m.npz").read_bytes()

    def interrupted(fd):
        raise interrupt()

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(interrupt):
        autograd.save({"w": numpy.zeros(5)}, tmp_path / "m.npz")
    assert os.listdir(tmp_path) == ["m.npz"] and (tmp_path / "m.npz").read_bytes() == original


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or os.name != "posix", reason="POSIX signals")
def test_a_terminated_save_leaves_no_temporary_file(tmp_path):
    script = textwrap.dedent(f"""
        import os, sys, time
        sys.path.insert(0, {os.getcwd()!r})
        import numpy, autograd
        def slow(fd):
            print("writing", flush=True)
            time.sleep(30)
        os.fsync = slow
        autograd.save({{"w": numpy.ones(3)}}, {str(tmp_path / "m.npz")!r})
    """)
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "writing"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 128 + signal.SIGTERM
    finally:
        process.kill()
    assert os.listdir(tmp_path) == []


def test_clip_grad_norm_with_a_nan_gradient_behaves_as_pytorch():
    torch = pytest.importorskip("torch")
    values = [[1e6, 1.0], [numpy.nan]]
    params = gradients(values)
    tparams = [torch.zeros(len(v), dtype=torch.float64, requires_grad=True) for v in values]
    for t, v in zip(tparams, values):
        t.grad = torch.tensor(v, dtype=torch.float64)
    total = nn.utils.clip_grad_norm_(params, 1.0)
    ttotal = torch.nn.utils.clip_grad_norm_(tparams, 1.0)
    assert isinstance(total, autograd.Tensor) and numpy.isnan(float(total)) and numpy.isnan(float(ttotal))
    for p, t in zip(params, tparams):  # the 1e6 gradient does not pass through unclipped
        numpy.testing.assert_array_equal(p.grad.numpy(), t.grad.numpy())
    inf = gradients([[numpy.inf, 1.0]])
    assert float(nn.utils.clip_grad_norm_(inf, 1.0)) == numpy.inf


def test_the_max_norm_of_gradients_holding_nan_is_nan_wherever_the_nan_is():
    for values in ([[numpy.nan], [3.0, 1.0]], [[3.0, 1.0], [numpy.nan]]):   # Python's max() keeps only a first NaN
        assert numpy.isnan(float(nn.utils.clip_grad_norm_(gradients(values), 1.0, norm_type=numpy.inf)))


def test_ptb_rereads_a_file_that_changed(tmp_path):
    path = ptb_files(tmp_path, b"a b c\n")
    first, word_to_id, _ = ptb.load("train", path)
    (tmp_path / "ptb.train.txt").write_bytes(b"a b c d e\n")  # a new size: a different file
    second, word_to_id2, _ = ptb.load("train", path)
    assert len(second) == 6 != len(first) and "e" in word_to_id2


def test_empty_index_selects_nothing_as_numpy():
    x = autograd.tensor(numpy.arange(6.0).reshape(2, 3), requires_grad=True)
    assert x[[]].shape == numpy.arange(6.0).reshape(2, 3)[[]].shape == (0, 3)
    x[[]].sum().backward()
    numpy.testing.assert_array_equal(x.grad.numpy(), numpy.zeros((2, 3)))


def test_batchnorm_momentum_none_is_a_cumulative_average():
    bn = nn.BatchNorm1d(2, momentum=None)
    batches = [numpy.array([[0.0, 1.0], [2.0, 3.0]]), numpy.array([[4.0, 5.0], [6.0, 9.0]])]
    for b in batches:
        bn(autograd.tensor(b.astype(numpy.float32)))
    numpy.testing.assert_allclose(bn.running_mean.numpy(), numpy.mean([b.mean(0) for b in batches], axis=0))


def test_fit_without_tqdm_prints_one_plain_line_per_epoch(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    x = numpy.random.default_rng(0).normal(size=(16, 2)).astype(numpy.float32)
    y = (x[:, 0] > 0).astype(numpy.int64)
    model = nn.Linear(2, 2)
    fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
        DataLoader(TensorDataset(x, y), batch_size=8), epochs=2, progress=True)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("  ")[0] for line in lines] == ["epoch 1/2", "epoch 2/2"] and "loss" in lines[0]


def test_fit_writes_plain_lines_when_the_output_is_not_a_terminal(capsys):
    x = numpy.zeros((8, 2), numpy.float32)
    model = nn.Linear(2, 2)
    fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
        DataLoader(TensorDataset(x, numpy.zeros(8, numpy.int64)), batch_size=4), epochs=1, progress=True)
    captured = capsys.readouterr()
    assert "\r" not in captured.err + captured.out and "epoch 1/1" in captured.out


def test_ordinary_npz_files_still_load_exactly(tmp_path):
    """The bounded reader keeps NumPy's meaning: compressed members, Fortran order, byte order, strings, 0-d."""
    arrays = {"f": numpy.asfortranarray(numpy.arange(6.0).reshape(2, 3)), "be": numpy.arange(3, dtype=">i4"),
              "s": numpy.array(["ab", "c"]), "z": numpy.array(3.5), "b": numpy.array([True, False]),
              "e": numpy.zeros((0, 4))}
    numpy.savez_compressed(tmp_path / "c.npz", **arrays)
    loaded = autograd.load(tmp_path / "c.npz")
    for name, array in arrays.items():
        assert loaded[name].dtype == array.dtype and loaded[name].shape == array.shape, name
        numpy.testing.assert_array_equal(loaded[name], array)
    loaded["f"][0, 0] = 7.0  # writable, owned arrays
