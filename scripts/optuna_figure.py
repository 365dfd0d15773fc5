#!/usr/bin/env python3
"""Issue 15's side-by-side: Optuna's TPESampler against the runner's own tpe search on the seed
problem (100 iterations, SGD, h0-squared; learning rate log-uniform in [1e-3, 3], hidden size an
integer in [8, 256]), 60 trials each, 10 random startup trials each (both defaults), search seeds
0-4. Optuna's objective is `runner train ... --json` (its `finalLoss`, the loss of the trained
weights, which is what a sweep records as final_loss); the runner's search runs the same configs
through `runner run` (each trial's run id is checked to be the one `runner train` reports).

Then the property the issue is about: Optuna with two parallel workers (`n_jobs=2`), run twice with
the same seed, against the runner's search at --jobs 1 and --jobs 2.

    make optuna-figure          # installs optuna into .build/optuna-venv, builds, runs this
    python3 scripts/optuna_figure.py .build/release/runner /tmp/optuna-figure
"""
import json
import os
import sqlite3
import statistics
import subprocess
import sys

import optuna

runner, folder = sys.argv[1], sys.argv[2]
os.makedirs(folder, exist_ok=True)
optuna.logging.set_verbosity(optuna.logging.WARNING)
TRIALS, STARTUP, SEEDS = 60, 10, range(5)


def train(seed, learning_rate, hidden):
    """One trial through the command line, as a user's script would run it."""
    out = subprocess.run(
        [runner, "train", "--seed", str(seed), "--hidden", str(hidden), "--lr", repr(learning_rate),
         "--iterations", "100", "--json"],
        check=True, capture_output=True, text=True).stdout
    result = json.loads(out)
    loss = result["finalLoss"]
    return (float("inf") if loss is None else loss), result["runId"]


def optuna_study(seed, jobs=1):
    sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=STARTUP)
    study = optuna.create_study(sampler=sampler)

    def objective(trial):
        learning_rate = trial.suggest_float("learningRate", 1e-3, 3, log=True)
        hidden = trial.suggest_int("hiddenSize", 8, 256)
        return train(seed, learning_rate, hidden)[0]

    study.optimize(objective, n_trials=TRIALS, n_jobs=jobs)
    history = [(t.number, t.params["learningRate"], t.params["hiddenSize"], t.value) for t in study.trials]
    return study.best_value, history


def runner_search(seed, jobs=2, name=None):
    name = name or f"tpe-{seed}"
    spec = {
        "name": name, "seed": seed,
        "task": {"plugin": "sequence", "inputSize": 50, "targets": [-0.5, 0.2, 0.1, -0.5]},
        "model": {"hiddenSize": 100, "cellOutput": "identity"},
        "training": {"iterations": 100, "optimizer": "sgd", "learningRate": 0.1, "loss": "h0-squared"},
        "checkpoints": {"final": False},
        "sweep": {"training.learningRate": {"random": TRIALS, "logUniform": [0.001, 3]},
                  "model.hiddenSize": {"random": TRIALS, "integers": [8, 257]}},
        "search": {"method": "tpe", "startup": STARTUP},
    }
    directory = os.path.join(folder, f"{name}-jobs{jobs}")
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "spec.json")
    with open(path, "w") as file:
        json.dump(spec, file, indent=1)
    database = os.path.join(directory, "runs.sqlite")
    if os.path.exists(database):
        os.remove(database)
    subprocess.run([runner, "run", path, "--db", database, "--jobs", str(jobs), "--quiet"], check=True,
                   capture_output=True)
    rows = sqlite3.connect(database).execute(
        "SELECT e.trial_index, r.id, r.learning_rate, r.hidden_size, r.final_loss FROM experiment_runs e "
        "JOIN runs r ON r.id = e.run_id WHERE e.experiment = ? ORDER BY e.trial_index", (name,)).fetchall()
    return rows


print(f"seed problem, {TRIALS} trials, {STARTUP} random startup trials, search seeds {list(SEEDS)}")
ours, theirs = [], []
for seed in SEEDS:
    rows = runner_search(seed)
    best = min(rows, key=lambda row: row[4] if row[4] is not None else float("inf"))
    # The same objective: runner train on the best run's config is that run, with its final loss.
    loss, run_id = train(seed, best[2], best[3])
    assert run_id == best[1] and loss == best[4], (run_id, best, loss)
    value, _ = optuna_study(seed)
    ours.append(best[4])
    theirs.append(value)
    print(f"  seed {seed}: runner tpe {best[4]:.3e}  optuna tpe {value:.3e}")
print(f"median best final loss: runner tpe {statistics.median(ours):.3e}, "
      f"optuna tpe {statistics.median(theirs):.3e}")

# Reproducibility: one worker, then two.
for jobs in (1, 2):
    a = optuna_study(0, jobs=jobs)[1]
    b = optuna_study(0, jobs=jobs)[1]
    same = sum(1 for x, y in zip(a, b) if x[1:] == y[1:])
    first = next((x[0] for x, y in zip(a, b) if x[1:] != y[1:]), None)
    print(f"optuna, seed 0, n_jobs={jobs}, twice: {same} of {TRIALS} trials the same (params and value)"
          + (f", first difference at trial {first}" if first is not None else ""))
one = runner_search(0, jobs=1, name="repro")
two = runner_search(0, jobs=2, name="repro")
print(f"runner, seed 0, --jobs 1 and --jobs 2: {sum(1 for x, y in zip(one, two) if x == y)} of {TRIALS} "
      f"trials identical (run ids and final-loss bits)")
