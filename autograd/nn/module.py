"""Parameter and Module: the building blocks of every network.

A `Parameter` is a leaf tensor that a module owns and an optimizer updates.
A `Module` holds parameters and other modules as attributes; assigning one
registers it, so `parameters()` finds everything without any bookkeeping:

    >>> class MLP(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = nn.Linear(2, 8)        # registered as a sub-module
    ...         self.out = nn.Linear(8, 1)
    ...     def forward(self, x):
    ...         return self.out(autograd.tanh(self.hidden(x)))
    >>> [name for name, p in MLP().named_parameters()]
    ['hidden.weight', 'hidden.bias', 'out.weight', 'out.bias']

Names and shapes follow PyTorch, so a PyTorch state dict of the same
architecture loads directly (see `Module.load_state_dict`).
"""
from collections import OrderedDict, namedtuple

import numpy

from .. import backend
from ..errors import ArgumentTypeError, CheckpointError, DTypeError
from ..graph import Function
from ..grad_mode import no_grad
from ..tensor import Tensor
from .init import _fill


class Parameter(Tensor):
    """A tensor that is a learnable part of a module: a leaf that requires grad.

    >>> w = nn.Parameter(autograd.randn(3, 2))       # float32, requires_grad=True
    >>> w.requires_grad_(False)                      # frozen: optimizers skip it
    """

    def __init__(self, data, requires_grad=True, dtype=None, device=None, name=None):
        super().__init__(data, requires_grad=requires_grad, dtype=dtype, device=device, name=name)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


_IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])

# Set by autograd.viz (see `set_call_scope`): a function module -> context manager
# entered around every forward, so diagrams can group nodes by module.
_call_scope = None


def set_call_scope(scope):
    """Install `scope(module)` (returning a context manager) around every module call; None removes it.

    >>> nn.module.set_call_scope(lambda module: my_tracer.scope(module))
    """
    global _call_scope
    _call_scope = scope


class Module:
    """Base class of every layer and network: subclass it, assign layers in
    `__init__`, write `forward`.

    >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> y = model(autograd.randn(5, 4))             # calls model.forward
    """

    def __init__(self):
        # object.__setattr__ bypasses our own __setattr__, which needs these dicts.
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "_backward_hooks", OrderedDict())
        object.__setattr__(self, "training", True)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    # ------------------------------------------------------------ calling
    def __call__(self, *args, **kwargs):
        if _call_scope is None and not (self._forward_hooks or self._forward_pre_hooks or self._backward_hooks):
            return self.forward(*args, **kwargs)  # the common case costs one test
        for hook in list(self._forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        recorder = _BackwardHookRecorder(self, args) if self._backward_hooks else None
        if recorder is not None:
            args = recorder.wrap_inputs(args)
        if _call_scope is not None:
            with _call_scope(self):
                output = self.forward(*args, **kwargs)
        else:
            output = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            result = hook(self, args, output)
            if result is not None:
                output = result
        if recorder is not None:
            output = recorder.wrap_outputs(output)
        return output

    def register_forward_hook(self, hook):
        """Call `hook(module, inputs, output)` after each forward; a returned value replaces the output.

        >>> handle = layer.register_forward_hook(lambda m, i, o: print(o.shape)); handle.remove()
        """
        key = object()
        self._forward_hooks[key] = hook
        return _RemovableHandle(self._forward_hooks, key)

    def register_forward_pre_hook(self, hook):
        """Call `hook(module, inputs)` before each forward; a returned value (a tuple, or one
        input) replaces the inputs.

        >>> handle = layer.register_forward_pre_hook(lambda m, inputs: (inputs[0] * 2,))
        """
        key = object()
        self._forward_pre_hooks[key] = hook
        return _RemovableHandle(self._forward_pre_hooks, key)

    def register_full_backward_hook(self, hook):
        """Call `hook(module, grad_input, grad_output)` when the gradients with respect to the
        module's tensor inputs are computed; a returned tuple replaces grad_input.

        grad_input has one entry per tensor argument (None where it needs no
        gradient), grad_output one per tensor output, as in PyTorch.

        >>> layer.register_full_backward_hook(lambda m, gin, gout: print(gout[0].shape))
        """
        key = object()
        self._backward_hooks[key] = hook
        return _RemovableHandle(self._backward_hooks, key)

    # ------------------------------------------------------------ registration
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {name!r} before Module.__init__() is called "
                                 f"(call super().__init__() first in {type(self).__name__}.__init__)")
        value = _wrap_container(value)
        if name in self._buffers and (value is None or (isinstance(value, Tensor)
                                                        and not isinstance(value, Parameter))):
            self._buffers[name] = value  # assigning to a buffer keeps it a buffer, as in PyTorch
            object.__setattr__(self, name, value)
            return
        for registry in (self._parameters, self._modules, self._buffers):
            registry.pop(name, None)
        self._non_persistent.discard(name)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        for registry in (self._parameters, self._modules, self._buffers):
            registry.pop(name, None)
        object.__delattr__(self, name)

    def register_parameter(self, name, parameter):
        """Same as `setattr(self, name, parameter)`, for names built at run time."""
        if parameter is not None and not isinstance(parameter, Parameter):
            raise ArgumentTypeError(f"register_parameter({name!r}) needs a Parameter, not {type(parameter).__name__}")
        setattr(self, name, parameter)

    def add_module(self, name, module):
        """Same as `setattr(self, name, module)`, for names built at run time."""
        if module is not None and not isinstance(module, Module):
            raise ArgumentTypeError(f"add_module({name!r}) needs a Module, not {type(module).__name__}")
        setattr(self, name, module)

    def register_buffer(self, name, tensor, persistent=True):
        """Keep a tensor that is state but not a parameter (BatchNorm's running mean).

        Buffers move with `to()` and, when persistent, are saved in `state_dict()`.

        >>> self.register_buffer("running_mean", autograd.zeros(8))
        """
        if tensor is not None and not isinstance(tensor, Tensor):
            tensor = Tensor(tensor)
        setattr(self, name, tensor)
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent.add(name)

    # ------------------------------------------------------------ traversal
    def named_modules(self, prefix="", memo=None):
        """(name, module) for this module and every module inside it, each once.

        >>> [n for n, m in model.named_modules()]       # ['', '0', '1', '2']
        """
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(prefix + "." + name if prefix else name, memo)

    def modules(self):
        """This module and every module inside it, each once (depth first)."""
        for _, module in self.named_modules():
            yield module

    def apply(self, fn):
        """Call `fn(module)` on every sub-module (children first) and on this one; returns self.

        >>> model.apply(lambda m: nn.init.zeros_(m.bias) if isinstance(m, nn.Linear) else None)
        """
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def named_children(self):
        """(name, module) for the direct sub-modules."""
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self):
        for _, child in self.named_children():
            yield child

    def named_parameters(self, prefix="", recurse=True):
        """(dotted name, parameter) pairs; a parameter shared by two layers appears once.

        >>> dict(nn.Linear(2, 3).named_parameters()).keys()     # weight, bias
        """
        seen = set()
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for module_name, module in modules:
            for name, p in module._parameters.items():
                if p is None or id(p) in seen:
                    continue
                seen.add(id(p))
                yield (module_name + "." + name if module_name else name), p

    def parameters(self, recurse=True):
        """Every parameter once, in registration order (what an optimizer takes).

        >>> opt = autograd.optim.Adam(model.parameters(), lr=1e-3)
        """
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True):
        seen = set()
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for module_name, module in modules:
            for name, b in module._buffers.items():
                if b is None or id(b) in seen:
                    continue
                seen.add(id(b))
                yield (module_name + "." + name if module_name else name), b

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # ------------------------------------------------------------ modes and state
    def train(self, mode=True):
        """Training mode (Dropout drops, BatchNorm uses batch statistics); returns self."""
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self):
        """Evaluation mode: `train(False)`."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        """Freeze (False) or unfreeze every parameter; frozen ones are left alone by optimizers.

        >>> model.encoder.requires_grad_(False)        # fine-tune only the rest
        """
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Forget the gradients of every parameter (before the next backward)."""
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad.data[...] = 0

    def to(self, *args, **kwargs):
        """Move parameters and buffers to a device and/or cast floating ones to a dtype, in place;
        returns self. As PyTorch: `to(device)`, `to(dtype)`, `to(device, dtype)`, `to(tensor)`.

        >>> model.to("cuda"); model.to(autograd.float64); model.to(device="cpu", dtype="float32")
        """
        device, dtype = _device_and_dtype("to", args, kwargs)
        device = backend.check_device(device)
        dtype = numpy.dtype(dtype) if dtype is not None else None
        if dtype is not None and dtype.kind != "f":
            raise DTypeError(f"{type(self).__name__}.to: only floating dtypes can be given to a module, "
                             f"got {dtype}")

        def convert(t):
            data = t.data
            if dtype is not None and data.dtype.kind == "f":
                data = data.astype(dtype)
            if device is not None:
                data = backend.to_device(data, device)
            t.data = data
            if t.grad is not None:
                t.grad = Tensor._from_op(convert_array(t.grad.data), None, 0)

        def convert_array(data):
            if dtype is not None and data.dtype.kind == "f":
                data = data.astype(dtype)
            return backend.to_device(data, device) if device is not None else data

        for p in self.parameters():
            convert(p)
        for b in self.buffers():
            convert(b)
        return self

    def cpu(self):
        return self.to("cpu")

    def cuda(self):
        return self.to("cuda")

    def float(self):
        return self.to(dtype=numpy.float32)

    def double(self):
        return self.to(dtype=numpy.float64)

    # ------------------------------------------------------------ state dicts
    def state_dict(self, prefix=""):
        """An ordered {name: tensor} of every parameter and persistent buffer.

        As in PyTorch the tensors share memory with the model (later updates show
        through); copy them to keep a snapshot. Tied parameters appear under
        every name they have, so the dict matches PyTorch's key for key.

        >>> autograd.save(model.state_dict(), "model.npz")
        """
        state = OrderedDict()
        for module_name, module in self.named_modules(prefix):
            dot = module_name + "." if module_name else ""
            for name, p in module._parameters.items():
                if p is not None:
                    state[dot + name] = p.detach()
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent:
                    state[dot + name] = b.detach()
        return state

    def _state_tensors(self):
        """{name: the live parameter or buffer}, with the same keys as state_dict()."""
        tensors = OrderedDict()
        for module_name, module in self.named_modules():
            dot = module_name + "." if module_name else ""
            for name, p in module._parameters.items():
                if p is not None:
                    tensors[dot + name] = p
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent:
                    tensors[dot + name] = b
        return tensors

    def load_state_dict(self, state_dict, strict=True):
        """Copy values into the parameters and buffers, in place.

        Values may be Tensors, NumPy arrays or anything NumPy can convert (a CPU
        torch tensor's `.numpy()`). Everything is checked first: with strict=True
        (default) missing or unexpected keys, and in any case shape mismatches,
        raise a CheckpointError listing them all, and nothing is changed.

        >>> model.load_state_dict({k: v.numpy() for k, v in torch_model.state_dict().items()})
        """
        if not hasattr(state_dict, "items") or not hasattr(state_dict, "keys"):
            raise CheckpointError(f"load_state_dict needs a dict of name -> array, not {type(state_dict).__name__}")
        own = self._state_tensors()
        arrays = {}
        mismatched = []
        unconvertible = []
        for key, value in state_dict.items():
            if key not in own:
                continue
            array, reason = _convertible(value, own[key].data.dtype)
            if reason is not None:
                unconvertible.append(f"{key}: {reason}")
            elif tuple(array.shape) != tuple(own[key].shape):
                mismatched.append(f"{key}: checkpoint {tuple(array.shape)} vs model {tuple(own[key].shape)}")
            else:
                arrays[key] = array  # already converted: the copy below cannot fail half-way
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        problems = []
        if strict and missing:
            problems.append("missing keys: " + ", ".join(missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(unexpected))
        if mismatched:
            problems.append("shape mismatches: " + "; ".join(mismatched))
        if unconvertible:
            problems.append("values of the wrong kind: " + "; ".join(unconvertible))
        if problems:
            raise CheckpointError(f"cannot load the state dict into {type(self).__name__} "
                                  "(nothing was changed): " + " | ".join(problems))
        with no_grad():
            for key, array in arrays.items():
                _fill(own[key], array)  # in place, keeping the tensor's dtype and device
        return _IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------ display
    def extra_repr(self):
        """The settings shown inside the parentheses of repr (override in layers)."""
        return ""

    def __repr__(self):
        lines = []
        extra = self.extra_repr()
        if extra:
            lines.extend(extra.split("\n"))
        for name, child in self._modules.items():
            child_lines = repr(child).split("\n")
            lines.append(f"({name}): " + "\n  ".join(child_lines))
        name = type(self).__name__
        if not lines:
            return f"{name}()"
        if len(lines) == 1 and not self._modules:
            return f"{name}({lines[0]})"
        return name + "(\n  " + "\n  ".join(lines) + "\n)"

    def summary(self, input_shape, dtype=None, batch_size=2, print_fn=print):
        """Print (and return) a Keras-style table: each layer's output shape and parameter count.

        `input_shape` leaves out the batch dimension; a batch of `batch_size`
        zeros is run through the model in eval mode without recording a graph.
        A parameter is counted once, in the first layer that owns it (tying).

        >>> model.summary((64,))
        """
        from .summary import summarize

        text = summarize(self, input_shape, dtype=dtype, batch_size=batch_size)
        if print_fn is not None:
            print_fn(text)
        return text


def _is_dtype_name(text):
    try:
        numpy.dtype(text)
    except TypeError:
        return False
    return True


def _device_and_dtype(name, args, kwargs):
    """Sort Module.to's PyTorch-style arguments into (device, dtype)."""
    unknown = set(kwargs) - {"device", "dtype", "non_blocking", "copy"}
    if unknown or len(args) > 2:
        raise ArgumentTypeError(f"Module.{name}() takes a device and/or a dtype, got {args} {sorted(kwargs)}")
    device, dtype = kwargs.get("device"), kwargs.get("dtype")
    for arg in args:
        if isinstance(arg, Tensor):
            device, dtype = arg.device, arg.dtype
        elif isinstance(arg, str) and not _is_dtype_name(arg):
            device = arg  # checked by backend.check_device, which names the devices there are
        elif arg is not None:
            try:
                dtype = numpy.dtype(arg)
            except TypeError:
                raise ArgumentTypeError(f"Module.{name}(): {arg!r} is neither a device ('cpu', 'cuda') nor a dtype") from None
    return device, dtype


def check_input_dtype(layer, x, parameter):
    """Refuse a floating input whose dtype differs from the layer's parameters (PyTorch raises too).

    Silently computing in the wider dtype would turn a float32 model float64
    (and half as fast); the user converts once instead: `x.float()` or `model.double()`.

    >>> check_input_dtype(self, x, self.weight)      # in a layer's forward
    """
    x_dtype = getattr(x, "dtype", None)
    if x_dtype is None or parameter is None or x_dtype == parameter.dtype:
        return
    x_dtype = numpy.dtype(x_dtype)
    if x_dtype.kind == "f" and parameter.dtype.kind == "f":
        raise DTypeError(f"{type(layer).__name__}: the input is {x_dtype} but the layer's parameters are "
                         f"{parameter.dtype}; convert one of them (x.astype('{parameter.dtype}') or "
                         f"model.to({str(x_dtype)!r}))")


class _HookInputs(Function):
    """Identity on a module's tensor inputs; its backward sees their gradients (grad_input)."""

    formula = "∂y/∂x = 1 (runs the module's backward hooks)"

    def __init__(self, recorder):
        self.recorder = recorder

    def forward(self, *arrays):
        return arrays

    def backward(self, *grads):
        return self.recorder.call_hooks(grads)


class _HookOutputs(Function):
    """Identity on a module's tensor outputs; its backward records their gradients (grad_output)."""

    formula = "∂y/∂x = 1 (records grad_output for the module's backward hooks)"

    def __init__(self, recorder):
        self.recorder = recorder

    def forward(self, *arrays):
        return arrays

    def backward(self, *grads):
        self.recorder.grad_outputs = grads
        if not self.recorder.inputs_need_grad:  # nothing below to wait for: call the hooks now
            self.recorder.call_hooks((None,) * self.recorder.tensor_inputs)
        return grads


class _BackwardHookRecorder:
    """Wires one module call for register_full_backward_hook: identity nodes around its inputs and outputs."""

    def __init__(self, module, args):
        self.module = module
        self.positions = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
        self.tensor_inputs = sum(isinstance(a, Tensor) for a in args)
        self.tensor_slots = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        self.inputs_need_grad = bool(self.positions)
        self.grad_outputs = ()

    def wrap_inputs(self, args):
        if not self.positions:
            return args
        wrapped = _HookInputs(self)(*[args[i] for i in self.positions])
        args = list(args)
        for i, tensor in zip(self.positions, wrapped):
            args[i] = tensor
        return tuple(args)

    def wrap_outputs(self, output):
        single = isinstance(output, Tensor)
        items = [output] if single else list(output) if isinstance(output, tuple) else None
        if items is None:
            return output
        slots = [i for i, o in enumerate(items) if isinstance(o, Tensor) and o.requires_grad]
        if not slots:
            return output
        wrapped = _HookOutputs(self)(*[items[i] for i in slots])
        for i, tensor in zip(slots, wrapped):
            items[i] = tensor
        return items[0] if single else tuple(items)

    def call_hooks(self, grads):
        """Run the hooks with (grad_input, grad_output); returns the (maybe replaced) input gradients."""
        by_slot = dict(zip(self.positions, grads))
        grad_input = tuple(_as_grad_tensor(by_slot.get(i)) for i in self.tensor_slots)
        grad_output = tuple(_as_grad_tensor(g) for g in self.grad_outputs)
        for hook in list(self.module._backward_hooks.values()):
            result = hook(self.module, grad_input, grad_output)
            if result is not None:
                grad_input = tuple(result)
        replaced = dict(zip(self.tensor_slots, grad_input))
        return tuple(_as_grad_array(replaced[i], g) for i, g in zip(self.positions, grads))


def _as_grad_tensor(grad):
    if grad is None or isinstance(grad, Tensor):
        return grad
    return Tensor._from_op(grad, None, 0)


def _as_grad_array(value, like):
    """A hook's returned gradient in the form the engine passed it in (array, or tensor under create_graph)."""
    if value is None or isinstance(like, Tensor):
        return value
    return value.data if isinstance(value, Tensor) else value


class _RemovableHandle:
    def __init__(self, hooks, key):
        self.hooks, self.key = hooks, key

    def remove(self):
        self.hooks.pop(self.key, None)


def _convertible(value, dtype):
    """(value as a NumPy array of `dtype`, None), or (None, why it cannot become one).

    Numbers convert to numbers (an int checkpoint into float weights is fine);
    strings, objects and complex values into real tensors are refused, so
    load_state_dict can check every entry before it writes the first one.
    """
    try:
        array = value.numpy() if isinstance(value, Tensor) else numpy.asarray(value)
    except (ValueError, TypeError) as error:
        return None, f"not an array ({error})"
    if array.dtype.kind not in "biufc":
        return None, f"an array of {array.dtype} cannot become {dtype}"
    if array.dtype.kind == "c" and numpy.dtype(dtype).kind != "c":
        return None, f"complex values cannot become {dtype}"
    return array.astype(dtype, copy=False), None


def _wrap_container(value):
    """Plain lists and dicts whose items are all modules become ModuleList/ModuleDict, so they register."""
    if type(value) in (list, tuple) and value and all(isinstance(v, Module) for v in value):
        return ModuleList(value)
    if type(value) is dict and value and all(isinstance(v, Module) for v in value.values()):
        return ModuleDict(value)
    return value


class ModuleList(Module):
    """A list of modules whose parameters are registered (named '0', '1', ...).

    >>> self.layers = nn.ModuleList([nn.Linear(8, 8) for _ in range(3)])
    >>> for layer in self.layers: x = layer(x)
    """

    def __init__(self, modules=()):
        super().__init__()
        for module in modules:
            self.append(module)

    def append(self, module):
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self

    def __getitem__(self, index):
        items = list(self._modules.values())
        if isinstance(index, slice):
            return type(self)(items[index])
        return items[index]

    def __setitem__(self, index, module):
        key = list(self._modules.keys())[index]
        self.add_module(key, module)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(list(self._modules.values()))

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleList is a container: iterate over it in your forward "
                                  "(or use nn.Sequential to chain the layers)")


class ModuleDict(Module):
    """A dict of modules whose parameters are registered under their keys.

    >>> self.heads = nn.ModuleDict({"class": nn.Linear(8, 3), "box": nn.Linear(8, 4)})
    """

    def __init__(self, modules=None):
        super().__init__()
        for key, module in (modules or {}).items():
            self[key] = module

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        delattr(self, key)

    def __contains__(self, key):
        return key in self._modules

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleDict is a container: call its entries in your forward")
