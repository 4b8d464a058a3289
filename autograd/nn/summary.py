"""Module.summary(): a Keras-style table of layers, output shapes and parameter counts.

A batch of zeros goes through the model once (eval mode, no graph); a forward
hook on every sub-module records the shape of what it returns. A model whose
first layer is an Embedding gets integer ids (zeros of int64), not floats.

    >>> nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10)).summary((64,))
    Layer (type)              Output Shape          Param #
    ========================================================
    0 (Linear)                (None, 32)              2,080
    ...
"""
from ..creation import zeros
from ..grad_mode import no_grad


def _shape_text(output, batch_size):
    """(None, 32) for a tensor of shape (batch, 32); a list of those for tuples of tensors.

    The first axis as long as the batch is shown as None (the batch axis of an
    RNN state (layers, batch, hidden) is the second one).
    """
    if hasattr(output, "shape"):
        shape = list(output.shape)
        if batch_size in shape:
            shape[shape.index(batch_size)] = None
        return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"
    if isinstance(output, (tuple, list)):
        return "[" + ", ".join(_shape_text(o, batch_size) for o in output) + "]"
    return "-"


def _recorder(shapes, name, batch_size):
    def record(module, inputs, output):
        shapes.setdefault(name, _shape_text(output, batch_size))  # the first call, if a layer is used twice
    return record


def _starts_with_embedding(model):
    """Whether the first layer (in registration order) that has parameters is an Embedding: it takes ids."""
    from .embedding import Embedding

    for module in model.modules():
        if any(True for _ in module.parameters(recurse=False)):
            return isinstance(module, Embedding)
    return False


def summarize(model, input_shape, dtype=None, batch_size=2):
    """The summary table of `model` for inputs of shape (batch_size, *input_shape), as a string."""
    input_shape = (input_shape,) if isinstance(input_shape, int) else tuple(input_shape)
    shapes = {}
    handles = []
    named = list(model.named_modules())
    for name, module in named:
        if module is model:
            continue
        handles.append(module.register_forward_hook(_recorder(shapes, name, batch_size)))
    device = next((p.device for p in model.parameters()), "cpu")
    if dtype is None:
        dtype = "int64" if _starts_with_embedding(model) else next((p.dtype for p in model.parameters()), None)
    x = zeros(batch_size, *input_shape, dtype=dtype, device=device)  # integer dtypes: ids 0 for embeddings
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            output = model(x)
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)

    rows = []
    seen = set()  # a tied parameter is counted once, where it first appears
    for name, module in named:
        if module is model:
            continue
        own = [p for p in module.parameters(recurse=False) if id(p) not in seen]
        seen.update(id(p) for p in own)
        is_leaf = not any(True for _ in module.children())
        if not is_leaf and not own:
            continue  # a container: its layers have their own rows
        count = sum(p.data.size for p in own)
        depth = name.count(".")
        rows.append(("  " * depth + f"{name} ({type(module).__name__})", shapes.get(name, "-"), count))
    # parameters owned by the model itself (not by a sub-module)
    own = [p for p in model.parameters(recurse=False) if id(p) not in seen]
    if own:
        rows.append((f"({type(model).__name__})", _shape_text(output, batch_size), sum(p.numel() for p in own)))

    unique = list(model.parameters())
    total = sum(p.data.size for p in unique)
    trainable = sum(p.data.size for p in unique if p.requires_grad)
    widths = (max([len("Layer (type)")] + [len(r[0]) for r in rows]) + 2,
              max([len("Output Shape")] + [len(r[1]) for r in rows]) + 2,
              max([len("Param #")] + [len(f"{r[2]:,}") for r in rows]))
    line_width = sum(widths)
    lines = [f'Model: "{type(model).__name__}"', "_" * line_width,
             "Layer (type)".ljust(widths[0]) + "Output Shape".ljust(widths[1]) + "Param #".rjust(widths[2]),
             "=" * line_width]
    for layer, shape, count in rows:
        lines.append(layer.ljust(widths[0]) + shape.ljust(widths[1]) + f"{count:,}".rjust(widths[2]))
    lines += ["=" * line_width,
              f"Total params: {total:,}",
              f"Trainable params: {trainable:,}",
              f"Non-trainable params: {total - trainable:,}",
              "_" * line_width]
    return "\n".join(lines)
