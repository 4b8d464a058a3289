"""Embedding: a learnable lookup table from integer ids to vectors.

A word id w picks row w of the weight matrix (V, D). Mathematically this is a
one-hot vector times the matrix, but computed as a row lookup; its backward
adds each output row's gradient into the row it came from (a scatter-add of
only the looked-up rows), so a 10,000-word vocabulary costs nothing extra.

    >>> emb = nn.Embedding(10000, 100)
    >>> emb(numpy.array([[3, 14, 15]])).shape          # (1, 3, 100)
"""
import numpy

from .. import ops
from ..creation import zeros
from ..errors import IndexOutOfRangeError, ShapeError
from ..grad_mode import no_grad
from ..tensor import Tensor
from . import init
from .module import Module, Parameter

__all__ = ["Embedding"]


class Embedding(Module):
    """Rows of `weight` (num_embeddings, embedding_dim) looked up by integer ids of any shape.

    `padding_idx`: that row starts at zero and never receives a gradient (a
    padding token's vector stays fixed). Initialised N(0, 1), as in PyTorch.

    >>> emb = nn.Embedding(10, 3, padding_idx=0)
    >>> emb(numpy.array([0, 4])).shape                 # (2, 3); row 0 is zeros
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, dtype=None, device=None):
        super().__init__()
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise IndexOutOfRangeError(f"Embedding: padding_idx {padding_idx} is out of range for {num_embeddings} rows")
            padding_idx %= num_embeddings
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = padding_idx
        self.weight = Parameter(zeros(num_embeddings, embedding_dim, dtype=dtype, device=device))
        self.reset_parameters()

    def reset_parameters(self):
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight.data[self.padding_idx] = 0

    def forward(self, ids):
        return ops.embedding(self.weight, ids, self.padding_idx)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None):
        """An Embedding holding the given (V, D) matrix; `freeze=True` keeps it fixed in training.

        >>> emb = nn.Embedding.from_pretrained(numpy.load("cbow.npz")["word_vecs"], freeze=True)
        """
        data = embeddings.data if isinstance(embeddings, Tensor) else numpy.asarray(embeddings)
        if data.ndim != 2:
            raise ShapeError(f"Embedding.from_pretrained: expected a (num_embeddings, dim) matrix, "
                             f"got shape {tuple(data.shape)}")
        if data.dtype.kind != "f":
            data = data.astype(numpy.float32)
        layer = cls.__new__(cls)
        Module.__init__(layer)
        layer.num_embeddings, layer.embedding_dim = data.shape
        layer.padding_idx = None if padding_idx is None else padding_idx % data.shape[0]
        layer.weight = Parameter(data.copy(), requires_grad=not freeze)
        return layer

    def extra_repr(self):
        extra = f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""
        return f"{self.num_embeddings}, {self.embedding_dim}{extra}"
