#!/usr/bin/env python3
"""Issue 15's figures: TPE (60 trials) against random search (60) and the grid (240) on the seed
problem, median over 5 seeds; successive halving on the adding problem (T = 50) against the full
sweep. Writes the specs into a folder, runs them with the given runner, prints the numbers.

    python3 scripts/search_figure.py .build/release/runner /tmp/search-figure
"""
import json
import os
import sqlite3
import statistics
import subprocess
import sys

runner, folder = sys.argv[1], sys.argv[2]
os.makedirs(folder, exist_ok=True)
seed_problem = {
    "task": {"plugin": "sequence", "inputSize": 50, "targets": [-0.5, 0.2, 0.1, -0.5]},
    "model": {"hiddenSize": 100, "cellOutput": "identity"},
    "training": {"iterations": 100, "optimizer": "sgd", "learningRate": 0.1, "loss": "h0-squared"},
    "checkpoints": {"final": False},
}
space = {"training.learningRate": {"random": 60, "logUniform": [0.001, 3]},
         "model.hiddenSize": {"random": 60, "integers": [8, 257]}}
grid = {"training.learningRate": {"logspace": [0.001, 3], "count": 12}, "model.hiddenSize": {"range": [8, 257, 13]}}
specs = []
for seed in range(5):
    specs.append(dict(seed_problem, name=f"tpe-{seed}", seed=seed, sweep=space, search={"method": "tpe"}))
    specs.append(dict(seed_problem, name=f"random-{seed}", seed=seed, sweep=space))
    specs.append(dict(seed_problem, name=f"grid-{seed}", seed=seed, sweep=grid))
adding = {
    "task": {"plugin": "adding", "sequenceLength": 50},
    "model": {"hiddenSize": 32, "cellOutput": "tanh"},
    "training": {"batchSize": 20, "loss": "mse", "optimizer": "rmsprop", "learningRate": 0.001, "clipNorm": 1.0,
                 "iterations": 2000},
    "evaluation": {"every": 50, "samples": 200}, "seed": 0,
    "sweep": {"training.learningRate": {"random": 27, "logUniform": [0.0001, 0.03]},
              "model.hiddenSize": {"random": 27, "integers": [8, 129]}},
}
specs.append(dict(adding, name="adding-50-full"))
for r in (50, 250):
    specs.append(dict(adding, name=f"adding-50-sh{r}", pruning={
        "method": "successive-halving", "metric": "validation_loss", "minIterations": r, "reduction": 3}))
# One database per experiment: a pruned sweep shares its run ids with the full one, and a finished
# run is never trained again (or pruned) in the database that holds it.
def database(name):
    os.makedirs(os.path.join(folder, name), exist_ok=True)
    return os.path.join(folder, name, "runs.sqlite")
for spec in specs:
    path = os.path.join(folder, spec["name"] + ".json")
    with open(path, "w") as file:
        json.dump(spec, file, indent=1)
    subprocess.run([runner, "run", path, "--db", database(spec["name"]), "--jobs", "2", "--quiet"], check=True)

def rows(experiment, sql):
    db = sqlite3.connect(database(experiment))
    return db.execute(sql + " FROM experiment_runs e JOIN runs r ON r.id = e.run_id WHERE e.experiment = ?",
                      (experiment,)).fetchall()
for method in ("tpe", "random", "grid"):
    best = [rows(f"{method}-{s}", "SELECT MIN(r.final_loss)")[0][0] for s in range(5)]
    print(f"{method:6} best final loss per seed", " ".join(f"{b:.3e}" for b in best),
          f"median {statistics.median(best):.3e}")
full = rows("adding-50-full", "SELECT r.id, r.validation_loss, r.iterations_run")
best_id = min(full, key=lambda row: row[1])[0]
print(f"adding-50 full: {sum(row[2] for row in full)} iterations, best {best_id}")
for r in (50, 250):
    pruned = rows(f"adding-50-sh{r}", "SELECT r.id, r.validation_loss, r.iterations_run, r.status")
    kept = [row for row in pruned if row[3] == "completed"]
    winner = min(kept, key=lambda row: row[1])
    print(f"adding-50 successive halving r={r}: {sum(row[2] for row in pruned)} iterations, best kept {winner[0]} "
          f"(validation {winner[1]:.3e}); the full sweep's best kept: {best_id in [row[0] for row in kept]}")
