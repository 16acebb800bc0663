// Verilator harness of buffered_unit (a unit with its on-chip buffers) and the DRAM side:
// a memory that moves at most `bytes_per_cycle` bytes per cycle (credit accumulated while
// a transfer runs; a fill or drain segment goes when its bytes are covered, at most one
// segment per cycle through the buffer's port).
//
// Stdin, per GEMM: "M K N T" (T = 1 input-stationary: the unit streams B^T and holds
// A^T), A row-major, B row-major, the tile schedule (15 numbers, see simulate.py), then
// "bytes_per_cycle operand_bytes accumulator_bytes". Stdout: "cycles <busy> <total>
// <transfer> <a bytes> <b bytes> <spill bytes> <out bytes>", then C row-major.
//
// Transfers before each tile, in this order: store the output tile being left (partial
// sums at accumulator width when K tiles of it are still to come -- the model's spill --,
// else the result at operand width, the model's output convention), then the new output
// tile (zeros when it starts at k = 0, no DRAM bytes; else its partial sums back), then
// the A tile and the B tile when they differ from the ones held.
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <vector>
#include "Vbuffered_unit.h"
#include "verilated.h"

template <std::size_t N>
static void put(VlWide<N>& w, int lsb, int width, uint64_t v) {
    for (int b = 0; b < width; ++b) {
        int i = lsb + b;
        uint32_t bit = (uint32_t)((v >> b) & 1u);
        w[i / 32] = (w[i / 32] & ~(1u << (i % 32))) | (bit << (i % 32));
    }
}
template <typename T>
static void put(T& s, int lsb, int width, uint64_t v) {
    uint64_t mask = (width >= 64) ? ~0ull : ((1ull << width) - 1);
    uint64_t x = (uint64_t)s;
    x = (x & ~(mask << lsb)) | ((v & mask) << lsb);
    s = (T)x;
}
template <std::size_t N>
static uint64_t get(const VlWide<N>& w, int lsb, int width) {
    uint64_t v = 0;
    for (int b = 0; b < width; ++b) {
        int i = lsb + b;
        v |= (uint64_t)((w[i / 32] >> (i % 32)) & 1u) << b;
    }
    return v;
}
template <typename T>
static uint64_t get(const T& s, int lsb, int width) {
    uint64_t mask = (width >= 64) ? ~0ull : ((1ull << width) - 1);
    return ((uint64_t)s >> lsb) & mask;
}
static int64_t sext(uint64_t v, int width) {
    if (width >= 64) return (int64_t)v;
    uint64_t sign = 1ull << (width - 1);
    return (int64_t)((v ^ sign) - sign);
}

struct Op {
    bool drain;
    int sel, row, col;
    uint32_t mask;
    std::vector<int64_t> lanes;  // fill data
    double bytes;
    int kind;  // bytes category: 0 A, 1 B, 2 spill, 3 out, 4 none (zeros)
    int dram_row = 0, dram_col = 0;  // a drain: where its words go in C
};

int main(int argc, char** argv) {
    Verilated::commandArgs(argc, argv);
    Vbuffered_unit* top = new Vbuffered_unit;
    const int ROWS = ACC_ROWS, COLS = ACC_COLS, AW = ACC_AW, DW = ACC_DW;
    const bool OS_LAYOUT = ACC_OS_LAYOUT;
    const int L = ROWS > COLS ? ROWS : COLS;
    auto tick = [&]() {
        top->clk = 0; top->eval();
        top->clk = 1; top->eval();
    };
    top->rst = 1; top->start = 0; tick(); tick(); top->rst = 0;
    int cases;
    if (std::scanf("%d", &cases) != 1) return 2;
    for (int cs = 0; cs < cases; ++cs) {
        int M, K, N, T;
        if (std::scanf("%d %d %d %d", &M, &K, &N, &T) != 4) return 2;
        std::vector<int64_t> A((size_t)M * K), B((size_t)K * N);
        for (auto& x : A) if (std::scanf("%lld", (long long*)&x) != 1) return 2;
        for (auto& x : B) if (std::scanf("%lld", (long long*)&x) != 1) return 2;
        unsigned s[15];
        for (auto& x : s) if (std::scanf("%u", &x) != 1) return 2;
        double bpc, bpe, acc;
        if (std::scanf("%lf %lf %lf", &bpc, &bpe, &acc) != 3) return 2;
        // the unit's frame
        const int Mu = T ? N : M, Nu = T ? M : N;
        auto au = [&](int i, int k) { return T ? B[(size_t)k * N + i] : A[(size_t)i * K + k]; };
        auto bu = [&](int k, int j) { return T ? A[(size_t)j * K + k] : B[(size_t)k * N + j]; };
        std::vector<int64_t> dram_c((size_t)Mu * Nu, 0);
        top->size_a_m = s[0]; top->cnt_a_m = s[1]; top->size_b_m = s[2]; top->cnt_b_m = s[3];
        top->size_a_k = s[4]; top->cnt_a_k = s[5]; top->size_b_k = s[6]; top->cnt_b_k = s[7];
        top->size_a_n = s[8]; top->cnt_a_n = s[9]; top->size_b_n = s[10]; top->cnt_b_n = s[11];
        top->outer = s[12]; top->middle = s[13]; top->inner = s[14];

        bool a_held = false, b_held = false, c_held = false;
        int am = 0, ak = 0, atm = 0, atk = 0, bk = 0, bn = 0, btk = 0, btn = 0;
        int cm = 0, cn = 0, ctm = 0, ctn = 0, c_k_end = 0;
        std::vector<Op> ops;
        size_t op_i = 0;
        bool planned = false;
        double credit = 0.0, bytes[5] = {0, 0, 0, 0, 0};
        long long busy = 0, total = 0, xfer = 0, guard = 0;

        auto store_c = [&]() {
            bool partial = c_k_end < K;
            for (int r = 0; r < ctm; ++r)
                for (int c0 = 0; c0 < ctn; c0 += COLS) {
                    Op op{true, 2, r, c0, 0, {}, 0.0, partial ? 2 : 3, cm + r, cn + c0};
                    for (int j = 0; j < COLS && c0 + j < ctn; ++j) {
                        op.mask |= 1u << j;
                        op.bytes += partial ? acc : bpe;
                    }
                    ops.push_back(op);
                }
            c_held = false;
        };
        // Fill segments of a rows x cols tile into buffer `sel`, one word per bank, rows
        // outer: the banks along the columns (a segment is part of a row) or, with
        // banks_on_rows, along the rows (part of a column); element (r, c) is value(r, c),
        // `each` DRAM bytes.
        auto fill = [&](int sel, int kind, int rows, int cols, bool banks_on_rows, int banks,
                        auto value, double each) {
            const int r_step = banks_on_rows ? banks : 1, c_step = banks_on_rows ? 1 : banks;
            for (int r = 0; r < rows; r += r_step)
                for (int c = 0; c < cols; c += c_step) {
                    Op op{false, sel, r, c, 0, std::vector<int64_t>(L, 0), 0.0, kind};
                    for (int l = 0; l < banks; ++l) {
                        const int rr = banks_on_rows ? r + l : r, cc = banks_on_rows ? c : c + l;
                        if (rr >= rows || cc >= cols) break;
                        op.mask |= 1u << l;
                        op.lanes[l] = value(rr, cc);
                        op.bytes += each;
                    }
                    ops.push_back(op);
                }
        };
        auto plan = [&](bool final_) {
            ops.clear(); op_i = 0; credit = 0.0;
            const int tm = top->tile_m, tk = top->tile_k, tn = top->tile_n;
            const int om = top->tile_off_m, ok = top->tile_off_k, on = top->tile_off_n;
            if (c_held && (final_ || om != cm || on != cn)) store_c();
            if (final_) return;
            if (!c_held) {
                cm = om; cn = on; ctm = tm; ctn = tn; c_held = true;
                fill(2, ok ? 2 : 4, tm, tn, false, COLS, [&](int r, int c) -> int64_t {
                    return ok ? dram_c[(size_t)(om + r) * Nu + on + c] : 0;
                }, ok ? acc : 0.0);
            }
            c_k_end = ok + tk;
            if (!a_held || am != om || ak != ok || atm != tm || atk != tk) {
                am = om; ak = ok; atm = tm; atk = tk; a_held = true;
                fill(0, 0, tm, tk, OS_LAYOUT, ROWS,
                     [&](int r, int c) { return au(om + r, ok + c); }, bpe);
            }
            if (!b_held || bk != ok || bn != on || btk != tk || btn != tn) {
                bk = ok; bn = on; btk = tk; btn = tn; b_held = true;
                fill(1, 1, tk, tn, false, COLS,
                     [&](int r, int c) { return bu(ok + r, on + c); }, bpe);
            }
        };

        top->start = 1;
        bool first = true;
        while (true) {
            top->fill_en = 0; top->drain_en = 0; top->xfer_done = 0;
            int drained = -1;
            if (!first && top->xfer_req) {
                if (!planned) { plan(top->xfer_final); planned = true; }
                if (op_i < ops.size()) {
                    credit += bpc;
                    Op& op = ops[op_i];
                    if (credit + 1e-9 >= op.bytes) {
                        credit -= op.bytes;
                        bytes[op.kind] += op.bytes;
                        if (op.drain) {
                            top->drain_en = 1; top->drain_row = op.row; top->drain_col = op.col;
                            drained = (int)op_i;
                        } else {
                            top->fill_en = 1; top->fill_sel = op.sel;
                            top->fill_row = op.row; top->fill_col = op.col; top->fill_mask = op.mask;
                            for (int l = 0; l < L; ++l) put(top->fill_data, l * AW, AW, (uint64_t)op.lanes[l]);
                        }
                        ++op_i;
                    }
                } else {
                    top->xfer_done = 1;
                    planned = false;
                }
                ++xfer;
            }
            top->clk = 0; top->eval();
            if (top->busy) ++busy;
            top->clk = 1; top->eval();
            if (first) { top->start = 0; first = false; }
            ++total;
            if (drained >= 0) {
                const Op& op = ops[drained];
                for (int j = 0; j < COLS; ++j)
                    if (op.mask & (1u << j))
                        dram_c[(size_t)op.dram_row * Nu + op.dram_col + j] =
                            sext(get(top->drain_data, j * AW, AW), AW);
            }
            if (top->done) break;
            if (++guard > 200000000LL) { std::fprintf(stderr, "timeout\n"); return 4; }
        }
        (void)DW;
        std::printf("cycles %lld %lld %lld %.0f %.0f %.0f %.0f\n", busy, total, xfer,
                    bytes[0], bytes[1], bytes[2], bytes[3]);
        for (int i = 0; i < M; ++i)
            for (int j = 0; j < N; ++j) {
                int64_t v = T ? dram_c[(size_t)j * Nu + i] : dram_c[(size_t)i * Nu + j];
                std::printf("%lld%c", (long long)v, j + 1 < N ? ' ' : '\n');
            }
    }
    top->final();
    delete top;
    return 0;
}
