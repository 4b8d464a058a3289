"""Train an LSTM language model on Penn Treebank and report validation/test perplexity.

Small configuration (default; the classic one, published test perplexity ~136):
one LSTM layer, 100-dim embedding and state, batch 20, 35 steps, SGD lr 20,
gradient-norm clipping 0.25, 4 epochs.

    .venv/bin/python benchmarks/train_ptb_lm.py                       # small, ~15 min on 2 cores
    .venv/bin/python benchmarks/train_ptb_lm.py --large               # 2x650, dropout 0.5, tying, 39 epochs
    .venv/bin/python benchmarks/train_ptb_lm.py --epochs 1 --max-batches 100   # a quick look

The large configuration divides the learning rate by 4 whenever validation
perplexity stops improving. Data: --data DIR (default ../shared/data/ptb).
"""
import argparse
import os
import time

import numpy

import autograd
from autograd import nn, optim
from autograd.datasets import ptb
from autograd.text import LSTMLanguageModel, TBPTTBatcher, lm_loss, perplexity, detach_state

HERE = os.path.dirname(os.path.abspath(__file__))
SMALL = dict(embedding_dim=100, hidden_size=100, num_layers=1, dropout=0.0, tie_weights=False,
             batch_size=20, time_steps=35, lr=20.0, clip=0.25, epochs=4)
LARGE = dict(embedding_dim=650, hidden_size=650, num_layers=2, dropout=0.5, tie_weights=True,
             batch_size=20, time_steps=35, lr=20.0, clip=0.25, epochs=39)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--large", action="store_true", help="2 layers of 650, dropout 0.5, weight tying")
    parser.add_argument("--data", default=os.path.join(HERE, "..", "..", "shared", "data", "ptb"))
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--max-batches", type=int, default=None, help="stop each epoch early (for a quick look)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--log-every", type=int, default=200)
    args = parser.parse_args()
    config = dict(LARGE if args.large else SMALL)
    if args.epochs:
        config["epochs"] = args.epochs

    autograd.manual_seed(args.seed)
    train, word_to_id, _ = ptb.load("train", args.data)
    valid, _, _ = ptb.load("valid", args.data)
    test, _, _ = ptb.load("test", args.data)
    model = LSTMLanguageModel(len(word_to_id), config["embedding_dim"], config["hidden_size"],
                              config["num_layers"], config["dropout"], config["tie_weights"])
    optimizer = optim.SGD(model.parameters(), lr=config["lr"])
    print(f"config: {config}", flush=True)

    best_valid = float("inf")
    for epoch in range(1, config["epochs"] + 1):
        model.train()
        batches = TBPTTBatcher(train, config["batch_size"], config["time_steps"])
        state, total, count, start = None, 0.0, 0, time.perf_counter()
        since = start
        for k, (x, y) in enumerate(batches):
            if args.max_batches and k >= args.max_batches:
                break
            logits, state = model(x, detach_state(state))
            loss = lm_loss(logits, y)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), config["clip"])
            optimizer.step()
            total, count = total + loss.item(), count + 1
            if (k + 1) % args.log_every == 0:
                print(f"epoch {epoch} batch {k + 1}/{len(batches)} train perplexity {numpy.exp(total / count):.2f} "
                      f"({(time.perf_counter() - since) / count * 1000:.1f} ms/batch)", flush=True)
                total, count, since = 0.0, 0, time.perf_counter()
        epoch_time = time.perf_counter() - start
        valid_ppl = perplexity(model, valid)
        print(f"epoch {epoch}: {epoch_time:.1f} s, validation perplexity {valid_ppl:.2f}, "
              f"lr {optimizer.param_groups[0]['lr']}", flush=True)
        if args.large and valid_ppl > best_valid:
            for group in optimizer.param_groups:
                group["lr"] /= 4
        best_valid = min(best_valid, valid_ppl)
    print(f"test perplexity {perplexity(model, test):.2f}", flush=True)


if __name__ == "__main__":
    main()
