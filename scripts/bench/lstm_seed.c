/* The seed workload in hand-optimised C: the reference issue 14 measures the Swift trainer against.
 *
 * The simple LSTM of the project (gates g = tanh, i, f, o = sigmoid over [x(t), h(t-1)];
 * s(t) = g*i + s(t-1)*f; h(t) = s(t)*o; loss sum_t (h_0(t) - y(t))^2), trained by plain SGD
 * with backpropagation through time, written the way a careful C programmer would: stacked gates
 * (one [4H, X+H] weight matrix), the input part of every step's gates computed once per update,
 * the backward pass keeping only the dz of each step, and the weight update applied in place as
 * one fused rank-T update (no separate gradient buffer) that also makes the next input part. Built
 * by lstm-bench with -O3 -march=native -ffast-math (so FMA and vectorised reductions are allowed:
 * the Swift code may use neither, to keep its bits).
 *
 *   lstm_seed FILE H X T ITERATIONS REPEAT
 *
 * FILE holds float64 values, native byte order: the weights [4H][X+H] (rows in gate order g, i,
 * f, o), the bias [4H], the inputs [T][X], the targets [T]: lstm-bench writes the seed problem's.
 * Trains REPEAT times from that start and prints one JSON object: the median seconds of the
 * ITERATIONS updates and the losses of the last training (the loss before each update).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static double sigmoid(double z) { return 1.0 / (1.0 + exp(-z)); }

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: lstm_seed FILE H X T ITERATIONS REPEAT\n");
        return 64;
    }
    const int H = atoi(argv[2]), X = atoi(argv[3]), T = atoi(argv[4]);
    const int iterations = atoi(argv[5]), repeat = atoi(argv[6]);
    const int N = X + H, G = 4 * H;
    const double lr = 0.1;
    const size_t count = (size_t)G * N + G + (size_t)T * X + T;
    double *initial = malloc(count * sizeof(double));
    FILE *file = fopen(argv[1], "rb");
    if (!file || fread(initial, sizeof(double), count, file) != count) {
        fprintf(stderr, "%s: cannot read %zu float64 values\n", argv[1], count);
        return 1;
    }
    fclose(file);
    double *W = malloc((size_t)G * N * sizeof(double)), *b = malloc(G * sizeof(double));
    const double *xs = initial + (size_t)G * N + G, *ys = xs + (size_t)T * X;
    /* Per step: [x; h(t-1)], the gates (g, i, f, o stacked), s, and dz. */
    double *concat = calloc((size_t)T * N, sizeof(double)), *gates = malloc((size_t)T * G * sizeof(double));
    double *s = calloc((size_t)(T + 1) * H, sizeof(double)), *dz = malloc((size_t)T * G * sizeof(double));
    double *dh = malloc(H * sizeof(double)), *dsNext = malloc(H * sizeof(double)), *h = malloc(H * sizeof(double));
    double *losses = malloc(iterations * sizeof(double)), *times = malloc(repeat * sizeof(double));
    /* The input part of every step's gates, b + W_x x(t): made for the next iteration while the
     * update has each row in the cache. */
    double *projection = malloc((size_t)T * G * sizeof(double));
    for (int r = 0; r < repeat; r++) {
        memcpy(W, initial, (size_t)G * N * sizeof(double));
        memcpy(b, initial + (size_t)G * N, G * sizeof(double));
        double start = now();
        for (int t = 0; t < T; t++) {
            double *c = concat + (size_t)t * N;
            memcpy(c, xs + (size_t)t * X, X * sizeof(double));
            if (t == 0) memset(c + X, 0, H * sizeof(double));
            for (int row = 0; row < G; row++) {
                const double *w = W + (size_t)row * N;
                double sum = b[row];
                for (int k = 0; k < X; k++) sum += w[k] * c[k];
                projection[(size_t)t * G + row] = sum;
            }
        }
        for (int it = 0; it < iterations; it++) {
            double loss = 0;
            /* Forward. s[0] is s(-1) = 0, s[t + 1] is s(t). */
            for (int t = 0; t < T; t++) {
                double *c = concat + (size_t)t * N, *z = gates + (size_t)t * G;
                const double *p = projection + (size_t)t * G;
                if (t == 0) {
                    memcpy(z, p, G * sizeof(double));
                } else {
                    for (int row = 0; row < G; row++) {
                        const double *w = W + (size_t)row * N + X;
                        double sum = p[row];
                        for (int k = 0; k < H; k++) sum += w[k] * c[X + k];
                        z[row] = sum;
                    }
                }
                const double *prev = s + (size_t)t * H;
                double *cur = s + (size_t)(t + 1) * H;
                /* Separate loops, so that the compiler calls glibc's vector tanh and exp. */
                for (int j = 0; j < H; j++) z[j] = tanh(z[j]);
                for (int j = H; j < G; j++) z[j] = sigmoid(z[j]);
                for (int j = 0; j < H; j++) {
                    cur[j] = z[j] * z[H + j] + prev[j] * z[2 * H + j];
                    h[j] = cur[j] * z[3 * H + j];
                }
                if (t + 1 < T) memcpy(concat + (size_t)(t + 1) * N + X, h, H * sizeof(double));
                loss += (h[0] - ys[t]) * (h[0] - ys[t]);
                if (t + 1 == T) { /* keep h(T-1)[0] for the backward pass */
                    dh[0] = h[0];
                }
            }
            losses[it] = loss;
            /* Backward through time: dz of each step, the recurrent W_h^T dz. */
            memset(dsNext, 0, H * sizeof(double));
            double hLast0 = dh[0];
            memset(dh, 0, H * sizeof(double));
            for (int t = T - 1; t >= 0; t--) {
                const double *z = gates + (size_t)t * G, *cur = s + (size_t)(t + 1) * H, *prev = s + (size_t)t * H;
                double *d = dz + (size_t)t * G;
                /* h_0(t): the next step's input holds h(t) for t < T-1; the last one was kept. */
                double h0 = t + 1 < T ? concat[(size_t)(t + 1) * N + X] : hLast0;
                dh[0] += 2 * (h0 - ys[t]);
                for (int j = 0; j < H; j++) {
                    double g = z[j], i = z[H + j], f = z[2 * H + j], o = z[3 * H + j];
                    double ds = dh[j] * o + dsNext[j];
                    d[j] = ds * i * (1 - g * g);
                    d[H + j] = ds * g * i * (1 - i);
                    d[2 * H + j] = ds * prev[j] * f * (1 - f);
                    d[3 * H + j] = dh[j] * cur[j] * o * (1 - o);
                    dsNext[j] = ds * f;
                }
                if (t == 0) break;
                memset(dh, 0, H * sizeof(double));
                for (int row = 0; row < G; row++) {
                    const double *w = W + (size_t)row * N + X;
                    const double dr = d[row];
                    for (int j = 0; j < H; j++) dh[j] += dr * w[j];
                }
            }
            /* The update in place: W -= lr * sum_t dz(t) [x(t); h(t-1)]^T, b -= lr * sum_t dz(t). */
            for (int row = 0; row < G; row++) {
                double *w = W + (size_t)row * N;
                double sum = 0;
                for (int t = 0; t < T; t++) {
                    const double a = -lr * dz[(size_t)t * G + row];
                    const double *c = concat + (size_t)t * N;
                    sum += a;
                    for (int k = 0; k < N; k++) w[k] += a * c[k];
                }
                b[row] += sum;
                for (int t = 0; t < T; t++) {
                    const double *c = concat + (size_t)t * N;
                    double p = b[row];
                    for (int k = 0; k < X; k++) p += w[k] * c[k];
                    projection[(size_t)t * G + row] = p;
                }
            }
        }
        times[r] = now() - start;
    }
    qsort(times, repeat, sizeof(double), compare);
    printf("{\"seconds\": %.9g, \"fastest\": %.9g, \"losses\": [", times[repeat / 2], times[0]);
    for (int it = 0; it < iterations; it++) printf("%s%.17g", it ? ", " : "", losses[it]);
    printf("]}\n");
    return 0;
}
