"""Vocabulary: turning tokens into integer ids and back, and padding batches.

A sequence-to-sequence model reads and writes integer ids. The vocabulary
keeps the two tables (token -> id, id -> token) and four special tokens:

    <pad>  fills the end of shorter sequences in a batch (the loss ignores it)
    <bos>  "begin of sequence": the decoder's first input
    <eos>  "end of sequence": the decoder says it has finished
    <unk>  any token that was not seen when the vocabulary was built

    >>> vocab = Vocabulary.build(["16+75", "52+607"])          # characters as tokens
    >>> vocab.encode("16+75", add_eos=True); vocab.decode([8, 9, 2])   # ids, then '16'

Strings are split into characters; a list of strings is taken as a list of
tokens (words), so the same class serves character and word models.
"""
from collections import Counter

import numpy

from ..errors import DTypeError, IndexOutOfRangeError, TokenError

__all__ = ["Vocabulary", "pad_sequences", "PAD", "BOS", "EOS", "UNK"]

PAD, BOS, EOS, UNK = "<pad>", "<bos>", "<eos>", "<unk>"


class Vocabulary:
    """A two-way table between tokens and ids; the special tokens come first.

    >>> vocab = Vocabulary(list("0123456789+"))                # ids 0-3 are the specials
    >>> ids, lengths = vocab.encode_batch(["1+2", "10+20"], add_eos=True)
    """

    def __init__(self, tokens=(), specials=(PAD, BOS, EOS, UNK)):
        self.index_to_token = []
        self.token_to_index = {}
        for token in list(specials) + list(tokens):
            self.add(token)
        self.specials = tuple(specials)

    @classmethod
    def build(cls, sequences, min_freq=1, specials=(PAD, BOS, EOS, UNK), sort=False):
        """A vocabulary of every token in `sequences` seen at least `min_freq` times.

        Ids follow the order of first appearance (reproducible, and the order the
        book's loader uses); `sort=True` orders them alphabetically instead.

        >>> Vocabulary.build(["hello", "world"]).decode([4, 5, 6, 6, 7])   # 'hello'
        """
        counts = Counter()
        first_seen = {}
        for sequence in sequences:
            for token in _tokens(sequence):
                counts[token] += 1
                first_seen.setdefault(token, len(first_seen))
        kept = [t for t in first_seen if counts[t] >= min_freq]
        if sort:
            kept.sort()
        return cls(kept, specials=specials)

    def add(self, token):
        """Add `token` if it is new; return its id either way."""
        index = self.token_to_index.get(token)
        if index is None:
            index = len(self.index_to_token)
            self.token_to_index[token] = index
            self.index_to_token.append(token)
        return index

    # ------------------------------------------------------------ special ids
    def _special(self, token):
        return self.token_to_index.get(token)

    @property
    def pad_index(self):
        return self._special(PAD)

    @property
    def bos_index(self):
        return self._special(BOS)

    @property
    def eos_index(self):
        return self._special(EOS)

    @property
    def unk_index(self):
        return self._special(UNK)

    # ------------------------------------------------------------ lookups
    def __len__(self):
        return len(self.index_to_token)

    def __contains__(self, token):
        return token in self.token_to_index

    def __getitem__(self, token):
        """The id of `token` (the id of <unk> for an unknown token)."""
        index = self.token_to_index.get(token)
        if index is None:
            if self.unk_index is None:
                raise TokenError(f"{token!r} is not in the vocabulary, which has no {UNK} token")
            return self.unk_index
        return index

    def __repr__(self):
        shown = "".join(t if len(t) == 1 else f" {t} " for t in self.index_to_token[:40])
        more = "..." if len(self) > 40 else ""
        return f"Vocabulary({len(self)} tokens: {shown!r}{more})"

    # ------------------------------------------------------------ encode / decode
    def encode(self, sequence, add_bos=False, add_eos=False, reverse=False):
        """The ids of a string (one token per character) or of a list of tokens.

        `reverse=True` reverses the tokens (before <bos>/<eos> are added): the
        "reversed source" trick of Sutskever et al. (2014).

        >>> vocab.encode("12", add_bos=True, add_eos=True)      # [1, id('1'), id('2'), 2]
        """
        ids = [self[token] for token in _tokens(sequence)]
        if reverse:
            ids.reverse()
        if add_bos:
            ids.insert(0, self._required(BOS))
        if add_eos:
            ids.append(self._required(EOS))
        return ids

    def decode(self, ids, strip_special=True, stop_at_eos=True, join=""):
        """The tokens of a sequence of ids, joined into a string by `join` (None: a list).

        Decoding stops at the first <eos> and skips <pad>/<bos> (unless asked not to),
        which is what one wants for a model's output.

        >>> vocab.decode([1, 5, 6, 2, 0, 0])                    # the two tokens between <bos> and <eos>
        """
        ids = numpy.asarray(ids).reshape(-1)
        if ids.size and ids.dtype.kind not in "iu":
            raise DTypeError(f"Vocabulary.decode: ids must be integers, got {ids.dtype}")
        if ids.size and (int(ids.min()) < 0 or int(ids.max()) >= len(self)):
            bad = int(ids.min()) if int(ids.min()) < 0 else int(ids.max())
            raise IndexOutOfRangeError(f"Vocabulary.decode: id {bad} is out of range for {len(self)} tokens "
                                       f"(ids must lie in [0, {len(self)}); -1 would silently be the last one)")
        tokens = []
        for index in ids.tolist():
            if stop_at_eos and index == self.eos_index:
                break
            if strip_special and index in (self.pad_index, self.bos_index, self.eos_index):
                continue
            tokens.append(self.index_to_token[index])
        return tokens if join is None else join.join(tokens)

    def decode_batch(self, batch, **options):
        """`decode` for each row of a 2-D array (or each list of a list)."""
        return [self.decode(row, **options) for row in batch]

    def encode_batch(self, sequences, add_bos=False, add_eos=False, reverse=False, length=None):
        """Encode and pad several sequences: returns (ids (B, T) int64, lengths (B,) int64).

        >>> ids, lengths = vocab.encode_batch(["1+2", "10+20"])   # lengths [3, 5], row 0 padded
        """
        encoded = [self.encode(s, add_bos=add_bos, add_eos=add_eos, reverse=reverse) for s in sequences]
        return self.pad_batch(encoded, length=length)

    def pad_batch(self, sequences, length=None):
        """Right-pad id sequences with <pad> to one length (the longest, or `length`).

        >>> vocab.pad_batch([[5, 6], [7]])          # (array([[5, 6], [7, 0]]), array([2, 1]))
        """
        return pad_sequences(sequences, self._required(PAD), length)

    def _required(self, token):
        index = self._special(token)
        if index is None:
            raise TokenError(f"this vocabulary has no {token} token (specials: {self.specials})")
        return index


def pad_sequences(sequences, pad_index, length=None):
    """Stack integer sequences into one (B, T) int64 array padded with `pad_index`, plus lengths."""
    lengths = numpy.array([len(s) for s in sequences], dtype=numpy.int64)
    width = int(lengths.max(initial=0)) if length is None else int(length)
    ids = numpy.full((len(sequences), width), pad_index, dtype=numpy.int64)
    for row, sequence in enumerate(sequences):
        n = min(len(sequence), width)
        ids[row, :n] = sequence[:n]
    return ids, numpy.minimum(lengths, width)


def _tokens(sequence):
    """A string is a sequence of characters; anything else is already a sequence of tokens."""
    return list(sequence)
