"""What the seq2seq training scripts share: encoding the data and the epoch loop.

    >>> vocab, train_arrays, test_arrays = prepare(train_pairs, test_pairs)
    >>> history = train_epochs(model, optimizer, vocab, train_arrays, test_arrays, epochs=10, ...)

Every epoch: teacher-forced loss, Adam (or the given optimizer), gradient-norm clipping at 5.0,
then exact-match accuracy of greedy decoding on the held-out split.
"""
import time

import numpy

from autograd import nn


def prepare(train, test):
    """The vocabulary of the training pairs and the encoded (ids, lengths, targets) of both splits."""
    vocab = nn.Vocabulary.build(q + a for q, a in train)
    src, src_lengths, tgt = nn.encode_pairs(train, vocab)
    test_src, test_lengths, _ = nn.encode_pairs(test, vocab)
    answers = [a for _, a in test]
    return vocab, (src, src_lengths, tgt), (test_src, test_lengths, answers, [q for q, _ in test])


def train_epochs(model, optimizer, vocab, train_arrays, test_arrays, epochs, batch_size, rng, max_length,
                 clip=5.0):
    """Train for `epochs`, printing loss, accuracy and epoch time; returns the per-epoch history."""
    test_src, test_lengths, answers, questions = test_arrays
    history = []
    for epoch in range(1, epochs + 1):
        model.train()
        start, losses = time.perf_counter(), []
        for s, lengths, t in nn.batches(train_arrays, batch_size, rng=rng, lengths_index=1,
                                        pad_index=vocab.pad_index):
            loss = model.loss(s, t, lengths)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), clip)
            optimizer.step()
            losses.append(loss.item())
        seconds = time.perf_counter() - start
        accuracy, outputs = nn.exact_match(model, test_src, test_lengths, answers, vocab, max_length=max_length)
        history.append(dict(epoch=epoch, loss=float(numpy.mean(losses)), accuracy=accuracy, seconds=seconds))
        print(f"epoch {epoch:2d}  loss {numpy.mean(losses):.4f}  test exact-match {100 * accuracy:6.2f}%  "
              f"epoch time {seconds:5.1f} s   e.g. {questions[0]!r} -> {outputs[0]!r}", flush=True)
    return history
