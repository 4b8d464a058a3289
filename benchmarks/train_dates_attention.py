"""Attention seq2seq on the dates task: "TUESDAY, SEPTEMBER 25, 1984" -> "1984-09-25".

Encoder: embedding 16 + LSTM 256; AttentionDecoder: embedding 16 + LSTM 256,
dot attention over all encoder states, output layer on [context, h] (the
architecture of "Deep Learning from Scratch 2", ch. 8). Adam (lr 1e-3), batch
128, gradient norm clipped at 5.0; exact-match accuracy of greedy decoding on
the book's 5,000 held-out dates after every epoch. At the end the attention
weights of one test example are drawn to benchmarks/results/dates_attention_heatmap.png.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/train_dates_attention.py --epochs 10
    .venv/bin/python benchmarks/train_dates_attention.py --reference-only     # the book's trained weights

`--reference-only` loads the book's pretrained weights
(shared/data/reference/attention_seq2seq_ch08.npz) into the same classes — the
book's data layout (fixed-width, reversed source, '_' as start symbol, decoder
starting with c = 0) — and reports their test accuracy: an independent check of
the LSTM, attention and decoding code against a model trained elsewhere.
"""
import argparse
import json
import os
import sys
import time

import numpy

import autograd
from autograd import nn, optim

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # also when imported by path (tests)
from seq2seq_common import prepare, train_epochs  # noqa: E402
from autograd.datasets import dates

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "shared", "data")


def build(vocab, embed_dim=16, hidden_size=256, attention="dot", **options):
    V = len(vocab)
    encoder = nn.Encoder(V, embed_dim, hidden_size, padding_idx=vocab.pad_index)
    decoder = nn.AttentionDecoder(V, embed_dim, hidden_size, attention=attention)
    return nn.Seq2Seq(encoder, decoder, vocab.bos_index, vocab.eos_index, vocab.pad_index, **options)


# ---------------------------------------------------------------- the book's weights


def book_lstm_weights(Wx, Wh, b):
    """The book's LSTM (x @ Wx, gate columns [f, g, i, o]) as PyTorch-layout weights (rows [i, f, g, o])."""
    H = Wh.shape[0]
    f, g, i, o = (slice(k * H, (k + 1) * H) for k in range(4))

    def reorder(a):
        return numpy.concatenate([a[..., i], a[..., f], a[..., g], a[..., o]], axis=-1)

    return dict(weight_ih_l0=reorder(Wx).T, weight_hh_l0=reorder(Wh).T, bias_ih_l0=reorder(b),
                bias_hh_l0=numpy.zeros_like(b))


def load_reference(path):
    """Our Seq2Seq with the book's trained weights, and the book's test data."""
    weights = {k: v.astype(numpy.float32) for k, v in numpy.load(path, allow_pickle=False).items()}
    _, (x_test, t_test), vocab = dates.load_book_arrays(os.path.join(SHARED, "seq2seq"))
    V, E = weights["enc_embed_W"].shape
    H = weights["enc_lstm_Wh"].shape[0]
    encoder = nn.Encoder(V, E, H)
    decoder = nn.AttentionDecoder(V, E, H, attention="dot")
    model = nn.Seq2Seq(encoder, decoder, bos_index=vocab["_"], eos_index=None, pad_index=None,
                       reverse_source=True, carry_cell_state=False)
    state = {"encoder.embedding.weight": weights["enc_embed_W"], "decoder.embedding.weight": weights["dec_embed_W"],
             "decoder.output.weight": weights["dec_affine_W"].T, "decoder.output.bias": weights["dec_affine_b"]}
    for side in ("enc", "dec"):
        converted = book_lstm_weights(weights[f"{side}_lstm_Wx"], weights[f"{side}_lstm_Wh"], weights[f"{side}_lstm_b"])
        prefix = "encoder" if side == "enc" else "decoder"
        state.update({f"{prefix}.rnn.{name}": value for name, value in converted.items()})
    model.load_state_dict(state)
    return model, x_test, t_test, vocab


def evaluate_reference():
    model, x_test, t_test, vocab = load_reference(os.path.join(SHARED, "reference", "attention_seq2seq_ch08.npz"))
    answers = [vocab.decode(row[1:]) for row in t_test]
    start = time.perf_counter()
    accuracy, outputs = nn.exact_match(model, x_test, None, answers, vocab, max_length=10)
    print(f"book's pretrained weights in our Seq2Seq + AttentionDecoder: test exact-match {100 * accuracy:.2f}% "
          f"({len(answers)} dates, {time.perf_counter() - start:.1f} s); e.g. {vocab.decode(x_test[0])!r} -> "
          f"{outputs[0]!r}")
    return accuracy


# ---------------------------------------------------------------- training


def draw_heatmap(model, vocab, question, path):
    src, src_lengths = vocab.encode_batch([question])
    output = model.greedy_decode(src, src_lengths, max_length=12)[0]
    answer = vocab.decode(output)
    tokens = numpy.array([[model.bos_index] + vocab.encode(answer)])
    model.eval()
    with autograd.no_grad():
        _, weights = model(src, tokens, src_lengths, return_attention=True)
    # row i: the attention while writing the i-th output (the answer's characters, then <eos>)
    nn.plot_attention(weights.numpy()[0], list(question), list(answer) + ["<eos>"], path=path,
                                     title=f"{question} -> {answer}")
    return answer, weights.numpy()[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--attention", choices=["dot", "general", "additive"], default="dot")
    parser.add_argument("--train-size", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reference-only", action="store_true")
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    args = parser.parse_args()

    reference_accuracy = evaluate_reference()
    if args.reference_only:
        return

    autograd.manual_seed(args.seed)
    rng = numpy.random.default_rng(args.seed)
    data = os.path.join(SHARED, "seq2seq")
    train, test = dates.load("train", path=data), dates.load("test", path=data)
    if args.train_size:
        train = train[:args.train_size]
    vocab, train_arrays, test_arrays = prepare(train, test)

    model = build(vocab, attention=args.attention)
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    print(f"dates with {args.attention} attention: {len(train)} train / {len(test)} test, vocabulary {len(vocab)}, "
          f"{sum(p.numel() for p in model.parameters())} parameters")
    history = train_epochs(model, optimizer, vocab, train_arrays, test_arrays, args.epochs,
                           args.batch_size, rng, max_length=12)

    test_src, test_lengths, answers, _ = test_arrays
    beam_accuracy, _ = nn.exact_match(model, test_src, test_lengths, answers, vocab, max_length=12, beam_size=4)
    print(f"beam search (4): test exact-match {100 * beam_accuracy:.2f}%")
    os.makedirs(args.out, exist_ok=True)
    heatmap = os.path.join(args.out, "dates_attention_heatmap.png")
    answer, _ = draw_heatmap(model, vocab, "TUESDAY, SEPTEMBER 25, 1984", heatmap)
    print(f"heatmap of 'TUESDAY, SEPTEMBER 25, 1984' -> {answer!r} saved to {heatmap}")
    with open(os.path.join(args.out, f"dates_attention_{args.attention}.json"), "w") as f:
        json.dump(dict(attention=args.attention, epochs=args.epochs, batch_size=args.batch_size, history=history,
                       beam4_accuracy=beam_accuracy, reference_weights_accuracy=reference_accuracy), f, indent=1)


if __name__ == "__main__":
    main()
