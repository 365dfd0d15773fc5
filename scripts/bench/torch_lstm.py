#!/usr/bin/env python3
"""PyTorch reference for the minibatch figures of `make bench` (issue 14).

Times one training iteration (forward, backward, gradient clipping, one optimizer step) of
`nn.LSTM` (one layer, hidden 128) plus a linear readout on one thread, on the two shapes
BatchBench measures, in float64 and float32:

  adding   T=100, X=2, B=20, H=128, K=1; mse at the last step only; RMSProp lr 1e-3, clip 1
  char-lm  T=50, one-hot inputs X=K=96, B=16, H=128; cross-entropy at every step;
           Adam lr 3e-3, clip 5 (the one-hot inputs go in dense, as nn.LSTM takes them)

Prints one JSON object: {"torch": version, "threads": 1, workload: {dtype: {wall_ms, cpu_ms
(each iteration's, in order), median_ms, min_ms, cpu_median_ms, cpu_min_ms, iterations}}}. Wall-clock times from time.perf_counter, CPU times of the calling thread from
time.thread_time (with one thread, all of PyTorch's work runs on it).

  torch_lstm.py [--workload adding|char-lm|all] [--dtype float64|float32|all]
                [--iterations 20] [--warmup 3]
"""

import argparse
import json
import time

import torch
from torch import nn


class Model(nn.Module):
    def __init__(self, inputs, hidden, outputs):
        super().__init__()
        self.lstm = nn.LSTM(inputs, hidden, num_layers=1)
        self.readout = nn.Linear(hidden, outputs)

    def forward(self, x):  # x: [T, B, X]
        h, _ = self.lstm(x)
        return h


def adding_batches(count, steps, batch, dtype, generator):
    batches = []
    for _ in range(count):
        values = torch.rand(steps, batch, generator=generator, dtype=dtype)
        markers = torch.zeros(steps, batch, dtype=dtype)
        first = torch.randint(0, steps // 2, (batch,), generator=generator)
        second = torch.randint(steps // 2, steps, (batch,), generator=generator)
        columns = torch.arange(batch)
        markers[first, columns] = 1
        markers[second, columns] = 1
        x = torch.stack([values, markers], dim=2)  # [T, B, 2]
        target = (values * markers).sum(dim=0).unsqueeze(1)  # [B, 1]
        batches.append((x, target))
    return batches


def char_batches(count, steps, batch, vocabulary, dtype, generator):
    batches = []
    for _ in range(count):
        text = torch.randint(0, vocabulary, (steps + 1, batch), generator=generator)
        x = nn.functional.one_hot(text[:-1], vocabulary).to(dtype)  # [T, B, K]
        batches.append((x, text[1:]))  # labels [T, B]
    return batches


def iteration_adding(model, optimizer, batch):
    x, target = batch
    optimizer.zero_grad(set_to_none=True)
    h = model(x)
    y = model.readout(h[-1])  # [B, 1]: scored at the last step only
    loss = nn.functional.mse_loss(y, target)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()


def iteration_char(model, optimizer, batch):
    x, labels = batch
    optimizer.zero_grad(set_to_none=True)
    h = model(x)
    y = model.readout(h)  # [T, B, K]
    loss = nn.functional.cross_entropy(y.reshape(-1, y.shape[-1]), labels.reshape(-1))
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 5.0)
    optimizer.step()


def measure(workload, dtype, iterations, warmup):
    torch.manual_seed(14)
    generator = torch.Generator().manual_seed(14)
    if workload == "adding":
        model = Model(2, 128, 1).to(dtype)
        optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)
        batches = adding_batches(4, 100, 20, dtype, generator)
        step = iteration_adding
    else:
        model = Model(96, 128, 96).to(dtype)
        optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
        batches = char_batches(4, 50, 16, 96, dtype, generator)
        step = iteration_char
    for k in range(warmup):
        step(model, optimizer, batches[k % 4])
    wall = []
    cpu = []
    for k in range(iterations):
        start_wall = time.perf_counter()
        start_cpu = time.thread_time()
        step(model, optimizer, batches[k % 4])
        cpu.append(time.thread_time() - start_cpu)
        wall.append(time.perf_counter() - start_wall)
    result = {
        "wall_ms": [seconds * 1000 for seconds in wall],
        "cpu_ms": [seconds * 1000 for seconds in cpu],
    }
    wall.sort()
    cpu.sort()
    result.update(
        {
            "median_ms": wall[len(wall) // 2] * 1000,
            "min_ms": wall[0] * 1000,
            "cpu_median_ms": cpu[len(cpu) // 2] * 1000,
            "cpu_min_ms": cpu[0] * 1000,
            "iterations": iterations,
        }
    )
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workload", choices=["adding", "char-lm", "all"], default="all")
    parser.add_argument("--dtype", choices=["float64", "float32", "all"], default="all")
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    workloads = ["adding", "char-lm"] if args.workload == "all" else [args.workload]
    dtypes = ["float64", "float32"] if args.dtype == "all" else [args.dtype]
    result = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    for workload in workloads:
        result[workload] = {
            name: measure(workload, getattr(torch, name), args.iterations, args.warmup) for name in dtypes
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
