"""`python -m autograd`: every option explains itself with its default, and outputs go under out/."""
import pytest

from autograd.__main__ import main


def test_help_names_every_option_with_its_default(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    for option, default in [("--epochs", "2000"), ("--lr", "2.0"), ("--seed", "1"), ("--graph", "out/xor_graph.svg")]:
        assert option in text and f"(default: {default})" in text


def test_the_diagram_goes_under_out(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    main(["--epochs", "5", "--graph", "out/xor.dot"])
    assert (tmp_path / "out" / "xor.dot").read_text(encoding="utf-8").startswith("digraph")
