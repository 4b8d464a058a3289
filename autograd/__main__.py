"""The main job: train the 2-2-1 sigmoid network of the computation-graph chapter on XOR.

    $ python -m autograd                 # prints the loss as it falls, writes out/xor_graph.svg
    $ python -m autograd --epochs 2000 --lr 2.0 --seed 1 --graph out/xor.png

The network is written as plain expressions on tensors, exactly as on the
slides: h = σ(x W1 + b1), y = σ(h W2 + b2), E = mean((y - t)²), followed by
gradient descent w ← w - lr · ∂E/∂w.
"""
import argparse
import os
import sys

import numpy

import autograd


def xor_data():
    x = autograd.tensor([[0, 0], [0, 1], [1, 0], [1, 1]], dtype="float32", name="x")
    t = autograd.tensor([[0], [1], [1], [0]], dtype="float32", name="t")
    return x, t


def make_parameters(seed):
    autograd.manual_seed(seed)
    return {
        "W1": autograd.tensor(autograd.randn(2, 2).numpy(), requires_grad=True, name="W1"),
        "b1": autograd.zeros(2, requires_grad=True),
        "W2": autograd.tensor(autograd.randn(2, 1).numpy(), requires_grad=True, name="W2"),
        "b2": autograd.zeros(1, requires_grad=True),
    }


def forward(params, x, t):
    """The network and its loss, one expression per line of the slide."""
    h = autograd.sigmoid(x @ params["W1"] + params["b1"])
    y = autograd.sigmoid(h @ params["W2"] + params["b2"])
    loss = ((y - t) ** 2).mean()
    h.name, y.name, loss.name = "h", "y", "E"
    return y, loss


def train(epochs=2000, lr=2.0, seed=1, log_every=200, out=sys.stdout):
    x, t = xor_data()
    params = make_parameters(seed)
    for name, p in params.items():
        p.name = name
    for epoch in range(epochs + 1):
        y, loss = forward(params, x, t)
        if epoch % log_every == 0:
            print(f"epoch {epoch:5d}   loss {loss.item():.6f}", file=out)
        if epoch == epochs:
            break
        for p in params.values():
            p.grad = None
        loss.backward()
        with autograd.no_grad():
            for p in params.values():
                p.data -= lr * p.grad.data
    predictions = (y.numpy() > 0.5).astype(int).ravel().tolist()
    print(f"predictions for (0,0) (0,1) (1,0) (1,1): {predictions}   targets: [0, 1, 1, 0]", file=out)
    return params, loss.item(), predictions


def write_diagram(params, path):
    """The trained network's graph, with each tensor's values and gradient, as on the slides.

    A .dot file is plain text and needs no extra; SVG/PNG/PDF need `pip install 'autograd-dag[viz]'`.
    """
    if path.lower().endswith((".dot", ".gv")):
        from autograd._dot_only import dot_only

        with dot_only():  # DOT text needs no graphviz package
            from autograd import viz
    else:
        from autograd import viz  # optional: needs the `viz` extra

    x, t = xor_data()
    y, loss = forward(params, x, t)
    diagram = viz.draw(loss, show_values=True, show_grads=True,
                       title=f"XOR network after training: E = {loss.item():.4f}")
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    return diagram.save(path)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograd", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--epochs", type=int, default=2000, help="passes of gradient descent over the 4 XOR cases")
    parser.add_argument("--lr", type=float, default=2.0, help="learning rate: each step is w ← w − lr·∂E/∂w")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the initial weights")
    parser.add_argument("--graph", default="out/xor_graph.svg",
                        help="where to write the trained network's diagram (.svg, .png, .pdf, or .dot which "
                             "needs no graphviz); '' for none")
    args = parser.parse_args(argv)
    numpy.set_printoptions(precision=4, suppress=True)
    params, final_loss, predictions = train(args.epochs, args.lr, args.seed)
    if args.graph:
        print(f"graph diagram with values and gradients written to {write_diagram(params, args.graph)}")
    return 0 if predictions == [0, 1, 1, 0] else 1


if __name__ == "__main__":
    sys.exit(main())
