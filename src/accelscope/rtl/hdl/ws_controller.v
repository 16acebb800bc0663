// Fold sequencer of a weight-stationary GEMM C[M x N] += A[M x K] * B[K x N] on a
// ROWS x COLS array, in the order of accelscope's mapping convention (N tiles outer, K
// tiles inner; docs/assumptions.md part 3) with folds back to back (fold_overlap: none):
//
//   preload  kt cycles: row k0+kt-1-s of the B tile enters at the top (last row first);
//   compute  M + ROWS + ct - 1 cycles: in cycle i lane r presents A[i-r][k0+r] (skew),
//            and column j of the bottom row holds C[i-ROWS-j][n0+j]'s partial sum of this
//            K tile (deskew by index), written out with c_valid[j].
//
// kt = min(ROWS, K-k0) and ct = min(COLS, N-n0) are the fold's tile sizes. The next fold's
// preload starts in the cycle after the last output of a fold; `busy` is high exactly
// during preload and compute, so the busy cycles are the GEMM's compute cycles.
// Memories are outside: A has one read port per row lane (bank r holds columns k = r mod
// ROWS), B one row-wide read port, C one write port per column (accumulate).
module ws_controller #(
    parameter integer ROWS = 4,
    parameter integer COLS = 4,
    parameter integer DW = 8,
    parameter integer AW = 32,
    parameter integer IW = 32,  // index width of M, K, N
    parameter integer SYNC_READ = 0  // 1: buffer data arrives one cycle after the address
) (
    input  wire                 clk,
    input  wire                 rst,
    input  wire                 start,
    input  wire [IW-1:0]        m,
    input  wire [IW-1:0]        k,
    input  wire [IW-1:0]        n,
    output reg                  busy,
    output wire                 done,
    // A read ports (combinational data), one per row lane
    output wire [ROWS-1:0]      a_en,
    output wire [ROWS*IW-1:0]   a_row,
    output wire [ROWS*IW-1:0]   a_col,
    input  wire [ROWS*DW-1:0]   a_data,
    // B read port: one row of the tile
    output wire                 b_en,
    output wire [IW-1:0]        b_row,
    output wire [IW-1:0]        b_col0,
    input  wire [COLS*DW-1:0]   b_data,
    // C accumulate ports, one per column
    output wire [COLS-1:0]      c_en,
    output wire [COLS*IW-1:0]   c_row,
    output wire [COLS*IW-1:0]   c_col,
    output wire [COLS*AW-1:0]   c_data,
    // the array
    output wire                 load,
    output wire [COLS*DW-1:0]   w_top,
    output wire [ROWS*DW-1:0]   a_left,
    input  wire [COLS*AW-1:0]   p_bottom
);
    localparam [1:0] IDLE = 2'd0, PRELOAD = 2'd1, COMPUTE = 2'd2;
    reg [1:0] state;
    reg [IW-1:0] k0, n0, step;
    reg done_now;

    wire [IW-1:0] k_left = k - k0;
    wire [IW-1:0] n_left = n - n0;
    wire [IW-1:0] kt = (k_left < ROWS) ? k_left : ROWS;
    wire [IW-1:0] ct = (n_left < COLS) ? n_left : COLS;
    wire [IW-1:0] last_preload = kt - 1;
    wire [IW-1:0] last_compute = m + ROWS + ct - 2;

    // the array side: one cycle behind the addresses with synchronous buffers
    wire [ROWS-1:0] a_en_d;
    wire [COLS-1:0] c_en_now, w_mask_now, w_mask;
    wire [COLS*IW-1:0] c_row_now, c_col_now;
    sync_lag #(.W(2 + ROWS + 2 * COLS + 2 * COLS * IW), .ON(SYNC_READ)) lag (
        .clk(clk), .rst(rst),
        .d({state == PRELOAD, done_now, a_en, w_mask_now, c_en_now, c_row_now, c_col_now}),
        .q({load, done, a_en_d, w_mask, c_en, c_row, c_col})
    );
    assign b_en = (state == PRELOAD);
    assign b_row = k0 + kt - 1 - step;
    assign b_col0 = n0;

    genvar r, j;
    generate
        for (j = 0; j < COLS; j = j + 1) begin : wcol
            assign w_mask_now[j] = (j < ct);
            assign w_top[j*DW +: DW] = w_mask[j] ? b_data[j*DW +: DW] : {DW{1'b0}};
        end
        for (r = 0; r < ROWS; r = r + 1) begin : lane
            // element t = step - r of lane r, when 0 <= t < m and the lane is in the tile
            wire [IW-1:0] t = step - r;
            /* verilator lint_off UNSIGNED */
            assign a_en[r] = (state == COMPUTE) && (r < kt) && (step >= r) && (t < m);
            /* verilator lint_on UNSIGNED */
            assign a_row[r*IW +: IW] = t;
            assign a_col[r*IW +: IW] = k0 + r;
            assign a_left[r*DW +: DW] = a_en_d[r] ? a_data[r*DW +: DW] : {DW{1'b0}};
        end
        for (j = 0; j < COLS; j = j + 1) begin : out
            // the bottom register of column j holds output row t = step - ROWS - j
            wire [IW-1:0] t = step - ROWS - j;
            assign c_en_now[j] = (state == COMPUTE) && (j < ct) && (step >= ROWS + j) && (t < m);
            assign c_row_now[j*IW +: IW] = t;
            assign c_col_now[j*IW +: IW] = n0 + j;
            assign c_data[j*AW +: AW] = p_bottom[j*AW +: AW];
        end
    endgenerate

    always @(posedge clk) begin
        done_now <= 1'b0;
        if (rst) begin
            state <= IDLE;
            busy <= 1'b0;
        end else case (state)
            IDLE: if (start) begin
                k0 <= 0;
                n0 <= 0;
                step <= 0;
                state <= (m == 0 || k == 0 || n == 0) ? IDLE : PRELOAD;
                busy <= !(m == 0 || k == 0 || n == 0);
                done_now <= (m == 0 || k == 0 || n == 0);
            end
            PRELOAD: if (step == last_preload) begin
                step <= 0;
                state <= COMPUTE;
            end else begin
                step <= step + 1;
            end
            COMPUTE: if (step == last_compute) begin
                step <= 0;
                if (k0 + ROWS < k) begin
                    k0 <= k0 + ROWS;
                    state <= PRELOAD;
                end else if (n0 + COLS < n) begin
                    k0 <= 0;
                    n0 <= n0 + COLS;
                    state <= PRELOAD;
                end else begin
                    state <= IDLE;
                    busy <= 1'b0;
                    done_now <= 1'b1;
                end
            end else begin
                step <= step + 1;
            end
            default: state <= IDLE;
        endcase
    end
endmodule
