import io
import platform
import re
import subprocess
import sys

import numpy as np

import neurona as nr
from neurona.cli import build_parser, main, run_demo

# "  12       0.3159      92.2%      93.5%": epoch, train loss, train accuracy, test accuracy
EPOCH_LINE = re.compile(r"^\s*(\d+)\s+(\d+\.\d+)\s+(\d+\.\d)%\s+(\d+\.\d)%$")
FINAL_LINE = re.compile(r"^final test accuracy: (\d+\.\d)% on 200 points; trained in \d+\.\d s$")


def test_demo_prints_falling_loss_and_accuracy(capsys):
    assert main(["demo", "--epochs", "12", "--seed", "0"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    rows = [EPOCH_LINE.match(line) for line in lines]
    rows = [tuple(float(g) for g in m.groups()) for m in rows if m]
    assert [int(r[0]) for r in rows] == list(range(1, 13))  # one line per epoch below 20
    losses = [r[1] for r in rows]
    assert losses[-1] < 0.8 * losses[0], losses
    assert all(0 <= r[2] <= 100 and 0 <= r[3] <= 100 for r in rows)
    assert "epoch   train loss   train acc   test acc" in lines
    assert FINAL_LINE.match(lines[-1]), lines[-1]
    assert "\x1b" not in out  # plain text, no terminal escape codes


def test_demo_reaches_95_percent_with_defaults():
    history = run_demo(quiet=True, out=io.StringIO())
    assert history["final_test_acc"] >= 0.95, history
    assert history["loss"][-1] < history["loss"][0]
    assert history["seconds"] < 30


def test_demo_is_reproducible():
    a = run_demo(epochs=3, seed=5, quiet=True, out=io.StringIO())
    b = run_demo(epochs=3, seed=5, quiet=True, out=io.StringIO())
    c = run_demo(epochs=3, seed=6, quiet=True, out=io.StringIO())
    np.testing.assert_array_equal(a["loss"], b["loss"])
    assert a["loss"] != c["loss"]


def test_demo_quiet_prints_one_line(capsys):
    assert main(["demo", "--epochs", "2", "--quiet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and FINAL_LINE.match(lines[0])


def test_demo_rejects_bad_flags(capsys):
    assert main(["demo", "--epochs", "0"]) == 2
    assert "expected a positive integer, got 0" in capsys.readouterr().err
    assert main(["demo", "--seed", "-3"]) == 2
    assert "expected an integer >= 0, got -3" in capsys.readouterr().err
    assert main(["demo", "--epochs", "many"]) == 2
    assert "expected a positive integer, got 'many'" in capsys.readouterr().err


def test_help_lists_subcommands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: neurona")
    assert "demo" in out and "info" in out and "--version" in out

    assert main(["demo", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--epochs" in out and "--seed" in out and "--quiet" in out


def test_no_command_prints_help(capsys):
    assert main([]) == 0
    assert "usage: neurona" in capsys.readouterr().out


def test_unknown_command(capsys):
    assert main(["train-everything"]) == 2
    assert "invalid choice: 'train-everything'" in capsys.readouterr().err


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"neurona {nr.__version__}\n"


def test_parser_prog_is_neurona():
    assert build_parser().prog == "neurona"


def test_info(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert re.search(rf"^neurona\s+{re.escape(nr.__version__)}$", out, re.M)
    assert re.search(rf"^numpy\s+{re.escape(np.__version__)}$", out, re.M)
    assert re.search(rf"^python\s+{re.escape(platform.python_version())} ", out, re.M)
    for module in ("cupy", "matplotlib", "torch", "sklearn", "optuna", "mpi4py", "onnx"):
        assert re.search(rf"^  \w+\s+{module}\s+\S", out, re.M), module
    # torch is a dev dependency, installed wherever the tests run
    assert re.search(r"^  dev\s+torch\s+\d", out, re.M)


def test_info_does_not_import_the_extras():
    code = (
        "import sys\n"
        "from neurona.cli import main\n"
        "main(['info'])\n"
        "extras = ('cupy', 'matplotlib', 'torch', 'sklearn', 'scipy', 'optuna', 'mpi4py', "
        "'onnx', 'tqdm', 'graphviz', 'starlette', 'uvicorn', 'mlxtend', 'hypothesis', 'pytest')\n"
        "loaded = [m for m in extras if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr


def test_python_m_neurona_version():
    run = subprocess.run([sys.executable, "-m", "neurona", "--version"], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout == f"neurona {nr.__version__}\n"
