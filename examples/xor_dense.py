"""XOR with two Dense layers: the smallest problem a straight line cannot solve.

    python examples/xor_dense.py

The four points (0,0)->0, (0,1)->1, (1,0)->1, (1,1)->0 are not separable by
one linear layer; a hidden layer of tanh units bends the space so that a
second linear layer can separate them.
"""

import autograd
from autograd import nn, optim


def main(epochs=500, seed=0, verbose=True):
    autograd.manual_seed(seed)
    x = autograd.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = autograd.tensor([[0.0], [1.0], [1.0], [0.0]])

    model = nn.Sequential(nn.Dense(2, 8, activation="tanh"), nn.Dense(8, 1))
    loss_fn = nn.BCEWithLogitsLoss()
    optimizer = optim.Adam(model.parameters(), lr=0.05)
    if verbose:
        model.summary((2,))

    for epoch in range(1, epochs + 1):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        if verbose and epoch % 100 == 0:
            print(f"epoch {epoch:4d}  loss {loss.item():.5f}")

    with autograd.no_grad():
        probabilities = autograd.sigmoid(model(x)).numpy().ravel()
    predictions = (probabilities > 0.5).astype(int)
    if verbose:
        for inputs, p in zip(x.numpy(), probabilities):
            print(f"{inputs.astype(int).tolist()} -> {p:.3f}")
    correct = int((predictions == y.numpy().ravel()).sum())
    if verbose:
        print(f"{correct}/4 correct")
    return loss.item(), correct


if __name__ == "__main__":
    final_loss, correct = main()
    assert correct == 4, "XOR was not learned"
