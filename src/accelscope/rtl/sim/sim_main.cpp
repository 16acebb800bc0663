// Verilator harness: reads GEMM cases on stdin ("M K N T": T = 1 for input-stationary,
// then A row-major, then B), runs each on the unit, prints "cycles <busy cycles>" and the
// product row-major.
#include <cstdio>
#include <cstdint>
#include <vector>
#include "Vtb_ws.h"
#include "Vtb_ws__Dpi.h"
#include "verilated.h"

static int g_m, g_k, g_n;
static std::vector<int32_t> g_a, g_b;
static std::vector<int64_t> g_c;

int tb_a(int row, int col) {
    if (row < 0 || row >= g_m || col < 0 || col >= g_k) return 0;
    return g_a[(size_t)row * g_k + col];
}
int tb_b(int row, int col) {
    if (row < 0 || row >= g_k || col < 0 || col >= g_n) return 0;
    return g_b[(size_t)row * g_n + col];
}
void tb_c(int row, int col, long long value) {
    if (row < 0 || row >= g_m || col < 0 || col >= g_n) {
        std::fprintf(stderr, "write outside C: %d %d\n", row, col);
        std::exit(3);
    }
    g_c[(size_t)row * g_n + col] += value;
}

int main(int argc, char** argv) {
    Verilated::commandArgs(argc, argv);
    Vtb_ws* top = new Vtb_ws;
    auto tick = [&]() {
        top->clk = 0; top->eval();
        top->clk = 1; top->eval();
    };
    top->rst = 1; top->start = 0; tick(); tick(); top->rst = 0;
    int cases;
    if (std::scanf("%d", &cases) != 1) return 2;
    for (int c = 0; c < cases; ++c) {
        int transpose = 0;
        if (std::scanf("%d %d %d %d", &g_m, &g_k, &g_n, &transpose) != 4) return 2;
        g_a.assign((size_t)g_m * g_k, 0);
        g_b.assign((size_t)g_k * g_n, 0);
        g_c.assign((size_t)g_m * g_n, 0);
        for (auto& x : g_a) if (std::scanf("%d", &x) != 1) return 2;
        for (auto& x : g_b) if (std::scanf("%d", &x) != 1) return 2;
        top->transpose = transpose;
        // input-stationary: the unit streams N columns of B and holds M columns of A
        top->m = transpose ? g_n : g_m; top->k = g_k; top->n = transpose ? g_m : g_n;
#ifdef TILED
        // the buffer-tile schedule in the unit's frame: per dimension m, k, n
        // (size_a, count_a, size_b, count_b), then the loop order (outer, middle, inner)
        unsigned sched[15];
        for (auto& x : sched) if (std::scanf("%u", &x) != 1) return 2;
        top->size_a_m = sched[0]; top->cnt_a_m = sched[1]; top->size_b_m = sched[2]; top->cnt_b_m = sched[3];
        top->size_a_k = sched[4]; top->cnt_a_k = sched[5]; top->size_b_k = sched[6]; top->cnt_b_k = sched[7];
        top->size_a_n = sched[8]; top->cnt_a_n = sched[9]; top->size_b_n = sched[10]; top->cnt_b_n = sched[11];
        top->outer = sched[12]; top->middle = sched[13]; top->inner = sched[14];
#endif
        top->start = 1; tick(); top->start = 0;
        long long cycles = 0, guard = 0;
        // count the rising edges at which the unit is busy (its compute cycles), until
        // it reports done (which may come one idle cycle after the last busy one)
        while (!top->done) {
            top->clk = 0; top->eval();
            if (top->busy) ++cycles;
            top->clk = 1; top->eval();
            if (++guard > 100000000LL) { std::fprintf(stderr, "timeout\n"); return 4; }
        }
        std::printf("cycles %lld\n", cycles);
        for (size_t i = 0; i < g_c.size(); ++i) std::printf("%lld%c", (long long)g_c[i], (i + 1) % g_n ? ' ' : '\n');
    }
    top->final();
    delete top;
    return 0;
}
