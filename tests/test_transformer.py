"""Transformer layers against PyTorch, causality, positional encoding, and the seq2seq model."""
import math

import numpy
import pytest

import autograd
from autograd import nn, optim


def test_positional_encoding_table():
    table = nn.sinusoidal_positional_encoding(10, 6)
    p, i = 7, 1
    assert table.dtype == numpy.float32
    numpy.testing.assert_allclose(table[p, 2 * i], math.sin(p / 10000 ** (2 * i / 6)), rtol=1e-6)
    numpy.testing.assert_allclose(table[p, 2 * i + 1], math.cos(p / 10000 ** (2 * i / 6)), rtol=1e-6)
    x = autograd.zeros(2, 4, 6)
    numpy.testing.assert_array_equal(nn.PositionalEncoding(6)(x).numpy()[1], table[:4])


def test_causal_mask_is_pytorchs():
    mask = nn.generate_square_subsequent_mask(4)
    assert numpy.all(numpy.isneginf(mask[numpy.triu_indices(4, 1)])) and numpy.all(mask[numpy.tril_indices(4)] == 0)
    torch = pytest.importorskip("torch")
    numpy.testing.assert_array_equal(mask, torch.nn.Transformer.generate_square_subsequent_mask(4).numpy())


@pytest.mark.parametrize("norm_first", [False, True])
def test_layers_match_pytorch(norm_first):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    options = dict(dim_feedforward=32, dropout=0.0, batch_first=True, norm_first=norm_first)
    t_encoder = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(16, 4, **options), 2,
                                            enable_nested_tensor=False).eval()
    t_decoder = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(16, 4, **options), 2).eval()
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 4, 32, 0.0, norm_first=norm_first, batch_first=True), 2)
    decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(16, 4, 32, 0.0, norm_first=norm_first, batch_first=True), 2)
    for ours, theirs in ((encoder, t_encoder), (decoder, t_decoder)):
        state = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
        assert set(state) == set(ours.state_dict())
        ours.load_state_dict(state)
    rng = numpy.random.default_rng(0)
    src = rng.standard_normal((2, 5, 16)).astype(numpy.float32)
    tgt = rng.standard_normal((2, 3, 16)).astype(numpy.float32)
    padding = numpy.array([[False] * 3 + [True] * 2, [False] * 5])
    causal = nn.generate_square_subsequent_mask(3)
    memory = encoder(autograd.tensor(src), src_key_padding_mask=padding)
    t_memory = t_encoder(torch.tensor(src), src_key_padding_mask=torch.tensor(padding))
    numpy.testing.assert_allclose(memory.numpy()[:, :3], t_memory.detach().numpy()[:, :3], atol=2e-5)
    numpy.testing.assert_allclose(memory.numpy()[1], t_memory.detach().numpy()[1], atol=2e-5)
    out = decoder(autograd.tensor(tgt), memory, tgt_mask=causal, memory_key_padding_mask=padding)
    t_out = t_decoder(torch.tensor(tgt), t_memory, tgt_mask=torch.tensor(causal),
                      memory_key_padding_mask=torch.tensor(padding))
    numpy.testing.assert_allclose(out.numpy(), t_out.detach().numpy(), atol=2e-5)
    causal_flag = decoder(autograd.tensor(tgt), memory, tgt_is_causal=True, memory_key_padding_mask=padding)
    numpy.testing.assert_allclose(causal_flag.numpy(), out.numpy(), atol=1e-6)


def test_decoder_is_causal_and_layers_have_gradients():
    autograd.manual_seed(0)
    layer = nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, batch_first=True).double()
    rng = numpy.random.default_rng(1)
    tgt = rng.standard_normal((1, 4, 8))
    memory = autograd.tensor(rng.standard_normal((1, 3, 8)), dtype="float64")
    a = layer(autograd.tensor(tgt), memory, tgt_is_causal=True).numpy()
    changed = tgt.copy()
    changed[0, 3] += 5.0
    b = layer(autograd.tensor(changed), memory, tgt_is_causal=True).numpy()
    numpy.testing.assert_allclose(a[0, :3], b[0, :3], atol=1e-12)                # the past never sees the future
    assert not numpy.allclose(a[0, 3], b[0, 3])
    x = autograd.tensor(tgt, dtype="float64", requires_grad=True)
    assert autograd.gradcheck(lambda x, m: layer(x, m, tgt_is_causal=True), [x, memory])


def test_transformer_seq2seq_learns_to_copy_and_beam_one_is_greedy():
    vocab = nn.Vocabulary(list("abcd"))
    rng = numpy.random.default_rng(0)
    pairs = ["".join(rng.choice(list("abcd"), rng.integers(1, 4))) for _ in range(600)]
    src, src_lengths, tgt = nn.encode_pairs([(s, s) for s in pairs], vocab)
    autograd.manual_seed(0)
    model = nn.TransformerSeq2Seq(len(vocab), len(vocab), d_model=32, nhead=2, num_encoder_layers=1,
                                  num_decoder_layers=1, dim_feedforward=64, dropout=0.0,
                                  bos_index=vocab.bos_index, eos_index=vocab.eos_index, pad_index=vocab.pad_index)
    optimizer = optim.Adam(model.parameters(), lr=3e-3)
    for epoch in range(14):
        for s, lengths, t in nn.batches((src, src_lengths, tgt), 40, rng=rng, lengths_index=1,
                                        pad_index=vocab.pad_index):
            loss = model.loss(s, t, lengths)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    test = ["".join(rng.choice(list("abcd"), rng.integers(1, 4))) for _ in range(40)]
    test_src, test_lengths, _ = nn.encode_pairs([(s, s) for s in test], vocab)
    accuracy, outputs = nn.exact_match(model, test_src, test_lengths, test, vocab, max_length=5)
    assert accuracy >= 0.75, outputs
    greedy = model.greedy_decode(test_src, test_lengths, max_length=5)
    beams = model.beam_search(test_src, test_lengths, beam_size=1, max_length=5)
    assert [vocab.decode(g) for g in greedy] == [vocab.decode(h[0].tokens) for h in beams]
