// Fold sequencer of an output-stationary GEMM C[M x N] = A[M x K] * B[K x N] on a
// ROWS x COLS array with pipelined folds (the model's `fold_overlap: pipelined`):
//
//   order   N tiles outer, M tiles inner (accelscope's pipelined convention);
//   issue   fold f's stream starts P = max(K, 2 * mt) cycles after fold f-1's, where mt
//           is fold f-1's tile rows: the feeders are busy K cycles, and the results of two
//           folds must not meet in a drain chain (docs/assumptions.md part 3);
//   skew    lane 0 of the left and top feeders is driven from the issue state; lane r
//           replays lane 0's descriptor (fold, k) r cycles later, so in cycle s + r + k
//           row lane r < mt presents A[m0+r][k] and column lane j < nt B[k][n0+j];
//   outputs the result of tile row i, column j leaves the top of the drain chain in cycle
//           s + K + 1 + 2i + j (s: the fold's stream start): an output generator emits one
//           tile row every other cycle for column 0, and column j replays it j cycles
//           later (the deskew).
//
// `busy` is high from the first cycle of the stream to the cycle of the last result, so
// the busy cycles are the model's gemm_compute_cycles(os, ..., pipelined=True).
module osp_controller #(
    parameter integer ROWS = 4,
    parameter integer COLS = 4,
    parameter integer DW = 8,
    parameter integer AW = 32,
    parameter integer IW = 32,
    parameter integer SYNC_READ = 0  // 1: buffer data arrives one cycle after the address
) (
    input  wire                 clk,
    input  wire                 rst,
    input  wire                 start,
    input  wire [IW-1:0]        m,
    input  wire [IW-1:0]        k,
    input  wire [IW-1:0]        n,
    output wire                 busy,
    output wire                 done,
    // A read ports, one per row lane (bank r holds rows m = r mod ROWS)
    output wire [ROWS-1:0]      a_en,
    output wire [ROWS*IW-1:0]   a_row,
    output wire [ROWS*IW-1:0]   a_col,
    input  wire [ROWS*DW-1:0]   a_data,
    // B read ports, one per column lane (bank j holds columns n = j mod COLS)
    output wire [COLS-1:0]      b_en,
    output wire [COLS*IW-1:0]   b_row,
    output wire [COLS*IW-1:0]   b_col,
    input  wire [COLS*DW-1:0]   b_data,
    // C write ports, one per column
    output wire [COLS-1:0]      c_en,
    output wire [COLS*IW-1:0]   c_row,
    output wire [COLS*IW-1:0]   c_col,
    output wire [COLS*AW-1:0]   c_data,
    // the array
    output wire [ROWS*DW-1:0]   a_left,
    output wire [ROWS-1:0]      a_valid,
    output wire [ROWS-1:0]      a_first,
    output wire [ROWS-1:0]      a_last,
    output wire [COLS*DW-1:0]   b_top,
    output wire [COLS-1:0]      b_valid,
    input  wire [COLS*AW-1:0]   d_top
);
    localparam integer L = (ROWS > COLS) ? ROWS : COLS;  // feeder lanes to replay

    // ---- issue state: the fold whose stream lane 0 presents -----------------------------
    reg running, issuing;
    reg done_now;
    reg [IW-1:0] m0, n0, t;  // t: cycles since this fold's stream started
    wire [IW-1:0] m_left = m - m0;
    wire [IW-1:0] n_left = n - n0;
    wire [IW-1:0] mt = (m_left < ROWS) ? m_left : ROWS;
    wire [IW-1:0] nt = (n_left < COLS) ? n_left : COLS;
    wire [IW-1:0] period = (k > 2 * mt) ? k : 2 * mt;
    wire more_m = m0 + ROWS < m;
    wire more_n = n0 + COLS < n;

    // ---- lane descriptors: lane 0 now, lane r = lane 0 r cycles ago ----------------------
    reg          ln_v  [0:L-1];
    reg [IW-1:0] ln_m0 [0:L-1];
    reg [IW-1:0] ln_mt [0:L-1];
    reg [IW-1:0] ln_n0 [0:L-1];
    reg [IW-1:0] ln_nt [0:L-1];
    reg [IW-1:0] ln_k  [0:L-1];
    wire         lane0_v = issuing && (t < k);

    // ---- output generator (column 0) and its replay for columns 1.. ---------------------
    reg          ev_v;  // lane 0 presented k = K-1 in the last cycle
    reg [IW-1:0] ev_m0, ev_mt, ev_n0, ev_nt;
    reg          g_v, g_odd;
    reg [IW-1:0] g_m0, g_mt, g_n0, g_nt, g_i;
    reg          oc_v  [0:COLS-1];
    reg [IW-1:0] oc_row[0:COLS-1];
    reg [IW-1:0] oc_n0 [0:COLS-1];
    reg [IW-1:0] oc_nt [0:COLS-1];

    // the array side: one cycle behind the addresses with synchronous buffers
    wire [ROWS-1:0] a_v_now, a_first_now, a_last_now;
    wire [COLS-1:0] b_v_now, c_en_now;
    wire [COLS*IW-1:0] c_row_now, c_col_now;
    sync_lag #(.W(1 + 3 * ROWS + 2 * COLS + 2 * COLS * IW), .ON(SYNC_READ)) lag (
        .clk(clk), .rst(rst),
        .d({done_now, a_v_now, a_first_now, a_last_now, b_v_now, c_en_now, c_row_now,
            c_col_now}),
        .q({done, a_valid, a_first, a_last, b_valid, c_en, c_row, c_col})
    );

    genvar r, j;
    generate
        for (r = 0; r < ROWS; r = r + 1) begin : lane_a
            wire [IW-1:0] kk = (r == 0) ? t : ln_k[r];
            wire v = ((r == 0) ? lane0_v : ln_v[r]) && (r < ((r == 0) ? mt : ln_mt[r]));
            assign a_en[r] = v;
            assign a_row[r*IW +: IW] = ((r == 0) ? m0 : ln_m0[r]) + r;
            assign a_col[r*IW +: IW] = kk;
            assign a_left[r*DW +: DW] = a_valid[r] ? a_data[r*DW +: DW] : {DW{1'b0}};
            assign a_v_now[r] = v;
            assign a_first_now[r] = v && (kk == 0);
            assign a_last_now[r] = v && (kk == k - 1);
        end
        for (j = 0; j < COLS; j = j + 1) begin : lane_b
            wire [IW-1:0] kk = (j == 0) ? t : ln_k[j];
            wire v = ((j == 0) ? lane0_v : ln_v[j]) && (j < ((j == 0) ? nt : ln_nt[j]));
            assign b_en[j] = v;
            assign b_row[j*IW +: IW] = kk;
            assign b_col[j*IW +: IW] = ((j == 0) ? n0 : ln_n0[j]) + j;
            assign b_top[j*DW +: DW] = b_valid[j] ? b_data[j*DW +: DW] : {DW{1'b0}};
            assign b_v_now[j] = v;
        end
        for (j = 0; j < COLS; j = j + 1) begin : out
            wire          v = (j == 0) ? (g_v && !g_odd) : oc_v[j];
            wire [IW-1:0] row_j = (j == 0) ? g_m0 + g_i : oc_row[j];
            wire [IW-1:0] n0_j = (j == 0) ? g_n0 : oc_n0[j];
            wire [IW-1:0] nt_j = (j == 0) ? g_nt : oc_nt[j];
            assign c_en_now[j] = v && (j < nt_j);
            assign c_row_now[j*IW +: IW] = row_j;
            assign c_col_now[j*IW +: IW] = n0_j + j;
            assign c_data[j*AW +: AW] = d_top[j*AW +: AW];
        end
    endgenerate

    // busy while a result is still to come: the issue state, an event or the generator,
    // or a replayed output descriptor that will still reach a column of its tile
    reg out_live;
    integer q;
    always @* begin
        out_live = 1'b0;
        for (q = 1; q < COLS; q = q + 1)
            if (oc_v[q] && (q < oc_nt[q])) out_live = 1'b1;
    end
    wire live = issuing || ev_v || g_v || out_live;
    assign busy = running && live;

    integer s;
    always @(posedge clk) begin
        done_now <= 1'b0;
        if (rst) begin
            running <= 1'b0;
            issuing <= 1'b0;
            ev_v <= 1'b0;
            g_v <= 1'b0;
            g_odd <= 1'b0;
            for (s = 0; s < L; s = s + 1) ln_v[s] <= 1'b0;
            for (s = 0; s < COLS; s = s + 1) oc_v[s] <= 1'b0;
        end else begin
            // lane replay: lane s takes lane s-1's descriptor
            ln_v[1 % L] <= lane0_v;
            ln_m0[1 % L] <= m0;
            ln_mt[1 % L] <= mt;
            ln_n0[1 % L] <= n0;
            ln_nt[1 % L] <= nt;
            ln_k[1 % L] <= t;
            for (s = 2; s < L; s = s + 1) begin
                ln_v[s] <= ln_v[s-1];
                ln_m0[s] <= ln_m0[s-1];
                ln_mt[s] <= ln_mt[s-1];
                ln_n0[s] <= ln_n0[s-1];
                ln_nt[s] <= ln_nt[s-1];
                ln_k[s] <= ln_k[s-1];
            end
            // output replay: column s takes column s-1's descriptor
            oc_v[1 % COLS] <= g_v && !g_odd;
            oc_row[1 % COLS] <= g_m0 + g_i;
            oc_n0[1 % COLS] <= g_n0;
            oc_nt[1 % COLS] <= g_nt;
            for (s = 2; s < COLS; s = s + 1) begin
                oc_v[s] <= oc_v[s-1];
                oc_row[s] <= oc_row[s-1];
                oc_n0[s] <= oc_n0[s-1];
                oc_nt[s] <= oc_nt[s-1];
            end
            // the fold whose last k lane 0 presented: its results start two cycles later
            ev_v <= lane0_v && (t == k - 1);
            ev_m0 <= m0;
            ev_mt <= mt;
            ev_n0 <= n0;
            ev_nt <= nt;
            if (ev_v) begin
                g_v <= 1'b1;
                g_odd <= 1'b0;
                g_i <= 0;
                g_m0 <= ev_m0;
                g_mt <= ev_mt;
                g_n0 <= ev_n0;
                g_nt <= ev_nt;
            end else if (g_v && !g_odd) begin
                if (g_i + 1 == g_mt) g_v <= 1'b0;
                else g_odd <= 1'b1;
            end else if (g_v) begin
                g_odd <= 1'b0;
                g_i <= g_i + 1;
            end
            // issue: the next fold P cycles after this one's start
            if (start && !running) begin
                running <= !(m == 0 || k == 0 || n == 0);
                issuing <= !(m == 0 || k == 0 || n == 0);
                done_now <= (m == 0 || k == 0 || n == 0);
                m0 <= 0;
                n0 <= 0;
                t <= 0;
            end else if (issuing) begin
                if (t + 1 < period) begin
                    t <= t + 1;
                end else if (more_m) begin
                    m0 <= m0 + ROWS;
                    t <= 0;
                end else if (more_n) begin
                    m0 <= 0;
                    n0 <= n0 + COLS;
                    t <= 0;
                end else begin
                    issuing <= 1'b0;
                end
            end
            if (running && !live) begin
                running <= 1'b0;
                done_now <= 1'b1;
            end
        end
    end
endmodule
