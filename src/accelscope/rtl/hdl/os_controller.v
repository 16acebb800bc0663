// Fold sequencer of an output-stationary GEMM C[M x N] = A[M x K] * B[K x N] on a
// ROWS x COLS array, in the order of accelscope's mapping convention (M tiles outer, N
// tiles inner; docs/assumptions.md part 3) with folds back to back:
//
//   compute  mt + nt + K - 2 cycles: in cycle i row lane r < mt presents A[m0+r][i-r] and
//            column lane j < nt presents B[i-j][n0+j] (the skew);
//   drain    ROWS cycles: in drain cycle d the bottom row holds the results of tile row
//            ROWS-1-d, written out to C[m0+ROWS-1-d][n0+j] for j < nt when that row is
//            in the tile.
//
// mt = min(ROWS, M-m0), nt = min(COLS, N-n0). `busy` is high exactly during compute and
// drain, so the busy cycles are the GEMM's compute cycles.
module os_controller #(
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
    output reg                  busy,
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
    output wire                 drain,
    output wire [ROWS*DW-1:0]   a_left,
    output wire [COLS*DW-1:0]   b_top,
    input  wire [COLS*AW-1:0]   acc_bottom
);
    localparam [1:0] IDLE = 2'd0, COMPUTE = 2'd1, DRAIN = 2'd2;
    reg [1:0] state;
    reg [IW-1:0] m0, n0, step;
    reg done_now;

    wire [IW-1:0] m_left = m - m0;
    wire [IW-1:0] n_left = n - n0;
    wire [IW-1:0] mt = (m_left < ROWS) ? m_left : ROWS;
    wire [IW-1:0] nt = (n_left < COLS) ? n_left : COLS;
    wire [IW-1:0] last_compute = mt + nt + k - 3;
    wire [IW-1:0] tile_row = ROWS - 1 - step;  // drain: the tile row at the bottom

    // the array side: one cycle behind the addresses with synchronous buffers
    wire [ROWS-1:0] a_en_d;
    wire [COLS-1:0] b_en_d, c_en_now;
    wire [COLS*IW-1:0] c_row_now, c_col_now;
    sync_lag #(.W(2 + ROWS + 2 * COLS + 2 * COLS * IW), .ON(SYNC_READ)) lag (
        .clk(clk), .rst(rst),
        .d({state == DRAIN, done_now, a_en, b_en, c_en_now, c_row_now, c_col_now}),
        .q({drain, done, a_en_d, b_en_d, c_en, c_row, c_col})
    );

    genvar r, j;
    generate
        for (r = 0; r < ROWS; r = r + 1) begin : lane_a
            wire [IW-1:0] kk = step - r;
            /* verilator lint_off UNSIGNED */
            assign a_en[r] = (state == COMPUTE) && (r < mt) && (step >= r) && (kk < k);
            /* verilator lint_on UNSIGNED */
            assign a_row[r*IW +: IW] = m0 + r;
            assign a_col[r*IW +: IW] = kk;
            assign a_left[r*DW +: DW] = a_en_d[r] ? a_data[r*DW +: DW] : {DW{1'b0}};
        end
        for (j = 0; j < COLS; j = j + 1) begin : lane_b
            wire [IW-1:0] kk = step - j;
            /* verilator lint_off UNSIGNED */
            assign b_en[j] = (state == COMPUTE) && (j < nt) && (step >= j) && (kk < k);
            /* verilator lint_on UNSIGNED */
            assign b_row[j*IW +: IW] = kk;
            assign b_col[j*IW +: IW] = n0 + j;
            assign b_top[j*DW +: DW] = b_en_d[j] ? b_data[j*DW +: DW] : {DW{1'b0}};
        end
        for (j = 0; j < COLS; j = j + 1) begin : out
            assign c_en_now[j] = (state == DRAIN) && (j < nt) && (tile_row < mt);
            assign c_row_now[j*IW +: IW] = m0 + tile_row;
            assign c_col_now[j*IW +: IW] = n0 + j;
            assign c_data[j*AW +: AW] = acc_bottom[j*AW +: AW];
        end
    endgenerate

    always @(posedge clk) begin
        done_now <= 1'b0;
        if (rst) begin
            state <= IDLE;
            busy <= 1'b0;
        end else case (state)
            IDLE: if (start) begin
                m0 <= 0;
                n0 <= 0;
                step <= 0;
                state <= (m == 0 || k == 0 || n == 0) ? IDLE : COMPUTE;
                busy <= !(m == 0 || k == 0 || n == 0);
                done_now <= (m == 0 || k == 0 || n == 0);
            end
            COMPUTE: if (step == last_compute) begin
                step <= 0;
                state <= DRAIN;
            end else begin
                step <= step + 1;
            end
            DRAIN: if (step == ROWS - 1) begin
                step <= 0;
                if (n0 + COLS < n) begin
                    n0 <= n0 + COLS;
                    state <= COMPUTE;
                end else if (m0 + ROWS < m) begin
                    n0 <= 0;
                    m0 <= m0 + ROWS;
                    state <= COMPUTE;
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
