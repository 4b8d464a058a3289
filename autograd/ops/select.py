"""Picking and ordering along a dim: gather, scatter, index_select, masked_fill, tril/triu,
diag, trace, sort, argsort and topk, with PyTorch's signatures.

All of them are indexing in disguise, so they are built on getitem (whose backward
scatters the gradient back, adding where an element was picked twice) and on
add_at / SetItem. Sorting decides *which* elements; the values are then gathered,
so their gradient goes back to where each value came from.

    >>> values, indices = x.sort(dim=-1, descending=True)
    >>> picked = autograd.gather(x, 1, indices[:, :2])          # the two largest per row
"""
import numpy

from .. import backend, return_types
from ..errors import ArgumentError, DTypeError, IndexOutOfRangeError, ShapeError
from ..tensor import Tensor, unwrap
from .arguments import normalize_dim, same_device
from .elementwise import mul, where
from .reduce import _array_like, sum as reduce_sum
from .registry import declare, uniform, distinct, Sample, error_cases
from .shape import GetItem, SetItem, add_at, getitem, squeeze

__all__ = ["gather", "scatter", "scatter_add", "index_select", "masked_fill", "tril", "triu", "diag", "trace",
           "sort", "argsort", "topk"]


def _integer_index(op, index, xp):
    array = xp.asarray(unwrap(index))
    if array.dtype.kind not in "iu":
        raise DTypeError(f"{op}: index must be an integer tensor, not {array.dtype}")
    return array.astype(numpy.int64, copy=False)


def _along_dim_index(op, x, dim, index):
    """The NumPy index that picks x[..., index[i, j, k], ...] (index on `dim`) at every position of index.

    PyTorch's gather rule: index has x's number of dims and is no larger than x on the other dims.
    """
    xp = backend.get_array_module(unwrap(x))
    index = _integer_index(op, index, xp)
    if index.ndim != x.ndim:
        raise ShapeError(f"{op}: index of shape {tuple(index.shape)} must have as many dims as the input "
                         f"of shape {tuple(x.shape)}")
    for axis, (n, m) in enumerate(zip(index.shape, x.shape)):
        if axis != dim and n > m:
            raise ShapeError(f"{op}: index of shape {tuple(index.shape)} is larger than the input of shape "
                             f"{tuple(x.shape)} on dim {axis}")
    if index.size and (index.min() < -x.shape[dim] or index.max() >= x.shape[dim]):
        raise IndexOutOfRangeError(f"{op}: index values must be in [0, {x.shape[dim]}) for dim {dim} of "
                                   f"shape {tuple(x.shape)}, got {int(index.min())}..{int(index.max())}")
    parts = list(xp.ix_(*[xp.arange(n) for n in index.shape])) if index.ndim else []
    parts[dim] = index
    return tuple(parts) if parts else ()


def gather(input, dim, index):  # noqa: A002 (PyTorch's argument names)
    """out[i][j] = input[index[i][j]][j] for dim 0 (input[i][index[i][j]] for dim 1), as torch.gather.

    >>> autograd.gather(autograd.tensor([[1., 2.], [3., 4.]]), 1, autograd.tensor([[1], [0]]))   # [[2.], [3.]]
    """
    x = _array_like(input)
    d = normalize_dim("gather", dim, x.ndim)
    return GetItem(_along_dim_index("gather", x, d, index))(x)


def _source(op, src, index, like):
    """src cut to index's shape (PyTorch uses src's leading part), or a number broadcast to it."""
    if isinstance(src, (int, float)):
        return backend.get_array_module(unwrap(like)).full(tuple(unwrap(index).shape), src, dtype=like.dtype)
    src = _array_like(src)
    if src.ndim != len(unwrap(index).shape) or any(s < n for s, n in zip(src.shape, unwrap(index).shape)):
        raise ShapeError(f"{op}: src of shape {tuple(src.shape)} must be at least as large as index of shape "
                         f"{tuple(unwrap(index).shape)} on every dim")
    if tuple(src.shape) == tuple(unwrap(index).shape):
        return src
    return getitem(src, tuple(slice(0, n) for n in unwrap(index).shape))


def scatter(input, dim, index, src=None, *, value=None, reduce=None):  # noqa: A002
    """input with input[index[i][j]][j] = src[i][j] (for dim 0), out of place, as torch.scatter.

    `src` may be a tensor or a number (`value=` too). Where index repeats a position the
    last write wins (PyTorch leaves that order undefined).

    >>> autograd.scatter(autograd.zeros(2, 3), 1, autograd.tensor([[2], [0]]), 1.0)   # [[0,0,1],[1,0,0]]
    """
    if reduce is not None:
        raise ArgumentError("scatter: reduce= is not supported; use scatter_add for 'add'")
    x = _array_like(input)
    if src is None:
        src = value
    if src is None:
        raise ArgumentError("scatter: give src (a tensor or a number) or value=")
    same_device("scatter", x, index, src)
    d = normalize_dim("scatter", dim, x.ndim)
    positions = _along_dim_index("scatter", x, d, index)
    return SetItem(positions)(x, _source("scatter", src, index, x))


def scatter_add(input, dim, index, src):  # noqa: A002
    """input with src[i][j] added at input[index[i][j]][j] (for dim 0); repeated positions add up.

    >>> autograd.scatter_add(autograd.zeros(3), 0, autograd.tensor([0, 0, 2]), autograd.ones(3))   # [2, 0, 1]
    """
    x = _array_like(input)
    same_device("scatter_add", x, index, src)
    d = normalize_dim("scatter_add", dim, x.ndim)
    positions = _along_dim_index("scatter_add", x, d, index)
    return x + add_at(tuple(x.shape), positions, _source("scatter_add", src, index, x))


def index_select(input, dim, index):  # noqa: A002
    """The entries of `index` (a 1-D integer tensor) along `dim`, as torch.index_select.

    >>> autograd.index_select(autograd.eye(3), 0, autograd.tensor([2, 0])).shape   # (2, 3)
    """
    x = _array_like(input)
    d = normalize_dim("index_select", dim, x.ndim)
    xp = backend.get_array_module(unwrap(x))
    index = _integer_index("index_select", index, xp)
    if index.ndim > 1:
        raise ShapeError(f"index_select: index must be 1-D, got shape {tuple(index.shape)}")
    if index.size and (index.min() < -max(x.shape[d] if x.ndim else 1, 1) or
                       index.max() >= (x.shape[d] if x.ndim else 1)):
        raise IndexOutOfRangeError(f"index_select: index values {int(index.min())}..{int(index.max())} are out "
                                   f"of range for dim {dim} of shape {tuple(x.shape)}")
    if x.ndim == 0:
        return getitem(x.reshape(1) if isinstance(x, Tensor) else x, index.reshape(-1))
    return getitem(x, (slice(None),) * d + (index.reshape(-1),))


def masked_fill(input, mask, value):  # noqa: A002
    """input with `value` where the boolean `mask` (broadcast to input) is True, as torch.masked_fill.

    >>> autograd.masked_fill(scores, ~allowed, float("-inf"))
    """
    mask_data = unwrap(mask)
    if getattr(mask_data, "dtype", None) != numpy.bool_:
        raise DTypeError(f"masked_fill: mask must be a bool tensor, not {getattr(mask_data, 'dtype', type(mask))}")
    x = _array_like(input)
    if not isinstance(value, Tensor):
        value = backend.get_array_module(unwrap(x)).asarray(value, dtype=x.dtype)
    return where(mask_data, value, x)


def _triangle(op, x, diagonal, lower):
    x = _array_like(x)
    if x.ndim < 2:
        raise ShapeError(f"{op}: expects a tensor of at least 2 dims, got shape {tuple(x.shape)}")
    rows, cols = x.shape[-2:]
    keep = numpy.tri(rows, cols, diagonal, dtype=bool) if lower else ~numpy.tri(rows, cols, diagonal - 1, dtype=bool)
    keep = backend.to_device(keep.astype(x.dtype), x.device if isinstance(x, Tensor) else "cpu")
    return mul(x, keep)


def tril(input, diagonal=0):  # noqa: A002
    """The lower triangle of the last two dims (elements j <= i + diagonal), zeros above.

    >>> autograd.tril(autograd.ones(3, 3))          # ones on and below the diagonal
    """
    return _triangle("tril", input, diagonal, True)


def triu(input, diagonal=0):  # noqa: A002
    """The upper triangle of the last two dims (elements j >= i + diagonal), zeros below."""
    return _triangle("triu", input, diagonal, False)


def _diagonal_positions(n_rows, n_cols, k):
    start_row, start_col = (0, k) if k >= 0 else (-k, 0)
    length = max(min(n_rows - start_row, n_cols - start_col), 0)
    return numpy.arange(length) + start_row, numpy.arange(length) + start_col


def diag(input, diagonal=0):  # noqa: A002
    """A 1-D tensor becomes a square matrix with it on diagonal `diagonal`; a matrix gives its diagonal.

    >>> autograd.diag(autograd.tensor([1., 2.])).shape          # (2, 2)
    """
    x = _array_like(input)
    k = int(diagonal)
    if x.ndim == 1:
        n = x.shape[0] + abs(k)
        return add_at((n, n), _diagonal_positions(n, n, k), x)
    if x.ndim == 2:
        return getitem(x, _diagonal_positions(x.shape[0], x.shape[1], k))
    raise ShapeError(f"diag: expects a 1-D or 2-D tensor, got shape {tuple(x.shape)}")


def trace(input):  # noqa: A002
    """The sum of a matrix's diagonal.

    >>> autograd.trace(autograd.eye(3))                         # tensor(3.)
    """
    x = _array_like(input)
    if x.ndim != 2:
        raise ShapeError(f"trace: expects a matrix, got shape {tuple(x.shape)}")
    return reduce_sum(diag(x))


def _order(op, x, dim, descending, stable):
    data = unwrap(x)
    xp = backend.get_array_module(data)
    if data.ndim == 0:
        return Tensor._from_op(xp.zeros((), dtype=numpy.int64), None, 0)
    keys = -data if descending and data.dtype.kind != "b" else data
    if descending and data.dtype.kind in "iu":
        keys = -data.astype(numpy.int64)
    order = xp.argsort(keys, axis=dim, kind="stable")
    return Tensor._from_op(order.astype(numpy.int64, copy=False), None, 0)


def argsort(input, dim=-1, descending=False, stable=False):  # noqa: A002
    """The indices that sort `input` along `dim` (ties keep their order); no gradient.

    >>> autograd.tensor([3., 1., 2.]).argsort()                 # tensor([1, 2, 0])
    """
    x = _array_like(input)
    return _order("argsort", x, normalize_dim("argsort", dim, x.ndim), descending, stable)


def sort(input, dim=-1, descending=False, stable=False):  # noqa: A002
    """(values, indices) sorted along `dim`; the values' gradient goes back to where each came from.

    >>> autograd.tensor([3., 1., 2.]).sort()                    # sort(values=tensor([1., 2., 3.]), indices=...)
    """
    x = _array_like(input)
    d = normalize_dim("sort", dim, x.ndim)
    indices = _order("sort", x, d, descending, stable)
    values = gather(x, d, indices) if x.ndim else x * 1
    return return_types.sort(values, indices)


def topk(input, k, dim=None, largest=True, sorted=True):  # noqa: A002
    """The k largest (or smallest) entries along `dim` as (values, indices), largest first.

    >>> autograd.tensor([1., 5., 3.]).topk(2)                   # topk(values=tensor([5., 3.]), indices=tensor([1, 2]))
    """
    x = _array_like(input)
    d = normalize_dim("topk", -1 if dim is None else dim, x.ndim)
    n = x.shape[d] if x.ndim else 1
    if not 0 <= k <= n:
        raise IndexOutOfRangeError(f"topk: k={k} is out of range for dim {dim} of size {n}")
    order = _order("topk", x, d, largest, True).data
    indices = Tensor._from_op(order[(slice(None),) * d + (slice(0, k),)] if x.ndim else order, None, 0)
    values = gather(x, d, indices) if x.ndim else x * 1
    return return_types.topk(values, indices)


# ---------------------------------------------------------------- declarations


def _np_gather(x, dim, index):
    cut = tuple(slice(None) if a == dim % x.ndim else slice(0, n) for a, n in enumerate(index.shape))
    return numpy.take_along_axis(x[cut], index, axis=dim)


def _np_scatter(x, dim, index, src=None, value=None):
    out = x.copy()
    source = numpy.full(index.shape, value if src is None else src) if numpy.ndim(src) == 0 else \
        src[tuple(slice(0, n) for n in index.shape)]
    numpy.put_along_axis(out, index, source, axis=dim)
    return out


def _np_scatter_add(x, dim, index, src):
    out = x.copy()
    source = src[tuple(slice(0, n) for n in index.shape)]
    positions = list(numpy.ix_(*[numpy.arange(n) for n in index.shape]))
    positions[dim] = index
    numpy.add.at(out, tuple(positions), source)
    return out


def _np_sort(x, dim=-1, descending=False, stable=False):
    indices = numpy.argsort(-x if descending else x, axis=dim, kind="stable")
    return numpy.take_along_axis(x, indices, axis=dim), indices


def _np_topk(x, k, dim=-1, largest=True, sorted=True):
    values, indices = _np_sort(x, dim, largest)
    cut = (slice(None),) * (dim % x.ndim) + (slice(0, k),)
    return values[cut], indices[cut]


def _np_diag(x, diagonal=0):
    return numpy.diag(x, diagonal)


_PICKS = numpy.array([[0, 2, 2], [1, 0, 1]])
declare("gather", gather, _np_gather,
        lambda rng: [Sample((uniform(rng, (2, 3)), 1, _PICKS), description="dim 1, repeats"),
                     Sample((uniform(rng, (3, 4)), 0, numpy.array([[2, 0, 1], [0, 0, 2]])), description="smaller index"),
                     Sample((uniform(rng, (2, 3, 2)), -1, numpy.array([[[1], [0], [1]], [[0], [0], [1]]])))],
        error_inputs=error_cases((([2, 3], 1, numpy.array([[0, 3, 1]])), {}, IndexOutOfRangeError, r"\[0, 3\)"),
                                 (([2, 3], 1, numpy.array([0, 1])), {}, ShapeError, "as many dims"),
                                 (([2, 3], 1, numpy.array([[0.5]])), {}, DTypeError, "integer")))
declare("scatter", scatter, _np_scatter,
        lambda rng: [Sample((uniform(rng, (2, 4)), 1, numpy.array([[3, 0], [1, 2]]), uniform(rng, (2, 2)))),
                     Sample((uniform(rng, (3, 2)), 0, numpy.array([[2, 1]]), uniform(rng, (2, 3))), description="larger src"),
                     Sample((uniform(rng, (2, 3)), 1, numpy.array([[2], [0]]), 1.5), description="a number")],
        error_inputs=error_cases((([2, 3], 1, numpy.array([[0]]), numpy.ones((1,))), {}, ShapeError, "src")))
declare("scatter_add", scatter_add, _np_scatter_add,
        lambda rng: [Sample((uniform(rng, (4,)), 0, numpy.array([0, 0, 3]), uniform(rng, (3,))), description="repeats"),
                     Sample((uniform(rng, (2, 3)), 1, numpy.array([[2, 2], [0, 1]]), uniform(rng, (2, 3))))],
        error_inputs=error_cases((([3],), {"dim": 0, "index": numpy.array([5]), "src": numpy.ones(1)},
                                  IndexOutOfRangeError, r"\[0, 3\)")),
        formula="∂/∂input = 1\n∂/∂src = the gradient at the scattered places")
declare("index_select", index_select, lambda x, dim, index: numpy.take(x, index, axis=dim),
        lambda rng: [Sample((uniform(rng, (4, 3)), 0, numpy.array([3, 0, 3]))),
                     Sample((uniform(rng, (2, 5)), -1, numpy.array([4, 1])))],
        error_inputs=error_cases((([4, 3], 0, numpy.array([4])), {}, IndexOutOfRangeError, "out of range"),
                                 (([4, 3], 0, numpy.array([[1]])), {}, ShapeError, "1-D")))
declare("masked_fill", masked_fill, lambda x, mask, value: numpy.where(mask, value, x),
        lambda rng: [Sample((uniform(rng, (2, 3)), rng.random((2, 3)) > 0.5, -1.5)),
                     Sample((uniform(rng, (2, 3)), numpy.array([True, False, True]), 0.0), description="broadcast mask")],
        error_inputs=error_cases((([2, 3], numpy.ones((2, 3)), 0.0), {}, DTypeError, "bool")))
declare("tril", tril, numpy.tril,
        lambda rng: [Sample((uniform(rng, (3, 3)),)), Sample((uniform(rng, (2, 3, 4)), 1), description="batched"),
                     Sample((uniform(rng, (4, 3)), -1))],
        error_inputs=error_cases((([3],), {}, ShapeError, "at least 2 dims")))
declare("triu", triu, numpy.triu,
        lambda rng: [Sample((uniform(rng, (3, 3)),)), Sample((uniform(rng, (2, 3, 4)), -1), description="batched")],
        error_inputs=error_cases((([3],), {}, ShapeError, "at least 2 dims")))
declare("diag", diag, _np_diag,
        lambda rng: [Sample((uniform(rng, (3,)),)), Sample((uniform(rng, (2,)), 1)), Sample((uniform(rng, (3, 4)),)),
                     Sample((uniform(rng, (3, 4)), -1))],
        error_inputs=error_cases((([2, 2, 2],), {}, ShapeError, "1-D or 2-D")))
declare("trace", trace, numpy.trace, lambda rng: [Sample((uniform(rng, (3, 3)),)), Sample((uniform(rng, (2, 4)),))],
        error_inputs=error_cases((([3],), {}, ShapeError, "expects a matrix")), formula="∂y/∂X = I")
_BAD_ORDERING_DIM = error_cases((([2, 3],), {"dim": 2}, IndexOutOfRangeError, "dim=2 is out of range"))
declare("sort", sort, _np_sort,
        lambda rng: [Sample((distinct(rng, (5,)),)), Sample((distinct(rng, (2, 4)),), {"dim": 0, "descending": True})],
        error_inputs=_BAD_ORDERING_DIM)
declare("argsort", argsort, lambda x, dim=-1, descending=False, stable=False: _np_sort(x, dim, descending)[1],
        lambda rng: [Sample((distinct(rng, (5,)),)), Sample((distinct(rng, (2, 4)),), {"descending": True})],
        differentiable=False, error_inputs=_BAD_ORDERING_DIM)
declare("topk", topk, _np_topk,
        lambda rng: [Sample((distinct(rng, (5,)), 2)), Sample((distinct(rng, (3, 4)), 3), {"dim": 0, "largest": False})],
        error_inputs=error_cases((([5],), {"k": 6}, IndexOutOfRangeError, "k=6")))
